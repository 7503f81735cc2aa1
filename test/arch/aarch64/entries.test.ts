import { expect } from "chai";
import fc from "fast-check";
import { pptr, type PhysAddr } from "../../../src/model/addresses.ts";
import type { PTEWord } from "../../../src/model/objects.ts";
import { decodePTE, encodePTE, type Level, type PTE } from "../../../src/arch/aarch64/entries.ts";
import type { Aarch64FrameSize, VMRights } from "../../../src/model/caps.ts";

/**
 * The descriptor codec against a reference written directly in bigint from the VMSAv8-64 layout
 * (seL4 structures.bf, vspace.c makeUserPagePTE): [1:0] type, [4:2] AttrIndx, [7:6] AP, 10 AF,
 * 11 nG, [47:12] address, 54 UXN, 58 the 4 KiB-page tag.
 */
const AP: Record<string, bigint> = {
  VMReadWrite: 1n,
  VMReadOnly: 3n,
  VMKernelOnly: 0n,
};
function reference(e: PTE): bigint {
  if (e.kind === "Invalid") return 0n;
  const addr = BigInt(e.paddr) & 0x0000_ffff_ffff_f000n;
  if (e.kind === "Table") return addr | 3n;
  const type = e.size === "SmallPage" ? 3n : 1n;
  return (
    addr |
    type |
    ((e.attributes.cacheable ? 4n : 0n) << 2n) |
    ((AP[e.rights] ?? 0n) << 6n) |
    (1n << 10n) |
    (e.global ? 0n : 1n << 11n) |
    (e.attributes.executeNever ? 1n << 54n : 0n) |
    (e.size === "SmallPage" ? 1n << 58n : 0n)
  );
}

const LEVEL_OF: Record<Aarch64FrameSize, Level> = {
  SmallPage: 3,
  LargePage: 2,
  HugePage: 1,
};
const BITS: Record<Aarch64FrameSize, number> = {
  SmallPage: 12,
  LargePage: 21,
  HugePage: 30,
};
const pageArb = fc
  .record({
    size: fc.constantFrom<Aarch64FrameSize>("SmallPage", "LargePage", "HugePage"),
    frame: fc.integer({ min: 0, max: 2 ** 36 - 1 }),
    rights: fc.constantFrom<VMRights>("VMReadWrite", "VMReadOnly", "VMKernelOnly"),
    cacheable: fc.boolean(),
    executeNever: fc.boolean(),
    global: fc.boolean(),
  })
  .map(({ size, frame, rights, cacheable, executeNever, global }) => {
    const paddr = (frame * 4096 - ((frame * 4096) % 2 ** BITS[size])) as PhysAddr;
    const e: PTE = {
      kind: "Page",
      size,
      paddr,
      rights,
      attributes: { cacheable, executeNever },
      global,
    };
    return e;
  });

describe("aarch64: descriptor codec", () => {
  it("encodes pages and blocks bit for bit as the bigint reference, and decodes them back at their level", () => {
    fc.assert(
      fc.property(pageArb, (e) => {
        if (e.kind !== "Page") return;
        const w = encodePTE(e);
        expect(w).to.equal(reference(e));
        expect(decodePTE(w, LEVEL_OF[e.size])).to.deep.equal(e);
      }),
      { numRuns: 2000 },
    );
  });

  it("encodes tables for addresses up to 2^48 exactly, and decodes them at levels 0-2 only", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 36 - 1 }), fc.constantFrom<Level>(0, 1, 2), (n, level) => {
        const e: PTE = { kind: "Table", paddr: pptr((n * 4096) as PhysAddr, "PageTable") };
        const w = encodePTE(e);
        expect(w).to.equal(reference(e));
        expect(decodePTE(w, level)).to.deep.equal(e);
        expect(decodePTE(w, 3).kind).to.equal("Invalid");
      }),
    );
  });

  it("a user 4 KiB page: the word seL4 writes (RW, cacheable, executable) has the high address bits and bit 58", () => {
    const w = encodePTE({
      kind: "Page",
      size: "SmallPage",
      paddr: 0xffff_ffff_f000 as PhysAddr,
      rights: "VMReadWrite",
      attributes: { cacheable: true, executeNever: true },
      global: false,
    });
    expect(w).to.equal(0x0440_ffff_ffff_f000n | 0xc53n);
  });

  it("reads a block at level 0, a block at level 3 and the reserved type as invalid", () => {
    const block = encodePTE({
      kind: "Page",
      size: "LargePage",
      paddr: 0x200000 as PhysAddr,
      rights: "VMReadWrite",
      attributes: { cacheable: true, executeNever: false },
      global: false,
    });
    expect(decodePTE(block, 0).kind).to.equal("Invalid");
    expect(decodePTE(block, 3).kind).to.equal("Invalid");
    expect(decodePTE(2n as PTEWord, 1).kind).to.equal("Invalid");
    expect(decodePTE(0n as PTEWord, 2).kind).to.equal("Invalid");
  });

  it("AP 2 reads as kernel-only (vmRightsFromPTE)", () => {
    const w = (encodePTE({
      kind: "Page",
      size: "SmallPage",
      paddr: 0x1000 as PhysAddr,
      rights: "VMKernelOnly",
      attributes: { cacheable: true, executeNever: false },
      global: false,
    }) |
      (2n << 6n)) as PTEWord;
    const e = decodePTE(w, 3);
    expect(e.kind === "Page" && e.rights).to.equal("VMKernelOnly");
  });
});
