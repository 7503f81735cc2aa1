import type { Pos } from "./lexer.ts";

/**
 * The syntax tree of a capDL file, close to the capDL tool's `CapDL/AST.hs`: what was written,
 * before names are resolved. Every node keeps where it was written.
 */

export const ARCHES = ["ia32", "arm11", "x86_64", "aarch64", "riscv"] as const;
export type Arch = (typeof ARCHES)[number];

export type Range =
  | { readonly kind: "only"; readonly n: number }
  | { readonly kind: "fromTo"; readonly from: number; readonly to: number }
  | { readonly kind: "from"; readonly from: number }
  | { readonly kind: "to"; readonly to: number }
  | { readonly kind: "all" };

/** `name`, `name[3]`, `name[]`, `name[2..5, 7]`. */
export interface NameRef {
  readonly name: string;
  readonly ranges: readonly Range[];
  readonly pos: Pos;
}

/** The object keywords the tool knows (`ParserUtils.object_type`). */
export const OBJECT_TYPES = [
  "ep",
  "notification",
  "tcb",
  "cnode",
  "ut",
  "irq",
  "ioapic_irq",
  "msi_irq",
  "arm_irq",
  "asid_pool",
  "pt",
  "pd",
  "pml4",
  "pdpt",
  "pud",
  "pgd",
  "frame",
  "io_ports",
  "io_device",
  "arm_io_device",
  "io_pt",
  "vcpu",
  "sc",
  "rtreply",
  "streamid",
  "contextbank",
  "smc",
  "arm_sgi_signal",
] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export type TcbExtraKey = "addr" | "ip" | "sp" | "prio" | "max_prio" | "affinity" | "resume" | "fpu_disabled";

/** One object parameter; `kind` names the tool's constructor family (validObjPars compares those). */
export type ObjParam = { readonly pos: Pos } & (
  | { readonly kind: "bits"; readonly n: number }
  | { readonly kind: "vmsize"; readonly bytes: number }
  | { readonly kind: "paddr"; readonly n: number }
  | { readonly kind: "tcb"; readonly key: TcbExtraKey; readonly value: number | boolean }
  | { readonly kind: "dom"; readonly n: number }
  | { readonly kind: "fault_ep"; readonly n: number }
  | { readonly kind: "init"; readonly words: readonly number[] }
  | { readonly kind: "fill"; readonly entries: readonly (readonly string[])[] }
  | { readonly kind: "asid_high"; readonly n: number }
  | { readonly kind: "sc"; readonly key: "period" | "budget" | "data"; readonly n: number }
  | { readonly kind: "arm_irq"; readonly key: "trigger" | "target"; readonly n: number }
  | { readonly kind: "sgi_irq"; readonly n: number }
  | { readonly kind: "level"; readonly n: number }
  | { readonly kind: "iospace"; readonly n: number }
  | { readonly kind: "bank"; readonly n: number }
);

export interface KO {
  readonly type: ObjectType;
  readonly params: readonly ObjParam[];
  /** What a `ut { … }` covers: nested declarations and references, in written order. */
  readonly decls: readonly (KODecl | NameRef)[];
}

export interface KODecl {
  readonly kind: "decl";
  /** `a/b/c`: c is covered by b, b by a. */
  readonly qname: readonly NameRef[];
  readonly obj: KO;
  readonly pos: Pos;
}

export type Right = "R" | "W" | "G" | "P";

export type CapParam = { readonly pos: Pos } & (
  | { readonly kind: "rights"; readonly rights: ReadonlySet<Right> }
  | { readonly kind: "masked"; readonly rights: ReadonlySet<Right> }
  | { readonly kind: "guard"; readonly n: number }
  | { readonly kind: "guard_size"; readonly n: number }
  | { readonly kind: "badge"; readonly n: number }
  | { readonly kind: "core"; readonly n: number }
  | { readonly kind: "reply" }
  | { readonly kind: "master_reply" }
  | { readonly kind: "asid"; readonly high: number; readonly low: number }
  | { readonly kind: "cached"; readonly cached: boolean }
  | { readonly kind: "mapping"; readonly container: NameRef; readonly slot: number }
);

export type SlotRef =
  | { readonly kind: "ref"; readonly obj: NameRef; readonly slot: number; readonly pos: Pos }
  | { readonly kind: "name"; readonly name: NameRef; readonly pos: Pos };

export interface CapMapping {
  readonly kind: "cap" | "copy";
  readonly slot: number | null;
  /** `n = …`: the name this slot gets, for copies and the CDT. */
  readonly name: NameRef | null;
  /** The object (for "cap") or the cap name (for "copy", written `<name>`). */
  readonly target: NameRef;
  readonly params: readonly CapParam[];
  readonly parent: SlotRef | null;
  readonly pos: Pos;
}

export type DomainItem =
  | { readonly kind: "schedule"; readonly entries: readonly (readonly [number, number])[]; readonly pos: Pos }
  | { readonly kind: "start"; readonly start: number | null; readonly pos: Pos }
  | { readonly kind: "shift"; readonly shift: number; readonly pos: Pos };

export type Decl =
  | { readonly kind: "obj"; readonly decl: KODecl }
  | {
      readonly kind: "caps";
      readonly container: NameRef;
      readonly mappings: readonly CapMapping[];
      readonly pos: Pos;
    }
  | {
      readonly kind: "capName";
      readonly name: string;
      readonly target: NameRef;
      readonly slot: number;
      readonly pos: Pos;
    }
  | {
      readonly kind: "irqs";
      readonly mappings: readonly { readonly slot: number | null; readonly irq: NameRef; readonly pos: Pos }[];
      readonly pos: Pos;
    }
  | { readonly kind: "cdt"; readonly parent: SlotRef; readonly children: readonly SlotRef[]; readonly pos: Pos }
  | { readonly kind: "domains"; readonly items: readonly DomainItem[]; readonly pos: Pos };

export interface Module {
  readonly arch: Arch;
  readonly decls: readonly Decl[];
  /** Whether the file is in the tool's "-- Dump" dialect. */
  readonly dump: boolean;
}

/** The symbolic TCB slots (capDL-tool Model.hs). */
export const TCB_SLOTS = {
  cspace: 0,
  vspace: 1,
  reply_slot: 2,
  caller_slot: 3,
  ipc_buffer_slot: 4,
  fault_ep_slot: 5,
  sc_slot: 6,
  temp_fault_ep_slot: 7,
  bound_notification: 8,
  bound_vcpu: 9,
} as const;
