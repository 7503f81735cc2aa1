import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { compareWithLog, LogError, readLog } from "../../src/sel4test/index.ts";

/*
 * The logs under test/sel4test/logs/ are written by hand from what seL4 16.0.0 on qemu-arm-virt
 * (USER_TOP 0xa0000000: ../shared/REAL-KERNEL-NOTES.md) answers each step, with sel4test's and
 * the kernel's own output around and between the test's lines:
 * - agree-01.log: example 01; Page_Map without a page table is FailedLookup, MissingCapability
 *   with bitsLeft = PAGE_BITS + PT_INDEX_BITS = 20; GetAddress gives a QEMU RAM address.
 * - agree-12.log: example 12; the untyped[0] step is not run, so it has no line.
 * - disagree-06.log: example 06 on that kernel: mapping at 0xdfffffff and a section at
 *   0xdfe00000 are at or above its USER_TOP, so both are InvalidArgument 0 where capsim,
 *   booted with USER_TOP 0xe0000000, says ok. CRLF line ends, as a serial capture may have.
 * - truncated-01.log: agree-01.log cut after step 6. garbled-01.log: a kernel print inside step 6's line.
 */
const LOGS = "test/sel4test/logs";
const read = (file: string) => ({ file, text: readFileSync(file, "utf8") });
const compare = (example: string, log: string) =>
  compareWithLog(read(`examples/${example}.yaml`), read(`${LOGS}/${log}`));
const capsim = (...args: string[]) => spawnSync(process.execPath, ["bin/capsim.js", ...args], { encoding: "utf8" });

describe("capsim compare: the real kernel's log beside capsim's answers", () => {
  it("a log that agrees: every run step agrees, the queries are not run, and the run is complete", () => {
    const r = compare("01-map-a-frame", "agree-01.log");
    expect(r.testName).to.equal("CAPSIM_01_MAP_A_FRAME");
    expect(r.rows.map((row) => row.verdict)).to.deep.equal([
      "agree",
      "agree",
      "not run",
      "agree",
      "agree",
      "agree",
      "agree",
      "not run",
    ]);
    expect(r.complete).to.equal(true);
    expect(r.rows[1]?.kernel).to.equal("seL4_FailedLookup (failedLookupWasSource=0, lookupFailureType=2, bitsLeft=20)");
    expect(r.rows[1]?.capsim).to.equal(r.rows[1]?.kernel);
    // The machines' addresses differ; the test checks the paddrOf relation itself.
    expect(r.rows[6]?.kernel).to.equal("seL4_NoError (paddr=0x4a2f3000)");
    expect(r.notes.join("\n")).to.match(/the kernel's is 0xa0000000, the scenario assumes 0xe0000000/);
  });

  it("a disagreement: the kernel's USER_TOP refuses two steps capsim allows", () => {
    const r = compare("06-kernel-region", "disagree-06.log");
    expect(r.counts).to.include({ agree: 5, differ: 2 });
    const differ = r.rows.filter((row) => row.verdict === "differ");
    expect(differ.map((row) => row.index)).to.deep.equal([3, 7]);
    expect(differ[0]).to.include({ kernel: "seL4_InvalidArgument (argumentNumber=0)", capsim: "seL4_NoError" });
    expect(differ[0]?.why).to.equal(
      "the errors differ; its address lies between the kernel's USER_TOP and the scenario's",
    );
  });

  it("a field that differs is a difference even when the error agrees", () => {
    const text = readFileSync(`${LOGS}/agree-01.log`, "utf8").replace("bitsLeft=20", "bitsLeft=19");
    const r = compareWithLog(read("examples/01-map-a-frame.yaml"), { file: "edited.log", text });
    expect(r.rows[1]).to.include({ verdict: "differ", why: "bitsLeft: kernel 19, capsim 20" });
  });

  it("a log cut short: the steps it lacks are missing and the run is not complete", () => {
    const r = compare("01-map-a-frame", "truncated-01.log");
    expect(r.counts).to.include({ agree: 5, missing: 1, differ: 0 });
    expect(r.complete).to.equal(false);
    expect(r.notes.join("\n")).to.match(/closing line is missing/);
  });

  it("a garbled capsim line is an error naming the log's line, not a guess", () => {
    expect(() => compare("01-map-a-frame", "garbled-01.log"))
      .to.throw(LogError)
      .with.property("line", 15);
    expect(() => readLog("x.log", "capsim: T begin steps=1\ncapsim: T step 1 line 3: seL4_NoErr\n")).to.throw(
      LogError,
      /x\.log:2: "seL4_NoErr" is not an seL4 error/,
    );
  });

  it("a log without the test's lines, or from another version of the file, answers nothing", () => {
    const other = compare("12-errors-users-hit", "agree-01.log");
    expect(other.complete).to.equal(false);
    expect(other.notes.join("\n")).to.match(
      /no lines of test CAPSIM_12_ERRORS_USERS_HIT \(it has CAPSIM_01_MAP_A_FRAME\)/,
    );
    const moved = readFileSync(`${LOGS}/agree-01.log`, "utf8").replace("step 2 line 9:", "step 2 line 10:");
    const r = compareWithLog(read("examples/01-map-a-frame.yaml"), { file: "moved.log", text: moved });
    expect(r.rows[1]?.verdict).to.equal("missing");
    expect(r.rows[1]?.why).to.match(/made from another version of the file/);
  });

  it("a rerun in the same log: the last run counts", () => {
    const log = readFileSync(`${LOGS}/agree-01.log`, "utf8");
    const twice = log.replace("bitsLeft=20", "bitsLeft=19") + log;
    const r = compareWithLog(read("examples/01-map-a-frame.yaml"), { file: "twice.log", text: twice });
    expect(r.counts.differ).to.equal(0);
  });

  it("the command: exit 0 when all agree, 1 on a difference, 2 for a garbled or incomplete log", () => {
    const ok = capsim("compare", "examples/01-map-a-frame.yaml", `${LOGS}/agree-01.log`);
    expect(ok.status).to.equal(0);
    expect(ok.stdout.trim().split("\n").pop()).to.equal("6 agree, 0 differ, 2 not run, 0 not compared, 0 missing");
    const differ = capsim("compare", "examples/06-kernel-region.yaml", `${LOGS}/disagree-06.log`);
    expect(differ.status).to.equal(1);
    expect(differ.stdout).to.match(
      /step {3}3 \(line 10\) DIFFER seL4_ARM_PageTable_Map on pt\n {6}kernel: seL4_InvalidArgument/,
    );
    const garbled = capsim("compare", "examples/01-map-a-frame.yaml", `${LOGS}/garbled-01.log`);
    expect(garbled.status).to.equal(2);
    expect(garbled.stderr).to.match(/garbled-01\.log:15: /);
    expect(garbled.stderr).not.to.match(/\n\s+at /);
    expect(capsim("compare", "examples/01-map-a-frame.yaml", `${LOGS}/truncated-01.log`).status).to.equal(2);
    expect(capsim("compare", "examples/01-map-a-frame.yaml", `${LOGS}/no-such.log`).stderr).to.match(
      /capsim compare: cannot read .*no-such\.log/,
    );
  });

  it("the export command: the C on stdout, exit 0; an invalid file or format, exit 2", () => {
    const ok = capsim("export", "--format", "sel4test", "--name", "MINE", "examples/01-map-a-frame.yaml");
    expect(ok.status).to.equal(0);
    expect(ok.stdout).to.match(/^DEFINE_TEST\(MINE_01_MAP_A_FRAME, /m);
    const bad = capsim("export", "--format", "sel4test", "test/scenarios/invalid/unknown-invocation.yaml");
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.match(/unknown-invocation\.yaml:4:\d+: steps\[1\]\.invoke/);
    expect(capsim("export", "--format", "nope", "examples/01-map-a-frame.yaml").status).to.equal(2);
  });

  it("export's flags belong to their formats: --at only for one state, --name only for sel4test, one file unless sel4test", () => {
    const cases: [string[], RegExp][] = [
      [["--format", "sel4test", "--at", "2", "examples/01-map-a-frame.yaml"], /--at is for capdl, json and dot/],
      [["--name", "X", "examples/01-map-a-frame.yaml"], /--name is for --format sel4test/],
      [["examples/01-map-a-frame.yaml", "examples/02-large-pages.yaml"], /exports one scenario file's state/],
      [["--format", "pdf", "examples/01-map-a-frame.yaml"], /the formats are capdl, json, dot, sel4test/],
    ];
    for (const [args, message] of cases) {
      const r = capsim("export", ...args);
      expect([r.status, r.stderr], args.join(" ")).to.satisfy(
        ([status, stderr]: [number, string]) => status === 2 && message.test(stderr),
      );
    }
  });
});
