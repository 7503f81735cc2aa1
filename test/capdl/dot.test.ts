import { expect } from "chai";
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { toDot } from "../../src/capdl/dot.ts";
import { readCapdl } from "../../src/capdl/index.ts";

/**
 * The dot drawing folds arrays as the capDL tool's PrintDot.hs does: members of one array with equal
 * slots share a node named after the first; consecutive slots naming members of one array with the
 * same cap parameters are one field and one edge per distinct node reached, from the first slot.
 */

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const EXAMPLES = resolve(repoRoot, "../shared/capdl-examples");

const dotOf = (spec: string): string => toDot(readCapdl(spec));
const lines = (dot: string, needle: string): string[] => dot.split("\n").filter((l) => l.includes(needle));
/** The node declarations of objects whose names start with `prefix`. */
const nodes = (dot: string, prefix: string): string[] =>
  dot.split("\n").filter((l) => l.startsWith(`  "${prefix}`) && l.includes(" [label = "));

const ARRAYS = `arch arm11
objects {
  cn = cnode (4 bits)
  pd = pd
  pts[3] = pt
  frames[4] = frame (4k)
  ut = ut (16 bits) { frames[0..3] }
}
caps {
  cn {
    1: pd
    2: frames[0..3] (RW)
    6: frames[0] (R)
    7: frames[1] (RW)
    8: pts[0..2]
  }
  pd { 0: pts[0] 1: pts[1] 2: pts[2] }
  pts[0] { 0: frames[0] (RW) }
}
`;

describe("capDL dot: arrays", () => {
  const dot = dotOf(ARRAYS);

  it("draws an array whose members have equal slots as one node named after its first member", () => {
    expect(nodes(dot, "frames")).to.deep.equal([`  "frames[0]" [label = "{<Object> frames[0..3] \\n frame (4k)}"];`]);
  });

  it("gives members whose slots differ nodes of their own", () => {
    expect(dot).to.contain(`  "pts[0]" [label = "{<Object> pts[0] \\n pt}|{<a0> 0 | <t0> frames[0]}"];`);
    expect(dot).to.contain(`  "pts[1]" [label = "{<Object> pts[1..2] \\n pt}"];`);
    expect(dot).not.to.contain(`"pts[2]"`);
  });

  it("folds consecutive slots naming one array with the same parameters into one field", () => {
    const cn = lines(dot, `"cn" [label`)[0] ?? "";
    expect(cn).to.contain("|{<a2> 2 - 5 | <t2> frames[0..3]}");
    // Different rights end a run: slot 6 (R) and slot 7 (RW) stay apart.
    expect(cn).to.contain("|{<a6> 6 | <t6> frames[0]}|{<a7> 7 | <t7> frames[1]}");
    expect(cn).to.contain("|{<a8> 8 - 10 | <t8> pts[0..2]}");
    expect(cn).not.to.contain("<a3>");
  });

  it("draws one edge per distinct node a run reaches, from the run's first slot", () => {
    expect(lines(dot, `"cn":"t2"`)).to.deep.equal([`    "cn":"t2":s -> "frames[0]":Object;`]);
    expect(lines(dot, `"cn":"t8"`)).to.deep.equal([
      `    "cn":"t8":s -> "pts[0]":Object;`,
      `    "cn":"t8":s -> "pts[1]":Object;`,
    ]);
    expect(lines(dot, `"pd":"t`)).to.deep.equal([
      `    "pd":"t0":s -> "pts[0]":Object;`,
      `    "pd":"t0":s -> "pts[1]":Object;`,
    ]);
  });

  it("names an array's node once in its untyped's cluster", () => {
    expect(dot).to.contain(`  subgraph "cluster_ut" {{rank = source; "ut" [style = filled];}; "frames[0]";};`);
  });

  it("folds the tool's own example (example-arm.cdl)", () => {
    const ex = toDot(readCapdl(readFileSync(resolve(EXAMPLES, "example-arm.cdl"), "utf8")));
    // 304: test[0], 305: test[1], 306: test[1,2] are one run of four slots over three nodes.
    expect(ex).to.contain("|{<a304> 304 - 307 | <t304> test[0..1, 1..2]}");
    expect(lines(ex, `"rm_cn":"t304"`)).to.deep.equal([
      `    "rm_cn":"t304":s -> "test[0]":Object;`,
      `    "rm_cn":"t304":s -> "test[1]":Object;`,
      `    "rm_cn":"t304":s -> "test[2]":Object;`,
    ]);
    // test[2..] share their slots, test[0] and test[1] differ.
    expect(ex).to.contain(`"test[2]" [label = "{<Object> test[2..4] \\n cnode (8 bits)}`);
    expect(ex).to.contain(`"rm_ut_small[0]" [label = "{<Object> rm_ut_small[0..49] \\n ut (12 bits)}"];`);
    expect(nodes(ex, "frame_nic1")).to.have.length(1);
  });
});

describe("capDL dot: a spec without arrays", () => {
  it("draws one node per object and one edge per cap, consecutive caps to one object included", () => {
    const dot = dotOf(`arch arm11
objects {
  cn = cnode (3 bits)
  ep = ep
  t = tcb
  ut = ut (12 bits) { ep }
}
caps {
  cn { 0: t 1: ep (badge: 5, RW) 2: ep (badge: 5, RW) 3: asid_control }
  t { cspace: cn }
}
`);
    expect(dot).to.equal(
      [
        `digraph "capdl" {`,
        `nodesep = 0.5; ranksep = 3;`,
        `node [shape = record]; edge [minlen = 2];`,
        ``,
        `  "cn" [label = "{<Object> cn \\n cnode (3 bits)}|{<a0> 0 | <t0> t}|{<a1> 1 | <t1> ep}|{<a2> 2 | <t2> ep}|{<a3> 3 | <t3> asid_control}"];`,
        `    "cn":"t0":s -> "t":Object;`,
        `    "cn":"t1":s -> "ep":Object;`,
        `    "cn":"t2":s -> "ep":Object;`,
        `  "ep" [label = "{<Object> ep \\n ep}"];`,
        `  "t" [label = "{<Object> t \\n tcb (dom: 0)}|{<a0> 0 | <t0> cn}"];`,
        `    "t":"t0":s -> "cn":Object;`,
        `  "ut" [label = "{<Object> ut \\n ut (12 bits)}"];`,
        `  subgraph "cluster_ut" {{rank = source; "ut" [style = filled];}; "ep";};`,
        ``,
        `fontsize = 30; labelloc = top; label = "arch arm11";`,
        `}`,
        ``,
      ].join("\n"),
    );
  });
});
