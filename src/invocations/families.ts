import type { SyscallError } from "../model/errors.ts";
import type { Result } from "../model/result.ts";
import type { CapType } from "../model/caps.ts";
import { cnodeFamily } from "./cnode.ts";
import { tcbFamily } from "./tcb.ts";
import { untypedFamily } from "./untyped.ts";
import { asidControlFamily } from "../arch/index.ts";
import { asidPoolFamily } from "../arch/index.ts";
import { pageFamily } from "../arch/index.ts";
import { pageDirectoryFamily } from "../arch/index.ts";
import { pageTableFamily } from "../arch/index.ts";
import { decodeWith, type DecodedInvocation } from "../model/family.ts";
import type { DecodeContext } from "../model/message.ts";

type Decoder = (ctx: DecodeContext) => Result<DecodedInvocation, SyscallError>;

/**
 * Which decoder handles each cap type: the dispatch table of seL4's decodeInvocation and
 * decodeARMMMUInvocation. A cap type without an entry has no invocations here.
 * (Each entry is `(ctx) => decodeWith(family, ctx)` for that type's InvocationFamily.)
 */
export const FAMILIES: Partial<Record<Exclude<CapType, "Null">, Decoder>> = {
  Untyped: (ctx) => decodeWith(untypedFamily, ctx),
  CNode: (ctx) => decodeWith(cnodeFamily, ctx),
  TCB: (ctx) => decodeWith(tcbFamily, ctx),
  Frame: (ctx) => decodeWith(pageFamily, ctx),
  PageTable: (ctx) => decodeWith(pageTableFamily, ctx),
  PageDirectory: (ctx) => decodeWith(pageDirectoryFamily, ctx),
  ASIDControl: (ctx) => decodeWith(asidControlFamily, ctx),
  ASIDPool: (ctx) => decodeWith(asidPoolFamily, ctx),
};
