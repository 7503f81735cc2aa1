import {
  ARCHES,
  OBJECT_TYPES,
  TCB_SLOTS,
  type Arch,
  type CapMapping,
  type CapParam,
  type Decl,
  type DomainItem,
  type KO,
  type KODecl,
  type Module,
  type NameRef,
  type ObjParam,
  type ObjectType,
  type Range,
  type Right,
  type SlotRef,
  type TcbExtraKey,
} from "./ast.ts";
import { CapdlError, Lexer, type Pos, type Token } from "./lexer.ts";
import { compareObjID, type ObjID } from "./model.ts";

const idOfRef = (r: NameRef): ObjID => ({ name: r.name, index: r.ranges[0]?.kind === "only" ? r.ranges[0].n : null });

/**
 * capDL text to a syntax tree, as the capDL tool's Parsec grammar reads it (CapDL/Parser.hs,
 * ParserUtils.hs, and DumpParser.hs for files whose first line is `-- Dump`). Where the tool's
 * own document disagrees with its parser, this follows the parser (`irq maps`, a leading 0 is
 * decimal, `-` and `.` in names).
 */

const describe = (t: Token): string => (t.kind === "eof" ? "end of input" : JSON.stringify(t.text));

class Parser {
  constructor(readonly lx: Lexer) {}

  fail(t: Token, expecting: string, hint: string | null = null): never {
    throw new CapdlError(`unexpected ${describe(t)}, expecting ${expecting}`, t.pos, hint);
  }

  isPunct(text: string): boolean {
    const t = this.lx.peek();
    return t.kind === "punct" && t.text === text;
  }
  isWord(text: string): boolean {
    const t = this.lx.peek();
    return t.kind === "ident" && t.text === text;
  }
  eatPunct(text: string): boolean {
    if (!this.isPunct(text)) return false;
    this.lx.next();
    return true;
  }
  punct(text: string, hint: string | null = null): Pos {
    const t = this.lx.next();
    if (t.kind !== "punct" || t.text !== text) this.fail(t, JSON.stringify(text), hint);
    return t.pos;
  }
  word(text: string, hint: string | null = null): Pos {
    const t = this.lx.next();
    if (t.kind !== "ident" || t.text !== text) this.fail(t, JSON.stringify(text), hint);
    return t.pos;
  }
  ident(what = "a name"): Token & { kind: "ident" } {
    const t = this.lx.next();
    if (t.kind !== "ident") this.fail(t, what, what === "a name" ? "names start with a letter" : null);
    return t;
  }
  number(what = "a number"): number {
    const t = this.lx.next();
    if (t.kind !== "number") this.fail(t, what, "numbers are decimal, 0x hex or 0o octal");
    return t.value;
  }

  /** `irq maps` and `- child_of` are single reserved words with exactly one space inside. */
  twoWords(first: string, second: string): boolean {
    const m = this.lx.mark();
    const a = this.lx.next();
    const b = this.lx.next();
    const ok =
      ((a.kind === "ident" || a.kind === "punct") &&
        a.text === first &&
        b.kind === "ident" &&
        b.text === second &&
        b.pos.line === a.pos.line &&
        b.pos.column === a.pos.column + first.length + 1) ||
      false;
    if (!ok) this.lx.reset(m);
    return ok;
  }

  // --- names ---------------------------------------------------------------------------------

  range(): Range {
    if (this.eatPunct("..")) return { kind: "to", to: this.number() };
    const a = this.number("a number or ..");
    if (!this.eatPunct("..")) return { kind: "only", n: a };
    if (this.lx.peek().kind === "number") return { kind: "fromTo", from: a, to: this.number() };
    return { kind: "from", from: a };
  }

  ranges(): Range[] {
    if (!this.isPunct("[")) return [];
    this.lx.next();
    if (this.eatPunct("]")) return [{ kind: "all" }];
    const rs = [this.range()];
    while (this.eatPunct(",")) rs.push(this.range());
    this.punct("]", "a range is n, n..m, ..m or n..");
    return rs;
  }

  nameRef(what = "a name"): NameRef {
    const t = this.ident(what);
    return { name: t.text, ranges: this.ranges(), pos: t.pos };
  }

  slot(): number {
    const t = this.lx.peek();
    if (t.kind === "number") return this.number();
    if (t.kind === "ident" && Object.hasOwn(TCB_SLOTS, t.text)) {
      this.lx.next();
      return TCB_SLOTS[t.text as keyof typeof TCB_SLOTS];
    }
    return this.fail(t, "a slot number or a TCB slot name", `TCB slot names: ${Object.keys(TCB_SLOTS).join(", ")}`);
  }

  // --- objects -------------------------------------------------------------------------------

  objectType(): ObjectType {
    const t = this.lx.next();
    const type = OBJECT_TYPES.find((o) => t.kind === "ident" && t.text === o);
    if (type === undefined)
      this.fail(t, "an object type", `the object types are ${OBJECT_TYPES.join(", ")} (arm11 uses pd and pt)`);
    return type;
  }

  boolValue(): boolean {
    const t = this.lx.next();
    if (t.kind === "ident" && (t.text === "True" || t.text === "False")) return t.text === "True";
    return this.fail(t, '"True" or "False"');
  }

  objParam(): ObjParam {
    const t = this.lx.next();
    const pos = t.pos;
    if (t.kind === "number") {
      const u = this.lx.next();
      if (u.kind === "ident" && u.text === "bits") return { kind: "bits", n: t.value, pos };
      if (u.kind === "ident" && u.text === "k") return { kind: "vmsize", bytes: t.value * 2 ** 10, pos };
      if (u.kind === "ident" && u.text === "M") return { kind: "vmsize", bytes: t.value * 2 ** 20, pos };
      return this.fail(u, '"bits", "k" or "M"', "write a size as `12 bits`, `4k` or `1M`");
    }
    if (t.kind !== "ident") return this.fail(t, "an object parameter");
    const key = t.text;
    const tcbKeys: readonly TcbExtraKey[] = ["addr", "ip", "sp", "prio", "max_prio", "affinity"];
    this.punct(":", `write ${key}: value`);
    if ((tcbKeys as readonly string[]).includes(key))
      return { kind: "tcb", key: key as TcbExtraKey, value: this.number(), pos };
    switch (key) {
      case "resume":
      case "fpu_disabled":
        return { kind: "tcb", key, value: this.boolValue(), pos };
      case "dom":
        return { kind: "dom", n: this.number(), pos };
      case "fault_ep":
        return { kind: "fault_ep", n: this.number("a CPtr (fault_ep is a number, not a name)"), pos };
      case "init": {
        this.punct("[");
        const words: number[] = [];
        if (!this.isPunct("]")) {
          words.push(this.number());
          while (this.eatPunct(",")) words.push(this.number());
        }
        this.punct("]");
        return { kind: "init", words, pos };
      }
      case "fill": {
        this.punct("[");
        const entries: string[][] = [];
        while (this.isPunct("{")) {
          this.lx.next();
          // Parsec reads each entry as whitespace-separated words up to the closing brace.
          const raw = this.lx.rawUntil("}");
          entries.push(raw.text.trim().split(/\s+/).filter(Boolean));
          this.punct("}");
          if (!this.eatPunct(",")) break;
        }
        this.punct("]");
        return { kind: "fill", entries, pos };
      }
      case "paddr":
        return { kind: "paddr", n: this.number(), pos };
      case "asid_high":
        return { kind: "asid_high", n: this.number(), pos };
      case "period":
      case "budget":
      case "data":
        return { kind: "sc", key, n: this.number(), pos };
      case "trigger": {
        const v = this.ident('"level" or "edge"');
        if (v.text !== "level" && v.text !== "edge") this.fail(v, '"level" or "edge"');
        return { kind: "arm_irq", key: "trigger", n: v.text === "level" ? 0 : 1, pos };
      }
      case "target":
        return { kind: "arm_irq", key: "target", n: this.number(), pos };
      case "irq":
        return { kind: "sgi_irq", n: this.number(), pos };
      case "level":
        return { kind: "level", n: this.number(), pos };
      case "iospace":
        return { kind: "iospace", n: this.number(), pos };
      case "bank":
        return { kind: "bank", n: this.number(), pos };
      default:
        throw new CapdlError(
          `unknown object parameter ${JSON.stringify(key)}`,
          pos,
          "object parameters: N bits, Nk/NM, paddr:, asid_high:, addr: ip: sp: prio: max_prio: affinity: resume: fpu_disabled: dom: fault_ep: init: fill:, trigger: target: irq:",
        );
    }
  }

  object(): KO {
    const type = this.objectType();
    const params: ObjParam[] = [];
    if (this.eatPunct("(")) {
      if (!this.isPunct(")")) {
        params.push(this.objParam());
        while (this.eatPunct(",")) params.push(this.objParam());
      }
      this.punct(")", "separate parameters with commas");
    }
    const decls: (KODecl | NameRef)[] = [];
    if (this.eatPunct("{")) {
      while (!this.isPunct("}")) {
        // Parsec: `try obj_decl` first, then a bare name reference; either may be followed by a comma.
        const m = this.lx.mark();
        const ref = this.qnameOrRef();
        if (this.isPunct("=")) {
          this.lx.reset(m);
          decls.push(this.objDecl());
        } else decls.push(ref);
        this.eatPunct(",");
      }
      this.punct("}");
    }
    return { type, params, decls };
  }

  /** A name reference, or the start of a qualified `a/b/c` name (which only a declaration may have). */
  private qnameOrRef(): NameRef {
    const first = this.nameRef("an object name or declaration");
    while (this.eatPunct("/")) this.nameRef();
    return first;
  }

  objDecl(): KODecl {
    const first = this.nameRef("an object name");
    const qname = [first];
    while (this.eatPunct("/")) qname.push(this.nameRef());
    this.punct("=", "an object is declared as `name = type (params)`");
    return { kind: "decl", qname, obj: this.object(), pos: first.pos };
  }

  objectsSection(): Decl[] {
    this.punct("{");
    const decls: Decl[] = [];
    while (!this.isPunct("}")) decls.push({ kind: "obj", decl: this.objDecl() });
    this.punct("}");
    return decls;
  }

  // --- caps ----------------------------------------------------------------------------------

  rights(): Set<Right> {
    const rs = new Set<Right>();
    for (;;) {
      const t = this.lx.peek();
      if (t.kind !== "ident" || !/^[RWGXP]+$/.test(t.text)) break;
      this.lx.next();
      for (const c of t.text) rs.add(c === "X" ? "G" : (c as Right));
    }
    return rs;
  }

  capParam(): CapParam {
    const t = this.lx.peek();
    const pos = t.pos;
    if (t.kind === "ident" && /^[RWGXP]+$/.test(t.text)) return { kind: "rights", rights: this.rights(), pos };
    const key = this.ident("a cap parameter").text;
    switch (key) {
      case "reply":
        return { kind: "reply", pos };
      case "master_reply":
        return { kind: "master_reply", pos };
      case "cached":
        return { kind: "cached", cached: true, pos };
      case "uncached":
        return { kind: "cached", cached: false, pos };
    }
    this.punct(":", `write ${key}: value`);
    switch (key) {
      case "masked": {
        const rights = this.rights();
        if (rights.size === 0) this.fail(this.lx.peek(), "rights (letters from R W G X P)");
        return { kind: "masked", rights, pos };
      }
      case "guard":
        return { kind: "guard", n: this.number(), pos };
      case "guard_size":
        return { kind: "guard_size", n: this.number(), pos };
      case "badge":
        return { kind: "badge", n: this.number(), pos };
      case "core":
        return { kind: "core", n: this.number(), pos };
      case "asid": {
        this.punct("(", "an ASID is written as a pair: asid: (high, low)");
        const high = this.number();
        this.punct(",");
        const low = this.number();
        this.punct(")");
        return { kind: "asid", high, low, pos };
      }
      case "mapping": {
        this.punct("(", "write mapping: (page_table, slot)");
        const container = this.nameRef();
        this.punct(",");
        const slot = this.slot();
        this.punct(")");
        return { kind: "mapping", container, slot, pos };
      }
      default:
        throw new CapdlError(
          `unknown cap parameter ${JSON.stringify(key)}`,
          pos,
          "cap parameters: rights (RWGXP), masked:, guard:, guard_size:, badge:, core:, reply, master_reply, asid: (hi, lo), cached, uncached, mapping: (pt, slot)",
        );
    }
  }

  capParams(): CapParam[] {
    if (!this.eatPunct("(")) return [];
    const ps = [this.capParam()];
    while (this.eatPunct(",")) ps.push(this.capParam());
    this.punct(")", "separate cap parameters with commas");
    return ps;
  }

  slotRef(): SlotRef {
    const pos = this.lx.peek().pos;
    if (this.eatPunct("(")) {
      const obj = this.nameRef();
      this.punct(",");
      const slot = this.slot();
      this.punct(")");
      return { kind: "ref", obj, slot, pos };
    }
    return { kind: "name", name: this.nameRef("a cap name or (object, slot)"), pos };
  }

  capMapping(): CapMapping {
    const pos = this.lx.peek().pos;
    let slot: number | null = null;
    const t = this.lx.peek();
    if (t.kind === "number" || (t.kind === "ident" && Object.hasOwn(TCB_SLOTS, t.text))) {
      slot = this.slot();
      this.punct(":", "a slot is written `N: cap`");
    }
    let name: NameRef | null = null;
    const m = this.lx.mark();
    if (this.lx.peek().kind === "ident") {
      const n = this.nameRef();
      if (this.eatPunct("=")) name = n;
      else this.lx.reset(m);
    }
    let kind: "cap" | "copy" = "cap";
    let target: NameRef;
    if (this.eatPunct("<")) {
      kind = "copy";
      target = this.nameRef("a cap name");
      this.punct(">");
    } else target = this.nameRef("an object name, <cap_name> or a control cap");
    const params = this.capParams();
    const parent = this.twoWords("-", "child_of") ? this.slotRef() : null;
    return { kind, slot, name, target, params, parent, pos };
  }

  capsSection(): Decl[] {
    this.punct("{");
    const decls: Decl[] = [];
    while (!this.isPunct("}")) {
      const first = this.nameRef("a cap container or a cap name");
      if (this.eatPunct("=")) {
        if (first.ranges.length > 0) this.fail(this.lx.peek(), '"{"', "a cap name has no index");
        this.punct("(", "a cap name is declared as `name = (object, slot)`");
        const target = this.nameRef();
        this.punct(",");
        const slot = this.slot();
        this.punct(")");
        decls.push({ kind: "capName", name: first.name, target, slot, pos: first.pos });
        continue;
      }
      this.punct("{", "a container's caps go in braces: `container { slot: object }`");
      const mappings: CapMapping[] = [];
      while (!this.isPunct("}")) {
        mappings.push(this.capMapping());
        this.eatPunct(";");
      }
      this.punct("}");
      decls.push({ kind: "caps", container: first, mappings, pos: first.pos });
    }
    this.punct("}");
    return decls;
  }

  // --- other sections ------------------------------------------------------------------------

  irqSection(pos: Pos): Decl[] {
    this.punct("{");
    const mappings: { slot: number | null; irq: NameRef; pos: Pos }[] = [];
    while (!this.isPunct("}")) {
      const p = this.lx.peek().pos;
      let slot: number | null = null;
      if (this.lx.peek().kind === "number") {
        slot = this.number();
        this.punct(":");
      }
      mappings.push({ slot, irq: this.nameRef("an irq object"), pos: p });
      this.eatPunct(";");
    }
    this.punct("}");
    return [{ kind: "irqs", mappings, pos }];
  }

  cdtSection(): Decl[] {
    this.punct("{");
    const decls: Decl[] = [];
    while (!this.isPunct("}")) {
      const parent = this.slotRef();
      this.punct("{", "a CDT entry is `(parent, slot) { (child, slot) … }`");
      const children: SlotRef[] = [];
      while (!this.isPunct("}")) {
        children.push(this.slotRef());
        this.eatPunct(";");
      }
      this.punct("}");
      decls.push({ kind: "cdt", parent, children, pos: parent.pos });
    }
    this.punct("}");
    return decls;
  }

  domainsSection(pos: Pos): Decl[] {
    this.punct("{");
    const items: DomainItem[] = [];
    while (!this.isPunct("}")) {
      const t = this.ident("schedule, domain_set_start or index_shift");
      this.punct(":");
      if (t.text === "schedule") {
        this.punct("[");
        const entries: (readonly [number, number])[] = [];
        do {
          if (this.isPunct("]")) break;
          this.punct("(");
          const d = this.number();
          this.punct(",");
          const dur = this.number();
          this.punct(")");
          entries.push([d, dur]);
        } while (this.eatPunct(","));
        if (entries.length === 0) this.fail(this.lx.peek(), '"("');
        this.punct("]");
        items.push({ kind: "schedule", entries, pos: t.pos });
      } else if (t.text === "domain_set_start") {
        if (this.isWord("no_start")) {
          this.lx.next();
          items.push({ kind: "start", start: null, pos: t.pos });
        } else items.push({ kind: "start", start: this.number(), pos: t.pos });
      } else if (t.text === "index_shift") items.push({ kind: "shift", shift: this.number(), pos: t.pos });
      else this.fail(t, "schedule, domain_set_start or index_shift");
    }
    this.punct("}");
    return [{ kind: "domains", items, pos }];
  }

  arch(): Arch {
    this.word("arch", "a capDL file starts with `arch arm11` (or ia32, x86_64, aarch64, riscv)");
    const t = this.lx.next();
    const arch = ARCHES.find((a) => t.kind === "ident" && t.text === a);
    if (arch === undefined)
      this.fail(
        t,
        ARCHES.map((a) => JSON.stringify(a)).join(", "),
        t.text === "aarch32" ? "capDL calls 32-bit ARM `arm11`" : null,
      );
    return arch;
  }

  module(): Module {
    const arch = this.arch();
    const decls: Decl[] = [];
    let sections = 0;
    for (;;) {
      const t = this.lx.peek();
      if (t.kind === "eof" && sections > 0) break;
      if (this.twoWords("irq", "maps")) decls.push(...this.irqSection(t.pos));
      else if (t.kind === "ident" && t.text === "objects") {
        this.lx.next();
        decls.push(...this.objectsSection());
      } else if (t.kind === "ident" && t.text === "caps") {
        this.lx.next();
        decls.push(...this.capsSection());
      } else if (t.kind === "ident" && t.text === "cdt") {
        this.lx.next();
        decls.push(...this.cdtSection());
      } else if (t.kind === "ident" && t.text === "domains") {
        this.lx.next();
        decls.push(...this.domainsSection(t.pos));
      } else
        this.fail(
          t,
          '"objects", "caps", "irq maps", "cdt" or "domains"',
          t.kind === "ident" && t.text === "irq_maps" ? "the section is written `irq maps` (one space)" : null,
        );
      sections++;
    }
    return { arch, decls, dump: false };
  }
}

/** Parse capDL text (either dialect) into a syntax tree; throws CapdlError with line and column. */
export function parseCapdl(text: string, file = ""): Module {
  try {
    const firstLine = text.split("\n", 1)[0] ?? "";
    if (firstLine.startsWith("-- Dump")) return parseDump(new Parser(new Lexer(text)));
    return new Parser(new Lexer(text)).module();
  } catch (e) {
    if (e instanceof CapdlError && file) throw e.withFile(file);
    throw e;
  }
}

// --- the "-- Dump" dialect (DumpParser.hs) -------------------------------------------------

/** Bytes per object that the dump reader uses to merge consecutive objects into arrays and find covers. */
function dumpSize(arch: Arch, o: KO): number {
  const only = o.params.length === 1 ? o.params[0] : undefined;
  switch (o.type) {
    case "frame":
      return only?.kind === "vmsize" ? only.bytes : 0;
    case "ut":
      return only?.kind === "bits" ? 2 ** only.n : 0;
    case "cnode":
      return only?.kind === "bits" ? 16 * 2 ** only.n : 0;
    case "irq":
    case "io_device":
    case "arm_io_device":
      return 1;
    case "ep":
    case "notification":
      return 16;
    case "asid_pool":
    case "io_pt":
      return 4096;
    case "tcb":
      return arch === "ia32" ? 1024 : arch === "arm11" ? 512 : 0;
    case "pd":
      return arch === "ia32" ? 4096 : arch === "arm11" ? 16384 : 0;
    case "pt":
      return arch === "ia32" ? 4096 : arch === "arm11" ? 1024 : 0;
    default:
      return 0;
  }
}

function dumpAddr(name: string): number | null {
  const m = /@0x([0-9a-fA-F]+)/.exec(name);
  return m ? parseInt(m[1] as string, 16) : null;
}

function sameKO(a: KO, b: KO): boolean {
  const strip = (o: KO) =>
    JSON.stringify({ t: o.type, p: o.params.map(({ pos: _pos, ...rest }) => rest), d: o.decls.length });
  return strip(a) === strip(b);
}

function parseDump(p: Parser): Module {
  const arch = p.arch();
  p.word("objects", "a dump has the sections objects, caps and cdt, in that order");
  p.punct("{");
  interface Entry {
    name: string;
    obj: KO;
    pos: Pos;
  }
  const entries: Entry[] = [];
  while (!p.isPunct("}")) {
    const t = p.ident("an object name");
    p.punct("=");
    const type = p.objectType();
    const params: ObjParam[] = [];
    if (p.eatPunct("(")) {
      if (!p.isPunct(")")) {
        params.push(p.objParam());
        while (p.eatPunct(",")) params.push(p.objParam());
      }
      p.punct(")");
    }
    entries.push({ name: t.text, obj: { type, params, decls: [] }, pos: t.pos });
  }
  p.punct("}");
  // Consecutive identical objects at consecutive addresses become one array (maybe_obj_decl).
  const refs = new Map<string, NameRef>();
  const decls: Decl[] = [];
  const untypeds: { ref: string; lo: number; hi: number; covers: Map<string, NameRef> }[] = [];
  const irqs = new Map<number, string>();
  const keyOf = (r: NameRef): string => (r.ranges[0]?.kind === "only" ? `${r.name}[${r.ranges[0].n}]` : r.name);
  const consider = (ref: NameRef, name: string, obj: KO): void => {
    const addr = dumpAddr(name);
    if (name.startsWith("irqhandler@") && addr !== null) irqs.set(addr, name);
    if (addr === null) return;
    const inside = untypeds.filter((u) => addr >= u.lo && addr <= u.hi);
    const bitsOf = (n: string): number => Number(n.split("@")[2]);
    const cover = inside.sort((a, b) => bitsOf(a.ref) - bitsOf(b.ref))[0];
    if (obj.type === "ut")
      untypeds.push({ ref: name, lo: addr, hi: addr + dumpSize(arch, obj) - 1, covers: new Map() });
    if (cover) cover.covers.set(keyOf(ref), ref);
  };
  for (let i = 0; i < entries.length;) {
    const e = entries[i] as Entry;
    const base = dumpAddr(e.name);
    let n = 1;
    while (i + n < entries.length) {
      const next = entries[i + n] as Entry;
      const a = dumpAddr(next.name);
      if (base === null || a === null || !sameKO(e.obj, next.obj) || base + n * dumpSize(arch, e.obj) !== a) break;
      n++;
    }
    const members = entries.slice(i, i + n);
    members.forEach((m, k) => {
      const ref: NameRef =
        n === 1
          ? { name: e.name, ranges: [], pos: m.pos }
          : { name: e.name, ranges: [{ kind: "only", n: k }], pos: m.pos };
      refs.set(m.name, ref);
    });
    // The tool records the later members before the first one (its recursion unwinds that way).
    for (const m of [...members.slice(1), members[0] as Entry]) consider(refs.get(m.name) as NameRef, m.name, m.obj);
    decls.push({
      kind: "obj",
      decl: {
        kind: "decl",
        qname: [{ name: e.name, ranges: n === 1 ? [] : [{ kind: "only", n }], pos: e.pos }],
        obj: e.obj,
        pos: e.pos,
      },
    });
    i += n;
  }
  // The tool keeps covers in sets, so both the untypeds and their children come out sorted.
  const order = (a: NameRef, b: NameRef): number => compareObjID(idOfRef(a), idOfRef(b));
  for (const u of untypeds
    .map((x) => ({ ref: refs.get(x.ref) as NameRef, covers: x.covers }))
    .sort((a, b) => order(a.ref, b.ref)))
    if (u.covers.size > 0)
      decls.push({
        kind: "obj",
        decl: {
          kind: "decl",
          qname: [u.ref],
          obj: { type: "ut", params: [], decls: [...u.covers.values()].sort(order) },
          pos: u.ref.pos,
        },
      });
  const lookup = (t: Token & { kind: "ident" }): NameRef => {
    const r = refs.get(t.text);
    return r ? { ...r, pos: t.pos } : { name: t.text, ranges: [], pos: t.pos };
  };
  p.word("caps", "a dump has the sections objects, caps and cdt, in that order");
  p.punct("{");
  while (!p.isPunct("}")) {
    const c = p.ident("a cap container");
    p.punct("{");
    const mappings: CapMapping[] = [];
    while (!p.isPunct("}")) {
      const pos = p.lx.peek().pos;
      let slot: number | null = null;
      const t = p.lx.peek();
      if (t.kind === "number" || (t.kind === "ident" && Object.hasOwn(TCB_SLOTS, t.text))) {
        slot = p.slot();
        p.punct(":");
      }
      const target = lookup(p.ident("an object name"));
      const params = p.capParams();
      const parent = p.twoWords("-", "child_of") ? p.slotRef() : null;
      mappings.push({ kind: "cap", slot, name: null, target, params, parent, pos });
      p.eatPunct(";");
    }
    p.punct("}");
    decls.push({ kind: "caps", container: lookup(c), mappings, pos: c.pos });
  }
  p.punct("}");
  p.word("cdt", "a dump must end with a cdt section");
  decls.push(...p.cdtSection());
  const eof = p.lx.next();
  if (eof.kind !== "eof") p.fail(eof, "end of input");
  const irqMappings = [...irqs.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([slot, name]) => ({ slot, irq: refs.get(name) as NameRef, pos: (refs.get(name) as NameRef).pos }));
  decls.push({ kind: "irqs", mappings: irqMappings, pos: { line: 1, column: 1 } });
  return { arch, decls, dump: true };
}
