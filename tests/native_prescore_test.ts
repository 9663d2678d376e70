import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { PatternCatalog } from "../src/engine/catalog.ts";
import { SymbolEncoder } from "../src/engine/encoder.ts";
import { nativePrescorer } from "../src/engine/native/prescore.ts";
import { AlignmentScorer } from "../src/kato/alignment_score.ts";
import { patternName } from "../src/kato/hash.ts";
import { prePotential } from "../src/kato/ranking.ts";
import { observeAll, startService } from "./_service.ts";

const prescore = nativePrescorer();
const ignore = prescore === undefined;
if (ignore) console.log("SKIPPED native prescore tests: libmatcher 1.1 not loadable; run deno task build:native");

function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

Deno.test({ name: "matcher_prescore gives the TypeScript scorer's pre, bit for bit", ignore }, async () => {
  const rnd = random(31);
  const vocabulary = Array.from({ length: 40 }, (_, k) => `s${k}`);
  const encoder = new SymbolEncoder(vocabulary);
  const catalog = new PatternCatalog();
  for (let k = 0; k < 600; k++) {
    // Few symbols, repeated: many equal-length blocks, so difflib's tie rules decide.
    const symbols = 1 + Math.floor(rnd() * (k % 3 === 0 ? 4 : 40));
    const events = Array.from(
      { length: 1 + Math.floor(rnd() * 12) },
      () => Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => `s${Math.floor(rnd() * symbols)}`).sort(),
    );
    catalog.add(patternName([...events, [`k${k}`]]), events, encoder, 1, []);
  }
  const view = catalog.view();
  for (let round = 0; round < 60; round++) {
    const length = 1 + Math.floor(rnd() * 120);
    // Ids of a state: known symbols, and -1 for unknown ones.
    const state = Int32Array.from({ length }, () => rnd() < 0.1 ? -1 : 1 + Math.floor(rnd() * (round % 2 ? 4 : 40)));
    const ids = Int32Array.from({ length: 100 + Math.floor(rnd() * 500) }, () => Math.floor(rnd() * catalog.size));
    const native = await prescore!(view, ids, state);
    const scorer = new AlignmentScorer<number>(Array.from(state));
    ids.forEach((id, c) => {
      const expected = prePotential(scorer.score(view.symbolsOf(id), view.eventSizesOf(id)));
      ok(Object.is(native[c], expected), `round ${round}, pattern ${id}: ${native[c]} != ${expected}`);
    });
  }
  strictEqual((await prescore!(view, new Int32Array(0), Int32Array.of(1))).length, 0);
});

Deno.test(
  { name: "predictions are the same with native scoring and without, at a low threshold", ignore },
  async () => {
    const rnd = random(8);
    const patterns = Array.from(
      { length: 120 },
      () => Array.from({ length: 2 + Math.floor(rnd() * 6) }, () => [`w${Math.floor(rnd() * 12)}`]),
    );
    const stm = Array.from({ length: 8 }, () => [`w${Math.floor(rnd() * 14)}`]);
    const answers = [];
    for (const native of ["true", "false"]) {
      await using t = await startService({ NATIVE_ENABLED: native });
      const id = await t.session(undefined, { recall_threshold: 0.1, max_predictions: 3 });
      for (const events of patterns) {
        await observeAll(t, id, events);
        await t.call("POST", `/sessions/${id}/learn`);
      }
      await observeAll(t, id, stm);
      const { json } = await t.call("GET", `/sessions/${id}/predictions`);
      ok(json.count === 3, `expected 3 predictions, got ${json.count}`);
      answers.push(json.predictions);
    }
    deepStrictEqual(answers[0], answers[1]);
  },
);
