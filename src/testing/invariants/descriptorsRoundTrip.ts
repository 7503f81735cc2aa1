import { hex, type PhysAddr } from "../../model/addresses.ts";
import {
  decodePDE,
  decodePTE,
  encodePDE,
  encodePTE,
} from "../../arch/index.ts";
import type { InvariantCheck, StateChange } from "./change.ts";
import {
  collect,
  violation,
  type Invariant,
  type Violation,
} from "./violation.ts";

/** descriptors_round_trip for one stored word: encoding its decoded entry gives it back. */
export function wordRoundTrips(
  type: "PageDirectory" | "PageTable",
  table: PhysAddr,
  index: number,
  word: number,
): Violation | undefined {
  const back =
    type === "PageDirectory"
      ? encodePDE(decodePDE(word))
      : encodePTE(decodePTE(word));
  if (back === word) return undefined;
  return violation(
    "descriptors_round_trip",
    `${type} ${hex(table)}[${index}] holds ${hex(word)}, which re-encodes as ${hex(back)}`,
    { table, index, word, reencoded: back },
  );
}

/** Stored descriptor words are exactly what encoding their decoded entries gives. */
export const descriptorsRoundTrip: Invariant = (s) =>
  [...s.objects].flatMap(([addr, o]) =>
    o.type === "PageDirectory" || o.type === "PageTable"
      ? collect(o.entries, ([i, w]) => wordRoundTrips(o.type, addr, i, w))
      : [],
  );

/** The changed entries. */
const descriptorsRoundTripDelta = (c: StateChange, out: Violation[]): void => {
  collect(
    c.entries,
    (e) =>
      e.after === undefined
        ? undefined
        : wordRoundTrips(e.type, e.table, e.index, e.after),
    out,
  );
};

export const DESCRIPTORS_ROUND_TRIP: InvariantCheck = {
  name: "descriptors_round_trip",
  full: descriptorsRoundTrip,
  delta: descriptorsRoundTripDelta,
};
