import { expect } from "chai";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { exportSel4test } from "../../src/sel4test/index.ts";
import { LOGGED_FIELDS } from "../../src/sel4test/log.ts";

/**
 * The generated C of several examples, kept as a golden file (one file, as a user would export them): seL4 engineers read these, so a
 * change to the generator shows up here as a diff to review. After an intended change,
 * regenerate it with `CAPSIM_UPDATE_GOLDEN=1 npx mocha test/sel4test/golden.test.ts`.
 */
const GOLDEN_FILE = "test/sel4test/golden/examples.c";
const GOLDEN_EXAMPLES = [
  "01-map-a-frame",
  "06-kernel-region",
  "09-asid-pools",
  "10-delete-and-revoke",
  "12-errors-users-hit",
  "14-initial-caps",
];
/** AArch64's examples, in their own file: their tests sit under CONFIG_ARCH_AARCH64 and use VSpace objects. */
const GOLDEN_FILE_64 = "test/sel4test/golden/examples-aarch64.c";
const GOLDEN_EXAMPLES_64 = ["15-aarch64-mapping-walk", "16-aarch64-huge-pages", "20-aarch64-asid-pools"];
const update = process.env.CAPSIM_UPDATE_GOLDEN === "1";

const source = (file: string) => ({ file, text: readFileSync(file, "utf8") });

describe("sel4test export: golden files of the generated C", () => {
  it(`${GOLDEN_EXAMPLES.length} examples, exported together, give ${GOLDEN_FILE}`, () => {
    const c = exportSel4test(GOLDEN_EXAMPLES.map((name) => source(`examples/${name}.yaml`)));
    if (update) writeFileSync(GOLDEN_FILE, c);
    expect(c).to.equal(readFileSync(GOLDEN_FILE, "utf8"));
  });

  it(`${GOLDEN_EXAMPLES_64.length} AArch64 examples give ${GOLDEN_FILE_64}: VSpace objects, 64-bit words, under CONFIG_ARCH_AARCH64`, () => {
    const c = exportSel4test(GOLDEN_EXAMPLES_64.map((name) => source(`examples/${name}.yaml`)));
    if (update) writeFileSync(GOLDEN_FILE_64, c);
    expect(c).to.equal(readFileSync(GOLDEN_FILE_64, "utf8"));
    expect(c).to.match(/capsim_fresh_vspace\(&cs, seL4_ARM_VSpaceObject\)/);
    expect(c).to.not.match(/capsim_fresh_vspace\(&cs, seL4_ARM_PageDirectoryObject\)/);
    expect(c.match(/^#if defined\(CONFIG_ARCH_AARCH64\)\nstatic int test_/gm)).to.have.length(
      GOLDEN_EXAMPLES_64.length,
    );
  });

  it("every example exports; each gets a DEFINE_TEST, except the legacy-API one, which says why not", () => {
    const files = readdirSync("examples")
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => join("examples", f));
    const c = exportSel4test(files.map(source));
    const tests = [...c.matchAll(/^DEFINE_TEST\((\w+),/gm)].map((m) => m[1]);
    const legacy = files.filter((f) => /^api: legacy/m.test(readFileSync(f, "utf8")));
    expect(legacy.map((f) => basename(f))).to.deep.equal(["08-legacy-remap.yaml"]);
    expect(tests).to.have.length(files.length - legacy.length);
    expect(new Set(tests).size).to.equal(tests.length);
    expect(c).to.match(/No test: api: legacy follows seL4 10\.1\.1/);
    // What the C prints is what capsim compare reads: the step line, and every field by its name.
    expect(c).to.include('printf("capsim: %s step %d line %d: %s", cs->test, cs->step, line');
    for (const field of LOGGED_FIELDS)
      expect(c, field).to.match(new RegExp(`printf\\(" ([a-zA-Z]+=(0x%llx|%llu) )*${field}=`));
    // The helpers appear once, however many tests the file holds.
    expect(c.match(/^static inline void capsim_call\(/gm)).to.have.length(1);
  });
});
