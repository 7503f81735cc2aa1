/**
 * Scenario steps the teaching tests share: a page directory with an ASID from a new pool, a page
 * table and a frame mapped through it at 0x10000000 with `rights`, then the directory deleted, so
 * the table is orphaned and the table and frame caps go stale.
 */
export const staleAndOrphanSteps = (rights: "R" | "RW"): string => `
  - retype: { type: seL4_ARM_PageDirectoryObject, as: pd }
  - retype: { type: seL4_UntypedObject, size_bits: 12, as: pool_memory }
  - invoke: seL4_ARM_ASIDControl_MakePool
    cap: ASIDControl
    args: { untyped: pool_memory, dest: pool }
  - invoke: seL4_ARM_ASIDPool_Assign
    cap: pool
    args: { vspace: pd }
  - retype: { type: seL4_ARM_PageTableObject, as: pt }
  - invoke: seL4_ARM_PageTable_Map
    cap: pt
    args: { vspace: pd, vaddr: 0x10000000, attr: default }
  - retype: { type: seL4_ARM_SmallPageObject, as: frame }
  - invoke: seL4_ARM_Page_Map
    cap: frame
    args: { vspace: pd, vaddr: 0x10000000, rights: ${rights}, attr: default }
  - delete: pd
`;
