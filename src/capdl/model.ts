import type { Arch } from "./ast.ts";
import type { Pos } from "./lexer.ts";

/**
 * The capDL model: what a spec means once names are resolved (the capDL tool's CapDL/Model.hs).
 * Objects are keyed by ObjID (a name and, for array members, an index); containers hold caps
 * by slot; untyped covers, the IRQ map, the CDT and the domain schedule sit beside them.
 * Positions (`pos`) say where the spec wrote each thing; `modelValue` leaves them out.
 */

export interface ObjID {
  readonly name: string;
  readonly index: number | null;
}

export const idKey = (id: ObjID): string => (id.index === null ? id.name : `${id.name}[${id.index}]`);
export const showID = idKey;

/** The tool's `show` of an ObjID, which its model-check messages print: ("pt0",Nothing). */
export const haskellID = (id: ObjID): string =>
  `(${JSON.stringify(id.name)},${id.index === null ? "Nothing" : `Just ${id.index}`})`;

/** Haskell's order on (String, Maybe Word): by name, then Nothing before any index. */
export function compareObjID(a: ObjID, b: ObjID): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.index === b.index) return 0;
  if (a.index === null) return -1;
  if (b.index === null) return 1;
  return a.index - b.index;
}

export interface CapRef {
  readonly obj: ObjID;
  readonly slot: number;
}
export const capRefKey = (r: CapRef): string => `${idKey(r.obj)}#${r.slot}`;
export const compareCapRef = (a: CapRef, b: CapRef): number => compareObjID(a.obj, b.obj) || a.slot - b.slot;

/** Rights as a set of bits in the tool's Set order: Read, Write, Grant, GrantReply. */
export const RIGHT_R = 1;
export const RIGHT_W = 2;
export const RIGHT_G = 4;
export const RIGHT_P = 8;
export const ALL_CAPDL_RIGHTS = 15;

export type TableKind = "pt" | "pd" | "pml4" | "pdpt" | "pud" | "pgd";
export const TABLE_KINDS: readonly TableKind[] = ["pt", "pd", "pml4", "pdpt", "pud", "pgd"];
export const isTableKind = (k: string): k is TableKind => (TABLE_KINDS as readonly string[]).includes(k);

export type Cap =
  | { readonly kind: "null" | "asid_control" | "irq_control" | "domain" | "io_space_master" }
  | { readonly kind: "sched_control"; readonly core: number }
  | { readonly kind: "ep" | "notification"; readonly obj: ObjID; readonly badge: number; readonly rights: number }
  | { readonly kind: "cnode"; readonly obj: ObjID; readonly guard: number; readonly guardSize: number }
  | {
      readonly kind:
        | "tcb"
        | "reply"
        | "master_reply"
        | "irq_handler"
        | "ut"
        | "asid_pool"
        | "vcpu"
        | "sc"
        | "rtreply"
        | "arm_irq_handler"
        | "arm_sgi_signal"
        | "arm_io_space"
        | "sid"
        | "cb";
      readonly obj: ObjID;
    }
  | { readonly kind: "smc"; readonly obj: ObjID; readonly badge: number }
  | {
      readonly kind: "frame";
      readonly obj: ObjID;
      readonly rights: number;
      readonly asid: readonly [number, number] | null;
      readonly cached: boolean;
      readonly mapping: CapRef | null;
    }
  | { readonly kind: TableKind; readonly obj: ObjID; readonly asid: readonly [number, number] | null };

export const capObj = (c: Cap): ObjID | null => ("obj" in c ? c.obj : null);

export interface Slot {
  readonly cap: Cap;
  readonly pos: Pos | null;
}
export type Slots = Map<number, Slot>;

export interface TcbExtra {
  readonly addr: number;
  readonly ip: number | null;
  readonly sp: number | null;
  readonly prio: number | null;
  readonly maxPrio: number | null;
  readonly affinity: number | null;
  readonly resume: boolean | null;
  readonly fpuDisabled: boolean | null;
}

export type KObject =
  | { readonly kind: "ep" | "notification" | "vcpu" | "rtreply" | "streamid" | "smc" }
  | {
      readonly kind: "tcb";
      readonly slots: Slots;
      readonly faultEp: number | null;
      readonly extra: TcbExtra | null;
      readonly dom: number;
      readonly init: readonly number[];
    }
  /** bits 0 is the tool's IRQ object, printed `irq`. */
  | { readonly kind: "cnode"; readonly slots: Slots; readonly bits: number }
  | { readonly kind: "ut"; readonly bits: number | null; readonly paddr: number | null }
  | { readonly kind: "asid_pool"; readonly slots: Slots; readonly asidHigh: number | null }
  | { readonly kind: TableKind; readonly slots: Slots }
  | {
      readonly kind: "frame";
      readonly sizeBits: number;
      readonly paddr: number | null;
      readonly fill: readonly (readonly string[])[] | null;
    }
  | {
      readonly kind: "sc";
      readonly period: number | null;
      readonly budget: number | null;
      readonly data: number | null;
      readonly bits: number | null;
    }
  | { readonly kind: "arm_irq"; readonly slots: Slots; readonly trigger: number; readonly target: number }
  | { readonly kind: "arm_sgi_signal"; readonly irq: number; readonly target: number }
  | { readonly kind: "arm_io_device"; readonly slots: Slots; readonly iospace: number }
  | { readonly kind: "contextbank"; readonly bank: number | null };

export type SlottedObject = Extract<KObject, { slots: Slots }>;
export const hasSlots = (o: KObject): o is SlottedObject => "slots" in o;

export interface ObjEntry {
  readonly id: ObjID;
  readonly obj: KObject;
  readonly pos: Pos | null;
}

export interface DomainSchedule {
  readonly schedule: readonly (readonly [number, number])[];
  readonly start: number | null;
  readonly shift: number;
}

export interface Model {
  readonly arch: Arch;
  /** By idKey. */
  readonly objects: Map<string, ObjEntry>;
  readonly irqNode: Map<number, ObjID>;
  /** child capRefKey -> the edge. */
  readonly cdt: Map<string, { readonly child: CapRef; readonly parent: CapRef }>;
  /** untyped idKey -> what it covers, in allocation order. */
  readonly covers: Map<string, { readonly ut: ObjID; readonly children: readonly ObjID[] }>;
  readonly domains: DomainSchedule | null;
  readonly warnings: string[];
}

/** The model as plain data without positions, in a fixed order: two specs mean the same iff these are deep-equal. */
export function modelValue(m: Model): unknown {
  const sortedEntries = [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id));
  return {
    arch: m.arch,
    objects: sortedEntries.map((e) => ({
      id: idKey(e.id),
      obj: hasSlots(e.obj)
        ? {
            ...e.obj,
            slots: [...e.obj.slots.entries()].sort((a, b) => a[0] - b[0]).map(([s, v]) => [s, v.cap]),
          }
        : e.obj,
    })),
    irqNode: [...m.irqNode.entries()].sort((a, b) => a[0] - b[0]).map(([n, id]) => [n, idKey(id)]),
    cdt: [...m.cdt.values()].sort((a, b) => compareCapRef(a.child, b.child)),
    covers: [...m.covers.values()]
      .filter((c) => c.children.length > 0)
      .sort((a, b) => compareObjID(a.ut, b.ut))
      .map((c) => [idKey(c.ut), c.children.map(idKey)]),
    domains: m.domains,
  };
}

/** Frame size in bits as capDL prints it: `4k`, `64k`, `1M`, `16M`. */
export function vmSizeText(bits: number): string {
  return bits >= 20 ? `${2 ** (bits - 20)}M` : `${2 ** (bits - 10)}k`;
}
