// Preloaded (`node --import`) into a capsim process that a test spawns, so that the command runs
// with the broken Page_Unmap of ./faults.ts: how the fuzz-replay test shows that capsim fuzz
// finds a real bug and that its shrunk scenario, run in another process, replays it.
import { useFamilyTables } from "../../src/invocations/dispatch.ts";
import { UNMAP_KEEPS_ENTRY } from "./faults.ts";

useFamilyTables(UNMAP_KEEPS_ENTRY);
