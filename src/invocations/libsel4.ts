import type { CPtr, PhysAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import { invoke, invokeTraced, type TracedInvokeResult } from "./dispatch.ts";
import type { InvocationLabel } from "../model/labels.ts";
import type { InvokeResult, Message } from "../model/message.ts";

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
  seL4_ARM_PageTable_Map: {
    label: "ARMPageTableMap",
    caps: ["vspace"],
    words: ["vaddr", "attr"],
  },
  seL4_ARM_PageTable_Unmap: { label: "ARMPageTableUnmap", caps: [], words: [] },
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

/** libsel4's function called `name`, if there is one; names found only on Object.prototype (toString, constructor) are not functions. */
export function libsel4Function(name: string): Libsel4Function | undefined {
  return Object.hasOwn(LIBSEL4, name) ? LIBSEL4[name] : undefined;
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
  return invoke(state, thread, service, libsel4Message(name, params));
}

/** `callLibsel4` through `invokeTraced`: the result and the checks the kernel made, in seL4's order. */
export function callLibsel4Traced(
  state: KernelState,
  thread: PhysAddr,
  name: string,
  service: CPtr,
  params: Readonly<Record<string, number>>,
): TracedInvokeResult {
  return invokeTraced(state, thread, service, libsel4Message(name, params));
}

/**
 * The message libsel4's function `name` sends for these parameters: the label, the words in
 * libsel4's order and the extra caps, each list stopping at the first parameter not given.
 */
export function libsel4Message(name: string, params: Readonly<Record<string, number>>): Message {
  const fn = libsel4Function(name);
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
  return { label: fn.label, args, extraCaps };
}
