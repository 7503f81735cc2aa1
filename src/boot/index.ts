/** Booting a simulated machine: the minimal boot and seL4's full boot. */
export {
  boot,
  type BootOptions,
  type FullBootInfo,
  type FullyBootedMachine,
} from "./boot.ts";
export {
  bootMinimal,
  type BootedMachine,
  type BootInfo,
  type MinimalBootOptions,
} from "./minimal.ts";
export {
  validateMemoryMap,
  BootError,
  type MemoryMap,
  type MemoryMapInput,
} from "./memoryMap.ts";
export { buildKernelWindow, PPTR_TOP } from "../arch/index.ts";
export { INITIAL_CAP_SLOTS } from "./initialCaps.ts";
