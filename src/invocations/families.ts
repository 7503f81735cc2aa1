import type { FamilyTable } from "../model/family.ts";
import { decodeWith } from "../model/family.ts";
import { ARCH_FAMILIES, type ArchInvocation } from "../arch/index.ts";
import { cnodeFamily, type CNodeInvocation } from "./cnode.ts";
import { tcbFamily, type SetSpaceInvocation } from "./tcb.ts";
import { untypedFamily, type RetypeInvocation } from "./untyped.ts";

/** Every decoded invocation record: the trace format of a reply (`reply.invocation`). */
export type Invocation = RetypeInvocation | CNodeInvocation | SetSpaceInvocation | ArchInvocation;

/**
 * Which decoder handles each cap type: the dispatch table of seL4's decodeInvocation (the generic
 * cap types here, the architecture's from its own table). A cap type without an entry has no
 * invocations in capsim.
 */
export const FAMILIES: FamilyTable<Invocation> = {
  Untyped: (ctx) => decodeWith(untypedFamily, ctx),
  CNode: (ctx) => decodeWith(cnodeFamily, ctx),
  TCB: (ctx) => decodeWith(tcbFamily, ctx),
  ...ARCH_FAMILIES,
};
