import { decodeWith, type FamilyTable } from "../../../model/family.ts";
import { asidControlFamily, type MakePoolInvocation } from "./asidControl.ts";
import { asidPoolFamily, type AssignInvocation } from "./asidPool.ts";
import { pageFamily, type PageInvocation } from "./frame.ts";
import {
  pageDirectoryFamily,
  type PageDirectoryInvocation,
} from "./pageDirectory.ts";
import { pageTableFamily, type PageTableInvocation } from "./pageTable.ts";

/** The decoded invocations of ARM32's caps. */
export type Aarch32Invocation =
  | PageInvocation
  | PageTableInvocation
  | PageDirectoryInvocation
  | MakePoolInvocation
  | AssignInvocation;

/** seL4's decodeARMMMUInvocation: the decoder of each ARM32 cap type. */
export const AARCH32_FAMILIES: FamilyTable<Aarch32Invocation> = {
  Frame: (ctx) => decodeWith(pageFamily, ctx),
  PageTable: (ctx) => decodeWith(pageTableFamily, ctx),
  PageDirectory: (ctx) => decodeWith(pageDirectoryFamily, ctx),
  ASIDControl: (ctx) => decodeWith(asidControlFamily, ctx),
  ASIDPool: (ctx) => decodeWith(asidPoolFamily, ctx),
};
