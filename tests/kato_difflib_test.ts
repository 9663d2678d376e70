// Hand cases for the difflib port; expected values come from CPython 3.11.7
// (most are difflib's own docstring examples).

import { deepStrictEqual, strictEqual } from "node:assert";
import {
  alignPattern,
  codePoints,
  differPlusCount,
  flatten,
  katoComparePlusCount,
  lcsSimilarity,
  SequenceMatcher,
} from "../src/kato/mod.ts";

const chars = (a: string, b: string, autojunk = true) =>
  new SequenceMatcher(codePoints(a), codePoints(b), { autojunk });
const triples = (sm: SequenceMatcher<unknown>) => sm.getMatchingBlocks().map((m) => [m.a, m.b, m.size]);

Deno.test("findLongestMatch() prefers the earliest block in a, then in b", () => {
  deepStrictEqual(chars(" abcd", "abcd abcd").findLongestMatch(0, 5, 0, 9), {
    a: 0,
    b: 4,
    size: 5,
  });
  deepStrictEqual(chars("ab", "c").findLongestMatch(0, 2, 0, 1), { a: 0, b: 0, size: 0 });
});

Deno.test("getMatchingBlocks() merges adjacent blocks and drops the terminator", () => {
  deepStrictEqual(triples(chars("abxcd", "abcd")), [[0, 0, 2], [3, 2, 2]]);
  deepStrictEqual(triples(chars("", "")), []);
});

Deno.test("getOpcodes() turns a into b as CPython does", () => {
  deepStrictEqual(chars("qabxcd", "abycdf").getOpcodes(), [
    ["delete", 0, 1, 0, 0],
    ["equal", 1, 3, 0, 2],
    ["replace", 3, 4, 2, 3],
    ["equal", 4, 6, 3, 5],
    ["insert", 6, 6, 5, 6],
  ]);
});

Deno.test("ratio(), quickRatio() and realQuickRatio() match CPython", () => {
  const sm = chars("abcd", "bcde");
  strictEqual(sm.ratio(), 0.75);
  strictEqual(sm.quickRatio(), 0.75);
  strictEqual(sm.realQuickRatio(), 1.0);
  strictEqual(chars("", "").ratio(), 1.0);
});

Deno.test("SequenceMatcher indexes strings by code point, not UTF-16 unit", () => {
  const sm = chars("a\u{1f600}b", "\u{1f600}b");
  deepStrictEqual(triples(sm), [[1, 0, 2]]);
  strictEqual(sm.ratio(), 0.8);
});

Deno.test("[b,c,b] vs [c,a,b]: Ratcliff/Obershelp finds 1 match where the LCS is 2", () => {
  const p = ["b", "c", "b"], s = ["c", "a", "b"];
  const sm = new SequenceMatcher(p, s, { autojunk: false });
  deepStrictEqual(triples(sm), [[0, 2, 1]]);
  strictEqual(sm.ratio(), 1 / 3);
  strictEqual(lcsSimilarity(p, s), 0.6666666666666665);
});

Deno.test("autojunk makes popular elements unable to start a match once b has 200 elements", () => {
  const a = ["x", "x", "x"], b = ["y", ...Array(200).fill("x")];
  deepStrictEqual(triples(new SequenceMatcher(a, b)), []);
  deepStrictEqual(triples(new SequenceMatcher(a, b, { autojunk: false })), [[0, 1, 3]]);
  // 199 elements: below the threshold, nothing is popular.
  deepStrictEqual(triples(new SequenceMatcher(a, b.slice(0, 199))), [[0, 1, 3]]);
});

Deno.test("autojunk still lets popular elements extend a match", () => {
  // The empty best match at (0, 0) extends over equal popular elements.
  deepStrictEqual(triples(new SequenceMatcher(["x", "x"], Array(200).fill("x"))), [[0, 0, 2]]);
});

Deno.test("differPlusCount() counts close pairs, identical pairs and plain replaces", () => {
  // Differ yields: - abcdefgh, ?, + abcdefgx, ?, - zzz, + yyy
  strictEqual(differPlusCount(["abcdefgh", "zzz"], ["abcdefgx", "yyy"]), 2);
  strictEqual(differPlusCount([], ["a", "b"]), 2);
  strictEqual(differPlusCount(["a", "b"], []), 0);
  strictEqual(differPlusCount(["a", "b"], ["a", "b"]), 0);
});

Deno.test("differPlusCount() departs from KATO's compare only through autojunk", () => {
  const a = ["q", "p", "p"];
  const b = [...Array(195).fill("p"), "r", "r", "r", "q", "q"];
  strictEqual(differPlusCount(a, b), 199);
  strictEqual(katoComparePlusCount(a, b), 198);
  const short = b.slice(1);
  strictEqual(differPlusCount(a, short), katoComparePlusCount(a, short));
});

Deno.test("alignPattern() extras count equals KATO's compare of present against the state", () => {
  // Pseudo-random patterns and states over a tiny alphabet (LCG, fixed seed).
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const events = (count: number) =>
    Array.from({ length: count }, () => Array.from({ length: 1 + next(3) }, () => "abc"[next(3)]!));
  for (let k = 0; k < 300; k++) {
    const pattern = events(1 + next(8)), stm = events(1 + next(8));
    const a = alignPattern(pattern, stm);
    const state = flatten(stm);
    const expected = a.presentFlat.length === 0 ? 0 : katoComparePlusCount(a.presentFlat, state);
    strictEqual(a.extrasCount, expected);
  }
});
