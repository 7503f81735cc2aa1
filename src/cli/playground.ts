import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { UsageError, validateFlags, type ParsedArgs } from "./flags.ts";
import { PLAYGROUND } from "./specs.ts";

export const PlaygroundFlags = z.object({
  serve: z.literal(true).optional(),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
});

/** Where the build puts the page: dist/playground/, from src/cli/ and from dist/cli/ alike. */
export const PAGE_DIR = fileURLToPath(new URL("../../dist/playground/", import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".png": "image/png",
};
/** The files the page is made of: the server hands out these and nothing else. */
const FILES = ["index.html", "playground.js", "codemirror.js"];

/** Serve the page's files on 127.0.0.1; resolves once listening, with the server and its URL. */
export function servePage(port: number): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const name = (req.url ?? "/").split(/[?#]/)[0]?.replace(/^\/+/, "") || "index.html";
    if (!FILES.includes(name)) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    res
      .writeHead(200, { "content-type": TYPES[extname(name)] ?? "application/octet-stream" })
      .end(readFileSync(join(PAGE_DIR, name)));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      const bound = address !== null && typeof address === "object" ? address.port : port;
      resolve({ server, url: `http://127.0.0.1:${bound}/` });
    });
  });
}

/** `capsim playground [--serve [--port N]]`. */
export async function execute(args: ParsedArgs): Promise<number> {
  const opts = validateFlags(PLAYGROUND, PlaygroundFlags, args.flags);
  const page = join(PAGE_DIR, "index.html");
  if (!existsSync(page))
    throw new UsageError(
      PLAYGROUND.name,
      `the page is not built (${page}); in a checkout, run \`npm run build:playground\``,
    );
  if (!opts.serve) {
    console.log(page);
    return 0;
  }
  const { server, url } = await servePage(opts.port).catch((e: unknown) => {
    throw new UsageError(PLAYGROUND.name, `cannot listen on 127.0.0.1:${opts.port}: ${(e as Error).message}`);
  });
  console.log(`serving the playground at ${url} (Ctrl-C stops)`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => server.close(() => resolve()));
    process.once("SIGTERM", () => server.close(() => resolve()));
  });
  return 0;
}
