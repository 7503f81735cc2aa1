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

/** Where a full boot put things in physical memory: what bootinfo does not say but a reader may want. */
export interface PhysicalLayout {
  /** PADDR_TOP: where the kernel window ends; RAM at or above it became device untyped */
  readonly paddrTop: number;
  /** the reserved regions, [start, end) ascending: the kernel image, the user image, ARM32's mode-reserved MiB */
  readonly reserved: readonly (readonly [number, number])[];
  /** the block holding the root server's objects (seL4's rootserver_mem) */
  readonly rootserver: readonly [number, number];
}

/** A machine booted the way seL4 boots: kernel window, initial thread's VSpace, untypeds. */
export interface FullyBootedMachine extends BootedMachine {
  readonly bootInfo: FullBootInfo;
  readonly physBase: number;
  readonly layout: PhysicalLayout;
}
