import type {
  CapMapping,
  CapParam,
  Decl,
  KO,
  KODecl,
  Module,
  NameRef,
  ObjParam,
  Range,
  Right,
  SlotRef,
} from "./ast.ts";
import { CapdlError, type Pos } from "./lexer.ts";
import {
  ALL_CAPDL_RIGHTS,
  capRefKey,
  hasSlots,
  haskellID,
  idKey,
  RIGHT_G,
  RIGHT_P,
  RIGHT_R,
  RIGHT_W,
  showID,
  isTableKind,
  type Cap,
  type CapRef,
  type DomainSchedule,
  type KObject,
  type Model,
  type ObjEntry,
  type ObjID,
  type Slots,
} from "./model.ts";

/**
 * Syntax tree to model, as the capDL tool's CapDL/MakeModel.hs builds it: objects (arrays,
 * qualified names), untyped covers (deduplicated, with the tool's warning), the IRQ map, cap
 * names, caps with unnumbered slots counting on from the previous one, copies `<name>`
 * resolved transitively, the CDT from the `cdt` section and `- child_of`, and the domain
 * schedule. Every error carries the tool's message stem and the spec position.
 */

const CONTROL_CAPS = ["io_space_master", "asid_control", "irq_control", "domain", "sched_control"] as const;

function rightsBits(rs: ReadonlySet<Right>): number {
  return (
    (rs.has("R") ? RIGHT_R : 0) |
    (rs.has("W") ? RIGHT_W : 0) |
    (rs.has("G") ? RIGHT_G : 0) |
    (rs.has("P") ? RIGHT_P : 0)
  );
}

function refToID(r: NameRef): ObjID {
  if (r.ranges.length === 0) return { name: r.name, index: null };
  const only = r.ranges.length === 1 ? r.ranges[0] : undefined;
  if (only?.kind === "only") return { name: r.name, index: only.n };
  throw new CapdlError(
    `A unique identifer was expected at ${r.name}`,
    r.pos,
    "name one object here, such as x or x[3]",
  );
}

function unrange(count: number, r: Range): number[] {
  const span = (a: number, b: number): number[] =>
    a <= b ? Array.from({ length: b - a + 1 }, (_, i) => a + i) : Array.from({ length: a - b + 1 }, (_, i) => a - i);
  switch (r.kind) {
    case "only":
      return [r.n];
    case "fromTo":
      return span(r.from, r.to);
    case "from":
      return r.from <= count - 1 ? span(r.from, count - 1) : [];
    case "to":
      return span(0, r.to);
    case "all":
      return count > 0 ? span(0, count - 1) : [];
  }
}

/** Array lengths by name, for `x[]` and `x[n..]` (the tool's numObject). */
class Names {
  private readonly counts = new Map<string, number>();
  add(id: ObjID): void {
    this.counts.set(id.name, (this.counts.get(id.name) ?? 0) + 1);
  }
  refToIDs(r: NameRef, has: (id: ObjID) => boolean): ObjID[] {
    if (r.ranges.length === 0) return [{ name: r.name, index: null }];
    if (!has({ name: r.name, index: 0 }))
      throw new CapdlError(
        `Unknown reference: ${r.name}`,
        r.pos,
        `declare ${r.name} as an array, such as ${r.name}[4] = …`,
      );
    const count = this.counts.get(r.name) ?? 0;
    return r.ranges.flatMap((range) => unrange(count, range).map((index) => ({ name: r.name, index })));
  }
}

const makeIDs = (name: string, num: number | null): ObjID[] =>
  num === null ? [{ name, index: null }] : Array.from({ length: num }, (_, index) => ({ name, index }));

// --- objects ----------------------------------------------------------------------------------

type ParamKind = ObjParam["kind"];

/** validObjPars: which parameter kinds each object type accepts. */
function allowedParams(o: KO): readonly ParamKind[] | null {
  switch (o.type) {
    case "tcb":
      return ["tcb", "init", "dom", "fault_ep"];
    case "cnode":
      return ["bits"];
    case "ut":
      return ["bits", "paddr"];
    case "frame":
      return ["vmsize", "paddr", "fill"];
    case "asid_pool":
      return ["asid_high"];
    case "sc":
      return ["sc", "bits"];
    case "arm_irq":
      return ["arm_irq"];
    case "contextbank":
      return ["bank"];
    case "arm_io_device":
      return ["iospace"];
    case "arm_sgi_signal":
      return null; // exactly two parameters, checked apart
    default:
      return [];
  }
}

function first<K extends ParamKind>(ps: readonly ObjParam[], kind: K): Extract<ObjParam, { kind: K }> | undefined {
  return ps.find((p): p is Extract<ObjParam, { kind: K }> => p.kind === kind);
}

function tcbValue(ps: readonly ObjParam[], key: string): number | boolean | undefined {
  const p = ps.find((q) => q.kind === "tcb" && q.key === key);
  return p?.kind === "tcb" ? p.value : undefined;
}

function objectOf(name: string, o: KO, pos: Pos): KObject {
  const allowed = allowedParams(o);
  const valid =
    allowed === null
      ? o.params.length === 2
      : o.params.every((p) => allowed.includes(p.kind)) &&
        (o.type !== "frame" || first(o.params, "paddr") === undefined || first(o.params, "vmsize") !== undefined);
  if (!valid)
    throw new CapdlError(
      `Incorrect params for ${name}`,
      pos,
      allowed === null
        ? "arm_sgi_signal takes exactly irq: and target:"
        : allowed.length === 0
          ? `${o.type} takes no parameters`
          : `${o.type} takes ${allowed.join(", ")}`,
    );
  if (o.decls.length > 0 && o.type !== "ut")
    throw new CapdlError(
      `Only untyped caps can have objects as content: ${name}`,
      pos,
      "only a ut may have a { … } cover",
    );
  const ps = o.params;
  const num = (p: { n: number } | undefined): number | null => (p === undefined ? null : p.n);
  const type = o.type;
  if (isTableKind(type)) return { kind: type, slots: new Map() };
  switch (type) {
    case "ep":
    case "notification":
    case "vcpu":
    case "rtreply":
    case "streamid":
    case "smc":
      return { kind: type };
    case "tcb": {
      const get = (k: string): number | null => {
        const v = tcbValue(ps, k);
        return typeof v === "number" ? v : null;
      };
      const getB = (k: string): boolean | null => {
        const v = tcbValue(ps, k);
        return typeof v === "boolean" ? v : null;
      };
      const [addr, ip, sp, prio, maxPrio, affinity] = ["addr", "ip", "sp", "prio", "max_prio", "affinity"].map(get);
      const resume = getB("resume");
      const fpuDisabled = getB("fpu_disabled");
      let extra = null;
      if (addr != null && ip != null && sp != null && prio != null && maxPrio != null && affinity != null)
        extra = { addr, ip, sp, prio, maxPrio, affinity, resume, fpuDisabled };
      else if (addr != null && ip == null && sp == null && prio == null && maxPrio == null && affinity != null)
        extra = { addr, ip: null, sp: null, prio: null, maxPrio: null, affinity, resume, fpuDisabled };
      else if ([addr, ip, sp, prio, maxPrio, affinity, resume, fpuDisabled].some((v) => v !== null))
        throw new CapdlError(
          `Incorrect extra tcb parameters: ${name}`,
          pos,
          "give all of addr, ip, sp, prio, max_prio and affinity, or addr and affinity only, or none",
        );
      return {
        kind: "tcb",
        slots: new Map(),
        faultEp: num(first(ps, "fault_ep")),
        extra,
        dom: num(first(ps, "dom")) ?? 0,
        init: first(ps, "init")?.words ?? [],
      };
    }
    case "cnode": {
      const bits = first(ps, "bits");
      if (bits === undefined) throw new CapdlError(`Needs bitsize parameter: ${name}`, pos, "write cnode (N bits)");
      return { kind: "cnode", slots: new Map(), bits: bits.n };
    }
    case "irq":
      return { kind: "cnode", slots: new Map(), bits: 0 };
    case "ut":
      return { kind: "ut", bits: num(first(ps, "bits")), paddr: num(first(ps, "paddr")) };
    case "asid_pool":
      return { kind: "asid_pool", slots: new Map(), asidHigh: num(first(ps, "asid_high")) };
    case "frame": {
      const size = first(ps, "vmsize");
      if (size === undefined)
        throw new CapdlError(`Needs vmsize parameter: ${name}`, pos, "write frame (4k), (64k), (1M) or (16M)");
      if (size.bytes === 0) throw new CapdlError(`Cannot make a frame object that has size 0: ${name}`, size.pos);
      const bits = Math.log2(size.bytes);
      if (!Number.isInteger(bits))
        throw new CapdlError(
          `Frame size not power of 2: ${name}`,
          size.pos,
          "frame sizes are powers of two: 4k, 64k, 1M, 16M",
        );
      return {
        kind: "frame",
        sizeBits: bits,
        paddr: num(first(ps, "paddr")),
        fill: first(ps, "fill")?.entries ?? null,
      };
    }
    case "sc": {
      const sc = (k: string): number | null => {
        const p = ps.find((q) => q.kind === "sc" && q.key === k);
        return p?.kind === "sc" ? p.n : null;
      };
      const [period, budget, data] = [sc("period"), sc("budget"), sc("data")];
      if (!((period !== null && budget !== null) || (period === null && budget === null && data === null)))
        throw new CapdlError(
          `Incorrect extra sc parameters: ${name}`,
          pos,
          "give period and budget (and data), or none",
        );
      return { kind: "sc", period, budget, data, bits: num(first(ps, "bits")) };
    }
    case "arm_irq": {
      const get = (k: "trigger" | "target"): number => {
        const p = ps.find((q) => q.kind === "arm_irq" && q.key === k);
        if (p?.kind !== "arm_irq")
          throw new CapdlError(
            `Incorrect Arm irq parameters: missing '${k}': ${name}`,
            pos,
            "arm_irq needs trigger: and target:",
          );
        return p.n;
      };
      return { kind: "arm_irq", slots: new Map(), trigger: get("trigger"), target: get("target") };
    }
    case "arm_sgi_signal": {
      const irq = first(ps, "sgi_irq");
      const target = ps.find((q) => q.kind === "arm_irq" && q.key === "target");
      if (irq === undefined)
        throw new CapdlError(
          `Incorrect Arm sgi_signal parameters: missing 'irq': ${name}`,
          pos,
          "write arm_sgi_signal (irq: n, target: m)",
        );
      if (target?.kind !== "arm_irq")
        throw new CapdlError(
          `Incorrect Arm sgi_signal parameters: missing 'target': ${name}`,
          pos,
          "write arm_sgi_signal (irq: n, target: m)",
        );
      return { kind: "arm_sgi_signal", irq: irq.n, target: target.n };
    }
    case "arm_io_device": {
      const io = first(ps, "iospace");
      if (io === undefined) throw new CapdlError(`Needs iospace parameter: ${name}`, pos);
      return { kind: "arm_io_device", slots: new Map(), iospace: io.n };
    }
    case "contextbank":
      return { kind: "contextbank", bank: num(first(ps, "bank")) };
    default:
      throw new CapdlError(
        `capsim does not read ${type} objects (x86 I/O objects): ${name}`,
        pos,
        "capsim models ARM; remove the x86-only objects",
      );
  }
}

// --- caps -------------------------------------------------------------------------------------

type CapParamKind = CapParam["kind"];

function allowedCapParams(o: KObject): readonly CapParamKind[] {
  switch (o.kind) {
    case "ep":
    case "notification":
      return ["rights", "badge"];
    case "smc":
      return ["badge"];
    case "tcb":
      return ["reply", "master_reply"];
    case "cnode":
      return o.bits === 0 ? [] : ["guard", "guard_size"];
    case "frame":
      return ["rights", "asid", "cached", "mapping"];
    default:
      return isTableKind(o.kind) ? ["asid"] : [];
  }
}

function showParams(ps: readonly CapParam[]): string {
  return `[${ps
    .map((p) => {
      switch (p.kind) {
        case "rights":
        case "masked":
          return `${p.kind === "rights" ? "Rights" : "Masked"} (fromList [${[...p.rights].join(",")}])`;
        case "asid":
          return `Asid (${p.high},${p.low})`;
        case "mapping":
          return `FrameMapping (${p.container.name}) ${p.slot}`;
        case "reply":
        case "master_reply":
          return p.kind === "reply" ? "Reply" : "MasterReply";
        case "cached":
          return `Cached ${p.cached ? "True" : "False"}`;
        default:
          return `${p.kind} ${p.n}`;
      }
    })
    .join(",")}]`;
}

function objCapOf(container: ObjID, obj: KObject, ref: ObjID, ps: readonly CapParam[], pos: Pos): Cap {
  const allowed = allowedCapParams(obj);
  const replies = ps.filter((p) => p.kind === "reply" || p.kind === "master_reply");
  const valid = ps.every((p) => allowed.includes(p.kind)) && new Set(replies.map((p) => p.kind)).size <= 1;
  if (!valid)
    throw new CapdlError(
      `Incorrect params for cap to ${showID(ref)} in ${showID(container)}; got ${showParams(ps)}`,
      pos,
      allowed.length === 0
        ? `a cap to a ${obj.kind} takes no parameters`
        : `a cap to a ${obj.kind} takes ${allowed.join(", ")}`,
    );
  const rights = ps.reduce((r, p) => (p.kind === "rights" ? r | rightsBits(p.rights) : r), 0);
  const firstOf = <K extends CapParamKind>(k: K): Extract<CapParam, { kind: K }> | undefined =>
    ps.find((p): p is Extract<CapParam, { kind: K }> => p.kind === k);
  const badge = firstOf("badge")?.n ?? 0;
  const asidP = firstOf("asid");
  const asid: readonly [number, number] | null = asidP ? [asidP.high, asidP.low] : null;
  const kind = obj.kind;
  if (isTableKind(kind)) return { kind, obj: ref, asid };
  switch (kind) {
    case "ep":
    case "notification":
      return { kind, obj: ref, badge, rights };
    case "smc":
      return { kind: "smc", obj: ref, badge };
    case "tcb":
      return { kind: replies[0]?.kind ?? "tcb", obj: ref };
    case "ut":
      return { kind: "ut", obj: ref };
    case "cnode":
      return obj.bits === 0
        ? { kind: "irq_handler", obj: ref }
        : { kind: "cnode", obj: ref, guard: firstOf("guard")?.n ?? 0, guardSize: firstOf("guard_size")?.n ?? 0 };
    case "frame": {
      const m = firstOf("mapping");
      return {
        kind: "frame",
        obj: ref,
        rights,
        asid,
        cached: firstOf("cached")?.cached ?? true,
        mapping: m ? { obj: refToID(m.container), slot: m.slot } : null,
      };
    }
    case "asid_pool":
      return { kind: "asid_pool", obj: ref };
    case "vcpu":
    case "sc":
    case "rtreply":
      return { kind, obj: ref };
    case "arm_irq":
      return { kind: "arm_irq_handler", obj: ref };
    case "arm_sgi_signal":
      return { kind: "arm_sgi_signal", obj: ref };
    case "arm_io_device":
      return { kind: "arm_io_space", obj: ref };
    case "streamid":
      return { kind: "sid", obj: ref };
    case "contextbank":
      return { kind: "cb", obj: ref };
  }
}

/** Unnumbered slots go on from the previous slot; the first is 0 (the tool starts at maxBound and wraps). */
class SlotCounter {
  private last = -1;
  take(slot: number | null): number {
    return slot ?? this.last + 1;
  }
  put(slot: number): void {
    this.last = slot;
  }
}

function maskRights(cap: Cap, mask: number): Cap {
  if (cap.kind === "ep" || cap.kind === "notification" || cap.kind === "frame")
    return { ...cap, rights: cap.rights & mask };
  return cap;
}

// --- the whole model --------------------------------------------------------------------------

function eachObjDecl(decls: readonly (KODecl | NameRef)[]): KODecl[] {
  return decls.filter((d): d is KODecl => "kind" in d && d.kind === "decl");
}
function eachRef(decls: readonly (KODecl | NameRef)[]): NameRef[] {
  return decls.filter((d): d is NameRef => !("kind" in d));
}

export function makeModel(mod: Module): Model {
  const objects = new Map<string, ObjEntry>();
  const objNames = new Names();
  const has = (id: ObjID): boolean => objects.has(idKey(id));
  const isMember = (name: string): boolean => has({ name, index: null }) || has({ name, index: 0 });
  const insert = (id: ObjID, obj: KObject, pos: Pos | null): void => {
    if (!objects.has(idKey(id))) objNames.add(id);
    objects.set(idKey(id), { id, obj, pos });
  };
  const objDecls = mod.decls.flatMap((d) => (d.kind === "obj" ? [d.decl] : []));

  // addObjects: a repeated untyped declaration only adds covers; any other repeat is an error.
  const addObject = (d: KODecl): void => {
    const base = d.qname[d.qname.length - 1] as NameRef;
    const only = base.ranges.length === 1 ? base.ranges[0] : undefined;
    const num = only?.kind === "only" ? only.n : null;
    if (base.ranges.length > 0 && num === null)
      throw new CapdlError(`A unique identifer was expected at ${base.name}`, base.pos, "declare an array as name[N]");
    if (d.obj.type === "ut" && isMember(base.name)) return;
    if (isMember(base.name))
      throw new CapdlError(`Duplicate name declaration: ${base.name}`, base.pos, "each object name is declared once");
    objectOf(base.name, d.obj, d.pos);
    // Each array member gets its own slots.
    for (const id of makeIDs(base.name, num)) insert(id, objectOf(base.name, d.obj, d.pos), base.pos);
    eachObjDecl(d.obj.decls).forEach(addObject);
  };
  objDecls.forEach(addObject);

  // addUntypeds: the prefixes of qualified names are untypeds (declared bare if not yet declared).
  const addUTName = (r: NameRef): void => {
    const id = refToID(r);
    const e = objects.get(idKey(id));
    if (e === undefined) insert(id, { kind: "ut", bits: null, paddr: null }, r.pos);
    else if (e.obj.kind !== "ut")
      throw new CapdlError(
        `Untyped object expected at "${showID(id)}", but found instead: ${e.obj.kind}`,
        r.pos,
        "only an untyped can cover objects",
      );
  };
  const addUntyped = (d: KODecl): void => {
    d.qname.slice(0, -1).forEach(addUTName);
    eachObjDecl(d.obj.decls).forEach(addUntyped);
  };
  objDecls.forEach(addUntyped);

  // getUntypedCovers, then dedupCoverIDs.
  const coverLists = new Map<string, { ut: ObjID; children: ObjID[] }>();
  const addCover = (ut: ObjID, names: ObjID[], pos: Pos): void => {
    const missing = names.find((n) => !has(n));
    if (missing)
      throw new CapdlError(
        `At least one object reference is unknown: ${showID(missing)}`,
        pos,
        "declare the object first",
      );
    const c = coverLists.get(idKey(ut)) ?? { ut, children: [] };
    c.children.push(...names);
    coverLists.set(idKey(ut), c);
  };
  const addCoverChain = (names: ObjID[], uts: ObjID[], pos: Pos): void => {
    uts.forEach((ut, i) => addCover(ut, i === 0 ? names : [uts[i - 1] as ObjID], pos));
  };
  const covers = (prev: NameRef | null, d: KODecl): void => {
    const base = d.qname[d.qname.length - 1] as NameRef;
    const chain = [...(prev ? [prev] : []), ...d.qname.slice(0, -1)].reverse().map(refToID);
    if (d.obj.decls.length === 0) {
      const only = base.ranges[0];
      addCoverChain(makeIDs(base.name, only?.kind === "only" ? only.n : null), chain, base.pos);
    } else {
      const id = refToID(base);
      addCoverChain([id], chain, base.pos);
      for (const r of eachRef(d.obj.decls)) addCover(id, objNames.refToIDs(r, has), r.pos);
      for (const nested of eachObjDecl(d.obj.decls)) covers(base, nested);
    }
  };
  objDecls.forEach((d) => covers(null, d));
  const warnings: string[] = [];
  const coverMap = new Map<string, { ut: ObjID; children: readonly ObjID[] }>();
  for (const [k, c] of coverLists) {
    const seen = new Set<string>();
    const reported = new Set<string>();
    const children: ObjID[] = [];
    for (const x of c.children) {
      if (!seen.has(idKey(x))) {
        seen.add(idKey(x));
        children.push(x);
      } else if (!reported.has(idKey(x))) {
        reported.add(idKey(x));
        warnings.push(
          `warning: specifying untyped child multiple times is deprecated: ut = ${showID(c.ut)}, child = ${showID(x)}`,
        );
      }
    }
    coverMap.set(k, { ut: c.ut, children });
  }

  // IRQ map.
  const irqNode = new Map<number, ObjID>();
  for (const d of mod.decls) {
    if (d.kind !== "irqs") continue;
    if (irqNode.size > 0) throw new CapdlError("Duplicate IRQ node declaration", d.pos, "write one irq maps section");
    const counter = new SlotCounter();
    for (const m of d.mappings) {
      const slot = counter.take(m.slot);
      const ids = objNames.refToIDs(m.irq, has);
      ids.forEach((id, i) => {
        if (irqNode.has(slot + i))
          throw new CapdlError(`IRQ already mapped: ${slot + i}`, m.pos, "each IRQ number is mapped once");
        irqNode.set(slot + i, id);
      });
      counter.put(slot + ids.length - 1);
    }
  }

  // Cap names: `n = (obj, slot)` and `slot: n = …`.
  const capIds = new Map<string, { id: ObjID; ref: CapRef }>();
  const capNames = new Names();
  const setCapName = (id: ObjID, ref: CapRef): void => {
    if (!capIds.has(idKey(id))) capNames.add(id);
    capIds.set(idKey(id), { id, ref });
  };
  const hasCapName = (id: ObjID): boolean => capIds.has(idKey(id));
  for (const d of mod.decls) {
    if (d.kind === "capName") setCapName({ name: d.name, index: null }, { obj: refToID(d.target), slot: d.slot });
    if (d.kind !== "caps") continue;
    const container = objNames.refToIDs(d.container, has)[0] as ObjID;
    for (const m of d.mappings) {
      if (m.slot === null || m.name === null) continue;
      const len =
        m.kind === "copy" && m.target.ranges.length > 0
          ? capNames.refToIDs(m.target, hasCapName).length
          : m.kind === "cap"
            ? objNames.refToIDs(m.target, has).length
            : 1;
      const r = m.name.ranges;
      let names: ObjID[];
      if (r.length === 0) {
        if (len !== 1)
          throw new CapdlError(
            `Cannot give a unique name to an array of caps: ${m.name.name}`,
            m.name.pos,
            `write ${m.name.name}[] = …`,
          );
        names = [{ name: m.name.name, index: null }];
      } else if (r.length === 1 && r[0]?.kind === "all") names = makeIDs(m.name.name, len);
      else throw new CapdlError("invalid range", m.name.pos, "a cap name is n or n[]");
      names.forEach((n, i) => setCapName(n, { obj: container, slot: (m.slot as number) + i }));
    }
  }
  const capRefOf = (r: SlotRef): CapRef => {
    if (r.kind === "ref") return { obj: refToID(r.obj), slot: r.slot };
    const id = refToID(r.name);
    const e = capIds.get(idKey(id));
    if (!e)
      throw new CapdlError(`Unknown cap reference: ${showID(id)}`, r.pos, "name the slot first: name = (object, slot)");
    return e.ref;
  };

  // CDT: the cdt section, then `- child_of` on caps.
  const cdt = new Map<string, { child: CapRef; parent: CapRef }>();
  const insertCDT = (child: CapRef, parent: CapRef, pos: Pos): void => {
    if (cdt.has(capRefKey(child)))
      throw new CapdlError(
        `(${haskellID(child.obj)},${child.slot}) has multiple parents`,
        pos,
        "a cap has at most one parent",
      );
    cdt.set(capRefKey(child), { child, parent });
  };
  for (const d of mod.decls)
    if (d.kind === "cdt") {
      const parent = capRefOf(d.parent);
      for (const c of d.children) insertCDT(capRefOf(c), parent, c.pos);
    }
  for (const d of mod.decls) {
    if (d.kind !== "caps") continue;
    for (const container of objNames.refToIDs(d.container, has)) {
      const counter = new SlotCounter();
      for (const m of d.mappings) {
        if (m.parent === null) continue;
        const slot = counter.take(m.slot);
        counter.put(slot);
        insertCDT({ obj: container, slot }, capRefOf(m.parent), m.pos);
      }
    }
  }

  // Domains.
  const domains = domainSchedule(mod.decls);

  // addCapDecls.
  const slotsOf = (id: ObjID, pos: Pos): Slots => {
    const e = objects.get(idKey(id));
    if (!e) throw new CapdlError(`Unknown cap container: ${showID(id)}`, pos, "declare the container in objects { … }");
    if (!hasSlots(e.obj))
      throw new CapdlError(
        `This object does not support cap mappings: ${showID(id)}`,
        pos,
        `a ${e.obj.kind} holds no caps`,
      );
    return e.obj.slots;
  };
  const insertSlot = (slots: Slots, slot: number, cap: Cap, pos: Pos): void => {
    if (slots.has(slot))
      throw new CapdlError(`Slot already filled: ${slot}`, pos, "each slot of a container holds one cap");
    slots.set(slot, { cap, pos });
  };
  for (const d of mod.decls) {
    if (d.kind !== "caps") continue;
    const mixes = d.mappings.some((m) => m.kind === "copy") && d.mappings.some((m) => m.slot === null);
    for (const container of objNames.refToIDs(d.container, has)) {
      const slots = slotsOf(container, d.pos);
      if (mixes)
        throw new CapdlError(
          `${showID(container)} uses both copies of caps and unnumbered slots`,
          d.pos,
          "number every slot of a container that has copies",
        );
      const counter = new SlotCounter();
      for (const m of d.mappings) {
        const slot = counter.take(m.slot);
        if (m.kind === "copy") {
          insertSlot(slots, slot, { kind: "null" }, m.pos);
          counter.put(slot);
          continue;
        }
        const control = (CONTROL_CAPS as readonly string[]).includes(m.target.name) && m.target.ranges.length === 0;
        if (control) {
          const okParams =
            m.target.name === "sched_control" ? m.params.every((p) => p.kind === "core") : m.params.length === 0;
          if (!okParams)
            throw new CapdlError(
              `Incorrect params for cap to ${m.target.name} in ${showID(container)}`,
              m.pos,
              "control caps take no parameters (sched_control takes core:)",
            );
          let cap: Cap;
          if (m.target.name === "sched_control") {
            const core = m.params.find((p) => p.kind === "core");
            if (core?.kind !== "core")
              throw new CapdlError(
                `Needs core parameter for sched_control cap in ${showID(container)}`,
                m.pos,
                "write sched_control (core: 0)",
              );
            cap = { kind: "sched_control", core: core.n };
          } else cap = { kind: m.target.name as "asid_control" | "irq_control" | "domain" | "io_space_master" };
          insertSlot(slots, slot, cap, m.pos);
          counter.put(slot);
          continue;
        }
        const ids = objNames.refToIDs(m.target, has);
        ids.forEach((id, i) => {
          const e = objects.get(idKey(id));
          if (!e)
            throw new CapdlError(
              `Unknown object "${showID(id)}" for cap in ${showID(container)}`,
              m.target.pos,
              "declare the object in objects { … }",
            );
          insertSlot(slots, slot + i, objCapOf(container, e.obj, id, m.params, m.pos), m.pos);
        });
        counter.put(slot + ids.length - 1);
      }
    }
  }

  // addCapCopyDecls: each copy takes the cap at the end of its chain of copies.
  const copyOf = new Map<string, NameRef>();
  for (const d of mod.decls) {
    if (d.kind !== "caps") continue;
    for (const container of objNames.refToIDs(d.container, has))
      for (const m of d.mappings)
        if (m.kind === "copy" && m.slot !== null) copyOf.set(capRefKey({ obj: container, slot: m.slot }), m.target);
  }
  const follow = (start: CapRef, pos: Pos): CapRef => {
    const seen: string[] = [];
    let at = start;
    for (;;) {
      const k = capRefKey(at);
      if (seen.includes(k))
        throw new CapdlError(`Cyclic reference: (${haskellID(at.obj)},${at.slot})`, pos, "a copy cannot copy itself");
      seen.push(k);
      const target = copyOf.get(k);
      if (target === undefined) return at;
      const e = capIds.get(idKey(refToID(target)));
      if (!e) return at;
      at = e.ref;
    }
  };
  for (const d of mod.decls) {
    if (d.kind !== "caps") continue;
    for (const container of objNames.refToIDs(d.container, has))
      for (const m of d.mappings) {
        if (m.kind !== "copy" || m.slot === null) continue;
        const mask = m.params.reduce((r, p) => (p.kind === "masked" ? r & rightsBits(p.rights) : r), ALL_CAPDL_RIGHTS);
        capNames.refToIDs(m.target, hasCapName).forEach((src, i) => {
          const e = capIds.get(idKey(src));
          if (!e)
            throw new CapdlError(
              `Unknown cap reference: ${showID(src)}`,
              m.target.pos,
              "name the slot first: name = (object, slot)",
            );
          const end = follow(e.ref, m.pos);
          const cap = objects.get(idKey(end.obj))?.obj;
          const found = cap && hasSlots(cap) ? cap.slots.get(end.slot) : undefined;
          if (!found || found.cap.kind === "null")
            throw new CapdlError(
              `Could not resolve cap reference: (${haskellID(end.obj)},${end.slot})`,
              m.pos,
              "the named slot is empty",
            );
          const slots = slotsOf(container, m.pos);
          const dst = (m.slot as number) + i;
          const cur = slots.get(dst);
          if (cur && cur.cap.kind !== "null")
            throw new CapdlError(
              `Slot already filled: slot ${dst} in ${haskellID(container)}`,
              m.pos,
              "each slot of a container holds one cap",
            );
          slots.set(dst, { cap: maskRights(found.cap, mask), pos: m.pos });
        });
      }
  }

  return { arch: mod.arch, objects, irqNode, cdt, covers: coverMap, domains, warnings };
}

function domainSchedule(decls: readonly Decl[]): DomainSchedule | null {
  const items = decls.flatMap((d) => (d.kind === "domains" ? d.items : []));
  const scheds = items.filter((i) => i.kind === "schedule");
  const starts = items.filter((i) => i.kind === "start");
  const shifts = items.filter((i) => i.kind === "shift");
  const pos = items[0]?.pos ?? null;
  if (scheds.length > 1) throw new CapdlError("Must declare at most one domains section", pos);
  if (starts.length > 1) throw new CapdlError("Must declare at most one domain_set_start index", pos);
  if (shifts.length > 1) throw new CapdlError("Must declare at most one domain index shift", pos);
  const sched = scheds[0];
  if (sched?.kind !== "schedule") return null;
  const s0 = starts[0];
  const start = s0?.kind === "start" ? s0.start : 0;
  const sh = shifts[0];
  const shift = sh?.kind === "shift" ? sh.shift : 0;
  const schedule = sched.entries;
  if (start !== null && start >= schedule.length)
    throw new CapdlError(
      `Start index is ${start}, but must be in [0..${schedule.length - 1}] for the given schedule.`,
      sched.pos,
    );
  for (const [dom, dur] of schedule) {
    const item = `Domain schedule item (${dom},${dur}): `;
    if (dur === 0 && dom !== 0)
      throw new CapdlError(`${item}Duration cannot be zero for non-end-markers. End marker is (0, 0).`, sched.pos);
    if (dom > 255) throw new CapdlError(`${item}Domain must be in [0 .. 255]`, sched.pos);
    if (dur >= 2 ** 56) throw new CapdlError(`${item}Duration must be less than 2^56`, sched.pos);
  }
  if (start !== null && schedule[start]?.[0] === 0 && schedule[start]?.[1] === 0)
    throw new CapdlError(`Start index (${start}) must not point to the end marker (0, 0) in the schedule.`, sched.pos);
  return { schedule, start, shift };
}

export type { CapMapping };
