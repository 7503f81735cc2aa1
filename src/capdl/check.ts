import type { Arch } from "./ast.ts";
import { CapdlError, type Pos } from "./lexer.ts";
import {
  capObj,
  hasSlots,
  haskellID,
  idKey,
  type Cap,
  type KObject,
  type Model,
  type ObjID,
  type CapRef,
} from "./model.ts";

/**
 * The capDL tool's model checks (CapDL/State.hs `checkModel`): every object and cap valid for
 * the architecture, every cap's target of the type the cap implies, every cap allowed in its
 * container's slot, covers disjoint, a PD in at most one ASID pool and a PT in at most one PD,
 * IRQ map entries naming IRQ objects, and frame caps with `mapping:` only in CNodes, unique and
 * naming a filled table slot. Like the tool it collects every problem, then fails with
 * "Failed to check model".
 */

export interface Problem {
  readonly message: string;
  readonly pos: Pos | null;
}

function validObjArch(arch: Arch, o: KObject): boolean {
  switch (o.kind) {
    case "ep":
    case "notification":
    case "tcb":
    case "cnode":
    case "ut":
    case "asid_pool":
    case "pd":
    case "pt":
    case "frame":
    case "sc":
    case "rtreply":
      return true;
    case "vcpu":
      return arch !== "riscv";
    case "arm_io_device":
    case "arm_irq":
    case "arm_sgi_signal":
      return arch === "arm11" || arch === "aarch64";
    case "pml4":
    case "pdpt":
      return arch === "x86_64";
    case "pud":
    case "pgd":
    case "streamid":
    case "contextbank":
    case "smc":
      return arch === "aarch64";
  }
}

function validCapArch(arch: Arch, c: Cap): boolean {
  switch (c.kind) {
    case "vcpu":
      return arch !== "riscv";
    case "io_space_master":
      return arch === "ia32" || arch === "x86_64";
    case "pml4":
    case "pdpt":
      return arch === "x86_64";
    case "arm_io_space":
    case "arm_irq_handler":
    case "arm_sgi_signal":
      return arch === "arm11" || arch === "aarch64";
    case "pud":
    case "pgd":
    case "sid":
    case "cb":
    case "smc":
      return arch === "aarch64";
    default:
      return true;
  }
}

/** The object kind a cap's target must have (capTyp). */
function capTargetKind(c: Cap): KObject["kind"] | null {
  switch (c.kind) {
    case "reply":
    case "master_reply":
      return "tcb";
    case "irq_handler":
      return "cnode";
    case "arm_irq_handler":
      return "arm_irq";
    case "arm_io_space":
      return "arm_io_device";
    case "sid":
      return "streamid";
    case "cb":
      return "contextbank";
    case "null":
    case "asid_control":
    case "irq_control":
    case "domain":
    case "io_space_master":
    case "sched_control":
      return null;
    default:
      return c.kind;
  }
}

function validTCBSlotCap(arch: Arch, slot: number, c: Cap): boolean {
  switch (slot) {
    case 0:
      return c.kind === "cnode";
    case 1:
      return arch === "arm11" || arch === "ia32"
        ? c.kind === "pd"
        : arch === "x86_64"
          ? c.kind === "pml4"
          : arch === "aarch64"
            ? c.kind === "pgd" || c.kind === "pud"
            : c.kind === "pt";
    case 2:
      return c.kind === "master_reply";
    case 3:
      return c.kind === "reply";
    case 4:
      return c.kind === "frame";
    case 5:
    case 7:
      return c.kind === "ep";
    case 6:
      return c.kind === "sc";
    case 8:
      return c.kind === "notification";
    case 9:
      return arch !== "riscv" && c.kind === "vcpu";
    default:
      return c.kind === "null";
  }
}

function validObjCap(arch: Arch, o: KObject, slot: number, c: Cap): boolean {
  switch (o.kind) {
    case "tcb":
      return validTCBSlotCap(arch, slot, c);
    case "cnode":
      return o.bits === 0 ? slot === 0 && c.kind === "notification" : true;
    case "asid_pool":
      return validTCBSlotCap(arch, 1, c);
    case "pt":
      return arch === "riscv" ? c.kind === "frame" || c.kind === "pt" : c.kind === "frame";
    case "pd":
      return c.kind === "frame" || c.kind === "pt";
    case "pdpt":
    case "pud":
      return c.kind === "frame" || c.kind === "pd";
    case "pml4":
      return c.kind === "pdpt";
    case "pgd":
      return c.kind === "pud";
    case "arm_io_device":
      return true;
    case "arm_irq":
      return slot === 0 && c.kind === "notification";
    default:
      return false;
  }
}

/** Every problem the tool's checkModel reports, in its order. */
export function modelProblems(m: Model): Problem[] {
  const problems: Problem[] = [];
  const tell = (message: string, pos: Pos | null): void => void problems.push({ message, pos });
  const objAt = (id: ObjID): KObject | undefined => m.objects.get(idKey(id))?.obj;
  const all = [...m.objects.values()];

  for (const { id, obj, pos } of all) {
    if (!validObjArch(m.arch, obj)) tell(`${haskellID(id)} is not a valid object for this architecture`, pos);
    if (!hasSlots(obj)) continue;
    for (const [slot, { cap, pos: cpos }] of obj.slots) {
      if (!validCapArch(m.arch, cap))
        tell(`The cap at slot ${slot} in ${haskellID(id)} is not valid for this architecture`, cpos);
      const target = capObj(cap);
      const want = capTargetKind(cap);
      if (target && want && objAt(target)?.kind !== want)
        tell(`The cap at slot ${slot} in ${haskellID(id)} refers to an object of the wrong type`, cpos);
    }
    for (const [slot, { cap, pos: cpos }] of obj.slots)
      if (!validObjCap(m.arch, obj, slot, cap))
        tell(`The cap at slot ${slot} in ${haskellID(id)} is not valid for this object`, cpos);
  }

  // Covers.
  const coverLists = [...m.covers.values()].filter((c) => c.children.length > 0);
  const seen = new Set<string>();
  let overlap: Pos | null | undefined;
  for (const c of coverLists)
    for (const child of c.children) {
      if (seen.has(idKey(child)) && overlap === undefined) overlap = m.objects.get(idKey(c.ut))?.pos ?? null;
      seen.add(idKey(child));
    }
  if (overlap !== undefined) tell("At least two untypeds have intersecting covers", overlap);
  for (const c of m.covers.values()) {
    const o = m.objects.get(idKey(c.ut));
    if (o && o.obj.kind !== "ut") tell(`${haskellID(c.ut)} covers objects but is not an untyped`, o.pos);
  }
  for (const c of m.covers.values())
    if (c.children.some((x) => objAt(x) === undefined)) tell(`${haskellID(c.ut)} covers a non-existant object`, null);

  // Mappings: a PD in at most one ASID pool, a PT in at most one PD.
  const holders = (id: ObjID, kind: KObject["kind"]): number =>
    all.filter(
      (e) => e.obj.kind === kind && hasSlots(e.obj) && [...e.obj.slots.values()].some((s) => sameTarget(s.cap, id)),
    ).length;
  for (const { id, obj, pos } of all) {
    if (obj.kind === "pd" && holders(id, "asid_pool") > 1) tell(`${haskellID(id)} is mapped into multiple ASID's`, pos);
    if (obj.kind === "pt" && holders(id, "pd") > 1) tell(`${haskellID(id)} is mapped into multiple PD's`, pos);
  }

  // IRQ map.
  for (const [n, id] of m.irqNode) {
    const o = objAt(id);
    if (o === undefined) tell(`Object does not exist: ${haskellID(id)}`, null);
    else if (!((o.kind === "cnode" && o.bits === 0) || o.kind === "arm_irq"))
      tell(
        `The object mapped by irq ${n} in the irqNode is not a valid irq_slot`,
        m.objects.get(idKey(id))?.pos ?? null,
      );
  }

  // Frame caps with mapping:.
  const mapped: { ref: CapRef; pos: Pos | null }[] = [];
  for (const { obj } of all)
    if (obj.kind === "cnode")
      for (const { cap, pos } of obj.slots.values())
        if (cap.kind === "frame" && cap.mapping) mapped.push({ ref: cap.mapping, pos });
  const counts = new Map<string, number>();
  for (const { ref } of mapped)
    counts.set(`${ref.obj.name}, slot ${ref.slot}`, (counts.get(`${ref.obj.name}, slot ${ref.slot}`) ?? 0) + 1);
  const dups = [...counts]
    .filter(([, n]) => n > 1)
    .map(([k]) => k)
    .sort();
  if (dups.length > 0) tell(`Mappings referenced by multiple frame caps:\n${dups.join("\n")}`, mapped[0]?.pos ?? null);
  for (const { ref, pos } of mapped) {
    const o = objAt(ref.obj);
    if (o === undefined) tell(`Object does not exist: ${haskellID(ref.obj)}`, pos);
    else if (o.kind === "pt" || o.kind === "pd") {
      const c = o.slots.get(ref.slot);
      if (c === undefined) tell("Frame references mapping in empty or non-existent slot", pos);
      else if (c.cap.kind !== "frame") tell("Frame references mapping to object other than a frame", pos);
    } else
      tell(`Object specified in mapping(${ref.obj.name}, ${ref.slot}) is neither page table nor page directory`, pos);
  }
  for (const { id, obj } of all)
    if (
      obj.kind !== "cnode" &&
      hasSlots(obj) &&
      [...obj.slots.values()].some((s) => s.cap.kind === "frame" && s.cap.mapping)
    )
      tell(`Non-CNode object '${id.name}' contains frame cap with mapping`, m.objects.get(idKey(id))?.pos ?? null);
  return problems;
}

function sameTarget(c: Cap, id: ObjID): boolean {
  const t = capObj(c);
  return t !== null && idKey(t) === idKey(id);
}

/** Throw the tool's "Failed to check model" with every problem, the first one's position first. */
export function checkModel(m: Model): void {
  const ps = modelProblems(m);
  if (ps.length === 0) return;
  const first = ps[0] as Problem;
  throw new CapdlError(
    `${ps.map((p) => (p.pos ? `line ${p.pos.line}: ${p.message}` : p.message)).join("\n")}\nFailed to check model`,
    first.pos,
  );
}
