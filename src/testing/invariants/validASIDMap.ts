import { hex, type ASID, type PhysAddr } from "../../model/addresses.ts";
import type { KernelState } from "../../model/state.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import { asidsOfPD } from "./paging.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/** valid_asid_map for one page directory: it has at most one ASID, and is live. */
export function oneASIDPerPD(s: KernelState, pd: PhysAddr, asids: readonly ASID[]): Violation[] {
  const out: Violation[] = [];
  if (asids.length > 1)
    out.push(
      violation("valid_asid_map", `page directory ${hex(pd)} has ASIDs ${asids.join(", ")}`, {
        pd,
        asids: asids.join(","),
      }),
    );
  const found = s.objects.get(pd)?.type;
  if (found !== "PageDirectory")
    out.push(
      violation("valid_asid_map", `ASID ${asids[0]} names ${hex(pd)}, which is not a live page directory`, {
        asid: asids[0] ?? null,
        pd,
        found: found ?? null,
      }),
    );
  return out;
}

/** l4v valid_asid_map: a page directory has at most one ASID, and what an ASID names is a live page directory. */
export const validASIDMap: Invariant = (s) => [...asidsOfPD(s)].flatMap(([pd, asids]) => oneASIDPerPD(s, pd, asids));

/** The whole map (it is small), when the ASID table or a pool changed. */
const validASIDMapDelta = (c: StateChange, out: Violation[]): void => {
  if (c.asidTableTouched) out.push(...validASIDMap(c.after));
};

export const VALID_ASID_MAP: InvariantCheck = {
  name: "valid_asid_map",
  full: validASIDMap,
  delta: validASIDMapDelta,
};
