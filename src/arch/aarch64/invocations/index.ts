import { decodeWith, type FamilyTable } from "../../../model/family.ts";
import type { MakePoolInvocation } from "../../../kernel/asidControl.ts";
import { asidControlFamily } from "./asidControl.ts";
import { asidPoolFamily, type Aarch64AssignInvocation } from "./asidPool.ts";
import { frameFamily, type Aarch64PageInvocation } from "./frame.ts";
import {
  pageTableFamily,
  type Aarch64PageTableInvocation,
} from "./pageTable.ts";
import { vspaceFamily, type VSpaceInvocation } from "./vspace.ts";

/** The decoded invocations of AArch64's caps. */
export type Aarch64Invocation =
  | Aarch64PageInvocation
  | Aarch64PageTableInvocation
  | VSpaceInvocation
  | MakePoolInvocation
  | Aarch64AssignInvocation;

/** seL4's decodeARMMMUInvocation (V64): the decoder of each AArch64 cap type. */
export const AARCH64_FAMILIES: FamilyTable<Aarch64Invocation> = {
  Frame: (ctx) => decodeWith(frameFamily, ctx),
  PageTable: (ctx) => decodeWith(pageTableFamily, ctx),
  VSpace: (ctx) => decodeWith(vspaceFamily, ctx),
  ASIDControl: (ctx) => decodeWith(asidControlFamily, ctx),
  ASIDPool: (ctx) => decodeWith(asidPoolFamily, ctx),
};
