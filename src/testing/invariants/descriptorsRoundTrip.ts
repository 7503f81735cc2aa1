import { hex, type PhysAddr } from "../../model/addresses.ts";
import { aarch64, decodePDE, decodePTE, encodePDE, encodePTE } from "../../arch/index.ts";
import type { PTEWord } from "../../model/objects.ts";
import { entriesOf } from "../../kernel/store.ts";
import { byArch, type InvariantCheck, type StateChange } from "./change.ts";
import { collect, violation, type Invariant, type Violation } from "./violation.ts";
import { cachesBy, failingKeys } from "./foldCache.ts";

/** descriptors_round_trip for one stored word: encoding its decoded entry gives it back. */
export function wordRoundTrips(
  type: "PageDirectory" | "PageTable",
  table: PhysAddr,
  index: number,
  word: number,
): Violation | undefined {
  const back = type === "PageDirectory" ? encodePDE(decodePDE(word)) : encodePTE(decodePTE(word));
  if (back === word) return undefined;
  return violation(
    "descriptors_round_trip",
    `${type} ${hex(table)}[${index}] holds ${hex(word)}, which re-encodes as ${hex(back)}`,
    { table, index, word, reencoded: back },
  );
}

/** Stored descriptor words are exactly what encoding their decoded entries gives. */
const descriptorsRoundTrip32: Invariant = (s) =>
  [...s.objects].flatMap(([addr, o]) =>
    o.type === "PageDirectory" || o.type === "PageTable"
      ? collect(entriesOf(s, o), ([i, w]) => wordRoundTrips(o.type, addr, i, w))
      : [],
  );

/** The changed entries. */
const descriptorsRoundTripDelta = (c: StateChange, out: Violation[]): void => {
  collect(
    c.entries,
    (e) => (e.after === undefined ? undefined : wordRoundTrips(e.type, e.table, e.index, e.after)),
    out,
  );
};

/** The levels a word of each AArch64 table type may sit at (one page-table type serves levels 1-3). */
const LEVELS_OF: Readonly<Record<"VSpace" | "PageTable64", readonly aarch64.Level[]>> = {
  VSpace: [0],
  PageTable64: [1, 2, 3],
};

/** The AArch64 form for one stored word: encoding its decoded entry gives it back, at a level its table can have. */
export function wordRoundTrips64(
  type: "VSpace" | "PageTable64",
  table: PhysAddr,
  index: number,
  word: PTEWord,
): Violation | undefined {
  if (LEVELS_OF[type].some((l) => aarch64.encodePTE(aarch64.decodePTE(word, l)) === word)) return undefined;
  return violation(
    "descriptors_round_trip",
    `${type} ${hex(table)}[${index}] holds 0x${word.toString(16)}, which no entry of its levels re-encodes as`,
    { table, index, word: `0x${word.toString(16)}` },
  );
}

const descriptorsRoundTrip64: Invariant = (s) =>
  [...s.objects].flatMap(([addr, o]) =>
    o.type === "VSpace" || o.type === "PageTable64"
      ? collect(entriesOf(s, o), ([i, w]) => wordRoundTrips64(o.type, addr, i, w))
      : [],
  );

const descriptorsRoundTrip64Delta = (c: StateChange, out: Violation[]): void => {
  collect(
    c.entries64,
    (e) => (e.after === undefined ? undefined : wordRoundTrips64(e.type, e.table, e.index, e.after)),
    out,
  );
};

const wordCaches = cachesBy<readonly number[]>();

/** descriptorsRoundTrip32 with each table's failing words from the fold cache (checkAllCached). */
const descriptorsRoundTrip32Cached: Invariant = (s) => {
  const out: Violation[] = [];
  for (const [addr, o] of s.objects) {
    if (o.type !== "PageDirectory" && o.type !== "PageTable") continue;
    const entries = entriesOf(s, o);
    const rule = (i: number, w: number) => wordRoundTrips(o.type, addr, i, w);
    const failing = failingKeys(entries, (i, w) => rule(i, w) !== undefined, wordCaches(o.type));
    collect(failing, (i) => rule(i, entries.get(i) ?? 0), out);
  }
  return out;
};

export const DESCRIPTORS_ROUND_TRIP: InvariantCheck = byArch("descriptors_round_trip", {
  aarch32: { full: descriptorsRoundTrip32, delta: descriptorsRoundTripDelta, cached: descriptorsRoundTrip32Cached },
  aarch64: { full: descriptorsRoundTrip64, delta: descriptorsRoundTrip64Delta },
});

/** Stored descriptor words re-encode as themselves (either architecture's words). */
export const descriptorsRoundTrip: Invariant = DESCRIPTORS_ROUND_TRIP.full;
