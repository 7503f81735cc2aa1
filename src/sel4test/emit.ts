import type { RunStep, SkipStep, StepPlan, TestPlan } from "./plan.ts";

/**
 * Writes test plans as one C file for sel4test's test application (apps/sel4test-tests/src/tests/).
 * The file is meant to be read by seL4 engineers: each step carries the scenario's own lines,
 * each call is spelled out register by register, and the helpers at the top are the only
 * machinery. Every step prints one line that `capsim compare` reads:
 *
 *   capsim: TEST step N line L: seL4_Error field=value ...
 */

/** The marker every line the tests print starts with; the log reader looks for it. */
export const LOG_MARKER = "capsim:";

/**
 * The helpers every test uses, once per file. They are `static inline` so that a file whose
 * tests leave one unused still builds with -Wall -Werror.
 */
const HELPERS = String.raw`#include <autoconf.h>
#include <stdio.h>
#include <sel4/sel4.h>
#include <vka/object.h>

#include "../helpers.h"

/* One scenario's run: the step being run, the kernel's last reply, and what did not hold. */
typedef struct {
    env_t env;
    const char *test;
    int step;
    seL4_Word label;
    seL4_Word error;
    seL4_Word mr[4];
    int error_as_expected;
    int failures;
    int setup_failed;
} capsim_t;

static inline const char *capsim_error_name(seL4_Word error)
{
    static const char *const names[] = {
        "seL4_NoError", "seL4_InvalidArgument", "seL4_InvalidCapability", "seL4_IllegalOperation",
        "seL4_RangeError", "seL4_AlignmentError", "seL4_FailedLookup", "seL4_TruncatedMessage",
        "seL4_DeleteFirst", "seL4_RevokeFirst", "seL4_NotEnoughMemory",
    };
    return error < sizeof(names) / sizeof(names[0]) ? names[error] : "seL4_UnknownError";
}

static inline capsim_t capsim_begin(env_t env, const char *test, int steps)
{
    capsim_t cs = { .env = env, .test = test };
    printf("capsim: %s begin steps=%d\n", test, steps);
    return cs;
}

/* The scenario's addresses assume one seL4_UserTop; say which this kernel has. */
static inline void capsim_user_top(capsim_t *cs, unsigned long long kernel, unsigned long long scenario)
{
    printf("capsim: %s userTop=0x%llx scenario=0x%llx%s\n", cs->test, kernel, scenario,
           kernel == scenario ? "" : " (steps at addresses between the two answer differently)");
}

static inline void capsim_setup_failed(capsim_t *cs, const char *what)
{
    printf("capsim: %s step %d setup failed: %s\n", cs->test, cs->step, what);
    cs->setup_failed = 1;
}

static inline int capsim_end(capsim_t *cs)
{
    printf("capsim: %s end failures=%d%s\n", cs->test, cs->failures, cs->setup_failed ? " setup-failed" : "");
    test_check(cs->failures == 0 && !cs->setup_failed);
    return sel4test_get_result();
}

#define CAPSIM_SETUP_OK(cs) do { if ((cs)->setup_failed) return capsim_end(cs); } while (0)

/* A free slot of the test's CNode, for a name the scenario gives. */
static inline seL4_CPtr capsim_slot(capsim_t *cs)
{
    seL4_CPtr slot = 0;
    if (vka_cspace_alloc(&cs->env->vka, &slot) != 0) {
        capsim_setup_failed(cs, "no free slot in the test's CNode");
    }
    return slot;
}

static inline seL4_CPtr capsim_fresh_object(capsim_t *cs, seL4_Word type, seL4_Word size_bits)
{
    vka_object_t object = {0};
    if (vka_alloc_object(&cs->env->vka, type, size_bits, &object) != 0) {
        capsim_setup_failed(cs, "cannot allocate a fresh object");
    }
    return object.cptr;
}

/* The scenario's InitThreadVSpace: a fresh VSpace root with an ASID from the test's pool. */
static inline seL4_CPtr capsim_fresh_vspace(capsim_t *cs, seL4_Word type)
{
    seL4_CPtr vspace = capsim_fresh_object(cs, type, 0);
    if (!cs->setup_failed && seL4_ARM_ASIDPool_Assign(cs->env->asid_pool, vspace) != seL4_NoError) {
        capsim_setup_failed(cs, "no free ASID in the test's pool");
    }
    return vspace;
}

/* A fresh untyped of exactly the size of count objects (count rounded up to a power of two). */
static inline seL4_CPtr capsim_untyped_for(capsim_t *cs, seL4_Word type, seL4_Word size_bits, seL4_Word count)
{
    seL4_Word bits = vka_get_object_size(type, size_bits);
    for (seL4_Word n = 1; n < count; n *= 2) {
        bits++;
    }
    if (bits < seL4_MinUntypedBits) {
        bits = seL4_MinUntypedBits;
    }
    if (bits > seL4_MaxUntypedBits) {
        bits = seL4_MaxUntypedBits;
    }
    vka_object_t untyped = {0};
    if (vka_alloc_untyped(&cs->env->vka, bits, &untyped) != 0) {
        capsim_setup_failed(cs, "no untyped of the size the objects need");
    }
    return untyped.cptr;
}

/* One retype makes its objects in consecutive slots; the names were given slots in order. */
static inline void capsim_consecutive(capsim_t *cs, int n, const seL4_CPtr *slots)
{
    for (int i = 1; i < n; i++) {
        if (slots[i] != slots[0] + i) {
            capsim_setup_failed(cs, "the allocator gave the names of one retype slots that are not consecutive");
            return;
        }
    }
}

static inline seL4_Word capsim_frame_paddr(capsim_t *cs, seL4_CPtr frame)
{
    seL4_ARM_Page_GetAddress_t address = seL4_ARM_Page_GetAddress(frame);
    if (address.error != seL4_NoError) {
        printf("capsim: %s step %d note: Page_GetAddress answered %s\n", cs->test, cs->step,
               capsim_error_name(address.error));
    }
    return address.paddr;
}

/* An untyped's address: a 4 KiB probe frame at its start, deleted again, which leaves the untyped unused. */
static inline seL4_Word capsim_untyped_paddr(capsim_t *cs, seL4_CPtr untyped)
{
    seL4_CPtr probe = capsim_slot(cs);
    seL4_Word paddr = 0;
    if (cs->setup_failed) {
        return 0;
    }
    if (seL4_Untyped_Retype(untyped, seL4_ARM_SmallPageObject, 0, cs->env->cspace_root, 0, 0, probe, 1) != seL4_NoError) {
        capsim_setup_failed(cs, "cannot make a probe frame in a fresh untyped");
        return 0;
    }
    paddr = capsim_frame_paddr(cs, probe);
    seL4_CNode_Delete(cs->env->cspace_root, probe, seL4_WordBits);
    return paddr;
}

/*
 * The step's call, with the caps and words already in the IPC buffer, and its one line: the
 * error, and the error's fields from message registers 0-3 (seL4 sets no registers for
 * errors without fields: those print none).
 */
static inline void capsim_call(capsim_t *cs, int line, seL4_CPtr service, seL4_Word label, seL4_Word caps, seL4_Word words)
{
    seL4_MessageInfo_t reply = seL4_Call(service, seL4_MessageInfo_new(label, 0, caps, words));
    cs->label = label;
    cs->error = seL4_MessageInfo_get_label(reply);
    for (int i = 0; i < 4; i++) {
        cs->mr[i] = seL4_GetMR(i);
    }
    unsigned long long mr0 = cs->mr[0], mr1 = cs->mr[1], mr2 = cs->mr[2], mr3 = cs->mr[3];
    printf("capsim: %s step %d line %d: %s", cs->test, cs->step, line, capsim_error_name(cs->error));
    switch (cs->error) {
    case seL4_NoError:
        if (label == ARMPageGetAddress) {
            printf(" paddr=0x%llx", mr0);
        }
        break;
    case seL4_InvalidArgument:
        printf(" argumentNumber=%llu", mr0);
        break;
    case seL4_InvalidCapability:
        printf(" invalidCapNumber=%llu", mr0);
        break;
    case seL4_RangeError:
        printf(" rangeMin=0x%llx rangeMax=0x%llx", mr0, mr1);
        break;
    case seL4_FailedLookup:
        printf(" failedLookupWasSource=%llu lookupFailureType=%llu", mr0, mr1);
        if (mr1 == seL4_MissingCapability || mr1 == seL4_DepthMismatch || mr1 == seL4_GuardMismatch) {
            printf(" bitsLeft=%llu", mr2);
        }
        if (mr1 == seL4_DepthMismatch) {
            printf(" bitsFound=%llu", mr3);
        }
        if (mr1 == seL4_GuardMismatch) {
            printf(" guardFound=0x%llx", mr3);
        }
        break;
    case seL4_NotEnoughMemory:
        printf(" memoryLeft=0x%llx", mr0);
        break;
    default:
        break;
    }
    printf("\n");
}

static inline void capsim_expect_error(capsim_t *cs, seL4_Word error)
{
    cs->error_as_expected = cs->error == error;
    if (!cs->error_as_expected) {
        printf("capsim: %s step %d expectation failed: %s, the scenario expects %s\n", cs->test, cs->step,
               capsim_error_name(cs->error), capsim_error_name(error));
        cs->failures++;
    }
}

/* A field of the expected error (or of a success's reply), checked only when the error was the expected one. */
static inline void capsim_expect_mr(capsim_t *cs, int mr, const char *field, seL4_Word value)
{
    if (cs->error_as_expected && cs->mr[mr] != value) {
        printf("capsim: %s step %d expectation failed: %s (MR%d) is 0x%llx, the scenario expects 0x%llx\n", cs->test,
               cs->step, field, mr, (unsigned long long)cs->mr[mr], (unsigned long long)value);
        cs->failures++;
    }
}

#if defined(CONFIG_ARCH_AARCH32)
/*
 * libsel4 does not define seL4_UserTop on ARM32, and it is per platform (0xa0000000 on
 * qemu-arm-virt with 2 GiB of RAM). The kernel refuses a page table at or above it
 * (PageTable_Map: InvalidArgument 0), so search for the lowest MiB it refuses, with a VSpace
 * and a page table of the search's own, freed afterwards.
 */
static inline seL4_Word capsim_user_top_aarch32(capsim_t *cs)
{
    vka_object_t pd = {0}, pt = {0};
    if (vka_alloc_object(&cs->env->vka, seL4_ARM_PageDirectoryObject, 0, &pd) != 0
        || vka_alloc_object(&cs->env->vka, seL4_ARM_PageTableObject, 0, &pt) != 0
        || seL4_ARM_ASIDPool_Assign(cs->env->asid_pool, pd.cptr) != seL4_NoError) {
        capsim_setup_failed(cs, "cannot make the VSpace that finds seL4_UserTop");
        return 0;
    }
    seL4_Word low = 0;           /* a page table maps here */
    seL4_Word high = 0xfff00000; /* and not here: the kernel's own */
    while (high - low > ((seL4_Word)1 << 20)) {
        seL4_Word mid = low + (((high - low) / 2) & ~(((seL4_Word)1 << 20) - 1));
        if (seL4_ARM_PageTable_Map(pt.cptr, pd.cptr, mid, seL4_ARM_Default_VMAttributes) == seL4_NoError) {
            seL4_ARM_PageTable_Unmap(pt.cptr);
            low = mid;
        } else {
            high = mid;
        }
    }
    vka_free_object(&cs->env->vka, &pt);
    vka_free_object(&cs->env->vka, &pd);
    return high;
}
#endif

#if defined(CONFIG_ARCH_AARCH64)
static inline seL4_Word capsim_user_top_aarch64(capsim_t *cs)
{
    (void)cs;
    return seL4_UserTop;
}
#endif
`;

/** A C string literal. */
function cString(text: string): string {
  return `"${text
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/[^\x20-\x7e]/g, "?")}"`;
}

/** Text safe inside a C block comment. */
const commentSafe = (text: string): string => text.replace(/\*\//g, "* /").replace(/[^\x20-\x7e]/g, "?");

function commentBlock(indent: string, lines: readonly string[]): string[] {
  return [`${indent}/*`, ...lines.map((l) => `${indent} *${l === "" ? "" : ` ${commentSafe(l)}`}`), `${indent} */`];
}

/** Statements with a trailing comment, the comments lined up. */
function aligned(indent: string, rows: readonly [string, string][]): string[] {
  const width = Math.max(0, ...rows.map(([code]) => code.length));
  return rows.map(([code, note]) => `${indent}${code.padEnd(width)} /* ${commentSafe(note)} */`);
}

function runStepLines(s: RunStep): string[] {
  const i = "    ";
  const out = commentBlock(i, [`step ${s.index}, line ${s.line}:`, ...s.source.map((l) => `  ${l}`)]);
  for (const r of s.remarks) out.push(`${i}/* not checked: ${commentSafe(r)} */`);
  out.push(`${i}cs.step = ${s.index};`);
  for (const line of s.setup) out.push(`${i}${line}`);
  out.push(
    ...aligned(i, [
      ...s.call.caps.map((c, n): [string, string] => [`seL4_SetCap(${n}, ${c.expr});`, c.param]),
      ...s.call.words.map((w, n): [string, string] => [`seL4_SetMR(${n}, ${w.expr});`, w.param]),
    ]),
  );
  out.push(
    `${i}capsim_call(&cs, ${s.line}, ${s.call.service}, ${s.call.label}, ${s.call.caps.length}, ${s.call.words.length}); /* ${s.call.fn} */`,
  );
  for (const c of s.checks)
    out.push(
      c.kind === "error"
        ? `${i}capsim_expect_error(&cs, ${c.error});`
        : `${i}capsim_expect_mr(&cs, ${c.mr}, ${cString(c.field)}, ${c.expr});`,
    );
  for (const line of s.after) out.push(`${i}${line}`);
  return out;
}

function skipStepLines(s: SkipStep): string[] {
  return commentBlock("    ", [
    `step ${s.index}, line ${s.line}: not run: ${s.reason}`,
    ...s.source.map((l) => `  ${l}`),
  ]);
}

const stepLines = (s: StepPlan): string[] => (s.kind === "run" ? runStepLines(s) : skipStepLines(s));

function testLines(plan: TestPlan): string[] {
  const run = plan.steps.filter((s) => s.kind === "run").length;
  const header = [
    `${plan.file}: ${plan.title}`,
    `${plan.steps.length} steps: ${run} run here, ${plan.steps.length - run} not run (each says why).`,
  ];
  if (plan.notExported !== undefined) return [...commentBlock("", [...header, `No test: ${plan.notExported}.`]), ""];
  let body = plan.steps.flatMap((s) => ["", ...stepLines(s)]);
  // A variable only skipped steps were to use would be unused, or set and never read: either
  // is a warning, and sel4test may build with -Werror.
  const declarations = plan.declarations.filter((d) => {
    const id = /^seL4_\w+ (\w+) =/.exec(d)?.[1];
    if (id === undefined) return true;
    const mention = new RegExp(`\\b${id}\\b`);
    const assignment = new RegExp(`(^|\\) )${id} = `);
    if (body.some((l) => mention.test(l) && !assignment.test(l.trim()))) return true;
    body = body.filter((l) => !mention.test(l));
    return false;
  });
  return [
    ...commentBlock("", header),
    `#if ${plan.arch.cppCondition}`,
    `static int ${plan.functionName}(env_t env)`,
    "{",
    `    capsim_t cs = capsim_begin(env, ${cString(plan.testName)}, ${plan.steps.length});`,
    `    capsim_user_top(&cs, ${plan.arch.userTopProbe}(&cs), 0x${plan.userTop.toString(16)}ull);`,
    ...declarations.map((d) => `    ${d}`),
    "    CAPSIM_SETUP_OK(&cs);",
    ...body,
    "",
    "    return capsim_end(&cs);",
    "}",
    `DEFINE_TEST(${plan.testName}, ${cString(`capsim scenario ${plan.title}`)}, ${plan.functionName}, true)`,
    `#endif`,
    "",
  ];
}

/** The C file for these plans: the helpers, then one test per plan. */
export function emitSel4testFile(plans: readonly TestPlan[]): string {
  const sources = plans.map((p) => `  ${p.testName.padEnd(31)} ${p.file}`);
  return [
    ...commentBlock("", [
      "Generated by capsim (capsim export --format sel4test): each test runs one capsim scenario on",
      "the real kernel, in a sel4test test process. Regenerate it rather than edit it.",
      "",
      ...sources,
      "",
      "Each step is a raw seL4_Call with libsel4's label, extra caps and message words in libsel4's",
      "order, and prints one line: capsim: TEST step N line L: seL4_Error field=value ...",
      "`capsim compare FILE.yaml LOG` reads those lines and sets them beside capsim's answers.",
      "The scenario's names: InitThreadCNode is the test's CNode; ASIDControl and InitThreadASIDPool",
      "the test's ASID control and pool; InitThreadVSpace a fresh VSpace root with an ASID from that",
      "pool; InitThreadTCB a fresh TCB. A retype without from: makes a fresh untyped of exactly the",
      "objects' size. Steps that cannot run in a test process are comments saying why.",
    ]),
    "",
    HELPERS,
    ...plans.flatMap(testLines),
  ].join("\n");
}
