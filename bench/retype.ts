/**
 * A driver for A/B work on one invocation: the benchmark's ARM32 world (bench/world.ts) at one
 * size, then one operation called in batches. Prints the median ns per call over the batches and
 * the CPU time per call (steadier than wall time on a shared machine).
 *
 *   node --import tsx bench/retype.ts [n=1000] [op=retype|map|copy|delete|ptmap] [batches=400]
 */
import type { CPtr } from "../src/model/addresses.ts";
import { INITIAL_CAP_SLOTS } from "../src/boot/initialCaps.ts";
import { invoke } from "../src/invocations/dispatch.ts";
import type { InvocationLabel } from "../src/model/labels.ts";
import type { KernelState } from "../src/model/state.ts";
import { objectTypeNumber } from "../src/arch/aarch32/objectTypes.ts";
import { buildWorld } from "./world.ts";

const CNODE = INITIAL_CAP_SLOTS.InitThreadCNode;
const PD = INITIAL_CAP_SLOTS.InitThreadVSpace;
const BATCH = 32;

const n = Number(process.argv[2] ?? 1000);
const opName = process.argv[3] ?? "retype";
const batches = Number(process.argv[4] ?? 400);
const w = buildWorld(n);
const message = (label: InvocationLabel, args: number[], extra: number[] = []) => ({
  label,
  args,
  extraCaps: extra as CPtr[],
});
const copyMsg = message("CNodeCopy", [w.freeSlot, 32, w.frame, 32, 15], [CNODE]);
const copied = invoke(w.unmapped, w.T, CNODE as CPtr, copyMsg).state;
const calls: Record<string, [KernelState, number, ReturnType<typeof message>]> = {
  retype: [
    w.unmapped,
    w.big,
    message("UntypedRetype", [objectTypeNumber("seL4_ARM_SmallPageObject"), 0, 0, 0, w.freeSlot, 1], [CNODE]),
  ],
  map: [w.unmapped, w.spareFrame, message("ARMPageMap", [w.spareVaddr, 3, 3], [PD])],
  copy: [w.unmapped, CNODE, copyMsg],
  delete: [copied, CNODE, message("CNodeDelete", [w.freeSlot, 32])],
  ptmap: [w.unmapped, w.sparePT, message("ARMPageTableMap", [0xd8000000, 3], [PD])],
};
const call = calls[opName];
if (call === undefined) throw new Error(`unknown op ${opName}`);
const [state, cptr, msg] = call;
const first = invoke(state, w.T, cptr as CPtr, msg);
if (first.reply.kind !== "ok") throw new Error(`${opName} does not succeed: ${JSON.stringify(first.reply)}`);

function run(count: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < count; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) invoke(state, w.T, cptr as CPtr, msg);
    out.push(Number(process.hrtime.bigint() - t0) / BATCH);
  }
  return out;
}
run(Math.max(50, batches / 4));
const cpu0 = process.cpuUsage();
const times = run(batches).sort((a, b) => a - b);
const cpu = process.cpuUsage(cpu0);
const mean = times.reduce((a, b) => a + b, 0) / times.length;
const cpuNs = ((cpu.user + cpu.system) * 1000) / (batches * BATCH);
console.log(
  `${opName} n=${n}: median ${Math.round(times[times.length >> 1] as number)} ns, mean ${Math.round(mean)} ns, cpu ${Math.round(cpuNs)} ns per call`,
);
