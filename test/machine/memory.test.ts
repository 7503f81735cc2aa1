import { expect } from "chai";
import fc from "fast-check";
import type { CPtr, PhysAddr, VirtAddr } from "../../src/model/addresses.ts";
import { boot } from "../../src/boot/boot.ts";
import { INITIAL_CAP_SLOTS } from "../../src/boot/initialCaps.ts";
import { callLibsel4 } from "../../src/invocations/libsel4.ts";
import { kernelReadUser, userRead, userWrite } from "../../src/machine/access.ts";
import { kernelRead, kernelWrite, readPhysical } from "../../src/machine/memory.ts";
import { switchToThread } from "../../src/machine/threads.ts";
import type { KernelState } from "../../src/model/state.ts";
import { objectTypeNumber } from "../../src/arch/aarch32/objectTypes.ts";
import { checkAll } from "../../src/testing/invariants.ts";
import { resolve } from "../../src/arch/aarch32/walk.ts";
import { capOf } from "../helpers/caps.ts";

const m = boot({ ram: [{ base: 0, size: 256 * 2 ** 20 }] });
const T = m.initThread;
const C = INITIAL_CAP_SLOTS.InitThreadCNode;
const PD = INITIAL_CAP_SLOTS.InitThreadVSpace;
const ok = (r: ReturnType<typeof callLibsel4>): KernelState => {
  if (r.reply.kind !== "ok") throw new Error(JSON.stringify(r.reply));
  return r.state;
};
const u = m.bootInfo.untyped.start + m.bootInfo.untypedList.findIndex((x) => x.sizeBits >= 22 && !x.isDevice);
const free = m.bootInfo.empty.start;
// A frame (free), a copy (free+1), a page table (free+2), a read-only copy (free+3).
let s = ok(
  callLibsel4(m.state, T, "seL4_Untyped_Retype", u as CPtr, {
    root: C,
    type: objectTypeNumber("seL4_ARM_SmallPageObject"),
    size_bits: 0,
    node_index: 0,
    node_depth: 0,
    node_offset: free,
    num_objects: 1,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_Untyped_Retype", u as CPtr, {
    root: C,
    type: objectTypeNumber("seL4_ARM_PageTableObject"),
    size_bits: 0,
    node_index: 0,
    node_depth: 0,
    node_offset: free + 2,
    num_objects: 1,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_CNode_Copy", C as CPtr, {
    dest_index: free + 1,
    dest_depth: 32,
    src_root: C,
    src_index: free,
    src_depth: 32,
    rights: 15,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_CNode_Copy", C as CPtr, {
    dest_index: free + 3,
    dest_depth: 32,
    src_root: C,
    src_index: free,
    src_depth: 32,
    rights: 2,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_ARM_PageTable_Map", (free + 2) as CPtr, {
    vspace: PD,
    vaddr: 0x40000000,
    attr: 3,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_ARM_Page_Map", free as CPtr, {
    vspace: PD,
    vaddr: 0x40000000,
    rights: 3,
    attr: 3,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_ARM_Page_Map", (free + 1) as CPtr, {
    vspace: PD,
    vaddr: 0x40005000,
    rights: 3,
    attr: 3,
  }),
);
s = ok(
  callLibsel4(s, T, "seL4_ARM_Page_Map", (free + 3) as CPtr, {
    vspace: PD,
    vaddr: 0x40009000,
    rights: 3,
    attr: 3,
  }),
);
s = switchToThread(s, T).state;
const frame = capOf(s, T, free, "Frame").paddr;
const bytes = (...b: number[]) => new Uint8Array(b);

describe("memory: physical, kernel window, and through a thread's address space", () => {
  it("a retyped frame reads as zero; a write through one alias is seen through every alias and by the kernel", () => {
    expect([...readPhysical(s, frame, 4)]).to.deep.equal([0, 0, 0, 0]);
    const w = userWrite(s, 0x40000ffe as VirtAddr, bytes(1, 2, 3, 4));
    expect(w.ok).to.equal(false); // 0x40001000 is not mapped: the second page faults
    const w2 = userWrite(s, 0x40000100 as VirtAddr, bytes(7, 8, 9));
    if (!w2.ok) expect.fail(w2.fault.why);
    const r = userRead(w2.state, 0x40005100 as VirtAddr, 3);
    expect(r.ok && [...r.value]).to.deep.equal([7, 8, 9]);
    expect([...kernelRead(w2.state, (0xe0000000 + frame + 0x100) as VirtAddr, 3)]).to.deep.equal([7, 8, 9]);
    expect([...(kernelReadUser(w2.state, T, 0x40009100 as VirtAddr, 3) ?? [])]).to.deep.equal([7, 8, 9]);
    expect([...readPhysical(s, frame, 4)], "the old state is unchanged").to.deep.equal([0, 0, 0, 0]);
  });

  it("faults say which kind, at which level and address, with ARM's FSR", () => {
    const unmapped = userRead(s, 0x50000000 as VirtAddr, 1);
    expect(!unmapped.ok && unmapped.fault).to.include({
      kind: "translation",
      level: "section",
      fsr: 0x5,
      vaddr: 0x50000000,
    });
    const noPage = userRead(s, 0x40001000 as VirtAddr, 1);
    expect(!noPage.ok && noPage.fault).to.include({
      kind: "translation",
      level: "page",
      fsr: 0x7,
    });
    const readOnly = userWrite(s, 0x40009000 as VirtAddr, bytes(1));
    expect(!readOnly.ok && readOnly.fault).to.include({
      kind: "permission",
      level: "page",
      fsr: 0x80f,
      write: true,
    });
    const kernel = userRead(s, 0xe0000000 as VirtAddr, 1);
    expect(!kernel.ok && kernel.fault).to.include({
      kind: "permission",
      level: "section",
    });
  });

  it("property: a write through any alias is read back through every alias and by the kernel", () => {
    const alias = fc.constantFrom(0x40000000, 0x40005000, 0x40009000);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4092 }),
        fc.array(fc.integer({ min: 0, max: 255 }), {
          minLength: 1,
          maxLength: 4,
        }),
        alias,
        (off, data, readVia) => {
          const w = userWrite(s, (0x40000000 + off) as VirtAddr, new Uint8Array(data));
          if (!w.ok) expect.fail(w.fault.why);
          const r = userRead(w.state, (readVia + off) as VirtAddr, data.length);
          expect(r.ok && [...r.value]).to.deep.equal(data);
          expect([...readPhysical(w.state, (frame + off) as PhysAddr, data.length)]).to.deep.equal(data);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("the kernel writes through its window", () => {
    const k = kernelWrite(s, (0xe0000000 + frame + 8) as VirtAddr, bytes(42));
    const r = userRead(k, 0x40000008 as VirtAddr, 1);
    expect(r.ok && r.value[0]).to.equal(42);
  });

  it("property: after random invocations and switches, an access through the TLB agrees with a fresh table walk", () => {
    const op = fc.oneof(
      fc.record({
        k: fc.constant("map" as const),
        c: fc.constantFrom(free, free + 1, free + 3),
        v: fc.integer({ min: 0, max: 15 }),
      }),
      fc.record({
        k: fc.constant("unmap" as const),
        c: fc.constantFrom(free, free + 1, free + 3),
      }),
      fc.record({
        k: fc.constant("read" as const),
        v: fc.integer({ min: 0, max: 15 }),
      }),
      fc.constant({ k: "switch" as const }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
        let st = s;
        for (const o of ops) {
          if (o.k === "map")
            st = callLibsel4(st, T, "seL4_ARM_Page_Map", o.c as CPtr, {
              vspace: PD,
              vaddr: 0x40000000 + o.v * 0x1000,
              rights: 3,
              attr: 3,
            }).state;
          else if (o.k === "unmap") st = callLibsel4(st, T, "seL4_ARM_Page_Unmap", o.c as CPtr, {}).state;
          else if (o.k === "switch") st = switchToThread(st, T).state;
          else {
            const v = (0x40000000 + o.v * 0x1000 + 4) as VirtAddr;
            const r = userRead(st, v, 1);
            const walk = resolve(st, st.loadedVSpace!.pd, v);
            expect(r.ok).to.equal(walk.mapped);
            st = r.state;
          }
          expect(checkAll(st)).to.deep.equal([]);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("TCB_SetSpace", () => {
  it("sets a thread's roots; a VSpace root without an ASID is IllegalOperation; too few caps is TruncatedMessage", () => {
    let st = ok(
      callLibsel4(s, T, "seL4_Untyped_Retype", u as CPtr, {
        root: C,
        type: objectTypeNumber("seL4_TCBObject"),
        size_bits: 0,
        node_index: 0,
        node_depth: 0,
        node_offset: free + 10,
        num_objects: 1,
      }),
    );
    st = ok(
      callLibsel4(st, T, "seL4_Untyped_Retype", u as CPtr, {
        root: C,
        type: objectTypeNumber("seL4_ARM_PageDirectoryObject"),
        size_bits: 0,
        node_index: 0,
        node_depth: 0,
        node_offset: free + 11,
        num_objects: 1,
      }),
    );
    const bad = callLibsel4(st, T, "seL4_TCB_SetSpace", (free + 10) as CPtr, {
      fault_ep: 0,
      cspace_root: C,
      cspace_root_data: 0,
      vspace_root: free + 11,
      vspace_root_data: 0,
    });
    expect(bad.reply.kind === "error" && bad.reply.error.error).to.equal("IllegalOperation");
    expect(bad.state).to.equal(st);
    const trunc = callLibsel4(st, T, "seL4_TCB_SetSpace", (free + 10) as CPtr, {
      fault_ep: 0,
      cspace_root: C,
    });
    expect(trunc.reply.kind === "error" && trunc.reply.error.error).to.equal("TruncatedMessage");
    const good = callLibsel4(st, T, "seL4_TCB_SetSpace", (free + 10) as CPtr, {
      fault_ep: 0,
      cspace_root: C,
      cspace_root_data: 0,
      vspace_root: PD,
      vspace_root_data: 0,
    });
    st = ok(good);
    const tcb = capOf(st, T, free + 10, "TCB").paddr;
    const switched = switchToThread(st, tcb).state;
    expect(switched.loadedVSpace?.pd).to.equal(s.loadedVSpace?.pd);
    expect(checkAll(switched)).to.deep.equal([]);
  });

  it("a thread whose VSpace has lost its ASID runs on the global page directory and faults on user addresses", () => {
    let st = ok(
      callLibsel4(s, T, "seL4_CNode_Delete", C as CPtr, {
        index: INITIAL_CAP_SLOTS.InitThreadASIDPool,
        depth: 32,
      }),
    );
    st = switchToThread(st, T).state;
    expect(st.loadedVSpace?.pd).to.equal(st.globalPD);
    const r = userRead(st, 0x40000000 as VirtAddr, 1);
    expect(r.ok).to.equal(false);
  });
});
