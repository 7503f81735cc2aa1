import type { CPtr, PhysAddr } from "../model/addresses.ts";
import type { ArchName, KernelState } from "../model/state.ts";
import { invoke } from "./dispatch.ts";
import type { InvocationLabel } from "../model/labels.ts";
import type { InvokeResult } from "../model/message.ts";

/**
 * libsel4's invocation stubs for ARM 32-bit, as data: for each function, the invocation label,
 * the cap parameters (sent as extra caps, in order) and the word parameters (message registers
 * MR0, MR1, ... in order), by libsel4's parameter names (libsel4's interface XML files;
 * seL4_ARM_Page_Remap from seL4 10.x).
 */
export interface Libsel4Function {
  readonly label: InvocationLabel;
  readonly caps: readonly string[];
  readonly words: readonly string[];
}

const PAGE_TABLE_MAP: Libsel4Function = { label: "ARMPageTableMap", caps: ["vspace"], words: ["vaddr", "attr"] };
const PAGE_TABLE_UNMAP: Libsel4Function = { label: "ARMPageTableUnmap", caps: [], words: [] };

export const LIBSEL4: Readonly<Record<string, Libsel4Function>> = {
  seL4_Untyped_Retype: {
    label: "UntypedRetype",
    caps: ["root"],
    words: ["type", "size_bits", "node_index", "node_depth", "node_offset", "num_objects"],
  },
  seL4_CNode_Revoke: {
    label: "CNodeRevoke",
    caps: [],
    words: ["index", "depth"],
  },
  seL4_CNode_Delete: {
    label: "CNodeDelete",
    caps: [],
    words: ["index", "depth"],
  },
  seL4_CNode_Copy: {
    label: "CNodeCopy",
    caps: ["src_root"],
    words: ["dest_index", "dest_depth", "src_index", "src_depth", "rights"],
  },
  seL4_CNode_Mint: {
    label: "CNodeMint",
    caps: ["src_root"],
    words: ["dest_index", "dest_depth", "src_index", "src_depth", "rights", "badge"],
  },
  seL4_CNode_Move: {
    label: "CNodeMove",
    caps: ["src_root"],
    words: ["dest_index", "dest_depth", "src_index", "src_depth"],
  },
  seL4_CNode_Mutate: {
    label: "CNodeMutate",
    caps: ["src_root"],
    words: ["dest_index", "dest_depth", "src_index", "src_depth", "badge"],
  },
  seL4_CNode_Rotate: {
    label: "CNodeRotate",
    caps: ["pivot_root", "src_root"],
    words: [
      "dest_index",
      "dest_depth",
      "dest_badge",
      "pivot_index",
      "pivot_depth",
      "pivot_badge",
      "src_index",
      "src_depth",
    ],
  },
  seL4_ARM_PageTable_Map: PAGE_TABLE_MAP,
  seL4_ARM_PageTable_Unmap: PAGE_TABLE_UNMAP,
  seL4_ARM_Page_Map: {
    label: "ARMPageMap",
    caps: ["vspace"],
    words: ["vaddr", "rights", "attr"],
  },
  seL4_ARM_Page_Remap: {
    label: "ARMPageRemap",
    caps: ["vspace"],
    words: ["rights", "attr"],
  },
  seL4_ARM_Page_Unmap: { label: "ARMPageUnmap", caps: [], words: [] },
  seL4_ARM_Page_GetAddress: { label: "ARMPageGetAddress", caps: [], words: [] },
  seL4_ARM_Page_Clean_Data: {
    label: "ARMPageClean_Data",
    caps: [],
    words: ["start_offset", "end_offset"],
  },
  seL4_ARM_Page_Invalidate_Data: {
    label: "ARMPageInvalidate_Data",
    caps: [],
    words: ["start_offset", "end_offset"],
  },
  seL4_ARM_Page_CleanInvalidate_Data: {
    label: "ARMPageCleanInvalidate_Data",
    caps: [],
    words: ["start_offset", "end_offset"],
  },
  seL4_ARM_Page_Unify_Instruction: {
    label: "ARMPageUnify_Instruction",
    caps: [],
    words: ["start_offset", "end_offset"],
  },
  seL4_ARM_PageDirectory_Clean_Data: {
    label: "ARMPDClean_Data",
    caps: [],
    words: ["start", "end"],
  },
  seL4_ARM_PageDirectory_Invalidate_Data: {
    label: "ARMPDInvalidate_Data",
    caps: [],
    words: ["start", "end"],
  },
  seL4_ARM_PageDirectory_CleanInvalidate_Data: {
    label: "ARMPDCleanInvalidate_Data",
    caps: [],
    words: ["start", "end"],
  },
  seL4_ARM_PageDirectory_Unify_Instruction: {
    label: "ARMPDUnify_Instruction",
    caps: [],
    words: ["start", "end"],
  },
  seL4_ARM_ASIDControl_MakePool: {
    label: "ARMASIDControlMakePool",
    caps: ["untyped", "root"],
    words: ["index", "depth"],
  },
  seL4_TCB_SetSpace: {
    label: "TCBSetSpace",
    caps: ["cspace_root", "vspace_root"],
    words: ["fault_ep", "cspace_root_data", "vspace_root_data"],
  },
  // Calls capsim does not model past seL4's first checks: here so that a scenario can make them.
  seL4_TCB_Suspend: { label: "TCBSuspend", caps: [], words: [] },
  seL4_TCB_Resume: { label: "TCBResume", caps: [], words: [] },
  seL4_CNode_SaveCaller: {
    label: "CNodeSaveCaller",
    caps: [],
    words: ["index", "depth"],
  },
  seL4_CNode_CancelBadgedSends: {
    label: "CNodeCancelBadgedSends",
    caps: [],
    words: ["index", "depth"],
  },
  seL4_IRQControl_Get: {
    label: "IRQIssueIRQHandler",
    caps: ["root"],
    words: ["irq", "index", "depth"],
  },
  seL4_DomainSet_Set: {
    label: "DomainSetSet",
    caps: ["thread"],
    words: ["domain"],
  },
  seL4_ARM_ASIDPool_Assign: {
    label: "ARMASIDPoolAssign",
    caps: ["vspace"],
    words: [],
  },
};

export type Libsel4Name = keyof typeof LIBSEL4;

/** ARM32's functions that libsel4 16.0.0 for AArch64 lacks: Page_Remap (10.x) and the page directory's cache operations. */
const ARM32_ONLY = new Set([
  "seL4_ARM_Page_Remap",
  "seL4_ARM_PageDirectory_Clean_Data",
  "seL4_ARM_PageDirectory_Invalidate_Data",
  "seL4_ARM_PageDirectory_CleanInvalidate_Data",
  "seL4_ARM_PageDirectory_Unify_Instruction",
]);

const vspaceFlush = (label: InvocationLabel): Libsel4Function => ({ label, caps: [], words: ["start", "end"] });

/**
 * libsel4 16.0.0's functions on AArch64: ARM32's less ARM32_ONLY, the VSpace's four cache
 * operations (the aarch64 object-api XML), and the old paging names its aarch64 deprecated.h
 * keeps as aliases of PageTable_Map and PageTable_Unmap (the hypervisor-free configuration's:
 * PageDirectory_* always, PageUpperDirectory_* without the 40-bit hypervisor layout).
 */
export const LIBSEL4_AARCH64: Readonly<Record<string, Libsel4Function>> = {
  ...Object.fromEntries(Object.entries(LIBSEL4).filter(([name]) => !ARM32_ONLY.has(name))),
  seL4_ARM_VSpace_Clean_Data: vspaceFlush("ARMVSpaceClean_Data"),
  seL4_ARM_VSpace_Invalidate_Data: vspaceFlush("ARMVSpaceInvalidate_Data"),
  seL4_ARM_VSpace_CleanInvalidate_Data: vspaceFlush("ARMVSpaceCleanInvalidate_Data"),
  seL4_ARM_VSpace_Unify_Instruction: vspaceFlush("ARMVSpaceUnify_Instruction"),
  seL4_ARM_PageDirectory_Map: PAGE_TABLE_MAP,
  seL4_ARM_PageDirectory_Unmap: PAGE_TABLE_UNMAP,
  seL4_ARM_PageUpperDirectory_Map: PAGE_TABLE_MAP,
  seL4_ARM_PageUpperDirectory_Unmap: PAGE_TABLE_UNMAP,
};

/** libsel4's functions on an architecture. */
export const libsel4FunctionsOf = (arch: ArchName): Readonly<Record<string, Libsel4Function>> =>
  arch === "aarch64" ? LIBSEL4_AARCH64 : LIBSEL4;

/**
 * libsel4's function called `name` on `arch` (ARM32 unless given), if there is one; names found
 * only on Object.prototype (toString, constructor) are not functions.
 */
export function libsel4Function(name: string, arch: ArchName = "aarch32"): Libsel4Function | undefined {
  const table = libsel4FunctionsOf(arch);
  return Object.hasOwn(table, name) ? table[name] : undefined;
}

/**
 * Call a libsel4 function by name on `service`, with its parameters by libsel4's names (caps as
 * CPtrs, words as numbers). A parameter left out is not sent, which is how a test makes a
 * truncated message.
 */
export function callLibsel4(
  state: KernelState,
  thread: PhysAddr,
  name: string,
  service: CPtr,
  params: Readonly<Record<string, number>>,
): InvokeResult {
  const fn = libsel4Function(name, state.config.arch);
  if (fn === undefined) throw new Error(`unknown libsel4 function ${name}`);
  const extraCaps: CPtr[] = [];
  for (const c of fn.caps) {
    if (params[c] === undefined) break;
    extraCaps.push(params[c] as CPtr);
  }
  const args: number[] = [];
  for (const w of fn.words) {
    if (params[w] === undefined) break;
    args.push(params[w] as number);
  }
  return invoke(state, thread, service, { label: fn.label, args, extraCaps });
}
