import { hex, type CPtr, type PhysAddr } from "../model/addresses.ts";
import type { Cap } from "../model/caps.ts";
import { lookupFailureMRs, type LookupFailure } from "../model/errors.ts";
import type { KernelState, SlotAddr } from "../model/state.ts";
import { describeLookupFailure, resolveAddressBits, threadCSpaceRoot, type CNodeLevel } from "../kernel/cspace.ts";
import { getCap } from "../kernel/cdt.ts";
import { capText } from "./text.ts";
import { placeOfSlot, type SlotPlace } from "./cspace.ts";

/**
 * How a CPtr is resolved through a CSpace, CNode by CNode, as seL4's resolveAddressBits reads
 * it: at each CNode the guard's bits (which must equal the cap's guard), then the radix bits
 * (the slot index), with the bits left before and after; then the slot reached, or the lookup
 * failure with the fields seL4 reports. The kernel's own resolveAddressBits makes the lookup;
 * this view only listens to it.
 */

/** A run of the CPtr's bits, hi..lo inclusive (empty when hi < lo). */
export interface CPtrBits {
  readonly hi: number;
  readonly lo: number;
  readonly value: number;
}

export interface CPtrLevelView extends CNodeLevel {
  /** where the guard and the radix sit in the CPtr */
  readonly guardAt: CPtrBits;
  readonly radixAt: CPtrBits;
  readonly guardOk: boolean;
  /** the bits left once this CNode took its guard and radix */
  readonly bitsAfter?: number;
  /** the cap in the slot reached, in words */
  readonly cap?: string;
  readonly place?: SlotPlace;
}

export type CPtrEnd =
  | {
      readonly kind: "slot";
      readonly slot: SlotAddr;
      readonly cap: string;
      /** bits the lookup left unresolved because it reached a cap that is not a CNode */
      readonly bitsRemaining: number;
      readonly place?: SlotPlace;
      readonly note?: string;
    }
  | {
      readonly kind: "failure";
      readonly failure: LookupFailure;
      /** the words seL4 writes for it: the lookup fault's type, then its fields */
      readonly words: readonly number[];
      readonly reason: string;
    };

export interface CPtrResolution {
  readonly cptr: number;
  readonly depth: number;
  /** the cap the lookup starts from, in words */
  readonly root: string;
  readonly levels: readonly CPtrLevelView[];
  readonly end: CPtrEnd;
}

const bitsOf = (cptr: number, hi: number, width: number): CPtrBits => ({
  hi,
  lo: hi - width + 1,
  value: width <= 0 ? 0 : Math.floor(cptr / 2 ** (hi - width + 1)) % 2 ** width,
});

/** Resolve the top `depth` bits of `cptr` from the CNode cap `root`, level by level. */
export function cptrResolution(s: KernelState, root: Cap, cptr: number, depth: number): CPtrResolution {
  const heard: CNodeLevel[] = [];
  const r = resolveAddressBits(s, root, cptr as CPtr, depth, (l) => heard.push(l));
  const levels = heard.map((l): CPtrLevelView => {
    const guardOk = l.guardRead === l.guard;
    const slotCap = l.slot !== undefined ? getCap(s, l.slot) : undefined;
    const place = l.slot !== undefined ? placeOfSlot(s, l.slot) : undefined;
    return {
      ...l,
      guardAt: bitsOf(cptr, l.bitsLeft - 1, Math.min(l.guardSize, l.bitsLeft)),
      radixAt: bitsOf(cptr, l.bitsLeft - l.guardSize - 1, l.radixBits),
      guardOk,
      ...(l.index !== undefined ? { bitsAfter: l.bitsLeft - l.guardSize - l.radixBits } : {}),
      ...(slotCap !== undefined ? { cap: slotCap.type === "Null" ? "empty" : capText(slotCap) } : {}),
      ...(place !== undefined ? { place } : {}),
    };
  });
  const base = { cptr, depth, root: root.type === "Null" ? "empty" : capText(root), levels };
  if (!r.ok)
    return {
      ...base,
      end: {
        kind: "failure",
        failure: r.error,
        words: lookupFailureMRs(r.error),
        reason: describeLookupFailure(r.error),
      },
    };
  const cap = getCap(s, r.value.slot);
  const left = r.value.bitsRemaining;
  const place = placeOfSlot(s, r.value.slot);
  return {
    ...base,
    end: {
      kind: "slot",
      slot: r.value.slot,
      cap: cap.type === "Null" ? "empty" : capText(cap),
      bitsRemaining: left,
      ...(place !== undefined ? { place } : {}),
      ...(left > 0
        ? {
            note: `${left} bits were left when the lookup reached a cap that is not a CNode: an invocation's lookupSlot ignores them; a CNode operation at depth ${depth} would fail with a depth mismatch (bitsLeft ${left})`,
          }
        : {}),
    },
  };
}

/** How a thread's CPtr resolves for an invocation: from its CSpace root, a whole word deep (seL4's lookupSlot). */
export function threadCPtrResolution(s: KernelState, tcb: PhysAddr, cptr: number): CPtrResolution {
  return cptrResolution(s, threadCSpaceRoot(s, tcb), cptr, s.config.sizes.wordBits);
}

/** The resolution in lines, as `explain` prints it and the page lists it. */
export function cptrLines(r: CPtrResolution): string[] {
  const lines = [`CPtr ${hex(r.cptr)} (${r.depth} bits) from ${r.root}:`];
  r.levels.forEach((l, i) => {
    const guard =
      l.guardSize === 0
        ? "no guard"
        : l.guardRead === undefined
          ? `guard needs ${l.guardSize} bits, only ${l.bitsLeft} left`
          : `guard bits [${l.guardAt.hi}:${l.guardAt.lo}] = ${hex(l.guardRead)} ${l.guardOk ? "matches" : "does not match"} the cap's ${l.guardSize}-bit guard ${hex(l.guard)}`;
    const radix =
      l.index === undefined
        ? ""
        : `; radix bits [${l.radixAt.hi}:${l.radixAt.lo}] = slot ${l.index} of ${2 ** l.radixBits}: ${l.cap ?? "empty"}; ${l.bitsAfter} bits left`;
    lines.push(`  ${i + 1}. CNode @${hex(l.cnode)}, ${l.bitsLeft} bits left: ${guard}${radix}`);
  });
  const e = r.end;
  if (e.kind === "slot") {
    const where =
      e.place?.kind === "CNode" ? `slot ${e.place.index} of CNode @${hex(e.place.container)}` : `slot ${hex(e.slot)}`;
    lines.push(`  -> ${where}: ${e.cap}${e.note ? ` (${e.note})` : ""}`);
  } else lines.push(`  -> lookup failure ${e.failure.kind} [${e.words.join(", ")}]: ${e.reason}`);
  return lines;
}
