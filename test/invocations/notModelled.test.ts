import { expect } from "chai";
import { getCap, getCTE } from "../../src/kernel/cdt.ts";
import { rootCNodeOf, slotAddress } from "../../src/kernel/cspace.ts";
import { sameObjectAs, sameRegionAs } from "../../src/kernel/regions.ts";
import type { InvokeResult } from "../../src/model/message.ts";
import type { KernelState } from "../../src/model/state.ts";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import { callLibsel4 } from "../../src/invocations/libsel4.ts";
import type { CPtr } from "../../src/model/addresses.ts";
import { bigUntyped, bootTestMachine, call, CNODE, expectError, expectOk, retype, SLOT } from "../helpers/machine.ts";

// seL4 16.0.0: libsel4/include/sel4/bootinfo_types.h (slots), src/kernel/boot.c create_domain_cap,
// src/arch/arm/kernel/boot.c init_irqs, src/object/objecttype.c deriveCap / sameRegionAs /
// decodeInvocation, src/object/cnode.c, src/object/tcb.c, src/object/domain.c, src/object/interrupt.c.

const m = bootTestMachine();
const T = m.initThread;
const cnode = rootCNodeOf(m.state, T) ?? expect.fail("the initial thread has a root CNode");
const capAt = (s: KernelState, i: number) => getCap(s, slotAddress(s, cnode, i));

/** Asserts capsim answered "not modelled" and changed nothing. */
function expectNotModelled(before: KernelState, r: InvokeResult): string {
  if (r.reply.kind !== "notModelled") return expect.fail(`expected "not modelled", got ${JSON.stringify(r.reply)}`);
  expect(r.state).to.equal(before);
  expect(r.reply.why).to.match(/capsim/);
  return r.reply.why;
}

describe("the IRQ control and domain caps boot hands out", () => {
  it("slot 4 holds IRQControl and slot 11 Domain, originals without a parent; 7, 8 and 12-15 are empty", () => {
    expect(getCTE(m.state, slotAddress(m.state, cnode, 4))).to.deep.include({
      cap: { type: "IRQControl" },
      parent: null,
      original: true,
    });
    expect(getCTE(m.state, slotAddress(m.state, cnode, 11))).to.deep.include({
      cap: { type: "Domain" },
      parent: null,
      original: true,
    });
    for (const i of [7, 8, 12, 13, 14, 15]) expect(capAt(m.state, i).type, `slot ${i}`).to.equal("Null");
  });

  it("CNodeCopy of the IRQ control cap is IllegalOperation: it derives to the null cap", () => {
    expectError(m.state, call(m.state, T, CNODE, "CNodeCopy", [200, 32, 4, 32, 0xf], [CNODE]), {
      error: "IllegalOperation",
    });
  });

  it("CNodeCopy of the domain cap succeeds: it derives as itself, and the copy is its child", () => {
    const r = call(m.state, T, CNODE, "CNodeCopy", [201, 32, 11, 32, 0xf], [CNODE]);
    expectOk(r);
    expect(getCTE(r.state, slotAddress(r.state, cnode, 201))).to.deep.include({
      cap: { type: "Domain" },
      parent: slotAddress(r.state, cnode, 11),
      original: false,
    });
  });

  it("CNodeCopy onto slot 4 is DeleteFirst", () => {
    expectError(m.state, call(m.state, T, CNODE, "CNodeCopy", [4, 32, 100, 32, 0xf], [CNODE]), {
      error: "DeleteFirst",
    });
  });

  it("sameRegionAs holds only between caps of the same control kind; an IRQ control cap is never the same object", () => {
    const sizes = DEFAULT_CONFIG.sizes;
    const irq = { type: "IRQControl" } as const;
    const dom = { type: "Domain" } as const;
    expect(sameRegionAs(sizes, irq, irq)).to.equal(true);
    expect(sameRegionAs(sizes, dom, dom)).to.equal(true);
    expect(sameRegionAs(sizes, irq, dom)).to.equal(false);
    expect(sameRegionAs(sizes, dom, { type: "ASIDControl" })).to.equal(false);
    expect(sameObjectAs(sizes, irq, irq)).to.equal(false);
    expect(sameObjectAs(sizes, dom, dom)).to.equal(true);
  });

  it("deleting either cap just empties its slot (finalising them does nothing)", () => {
    const r1 = call(m.state, T, CNODE, "CNodeDelete", [4, 32]);
    expectOk(r1);
    const r2 = call(r1.state, T, CNODE, "CNodeDelete", [11, 32]);
    expectOk(r2);
    const s2 = r2.state;
    expect(capAt(s2, 4).type).to.equal("Null");
    expect(capAt(s2, 11).type).to.equal("Null");
    expect([...s2.objects.keys()]).to.deep.equal([...m.state.objects.keys()]);
  });
});

describe("not modelled: capsim's own answer, distinct from every seL4 error", () => {
  it("IRQControl_Get is not modelled; a label that is not the IRQ control cap's is seL4's IllegalOperation", () => {
    expectNotModelled(
      m.state,
      callLibsel4(m.state, T, "seL4_IRQControl_Get", SLOT.IRQControl as CPtr, {
        irq: 27,
        root: CNODE,
        index: 300,
        depth: 32,
      }),
    );
    expectError(m.state, call(m.state, T, SLOT.IRQControl, "CNodeCopy", []), {
      error: "IllegalOperation",
    });
  });

  it("DomainSet_Set is not modelled; another label on the domain cap is IllegalOperation", () => {
    expectNotModelled(
      m.state,
      callLibsel4(m.state, T, "seL4_DomainSet_Set", SLOT.Domain as CPtr, {
        domain: 0,
        thread: SLOT.InitThreadTCB,
      }),
    );
    expectError(m.state, call(m.state, T, SLOT.Domain, "TCBSuspend", []), {
      error: "IllegalOperation",
    });
  });

  it("TCB invocations other than SetSpace are not modelled; a label that is no TCB invocation is IllegalOperation", () => {
    expectNotModelled(m.state, callLibsel4(m.state, T, "seL4_TCB_Suspend", SLOT.InitThreadTCB as CPtr, {}));
    expectNotModelled(m.state, call(m.state, T, SLOT.InitThreadTCB, "TCBReadRegisters", [0, 0, 1]));
    expectError(m.state, call(m.state, T, SLOT.InitThreadTCB, "CNodeCopy", []), { error: "IllegalOperation" });
  });

  describe("endpoints and notifications", () => {
    const u = bigUntyped(m, 12);
    const s0 = retype(
      { state: retype(m, u, "seL4_EndpointObject", 0, 400), initThread: T },
      u,
      "seL4_NotificationObject",
      0,
      401,
    );
    // 402, 403: copies without the write right (rights word 2 = read only)
    const s1 = call(
      call(s0, T, CNODE, "CNodeCopy", [402, 32, 400, 32, 2], [CNODE]).state,
      T,
      CNODE,
      "CNodeCopy",
      [403, 32, 401, 32, 2],
      [CNODE],
    ).state;

    it("invoking one with the right to send is not modelled (it is IPC)", () => {
      expect(expectNotModelled(s1, call(s1, T, 400, "InvalidInvocation", []))).to.match(/IPC/);
      expectNotModelled(s1, call(s1, T, 401, "InvalidInvocation", []));
    });

    it("without the write right it is seL4's InvalidCapability 0, whatever the label", () => {
      expectError(s1, call(s1, T, 402, "CNodeCopy", []), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      });
      expectError(s1, call(s1, T, 403, "InvalidInvocation", []), {
        error: "InvalidCapability",
        invalidCapNumber: 0,
      });
    });

    it("CNode_CancelBadgedSends on an endpoint cap with every right is not modelled; on any other cap IllegalOperation", () => {
      expectNotModelled(
        s1,
        callLibsel4(s1, T, "seL4_CNode_CancelBadgedSends", CNODE as CPtr, {
          index: 400,
          depth: 32,
        }),
      );
      expectError(
        s1,
        callLibsel4(s1, T, "seL4_CNode_CancelBadgedSends", CNODE as CPtr, {
          index: 402,
          depth: 32,
        }),
        { error: "IllegalOperation" },
      );
      expectError(
        s1,
        callLibsel4(s1, T, "seL4_CNode_CancelBadgedSends", CNODE as CPtr, {
          index: 401,
          depth: 32,
        }),
        { error: "IllegalOperation" },
      );
    });
  });

  it("CNode_SaveCaller into an occupied slot is DeleteFirst (seL4 checks that first); into an empty one it is not modelled", () => {
    expectError(
      m.state,
      callLibsel4(m.state, T, "seL4_CNode_SaveCaller", CNODE as CPtr, {
        index: SLOT.InitThreadTCB,
        depth: 32,
      }),
      { error: "DeleteFirst" },
    );
    expectNotModelled(
      m.state,
      callLibsel4(m.state, T, "seL4_CNode_SaveCaller", CNODE as CPtr, {
        index: 500,
        depth: 32,
      }),
    );
  });
});
