import { alignDown, alignUp, asid, hex, paddr, pow2, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import { PMap } from "../model/pmap.ts";
import { insertCap } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import type { Cap, FrameCap } from "../model/caps.ts";
import { IT_ASID, seL4_NumInitialCaps, TCB_SLOTS } from "../model/constants.ts";
import { seL4_ASIDPoolBits, seL4_PageDirBits, seL4_PageTableBits, seL4_SlotBits, seL4_TCBBits, seL4_WordBits } from "../arch/index.ts";
import type { KernelObject } from "../model/objects.ts";
import { emptyKernelState, type KernelSizes, type KernelState } from "../model/state.ts";
import { DEFAULT_CONFIG } from "../arch/index.ts";
import { putObject } from "../kernel/store.ts";
import { transition, type MutableState } from "../model/transition.ts";
import { encodePDE, encodePTE, type PageAttributes } from "../arch/index.ts";
import { copyGlobalMappings } from "../arch/index.ts";
import { setVMRoot } from "../arch/index.ts";
import { INITIAL_CAP_SLOTS } from "./initialCaps.ts";
import { buildKernelWindow } from "../arch/index.ts";
import { BootError, validateMemoryMap, type MemoryMapInput } from "./memoryMap.ts";
import type { BootedMachine, BootInfo, SlotRegion } from "./minimal.ts";
import { splitIntoUntypeds, type UntypedBlock } from "./untypedSplit.ts";

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

/** A machine booted the way seL4 boots: kernel window, initial thread's VSpace, untypeds. */
export interface FullyBootedMachine extends BootedMachine {
  readonly bootInfo: FullBootInfo;
  readonly physBase: number;
}

/** A physical range [start, end). */
export type Interval = readonly [number, number];

/** `ranges` minus `taken`, as sorted disjoint intervals. */
function subtract(ranges: readonly Interval[], taken: readonly Interval[]): Interval[] {
  let out: Interval[] = [...ranges];
  for (const [tlo, thi] of taken) {
    out = out.flatMap(([lo, hi]): Interval[] => (thi <= lo || tlo >= hi ? [[lo, hi]] : [...(lo < tlo ? [[lo, tlo] as Interval] : []), ...(thi < hi ? [[thi, hi] as Interval] : [])]));
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Boot step: the RAM regions of the memory map, as sorted [start, end) ranges. */
export function listRAMRegions(ram: readonly { base: number; size: number }[]): Interval[] {
  return ram.map((r) => [r.base, r.base + r.size] as Interval).sort((a, b) => a[0] - b[0]);
}

/**
 * Boot step (seL4's create_rootserver_objects): place the initial thread's objects, biggest
 * first, contiguously in the first free range that holds them all; returns where each went and
 * the free ranges left.
 */
export function placeRootserverObjects(free: readonly Interval[], cnodeSizeBits: number, pageTables: number): { placed: { kind: string; at: PhysAddr }[]; free: Interval[] } {
  const plan: { kind: string; bits: number }[] = [
    { kind: "CNode", bits: cnodeSizeBits + seL4_SlotBits },
    { kind: "PageDirectory", bits: seL4_PageDirBits },
    { kind: "ASIDPool", bits: seL4_ASIDPoolBits },
    { kind: "IPCBuffer", bits: 12 },
    { kind: "BootInfo", bits: 12 },
    ...Array.from({ length: pageTables }, () => ({ kind: "PageTable", bits: seL4_PageTableBits })),
    { kind: "TCB", bits: seL4_TCBBits },
  ].sort((a, b) => b.bits - a.bits);
  const needBytes = plan.reduce((n, o) => n + pow2(o.bits), 0);
  const home = free.find(([lo, hi]) => alignUp(lo, plan[0]!.bits) + needBytes <= hi);
  if (home === undefined) throw new BootError("ram", `no free RAM region can hold the initial thread's objects (${hex(needBytes)} bytes, aligned to 2^${plan[0]!.bits}): RAM is too small or too fragmented`);
  let cursor = alignUp(home[0], plan[0]!.bits);
  const placed: { kind: string; at: PhysAddr }[] = [];
  for (const o of plan) {
    cursor = alignUp(cursor, o.bits);
    placed.push({ kind: o.kind, at: paddr(cursor) });
    cursor += pow2(o.bits);
  }
  return { placed, free: subtract(free, [[alignUp(home[0], plan[0]!.bits), cursor]]) };
}

/** Boot step (seL4's create_untypeds): device regions, then free RAM, as aligned power-of-two untypeds. */
export function untypedsFor(sizes: KernelSizes, devices: readonly { base: number; size: number }[], free: readonly Interval[]): UntypedBlock[] {
  return [...devices.flatMap((d) => splitIntoUntypeds(sizes, d.base, d.base + d.size, true)), ...free.flatMap(([lo, hi]) => splitIntoUntypeds(sizes, lo, hi, false))];
}

const USER_RWX: PageAttributes = { cacheable: true, parityEnabled: false, executeNever: false };
const USER_RW_XN: PageAttributes = { cacheable: true, parityEnabled: false, executeNever: true };

/**
 * Boot from a memory map, as seL4 does on 32-bit ARM (src/arch/arm/kernel/boot.c, src/kernel/boot.c,
 * src/arch/arm/32/kernel/vspace.c):
 * 1. validate the memory map and list the RAM regions;
 * 2. build the kernel's global page directory: the window onto physical memory from physBase;
 * 3. place the root task's image after the kernel image, and its objects (CNode, page directory,
 *    ASID pool, IPC buffer, bootinfo frame, TCB, page tables) in free RAM;
 * 4. build the initial thread's VSpace: global mappings copied in, page tables for its virtual
 *    range, its image frames, IPC buffer and bootinfo frame mapped, ASID 1 in the initial pool;
 * 5. give the initial thread its caps in seL4's slot order, and all remaining memory as untypeds
 *    (device regions first, then free RAM), split into aligned power-of-two blocks;
 * 6. load its address space.
 */
export function boot(input: MemoryMapInput = { ram: [{ base: 0, size: 256 * 2 ** 20 }] }): FullyBootedMachine {
  const m = validateMemoryMap(input);
  const physBase = Math.min(...m.ram.map((r) => r.base));
  if (m.kernelImageSize < 0x8000) throw new BootError("kernelImageSize", "the kernel image must hold its global page directory and page table (at least 32 KiB)");
  const kernelEnd = physBase + alignUp(m.kernelImageSize, 12);
  // The kernel's own paging structures live in its image (seL4 keeps them in kernel BSS).
  const globalPD = paddr(alignDown(kernelEnd - 0x8000, seL4_PageDirBits));
  const globalPT = paddr(globalPD + 0x4000);
  const vectorFrame = paddr(globalPD + 0x5000);

  // The root task's image sits right after the kernel image.
  const uiSize = alignUp(m.userImage.size, 12);
  const uiPhys = kernelEnd;
  const firstRegion = m.ram.find((r) => r.base === physBase)!;
  if (uiPhys + uiSize > firstRegion.base + firstRegion.size) throw new BootError("userImage", `the user image (${hex(uiSize)} bytes) does not fit after the kernel image in ram[${m.ram.indexOf(firstRegion)}]`);
  if (m.userImage.vbase % 4096 !== 0) throw new BootError("userImage.vbase", `${hex(m.userImage.vbase)} is not 4 KiB aligned`);
  const uiV = m.userImage.vbase;
  const ipcBufferV = uiV + uiSize;
  const bootInfoV = ipcBufferV + 4096;
  const itEnd = bootInfoV + 4096;
  if (itEnd >= m.userTop) throw new BootError("userImage", `the initial thread's virtual range ends at ${hex(itEnd)}, at or above USER_TOP ${hex(m.userTop)}`);
  const ptCount = Math.floor((itEnd - 1) / 2 ** 20) - Math.floor(uiV / 2 ** 20) + 1;

  const reserved: Interval[] = [[physBase, kernelEnd + uiSize]];
  const ramRanges = listRAMRegions(m.ram);
  const { placed, free } = placeRootserverObjects(subtract(ramRanges, reserved), m.cnodeSizeBits, ptCount);
  const one = (k: string) => placed.find((p) => p.kind === k)!.at;
  const cnode = one("CNode");
  const pd = one("PageDirectory");
  const pool = one("ASIDPool");
  const ipcBuffer = one("IPCBuffer");
  const bootInfoFrame = one("BootInfo");
  const tcb = one("TCB");
  const pts = placed.filter((p) => p.kind === "PageTable").map((p) => p.at);

  const window = buildKernelWindow(physBase, m.userTop, globalPT, vectorFrame);
  const untypedBlocks = untypedsFor(DEFAULT_CONFIG.sizes, m.devices, free);
  const capacity = pow2(m.cnodeSizeBits);
  const imagePages = uiSize / 4096;
  const pagingStart = seL4_NumInitialCaps;
  const framesStart = pagingStart + ptCount;
  const untypedStart = framesStart + imagePages;
  if (untypedStart + untypedBlocks.length > capacity) throw new BootError("cnodeSizeBits", `${untypedStart + untypedBlocks.length} caps do not fit in a CNode of ${capacity} slots`);

  const config = { ...DEFAULT_CONFIG, userTop: m.userTop as VirtAddr };
  const slot = (i: number) => slotAddress(cnode, i);
  const a1 = asid(IT_ASID);
  const state: KernelState = transition(emptyKernelState(config), (s: MutableState) => {
    putObject(s, { type: "PageDirectory", paddr: globalPD, entries: window.pdEntries });
    putObject(s, { type: "PageTable", paddr: globalPT, entries: window.ptEntries });
    s.globalPD = globalPD;
    // The initial PD: the kernel's entries, then page tables for the initial thread's range.
    let pdEntries = copyGlobalMappings(s, PMap.empty());
    const ptEntries = new Map<PhysAddr, PMap<number, number>>(pts.map((p) => [p, PMap.empty()]));
    const firstMiB = Math.floor(uiV / 2 ** 20);
    pts.forEach((p, i) => (pdEntries = pdEntries.set(firstMiB + i, encodePDE({ kind: "Table", paddr: p, parityEnabled: false }))));
    const mapSmall = (v: number, frame: PhysAddr, attrs: PageAttributes) => {
      const pt = pts[Math.floor(v / 2 ** 20) - firstMiB]!;
      ptEntries.set(pt, ptEntries.get(pt)!.set(Math.floor(v / 4096) % 256, encodePTE({ kind: "Page", size: "SmallPage", paddr: frame, rights: "VMReadWrite", attributes: attrs, global: false })));
    };
    const objects: KernelObject[] = [
      { type: "CNode", paddr: cnode, radixBits: m.cnodeSizeBits },
      { type: "ASIDPool", paddr: pool, entries: PMap.empty<number, PhysAddr>().set(IT_ASID, pd) },
      { type: "TCB", paddr: tcb, ipcBuffer: ipcBufferV as VirtAddr },
      { type: "Frame", paddr: ipcBuffer, size: "SmallPage", isDevice: false },
      { type: "Frame", paddr: bootInfoFrame, size: "SmallPage", isDevice: false },
    ];
    const frameCap = (p: PhysAddr, v: number): FrameCap => ({ type: "Frame", paddr: p, size: "SmallPage", vmRights: "VMReadWrite", isDevice: false, mapping: { asid: a1, vaddr: v as VirtAddr } });
    const cnodeCap: Cap = { type: "CNode", paddr: cnode, radixBits: m.cnodeSizeBits, guardSize: seL4_WordBits - m.cnodeSizeBits, guard: 0 };
    const pdCap: Cap = { type: "PageDirectory", paddr: pd, mappedASID: a1 };
    insertCap(s, cnodeCap, slot(INITIAL_CAP_SLOTS.InitThreadCNode), null, true);
    insertCap(s, pdCap, slot(INITIAL_CAP_SLOTS.InitThreadVSpace), null, true);
    pts.forEach((p, i) => {
      objects.push({ type: "PageTable", paddr: p, entries: PMap.empty() });
      insertCap(s, { type: "PageTable", paddr: p, mapping: { asid: a1, vaddr: ((firstMiB + i) * 2 ** 20) as VirtAddr } }, slot(pagingStart + i), null, true);
    });
    mapSmall(bootInfoV, bootInfoFrame, USER_RW_XN);
    insertCap(s, frameCap(bootInfoFrame, bootInfoV), slot(INITIAL_CAP_SLOTS.BootInfoFrame), null, true);
    mapSmall(ipcBufferV, ipcBuffer, USER_RW_XN);
    insertCap(s, frameCap(ipcBuffer, ipcBufferV), slot(INITIAL_CAP_SLOTS.InitThreadIPCBuffer), null, true);
    for (let i = 0; i < imagePages; i++) {
      const p = paddr(uiPhys + i * 4096);
      objects.push({ type: "Frame", paddr: p, size: "SmallPage", isDevice: false });
      mapSmall(uiV + i * 4096, p, USER_RWX);
      insertCap(s, frameCap(p, uiV + i * 4096), slot(framesStart + i), null, true);
    }
    objects.push({ type: "PageDirectory", paddr: pd, entries: pdEntries });
    for (const [p, entries] of ptEntries) objects.push({ type: "PageTable", paddr: p, entries });
    for (const o of objects) putObject(s, o);
    s.asidTable = s.asidTable.set(0, pool);
    insertCap(s, { type: "ASIDControl" }, slot(INITIAL_CAP_SLOTS.ASIDControl), null, true);
    insertCap(s, { type: "ASIDPool", paddr: pool, asidBase: asid(0) }, slot(INITIAL_CAP_SLOTS.InitThreadASIDPool), null, true);
    insertCap(s, { type: "TCB", paddr: tcb }, slot(INITIAL_CAP_SLOTS.InitThreadTCB), null, true);
    insertCap(s, cnodeCap, slotAddress(tcb, TCB_SLOTS.tcbCTable), slot(INITIAL_CAP_SLOTS.InitThreadCNode), false);
    insertCap(s, pdCap, slotAddress(tcb, TCB_SLOTS.tcbVTable), slot(INITIAL_CAP_SLOTS.InitThreadVSpace), false);
    // The TCB's IPC-buffer slot holds a derived copy of the frame cap: derived, so unmapped.
    insertCap(s, { ...frameCap(ipcBuffer, ipcBufferV), mapping: null }, slotAddress(tcb, TCB_SLOTS.tcbBuffer), slot(INITIAL_CAP_SLOTS.InitThreadIPCBuffer), false);
    untypedBlocks.forEach((u, i) => {
      insertCap(s, { type: "Untyped", paddr: paddr(u.paddr), sizeBits: u.sizeBits, isDevice: u.isDevice, freeIndex: pow2(u.sizeBits) }, slot(untypedStart + i), null, true);
    });
    s.currentThread = tcb;
    setVMRoot(s, tcb);
  });

  return {
    state,
    initThread: tcb,
    physBase,
    bootInfo: {
      nodeID: 0,
      numNodes: 1,
      extraLen: 0,
      ipcBuffer: ipcBufferV as VirtAddr,
      bootInfoFrame: bootInfoV as VirtAddr,
      empty: { start: untypedStart + untypedBlocks.length, end: capacity },
      userImagePaging: { start: pagingStart, end: framesStart },
      userImageFrames: { start: framesStart, end: untypedStart },
      untyped: { start: untypedStart, end: untypedStart + untypedBlocks.length },
      untypedList: untypedBlocks,
      initThreadCNodeSizeBits: m.cnodeSizeBits,
      initThreadDomain: 0,
    },
  };
}
