import { hex, type ASID, type PhysAddr } from "../../model/addresses.ts";
import type { KernelState } from "../../model/state.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { asidsOfPD } from "./paging.ts";
import { rootOfASID } from "./paging64.ts";
import { violation, type Invariant, type Violation } from "./violation.ts";

/** valid_asid_map for one page directory (a VSpace on AArch64): it has at most one ASID, and is live. */
export function oneASIDPerPD(s: KernelState, pd: PhysAddr, asids: readonly ASID[]): Violation[] {
  const out: Violation[] = [];
  const root = s.config.arch === "aarch64" ? "VSpace" : "PageDirectory";
  const what = s.config.arch === "aarch64" ? "VSpace" : "page directory";
  if (asids.length > 1)
    out.push(
      violation("valid_asid_map", `${what} ${hex(pd)} has ASIDs ${asids.join(", ")}`, {
        pd,
        asids: asids.join(","),
      }),
    );
  const found = s.objects.get(pd)?.type;
  if (found !== root)
    out.push(
      violation("valid_asid_map", `ASID ${asids[0]} names ${hex(pd)}, which is not a live ${what}`, {
        asid: asids[0] ?? null,
        pd,
        found: found ?? null,
      }),
    );
  return out;
}

/** l4v valid_asid_map: a page directory has at most one ASID, and what an ASID names is a live page directory. */
const validASIDMap32: Invariant = (s) => [...asidsOfPD(s)].flatMap(([pd, asids]) => oneASIDPerPD(s, pd, asids));

/** The whole map (it is small), when the ASID table or a pool changed. */
const validASIDMapDelta = (c: StateChange, out: Violation[]): void => {
  if (c.asidTableTouched) out.push(...VALID_ASID_MAP.full(c.after));
};

/**
 * The AArch64 form. Without the hypervisor the seL4 ASID is the hardware ASID (there is no
 * VMID map, l4v's asid_map), so the map is the pools themselves and the one loaded in TTBR0:
 * each VSpace has at most one ASID and each ASID names a live VSpace (as on ARM32); ASID 0,
 * which TTBR0 carries for the global user VSpace, names none (l4v valid_asid_table); and the
 * ASID loaded with a user VSpace names that VSpace, so its TLB lines are that VSpace's.
 */
const validASIDMap64: Invariant = (s) => {
  const out = validASIDMap32(s);
  const zero = rootOfASID(s, 0);
  if (zero !== undefined)
    out.push(violation("valid_asid_map", `ASID 0 names ${hex(zero)}; it is never assigned`, { asid: 0, pd: zero }));
  const loaded = s.loadedVSpace;
  if (loaded !== null && loaded.hwASID !== 0 && rootOfASID(s, loaded.hwASID) !== loaded.pd)
    out.push(
      violation(
        "valid_asid_map",
        `VSpace ${hex(loaded.pd)} is loaded with ASID ${loaded.hwASID}, which names ${hex(rootOfASID(s, loaded.hwASID) ?? 0)}`,
        { asid: loaded.hwASID, pd: loaded.pd },
      ),
    );
  return out;
};

const validASIDMap64Delta = (c: StateChange, out: Violation[]): void => {
  if (c.asidTableTouched || c.before.loadedVSpace !== c.after.loadedVSpace) out.push(...validASIDMap64(c.after));
};

export const VALID_ASID_MAP: InvariantCheck = byArch("valid_asid_map", {
  aarch32: { full: validASIDMap32, delta: validASIDMapDelta },
  aarch64: { full: validASIDMap64, delta: validASIDMap64Delta },
});

/** l4v valid_asid_map in the form of the machine's architecture. */
export const validASIDMap: Invariant = VALID_ASID_MAP.full;
