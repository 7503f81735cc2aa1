import { expect } from "chai";
import fc from "fast-check";
import { pptr, type PhysAddr } from "../../../src/model/addresses.ts";
import type { VMRights } from "../../../src/model/caps.ts";
import { decodePDE, decodePTE, encodePDE, encodePTE, type PDE } from "../../../src/arch/aarch32/entries.ts";

const rights = fc.constantFrom<VMRights>("VMNoAccess", "VMKernelOnly", "VMReadOnly", "VMReadWrite");
const attrs = fc.record({
  cacheable: fc.boolean(),
  parityEnabled: fc.boolean(),
  executeNever: fc.boolean(),
});
const aligned = (bits: number) => fc.nat({ max: 2 ** (32 - bits) - 1 }).map((n) => (n * 2 ** bits) as PhysAddr);

describe("the entry model: ARMv7 short descriptors", () => {
  it("a directory entry survives encode then decode (tables, sections, supersections)", () => {
    const pde: fc.Arbitrary<PDE> = fc.oneof(
      fc.record({
        kind: fc.constant("Table" as const),
        paddr: aligned(10).map((p) => pptr(p, "PageTable")),
        parityEnabled: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("Page" as const),
        size: fc.constant("Section" as const),
        paddr: aligned(20),
        rights,
        attributes: attrs,
        global: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant("Page" as const),
        size: fc.constant("SuperSection" as const),
        paddr: aligned(24),
        rights,
        attributes: attrs,
        global: fc.boolean(),
      }),
    );
    fc.assert(
      fc.property(pde, (e) => {
        expect(decodePDE(encodePDE(e))).to.deep.equal(e);
      }),
    );
  });

  it("a page-table entry survives encode then decode, except the parity bit PTEs do not have", () => {
    const pte = fc.record({
      kind: fc.constant("Page" as const),
      size: fc.constantFrom("SmallPage" as const, "LargePage" as const),
      paddr: fc.oneof(aligned(16)),
      rights,
      attributes: attrs,
      global: fc.boolean(),
    });
    fc.assert(
      fc.property(pte, (e) => {
        expect(decodePTE(encodePTE(e))).to.deep.equal({
          ...e,
          attributes: { ...e.attributes, parityEnabled: false },
        });
      }),
    );
  });

  it("decodes every word to exactly one kind, and re-encodes valid words it produced itself", () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (w) => {
        const pde = decodePDE(w);
        const pte = decodePTE(w);
        expect(["Invalid", "Table", "Page"]).to.include(pde.kind);
        expect(["Invalid", "Page"]).to.include(pte.kind);
        expect(decodePDE(encodePDE(pde))).to.deep.equal(pde);
        expect(decodePTE(encodePTE(pte))).to.deep.equal(pte);
      }),
    );
  });

  it("matches seL4's layout for a user section: AP, TEX/B, nG, XN, P", () => {
    const w = encodePDE({
      kind: "Page",
      size: "Section",
      paddr: 0x10000000 as PhysAddr,
      rights: "VMReadWrite",
      attributes: { cacheable: true, parityEnabled: true, executeNever: true },
      global: false,
    });
    expect(w & 3).to.equal(2); // section
    expect((w >>> 10) & 3).to.equal(3); // AP: user read-write
    expect((w >>> 12) & 7).to.equal(5); // TEX 0b101
    expect((w >>> 2) & 1).to.equal(1); // B
    expect((w >>> 17) & 1).to.equal(1); // nG
    expect((w >>> 4) & 1).to.equal(1); // XN
    expect((w >>> 9) & 1).to.equal(1); // P
    expect(decodePTE(0)).to.deep.equal({ kind: "Invalid" });
  });
});
