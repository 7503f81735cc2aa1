import type { SyscallError } from "../core/errors.ts";
import type { Result } from "../core/result.ts";
import type { CapType } from "../caps/types.ts";
import { cnodeFamily } from "./cnode.ts";
import { tcbFamily } from "./tcb.ts";
import { untypedFamily } from "./untyped.ts";
import { asidControlFamily } from "./arm/asidControl.ts";
import { asidPoolFamily } from "./arm/asidPool.ts";
import { pageFamily } from "./arm/page.ts";
import { pageDirectoryFamily } from "./arm/pageDirectory.ts";
import { pageTableFamily } from "./arm/pageTable.ts";
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
  TCB: (ctx) => decodeWith(tcbFamily, ctx),
  Frame: (ctx) => decodeWith(pageFamily, ctx),
  PageTable: (ctx) => decodeWith(pageTableFamily, ctx),
  PageDirectory: (ctx) => decodeWith(pageDirectoryFamily, ctx),
  ASIDControl: (ctx) => decodeWith(asidControlFamily, ctx),
  ASIDPool: (ctx) => decodeWith(asidPoolFamily, ctx),
};
