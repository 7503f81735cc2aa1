/**
 * Invocation labels, by seL4's symbolic names (libsel4's generated `invocation_label` enums).
 * Numbers differ between seL4 releases and configurations, so capsim keys on the names;
 * `LABEL_NUMBERS` gives the numbers of this configuration (seL4 16.0.0, ARM 32-bit, non-MCS,
 * no hypervisor, no SMMU) for display only.
 */
export const INVOCATION_LABELS = [
  "InvalidInvocation",
  "UntypedRetype",
  "TCBReadRegisters",
  "TCBWriteRegisters",
  "TCBCopyRegisters",
  "TCBConfigure",
  "TCBSetPriority",
  "TCBSetMCPriority",
  "TCBSetSchedParams",
  "TCBSetIPCBuffer",
  "TCBSetSpace",
  "TCBSuspend",
  "TCBResume",
  "TCBBindNotification",
  "TCBUnbindNotification",
  "TCBSetTLSBase",
  "TCBSetFlags",
  "CNodeRevoke",
  "CNodeDelete",
  "CNodeCancelBadgedSends",
  "CNodeCopy",
  "CNodeMint",
  "CNodeMove",
  "CNodeMutate",
  "CNodeRotate",
  "CNodeSaveCaller",
  "IRQIssueIRQHandler",
  "IRQAckIRQ",
  "IRQSetIRQHandler",
  "IRQClearIRQHandler",
  "DomainSetSet",
  "DomainScheduleConfigure",
  "DomainScheduleSetStart",
  "ARMPDClean_Data",
  "ARMPDInvalidate_Data",
  "ARMPDCleanInvalidate_Data",
  "ARMPDUnify_Instruction",
  "ARMPageTableMap",
  "ARMPageTableUnmap",
  "ARMPageMap",
  "ARMPageUnmap",
  "ARMPageClean_Data",
  "ARMPageInvalidate_Data",
  "ARMPageCleanInvalidate_Data",
  "ARMPageUnify_Instruction",
  "ARMPageGetAddress",
  "ARMASIDControlMakePool",
  "ARMASIDPoolAssign",
  // seL4 10.x only (legacy API): removed in 11.0.0 when Map took over remapping.
  "ARMPageRemap",
] as const;

export type InvocationLabel = (typeof INVOCATION_LABELS)[number];

/** Label numbers of seL4 16.0.0 on this configuration (ARMPageRemap: its 10.1.1 place is not comparable). */
export const LABEL_NUMBERS: Readonly<Record<InvocationLabel, number>> = Object.fromEntries(
  INVOCATION_LABELS.map((l, i) => [l, l === "ARMPageRemap" ? -1 : i]),
) as Record<InvocationLabel, number>;

export function isInvocationLabel(s: string): s is InvocationLabel {
  return (INVOCATION_LABELS as readonly string[]).includes(s);
}
