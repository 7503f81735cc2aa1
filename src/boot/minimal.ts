import { z } from "zod";
import { seL4_NumInitialCaps } from "../model/constants.ts";
import { emptyKernelState, type ApiGeneration, type ArchName, type MachineConfig } from "../model/state.ts";
import {
  AARCH64_LEGACY_REFUSAL,
  AARCH64_PADDR_USER_DEVICE_TOP,
  buildConfig,
  DEFAULT_CONFIG,
  DEFAULT_CONFIGS,
} from "../arch/index.ts";
import { BootError } from "./memoryMap.ts";
import type { BootedMachine } from "./bootInfo.ts";
import { ApiGenerationSchema, MachineConfigSchema, parseBootOptions, RegionSchema } from "./options.ts";
import { createRootserver, listRAMRegions } from "./rootserver.ts";
import { checkRegions } from "./memoryMap.ts";

export type { BootedMachine, BootInfo, SlotRegion } from "./bootInfo.ts";

/** A region of physical RAM: [base, base + size). */
export interface RamRegion {
  readonly base: number;
  readonly size: number;
}

/** What boot needs to know about the machine. */
export interface MinimalBootOptions {
  readonly ram: readonly RamRegion[];
  /** the architecture, when no `config` is given: ARM32 (the default) or AArch64 with its default configuration */
  readonly arch?: ArchName;
  readonly config?: MachineConfig;
  /** log2 of the initial CNode's slot count (CONFIG_ROOT_CNODE_SIZE_BITS, default 12) */
  readonly cnodeSizeBits?: number;
  /** the API generation the kernel implements; replaces `config.api` when given */
  readonly api?: ApiGeneration;
  /**
   * CONFIG_HAVE_FPU (2^10-byte TCBs with it, 2^9 without); replaces `config.sizes.tcbBits` when
   * given. Without a config, the default is the API generation's default build (on for current).
   */
  readonly fpu?: boolean;
}

/**
 * The minimal boot's options. Its RAM regions need no alignment: it builds no kernel window.
 * The CNode must hold seL4's well-known slots, and stay below seL4's bound on
 * CONFIG_ROOT_CNODE_SIZE_BITS (under wordBits - slotBits).
 */
const MinimalBootOptionsSchema = z
  .object({
    ram: z.array(RegionSchema).min(1, "the memory map has no RAM region"),
    arch: z.enum(["aarch32", "aarch64"]).optional(),
    config: MachineConfigSchema.optional(),
    cnodeSizeBits: z
      .number()
      .int()
      .min(Math.log2(seL4_NumInitialCaps), `the initial CNode must hold the ${seL4_NumInitialCaps} well-known slots`)
      .max(
        DEFAULT_CONFIG.sizes.wordBits - DEFAULT_CONFIG.sizes.slotBits - 1,
        "seL4 requires CONFIG_ROOT_CNODE_SIZE_BITS < wordBits - slotBits",
      )
      .default(12),
    api: ApiGenerationSchema.optional(),
    fpu: z.boolean().optional(),
  })
  .strict();

/**
 * A minimal boot: carve the initial thread's objects (CNode, page directory with ASID 1 in the
 * initial ASID pool, TCB) out of RAM, give the rest of RAM to untypeds split as seL4 splits
 * them, and hand the initial thread its caps in seL4's well-known slots. It builds the root
 * server as the full boot does (src/boot/rootserver.ts), without a kernel window or an image.
 */
export function bootMinimal(opts: MinimalBootOptions): BootedMachine {
  const o = parseBootOptions(MinimalBootOptionsSchema, opts);
  const arch = o.config?.arch ?? o.arch ?? "aarch32";
  if (o.config !== undefined && o.arch !== undefined && o.arch !== o.config.arch)
    throw new BootError("arch", `arch is ${o.arch} but config.arch is ${o.config.arch}`);
  // Overlapping regions would hand out the same memory twice; a region past the physical
  // address space (2^32 on ARM32, 2^40 on AArch64) is memory the kernel cannot address.
  const physBits = arch === "aarch64" ? Math.log2(AARCH64_PADDR_USER_DEVICE_TOP) : 32;
  checkRegions(
    o.ram.map((r, i) => ({ ...r, where: `ram[${i}]` })),
    physBits,
  );
  const kernel = emptyKernelState(arch === "aarch64" ? aarch64Config(o) : aarch32Config(o));
  // No kernel window, so no window limit and no reserved set: all RAM is free, and there are no device untypeds.
  const { state, initThread, bootInfo } = createRootserver(kernel, {
    cnodeSizeBits: o.cnodeSizeBits,
    image: null,
    deviceRegions: [],
    bootMemReuse: [0, 0],
    free: listRAMRegions(o.ram),
  });
  const { empty, untyped, untypedList, initThreadCNodeSizeBits } = bootInfo;
  return {
    state,
    initThread,
    bootInfo: { empty, untyped, untypedList, initThreadCNodeSizeBits },
  };
}

type ParsedMinimalOptions = z.output<typeof MinimalBootOptionsSchema>;

/** ARM32's configuration: an explicit config's sizes stand as given unless `fpu` says otherwise. */
function aarch32Config(o: ParsedMinimalOptions): MachineConfig {
  const base = o.config ?? buildConfig(o.api !== undefined ? { api: o.api } : {});
  const api = o.api ?? base.api;
  const tcbBits = o.fpu === undefined ? base.sizes.tcbBits : buildConfig({ api, fpu: o.fpu }).sizes.tcbBits;
  return { ...base, api, sizes: { ...base.sizes, tcbBits } };
}

/** AArch64's configuration: seL4 16.0.0 only, and the FPU changes no size there (as boot() says). */
function aarch64Config(o: ParsedMinimalOptions): MachineConfig {
  const config = o.config ?? DEFAULT_CONFIGS.aarch64;
  if ((o.api ?? config.api) === "legacy") throw new BootError("api", AARCH64_LEGACY_REFUSAL);
  if (o.fpu !== undefined)
    throw new BootError("fpu", "on aarch64 the FPU does not change any object size (seL4_TCBBits is 11 either way)");
  return config;
}
