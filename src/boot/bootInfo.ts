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

/** seL4's bootinfo (libsel4 bootinfo_types.h), every field of a non-MCS kernel; bootInfoFrame is capsim's. */
export interface FullBootInfo extends BootInfo {
  readonly nodeID: number;
  readonly numNodes: number;
  /** no IOMMU on ARM: populate_bi_frame writes 0 */
  readonly numIOPTLevels: number;
  readonly ipcBuffer: VirtAddr;
  /** where the bootinfo frame is mapped (not a field of seL4's: the initial thread gets it in a register) */
  readonly bootInfoFrame: VirtAddr;
  /** ARM has no multikernel: S_REG_EMPTY */
  readonly sharedFrames: SlotRegion;
  readonly userImageFrames: SlotRegion;
  readonly userImagePaging: SlotRegion;
  /** no SMMU: S_REG_EMPTY */
  readonly ioSpaceCaps: SlotRegion;
  /** no device tree is passed, so no extra bootinfo pages: left as cleared memory */
  readonly extraBIPages: SlotRegion;
  readonly initThreadDomain: number;
  readonly extraLen: number;
}

/** seL4's S_REG_EMPTY: the slot region {0, 0}. */
export const EMPTY_SLOT_REGION: SlotRegion = { start: 0, end: 0 };

/**
 * The bytes of seL4_BootInfo as the kernel leaves them in the bootinfo frame for a machine
 * word of `wordBytes` bytes (4 on ARM32, 8 on AArch64): every field a word, in
 * bootinfo_types.h's order, slot regions two words, then the untypedList's
 * CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS entries of { paddr word, sizeBits byte, isDevice byte,
 * padding to two words }. Fields the kernel does not fill stay zero (clearMemory).
 */
export function bootInfoBytes(bi: FullBootInfo, wordBytes: number, maxUntypeds: number): Uint8Array {
  const headerWords = 21;
  const out = new Uint8Array(headerWords * wordBytes + maxUntypeds * 2 * wordBytes);
  let at = 0;
  const word = (n: number) => {
    for (let i = 0, v = n; i < wordBytes; i++, v = Math.floor(v / 256)) out[at + i] = v % 256;
    at += wordBytes;
  };
  const region = (r: SlotRegion) => {
    word(r.start);
    word(r.end);
  };
  word(bi.extraLen);
  word(bi.nodeID);
  word(bi.numNodes);
  word(bi.numIOPTLevels);
  word(bi.ipcBuffer);
  for (const r of [bi.empty, bi.sharedFrames, bi.userImageFrames, bi.userImagePaging, bi.ioSpaceCaps, bi.extraBIPages])
    region(r);
  word(bi.initThreadCNodeSizeBits);
  word(bi.initThreadDomain);
  region(bi.untyped);
  for (const u of bi.untypedList.slice(0, maxUntypeds)) {
    word(u.paddr);
    out[at] = u.sizeBits;
    out[at + 1] = u.isDevice ? 1 : 0;
    at += wordBytes;
  }
  return out;
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
