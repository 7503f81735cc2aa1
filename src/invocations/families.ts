import type { SyscallError } from "../core/errors.ts";
import type { Result } from "../core/result.ts";
import type { CapType } from "../caps/types.ts";
import { cnodeFamily } from "./cnode.ts";
import { untypedFamily } from "./untyped.ts";
import { decodeWith, type DecodedInvocation } from "./family.ts";
import type { DecodeContext } from "./message.ts";

type Decoder = (ctx: DecodeContext) => Result<DecodedInvocation, SyscallError>;

/**
 * Which decoder handles each cap type: the dispatch table of seL4's decodeInvocation and
 * decodeARMMMUInvocation. A cap type without an entry has no invocations here.
 * (Each entry is `(ctx) => decodeWith(family, ctx)` for that type's InvocationFamily.)
 */
export const FAMILIES: Partial<Record<Exclude<CapType, "Null">, Decoder>> = {
  Untyped: (ctx) => decodeWith(untypedFamily, ctx),
  CNode: (ctx) => decodeWith(cnodeFamily, ctx),
  // Frame, PageTable, PageDirectory, ASIDControl, ASIDPool: see src/invocations/arm/
  // TCB: see src/invocations/tcb.ts
};
