import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { Dataset, DEFAULT_DATASET } from "../bench/_dataset.ts";
import { writeDatasetFile } from "../bench/_dataset_file.ts";
import { candidateDigest } from "../bench/_digest.ts";
import { TsIndex } from "../src/engine/ts_index.ts";
import { encodedOf } from "../src/engine/matcher.ts";

const dataset = new Dataset({ ...DEFAULT_DATASET, patterns: 300 });

Deno.test("Dataset patterns are deterministic, in KATO order, and columns concatenate them", () => {
  const again = new Dataset({ ...DEFAULT_DATASET, patterns: 300 });
  for (let k = 0; k < 50; k++) {
    deepStrictEqual(dataset.symbols(k), again.symbols(k));
    strictEqual(dataset.symbols(k).length, dataset.lengthOf(k));
    const events = dataset.events(k);
    ok(events.every((event) => event.length <= DEFAULT_DATASET.eventSize));
    for (const event of events) deepStrictEqual(event, [...event].sort(), `pattern ${k}: events sorted as KATO sorts`);
    deepStrictEqual(events.flat(), Array.from(dataset.symbols(k), (rank) => dataset.symbolOf(rank)));
  }
  const { lengths, symbols } = dataset.columns(10, 20);
  const expected = Array.from({ length: 20 }, (_, i) => [...dataset.symbols(10 + i)]).flat();
  deepStrictEqual([...symbols], expected);
  deepStrictEqual([...lengths], Array.from({ length: 20 }, (_, i) => dataset.lengthOf(10 + i)));
});

Deno.test("Dataset states flatten to the symbols the engines query with, and near-match stored patterns", () => {
  const index = new TsIndex();
  const { lengths, symbols } = dataset.columns(0, 300);
  index.add(encodedOf(Int32Array.from({ length: 300 }, (_, i) => i), lengths, symbols));
  let nearMatches = 0;
  for (let q = 0; q < 20; q++) {
    const events = dataset.stateEvents(q, 50);
    for (const event of events) deepStrictEqual(event, [...event].sort());
    deepStrictEqual(events.flat(), Array.from(dataset.stateSymbols(q, 50), (rank) => dataset.symbolOf(rank)));
    if (index.query(dataset.stateSymbols(q, 50), 0.5).length > 0) nearMatches++;
  }
  ok(nearMatches >= 5, `only ${nearMatches} of 20 states have a candidate at 0.5`);
});

const python = (() => {
  try {
    return new Deno.Command("python3", { args: ["--version"], stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
})();

Deno.test({
  name: python
    ? "kato_baseline.py (pure-Python DP) finds exactly the TypeScript index's candidates"
    : "kato_baseline.py agreement: skipped, python3 is not on PATH",
  ignore: !python,
}, async () => {
  const states = Array.from({ length: 4 }, (_, q) => dataset.stateSymbols(q, 30 + 10 * q));
  const file = await Deno.makeTempFile({ suffix: ".kds" });
  try {
    await writeDatasetFile(file, dataset, 300, states);
    const index = new TsIndex();
    const { lengths, symbols } = dataset.columns(0, 300);
    index.add(encodedOf(Int32Array.from({ length: 300 }, (_, i) => i), lengths, symbols));
    for (const threshold of [0.1, 0.3, 2 / 3]) {
      const script = new URL("../bench/kato_baseline.py", import.meta.url).pathname;
      const { stdout, success } = await new Deno.Command("python3", {
        args: [script, "--dataset", file, "--patterns", "300", "--queries", "4", "--threshold", String(threshold)],
        stdout: "piped",
      }).output();
      ok(success);
      const out = JSON.parse(new TextDecoder().decode(stdout));
      const answers = states.map((state) => index.query(state, threshold));
      deepStrictEqual(out.candidates, answers.map((answer) => answer.length), `t=${threshold}`);
      deepStrictEqual(out.digests, answers.map(candidateDigest), `t=${threshold}`);
    }
  } finally {
    await Deno.remove(file);
  }
});
