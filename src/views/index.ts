/**
 * The teaching views: pure functions from a state (and a step's result) to plain JSON-able data,
 * shared by the CLI (`explain`, `show`) and the web page. The architecture's part (address
 * split, walk, descriptor fields, which caps are stale) comes through `teachingOf` in
 * arch/index.ts.
 */
export {
  addressSplit,
  walkView,
  reachableTables,
  orphanedTables,
  staleCaps,
  staleMapping,
  descriptorAt,
} from "./vspace.ts";
export type { AddressSplit, WalkWithSplit, TableNode, OrphanedTable, StaleCap } from "./vspace.ts";
export {
  cnodeView,
  cdtView,
  cdtForest,
  cdtRoots,
  listedSlots,
  namesByIndex,
  placeOfSlot,
  placeText,
  slotText,
  walkCNode,
} from "./cspace.ts";
export { capText } from "./text.ts";
export type { SlotPlace, SlotView, CNodeView, CDTNode, CNodeVisitor, WalkedCNode, WalkedSlot } from "./cspace.ts";
export { asidTableView, tlbView } from "./asid.ts";
export type { ASIDPoolView, TLBLineView } from "./asid.ts";
export { diffStates } from "./diff.ts";
export { objectGraph } from "./graph.ts";
export { cptrResolution, threadCPtrResolution, cptrLines } from "./cptr.ts";
export type { CPtrResolution, CPtrLevelView, CPtrEnd, CPtrBits } from "./cptr.ts";
export type { ObjectGraph, GraphNode, GraphEdge, GraphEdgeKind, GraphOptions } from "./graph.ts";
export type { StateDiff, SlotChange, ObjectChange, EntryChange, ASIDChange } from "./diff.ts";
export type {
  AddressForm,
  BitField,
  DescriptorView,
  WalkEntry,
  WalkEnd,
  WalkView,
  EntryLink,
} from "../model/teaching.ts";
