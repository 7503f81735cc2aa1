import { z } from "zod";
import { hex } from "../model/addresses.ts";
import { BootError, parseBootOptions, RegionSchema as Region } from "./options.ts";

export { BootError } from "./options.ts";

/**
 * The memory map boot starts from: RAM regions, device regions, where the kernel image sits,
 * and the root task's image. Validated with zod; every problem names the region and why.
 */
export const MemoryMapSchema = z
  .object({
    ram: z.array(Region).min(1, "the memory map needs at least one RAM region"),
    devices: z.array(Region).default([]),
    /** bytes of the kernel image at the start of the first RAM region (physBase); default 1 MiB */
    kernelImageSize: z
      .number()
      .int()
      .positive()
      .default(2 ** 20),
    /** the root task's image: its size in bytes and the virtual address it is linked at */
    userImage: z
      .object({
        size: z.number().int().positive(),
        vbase: z.number().int().nonnegative(),
      })
      .strict()
      .default({ size: 0x10000, vbase: 0x10000 }),
    userTop: z.number().int().positive().default(0xe0000000),
    cnodeSizeBits: z.number().int().min(8).max(20).default(12),
  })
  .strict();

export type MemoryMap = z.output<typeof MemoryMapSchema>;
export type MemoryMapInput = z.input<typeof MemoryMapSchema>;

const PAGE = 4096;

/** Validate a memory map: shape (zod), then alignment, range and overlaps, in that order. */
export function validateMemoryMap(input: MemoryMapInput): MemoryMap {
  return checkMemoryMap(parseBootOptions(MemoryMapSchema, input));
}

/** Regions with the option path each came from (`ram[1]`), for errors. */
export type NamedRegion = { readonly base: number; readonly size: number; readonly where: string };

/**
 * The checks every boot makes of its regions: inside the physical address space (32-bit unless
 * `physBits` says otherwise), and no two overlapping.
 */
export function checkRegions(all: readonly NamedRegion[], physBits = 32): void {
  for (const r of all)
    if (r.base + r.size > 2 ** physBits)
      throw new BootError(
        r.where,
        `${hex(r.base)}+${hex(r.size)} runs past the ${physBits}-bit physical address space`,
      );
  const sorted = [...all].sort((a, b) => a.base - b.base);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (b.base < a.base + a.size)
      throw new BootError(b.where, `overlaps ${a.where} (${hex(a.base)}..${hex(a.base + a.size - 1)})`);
  }
}

/** Every region 4 KiB aligned, inside the physical address space of `physBits` bits, none overlapping. */
export function checkPagedRegions(m: Pick<MemoryMap, "ram" | "devices">, physBits: number): void {
  const all = [
    ...m.ram.map((r, i) => ({ ...r, where: `ram[${i}]` })),
    ...m.devices.map((r, i) => ({ ...r, where: `devices[${i}]` })),
  ];
  for (const r of all)
    if (r.base % PAGE !== 0 || r.size % PAGE !== 0)
      throw new BootError(r.where, `${hex(r.base)}+${hex(r.size)} is not 4 KiB aligned`);
  checkRegions(all, physBits);
}

/** The checks of a memory map that its shape cannot express: alignment, range, overlaps, physBase, USER_TOP. */
export function checkMemoryMap<M extends MemoryMap>(m: M): M {
  checkPagedRegions(m, 32);
  const physBase = Math.min(...m.ram.map((r) => r.base));
  if (physBase % 2 ** 24 !== 0)
    throw new BootError(
      "ram",
      `the first RAM address (physBase) ${hex(physBase)} must be 16 MiB aligned, as seL4 requires for its kernel window`,
    );
  if (m.userTop % 2 ** 24 !== 0 || m.userTop >= 0xfff00000)
    throw new BootError("userTop", `${hex(m.userTop)} must be 16 MiB aligned and below 0xfff00000`);
  const first = m.ram.find((r) => r.base === physBase)!;
  if (m.kernelImageSize > first.size)
    throw new BootError(
      "kernelImageSize",
      `the kernel image (${hex(m.kernelImageSize)} bytes) does not fit in the first RAM region (${hex(first.size)} bytes)`,
    );
  return m;
}
