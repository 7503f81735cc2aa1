import { alignUp, asid, paddr, pow2, type CPtr, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { PMap } from "../model/pmap.ts";
import { insertCap } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import type { Cap } from "../model/caps.ts";
import { IT_ASID, seL4_NumInitialCaps, TCB_SLOTS } from "../model/constants.ts";
import { seL4_ASIDPoolBits, seL4_PageDirBits, seL4_SlotBits, seL4_TCBBits, seL4_WordBits } from "../arch/index.ts";
import type { KernelObject } from "../model/objects.ts";
import { emptyKernelState, type KernelState, type MachineConfig } from "../model/state.ts";
import { DEFAULT_CONFIG } from "../arch/index.ts";
import { putObject } from "../kernel/store.ts";
import { transition, type MutableState } from "../model/transition.ts";
import { INITIAL_CAP_SLOTS } from "./initialCaps.ts";
import { splitIntoUntypeds, type UntypedBlock } from "./untypedSplit.ts";

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

/** A booted machine: the state, the initial thread's TCB and its bootinfo. */
export interface BootedMachine {
  readonly state: KernelState;
  readonly initThread: PhysAddr;
  readonly bootInfo: BootInfo;
}

/** The CPtr of slot `index` of the initial thread's CNode (its guard makes every CPtr a plain slot index). */
export function initialSlotCPtr(index: number): CPtr {
  return index as CPtr;
}

/**
 * A minimal boot: carve the initial thread's objects (CNode, page directory with ASID 1 in the
 * initial ASID pool, TCB) out of RAM, give the rest of RAM to untypeds split as seL4 splits
 * them, and hand the initial thread its caps in seL4's well-known slots. The full boot (the
 * kernel window, the initial VSpace's frames) builds on this in src/boot/.
 */
export function bootMinimal(opts: MinimalBootOptions): BootedMachine {
  const config = opts.config ?? DEFAULT_CONFIG;
  const cnodeBits = opts.cnodeSizeBits ?? 12;
  const regions = [...opts.ram].sort((a, b) => a.base - b.base);
  if (regions.length === 0) throw new Error("boot: the memory map has no RAM region");

  // seL4 allocates the root server's objects together, biggest first, from one free region.
  const objectsNeeded: { kind: "CNode" | "PageDirectory" | "ASIDPool" | "TCB"; bits: number }[] = [
    { kind: "CNode", bits: cnodeBits + seL4_SlotBits },
    { kind: "PageDirectory", bits: seL4_PageDirBits },
    { kind: "ASIDPool", bits: seL4_ASIDPoolBits },
    { kind: "TCB", bits: seL4_TCBBits },
  ];
  const totalBytes = objectsNeeded.reduce((n, o) => n + pow2(o.bits), 0);
  const maxBits = Math.max(...objectsNeeded.map((o) => o.bits));
  const home = regions.find((r) => alignUp(r.base, maxBits) + totalBytes <= r.base + r.size);
  if (home === undefined) throw new Error(`boot: no RAM region can hold the initial thread's objects (${totalBytes} bytes, aligned to 2^${maxBits})`);
  let cursor = alignUp(home.base, maxBits);
  const rootserverStart = cursor;
  const at: Record<string, PhysAddr> = {};
  for (const o of objectsNeeded) {
    cursor = alignUp(cursor, o.bits);
    at[o.kind] = paddr(cursor);
    cursor += pow2(o.bits);
  }
  const rootserverEnd = cursor;
  const cnode = at["CNode"] as PhysAddr;
  const pd = at["PageDirectory"] as PhysAddr;
  const pool = at["ASIDPool"] as PhysAddr;
  const tcb = at["TCB"] as PhysAddr;

  const free: UntypedBlock[] = [];
  for (const r of regions) {
    const end = r.base + r.size;
    if (r === home) {
      free.push(...splitIntoUntypeds(config.sizes, r.base, rootserverStart, false), ...splitIntoUntypeds(config.sizes, rootserverEnd, end, false));
    } else {
      free.push(...splitIntoUntypeds(config.sizes, r.base, end, false));
    }
  }

  const slot = (i: number) => slotAddress(cnode, i);
  const cnodeCap: Cap = { type: "CNode", paddr: cnode, radixBits: cnodeBits, guardSize: seL4_WordBits - cnodeBits, guard: 0 };
  const pdCap: Cap = { type: "PageDirectory", paddr: pd, mappedASID: asid(IT_ASID) };
  const firstUntyped = seL4_NumInitialCaps;
  const capacity = pow2(cnodeBits);
  if (firstUntyped + free.length > capacity) throw new Error(`boot: ${free.length} untypeds do not fit in a CNode of ${capacity} slots`);

  const state = transition(emptyKernelState(config), (s: MutableState) => {
    const objects: KernelObject[] = [
      { type: "CNode", paddr: cnode, radixBits: cnodeBits },
      { type: "PageDirectory", paddr: pd, entries: PMap.empty() },
      { type: "ASIDPool", paddr: pool, entries: PMap.empty<number, PhysAddr>().set(IT_ASID, pd) },
      { type: "TCB", paddr: tcb, ipcBuffer: 0 as VirtAddr },
    ];
    for (const o of objects) putObject(s, o);
    s.asidTable = s.asidTable.set(0, pool);
    insertCap(s, { type: "TCB", paddr: tcb }, slot(INITIAL_CAP_SLOTS.InitThreadTCB), null, true);
    insertCap(s, cnodeCap, slot(INITIAL_CAP_SLOTS.InitThreadCNode), null, true);
    insertCap(s, pdCap, slot(INITIAL_CAP_SLOTS.InitThreadVSpace), null, true);
    insertCap(s, { type: "ASIDControl" }, slot(INITIAL_CAP_SLOTS.ASIDControl), null, true);
    insertCap(s, { type: "ASIDPool", paddr: pool, asidBase: asid(0) }, slot(INITIAL_CAP_SLOTS.InitThreadASIDPool), null, true);
    free.forEach((u, i) => {
      // Boot untypeds start "full" (free index at the end): the first Retype resets them.
      insertCap(s, { type: "Untyped", paddr: paddr(u.paddr), sizeBits: u.sizeBits, isDevice: u.isDevice, freeIndex: pow2(u.sizeBits) }, slot(firstUntyped + i), null, true);
    });
    // The TCB's CSpace and VSpace roots are copies of the CNode and PD caps (seL4's create_initial_thread).
    insertCap(s, cnodeCap, slotAddress(tcb, TCB_SLOTS.tcbCTable), slot(INITIAL_CAP_SLOTS.InitThreadCNode), false);
    insertCap(s, pdCap, slotAddress(tcb, TCB_SLOTS.tcbVTable), slot(INITIAL_CAP_SLOTS.InitThreadVSpace), false);
    s.currentThread = tcb;
  });

  return {
    state,
    initThread: tcb,
    bootInfo: {
      empty: { start: firstUntyped + free.length, end: capacity },
      untyped: { start: firstUntyped, end: firstUntyped + free.length },
      untypedList: free,
      initThreadCNodeSizeBits: cnodeBits,
    },
  };
}
