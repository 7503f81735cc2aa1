import { z } from "zod";
import { DEFAULT_CONFIGS, objectTypeNames } from "../arch/index.ts";
import { LIBSEL4, LIBSEL4_AARCH64 } from "../invocations/libsel4.ts";
import { ERROR_CODES } from "../model/errors.ts";
import {
  Boot,
  ErrorExpect,
  Expect,
  NumberValue,
  ScenarioHeader,
  STEP_SCHEMAS,
  Value,
  WideWordValue,
} from "./schema.ts";

/**
 * The scenario format as a JSON Schema (draft-07), generated from the zod schemas in schema.ts
 * with zod's z.toJSONSchema, for editors: the examples name it in a yaml-language-server comment,
 * so an editor completes keys and invocation names and marks a typo as you type.
 * `npm run schema` writes it to schema/scenario.schema.json; a test keeps that file in sync.
 *
 * Beyond what zod can express, it adds what the loader and runner check later: the strings a
 * number may be written as, and the names of invocations, object types and errors.
 */

/** What an editor shows on hover, and a definition name for each schema used in several places. */
const EDITOR_DOCS = z.registry<{
  id?: string;
  title?: string;
  description: string;
}>();
EDITOR_DOCS.add(NumberValue, {
  id: "number",
  description:
    "A non-negative integer: decimal, hex (0x10000000) or a size with a binary suffix (4KiB, 1MiB, 16MiB, 1GiB).",
});
EDITOR_DOCS.add(WideWordValue, {
  id: "word",
  description:
    'One word, up to 0xffffffff on aarch32 and 0xffffffffffffffff on aarch64: an integer, or decimal or hex in quotes ("0xcafef00d12345678"), which above 2^53 it must be: YAML reads a bare number there inexactly.',
});
EDITOR_DOCS.add(Value, {
  id: "value",
  description: "A number, or the physical address of a named object: { paddrOf: name, plus: offset }.",
});
EDITOR_DOCS.add(Expect, {
  id: "expect",
  description:
    "What the step must return: ok; { ok: { key: value } } (only the keys given are compared); { error: seL4_..., field: value }; or, for read and write, { fault: { kind, level, fsr, vaddr } } (AArch64: level 0-3 and esr instead of fsr). Without expect, the step must succeed.",
});
EDITOR_DOCS.add(Boot, {
  id: "boot",
  description:
    "The memory map to boot from; the default is one RAM region of 256 MiB at 0x0 (aarch32) or 1 GiB at 0x40000000 (aarch64).",
});
const STEP_DOCS: Readonly<Record<keyof typeof STEP_SCHEMAS, string>> = {
  invoke:
    "Any kernel invocation, by its libsel4 name; cap names the invoked capability, args takes libsel4's parameter names (dest, src and pivot take slot names).",
  retype:
    "Retype from the first RAM untyped with room (or from: a named one) into the next free slots, naming the new caps.",
  copy: "Copy a cap into a new named slot; with rights, a mint.",
  delete: "seL4_CNode_Delete on the named slot.",
  revoke: "seL4_CNode_Revoke on the named slot.",
  resolve:
    "Walk a VSpace root's tables (a page directory on aarch32, a VSpace on aarch64) for a virtual address, as the MMU would. Returns mapped, paddr, pageSize, size, rights, slot; or mapped: false and level (and on aarch64 depth, the ARM level).",
  switch: "Make a thread current, loading its address space as seL4's setVMRoot does. Returns pd and hwASID.",
  read: "Read length bytes (default one word: 4 on aarch32, 8 on aarch64) at a virtual address through the current thread's address space. Returns value (a hex string at or above 2^53) and bytes, or a VM fault.",
  write:
    "Write one word (little-endian: 4 bytes on aarch32, 8 on aarch64; quote a value above 2^53) or a list of bytes at a virtual address through the current thread's address space. Returns nothing, or a VM fault.",
};
for (const [action, schema] of Object.entries(STEP_SCHEMAS))
  EDITOR_DOCS.add(schema, {
    id: `${action}Step`,
    description: STEP_DOCS[action as keyof typeof STEP_SCHEMAS],
  });

/** The whole file: the header with its steps, each one of the step kinds. */
const ScenarioFile = ScenarioHeader.extend({
  steps: z.array(z.union(Object.values(STEP_SCHEMAS))).min(1),
});
EDITOR_DOCS.add(ScenarioFile, {
  title: "capsim scenario",
  description:
    "A capsim scenario: boot a simulated seL4 machine, perform steps, check what each returned. See docs/scenarios.md.",
});

const NUMBER_TEXT = "^(0x[0-9a-fA-F]+|[0-9]+|[0-9]+ *(KiB|MiB|GiB))$";
/** A word up to 2^64 - 1 as a string: decimal or hex, exact at any size. */
const WORD_TEXT = "^(0x[0-9a-fA-F]{1,16}|[0-9]{1,20})$";
const ERROR_NAMES = Object.keys(ERROR_CODES).filter((e) => e !== "NoError");

type JsonObject = Record<string, unknown>;

/** Narrows the generated schema of `zodSchema` where the zod schema takes any string. */
function refine(zodSchema: unknown, json: JsonObject): void {
  if (zodSchema === NumberValue) {
    delete json.type;
    json.anyOf = [
      { type: "integer", minimum: 0 },
      { type: "string", pattern: NUMBER_TEXT },
    ];
  } else if (zodSchema === WideWordValue) {
    delete json.type;
    json.anyOf = [
      { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
      { type: "string", pattern: WORD_TEXT },
    ];
  } else if (zodSchema === STEP_SCHEMAS.invoke.shape.invoke) {
    json.enum = [...new Set([...Object.keys(LIBSEL4), ...Object.keys(LIBSEL4_AARCH64)])];
  } else if (zodSchema === STEP_SCHEMAS.retype.shape.retype.shape.type) {
    json.enum = [...new Set(Object.values(DEFAULT_CONFIGS).flatMap((c) => objectTypeNames(c)))];
  } else if (zodSchema === ERROR_SCHEMA) {
    json.enum = [...ERROR_NAMES.map((e) => `seL4_${e}`), ...ERROR_NAMES];
  }
}

/** The `error` key of an error expectation. */
const ERROR_SCHEMA = ErrorExpect.shape.error;

/** The scenario format as a JSON Schema object, ready for JSON.stringify. */
export function scenarioJsonSchema(): JsonObject {
  const schema = z.toJSONSchema(ScenarioFile, {
    target: "draft-7",
    io: "input",
    metadata: EDITOR_DOCS,
    override: (ctx) => refine(ctx.zodSchema, ctx.jsonSchema as JsonObject),
  });
  return schema as JsonObject;
}
