import { hex, pow2, type PhysAddr } from "../../model/addresses.ts";
import { TCB_SLOTS } from "../../model/constants.ts";
import { objectSizeBits } from "../../kernel/store.ts";
import { slotBytes } from "../../kernel/cspace.ts";
import type { KernelState, SlotAddr } from "../../model/state.ts";
import type { InvariantCheck } from "./change.ts";
import type { Invariant, Violation, ViolationDetails } from "./violation.ts";

const violation = (message: string, details: ViolationDetails): Violation => ({
  invariant: "caps_inside_slots",
  message,
  details,
});

const TCB_SLOT_COUNT = Object.keys(TCB_SLOTS).length;

/**
 * Where a slot address sits: inside a live CNode, at a whole slot, or at one of a TCB's own
 * slots (l4v's cte_wp_at holds only for such addresses: the CTEs are part of those objects).
 * A cap anywhere else belongs to no object, so no delete or revoke of an object would ever
 * reach it; Retype at node_offset -1 once put one there.
 */
export function slotViolations(s: KernelState, slot: SlotAddr): Violation[] {
  const found = Number.isSafeInteger(slot) ? s.objects.floor(slot) : undefined;
  if (found !== undefined) {
    const [base, o] = found;
    // A CTE is 2^seL4_SlotBits bytes (kernel/cspace.ts's stride): 16 on ARM32, 32 on AArch64.
    const stride = slotBytes(s);
    const offset = slot - base;
    const whole = offset % stride === 0;
    if (o.type === "CNode" && whole && offset < pow2(objectSizeBits(s.config.sizes, o))) return [];
    if (o.type === "TCB" && whole && offset / stride < TCB_SLOT_COUNT) return [];
  }
  const where = found === undefined ? "no object" : `the ${found[1].type} at ${hex(found[0])}`;
  return [
    violation(
      `a cap sits at ${Number.isFinite(slot) ? hex(slot) : String(slot)}, which is not a slot of a CNode or a TCB (it is in ${where})`,
      { slot, object: found?.[0] ?? null },
    ),
  ];
}

/** Every cap sits in a slot of a live CNode or TCB. */
export const capsInsideSlots: Invariant = (s) => [...s.ctes.keys()].flatMap((slot) => slotViolations(s, slot));

/**
 * The same, for what a transition touched: the changed slots, and the slots left inside an
 * object that went away (a CNode destroyed with caps still in it).
 */
export function capsInsideSlotsTouched(
  before: KernelState,
  after: KernelState,
  changedCtes: readonly SlotAddr[],
  changedObjs: readonly PhysAddr[],
): Violation[] {
  const out: Violation[] = [];
  for (const slot of changedCtes) if (after.ctes.has(slot)) out.push(...slotViolations(after, slot));
  const seen = new Set(changedCtes);
  for (const addr of changedObjs) {
    const gone = before.objects.get(addr);
    if (gone === undefined || after.objects.get(addr)?.type === gone.type) continue;
    for (const [slot] of after.ctes.range(addr, addr + pow2(objectSizeBits(before.config.sizes, gone))))
      if (!seen.has(slot)) out.push(...slotViolations(after, slot));
  }
  return out;
}

export const CAPS_INSIDE_SLOTS: InvariantCheck = {
  name: "caps_inside_slots",
  full: capsInsideSlots,
  delta: (change, out) =>
    void out.push(...capsInsideSlotsTouched(change.before, change.after, change.ctes, change.objects)),
};
