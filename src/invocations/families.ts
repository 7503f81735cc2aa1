import type { FamilyTable } from "../model/family.ts";
import { decodeWith } from "../model/family.ts";
import { ARCH_FAMILIES, type ArchInvocation } from "../arch/index.ts";
import { cnodeFamily, type CNodeInvocation } from "./cnode.ts";
import { tcbFamily, type SetSpaceInvocation } from "./tcb.ts";
import { untypedFamily, type RetypeInvocation } from "./untyped.ts";
import { decodeDomainInvocation, decodeEndpointLikeInvocation, decodeIRQControlInvocation } from "./unmodelled.ts";

/** Every decoded invocation record: the trace format of a reply (`reply.invocation`). */
export type Invocation = RetypeInvocation | CNodeInvocation | SetSpaceInvocation | ArchInvocation;

/**
 * Which decoder handles each cap type: the dispatch table of seL4's decodeInvocation (the generic
 * cap types here, the architecture's from its own table). The caps whose invocations capsim does not
 * model have decoders too: they make seL4's first checks and then answer "not modelled".
 */
export const FAMILIES: FamilyTable<Invocation> = {
  Untyped: (ctx) => decodeWith(untypedFamily, ctx),
  CNode: (ctx) => decodeWith(cnodeFamily, ctx),
  TCB: (ctx) => decodeWith(tcbFamily, ctx),
  Endpoint: decodeEndpointLikeInvocation,
  Notification: decodeEndpointLikeInvocation,
  IRQControl: decodeIRQControlInvocation,
  Domain: decodeDomainInvocation,
  ...ARCH_FAMILIES,
};
