import { illegalOperation, invalidCapability, notModelled, type DecodeError } from "../model/errors.ts";
import { err, type Result } from "../model/result.ts";
import type { DomainCap, EndpointCap, IRQControlCap, NotificationCap } from "../model/caps.ts";
import type { InvocationLabel } from "../model/labels.ts";
import type { DecodeContext } from "../model/message.ts";

/**
 * The decoders of caps capsim holds but whose invocations it does not model. Each runs the checks
 * seL4 makes before it would act (a label that is not the cap's own is seL4's IllegalOperation; an
 * endpoint without the right to send is seL4's InvalidCapability), and then answers capsim's
 * "not modelled" instead of guessing what seL4 would do. None ever succeeds, so there is no perform.
 */
type Refusal = Result<never, DecodeError>;

/** seL4's decodeIRQControlInvocation: IRQIssueIRQHandler is its one generic label; anything else is IllegalOperation. */
export function decodeIRQControlInvocation(ctx: DecodeContext<IRQControlCap>): Refusal {
  // ARM's own IRQ control label (ARMIRQIssueIRQHandlerTrigger) is not in capsim's label list, so it cannot arrive here.
  ctx.checks?.push("invocation label");
  if (ctx.label !== "IRQIssueIRQHandler")
    return err(illegalOperation(`${ctx.label} is not an invocation of the IRQ control cap`));
  return err(notModelled("capsim does not model interrupts: IRQControl_Get would make an IRQ handler cap"));
}

const DOMAIN_LABELS: readonly InvocationLabel[] = ["DomainSetSet", "DomainScheduleConfigure", "DomainScheduleSetStart"];

/** seL4's decodeDomainInvocation: its three labels, else IllegalOperation. */
export function decodeDomainInvocation(ctx: DecodeContext<DomainCap>): Refusal {
  ctx.checks?.push("invocation label");
  if (!DOMAIN_LABELS.includes(ctx.label))
    return err(illegalOperation(`${ctx.label} is not an invocation of the domain cap`));
  return err(notModelled(`capsim does not model scheduling domains (${ctx.label})`));
}

/**
 * seL4's decodeInvocation for endpoint and notification caps: without the right to send it is
 * InvalidCapability 0 whatever the label; otherwise the call is a send or signal, which capsim
 * does not model (it has no threads that could receive).
 */
export function decodeEndpointLikeInvocation(ctx: DecodeContext<EndpointCap | NotificationCap>): Refusal {
  const what = ctx.cap.type === "Endpoint" ? "endpoint" : "notification";
  ctx.checks?.push("the cap has the write (send) right");
  if (!ctx.cap.rights.write)
    return err(invalidCapability(0, `the ${what} cap has no write (send) right, so it cannot be invoked`));
  return err(
    notModelled(
      ctx.cap.type === "Endpoint"
        ? "capsim does not model IPC: invoking an endpoint cap sends a message on it"
        : "capsim does not model IPC: invoking a notification cap signals it",
    ),
  );
}
