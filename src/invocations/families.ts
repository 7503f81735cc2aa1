import type { FamilyTable } from "../model/family.ts";
import { decodeWith } from "../model/family.ts";
import type { ArchName } from "../model/state.ts";
import { DEFAULT_CONFIGS, archOf, type ArchInvocation } from "../arch/index.ts";
import { cnodeFamily, type CNodeInvocation } from "./cnode.ts";
import { tcbFamily, type SetSpaceInvocation } from "./tcb.ts";
import { untypedFamily, type RetypeInvocation } from "./untyped.ts";
import { decodeDomainInvocation, decodeEndpointLikeInvocation, decodeIRQControlInvocation } from "./unmodelled.ts";

/** Every decoded invocation record: the trace format of a reply (`reply.invocation`). */
export type Invocation = RetypeInvocation | CNodeInvocation | SetSpaceInvocation | ArchInvocation;

/**
 * The decoders of the cap types every architecture has. The caps whose invocations capsim does
 * not model have decoders too: they make seL4's first checks and then answer "not modelled".
 */
const GENERIC_FAMILIES: FamilyTable<Invocation> = {
  Untyped: (ctx) => decodeWith(untypedFamily, ctx),
  CNode: (ctx) => decodeWith(cnodeFamily, ctx),
  TCB: (ctx) => decodeWith(tcbFamily, ctx),
  Endpoint: decodeEndpointLikeInvocation,
  Notification: decodeEndpointLikeInvocation,
  IRQControl: decodeIRQControlInvocation,
  Domain: decodeDomainInvocation,
};

/**
 * Which decoder handles each cap type, per architecture: the dispatch table of seL4's
 * decodeInvocation (the generic cap types here, the architecture's from its own table). Built
 * once, so the dispatcher picks a table with one property load.
 */
export const FAMILIES_BY_ARCH: Readonly<Record<ArchName, FamilyTable<Invocation>>> = {
  aarch32: { ...GENERIC_FAMILIES, ...archOf(DEFAULT_CONFIGS.aarch32).families },
  aarch64: { ...GENERIC_FAMILIES, ...archOf(DEFAULT_CONFIGS.aarch64).families },
};
