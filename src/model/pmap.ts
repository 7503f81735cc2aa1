/**
 * A persistent, ordered map from non-negative integer keys (below 2^53) to values.
 *
 * capsim keeps every large store of the kernel state (objects by physical address, CTEs by
 * slot address, the entries of a paging structure, the TLB, physical memory) in one of
 * these. Setting or deleting a key copies only the nodes on the path to it: O(depth), with
 * depth about log32 of the key range, whatever the number of keys. Unchanged nodes are
 * shared between the old and the new map, so keeping many consecutive states alive costs
 * little. A transition replaces a store by storing the new PMap in the state's root; with the
 * immer engine too, a PMap is an opaque value (a class that is not `immerable`), never drafted.
 *
 * The structure is a radix trie, 5 bits of the key per level, with bitmap-compressed
 * branches (only present children are stored). Because children are kept in digit order,
 * iteration visits keys in ascending order, and range and floor queries are cheap.
 *
 * A run of levels where each node would have one child is kept as one "skip" node (path
 * compression): the kernel's stores are sparse at the top (a CNode's slots share every high
 * digit) and often at the bottom (objects are aligned), so without it a write copied several
 * one-child nodes, which was about a third of what each retained state cost, and every read
 * walked through them (docs/performance.md, "Memory").
 */

const BITS = 5;
const WIDTH = 1 << BITS;
const DIGIT_WEIGHT: readonly number[] = Array.from({ length: 12 }, (_, level) => 2 ** (level * BITS));

/**
 * A trie node, as one array: element 0 is the bitmap (bit d set when a child for digit d is
 * present), then the present children in digit order (branches, or values on level 0).
 * One array rather than a {bitmap, children} record halves the loads of a lookup and the
 * allocations of a path copy (README, Performance).
 */
type Branch = readonly unknown[];

const bitmapOf = (n: Branch): number => n[0] as number;

/*
 * A skip node stands where a branch of level l would, for `depth` >= 1 levels of one-child
 * branches: [-depth, digits, child], where digits are the key's digits of levels l down to
 * l - depth + 1 read as one number, and child is the branch (never a skip, never a value) of
 * level l - depth under them. Element 0 is negative, so it is told from a branch's bitmap
 * (a non-negative number) with one comparison, and it is never mistaken for an empty branch.
 * A skip that reaches level 0 (depth = l + 1) holds the key's value itself as its child: a
 * "leaf skip", for a key alone in its part of the trie (an aligned object in the object store),
 * which would otherwise take a skip and a one-value leaf.
 */
const isSkip = (n: Branch): boolean => (n[0] as number) < 0;

/** The key's digits of the `depth` levels from `lo` up, read as one number. */
function digitsOf(key: number, lo: number, depth: number): number {
  const shift = lo * BITS;
  const width = depth * BITS;
  if (key <= 0xffffffff && shift < 32) {
    const v = key >>> shift;
    return width <= 30 ? v & ((1 << width) - 1) : v;
  }
  return Math.floor(key / (DIGIT_WEIGHT[lo] as number)) % (DIGIT_WEIGHT[depth] as number);
}

/** A skip node of `depth` levels over `child` (a branch), merging `child` when it is a skip itself. */
function skipOver(depth: number, digits: number, child: Branch): Branch {
  if (!isSkip(child)) return [-depth, digits, child];
  const below = -(child[0] as number);
  return [-(depth + below), digits * (DIGIT_WEIGHT[below] as number) + (child[1] as number), child[2]];
}

/** The node of `level` holding only `key`: a leaf branch, under one skip for the levels above it. */
function freshPath(level: number, key: number, value: unknown): Branch {
  keysAdded++;
  return level === 0 ? [(1 << digitOf(key, 0)) >>> 0, value] : [-(level + 1), digitsOf(key, 0, level + 1), value];
}

/**
 * A skip's first level as a branch: one child, at the skip's top digit, which is the rest of
 * the skip (or its child when the skip had one level). For the rare paths (a key that leaves
 * the skip's run, comparing a skip with a branch); lookups never build it.
 */
function expandSkip(node: Branch): Branch {
  const depth = -(node[0] as number);
  const digits = node[1] as number;
  const lowerWeight = DIGIT_WEIGHT[depth - 1] as number;
  const top = Math.floor(digits / lowerWeight);
  const rest = depth === 1 ? (node[2] as Branch) : ([-(depth - 1), digits % lowerWeight, node[2]] as Branch);
  return [(1 << top) >>> 0, rest];
}

function popcount(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function digitOf(key: number, level: number): number {
  // Keys below 2^32 (all of a 32-bit machine's addresses) take the fast unsigned shift;
  // above that, division by a power of two and remainder stay exact up to 2^53.
  // Levels 0-5 (bits 0-29) take it for any integer key: ToUint32 keeps a key's low 32 bits.
  if (level < 6 || key <= 0xffffffff) return level < 7 ? (key >>> (level * BITS)) & (WIDTH - 1) : 0;
  return Math.floor(key / (DIGIT_WEIGHT[level] as number)) % WIDTH;
}

function levelsFor(key: number): number {
  let levels = 1;
  while (levels < DIGIT_WEIGHT.length && key >= (DIGIT_WEIGHT[levels] as number)) levels++;
  return levels;
}

function checkKey(key: number): void {
  if (!Number.isSafeInteger(key) || key < 0)
    throw new RangeError(`PMap key must be a non-negative safe integer, got ${key}`);
}

const EMPTY_BRANCH: Branch = [0];

/** 2^30: a key splits into its low six digits (below this) and the rest (levels 6 and up). */
const LOW_SPAN = 0x40000000;

/**
 * The key's digits of levels `lo` to `lo + depth - 1` read as one number, from the key split
 * into `low` (its bits 0-29) and `high` (the rest, below 2^23 for a key below 2^53): each part
 * is a 32-bit integer, so the digits come from shifts and masks instead of a division.
 */
function splitDigits(low: number, high: number, lo: number, depth: number): number {
  const top = lo + depth;
  if (top <= 6) return (low >>> (lo * BITS)) & ((1 << (depth * BITS)) - 1);
  const highWidth = (top - 6) * BITS;
  const h = highWidth >= 30 ? high : high & ((1 << highWidth) - 1);
  if (lo >= 6) return h >>> ((lo - 6) * BITS);
  return h * (DIGIT_WEIGHT[6 - lo] as number) + (low >>> (lo * BITS));
}

/**
 * The value at `key` under `node` (a node of `level`), or `missing` when the key is absent; for
 * any key below 2^53 (get and has take findWord for the 32-bit ones). The key is split once into
 * two 32-bit integers, so each level's digit is a shift: a 64-bit machine's slot and object
 * addresses are above 2^32, and dividing by each level's weight made every lookup of them
 * several times slower than a 32-bit one.
 */
function branchFind(node: Branch, level: number, key: number, missing: unknown): unknown {
  // key >>> 0 is the key modulo 2^32, exact for any integer key; so is the division by 2^30.
  const low = (key >>> 0) & (LOW_SPAN - 1);
  const high = (key - low) / LOW_SPAN;
  let n: Branch = node;
  for (let l = level; ; l--) {
    let bitmap = n[0] as number;
    if (bitmap < 0) {
      // A skip: the key must have its digits, then the walk goes on below it.
      if (splitDigits(low, high, l + bitmap + 1, -bitmap) !== n[1]) return missing;
      l += bitmap;
      if (l < 0) return n[2];
      n = n[2] as Branch;
      bitmap = n[0] as number;
    }
    const bit = 1 << ((l < 6 ? low >>> (l * BITS) : high >>> ((l - 6) * BITS)) & (WIDTH - 1));
    if ((bitmap & bit) === 0) return missing;
    const child = n[1 + popcount(bitmap & (bit - 1))];
    if (l === 0) return child;
    n = child as Branch;
  }
}

/**
 * branchFind for a key below 2^32 in a trie of at most 7 levels (every key of a 32-bit machine,
 * and most of a 64-bit one's): each digit is one unsigned shift, with no test for the wide case.
 */
function findWord(node: Branch, level: number, key: number, missing: unknown): unknown {
  let n: Branch = node;
  let l = level;
  for (;;) {
    let bitmap = n[0] as number;
    if (bitmap < 0) {
      const lo = l + bitmap + 1;
      const width = -bitmap * BITS;
      const digits = key >>> (lo * BITS);
      if ((width < 31 ? digits & ((1 << width) - 1) : digits) !== n[1]) return missing;
      if (lo === 0) return n[2];
      l = lo - 1;
      n = n[2] as Branch;
      bitmap = n[0] as number;
    }
    const bit = 1 << ((key >>> (l * BITS)) & (WIDTH - 1));
    if ((bitmap & bit) === 0) return missing;
    const child = n[1 + popcount(bitmap & (bit - 1))];
    if (l === 0) return child;
    n = child as Branch;
    l--;
  }
}

/** What branchFind gives for an absent key when the caller asks whether it is present. */
const ABSENT = Symbol("absent");

/** Counted by branchSet: how many keys its calls added (rather than replaced values), since the caller zeroed it. */
let keysAdded = 0;

/** Returns the new branch (the same one when nothing changed); counts an added key in keysAdded. */
function branchSet(node: Branch, level: number, key: number, value: unknown): Branch {
  if (isSkip(node)) return skipSet(node, level, key, value);
  const bitmap = node[0] as number;
  const bit = 1 << digitOf(key, level);
  const pos = 1 + popcount(bitmap & (bit - 1));
  const present = (bitmap & bit) !== 0;
  let newChild: unknown;
  if (level === 0) {
    if (!present) keysAdded++;
    if (present && node[pos] === value) return node;
    newChild = value;
  } else if (present) {
    const old = node[pos] as Branch;
    newChild = branchSet(old, level - 1, key, value);
    if (newChild === old) return node;
  } else newChild = freshPath(level - 1, key, value);
  if (!present) return withInserted(node, pos, (bitmap | bit) >>> 0, newChild);
  const out = node.slice();
  out[pos] = newChild;
  return out;
}

/**
 * A copy of `node` with `child` inserted at index `pos` and `bitmap` as its bitmap, built in one
 * pass: `slice` then `splice` copies the tail twice and allocates the (empty) array splice returns.
 */
function withInserted(node: Branch, pos: number, bitmap: number, child: unknown): Branch {
  const out: unknown[] = [bitmap];
  for (let i = 1; i < pos; i++) out.push(node[i]);
  out.push(child);
  for (let i = pos; i < node.length; i++) out.push(node[i]);
  return out;
}

/**
 * branchSet of two distinct keys in one walk: the nodes their paths share are copied once, not
 * twice. Where the paths part, each goes on as branchSet; where sharing would need more than
 * that (a key leaving a skip's run, a digit not yet present, a leaf), the two plain writes.
 * Either way the trie is the one the two writes in order would make.
 */
function branchSet2(node: Branch, level: number, k1: number, v1: unknown, k2: number, v2: unknown): Branch {
  if (isSkip(node)) {
    const depth = -(node[0] as number);
    const digits = node[1] as number;
    const lo = level - depth + 1;
    if (depth <= level && digitsOf(k1, lo, depth) === digits && digitsOf(k2, lo, depth) === digits) {
      const child = node[2] as Branch;
      const newChild = branchSet2(child, level - depth, k1, v1, k2, v2);
      return newChild === child ? node : [node[0], digits, newChild];
    }
  } else if (level > 0) {
    const bitmap = node[0] as number;
    const bit1 = 1 << digitOf(k1, level);
    const bit2 = 1 << digitOf(k2, level);
    if ((bitmap & bit1) !== 0 && (bitmap & bit2) !== 0) {
      const pos1 = 1 + popcount(bitmap & (bit1 - 1));
      const old1 = node[pos1] as Branch;
      if (bit1 === bit2) {
        const child = branchSet2(old1, level - 1, k1, v1, k2, v2);
        if (child === old1) return node;
        const out = node.slice();
        out[pos1] = child;
        return out;
      }
      const pos2 = 1 + popcount(bitmap & (bit2 - 1));
      const old2 = node[pos2] as Branch;
      const c1 = branchSet(old1, level - 1, k1, v1);
      const c2 = branchSet(old2, level - 1, k2, v2);
      if (c1 === old1 && c2 === old2) return node;
      const out = node.slice();
      out[pos1] = c1;
      out[pos2] = c2;
      return out;
    }
  }
  return branchSet(branchSet(node, level, k1, v1), level, k2, v2);
}

/** branchSet on a skip node of `level`. */
function skipSet(node: Branch, level: number, key: number, value: unknown): Branch {
  const depth = -(node[0] as number);
  const digits = node[1] as number;
  if (digitsOf(key, level - depth + 1, depth) === digits) {
    if (depth === level + 1) {
      // A leaf skip: its value is the key's.
      return node[2] === value ? node : [node[0], digits, value];
    }
    const child = node[2] as Branch;
    const newChild = branchSet(child, level - depth, key, value);
    return newChild === child ? node : [node[0], digits, newChild];
  }
  // The key leaves the run: its first level becomes a branch of two children (the rest of the
  // run and the key's fresh path), under a skip for the levels where the key still agrees.
  const upper = digitsOf(key, level - depth + 1, depth);
  let agree = 0;
  while (
    Math.floor(upper / (DIGIT_WEIGHT[depth - agree - 1] as number)) ===
    Math.floor(digits / (DIGIT_WEIGHT[depth - agree - 1] as number))
  )
    agree++;
  const lower = depth - agree;
  const split = level - agree;
  const branch = branchSet(expandSkip([-lower, digits % (DIGIT_WEIGHT[lower] as number), node[2]]), split, key, value);
  return agree === 0 ? branch : [-agree, Math.floor(digits / (DIGIT_WEIGHT[lower] as number)), branch];
}

/** Returns the new branch (EMPTY_BRANCH when it became empty), or the same branch when the key was absent. */
function branchDelete(node: Branch, level: number, key: number): Branch {
  if (isSkip(node)) {
    const depth = -(node[0] as number);
    if (digitsOf(key, level - depth + 1, depth) !== node[1]) return node;
    if (depth === level + 1) return EMPTY_BRANCH;
    const child = node[2] as Branch;
    const rest = branchDelete(child, level - depth, key);
    if (rest === child) return node;
    return bitmapOf(rest) === 0 ? EMPTY_BRANCH : skipOver(depth, node[1] as number, rest);
  }
  const bitmap = node[0] as number;
  const bit = 1 << digitOf(key, level);
  if ((bitmap & bit) === 0) return node;
  const pos = 1 + popcount(bitmap & (bit - 1));
  if (level > 0) {
    const old = node[pos] as Branch;
    const child = branchDelete(old, level - 1, key);
    if (child === old) return node;
    if (bitmapOf(child) !== 0) {
      const out = node.slice();
      out[pos] = child;
      return out;
    }
  }
  const rest = (bitmap & ~bit) >>> 0;
  if (rest === 0) return EMPTY_BRANCH;
  // The copy without index `pos`, in one pass (as withInserted).
  const out: unknown[] = [rest];
  for (let i = 1; i < node.length; i++) if (i !== pos) out.push(node[i]);
  return out;
}

/**
 * The entries with lo <= key < hi under `node`, in key order, as an iterator that walks the
 * trie with an explicit stack. (A recursive generator would pass every entry up through one
 * `yield*` per level, which made iterating a map several times slower.)
 */
class RangeIterator implements IterableIterator<[number, unknown]> {
  /** five slots per frame from the top: the branch, the next digit to look at, the array index of its next child, the branch's first key, its level */
  private readonly stack: unknown[] = [];
  private depth = -1;
  /** a leaf skip's entry push met, which next gives before going on */
  private pending: [number, unknown] | undefined;

  constructor(
    root: Branch,
    topLevel: number,
    prefix: number,
    private readonly lo: number,
    private readonly hi: number,
  ) {
    if (bitmapOf(root) !== 0) this.push(root, topLevel, prefix);
  }

  [Symbol.iterator](): IterableIterator<[number, unknown]> {
    return this;
  }

  /**
   * Pushes a frame for `node` of `level` whose first key is `prefix`, first passing over a skip
   * (nothing is pushed when the skip's keys all lie outside [lo, hi)), and points it at the
   * first digit that can reach `lo`.
   */
  private push(node: Branch, level: number, prefix: number): void {
    if (isSkip(node)) {
      const depth = -(node[0] as number);
      level -= depth;
      const weight = DIGIT_WEIGHT[level + 1] as number;
      prefix += (node[1] as number) * weight;
      if (prefix + weight <= this.lo || prefix >= this.hi) return;
      if (level < 0) {
        // A leaf skip: one entry, in range.
        this.pending = [prefix, node[2]];
        return;
      }
      node = node[2] as Branch;
    }
    const at = ++this.depth * 5;
    const weight = DIGIT_WEIGHT[level] as number;
    const digit = this.lo > prefix ? Math.min(WIDTH, Math.floor((this.lo - prefix) / weight)) : 0;
    this.stack[at] = node;
    this.stack[at + 1] = digit;
    this.stack[at + 2] = digit >= WIDTH ? 1 : 1 + popcount((node[0] as number) & ((1 << digit) - 1));
    this.stack[at + 3] = prefix;
    this.stack[at + 4] = level;
  }

  next(): IteratorResult<[number, unknown]> {
    const stack = this.stack;
    const pending = this.pending;
    if (pending !== undefined) {
      this.pending = undefined;
      return { done: false, value: pending };
    }
    while (this.depth >= 0) {
      const at = this.depth * 5;
      const node = stack[at] as Branch;
      const bitmap = node[0] as number;
      const level = stack[at + 4] as number;
      const weight = DIGIT_WEIGHT[level] as number;
      let digit = stack[at + 1] as number;
      let child = stack[at + 2] as number;
      const prefix = stack[at + 3] as number;
      let descended = false;
      while (digit < WIDTH) {
        const bit = 1 << digit;
        const start = prefix + digit * weight;
        digit++;
        if ((bitmap & bit) === 0) continue;
        const value = node[child++];
        if (start + weight <= this.lo || start >= this.hi) continue;
        stack[at + 1] = digit;
        stack[at + 2] = child;
        if (level === 0) return { done: false, value: [start, value] };
        // Descend into the child (a skip outside the range pushes nothing: this frame goes on).
        const before = this.depth;
        this.push(value as Branch, level - 1, start);
        if (this.depth === before) {
          const entry = this.pending;
          if (entry === undefined) continue;
          this.pending = undefined;
          return { done: false, value: entry };
        }
        descended = true;
        break;
      }
      if (!descended) this.depth--;
    }
    return { done: true, value: undefined };
  }
}

const EMPTY_ITERATOR: IterableIterator<[number, unknown]> = [][Symbol.iterator]() as IterableIterator<
  [number, unknown]
>;

/** The entries with lo <= key < hi under `node`, whose first key is `prefix`. */
function branchEntries(
  node: Branch,
  level: number,
  prefix: number,
  lo: number,
  hi: number,
): IterableIterator<[number, unknown]> {
  return new RangeIterator(node, level, prefix, lo, hi);
}

function branchFloor(node: Branch, level: number, prefix: number, key: number): [number, unknown] | undefined {
  if (isSkip(node)) {
    const depth = -(node[0] as number);
    const start = prefix + (node[1] as number) * (DIGIT_WEIGHT[level - depth + 1] as number);
    if (start > key) return undefined;
    return depth === level + 1 ? [start, node[2]] : branchFloor(node[2] as Branch, level - depth, start, key);
  }
  const weight = DIGIT_WEIGHT[level] as number;
  const bitmap = node[0] as number;
  const top = Math.min(WIDTH - 1, Math.floor((key - prefix) / weight));
  for (let d = top; d >= 0; d--) {
    const bit = 1 << d;
    if ((bitmap & bit) === 0) continue;
    const child = node[1 + popcount(bitmap & (bit - 1))];
    const start = prefix + d * weight;
    if (level === 0) return [start, child];
    const found = branchFloor(child as Branch, level - 1, start, key);
    if (found) return found;
  }
  return undefined;
}

function diffBranches(a: Branch, b: Branch, level: number, prefix: number, out: number[]): void {
  if (a === b) return;
  if (isSkip(a) || isSkip(b)) {
    // Two skips over the same run: compare what is under them. Otherwise look at the skips'
    // first levels as branches, so the two sides line up level by level.
    if (isSkip(a) && isSkip(b) && a[0] === b[0] && a[1] === b[1]) {
      const depth = -(a[0] as number);
      const start = prefix + (a[1] as number) * (DIGIT_WEIGHT[level - depth + 1] as number);
      if (depth === level + 1) {
        // Two leaf skips of the same key: it changed when its values differ.
        if (a[2] !== b[2]) out.push(start);
      } else diffBranches(a[2] as Branch, b[2] as Branch, level - depth, start, out);
      return;
    }
    diffBranches(isSkip(a) ? expandSkip(a) : a, isSkip(b) ? expandSkip(b) : b, level, prefix, out);
    return;
  }
  const weight = DIGIT_WEIGHT[level] as number;
  const bitmapA = a[0] as number;
  const bitmapB = b[0] as number;
  // Visit only the digits present in either branch, lowest first.
  let bits = bitmapA | bitmapB;
  while (bits !== 0) {
    const bit = bits & -bits;
    bits ^= bit;
    const inA = (bitmapA & bit) !== 0;
    const inB = (bitmapB & bit) !== 0;
    const ca = inA ? a[1 + popcount(bitmapA & (bit - 1))] : undefined;
    const cb = inB ? b[1 + popcount(bitmapB & (bit - 1))] : undefined;
    if (inA && inB && ca === cb) continue;
    const start = prefix + (31 - Math.clz32(bit)) * weight;
    if (level === 0) out.push(start);
    else if (inA && inB) diffBranches(ca as Branch, cb as Branch, level - 1, start, out);
    else for (const [k] of branchEntries((ca ?? cb) as Branch, level - 1, start, 0, Infinity)) out.push(k);
  }
}

/** What PMap.fold keeps for one node: the summary, and the node's first key it was computed at. */
interface FoldEntry<S> {
  readonly prefix: number;
  readonly summary: S;
}

/** A fold's functions and its cache, passed down the recursion as one value. */
interface Folder<S> {
  readonly leaf: (key: number, value: unknown) => S;
  readonly combine: (a: S, b: S) => S;
  readonly empty: S;
  readonly cache: WeakMap<object, FoldEntry<S>>;
}

/** The summary of the entries under `node` (of `level`, first key `prefix`), from the cache when it holds the node. */
function foldBranch<S>(node: Branch, level: number, prefix: number, f: Folder<S>): S {
  const hit = f.cache.get(node);
  // The prefix is compared too, so a summary is never taken for keys it was not computed over.
  if (hit !== undefined && hit.prefix === prefix) return hit.summary;
  let acc = f.empty;
  if (isSkip(node)) {
    const depth = -(node[0] as number);
    const start = prefix + (node[1] as number) * (DIGIT_WEIGHT[level - depth + 1] as number);
    acc = depth === level + 1 ? f.leaf(start, node[2]) : foldBranch(node[2] as Branch, level - depth, start, f);
  } else {
    const weight = DIGIT_WEIGHT[level] as number;
    let bits = node[0] as number;
    for (let i = 1; bits !== 0; i++) {
      const bit = bits & -bits;
      bits ^= bit;
      const start = prefix + (31 - Math.clz32(bit)) * weight;
      const child = node[i];
      acc = f.combine(acc, level === 0 ? f.leaf(start, child) : foldBranch(child as Branch, level - 1, start, f));
    }
  }
  f.cache.set(node, { prefix, summary: acc });
  return acc;
}

/** `root` of a trie of `from` levels, as the root of an equivalent trie of `to` >= `from` levels. */
function liftedRoot(root: Branch, from: number, to: number): Branch {
  return to === from || bitmapOf(root) === 0 ? root : skipOver(to - from, 0, root);
}

/** A persistent ordered map from integer keys (branded numbers welcome) to values. */
export class PMap<K extends number, V> {
  private static readonly EMPTY = new PMap<number, never>(EMPTY_BRANCH, 1, 0);

  /**
   * The number of keys times 16, plus how many 5-bit levels the trie has (keys below
   * 32^levels fit; at most 11). One field rather than two: every write makes a new map, and
   * each field is a word of every map a retained state keeps (docs/performance.md, "Memory").
   */
  private readonly shape: number;

  private constructor(
    private readonly root: Branch,
    levels: number,
    size: number,
  ) {
    this.shape = size * 16 + levels;
  }

  /** how many 5-bit levels the trie has (the low 4 bits of shape: `&` keeps them exact below 2^53) */
  private get levels(): number {
    return this.shape & 15;
  }

  /** The number of keys. */
  get size(): number {
    return Math.floor(this.shape / 16);
  }

  /** The empty map. */
  static empty<K extends number, V>(): PMap<K, V> {
    return PMap.EMPTY as unknown as PMap<K, V>;
  }

  /** A map holding these entries (later duplicates win). */
  static from<K extends number, V>(entries: Iterable<readonly [K, V]>): PMap<K, V> {
    let m = PMap.empty<K, V>();
    for (const [k, v] of entries) m = m.set(k, v);
    return m;
  }

  /**
   * Whether `key` is a key this map's trie could hold: a non-negative integer below its top
   * level's reach. (A fractional key must not be truncated onto an integer one.)
   */
  private mayHold(key: number): boolean {
    // One test for the common case, a 32-bit integer; the full test otherwise.
    if (key >>> 0 !== key && !(Number.isSafeInteger(key) && key >= 0)) return false;
    return key < (DIGIT_WEIGHT[this.levels] ?? Infinity);
  }

  /** The value at `key`, or undefined. */
  get(key: K): V | undefined {
    // A 32-bit key in a trie of up to 7 levels (a 32-bit machine's stores): the fast walk, once
    // the key is known to be within the trie's reach (above it, the walk would drop its top digits).
    if (key >>> 0 === key && this.levels <= 7)
      return key < (DIGIT_WEIGHT[this.levels] as number)
        ? (findWord(this.root, this.levels - 1, key, undefined) as V | undefined)
        : undefined;
    if (!this.mayHold(key)) return undefined;
    return branchFind(this.root, this.levels - 1, key, undefined) as V | undefined;
  }

  /** Whether `key` is present. */
  has(key: K): boolean {
    // As get: the fast walk for a 32-bit key (a slot address: every Retype and Copy tests its destination).
    if (key >>> 0 === key && this.levels <= 7)
      return (
        key < (DIGIT_WEIGHT[this.levels] as number) && findWord(this.root, this.levels - 1, key, ABSENT) !== ABSENT
      );
    if (!this.mayHold(key)) return false;
    return branchFind(this.root, this.levels - 1, key, ABSENT) !== ABSENT;
  }

  /** A map with `key` set to `value`; this map is unchanged. */
  set(key: K, value: V): PMap<K, V> {
    // A 32-bit integer key is valid; only others need the full test.
    if (key >>> 0 !== key) checkKey(key);
    let root = this.root;
    let levels = this.levels;
    const needed = key < (DIGIT_WEIGHT[levels] as number) ? levels : levelsFor(key);
    if (levels < needed) {
      // Grow upward: the old trie sits under digit 0 of each new top level (one skip).
      root = liftedRoot(root, levels, needed);
      levels = needed;
    }
    keysAdded = 0;
    const newRoot = branchSet(root, levels - 1, key, value);
    if (newRoot === this.root) return this;
    return new PMap<K, V>(newRoot, levels, this.size + keysAdded);
  }

  /**
   * `set(key1, value1).set(key2, value2)` (the very same trie), in one walk where the two keys'
   * paths share nodes, so those are copied once: for a transition that writes two keys of one
   * store, such as Retype's untyped cap and its new cap.
   */
  set2(key1: K, value1: V, key2: K, value2: V): PMap<K, V> {
    const levels = this.levels;
    const reach = DIGIT_WEIGHT[levels] as number;
    // Distinct 32-bit keys the trie already reaches; otherwise (growing the trie, a wide or
    // invalid key) the two writes in order.
    if (key1 === key2 || key1 >>> 0 !== key1 || key2 >>> 0 !== key2 || key1 >= reach || key2 >= reach)
      return this.set(key1, value1).set(key2, value2);
    keysAdded = 0;
    const newRoot = branchSet2(this.root, levels - 1, key1, value1, key2, value2);
    if (newRoot === this.root) return this;
    return new PMap<K, V>(newRoot, levels, this.size + keysAdded);
  }

  /** A map with the value at `key` replaced by `fn(old)` (old is undefined when absent). */
  update(key: K, fn: (old: V | undefined) => V): PMap<K, V> {
    return this.set(key, fn(this.get(key)));
  }

  /** A map without `key`; this map when the key is absent. */
  delete(key: K): PMap<K, V> {
    if (!this.mayHold(key)) return this;
    // branchDelete hands back the very same root when the key is absent.
    const root = branchDelete(this.root, this.levels - 1, key);
    if (root === this.root) return this;
    // The empty map is shared: a store emptied and filled again (a table's one mapping, unmapped
    // and mapped) keeps no wrapper of its own for each empty state.
    return bitmapOf(root) === 0 ? PMap.empty<K, V>() : new PMap<K, V>(root, this.levels, this.size - 1);
  }

  /** Entries in ascending key order. */
  entries(): IterableIterator<[K, V]> {
    return this.range(0 as K, Infinity as K);
  }

  /** Entries with lo <= key < hi, in ascending key order. */
  range(lo: K | number, hi: K | number): IterableIterator<[K, V]> {
    if (this.size === 0) return EMPTY_ITERATOR as IterableIterator<[K, V]>;
    return branchEntries(this.root, this.levels - 1, 0, lo, hi) as IterableIterator<[K, V]>;
  }

  /** Keys in ascending order. */
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  /** Values in ascending key order. */
  *values(): IterableIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  /** The entry with the greatest key <= `key`, or undefined. */
  floor(key: K | number): [K, V] | undefined {
    if (key < 0) return undefined;
    return branchFloor(this.root, this.levels - 1, 0, key) as [K, V] | undefined;
  }

  /** The first entry (smallest key), or undefined. */
  first(): [K, V] | undefined {
    for (const e of this.entries()) return e;
    return undefined;
  }

  /** Whether the map has no keys. */
  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** A map without the keys in [lo, hi). */
  deleteRange(lo: K | number, hi: K | number): PMap<K, V> {
    return [...this.range(lo, hi)].reduce<PMap<K, V>>((m, [k]) => m.delete(k), this);
  }

  /**
   * The keys whose values differ between this map and `other` (present in one only, or with
   * values that are not the same object), in ascending order. Subtrees the two maps share are
   * skipped whole, so comparing two consecutive states costs about the size of the change.
   */
  changedKeys(other: PMap<K, V>): K[] {
    const out: K[] = [];
    // Lift the shallower trie to the other's height (its keys are all under digit 0), so
    // shared subtrees line up and are skipped.
    const levels = Math.max(this.levels, other.levels);
    diffBranches(
      liftedRoot(this.root, this.levels, levels),
      liftedRoot(other.root, other.levels, levels),
      levels - 1,
      0,
      out as number[],
    );
    return out;
  }

  /**
   * Folds the entries in key order: `leaf` summarises one entry, `combine` joins the summaries of
   * neighbouring runs of keys (it must be associative, with `empty` its identity). `cache` keeps
   * the summary of every trie node folded, keyed on the node: nodes are immutable and shared by
   * the maps a write derived from each other, so folding a map a few writes away from one folded
   * before recomputes only the nodes on the changed paths (about log32 of the key range each).
   * `leaf` must depend on its key and value alone (and on what the caller keys `cache` by).
   * The cache holds its nodes weakly: entries go with the maps that held them.
   */
  fold<S>(
    leaf: (key: K, value: V) => S,
    combine: (a: S, b: S) => S,
    empty: S,
    cache: WeakMap<object, { readonly prefix: number; readonly summary: S }>,
  ): S {
    if (this.size === 0) return empty;
    const folder: Folder<S> = { leaf: leaf as (key: number, value: unknown) => S, combine, empty, cache };
    return foldBranch(this.root, this.levels - 1, 0, folder);
  }

  toJSON(): Record<string, V> {
    const out: Record<string, V> = {};
    for (const [k, v] of this.entries()) out[String(k)] = v;
    return out;
  }
}
