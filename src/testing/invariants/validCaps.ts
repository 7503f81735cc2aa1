import { hex } from "../../model/addresses.ts";
import { capObjectAddress, type Cap } from "../../model/caps.ts";
import type { KernelState, SlotAddr } from "../../model/state.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";

const CAP_OBJECT_TYPE: Partial<Record<Cap["type"], string>> = {
  CNode: "CNode",
  TCB: "TCB",
  Endpoint: "Endpoint",
  Notification: "Notification",
  Frame: "Frame",
  PageTable: "PageTable",
  PageDirectory: "PageDirectory",
  VSpace: "VSpace",
  ASIDPool: "ASIDPool",
};

/** valid_caps for one slot: a cap that names an object names a live object of its type. */
export function capNamesLiveObject(s: KernelState, slot: SlotAddr, cap: Cap): Violation | undefined {
  const addr = capObjectAddress(cap);
  if (addr === undefined) return undefined;
  const o = s.objects.get(addr);
  // One PageTable cap type serves both architectures; AArch64's tables are their own object type.
  const wanted = cap.type === "PageTable" && s.config.arch === "aarch64" ? "PageTable64" : CAP_OBJECT_TYPE[cap.type];
  if (o !== undefined && o.type === wanted) return undefined;
  return violation(
    "valid_caps",
    `slot ${hex(slot)}: ${cap.type} cap names ${o ? `a ${o.type}` : "nothing"} at ${hex(addr)}`,
    { slot, capType: cap.type, object: addr, found: o?.type ?? null },
  );
}

/** l4v valid_caps: every cap names a live object of its type. */
export const validCaps: Invariant = (s) => collect(s.ctes, ([slot, cte]) => capNamesLiveObject(s, slot, cte.cap));

/**
 * The changed slots' caps; and, since an unchanged slot may name a destroyed object, each
 * destroyed object that caps still name (the cap count, checked by cap_count, says how many).
 */
const validCapsDelta = (c: StateChange, out: Violation[]): void => {
  collect(c.cteEntries, ([slot, cte]) => capNamesLiveObject(c.after, slot, cte.cap), out);
  collect(
    c.objects,
    (addr) =>
      c.after.objects.has(addr) || (c.after.capCount.get(addr) ?? 0) === 0
        ? undefined
        : violation("valid_caps", `the object at ${hex(addr)} was destroyed while caps still name it`, {
            object: addr,
            found: null,
          }),
    out,
  );
};

export const VALID_CAPS: InvariantCheck = {
  name: "valid_caps",
  full: validCaps,
  delta: validCapsDelta,
};
