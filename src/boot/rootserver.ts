import { alignDown, alignUp, hex, paddr, pow2, type PhysAddr, type VirtAddr } from "../model/addresses.ts";
import type { Cap, CNodeCap, FrameCap } from "../model/caps.ts";
import { CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS, numInitialCaps, TCB_SLOTS } from "../model/constants.ts";
import type { KernelSizes, KernelState, SlotAddr } from "../model/state.ts";
import { transition, type MutableState } from "../model/transition.ts";
import { cteInsert, insertCap } from "../kernel/cdt.ts";
import { slotAddress } from "../kernel/cspace.ts";
import { deriveCap } from "../kernel/derive.ts";
import { putObject } from "../kernel/store.ts";
import { storePhysical } from "../kernel/physmem.ts";
import { archBootOf, archOf, seL4_PageBits, type VRegion } from "../arch/index.ts";
import { bootInfoBytes, EMPTY_SLOT_REGION, type FullBootInfo, type SlotRegion } from "./bootInfo.ts";
import { INITIAL_CAP_SLOTS } from "./initialCaps.ts";
import { BootError } from "./memoryMap.ts";
import { splitIntoUntypeds, type UntypedBlock } from "./untypedSplit.ts";

/**
 * The root server (the initial thread) built the way seL4's src/kernel/boot.c builds it, one
 * named step per seL4 function, shared by the full and the minimal boot. The architecture's
 * part (its VSpace objects, frame mappings and ASID pool) is reached through arch/index.ts.
 */

/** A physical range [start, end). */
export type Interval = readonly [number, number];

/** `ranges` minus `taken`, as sorted disjoint intervals. */
export function subtract(ranges: readonly Interval[], taken: readonly Interval[]): Interval[] {
  let out: Interval[] = [...ranges];
  for (const [tlo, thi] of taken) {
    out = out.flatMap(([lo, hi]): Interval[] =>
      thi <= lo || tlo >= hi
        ? [[lo, hi]]
        : [...(lo < tlo ? [[lo, tlo] as Interval] : []), ...(thi < hi ? [[thi, hi] as Interval] : [])],
    );
  }
  return out.sort((a, b) => a[0] - b[0]);
}

/** Boot step: the RAM regions of the memory map, as sorted [start, end) ranges. */
export function listRAMRegions(ram: readonly { base: number; size: number }[]): Interval[] {
  return ram.map((r) => [r.base, r.base + r.size] as Interval).sort((a, b) => a[0] - b[0]);
}

/** The root server's objects one boot asks for. */
export interface RootserverRequest {
  readonly cnodeSizeBits: number;
  /** how many page tables the initial thread's image needs (seL4's arch_get_n_paging) */
  readonly pageTables: number;
  /** whether to allocate the IPC buffer and bootinfo frames (the minimal boot does not) */
  readonly bootFrames: boolean;
}

/** One root-server object as seL4's alloc_rootserver_obj takes it: what it is and log2 of its size. */
interface RootserverObject {
  readonly kind: "CNode" | "PageDirectory" | "ASIDPool" | "IPCBuffer" | "BootInfo" | "PageTable" | "TCB";
  readonly bits: number;
}

/**
 * seL4's create_rootserver_objects order: the larger of the root CNode and the VSpace root first
 * (the VSpace root when they are equal), the ASID pool, the IPC buffer, the bootinfo frame, then
 * the TCB before the page tables when seL4_TCBBits >= seL4_PageTableBits (ARM32 with the FPU),
 * otherwise after them.
 */
export function rootserverObjectOrder(sizes: KernelSizes, req: RootserverRequest): RootserverObject[] {
  const cnode: RootserverObject = {
    kind: "CNode",
    bits: req.cnodeSizeBits + sizes.slotBits,
  };
  const vspace: RootserverObject = {
    kind: "PageDirectory",
    bits: sizes.vspaceRootBits,
  };
  const tcb: RootserverObject = { kind: "TCB", bits: sizes.tcbBits };
  const paging = Array.from({ length: req.pageTables }, (): RootserverObject => ({
    kind: "PageTable",
    bits: sizes.pageTableBits,
  }));
  return [
    ...(cnode.bits > vspace.bits ? [cnode, vspace] : [vspace, cnode]),
    { kind: "ASIDPool", bits: sizes.asidPoolBits },
    ...(req.bootFrames
      ? ([
          { kind: "IPCBuffer", bits: seL4_PageBits },
          { kind: "BootInfo", bits: seL4_PageBits },
        ] as const)
      : []),
    ...(tcb.bits >= sizes.pageTableBits ? [tcb, ...paging] : [...paging, tcb]),
  ];
}

/**
 * Where each object goes from the start of the block, and the block's size (seL4's
 * calculate_rootserver_size). seL4 bumps a cursor and relies on the order to keep every object
 * aligned; capsim aligns the cursor too, which only matters for the minimal boot's CNodes below
 * 4 KiB (seL4 requires CONFIG_ROOT_CNODE_SIZE_BITS >= 8).
 */
function layOut(order: readonly RootserverObject[]): {
  offsets: number[];
  size: number;
} {
  let cursor = 0;
  const offsets = order.map((o) => {
    const at = alignUp(cursor, o.bits);
    cursor = at + pow2(o.bits);
    return at;
  });
  return { offsets, size: cursor };
}

/**
 * seL4's init_freemem placement and alloc_rootserver_obj: the block goes in the highest free
 * region that holds it, at the highest position there aligned to its largest object
 * (rootserver_max_size_bits); the region keeps what lies below and above the block. Returns
 * where each object went, the block, and the free regions left (ascending, empty ones dropped).
 */
export function placeRootserverObjects(
  sizes: KernelSizes,
  free: readonly Interval[],
  req: RootserverRequest,
): {
  placed: { kind: RootserverObject["kind"]; at: PhysAddr }[];
  block: Interval;
  free: Interval[];
} {
  const order = rootserverObjectOrder(sizes, req);
  const maxBits = Math.max(...order.map((o) => o.bits));
  const { offsets, size } = layOut(order);
  for (let i = free.length - 1; i >= 0; i--) {
    const [lo, hi] = free[i] as Interval;
    const start = alignDown(hi - size, maxBits);
    if (hi - size < 0 || start < lo) continue;
    const block: Interval = [start, start + size];
    const placed = order.map((o, k) => ({
      kind: o.kind,
      at: paddr(start + (offsets[k] as number)),
    }));
    return { placed, block, free: subtract(free, [block]) };
  }
  throw new BootError(
    "ram",
    `no RAM region can hold the initial thread's objects (${hex(size)} bytes, aligned to 2^${maxBits}) in its free memory: RAM is too small or too fragmented`,
  );
}

/** Where the root server's objects are: seL4's rootserver_mem_t. */
export interface RootserverMem {
  readonly cnode: PhysAddr;
  readonly vspace: PhysAddr;
  readonly asidPool: PhysAddr;
  /** null when the boot gives the initial thread no frames */
  readonly ipcBuf: PhysAddr | null;
  readonly bootInfo: PhysAddr | null;
  readonly paging: readonly PhysAddr[];
  readonly tcb: PhysAddr;
}

/** Boot step (seL4's create_rootserver_objects): place the objects and name each one. */
export function createRootserverObjects(
  sizes: KernelSizes,
  free: readonly Interval[],
  req: RootserverRequest,
): { rootserver: RootserverMem; block: Interval; free: Interval[] } {
  const { placed, block, free: left } = placeRootserverObjects(sizes, free, req);
  const all = (kind: string) => placed.filter((p) => p.kind === kind).map((p) => p.at);
  const one = (kind: string) => all(kind)[0] ?? null;
  const must = (kind: string) => {
    const at = one(kind);
    if (at === null) throw new Error(`capsim internal error: create_rootserver_objects placed no ${kind}`);
    return at;
  };
  return {
    rootserver: {
      cnode: must("CNode"),
      vspace: must("PageDirectory"),
      asidPool: must("ASIDPool"),
      ipcBuf: one("IPCBuffer"),
      bootInfo: one("BootInfo"),
      paging: all("PageTable"),
      tcb: must("TCB"),
    },
    block,
    free: left,
  };
}

/**
 * Boot step (seL4 16.0.0's create_untypeds), in its order: device untypeds for every region
 * outside the reserved set (ascending), then the kernel image's boot-only part, then the free RAM
 * left after the root server (ascending). Each region is cut as create_untypeds_for_region cuts
 * it. Past CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS untypeds seL4 only logs: they get no cap and no
 * bootinfo entry.
 */
export function createUntypeds(
  sizes: KernelSizes,
  deviceRegions: readonly Interval[],
  bootMemReuse: Interval,
  free: readonly Interval[],
): UntypedBlock[] {
  const ram = (r: Interval) => splitIntoUntypeds(sizes, r[0], r[1], false);
  const all = [
    ...deviceRegions.flatMap(([lo, hi]) => splitIntoUntypeds(sizes, lo, hi, true)),
    ...ram(bootMemReuse),
    ...free.flatMap(ram),
  ];
  return all.slice(0, CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS);
}

/** The root task's image: where it is in physical memory, where it is linked, how many 4 KiB pages. */
export interface UserImage {
  readonly physStart: number;
  readonly vStart: number;
  readonly pages: number;
}

/** The initial thread's virtual layout, as seL4's try_init_kernel computes it. */
export interface ItLayout {
  /** ui_v_reg: the image */
  readonly uiVReg: VRegion;
  /** the IPC buffer, right after the image */
  readonly ipcBufVPtr: VirtAddr;
  /** the bootinfo frame, right after the IPC buffer */
  readonly biFrameVPtr: VirtAddr;
  /** it_v_reg: everything the initial thread's page tables must cover */
  readonly itVReg: VRegion;
}

/** The initial thread's virtual layout for an image (no extra bootinfo: capsim passes no DTB). */
export function itLayoutOf(image: UserImage): ItLayout {
  const page = pow2(seL4_PageBits);
  const uiVReg = {
    start: image.vStart,
    end: image.vStart + image.pages * page,
  };
  const ipcBufVPtr = uiVReg.end as VirtAddr;
  const biFrameVPtr = (ipcBufVPtr + page) as VirtAddr;
  return {
    uiVReg,
    ipcBufVPtr,
    biFrameVPtr,
    itVReg: { start: uiVReg.start, end: biFrameVPtr + page },
  };
}

/** What one boot asks of the root server builder. */
export interface RootserverSpec {
  readonly cnodeSizeBits: number;
  /** the root task's image, or null: the minimal boot gives the initial thread an empty VSpace and no frames */
  readonly image: UserImage | null;
  /**
   * the physical regions outside seL4's reserved set (ndks_boot.reserved: the kernel and user
   * images, the mode-reserved MiB, all RAM in the kernel window), ascending: they become device
   * untypeds. The minimal boot, which has no kernel window, passes none.
   */
  readonly deviceRegions: readonly Interval[];
  /** the kernel image's boot-only part, reused as RAM (get_p_reg_kernel_img_boot); capsim's is empty */
  readonly bootMemReuse: Interval;
  /** the free RAM (ndks_boot.freemem): in the kernel window, not reserved; ascending */
  readonly free: readonly Interval[];
}

/** The built root server: the state, its TCB, its bootinfo, and where its objects are. */
export interface Rootserver {
  readonly state: KernelState;
  readonly initThread: PhysAddr;
  readonly bootInfo: FullBootInfo;
  /** the physical block holding the root server's objects (seL4's rootserver_mem) */
  readonly rootserverMem: Interval;
}

/**
 * seL4's ndks_boot slot cursor and provide_cap: past the well-known slots, boot hands out caps in
 * consecutive slots in the order it makes them, and bootinfo records each run as a region.
 */
class SlotCursor {
  private cur: number;
  constructor(
    private readonly s: MutableState,
    private readonly cnode: PhysAddr,
  ) {
    this.cur = numInitialCaps(s.config.api);
  }
  /** write_slot: a boot cap in a well-known slot. */
  write(index: number, cap: Cap): SlotAddr {
    const slot = slotAddress(this.s, this.cnode, index);
    insertCap(this.s, cap, slot, null, true);
    return slot;
  }
  /** provide_cap for each cap in turn; the slots they took. */
  provide(caps: readonly Cap[]): SlotRegion {
    const start = this.cur;
    for (const cap of caps) this.write(this.cur++, cap);
    return { start, end: this.cur };
  }
  get slotPosCur(): number {
    return this.cur;
  }
}

/** Boot step (seL4's create_root_cnode): the CNode whose guard makes every CPtr a plain slot index. */
export function createRootCNode(s: MutableState, cnode: PhysAddr, cnodeSizeBits: number): CNodeCap {
  putObject(s, { type: "CNode", paddr: cnode, radixBits: cnodeSizeBits });
  const cap: CNodeCap = {
    type: "CNode",
    paddr: cnode,
    radixBits: cnodeSizeBits,
    guardSize: s.config.sizes.wordBits - cnodeSizeBits,
    guard: 0,
  };
  insertCap(s, cap, slotAddress(s, cnode, INITIAL_CAP_SLOTS.InitThreadCNode), null, true);
  return cap;
}

/** Boot step (seL4's create_domain_cap): the domain cap in its well-known slot. */
function createDomainCap(slots: SlotCursor): void {
  slots.write(INITIAL_CAP_SLOTS.Domain, { type: "Domain" });
}

/** Boot step (seL4's init_irqs, its cap part): the IRQ control cap. capsim keeps no interrupt state. */
function initIRQs(slots: SlotCursor): void {
  slots.write(INITIAL_CAP_SLOTS.IRQControl, { type: "IRQControl" });
}

/** seL4's create_frames_of_region: one mapped 4 KiB frame cap per page of the image, executable. */
function createFramesOfRegion(s: MutableState, vspace: PhysAddr, image: UserImage): FrameCap[] {
  return Array.from({ length: image.pages }, (_, i) => {
    const page = i * pow2(seL4_PageBits);
    const cap = archBootOf(s.config).createItFrameCap(
      s,
      paddr(image.physStart + page),
      (image.vStart + page) as VirtAddr,
    );
    archBootOf(s.config).mapItFrameCap(s, vspace, cap, true);
    return cap;
  });
}

/** seL4's create_bi_frame_cap and create_ipcbuf_frame_cap: a mapped, non-executable frame. */
function createDataFrameCap(s: MutableState, vspace: PhysAddr, pptr: PhysAddr, vptr: VirtAddr): FrameCap {
  const cap = archBootOf(s.config).createItFrameCap(s, pptr, vptr);
  archBootOf(s.config).mapItFrameCap(s, vspace, cap, false);
  return cap;
}

/**
 * Boot step (seL4's create_initial_thread): the TCB, its CSpace and VSpace roots copied from the
 * root CNode's slots, and its IPC-buffer slot a derived (so unmapped) copy of the buffer's cap.
 */
export function createInitialThread(
  s: MutableState,
  tcb: PhysAddr,
  cnode: PhysAddr,
  ipcBufVPtr: VirtAddr,
  hasIPCBuffer: boolean,
): void {
  putObject(s, { type: "TCB", paddr: tcb, ipcBuffer: ipcBufVPtr });
  const copy = (from: number, to: number) => {
    const src = slotAddress(s, cnode, from);
    const cte = s.ctes.get(src);
    if (cte === undefined) throw new Error(`capsim internal error: create_initial_thread found slot ${from} empty`);
    const derived = deriveCap(s, src, cte.cap);
    if (!derived.ok)
      throw new Error(`capsim internal error: create_initial_thread cannot derive the cap in slot ${from}`);
    cteInsert(s, derived.value, src, slotAddress(s, tcb, to));
  };
  copy(INITIAL_CAP_SLOTS.InitThreadCNode, TCB_SLOTS.tcbCTable);
  copy(INITIAL_CAP_SLOTS.InitThreadVSpace, TCB_SLOTS.tcbVTable);
  if (hasIPCBuffer) copy(INITIAL_CAP_SLOTS.InitThreadIPCBuffer, TCB_SLOTS.tcbBuffer);
  insertCap(s, { type: "TCB", paddr: tcb }, slotAddress(s, cnode, INITIAL_CAP_SLOTS.InitThreadTCB), null, true);
  s.currentThread = tcb;
}

/** Boot untypeds start "full" (free index at the end): the first Retype resets them. */
function untypedCap(u: UntypedBlock): Cap {
  return {
    type: "Untyped",
    paddr: paddr(u.paddr),
    sizeBits: u.sizeBits,
    isDevice: u.isDevice,
    freeIndex: pow2(u.sizeBits),
  };
}

/** The slot regions boot hands out past the well-known slots, for bootinfo. */
interface ProvidedRegions {
  readonly userImagePaging: SlotRegion;
  readonly userImageFrames: SlotRegion;
  readonly untyped: SlotRegion;
  readonly empty: SlotRegion;
}

/** Boot step (seL4's populate_bi_frame and bi_finalise): the bootinfo the initial thread reads. */
export function populateBIFrame(
  cnodeSizeBits: number,
  layout: ItLayout | null,
  regions: ProvidedRegions,
  untypedList: readonly UntypedBlock[],
): FullBootInfo {
  return {
    nodeID: 0,
    numNodes: 1,
    numIOPTLevels: 0,
    extraLen: 0,
    ipcBuffer: layout?.ipcBufVPtr ?? (0 as VirtAddr),
    bootInfoFrame: layout?.biFrameVPtr ?? (0 as VirtAddr),
    empty: regions.empty,
    sharedFrames: EMPTY_SLOT_REGION,
    userImagePaging: regions.userImagePaging,
    userImageFrames: regions.userImageFrames,
    ioSpaceCaps: EMPTY_SLOT_REGION,
    extraBIPages: EMPTY_SLOT_REGION,
    untyped: regions.untyped,
    untypedList,
    initThreadCNodeSizeBits: cnodeSizeBits,
    initThreadDomain: 0,
  };
}

/**
 * Build the root server in `kernel` (a state in which the kernel's own structures are set up),
 * in seL4's order, which is also the order of the slots past the well-known ones:
 * 1. create_rootserver_objects: place the objects in free RAM;
 * 2. create_root_cnode, create_domain_cap (slot 11) and init_irqs (the IRQ control cap, slot 4);
 * 3. create_it_address_space: the directory (slot 3) and the image's page tables (userImagePaging);
 * 4. the bootinfo frame (slot 9), the IPC buffer (slot 10) and the image frames (userImageFrames);
 * 5. create_it_asid_pool (slots 5 and 6) and write_it_asid_pool;
 * 6. create_initial_thread (slot 1);
 * 7. create_untypeds: device regions, the kernel's boot-only memory, then free RAM (untyped);
 * 8. populate_bi_frame and bi_finalise (empty), then load the initial thread's VSpace.
 */
export function createRootserver(kernel: KernelState, spec: RootserverSpec): Rootserver {
  const sizes = kernel.config.sizes;
  const layout = spec.image === null ? null : itLayoutOf(spec.image);
  const pageTables = layout === null ? 0 : archBootOf(kernel.config).archGetNPaging(layout.itVReg);
  const {
    rootserver: rs,
    block,
    free,
  } = createRootserverObjects(sizes, spec.free, {
    cnodeSizeBits: spec.cnodeSizeBits,
    pageTables,
    bootFrames: layout !== null,
  });
  const untypeds = createUntypeds(sizes, spec.deviceRegions, spec.bootMemReuse, free);
  const capacity = pow2(spec.cnodeSizeBits);
  const capsNeeded = numInitialCaps(kernel.config.api) + pageTables + (spec.image?.pages ?? 0) + untypeds.length;
  if (capsNeeded > capacity)
    throw new BootError("cnodeSizeBits", `${capsNeeded} caps do not fit in a CNode of ${capacity} slots`);

  let bootInfo: FullBootInfo | undefined;
  const state = transition(kernel, (s: MutableState) => {
    const slots = new SlotCursor(s, rs.cnode);
    createRootCNode(s, rs.cnode, spec.cnodeSizeBits);
    createDomainCap(slots);
    initIRQs(slots);
    const arch = archBootOf(s.config);
    const vspace = arch.createItAddressSpace(s, rs.vspace, rs.paging, layout?.itVReg ?? null);
    slots.write(INITIAL_CAP_SLOTS.InitThreadVSpace, vspace.vspaceCap);
    const userImagePaging = slots.provide(vspace.pagingCaps);
    let userImageFrames = slots.provide([]);
    if (spec.image !== null && layout !== null && rs.ipcBuf !== null && rs.bootInfo !== null) {
      slots.write(INITIAL_CAP_SLOTS.BootInfoFrame, createDataFrameCap(s, rs.vspace, rs.bootInfo, layout.biFrameVPtr));
      slots.write(
        INITIAL_CAP_SLOTS.InitThreadIPCBuffer,
        createDataFrameCap(s, rs.vspace, rs.ipcBuf, layout.ipcBufVPtr),
      );
      userImageFrames = slots.provide(createFramesOfRegion(s, rs.vspace, spec.image));
    }
    const pool = arch.createItASIDPool(s, rs.asidPool);
    slots.write(INITIAL_CAP_SLOTS.InitThreadASIDPool, pool.asidPoolCap);
    slots.write(INITIAL_CAP_SLOTS.ASIDControl, pool.asidControlCap);
    arch.writeItASIDPool(s, rs.asidPool, rs.vspace);
    createInitialThread(s, rs.tcb, rs.cnode, layout?.ipcBufVPtr ?? (0 as VirtAddr), rs.ipcBuf !== null);
    const untyped = slots.provide(untypeds.map(untypedCap));
    bootInfo = populateBIFrame(
      spec.cnodeSizeBits,
      layout,
      {
        userImagePaging,
        userImageFrames,
        untyped,
        empty: { start: slots.slotPosCur, end: capacity },
      },
      untypeds,
    );
    // The initial thread reads its bootinfo from the frame: seL4_BootInfo laid out in machine words.
    if (rs.bootInfo !== null)
      storePhysical(
        s,
        rs.bootInfo,
        bootInfoBytes(bootInfo, s.config.sizes.wordBits / 8, CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS),
      );
    // Only a thread with an image has anything to run: the minimal boot leaves the MMU unloaded.
    if (layout !== null) archOf(s.config).setVMRoot(s, rs.tcb);
  });
  if (bootInfo === undefined) throw new Error("capsim internal error: the root server's transition did not run");
  return { state, initThread: rs.tcb, bootInfo, rootserverMem: block };
}
