import {
  compareObjID,
  hasSlots,
  idKey,
  RIGHT_G,
  RIGHT_P,
  RIGHT_R,
  RIGHT_W,
  type Cap,
  type Model,
  type ObjEntry,
  type Slots,
} from "./model.ts";

/**
 * A capDL model as the JSON spec rust-sel4's capDL initializer reads (serde's JSON of
 * `sel4-capdl-initializer-types/src/spec.rs`, the InputSpec): object ids are indexes, the root
 * objects come first with those that have a paddr first in ascending paddr order, every
 * untyped's cover is a contiguous id range after them, `asid_slots` lists the pools by
 * asid_high from 1, paging structures are `PageTable` objects (ARM32: the page directory the
 * root at level 0, page tables level 1; AArch64: the pgd the root, pud/pd/pt levels 1-3), frame
 * caps carry `cached` and `executable`, and the domain schedule is `{domain, duration}` entries
 * (capDL's ticks as `{Ticks: n}`, its (0, 0) end marker as "EndMarker"). Checked field by field
 * against rust-sel4 5.0.0's types/src/spec.rs and frame_init.rs. What the JSON has no field for
 * (`asid:`, `mapping:`, the CDT, control caps) is returned in `dropped`.
 */

interface JsonRights {
  read: boolean;
  write: boolean;
  grant: boolean;
  grant_reply: boolean;
}
type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

const rightsOf = (r: number, frame: boolean): JsonRights => ({
  read: (r & RIGHT_R) !== 0,
  write: (r & RIGHT_W) !== 0,
  grant: !frame && (r & RIGHT_G) !== 0,
  grant_reply: (r & RIGHT_P) !== 0,
});

export interface JsonSpec {
  readonly spec: { [k: string]: JsonValue };
  readonly dropped: readonly string[];
}

export function toInitializerJson(m: Model): JsonSpec {
  const dropped = new Set<string>();
  const entries = [...m.objects.values()].sort((a, b) => compareObjID(a.id, b.id));
  const covered = new Set<string>();
  for (const c of m.covers.values()) for (const x of c.children) covered.add(idKey(x));
  const paddrOf = (e: ObjEntry): number | null => (e.obj.kind === "frame" || e.obj.kind === "ut" ? e.obj.paddr : null);
  const roots = entries.filter((e) => !covered.has(idKey(e.id)));
  const withPaddr = roots
    .filter((e) => paddrOf(e) !== null)
    .sort((a, b) => (paddrOf(a) as number) - (paddrOf(b) as number));
  const order: ObjEntry[] = [...withPaddr, ...roots.filter((e) => paddrOf(e) === null)];
  const rootEnd = order.length;
  const covers: { parent: number; start: number; end: number }[] = [];
  for (let i = 0; i < order.length; i++) {
    const e = order[i] as ObjEntry;
    const c = m.covers.get(idKey(e.id));
    if (!c || c.children.length === 0) continue;
    const start = order.length;
    for (const child of c.children) {
      const ce = m.objects.get(idKey(child));
      if (ce) order.push(ce);
    }
    covers.push({ parent: i, start, end: order.length });
  }
  const index = new Map(order.map((e, i) => [idKey(e.id), i]));
  const obj = (id: { name: string; index: number | null }): number => index.get(idKey(id)) ?? -1;

  const capJson = (c: Cap): JsonValue | null => {
    switch (c.kind) {
      case "ut":
        return { Untyped: { object: obj(c.obj) } };
      case "ep":
      case "notification":
        return {
          [c.kind === "ep" ? "Endpoint" : "Notification"]: {
            object: obj(c.obj),
            badge: c.badge,
            rights: { ...rightsOf(c.rights, false) },
          },
        };
      case "cnode":
        return { CNode: { object: obj(c.obj), guard: c.guard, guard_size: c.guardSize } };
      case "tcb":
        return { Tcb: { object: obj(c.obj) } };
      case "frame":
        if (c.asid || c.mapping) dropped.add("asid: and mapping: on frame caps");
        return {
          Frame: {
            object: obj(c.obj),
            rights: { ...rightsOf(c.rights, true) },
            cached: c.cached,
            executable: (c.rights & RIGHT_G) !== 0,
          },
        };
      case "pt":
      case "pd":
      case "pud":
      case "pgd":
        if (c.asid) dropped.add("asid: on page table and page directory caps");
        return { PageTable: { object: obj(c.obj) } };
      case "asid_pool":
        return { AsidPool: { object: obj(c.obj) } };
      case "irq_handler":
        return { IrqHandler: { object: obj(c.obj) } };
      case "arm_irq_handler":
        return { ArmIrqHandler: { object: obj(c.obj) } };
      case "sc":
        return { SchedContext: { object: obj(c.obj) } };
      case "rtreply":
        return { Reply: { object: obj(c.obj) } };
      case "smc":
        return { ArmSmc: { object: obj(c.obj) } };
      case "vcpu":
        return { VCpu: { object: obj(c.obj) } };
      default:
        dropped.add(`${c.kind} caps`);
        return null;
    }
  };
  const slotsJson = (slots: Slots): JsonValue[] =>
    [...slots.entries()]
      .sort((a, b) => a[0] - b[0])
      .flatMap(([slot, s]) => {
        const cap = capJson(s.cap);
        return cap === null ? [] : [{ slot, cap }];
      });

  const objectJson = (e: ObjEntry): JsonValue => {
    const o = e.obj;
    switch (o.kind) {
      case "ep":
        return "Endpoint";
      case "notification":
        return "Notification";
      case "vcpu":
        return "VCpu";
      case "rtreply":
        return "Reply";
      case "smc":
        return "ArmSmc";
      case "arm_irq":
        return { ArmIrq: { slots: slotsJson(o.slots), extra: { trigger: o.trigger, target: o.target } } };
      case "sc":
        if (o.bits === null)
          dropped.add(`nothing: scheduling context ${idKey(e.id)} has no size, which the initializer requires`);
        return {
          SchedContext: {
            size_bits: o.bits ?? 0,
            extra: { period: o.period ?? 0, budget: o.budget ?? 0, badge: o.data ?? 0 },
          },
        };
      case "ut":
        return { Untyped: { size_bits: o.bits ?? 0, paddr: o.paddr } };
      case "cnode":
        return o.bits === 0
          ? { Irq: { slots: slotsJson(o.slots) } }
          : { CNode: { size_bits: o.bits, slots: slotsJson(o.slots) } };
      case "tcb": {
        const x = o.extra;
        for (const slot of [0, 1, 4])
          if (!o.slots.has(slot))
            dropped.add(`nothing: TCB ${idKey(e.id)} lacks slot ${slot}, which the initializer requires`);
        return {
          Tcb: {
            slots: slotsJson(o.slots),
            extra: {
              ipc_buffer_addr: x?.addr ?? 0,
              affinity: x?.affinity ?? 0,
              prio: x?.prio ?? 0,
              max_prio: x?.maxPrio ?? 0,
              fpu_disabled: x?.fpuDisabled ?? false,
              resume: x?.resume ?? false,
              domain: o.dom,
              ip: x?.ip ?? 0,
              sp: x?.sp ?? 0,
              gprs: [...o.init],
              master_fault_ep: o.faultEp ?? 0,
            },
          },
        };
      }
      case "frame":
        if (o.fill) dropped.add("frame fill");
        return { Frame: { size_bits: o.sizeBits, paddr: o.paddr, init: { entries: [] } } };
      case "pd":
      case "pt":
      case "pud":
      case "pgd": {
        // ARM32: pd the root (level 0), pt level 1. AArch64: pgd the root, then pud, pd, pt at levels 1-3.
        const level = (m.arch === "aarch64" ? ["pgd", "pud", "pd", "pt"] : ["pd", "pt"]).indexOf(o.kind);
        return { PageTable: { is_root: level === 0, level, slots: slotsJson(o.slots) } };
      }
      case "asid_pool":
        if (hasSlots(o) && o.slots.size > 0) dropped.add("ASID pool contents (the initializer assigns ASIDs itself)");
        return { AsidPool: { high: o.asidHigh ?? 0 } };
      default:
        dropped.add(`${o.kind} objects`);
        return "Endpoint";
    }
  };
  if (m.cdt.size > 0) dropped.add("the cdt section");
  const objects = order.map((e) => ({ name: idKey(e.id), object: objectJson(e) }));
  const highOf = (e: ObjEntry): number => (e.obj.kind === "asid_pool" ? (e.obj.asidHigh ?? 0) : 0);
  const made = order
    .map((e, i) => ({ e, i }))
    .filter(({ e }) => highOf(e) > 0)
    .sort((a, b) => highOf(a.e) - highOf(b.e));
  // The initializer makes the pools in this order and seL4 gives each the first free index, so
  // only asid_high 1..n come out as the spec says (a pool at 0 other than the root task's, or a
  // gap left by a deleted pool, cannot).
  if (made.some(({ e }, k) => highOf(e) !== k + 1))
    dropped.add("asid_high values other than 1..n (the initializer's pools take indexes 1..n in asid_high order)");
  if (order.filter((e) => e.obj.kind === "asid_pool" && e.obj.asidHigh === 0).length > 1)
    dropped.add("ASID pools at asid_high 0 besides one (the initializer has only the root task's there)");
  const pools = made.map(({ i }) => i);
  // capDL's schedule is in ticks, (0, 0) its end marker.
  const d = m.domains;
  return {
    spec: {
      objects,
      irqs: [...m.irqNode.entries()].map(([irq, id]) => ({ irq, handler: obj(id) })),
      domain_schedule: d
        ? d.schedule.map(([domain, ticks]) => ({ domain, duration: ticks === 0 ? "EndMarker" : { Ticks: ticks } }))
        : null,
      domain_set_start: d ? d.start : null,
      domain_idx_shift: d ? d.shift : null,
      asid_slots: pools,
      root_objects: { start: 0, end: rootEnd },
      untyped_covers: covers.map((c) => ({ parent: c.parent, children: { start: c.start, end: c.end } })),
    },
    dropped: [...dropped],
  };
}
