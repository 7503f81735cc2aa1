/**
 * The benchmark's mutable baseline: ARM32 frame map and unmap as a JavaScript program would do
 * them with no history at all, on typed arrays written in place. It makes the checks seL4's
 * Page_Map and Page_Unmap make for a 4 KiB frame, in seL4's order (the frame cap, the page
 * directory cap and its ASID, the cap's recorded mapping or USER_TOP, findPDForASID and the
 * stale-cap check, maskVMRights, alignment, the page table under the directory slot, no page of
 * another size in the way), writes the entry and the cap's mapping record, and counts the TLB
 * flushes seL4 would make. Nothing is looked up through a CSpace: the caller names cap indices.
 *
 * It is the physical limit in JavaScript for what capsim's `invoke` does (no persistent
 * structure, no allocation, no decode/perform split), so the benchmark prints each figure's
 * ratio to it: how far the persistent design is from mutating arrays in place.
 */

/** The cap types the baseline knows: a frame cap or a page directory cap (0: the null cap). */
const FRAME = 1;
const PAGE_DIRECTORY = 2;
/** seL4's error numbers the checks can give (libsel4's seL4_Error). */
export const ERR = {
  ok: 0,
  invalidArgument: 1,
  invalidCapability: 2,
  failedLookup: 6,
  alignmentError: 5,
  deleteFirst: 8,
} as const;
const USER_TOP = 0xe0000000;
/** The entry encodings the baseline uses (its own, not ARM's: only the kinds matter here). */
const PDE_COARSE = 1;
const PTE_SMALL = 2;
const PTE_LARGE = 1;
/** ASID 0 is never assigned: a cap recording it maps nothing. */
const NO_ASID = 0;
/** A cap's words: its type, object, rights, and the ASID and vaddr of its mapping. */
const CAP_WORDS = 5;
const [TYPE, OBJECT, RIGHTS, ASID, VADDR] = [0, 1, 2, 3, 4];

/** The whole machine state the baseline keeps: caps, the ASID table, directories and tables, in typed arrays. */
export class MutableVSpaces {
  /** caps, CAP_WORDS words each: type, object (frame or directory index), rights, and the recorded mapping */
  readonly caps: Uint32Array;
  /** ASID -> page directory index + 1 (0: none) */
  readonly asidToPD: Uint32Array;
  /** 4,096 words per directory: 0 invalid, else page table index << 2 | PDE_COARSE */
  readonly pde: Uint32Array;
  /** 256 words per table: 0 invalid, else frame number << 12 | rights << 4 | type */
  readonly pte: Uint32Array;
  flushes = 0;
  private nextPT = 0;

  constructor(caps: number, pds: number, pts: number) {
    this.caps = new Uint32Array(caps * CAP_WORDS);
    this.asidToPD = new Uint32Array(1024);
    this.pde = new Uint32Array(pds * 4096);
    this.pte = new Uint32Array(pts * 256);
  }

  frameCap(cap: number, frame: number): void {
    this.caps[cap * CAP_WORDS + TYPE] = FRAME;
    this.caps[cap * CAP_WORDS + OBJECT] = frame;
    this.caps[cap * CAP_WORDS + RIGHTS] = 3;
  }

  pdCap(cap: number, pd: number, asid: number): void {
    this.caps[cap * CAP_WORDS + TYPE] = PAGE_DIRECTORY;
    this.caps[cap * CAP_WORDS + OBJECT] = pd;
    this.caps[cap * CAP_WORDS + ASID] = asid;
    this.asidToPD[asid] = pd + 1;
  }

  /** Puts a fresh page table under the directory slot that covers vaddr (the setup's Page_Table_Map). */
  pageTable(pd: number, vaddr: number): void {
    const slot = pd * 4096 + (vaddr >>> 20);
    if (this.pde[slot] === 0) this.pde[slot] = (this.nextPT++ << 2) | PDE_COARSE;
  }

  /** Page_Map of a 4 KiB frame cap at vaddr in the directory `pdCapIndex` names: seL4's error number (0: mapped). */
  map(cap: number, pdCapIndex: number, vaddr: number, rights: number): number {
    if (this.caps[cap * CAP_WORDS + TYPE] !== FRAME) return ERR.invalidCapability;
    if (this.caps[pdCapIndex * CAP_WORDS + TYPE] !== PAGE_DIRECTORY) return ERR.invalidCapability;
    const asid = this.caps[pdCapIndex * CAP_WORDS + ASID]!;
    if (asid === NO_ASID) return ERR.invalidCapability;
    const mappedASID = this.caps[cap * CAP_WORDS + ASID]!;
    if (mappedASID !== NO_ASID) {
      if (mappedASID !== asid) return ERR.invalidCapability;
      if (this.caps[cap * CAP_WORDS + VADDR] !== vaddr) return ERR.invalidArgument;
    } else if (vaddr + 4095 >= USER_TOP) return ERR.invalidArgument;
    const pd = this.asidToPD[asid]!;
    if (pd === 0) return ERR.failedLookup;
    if (pd - 1 !== this.caps[pdCapIndex * CAP_WORDS + OBJECT]) return ERR.invalidCapability;
    const masked = this.caps[cap * CAP_WORDS + RIGHTS]! & rights;
    if ((vaddr & 0xfff) !== 0) return ERR.alignmentError;
    const pde = this.pde[(pd - 1) * 4096 + (vaddr >>> 20)]!;
    if ((pde & 3) !== PDE_COARSE) return ERR.failedLookup;
    const slot = (pde >>> 2) * 256 + ((vaddr >>> 12) & 0xff);
    const old = this.pte[slot]!;
    if ((old & 3) === PTE_LARGE) return ERR.deleteFirst;
    this.pte[slot] = (this.caps[cap * CAP_WORDS + OBJECT]! << 12) | (masked << 4) | PTE_SMALL;
    this.caps[cap * CAP_WORDS + ASID] = asid;
    this.caps[cap * CAP_WORDS + VADDR] = vaddr;
    if (old !== 0) this.flushes++;
    return ERR.ok;
  }

  /** Page_Unmap of a 4 KiB frame cap: clears its entry when it is still there (seL4's unmapPage), then the cap. */
  unmap(cap: number): number {
    if (this.caps[cap * CAP_WORDS + TYPE] !== FRAME) return ERR.invalidCapability;
    const asid = this.caps[cap * CAP_WORDS + ASID]!;
    if (asid === NO_ASID) return ERR.ok;
    const vaddr = this.caps[cap * CAP_WORDS + VADDR]!;
    const pd = this.asidToPD[asid]!;
    if (pd !== 0) {
      const pde = this.pde[(pd - 1) * 4096 + (vaddr >>> 20)]!;
      if ((pde & 3) === PDE_COARSE) {
        const slot = (pde >>> 2) * 256 + ((vaddr >>> 12) & 0xff);
        const pte = this.pte[slot]!;
        if ((pte & 3) === PTE_SMALL && pte >>> 12 === this.caps[cap * CAP_WORDS + OBJECT]) {
          this.pte[slot] = 0;
          this.flushes++;
        }
      }
    }
    this.caps[cap * CAP_WORDS + ASID] = NO_ASID;
    this.caps[cap * CAP_WORDS + VADDR] = 0;
    return ERR.ok;
  }
}

/**
 * The baseline's world: n frame caps each mapped once (as the benchmark's world), a spare frame
 * cap and the spare's page table, and two operations on the spare that each leave the world as
 * it was found (map then clear the entry and the cap's record; unmap then put them back), so
 * every sample does the same work as the benchmark's rows on an unchanged state.
 */
export function baselineTasks(n: number): { map: () => number; unmap: () => number } {
  // Caps: the directories' first (the initial thread's at 0), then the n frames, then the spare.
  const perPD = 2 ** 18;
  const pds = Math.max(1, Math.ceil(n / perPD));
  const PD_CAP = 0;
  const spare = pds + n;
  const w = new MutableVSpaces(pds + n + 1, pds, Math.ceil(n / 256) + 1);
  for (let pd = 0; pd < pds; pd++) w.pdCap(pd, pd, pd + 1);
  const base = 0x10000000;
  for (let i = 0; i < n; i++) {
    const cap = pds + i;
    const pd = Math.floor(i / perPD);
    w.frameCap(cap, 0x100);
    const vaddr = base + (i % perPD) * 4096;
    w.pageTable(pd, vaddr);
    if (w.map(cap, pd, vaddr, 3) !== ERR.ok) throw new Error("baseline setup: a map failed");
  }
  const spareVaddr = 0xd0000000;
  w.frameCap(spare, 0x200);
  w.pageTable(0, spareVaddr);
  const spareSlot = (w.pde[spareVaddr >>> 20]! >>> 2) * 256;
  return {
    map: () => {
      const r = w.map(spare, PD_CAP, spareVaddr, 3);
      w.pte[spareSlot] = 0;
      w.caps[spare * CAP_WORDS + ASID] = NO_ASID;
      return r;
    },
    unmap: () => {
      const word = w.pte[spareSlot]!;
      w.pte[spareSlot] = (0x200 << 12) | (3 << 4) | PTE_SMALL;
      w.caps[spare * CAP_WORDS + ASID] = 1;
      w.caps[spare * CAP_WORDS + VADDR] = spareVaddr;
      const r = w.unmap(spare);
      w.pte[spareSlot] = word;
      return r;
    },
  };
}
