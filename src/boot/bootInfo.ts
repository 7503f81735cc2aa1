import type { PhysAddr, VirtAddr } from "../model/addresses.ts";
import type { KernelState } from "../model/state.ts";
import type { UntypedBlock } from "./untypedSplit.ts";

/** seL4_SlotRegion: slots [start, end) of the initial CNode. */
export interface SlotRegion {
  readonly start: number;
  readonly end: number;
}

/** The part of seL4's bootinfo that the minimal boot fills in. */
export interface BootInfo {
  readonly empty: SlotRegion;
  readonly untyped: SlotRegion;
  readonly untypedList: readonly UntypedBlock[];
  readonly initThreadCNodeSizeBits: number;
}

/** seL4's bootinfo (libsel4 bootinfo_types.h), the fields capsim fills. */
export interface FullBootInfo extends BootInfo {
  readonly nodeID: number;
  readonly numNodes: number;
  readonly ipcBuffer: VirtAddr;
  readonly bootInfoFrame: VirtAddr;
  readonly userImageFrames: SlotRegion;
  readonly userImagePaging: SlotRegion;
  readonly initThreadDomain: number;
  readonly extraLen: number;
}

/** A booted machine: the state, the initial thread's TCB and its bootinfo. */
export interface BootedMachine {
  readonly state: KernelState;
  readonly initThread: PhysAddr;
  readonly bootInfo: BootInfo;
}

/** A machine booted the way seL4 boots: kernel window, initial thread's VSpace, untypeds. */
export interface FullyBootedMachine extends BootedMachine {
  readonly bootInfo: FullBootInfo;
  readonly physBase: number;
}
