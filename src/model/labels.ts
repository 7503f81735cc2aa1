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
  // AArch64 only (XML64): the VSpace cache operations, where ARM32 has the PD ones.
  "ARMVSpaceClean_Data",
  "ARMVSpaceInvalidate_Data",
  "ARMVSpaceCleanInvalidate_Data",
  "ARMVSpaceUnify_Instruction",
] as const;

export type InvocationLabel = (typeof INVOCATION_LABELS)[number];

/** Labels with no number in ARM32's 16.0.0 numbering: Remap (10.1.1 only) and AArch64's VSpace operations. */
const NOT_ARM32 = new Set<string>([
  "ARMPageRemap",
  "ARMVSpaceClean_Data",
  "ARMVSpaceInvalidate_Data",
  "ARMVSpaceCleanInvalidate_Data",
  "ARMVSpaceUnify_Instruction",
]);

/** Label numbers of seL4 16.0.0 on ARM32 (non-MCS, no hypervisor, no SMMU), -1 for labels ARM32 lacks. */
export const LABEL_NUMBERS: Readonly<Record<InvocationLabel, number>> = Object.fromEntries(
  INVOCATION_LABELS.map((l, i) => [l, NOT_ARM32.has(l) ? -1 : i]),
) as Record<InvocationLabel, number>;
