/**
 * Generators of hostile HTTP input for `http_fuzz_test.ts`: a seeded PRNG, junk JSON values, broken
 * JSON texts, odd path parameters, and per-route bodies that are invalid by construction (for the
 * node whose data must not change) or merely mutated (for the node where anything goes).
 *
 * @module
 */

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same requests. */
export class Random {
  #state: number;
  constructor(seed: number) {
    this.#state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const ODD_STRINGS = [
  "",
  " ",
  "a",
  "\u0000",
  "\ud800",
  "\ufffd",
  "\udfff x",
  "😀",
  "e\u0301",
  "\u202e",
  "'\"\\",
  "../../etc/passwd",
  "%00",
  "%",
  "%ZZ",
  "PTRN|",
  "null",
  "true",
  "1e309",
  "__proto__",
  "constructor",
  "<script>",
  "\n\r\t",
  "x".repeat(300),
];

const ODD_NUMBERS = [0, -0, -1, 1, 0.5, 1e308, -1e308, 5e-324, 2 ** 53, 2 ** 53 + 2, 3.14, 1e6, -(2 ** 31)];

/** A random JSON value, nested at most `depth` deep. */
export function junk(r: Random, depth = 3): unknown {
  switch (r.int(depth > 0 ? 8 : 5)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.pick(ODD_NUMBERS);
    case 3:
      return r.pick(ODD_STRINGS);
    case 4:
      return r.chance(0.5) ? [] : {};
    case 5:
      return [...Array(r.int(4))].map(() => junk(r, depth - 1));
    default: {
      const object: Record<string, unknown> = {};
      for (let i = r.int(4); i > 0; i--) {
        object[r.pick([...ODD_STRINGS, "strings", "config", "node_id"])] = junk(r, depth - 1);
      }
      return object;
    }
  }
}

/** Texts that are not the JSON a route expects: broken, huge, deep, or of another type. */
export function brokenText(r: Random, bodyLimit: number): string {
  const depth = 1000 + r.int(20_000);
  switch (r.int(11)) {
    case 0:
      return "{";
    case 1:
      return '{"strings": ["a",';
    case 2:
      return "\ufeff{}x";
    case 3:
      return "[".repeat(depth) + "]".repeat(depth);
    case 4:
      return '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    case 5:
      return JSON.stringify("x".repeat(bodyLimit + 10));
    case 6:
      return "nul";
    case 7:
      return String.fromCharCode(...[...Array(64)].map(() => r.int(256)));
    case 8:
      return "1e999999";
    case 9:
      return JSON.stringify(junk(r, 4));
    default:
      return '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"x": 1}}}';
  }
}

/** `encodeURIComponent`, with lone surrogates sent as their (invalid) three-byte form. */
export function encode(text: string): string {
  return [...text].map((c) => c.length === 1 && c >= "\ud800" && c <= "\udfff" ? "%ED%A0%80" : encodeURIComponent(c))
    .join("");
}

/** Path parameter values: unknown, empty-ish, long, encoded, near misses of real ids. */
export function oddId(r: Random, real: readonly string[]): string {
  const base = r.pick(real);
  return r.pick([
    "nope",
    "%20",
    "%2e%2e",
    "%",
    "%ZZ",
    "%ED%A0%80", // a lone surrogate, as a naive client would encode it
    encodeURIComponent("😀"),
    "x".repeat(5000),
    `${base}x`,
    base.slice(0, -1),
    base.toUpperCase(),
    `${base}%00`,
    encode(base),
  ]);
}

/** A deep or wide metadata value, within or past the metadata limit. */
export function heavyMetadata(r: Random): unknown {
  switch (r.int(3)) {
    case 0: {
      let value: unknown = "leaf";
      for (let i = 0; i < 2000 + r.int(8000); i++) value = [value];
      return { deep: value };
    }
    case 1:
      return Object.fromEntries([...Array(500 + r.int(3000))].map((_, i) => [`k${i}`, i]));
    default:
      return { big: "x".repeat(5000 + r.int(50_000)) };
  }
}

/** One observation that the service must refuse (422, 400 or 413): one field broken on purpose. */
export function invalidObservation(r: Random, limits: { symbols: number; symbolBytes: number }): unknown {
  const valid = { strings: ["a", "b"], emotives: { joy: 0.5 }, metadata: { k: "v" } };
  switch (r.int(11)) {
    case 0:
      return { ...valid, strings: r.pick(["a", 1, {}, null, true]) };
    case 1:
      return { ...valid, strings: ["a", r.pick([1, null, {}, [], true, 1.5])] };
    case 2:
      return { ...valid, emotives: r.pick(["x", [], 1, null]) };
    case 3:
      return { ...valid, emotives: { joy: r.pick(["1", null, [], {}, true]) } };
    case 4:
      return { ...valid, metadata: r.pick(["x", [1], 1, true]) };
    case 5:
      return { ...valid, vectors: [[r.pick(ODD_NUMBERS)]] };
    case 6:
      return { ...valid, vectors: r.pick(["x", [1], [["a"]], { v: 1 }]) };
    case 7:
      return { ...valid, strings: [...Array(limits.symbols + 1 + r.int(100))].map((_, i) => `s${i}`) };
    case 8:
      return { ...valid, strings: ["ok", "y".repeat(limits.symbolBytes + 1 + r.int(100))] };
    case 9:
      return { ...valid, metadata: { deep: heavyMetadata(r), also: junk(r) }, emotives: { bad: "x" } };
    default:
      return r.pick([[], "observation", 42, null, [valid]]);
  }
}

/** An observation mutated at random: valid or not. */
export function mutatedObservation(r: Random): unknown {
  const observation: Record<string, unknown> = {
    strings: [...Array(r.int(5))].map(() => r.chance(0.8) ? `s${r.int(20)}` : r.pick(ODD_STRINGS)),
  };
  if (r.chance(0.3)) observation.emotives = r.chance(0.7) ? { joy: r.pick(ODD_NUMBERS) } : junk(r);
  if (r.chance(0.3)) observation.metadata = r.chance(0.2) ? heavyMetadata(r) : junk(r);
  if (r.chance(0.1)) observation.vectors = junk(r);
  if (r.chance(0.1)) observation[r.pick(ODD_STRINGS)] = junk(r);
  if (r.chance(0.05)) return junk(r);
  return observation;
}
