import { CapdlError, readCapdl } from "../capdl/index.ts";
import { exportCapdl, exportText } from "../capdl/export.ts";
import { importCapdl, refusalText } from "../capdl/import.ts";
import { replayScenario } from "../scenario/replay.ts";
import type { Ran } from "./session.ts";
import { stateAt } from "./session.ts";

/*
 * capDL in the page, through src/capdl's public API only: the state shown exported as capDL
 * text, and a pasted spec imported by replaying it through the kernel. A refusal (capsim's
 * export or import declining, capDL rejecting the text, seL4 refusing an invocation) is data
 * with the spec line it names, never an exception.
 */

export type ExportOutcome =
  { readonly kind: "text"; readonly text: string } | { readonly kind: "refused"; readonly message: string };

/** The state at timeline position `at` as capDL text, or capsim's reason for not exporting it. */
export function exportAt(ran: Ran, at: number): ExportOutcome {
  try {
    const text = exportText(exportCapdl(stateAt(ran, at), { boot: ran.report.machine, names: ran.report.names }));
    return { kind: "text", text };
  } catch (e) {
    if (e instanceof CapdlError) return { kind: "refused", message: e.message };
    throw e;
  }
}

export type ImportOutcome =
  /** seL4 built the whole spec */
  | {
      readonly kind: "built";
      readonly invocations: number;
      readonly scenario: string;
      readonly notes: readonly string[];
    }
  /** the spec is valid capDL, but an invocation of its replay was refused: the replay stops there */
  | {
      readonly kind: "refused";
      readonly message: string;
      readonly line?: number;
      readonly scenario: string;
      readonly notes: readonly string[];
    }
  /** capDL rejects the text, or capsim cannot replay it: nothing to step through */
  | { readonly kind: "rejected"; readonly message: string; readonly line?: number };

export const PASTED = "pasted.cdl";

/** Read, check and replay a pasted spec; the replay comes back as a scenario's text. */
export function importSpec(text: string): ImportOutcome {
  try {
    const res = importCapdl(readCapdl(text, PASTED));
    const scenario = replayScenario(res, PASTED);
    if (res.refusal === null) return { kind: "built", invocations: res.steps.length, scenario, notes: res.notes };
    return {
      kind: "refused",
      message: refusalText(res, PASTED),
      ...(res.refusal.pos ? { line: res.refusal.pos.line } : {}),
      scenario,
      notes: res.notes,
    };
  } catch (e) {
    // ImportError is a CapdlError: capsim declining an arch, as capDL's own rejection, names its line when it has one
    if (e instanceof CapdlError)
      return { kind: "rejected", message: e.message, ...(e.pos ? { line: e.pos.line } : {}) };
    throw e;
  }
}
