import { expect } from "chai";
import { loadScenarioText } from "../../src/scenario/load.ts";
import { runScenario, type ScenarioReport } from "../../src/scenario/run.ts";

/**
 * The checks each decoder records, in order. The expected orders are seL4's, taken from its
 * decoders as ../shared/SEL4-ARM-REFERENCE.md §5 lists them (ARM32, seL4 16.0.0 and 10.1.1) and
 * from seL4's decodeUntypedInvocation and decodeCNodeInvocation; a refusal ends at the check
 * that refused.
 */

const run = (steps: string, header = ""): ScenarioReport =>
  runScenario(loadScenarioText("t.yaml", `name: t\n${header}steps:\n${steps}`));

const INVOKED = "look up the invoked cap (lookupCapAndSlot)";
const extra = (i: number) => `look up extra cap ${i} (lookupCapAndSlot)`;
const NOT_NULL = "the invoked cap is not the null cap";
const lookups = (extras: number) => [INVOKED, ...Array.from({ length: extras }, (_, i) => extra(i)), NOT_NULL];

const RETYPE_CHECKS = [
  "invocation label",
  "message length and extra caps",
  "the object type exists",
  "the object size (size_bits below the word size, object at most maxUntypedBits)",
  "a CNode has at least one radix bit",
  "an untyped is at least minUntypedBits",
  "the destination CNode lookup (lookupTargetSlot)",
  "the destination is a CNode cap",
  "node_offset inside the CNode",
  "node_window between 1 and the fan-out limit",
  "node_window fits in the CNode",
  "the destination slots are empty (ensureEmptySlot)",
  "enough free memory in the untyped",
  "device memory only for frames and untypeds",
];

const PAGE_MAP_PREFIX = [
  ...lookups(1),
  "message length and extra caps",
  "page directory cap with an ASID",
  "the frame's last byte below USER_TOP",
  "findPDForASID",
  "the page directory is the one its ASID names",
  "alignment (checkVPAlignment)",
];
const ENTRIES = "a page table where needed and no conflicting entry (createSafeMappingEntries)";

const PT_MAP = [
  ...lookups(1),
  "invocation label",
  "message length and extra caps",
  "page table cap not mapped yet",
  "page directory cap with an ASID",
  "vaddr below USER_TOP",
  "findPDForASID",
  "the page directory is the one its ASID names",
  "the page-directory slot is empty",
];

const checksOf = (r: ScenarioReport) => r.steps.map((s) => s.checks);
/** The checks up to and including the one that refused. */
const upTo = (list: readonly string[], refused: string) => list.slice(0, list.indexOf(refused) + 1);

describe("decoders record the checks they make, in seL4's order", () => {
  it("Untyped_Retype: every check on a success; a refusal ends at the check that refused", () => {
    const r = run(`
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - retype: { type: seL4_ARM_SmallPageObject, as: frame, from: "untyped[25]" }
`);
    expect(r.steps[0]?.checks).to.deep.equal([...lookups(1), ...RETYPE_CHECKS]);
    // the name is taken: the destination slot is not empty, so DeleteFirst at ensureEmptySlot
    expect(r.steps[1]?.result).to.match(/DeleteFirst/);
    expect(r.steps[1]?.checks).to.deep.equal([
      ...lookups(1),
      ...upTo(RETYPE_CHECKS, "the destination slots are empty (ensureEmptySlot)"),
    ]);
  });

  it("Page_Map: success, AlignmentError before the missing page table, FailedLookup at createSafeMappingEntries", () => {
    const r = run(`
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000010, rights: RW, attr: default }
    expect: { error: seL4_AlignmentError }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: { error: seL4_FailedLookup }
  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, attr: default }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10001000, rights: RW, attr: default }
    expect: { error: seL4_InvalidArgument }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, attr: default }
    expect: { error: seL4_InvalidCapability, invalidCapNumber: 0 }
  - invoke: seL4_ARM_Page_Unmap
    cap: frame
  - invoke: seL4_ARM_PageTable_Unmap
    cap: pt
`);
    expect(r.passed).to.equal(true);
    const c = checksOf(r);
    expect(c[1]).to.deep.equal(PAGE_MAP_PREFIX);
    expect(c[2]).to.deep.equal([...PAGE_MAP_PREFIX, ENTRIES]);
    expect(c[4]).to.deep.equal(PT_MAP);
    expect(c[5]).to.deep.equal([...PAGE_MAP_PREFIX, ENTRIES]);
    // a mapped cap: the ASID and then the vaddr are compared, and USER_TOP is not checked (§5.3 step 3)
    expect(c[6]).to.deep.equal([
      ...lookups(1),
      "message length and extra caps",
      "page directory cap with an ASID",
      "a mapped frame cap: the same ASID",
      "a mapped frame cap: the same vaddr",
    ]);
    expect(c[7]).to.deep.equal(upTo(PT_MAP, "page table cap not mapped yet"));
    expect(c[8]).to.deep.equal(lookups(0)); // Page_Unmap makes no checks
    expect(c[9]).to.deep.equal([...lookups(0), "the last cap to the page table (isFinalCapability)"]);
  });

  it("seL4 10.x's Page_Map: a mapped cap is refused first; USER_TOP comes after the directory checks", () => {
    const r = run(
      `
  - retype: { type: seL4_ARM_SectionObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
    expect: { error: seL4_InvalidCapability, invalidCapNumber: 0 }
`,
      "api: legacy\n",
    );
    expect(r.passed).to.equal(true);
    const legacy = [
      ...lookups(1),
      "message length and extra caps",
      "the frame cap is not mapped yet",
      "page directory cap with an ASID",
      "findPDForASID",
      "the page directory is the one its ASID names",
      "the frame's last byte below USER_TOP",
      "alignment (checkVPAlignment)",
      ENTRIES,
    ];
    expect(r.steps[1]?.checks).to.deep.equal(legacy);
    expect(r.steps[2]?.checks).to.deep.equal(upTo(legacy, "the frame cap is not mapped yet"));
  });

  it("ASIDControl_MakePool and ASIDPool_Assign", () => {
    const r = run(`
  - retype: { type: seL4_ARM_PageDirectoryObject, as: pd }
  - retype: { type: seL4_UntypedObject, size_bits: 12, as: pool_memory }
  - invoke: seL4_ARM_ASIDControl_MakePool
    cap: ASIDControl
    args: { untyped: pool_memory, dest: pool }
  - invoke: seL4_ARM_ASIDControl_MakePool
    cap: ASIDControl
    args: { untyped: pool_memory, dest: pool2 }
    expect: { error: seL4_RevokeFirst }
  - invoke: seL4_ARM_ASIDPool_Assign
    cap: pool
    args: { vspace: pd }
  - invoke: seL4_ARM_ASIDPool_Assign
    cap: pool
    args: { vspace: pd }
    expect: { error: seL4_InvalidCapability, invalidCapNumber: 1 }
`);
    expect(r.passed).to.equal(true);
    const makePool = [
      ...lookups(2),
      "invocation label",
      "message length and extra caps",
      "a free slot in the ASID table",
      "a 4 KiB non-device untyped cap",
      "the untyped has no children (ensureNoChildren)",
      "destination slot lookup (lookupTargetSlot)",
      "destination slot empty (ensureEmptySlot)",
    ];
    const c = checksOf(r);
    expect(c[2]).to.deep.equal(makePool);
    expect(c[3]).to.deep.equal(upTo(makePool, "the untyped has no children (ensureNoChildren)"));
    const assign = [
      ...lookups(1),
      "invocation label",
      "extra cap present",
      "page directory cap without an ASID",
      "the ASID table holds a pool for the cap's ASIDs",
      "that pool is the cap's pool",
      "a free ASID in the pool",
    ];
    expect(c[4]).to.deep.equal(assign);
    expect(c[5]).to.deep.equal(upTo(assign, "page directory cap without an ASID"));
  });

  it("the cache operations of a frame and of a page directory", () => {
    const r = run(`
  - retype: { type: seL4_ARM_SectionObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: InitThreadVSpace, vaddr: 0x10000000, rights: RW, attr: default }
  - invoke: seL4_ARM_Page_Clean_Data
    cap: frame
    args: { start_offset: 0, end_offset: 64 }
  - invoke: seL4_ARM_PageDirectory_Clean_Data
    cap: InitThreadVSpace
    args: { start: 0x10000000, end: 0x10200000 }
    expect: { error: seL4_RangeError }
`);
    expect(r.passed).to.equal(true);
    expect(r.steps[2]?.checks).to.deep.equal([
      ...lookups(0),
      "invocation label",
      "message length",
      "the frame cap is mapped",
      "findPDForASID",
      "end > start",
      "the cap's mapping still holds this frame (resolveVAddr)",
      "offsets inside the frame",
    ]);
    expect(r.steps[3]?.checks).to.deep.equal([
      ...lookups(0),
      "invocation label",
      "message length",
      "end > start",
      "the range below USER_TOP",
      "the page directory has an ASID",
      "findPDForASID",
      "the page directory is the one its ASID names",
      "something is mapped at start (resolveVAddr; else nothing to do)",
      "the range inside the frame mapped at start",
    ]);
  });

  it("CNode_Copy: a copy of an unassigned page directory is refused where deriveCap refuses it", () => {
    const r = run(`
  - retype: { type: seL4_ARM_PageDirectoryObject, as: pd }
  - copy: { from: pd, as: pd_copy }
    expect: { error: seL4_IllegalOperation }
  - copy: { from: InitThreadVSpace, as: vs_copy }
`);
    expect(r.passed).to.equal(true);
    const copy = [
      ...lookups(1),
      "invocation label",
      "message length",
      "the destination slot lookup (lookupTargetSlot)",
      "message length and the source root",
      "the destination slot is empty (ensureEmptySlot)",
      "the source slot lookup (lookupSourceSlot)",
      "the source slot holds a cap",
      "message length (rights and badge)",
      "derive the cap (deriveCap)",
      "the new cap is not the null cap",
    ];
    expect(r.steps[1]?.checks).to.deep.equal(upTo(copy, "derive the cap (deriveCap)"));
    expect(r.steps[2]?.checks).to.deep.equal(copy);
  });

  it("a cap fault ends at the lookup that failed; a query step records no checks", () => {
    const r = run(`
  - invoke: seL4_ARM_Page_Unmap
    cap: InitThreadCNode
    expect: { error: seL4_IllegalOperation }
  - resolve: { vspace: InitThreadVSpace, vaddr: 0x10000000 }
`);
    expect(r.steps[0]?.checks?.slice(0, 3)).to.deep.equal([...lookups(0), "invocation label"]);
    expect(r.steps[1]?.checks).to.equal(undefined);
  });
});
