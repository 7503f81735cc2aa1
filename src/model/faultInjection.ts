/**
 * A test-only switch that deliberately breaks one transition, so that tests can show the
 * invariant checkers and `capsim fuzz` catch a real bug and that its shrunk scenario replays.
 * It is read from the environment (CAPSIM_INJECT_FAULT) so that a `capsim run` in another
 * process replays the same broken build. Never set it outside such a test.
 *
 * Faults:
 * - "unmap-keeps-entry": Page_Unmap clears the cap's record but leaves the page-table entry.
 * - "invoke-throws": every invocation throws, as a bug in capsim would (the CLI's internal-error path).
 */
export type InjectedFault = "unmap-keeps-entry" | "invoke-throws";

let injected: InjectedFault | null = (process.env.CAPSIM_INJECT_FAULT as InjectedFault | undefined) ?? null;

/** Whether this fault is switched on. */
export const faultInjected = (f: InjectedFault): boolean => injected === f;

/** Switch a fault on (or all off with null), for this process. */
export function __setFaultInjection(f: InjectedFault | null): void {
  injected = f;
}
