import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { buildPlayground, DEFAULT_OUT } from "../../scripts/playground.ts";
import { PAGE_DIR, servePage } from "../../src/cli/playground.ts";

const ROOT = resolve(import.meta.dirname, "../..");

describe("capsim playground (the command)", function () {
  this.timeout(120_000);
  before(async () => {
    if (!existsSync(join(DEFAULT_OUT, "playground.js")) || !existsSync(join(DEFAULT_OUT, "codemirror.js")))
      await buildPlayground();
  });

  it("looks for the page where the build puts it", () => {
    expect(resolve(PAGE_DIR)).to.equal(DEFAULT_OUT);
  });

  it("prints the path of the page, which exists", () => {
    const r = spawnSync(process.execPath, [join(ROOT, "bin/capsim.js"), "playground"], { encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    const path = r.stdout.trim();
    expect(path).to.equal(join(DEFAULT_OUT, "index.html"));
    expect(existsSync(path)).to.equal(true);
  });

  it("--serve hands out the page and its two scripts on 127.0.0.1, and nothing else", async () => {
    const { server, url } = await servePage(0);
    try {
      expect(url).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const index = await fetch(url);
      expect(index.status).to.equal(200);
      expect(index.headers.get("content-type")).to.contain("text/html");
      expect(await index.text()).to.contain('<script src="playground.js"></script>');
      const script = await fetch(`${url}playground.js`);
      expect(script.status).to.equal(200);
      expect(script.headers.get("content-type")).to.contain("javascript");
      // CodeMirror, the page's second script
      expect((await fetch(`${url}codemirror.js`)).status).to.equal(200);
      expect((await fetch(`${url}../package.json`)).status).to.equal(404);
      expect((await fetch(`${url}other.js`)).status).to.equal(404);
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});
