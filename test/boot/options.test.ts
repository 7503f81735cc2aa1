import { expect } from "chai";
import { DEFAULT_CONFIG } from "../../src/arch/index.ts";
import { boot } from "../../src/boot/boot.ts";
import { bootMinimal } from "../../src/boot/minimal.ts";
import { BootError, validateMemoryMap } from "../../src/boot/memoryMap.ts";
import { checkAll } from "../../src/testing/invariants.ts";

const RAM = [{ base: 0, size: 64 * 2 ** 20 }];

/** The BootError `f` throws: which field it names and what it says. */
function bootErrorOf(f: () => unknown): { where: string; message: string } {
  try {
    f();
  } catch (e) {
    if (!(e instanceof BootError)) return expect.fail(`expected a BootError, got ${String(e)}`);
    return { where: e.where, message: e.message };
  }
  return expect.fail("expected a BootError, boot succeeded");
}

describe("boot options", () => {
  describe("api", () => {
    it("boot and bootMinimal implement the current API unless told otherwise", () => {
      expect(boot({ ram: RAM }).state.config.api).to.equal("current");
      expect(bootMinimal({ ram: RAM }).state.config.api).to.equal("current");
    });

    it("boot with api 'legacy' and the FPU builds the same objects with the legacy API, its caps from 10.1.1's seL4_NumInitialCaps (12)", () => {
      const current = boot({ ram: RAM });
      const legacy = boot({ ram: RAM, api: "legacy", fpu: true });
      expect(legacy.state.config).to.deep.equal({
        ...current.state.config,
        api: "legacy",
      });
      expect([...legacy.state.objects.entries()]).to.deep.equal([...current.state.objects.entries()]);
      const shift = (r: { start: number; end: number }) => ({
        start: r.start - 4,
        end: r.end - 4,
      });
      const c = current.bootInfo;
      expect(legacy.bootInfo).to.deep.equal({
        ...c,
        userImagePaging: shift(c.userImagePaging),
        userImageFrames: shift(c.userImageFrames),
        untyped: shift(c.untyped),
        empty: { start: c.empty.start - 4, end: c.empty.end },
      });
      expect(legacy.bootInfo.userImagePaging.start).to.equal(12);
      expect(checkAll(legacy.state)).to.deep.equal([]);
    });

    it("fpu: TCBs are 2^10 bytes with the FPU and 2^9 without; the default is on for current and off for legacy", () => {
      expect(boot({ ram: RAM }).state.config.sizes.tcbBits).to.equal(10);
      expect(boot({ ram: RAM, fpu: false }).state.config.sizes.tcbBits).to.equal(9);
      expect(boot({ ram: RAM, api: "legacy" }).state.config.sizes.tcbBits).to.equal(9);
      expect(boot({ ram: RAM, api: "legacy", fpu: true }).state.config.sizes.tcbBits).to.equal(10);
      expect(bootMinimal({ ram: RAM }).state.config.sizes.tcbBits).to.equal(10);
      expect(bootMinimal({ ram: RAM, api: "legacy" }).state.config.sizes.tcbBits).to.equal(9);
      expect(bootMinimal({ ram: RAM, fpu: false }).state.config.sizes.tcbBits).to.equal(9);
      // an explicit config's sizes stand, unless fpu says otherwise
      expect(
        bootMinimal({ ram: RAM, config: { ...DEFAULT_CONFIG, api: "legacy" } }).state.config.sizes.tcbBits,
      ).to.equal(10);
      expect(bootMinimal({ ram: RAM, config: DEFAULT_CONFIG, fpu: false }).state.config.sizes.tcbBits).to.equal(9);
      const noFPU = boot({ ram: RAM, fpu: false });
      expect(noFPU.state.config.sizes).to.deep.equal({
        ...DEFAULT_CONFIG.sizes,
        tcbBits: 9,
      });
      expect(checkAll(noFPU.state)).to.deep.equal([]);
    });

    it("bootMinimal's api replaces the api of the config it is given", () => {
      expect(bootMinimal({ ram: RAM, api: "legacy" }).state.config.api).to.equal("legacy");
      const legacyConfig = { ...DEFAULT_CONFIG, api: "legacy" as const };
      expect(bootMinimal({ ram: RAM, config: legacyConfig }).state.config.api).to.equal("legacy");
      expect(bootMinimal({ ram: RAM, config: legacyConfig, api: "current" }).state.config.api).to.equal("current");
    });
  });

  describe("validation errors name the field", () => {
    const cases: [string, () => unknown, string, RegExp][] = [
      [
        "boot: an unknown API generation",
        () => boot({ ram: RAM, api: "newest" as "current" }),
        "api",
        /expected one of "current"\|"legacy"/,
      ],
      [
        "boot: a misspelt option",
        () => boot({ ram: RAM, apii: "legacy" } as Parameters<typeof boot>[0]),
        "apii",
        /Unrecognized key/,
      ],
      [
        "boot: a region's size",
        () => boot({ ram: [{ base: 0, size: -1 }] }),
        "ram[0].size",
        /expected number to be >0/,
      ],
      [
        "boot: a nested unknown key",
        () =>
          boot({
            ram: RAM,
            userImage: { size: 0x1000, vbase: 0, entry: 0 } as {
              size: number;
              vbase: number;
            },
          }),
        "userImage.entry",
        /Unrecognized key/,
      ],
      ["bootMinimal: no RAM", () => bootMinimal({ ram: [] }), "ram", /no RAM region/],
      [
        "bootMinimal: a CNode too small for the well-known slots",
        () => bootMinimal({ ram: RAM, cnodeSizeBits: 3 }),
        "cnodeSizeBits",
        /16 well-known slots/,
      ],
      [
        "bootMinimal: a CNode beyond seL4's bound",
        () => bootMinimal({ ram: RAM, cnodeSizeBits: 28 }),
        "cnodeSizeBits",
        /CONFIG_ROOT_CNODE_SIZE_BITS/,
      ],
      [
        "bootMinimal: a fractional CNode size",
        () => bootMinimal({ ram: RAM, cnodeSizeBits: 12.5 }),
        "cnodeSizeBits",
        /expected int/,
      ],
      [
        "bootMinimal: an empty second region",
        () => bootMinimal({ ram: [...RAM, { base: 2 ** 28, size: 0 }] }),
        "ram[1].size",
        /expected number to be >0/,
      ],
      [
        "bootMinimal: an unknown API generation",
        () => bootMinimal({ ram: RAM, api: "old" as "legacy" }),
        "api",
        /expected one of/,
      ],
      [
        "bootMinimal: a config missing a size",
        () =>
          bootMinimal({
            ram: RAM,
            config: {
              ...DEFAULT_CONFIG,
              sizes: {
                ...DEFAULT_CONFIG.sizes,
                tcbBits: "9" as unknown as number,
              },
            },
          }),
        "config.sizes.tcbBits",
        /expected number/,
      ],
      [
        "bootMinimal: a config for another architecture",
        () =>
          bootMinimal({
            ram: RAM,
            config: { ...DEFAULT_CONFIG, arch: "riscv64" as "aarch32" },
          }),
        "config.arch",
        /aarch32/,
      ],
      [
        "bootMinimal: a region of size Infinity (it never returned)",
        () => bootMinimal({ ram: [{ base: 0, size: Infinity }] }),
        "ram[0].size",
        /expected number/,
      ],
      [
        "bootMinimal: two identical regions",
        () => bootMinimal({ ram: [...RAM, ...RAM] }),
        "ram[1]",
        /overlaps ram\[0\]/,
      ],
      [
        "bootMinimal: overlapping regions",
        () =>
          bootMinimal({
            ram: [
              { base: 0x100000, size: 2 ** 26 },
              { base: 0, size: 2 ** 21 },
            ],
          }),
        "ram[0]",
        /overlaps ram\[1\]/,
      ],
      [
        "bootMinimal: a region at 2^32",
        () => bootMinimal({ ram: [{ base: 2 ** 32, size: 2 ** 20 }] }),
        "ram[0]",
        /past the 32-bit physical address space/,
      ],
      [
        "bootMinimal: 1 TiB of RAM",
        () => bootMinimal({ ram: [{ base: 0, size: 2 ** 40 }] }),
        "ram[0]",
        /past the 32-bit physical address space/,
      ],
      [
        "validateMemoryMap: a region's base",
        () => validateMemoryMap({ ram: [{ base: -4096, size: 4096 }] }),
        "ram[0].base",
        /expected number to be >=0/,
      ],
    ];
    for (const [label, f, where, why] of cases) {
      it(label, () => {
        const e = bootErrorOf(f);
        expect(e.where).to.equal(where);
        expect(e.message).to.match(new RegExp(`^boot: ${where.replace(/[[\].]/g, "\\$&")}: `));
        expect(e.message).to.match(why);
      });
    }
  });
});
