// Preloaded (`node --import`) into a capsim process that a test spawns: every invocation throws,
// as a bug in capsim would, so the test can show an internal error is reported as its own outcome.
import { useFamilyTables } from "../../src/invocations/dispatch.ts";
import { INVOKE_THROWS } from "./faults.ts";

useFamilyTables(INVOKE_THROWS);
