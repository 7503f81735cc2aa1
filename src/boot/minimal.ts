import type { CPtr } from "../model/addresses.ts";
import { emptyKernelState, type MachineConfig } from "../model/state.ts";
import { DEFAULT_CONFIG } from "../arch/index.ts";
import type { BootedMachine } from "./bootInfo.ts";
import { BootError } from "./memoryMap.ts";
import { createRootserver, listRAMRegions } from "./rootserver.ts";

export type { BootedMachine, BootInfo, SlotRegion } from "./bootInfo.ts";

/** A region of physical RAM: [base, base + size). */
export interface RamRegion {
  readonly base: number;
  readonly size: number;
}

/** What boot needs to know about the machine. */
export interface MinimalBootOptions {
  readonly ram: readonly RamRegion[];
  readonly config?: MachineConfig;
  /** log2 of the initial CNode's slot count (CONFIG_ROOT_CNODE_SIZE_BITS, default 12) */
  readonly cnodeSizeBits?: number;
}

/** The CPtr of slot `index` of the initial thread's CNode (its guard makes every CPtr a plain slot index). */
export function initialSlotCPtr(index: number): CPtr {
  return index as CPtr;
}

/**
 * A minimal boot: carve the initial thread's objects (CNode, page directory with ASID 1 in the
 * initial ASID pool, TCB) out of RAM, give the rest of RAM to untypeds split as seL4 splits
 * them, and hand the initial thread its caps in seL4's well-known slots. It builds the root
 * server as the full boot does (src/boot/rootserver.ts), without a kernel window or an image.
 */
export function bootMinimal(opts: MinimalBootOptions): BootedMachine {
  const config = opts.config ?? DEFAULT_CONFIG;
  const cnodeSizeBits = opts.cnodeSizeBits ?? 12;
  if (opts.ram.length === 0) throw new BootError("ram", "the memory map has no RAM region");
  const { state, initThread, bootInfo } = createRootserver(emptyKernelState(config), { cnodeSizeBits, image: null, devices: [], free: listRAMRegions(opts.ram) });
  const { empty, untyped, untypedList, initThreadCNodeSizeBits } = bootInfo;
  return { state, initThread, bootInfo: { empty, untyped, untypedList, initThreadCNodeSizeBits } };
}
