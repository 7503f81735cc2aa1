import { hex, type PhysAddr } from "../../model/addresses.ts";
import { MiB } from "../../model/constants.ts";
import { aarch64, decodePDE } from "../../arch/index.ts";
import type { PTEWord } from "../../model/objects.ts";
import { entriesOf } from "../../kernel/store.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { userSlotsOf } from "./paging.ts";
import { slotBits, userRootSlots } from "./paging64.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";
import { cachesBy, failingKeys } from "./foldCache.ts";

/** kernel_mappings for one directory entry at or above USER_TOP: it is the kernel's (global) or not a page. */
export function kernelOwnsEntry(pd: PhysAddr, index: number, word: number): Violation | undefined {
  const e = decodePDE(word);
  if (e.kind !== "Page" || e.global) return undefined;
  return violation(
    "kernel_mappings",
    `page directory ${hex(pd)} maps user memory at ${hex(index * MiB)}, above USER_TOP`,
    { pd, index, vaddr: index * MiB, frame: e.paddr },
  );
}

/** No user mapping at or above USER_TOP: every directory entry from USER_TOP up is the kernel's (global) or empty. */
const noUserMappingAboveUserTop32: Invariant = (s) =>
  [...s.objects].flatMap(([pd, o]) =>
    o.type === "PageDirectory"
      ? collect(entriesOf(s, o).range(userSlotsOf(s), 4096), ([i, w]) => kernelOwnsEntry(pd, i, w))
      : [],
  );

/** The changed directory entries at or above USER_TOP. */
const kernelMappingsDelta = (c: StateChange, out: Violation[]): void => {
  const userSlots = userSlotsOf(c.after);
  collect(
    c.entries,
    (e) =>
      e.type === "PageDirectory" && e.index >= userSlots && e.after !== undefined
        ? kernelOwnsEntry(e.table, e.index, e.after)
        : undefined,
    out,
  );
};

/**
 * The AArch64 form for one entry of a VSpace or page table: no kernel mapping in a user VSpace
 * (the kernel sits behind TTBR1, so seL4 writes nothing into the VSpace slots above USER_TOP,
 * whose addresses TTBR0 would translate, and no global (nG = 0) block or page anywhere).
 */
export function noKernelEntry(
  type: "VSpace" | "PageTable64",
  table: PhysAddr,
  index: number,
  word: PTEWord,
  rootSlots: number,
): Violation | undefined {
  if (type === "VSpace" && index >= rootSlots)
    return violation(
      "kernel_mappings",
      `VSpace ${hex(table)} slot ${index} holds an entry for ${hex(index * 2 ** slotBits(0))}, above USER_TOP`,
      { table, index, vaddr: index * 2 ** slotBits(0) },
    );
  if (!aarch64.isGlobalLeafWord(word)) return undefined;
  return violation("kernel_mappings", `${type} ${hex(table)}[${index}] holds a global (kernel) mapping`, {
    table,
    index,
    frame: aarch64.descriptorAddress(word),
  });
}

const noKernelMappings64: Invariant = (s) => {
  const rootSlots = userRootSlots(s);
  const out: Violation[] = [];
  for (const [addr, o] of s.objects)
    if (o.type === "VSpace" || o.type === "PageTable64")
      collect(entriesOf(s, o), ([i, w]) => noKernelEntry(o.type, addr, i, w, rootSlots), out);
  return out;
};

const noKernelMappings64Delta = (c: StateChange, out: Violation[]): void => {
  const rootSlots = userRootSlots(c.after);
  collect(
    c.entries64,
    (e) => (e.after === undefined ? undefined : noKernelEntry(e.type, e.table, e.index, e.after, rootSlots)),
    out,
  );
};

const entryCaches = cachesBy<readonly number[]>();

/** noUserMappingAboveUserTop32 with each directory's failing entries from the fold cache (checkAllCached). */
const noUserMappingAboveUserTop32Cached: Invariant = (s) => {
  const userSlots = userSlotsOf(s);
  const out: Violation[] = [];
  for (const [pd, o] of s.objects) {
    if (o.type !== "PageDirectory") continue;
    const entries = entriesOf(s, o);
    const failing = failingKeys(
      entries,
      (i, w) => i >= userSlots && i < 4096 && kernelOwnsEntry(pd, i, w) !== undefined,
      entryCaches(`32:${userSlots}`),
    );
    collect(failing, (i) => kernelOwnsEntry(pd, i, entries.get(i) ?? 0), out);
  }
  return out;
};

export const KERNEL_MAPPINGS: InvariantCheck = byArch("kernel_mappings", {
  aarch32: { full: noUserMappingAboveUserTop32, delta: kernelMappingsDelta, cached: noUserMappingAboveUserTop32Cached },
  aarch64: { full: noKernelMappings64, delta: noKernelMappings64Delta },
});

/** No user mapping above USER_TOP (ARM32), no kernel mapping in a user VSpace (AArch64). */
export const noUserMappingAboveUserTop: Invariant = KERNEL_MAPPINGS.full;
