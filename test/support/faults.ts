import { decodeWith, type InvocationFamily } from "../../src/model/family.ts";
import { frameCapWithMapping, type FrameCap } from "../../src/model/caps.ts";
import { updateCap } from "../../src/kernel/cdt.ts";
import { FAMILIES_BY_ARCH } from "../../src/invocations/families.ts";
import { useFamilyTables } from "../../src/invocations/dispatch.ts";
import { pageFamily, type PageInvocation } from "../../src/arch/aarch32/invocations/frame.ts";
import { frameFamily, type Aarch64PageInvocation } from "../../src/arch/aarch64/invocations/frame.ts";

/**
 * Deliberately broken transitions, injected as family wrappers (the kernel code has no fault
 * switch): tests use them to show that the invariant checkers, the incremental check and
 * `capsim fuzz` catch a real bug, and that fuzz's shrunk scenario replays it.
 */

/** ARM32's frame family with Page_Unmap broken: it clears the cap's mapping record but leaves the page-table entry. */
const unmapKeepsEntryFamily: InvocationFamily<FrameCap, PageInvocation> = {
  decode: pageFamily.decode,
  perform: (s, inv) => {
    if (inv.kind !== "PageUnmap") return pageFamily.perform(s, inv);
    if (inv.cap.mapping !== null) updateCap(s, inv.frameSlot, frameCapWithMapping(inv.cap, null));
    return [];
  },
};

export const UNMAP_KEEPS_ENTRY: typeof FAMILIES_BY_ARCH = {
  ...FAMILIES_BY_ARCH,
  aarch32: {
    ...FAMILIES_BY_ARCH.aarch32,
    Frame: (ctx) => decodeWith(unmapKeepsEntryFamily, ctx),
  },
};

/** AArch64's frame family with the same break: Page_Unmap clears the cap's record and leaves the descriptor. */
const unmapKeepsEntryFamily64: InvocationFamily<FrameCap, Aarch64PageInvocation> = {
  decode: frameFamily.decode,
  perform: (s, inv) => {
    if (inv.kind !== "Aarch64PageUnmap") return frameFamily.perform(s, inv);
    if (inv.cap.mapping !== null) updateCap(s, inv.frameSlot, frameCapWithMapping(inv.cap, null));
    return [];
  },
};

export const UNMAP_KEEPS_ENTRY_64: typeof FAMILIES_BY_ARCH = {
  ...FAMILIES_BY_ARCH,
  aarch64: {
    ...FAMILIES_BY_ARCH.aarch64,
    Frame: (ctx) => decodeWith(unmapKeepsEntryFamily64, ctx),
  },
};

/** Every decoder throws, as a bug in capsim would: how the tests show that an internal error is its own outcome. */
const throwing = (): never => {
  throw new Error("injected fault: invoke-throws");
};
export const INVOKE_THROWS: typeof FAMILIES_BY_ARCH = {
  aarch32: Object.fromEntries(Object.keys(FAMILIES_BY_ARCH.aarch32).map((type) => [type, throwing])),
  aarch64: Object.fromEntries(Object.keys(FAMILIES_BY_ARCH.aarch64).map((type) => [type, throwing])),
};

/** Runs `f` with the broken family tables (or the healthy ones when `tables` is null), then puts the previous ones back. */
export function withFamilies<T>(tables: typeof FAMILIES_BY_ARCH | null, f: () => T): T {
  const before = useFamilyTables(tables ?? FAMILIES_BY_ARCH);
  try {
    return f();
  } finally {
    useFamilyTables(before);
  }
}

/** withFamilies for an asynchronous `f`: the tables are put back once its promise settles. */
export async function withFamiliesAsync<T>(tables: typeof FAMILIES_BY_ARCH | null, f: () => Promise<T>): Promise<T> {
  const before = useFamilyTables(tables ?? FAMILIES_BY_ARCH);
  try {
    return await f();
  } finally {
    useFamilyTables(before);
  }
}
