import type { FamilyTable } from "../model/family.ts";
import { decodeWith } from "../model/family.ts";
import type { ArchName } from "../model/state.ts";
import { DEFAULT_CONFIGS, archOf, type ArchInvocation } from "../arch/index.ts";
import { cnodeFamily, type CNodeInvocation } from "./cnode.ts";
import { tcbFamily, type SetSpaceInvocation } from "./tcb.ts";
import { untypedFamily, type RetypeInvocation } from "./untyped.ts";

/** Every decoded invocation record: the trace format of a reply (`reply.invocation`). */
export type Invocation = RetypeInvocation | CNodeInvocation | SetSpaceInvocation | ArchInvocation;

/** The decoders of the cap types every architecture has. */
const GENERIC_FAMILIES: FamilyTable<Invocation> = {
  Untyped: (ctx) => decodeWith(untypedFamily, ctx),
  CNode: (ctx) => decodeWith(cnodeFamily, ctx),
  TCB: (ctx) => decodeWith(tcbFamily, ctx),
};

/**
 * Which decoder handles each cap type, per architecture: the dispatch table of seL4's
 * decodeInvocation (the generic cap types here, the architecture's from its own table). Built
 * once, so the dispatcher picks a table with one property load. A cap type without an entry
 * has no invocations in capsim.
 */
export const FAMILIES_BY_ARCH: Readonly<Record<ArchName, FamilyTable<Invocation>>> = {
  aarch32: { ...GENERIC_FAMILIES, ...archOf(DEFAULT_CONFIGS.aarch32).families },
  aarch64: { ...GENERIC_FAMILIES, ...archOf(DEFAULT_CONFIGS.aarch64).families },
};
