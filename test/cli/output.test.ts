import { expect } from "chai";
import { palette, wantsColour } from "../../src/cli/output.ts";
import { FuzzProgress } from "../../src/cli/progress.ts";

describe("CLI output conventions (in process)", () => {
  it("colour only on a TTY, and never when NO_COLOR is set", () => {
    expect(wantsColour({ isTTY: true }, {})).to.equal(true);
    expect(wantsColour({ isTTY: false }, {})).to.equal(false);
    expect(wantsColour({}, {})).to.equal(false);
    expect(wantsColour({ isTTY: true }, { NO_COLOR: "1" })).to.equal(false);
    expect(
      wantsColour({ isTTY: true }, { NO_COLOR: "" }),
      "no-color.org: an empty NO_COLOR does not count",
    ).to.equal(true);
    expect(palette({ isTTY: true }, {}).bad("FAIL")).to.equal(
      "\x1b[31mFAIL\x1b[0m",
    );
    expect(palette({ isTTY: false }, {}).bad("FAIL")).to.equal("FAIL");
  });

  /** Drives a progress display with a clock the test moves. */
  function driven(isTTY: boolean) {
    const written: string[] = [];
    let now = 0;
    const p = new FuzzProgress(
      { isTTY, write: (t: string) => written.push(t) },
      10,
      1024,
      () => now,
    );
    const run = (steps: number, ms: number) => {
      p.startRun();
      for (let i = 0; i < steps; i++) {
        now += ms / steps;
        p.step();
      }
    };
    return { p, written, run };
  }

  it("fuzz progress off a terminal: a plain line every ten seconds, no carriage returns", () => {
    const { p, written, run } = driven(false);
    for (let r = 0; r < 10; r++) run(1024, 4000);
    p.finish();
    expect(written.length).to.be.within(3, 4);
    for (const line of written)
      expect(line).to.match(
        /^capsim fuzz: run \d+ of 10, \d+ of 10240 steps \(\d+%\), \d+ steps\/s\n$/,
      );
    expect(written.join("")).to.not.contain("\r");
  });

  it("fuzz progress on a terminal: one line rewritten in place, cleared at the end", () => {
    const { p, written, run } = driven(true);
    for (let r = 0; r < 10; r++) run(1024, 4000);
    p.finish();
    expect(written.length).to.be.greaterThan(20);
    expect(
      written
        .slice(0, -1)
        .every((w) => w.startsWith("\r") && !w.includes("\n")),
    ).to.equal(true);
    expect(written.at(-1)).to.equal("\r\x1b[K");
  });
});
