// Expected reprs and digests below were produced by CPython 3.11.7:
// python3 -c "import hashlib; r = repr(events); print(r, hashlib.sha1(r.encode()).hexdigest())"

import { strictEqual } from "node:assert";
import { isPrintable, patternName, pyReprEvents, pyReprString } from "../src/kato/mod.ts";

Deno.test("patternName() gives SEMANTICS.md's check values", () => {
  strictEqual(patternName([["a", "b"]]), "395314cc2f2880a00c3e6e11f1e02d8b8c45a0e4");
  strictEqual(
    patternName([["hello"], ["world"], ["test"]]),
    "386fbb12926e8e015a1483990df913e8410f94ce",
  );
});

Deno.test("pyReprString() chooses quotes as CPython does", () => {
  strictEqual(pyReprString("plain"), "'plain'");
  strictEqual(pyReprString("it's"), `"it's"`);
  strictEqual(pyReprString('say "hi"'), `'say "hi"'`);
  // Both quotes: single quotes, the single one escaped.
  strictEqual(pyReprString(`both '"`), `'both \\'"'`);
  strictEqual(pyReprString(""), "''");
});

Deno.test("pyReprString() escapes backslashes and control characters", () => {
  strictEqual(pyReprString("a\\b"), "'a\\\\b'");
  strictEqual(
    pyReprString("\t\n\r\x00\x7f\x85\xa0\xad"),
    "'\\t\\n\\r\\x00\\x7f\\x85\\xa0\\xad'",
  );
  strictEqual(pyReprString("\x0b\x0c\x1f"), "'\\x0b\\x0c\\x1f'");
});

Deno.test("pyReprString() keeps printable non-ASCII and escapes the rest by width", () => {
  strictEqual(pyReprString("é日本\u{1f600}"), "'é日本\u{1f600}'");
  strictEqual(pyReprString("\u200b\u2028\u3000"), "'\\u200b\\u2028\\u3000'");
  strictEqual(pyReprString("\u{e0001}\u{10ffff}"), "'\\U000e0001\\U0010ffff'");
  // A lone surrogate is category Cs.
  strictEqual(pyReprString("\ud800"), "'\\ud800'");
});

Deno.test("isPrintable() follows Python 3.11's Unicode 14, not the engine's", () => {
  // Unassigned in Unicode 14, assigned in 15+: Python 3.11 escapes them.
  strictEqual(isPrintable(0x0897), false);
  strictEqual(isPrintable(0x1b4e), false);
  strictEqual(isPrintable(0x0896), false);
  strictEqual(isPrintable(0x0898), true);
  strictEqual(isPrintable(0x20), true);
  strictEqual(isPrintable(0x1f), false);
  strictEqual(isPrintable(0x10ffff), false);
  strictEqual(isPrintable(0), false);
});

Deno.test("pyReprEvents() and patternName() match CPython on quotes, escapes and unicode", () => {
  const cases: [string[][], string, string][] = [
    [[["it's"]], `[["it's"]]`, "d4cfde952d0558ee0e1a8444978a16a1c4ecbfb3"],
    [[['say "hi"']], `[['say "hi"']]`, "e697fa108d97883494cd5f32b92552faf40da9ac"],
    [[[`both '"`]], `[['both \\'"']]`, "4d7170b108abf60b878eae9aab836e3f5f311713"],
    [[["a\\b"]], "[['a\\\\b']]", "9ce62491850a0be6ae44bbdc33101152afcf1788"],
    [
      [["\t\n\r\x00\x7f\x85\xa0\xad"]],
      "[['\\t\\n\\r\\x00\\x7f\\x85\\xa0\\xad']]",
      "57d1b8b02d8f4879ac21d1936fa9554647249ad3",
    ],
    [
      [["é", "日本", "\u{1f600}"]],
      "[['é', '日本', '\u{1f600}']]",
      "72a80a32b505e43b2185ffb8e2b48f5942fb152e",
    ],
    [
      [["\u0897", "\u200b", "\u2028", "\u{e0001}", "\ud800"]],
      "[['\\u0897', '\\u200b', '\\u2028', '\\U000e0001', '\\ud800']]",
      "baf801734c2fc72986e853425655af1d546e0d81",
    ],
    [[[]], "[[]]", "1376774b81b43f6e0e269cb3187301b22cff8b7e"],
    [[], "[]", "97d170e1550eee4afc0af065b78cda302a97674c"],
    [[[""], [" "]], "[[''], [' ']]", "bd11e5d881178dc0a338d5159b801713ab3552c3"],
  ];
  for (const [events, repr, name] of cases) {
    strictEqual(pyReprEvents(events), repr);
    strictEqual(patternName(events), name);
  }
});
