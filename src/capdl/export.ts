import { hex, type PhysAddr, type PPtr, type VirtAddr } from "../model/addresses.ts";
import type { Cap as KCap, VMRights } from "../model/caps.ts";
import type { KernelObject } from "../model/objects.ts";
import { frameSizeBits, type KernelState, type SlotAddr } from "../model/state.ts";
import { objectSizeBits } from "../kernel/store.ts";
import { INITIAL_CAP_SLOTS } from "../boot/initialCaps.ts";
import type { BootedMachine } from "../boot/minimal.ts";
import type { BootInfo, FullBootInfo } from "../boot/bootInfo.ts";
import {
  aarch64,
  ASID_POOL_SIZE,
  listDirectory,
  listTable,
  resolve,
  walkVSpace,
  type EntryRow,
} from "../arch/index.ts";
import { slotAddress, slotIndex } from "../kernel/cspace.ts";
import { getCap, hasChildren } from "../kernel/cdt.ts";
import { CapdlError } from "./lexer.ts";
import { printCapdl } from "./print.ts";
import {
  capRefKey,
  idKey,
  RIGHT_G,
  RIGHT_R,
  RIGHT_W,
  type Cap,
  type CapRef,
  type KObject,
  type Model,
  type ObjEntry,
  type ObjID,
  type Slots,
  type TableKind,
} from "./model.ts";

/**
 * A capsim state as a capDL model (ARM32 as `arch arm11`, AArch64 as `arch aarch64`). One capDL object per kernel object
 * that some cap names, and one `ut` per untyped region a cap names; CNode and TCB slots are the
 * caps as they are; page-directory and page-table slots are read from the hardware entries
 * (one slot per large page or supersection, at its first index; nothing at or above the user
 * top, so no kernel window). On AArch64 the VSpace is a `pgd` and each page table is the
 * `pud`, `pd` or `pt` of the level the walk puts it at (seL4 16 has one PageTable object for
 * all three; capDL names the level); ASID pools list their page directories by low ASID; the CDT is
 * capsim's derivation tree. What capDL cannot say (the untyped watermark, device memory) goes
 * into `notes`, which the text form prints as comments.
 */

export interface ExportOptions {
  /** The machine as booted: its root task's objects get the reserved names that import binds. */
  readonly boot?: BootedMachine;
  /** Scenario names: name -> slot index in the initial thread's CNode. */
  readonly names?: ReadonlyMap<string, number>;
}

export interface CapdlExport {
  readonly model: Model;
  /** What capDL has no field for, as sentences (the text form prints them as `--` comments). */
  readonly notes: readonly string[];
}

/** The reserved names of the root task's objects, which `capsim import` binds instead of creating. */
export const BOOT_NAMES = {
  cnode: "init_cnode",
  tcb: "init_tcb",
  vspace: "init_pd",
  /** AArch64's initial VSpace (a `pgd`). */
  vspace64: "init_vspace",
  asidPool: "init_asid_pool",
  ipcBuffer: "init_ipc_buffer",
  bootInfo: "init_bootinfo",
  untyped: "init_untyped_",
  imageFrame: "init_image_frame_",
  imagePT: "init_image_pt_",
} as const;

const IDENT = /^[A-Za-z][A-Za-z0-9\-_@.]*$/;
/** Words a name must not be: the control caps and the symbolic TCB slots read as something else. */
const NOT_NAMES = new Set([
  "objects",
  "caps",
  "asid_control",
  "irq_control",
  "io_space_master",
  "domain",
  "sched_control",
  "cspace",
  "vspace",
  "reply_slot",
  "caller_slot",
  "ipc_buffer_slot",
  "fault_ep_slot",
  "sc_slot",
  "temp_fault_ep_slot",
  "bound_notification",
  "bound_vcpu",
]);

const KIND_PREFIX: Record<KernelObject["type"], string> = {
  CNode: "cnode",
  TCB: "tcb",
  Endpoint: "ep",
  Notification: "notification",
  PageDirectory: "pd",
  PageTable: "pt",
  VSpace: "vspace",
  PageTable64: "pt",
  Frame: "frame",
  ASIDPool: "asid_pool",
};

const utKey = (paddr: number, bits: number): string => `${paddr}/${bits}`;

function vmRightsBits(r: VMRights): number {
  return r === "VMReadWrite" ? RIGHT_R | RIGHT_W : r === "VMReadOnly" ? RIGHT_R : 0;
}

/** capDL's name of each AArch64 table level: the VSpace (level 0), then the three page-table levels. */
const AARCH64_TABLE_KINDS = ["pgd", "pud", "pd", "pt"] as const satisfies readonly TableKind[];

/**
 * The level each AArch64 page table sits at, from a walk of every live VSpace (one an ASID
 * reaches). seL4 16's PageTable object has no level of its own: a table no live VSpace reaches
 * is written `pt` (any level's name makes the same object), and its entries are left out.
 */
function aarch64TableLevels(s: KernelState, roots: ReadonlySet<PPtr<"VSpaceRoot">>): Map<PhysAddr, aarch64.Level> {
  const levels = new Map<PhysAddr, aarch64.Level>();
  for (const root of roots)
    if (s.objects.get(root)?.type === "VSpace")
      for (const row of walkVSpace(s, root))
        if (row.entry.kind === "Table") levels.set(row.entry.paddr, (row.level + 1) as aarch64.Level);
  return levels;
}

/**
 * The VSpace roots (ARM32 page directories, AArch64 VSpaces) an ASID reaches: those the pools in
 * the ASID table hold. Any other root is dead or was never assigned. seL4's deleteASIDPool clears
 * the ASID table's entry and leaves the roots' caps with their ASIDs; findVSpaceForASID then never
 * finds such a root again (a pool made later in the same ASID-table slot starts empty), so it can
 * never be installed (setVMRoot falls back to the global VSpace), mapped into (Page_Map and
 * PageTable_Map refuse a root their ASID does not find), assigned again (ASIDPool_Assign refuses a
 * cap with an ASID), and its entries are reached by no ASID. capDL has no word for such a root,
 * and both loaders give every root in no pool an ASID, so export writes it with no slots: what
 * it maps is nothing any ASID reaches. Its tables are then reached by no live root either.
 */
function liveRoots(s: KernelState): Set<PPtr<"VSpaceRoot">> {
  const roots = new Set<PPtr<"VSpaceRoot">>();
  for (const [, poolAddr] of s.asidTable) {
    const pool = s.objects.get(poolAddr);
    if (pool?.type === "ASIDPool") for (const [, root] of pool.entries) roots.add(root);
  }
  return roots;
}

/**
 * The CNode slots whose frame caps capDL writes as mapped. seL4 lets a second cap map a frame
 * over the entry the first cap made (the same page at the same address: ARM32 replaces a page
 * of the same size, AArch64 any page) without touching the first cap, so two caps can record
 * one entry, and either of them can unmap it (unmapPage checks only that the entry at the cap's
 * address maps the cap's frame). capDL can give an entry to one cap only (the tool refuses
 * "Mappings referenced by multiple frame caps"), so the others are written unmapped. The one
 * chosen is the nearest the CDT's root among them (the fewest ancestors that are caps to the
 * same frame), then the lowest slot: the cap the loaders take for the original, which import
 * gives a mapping to without a copy, while a copy minted from it comes back unmapped, as the
 * others are written. TCB slots are never chosen (the tool takes `mapping:` in CNodes only, and
 * a TCB's IPC-buffer cap is derived, so unmapped, in seL4). Caps that record distinct entries
 * all keep theirs. Whether a recorded entry is still there is for the caller to check.
 */
export function mappingHolders(s: KernelState): ReadonlySet<SlotAddr> {
  const best = new Map<string, { addr: SlotAddr; depth: number }>();
  for (const o of s.objects.values()) {
    if (o.type !== "CNode") continue;
    for (const [addr, cte] of s.ctes.range(o.paddr, slotAddress(s, o.paddr, 2 ** o.radixBits))) {
      const c = cte.cap;
      if (c.type !== "Frame" || c.mapping === null) continue;
      let depth = 0;
      for (let p = cte.parent; p !== null; depth++) {
        const up = s.ctes.get(p);
        if (up?.cap.type !== "Frame" || up.cap.paddr !== c.paddr) break;
        p = up.parent;
      }
      const key = `${c.paddr}:${c.mapping.asid}:${c.mapping.vaddr}`;
      const known = best.get(key);
      if (!known || depth < known.depth || (depth === known.depth && addr < known.addr)) best.set(key, { addr, depth });
    }
  }
  return new Set([...best.values()].map((b) => b.addr));
}

export function exportCapdl(s: KernelState, opts: ExportOptions = {}): CapdlExport {
  const a64 = s.config.arch === "aarch64";
  const poolSize = a64 ? aarch64.ASID_POOL_SIZE : ASID_POOL_SIZE;
  const splitASID = (asid: number): readonly [number, number] => [Math.floor(asid / poolSize), asid % poolSize];
  const notes: string[] = [];
  const sizes = s.config.sizes;
  const userTopIndex = s.config.userTop / 2 ** 20;
  const roots = liveRoots(s);
  const levels = a64 ? aarch64TableLevels(s, roots) : new Map<PhysAddr, aarch64.Level>();
  /** capDL's kind of a paging structure (the tool's name for its level on AArch64). */
  const tableKindOf = (o: KernelObject): TableKind =>
    o.type === "PageDirectory"
      ? "pd"
      : o.type === "VSpace"
        ? "pgd"
        : o.type === "PageTable64"
          ? AARCH64_TABLE_KINDS[levels.get(o.paddr) ?? 3]
          : "pt";

  // The objects some cap names (the global PD, the idle thread and other kernel-only objects have none).
  const live = [...s.objects.values()].filter((o) => (s.capCount.get(o.paddr) ?? 0) > 0);
  const utRegions = new Map<string, { paddr: number; bits: number; isDevice: boolean; freeIndex: number }>();
  for (const [addr, cte] of s.ctes) {
    const c = cte.cap;
    if (c.type !== "Untyped") continue;
    // An untyped with no children starts again from its base on its next Retype (seL4 resets it).
    const freeIndex = hasChildren(s, addr) ? c.freeIndex : 0;
    const k = utKey(c.paddr, c.sizeBits);
    const known = utRegions.get(k);
    // Copies of one untyped share a region; the highest watermark is the one that holds.
    if (!known || known.freeIndex < freeIndex)
      utRegions.set(k, { paddr: c.paddr, bits: c.sizeBits, isDevice: c.isDevice, freeIndex });
  }

  // Names: reserved names for boot objects, scenario names where unique, kind@paddr otherwise.
  const nameOf = new Map<string, string>();
  const objKey = (paddr: number, type: string): string => `${type}@${paddr}`;
  const taken = new Set<string>();
  const give = (key: string, name: string): void => {
    if (nameOf.has(key) || taken.has(name)) return;
    nameOf.set(key, name);
    taken.add(name);
  };
  const keyOfCap = (c: KCap): string | null => {
    if (c.type === "Untyped") return objKey(c.paddr, `ut${c.sizeBits}`);
    if (c.type === "Null" || c.type === "ASIDControl" || c.type === "IRQControl" || c.type === "Domain") return null;
    const o = s.objects.get(c.paddr);
    return o ? objKey(o.paddr, o.type) : null;
  };
  if (opts.boot) {
    const b = opts.boot;
    const bootCap = (slot: number): KCap => getCap(b.state, slotAddress(b.state, rootCNodeAddr(b), slot));
    const reserve = (slot: number, name: string): void => {
      const k = keyOfCap(bootCap(slot));
      if (k) give(k, name);
    };
    reserve(INITIAL_CAP_SLOTS.InitThreadCNode, BOOT_NAMES.cnode);
    reserve(INITIAL_CAP_SLOTS.InitThreadTCB, BOOT_NAMES.tcb);
    reserve(INITIAL_CAP_SLOTS.InitThreadVSpace, a64 ? BOOT_NAMES.vspace64 : BOOT_NAMES.vspace);
    reserve(INITIAL_CAP_SLOTS.InitThreadASIDPool, BOOT_NAMES.asidPool);
    reserve(INITIAL_CAP_SLOTS.InitThreadIPCBuffer, BOOT_NAMES.ipcBuffer);
    reserve(INITIAL_CAP_SLOTS.BootInfoFrame, BOOT_NAMES.bootInfo);
    b.bootInfo.untypedList.forEach((u, i) => give(objKey(u.paddr, `ut${u.sizeBits}`), `${BOOT_NAMES.untyped}${i}`));
    const bi = b.bootInfo;
    if (isFullBootInfo(bi)) {
      for (let i = bi.userImageFrames.start; i < bi.userImageFrames.end; i++)
        reserve(i, `${BOOT_NAMES.imageFrame}${i - bi.userImageFrames.start}`);
      for (let i = bi.userImagePaging.start; i < bi.userImagePaging.end; i++)
        reserve(i, `${BOOT_NAMES.imagePT}${i - bi.userImagePaging.start}`);
    }
  }
  if (opts.names && opts.boot) {
    const root = rootCNodeAddr(opts.boot);
    const bySlot = [...opts.names].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
    const users = new Map<string, number>();
    for (const [name] of bySlot) users.set(name, (users.get(name) ?? 0) + 1);
    for (const [name, slot] of bySlot) {
      if (!IDENT.test(name) || NOT_NAMES.has(name) || (users.get(name) ?? 0) > 1) continue;
      const k = keyOfCap(getCap(s, slotAddress(s, root, slot)));
      if (k) give(k, name);
    }
  }
  const idOf = (key: string, fallback: string): ObjID => {
    if (!nameOf.has(key)) give(key, fallback);
    return { name: nameOf.get(key) ?? fallback, index: null };
  };
  const objID = (o: KernelObject): ObjID =>
    idOf(
      objKey(o.paddr, o.type),
      `${o.type === "VSpace" || o.type === "PageTable64" ? tableKindOf(o) : KIND_PREFIX[o.type]}@${hex(o.paddr)}`,
    );
  const utID = (paddr: number, bits: number): ObjID =>
    idOf(objKey(paddr, `ut${bits}`), `untyped@${hex(paddr)}@${bits}`);

  // Objects.
  const objects = new Map<string, ObjEntry>();
  const put = (id: ObjID, obj: KObject): void => void objects.set(idKey(id), { id, obj, pos: null });
  const slotsByAddr = new Map<PhysAddr, Slots>();
  for (const o of live) {
    const id = objID(o);
    switch (o.type) {
      case "CNode":
      case "TCB": {
        const slots: Slots = new Map();
        slotsByAddr.set(o.paddr, slots);
        put(
          id,
          o.type === "CNode"
            ? { kind: "cnode", slots, bits: o.radixBits }
            : {
                kind: "tcb",
                slots,
                faultEp: null,
                extra:
                  o.ipcBuffer !== 0
                    ? {
                        addr: o.ipcBuffer,
                        ip: null,
                        sp: null,
                        prio: null,
                        maxPrio: null,
                        affinity: 0,
                        resume: null,
                        fpuDisabled: null,
                      }
                    : null,
                dom: 0,
                init: [],
              },
        );
        break;
      }
      case "Endpoint":
      case "Notification":
        put(id, { kind: o.type === "Endpoint" ? "ep" : "notification" });
        break;
      case "PageDirectory":
      case "PageTable":
      case "VSpace":
      case "PageTable64":
        put(id, { kind: tableKindOf(o), slots: new Map() });
        break;
      case "ASIDPool":
        put(id, { kind: "asid_pool", slots: new Map(), asidHigh: null });
        break;
      case "Frame":
        put(id, { kind: "frame", sizeBits: frameSizeBits(sizes, o.size), paddr: o.paddr, fill: null });
        if (o.isDevice)
          notes.push(`${idKey(id)} is device memory (capDL has no flag for it; import finds it by paddr)`);
        break;
      default: {
        const never: never = o;
        throw new CapdlError(`capsim cannot export ${String(never)}`, null);
      }
    }
  }
  for (const u of utRegions.values()) {
    const id = utID(u.paddr, u.bits);
    put(id, { kind: "ut", bits: u.bits, paddr: u.paddr });
    if (u.isDevice) notes.push(`${idKey(id)} is device untyped memory (capDL has no flag for it)`);
    if (u.freeIndex > 0)
      notes.push(`${idKey(id)} has its watermark at +${hex(u.freeIndex)} (capDL records only what it covers)`);
  }

  // Covers: each object (and untyped) in the smallest untyped region holding it, in address order.
  const regions = [...utRegions.values()].sort((a, b) => a.bits - b.bits);
  const covers = new Map<string, { ut: ObjID; children: ObjID[] }>();
  // An untyped region is not its own cover; an object may fill its region (an ASID pool its untyped's 4 KiB).
  const coverAt = (paddr: number, bits: number, id: ObjID, isUntyped: boolean): void => {
    const u = regions.find(
      (r) =>
        r.paddr <= paddr &&
        paddr + 2 ** bits <= r.paddr + 2 ** r.bits &&
        !(isUntyped && r.paddr === paddr && r.bits === bits),
    );
    if (!u) return;
    const ut = utID(u.paddr, u.bits);
    const c = covers.get(idKey(ut)) ?? { ut, children: [] };
    c.children.push(id);
    covers.set(idKey(ut), c);
  };
  const placed = [
    ...live.map((o) => ({
      paddr: o.paddr as number,
      bits: objectSizeBits(s.config.sizes, o),
      id: objID(o),
      isUntyped: false,
    })),
    ...[...utRegions.values()].map((u) => ({
      paddr: u.paddr,
      bits: u.bits,
      id: utID(u.paddr, u.bits),
      isUntyped: true,
    })),
  ].sort((a, b) => a.paddr - b.paddr || b.bits - a.bits || Number(b.isUntyped) - Number(a.isUntyped));
  for (const p of placed) coverAt(p.paddr, p.bits, p.id, p.isUntyped);

  // ASID pools: asid_high from the ASID table, PDs at their low ASID.
  const pdOfASID = new Map<number, PPtr<"VSpaceRoot">>();
  for (const [high, poolAddr] of s.asidTable) {
    const pool = s.objects.get(poolAddr);
    if (pool?.type !== "ASIDPool") continue;
    const id = objID(pool);
    const slots: Slots = new Map();
    for (const [low, pd] of pool.entries) {
      pdOfASID.set(high * poolSize + low, pd);
      const pdo = s.objects.get(pd);
      if (pdo) slots.set(low, { cap: { kind: tableKindOf(pdo), obj: objID(pdo), asid: null }, pos: null });
    }
    put(id, { kind: "asid_pool", slots, asidHigh: high });
  }

  // Caps in CNodes and TCBs, as they are.
  const containerOfSlot = new Map<SlotAddr, CapRef>();
  const holders = mappingHolders(s);
  for (const o of live) {
    if (o.type !== "CNode" && o.type !== "TCB") continue;
    const count = o.type === "CNode" ? 2 ** o.radixBits : 5;
    for (const [addr, cte] of s.ctes.range(o.paddr, slotAddress(s, o.paddr, count))) {
      const index = slotIndex(s, o.paddr, addr);
      containerOfSlot.set(addr, { obj: objID(o), slot: index });
      const shared = o.type === "CNode" && cte.cap.type === "Frame" && cte.cap.mapping !== null && !holders.has(addr);
      if (shared) sharedNote();
      const c = capOf(shared && cte.cap.type === "Frame" ? { ...cte.cap, mapping: null } : cte.cap);
      // The tool allows `mapping:` only on frame caps in CNodes.
      const cap = c && c.kind === "frame" && o.type === "TCB" ? { ...c, mapping: null } : c;
      if (cap) slotsByAddr.get(o.paddr)?.set(index, { cap, pos: null });
    }
  }

  function capOf(c: KCap): Cap | null {
    switch (c.type) {
      case "Null":
        return null;
      case "ASIDControl":
        return { kind: "asid_control" };
      case "IRQControl":
        return { kind: "irq_control" };
      case "Domain":
        return { kind: "domain" };
      case "Untyped":
        return { kind: "ut", obj: utID(c.paddr, c.sizeBits) };
    }
    const o = s.objects.get(c.paddr);
    if (!o) return null;
    const obj = objID(o);
    switch (c.type) {
      case "CNode":
        return { kind: "cnode", obj, guard: c.guard, guardSize: c.guardSize };
      case "TCB":
        return { kind: "tcb", obj };
      case "Endpoint":
      case "Notification": {
        const r =
          (c.rights.read ? RIGHT_R : 0) |
          (c.rights.write ? RIGHT_W : 0) |
          (c.rights.grant ? RIGHT_G : 0) |
          (c.rights.grantReply ? 8 : 0);
        return { kind: c.type === "Endpoint" ? "ep" : "notification", obj, badge: c.badge, rights: r };
      }
      case "Frame": {
        const where = c.mapping ? mappingSlot(c.mapping.asid, c.mapping.vaddr, c.size, c.paddr) : null;
        // capDL's `asid:` says the cap maps: a record whose entry now holds another page (seL4 maps
        // a section or an AArch64 page over another) or is gone is stale, and is written as an unmapped cap.
        const stale = c.mapping !== null && where === "stale";
        if (stale) staleNote();
        return {
          kind: "frame",
          obj,
          rights: vmRightsBits(c.vmRights),
          asid: c.mapping && !stale ? splitASID(c.mapping.asid) : null,
          cached: true,
          mapping: where === "stale" ? null : where,
        };
      }
      case "PageTable": {
        // A table cap's ASID is live while the table is in that ASID's VSpace.
        const m = c.mapping;
        const root = m === null ? undefined : pdOfASID.get(m.asid);
        const live =
          root !== undefined &&
          (a64
            ? levels.has(c.paddr)
            : listDirectory(s, root).some((r) => r.entry.kind === "Table" && r.entry.paddr === c.paddr));
        if (m && !live) staleRootNote();
        return { kind: tableKindOf(o), obj, asid: m && live ? splitASID(m.asid) : null };
      }
      case "PageDirectory":
      case "VSpace": {
        // seL4 leaves a root's cap with the ASID of a pool that was deleted (deleteASIDPool does not
        // touch caps): capDL's `asid:` means one the pool hands out, so a stale one is left out.
        const a = c.mappedASID;
        const live = a !== null && pdOfASID.get(a) === c.paddr;
        if (a !== null && !live) staleRootNote();
        return { kind: tableKindOf(o), obj, asid: a !== null && live ? splitASID(a) : null };
      }
      case "ASIDPool":
        return { kind: "asid_pool", obj };
      default: {
        const never: never = c;
        throw new CapdlError(`capsim cannot export the cap ${String(never)}`, null);
      }
    }
  }

  // Which table slot a mapped frame cap maps: its PT (or its PD for sections), read from the hardware.
  function staleRootNote(): void {
    const note =
      "a page-directory, VSpace or page-table cap whose ASID is gone (its pool deleted, or the table unmapped) is written without asid:; import gives a root in no pool an ASID from the root task's pool";
    if (!notes.includes(note)) notes.push(note);
  }
  function sharedNote(): void {
    const note =
      "a frame cap that records the same entry as another cap to its frame (mapped again at the same address through a copy) is written unmapped: capDL gives an entry to one cap, the one nearest the CDT's root";
    if (!notes.includes(note)) notes.push(note);
  }
  function staleNote(): void {
    const note =
      "a frame cap whose recorded mapping is gone (its entry was unmapped or now maps another page, or no ASID reaches its VSpace) is written unmapped: capDL's asid: means a live mapping";
    if (!notes.includes(note)) notes.push(note);
  }
  /** The table slot of a mapped frame cap's mapping (null: none capDL can name), or "stale" when no entry maps it any more (AArch64). */
  function mappingSlot(asid: number, vaddr: number, size: string, frame: PhysAddr): CapRef | null | "stale" {
    if (a64) {
      const root = pdOfASID.get(asid);
      if (root === undefined || s.objects.get(root)?.type !== "VSpace") return "stale";
      const found = aarch64.lookupPTSlot(s, root, vaddr as VirtAddr);
      const table = s.objects.get(found.slot.table);
      if (found.pte.kind !== "Page" || found.pte.paddr !== frame || !table) return "stale";
      // The capDL tool takes `mapping:` into a pt or pd only: a 1 GiB page's (in a pud) keeps just its `asid:`.
      if (tableKindOf(table) === "pud") {
        const note =
          "a mapped 1 GiB frame cap has asid: but no mapping: (the capDL tool takes mapping: into a pt or pd only); import finds its mapping by the ASID";
        if (!notes.includes(note)) notes.push(note);
        return null;
      }
      return { obj: objID(table), slot: found.slot.index };
    }
    const pdAddr = pdOfASID.get(asid);
    const pd = pdAddr === undefined ? undefined : s.objects.get(pdAddr);
    if (pd?.type !== "PageDirectory") return "stale";
    const now = resolve(s, pd.paddr, vaddr as VirtAddr);
    if (!now.mapped || now.frame !== frame) return "stale";
    const pdIndex = Math.floor(vaddr / 2 ** 20);
    if (size === "Section" || size === "SuperSection") return { obj: objID(pd), slot: pdIndex };
    const row = listDirectory(s, pd.paddr).find((r) => r.index === pdIndex);
    if (row?.entry.kind !== "Table") return null;
    const pt = s.objects.get(row.entry.paddr);
    return pt ? { obj: objID(pt), slot: Math.floor(vaddr / 4096) % 256 } : null;
  }

  // Table slots from the hardware entries.
  const tableCap = (row: EntryRow): Cap | null => {
    const e = row.entry;
    if (e.kind === "Invalid") return null;
    const target = s.objects.get(e.paddr);
    if (!target) return null;
    if (e.kind === "Table") return { kind: "pt", obj: objID(target), asid: null };
    const rights = vmRightsBits(e.rights) | (e.attributes.executeNever ? 0 : RIGHT_G);
    return { kind: "frame", obj: objID(target), rights, asid: null, cached: e.attributes.cacheable, mapping: null };
  };
  const tableCap64 = (level: aarch64.Level, e: aarch64.PTE): Cap | null => {
    if (e.kind === "Invalid") return null;
    const target = s.objects.get(e.paddr);
    if (!target) return null;
    if (e.kind === "Table") return { kind: AARCH64_TABLE_KINDS[level + 1] ?? "pt", obj: objID(target), asid: null };
    const rights = vmRightsBits(e.rights) | (e.attributes.executeNever ? 0 : RIGHT_G);
    return { kind: "frame", obj: objID(target), rights, asid: null, cached: e.attributes.cacheable, mapping: null };
  };
  for (const o of live) {
    if (o.type !== "VSpace" && o.type !== "PageTable64") continue;
    const entry = objects.get(idKey(objID(o)));
    const level = o.type === "VSpace" ? (roots.has(o.paddr) ? 0 : undefined) : levels.get(o.paddr);
    if (!entry || !("slots" in entry.obj) || level === undefined) continue;
    for (const row of aarch64.listTable(s, o.paddr, level)) {
      if (row.entry.kind === "Page" && row.entry.global) continue;
      // Nothing above the user top (the kernel's half is behind TTBR1, never in a user VSpace).
      if (level === 0 && row.index * 2 ** aarch64.uptLevelShift(aarch64.UPT_LEVELS - 1) > s.config.userTop) continue;
      const cap = tableCap64(level, row.entry);
      if (cap) entry.obj.slots.set(row.index, { cap, pos: null });
    }
  }
  // ARM32: the page tables a live directory holds (those of a dead one are left out, as it is).
  const reachedPTs = new Set<PhysAddr>();
  for (const root of roots)
    if (s.objects.get(root)?.type === "PageDirectory")
      for (const row of listDirectory(s, root)) if (row.entry.kind === "Table") reachedPTs.add(row.entry.paddr);
  for (const o of live) {
    if (o.type !== "PageDirectory" && o.type !== "PageTable") continue;
    const entry = objects.get(idKey(objID(o)));
    if (!entry || !("slots" in entry.obj) || !(o.type === "PageDirectory" ? roots : reachedPTs).has(o.paddr)) continue;
    const rows = o.type === "PageDirectory" ? listDirectory(s, o.paddr) : listTable(s, o.paddr);
    for (const row of rows) {
      if (row.entry.kind === "Page" && row.entry.global) continue;
      if (o.type === "PageDirectory" && row.index >= userTopIndex) continue;
      const cap = tableCap(row);
      if (cap) entry.obj.slots.set(row.index, { cap, pos: null });
    }
  }

  // The CDT, between slots that are exported.
  const cdt = new Map<string, { child: CapRef; parent: CapRef }>();
  for (const [addr, cte] of s.ctes) {
    if (cte.parent === null) continue;
    const child = containerOfSlot.get(addr);
    const parent = containerOfSlot.get(cte.parent);
    if (child && parent) cdt.set(capRefKey(child), { child, parent });
  }

  const model: Model = {
    arch: a64 ? "aarch64" : "arm11",
    objects,
    irqNode: new Map(),
    cdt,
    covers: new Map([...covers].map(([k, v]) => [k, { ut: v.ut, children: v.children }])),
    domains: null,
    warnings: [],
  };
  return { model, notes };
}

function rootCNodeAddr(b: BootedMachine): PhysAddr {
  const c = getCap(b.state, slotAddress(b.state, b.initThread, 0));
  if (c.type !== "CNode") throw new Error("capsim internal error: the initial thread has no CSpace root");
  return c.paddr;
}

const isFullBootInfo = (bi: BootInfo): bi is FullBootInfo => "userImageFrames" in bi && "userImagePaging" in bi;

/** The export as capDL text: notes as comments, then the tool's normal form. */
export function exportText(e: CapdlExport): string {
  return `${e.notes.map((n) => `-- ${n}\n`).join("")}${printCapdl(e.model)}`;
}
