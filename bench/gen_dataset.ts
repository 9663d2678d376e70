/**
 * `deno task bench:gen`: the seeded benchmark dataset (`_dataset.ts`), written straight into a store
 * (as an import would: patterns, vocabulary, statistics, totals) and/or into a binary file
 * (`_dataset_file.ts`, which `kato_baseline.py` reads).
 *
 *     deno task bench:gen --patterns 1000000 --data-dir data/bench/n1000000-seed11
 *     deno task bench:gen --patterns 10000 --file /tmp/10k.kds --states 100
 *
 * The store write is resumable (a store holding part of the dataset gets the rest) and goes to
 * MongoDB when `MONGODB_URL` is set. Progress on stderr; one JSON line on stdout.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { openStore } from "../src/store/mod.ts";
import { Dataset, DEFAULT_DATASET } from "./_dataset.ts";
import { writeDatasetFile } from "./_dataset_file.ts";
import { NODE_ID } from "./_http_phase.ts";
import { seedStore } from "./_seed_store.ts";

const { values } = parseArgs({
  options: {
    patterns: { type: "string", default: "100000" },
    "data-dir": { type: "string" },
    file: { type: "string" },
    states: { type: "string", default: "100" },
    "state-length": { type: "string", default: "50" },
    node: { type: "string", default: NODE_ID },
    seed: { type: "string", default: String(DEFAULT_DATASET.seed) },
  },
});
const integer = (name: string, text: string) => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`--${name}: expected a positive integer`);
  return value;
};
const patterns = integer("patterns", values.patterns);
if (values["data-dir"] === undefined && values.file === undefined) {
  throw new TypeError("Cannot generate: give --data-dir (a store), --file (a binary file) or both");
}
const dataset = new Dataset({ ...DEFAULT_DATASET, patterns, seed: integer("seed", values.seed) });
if (values.file !== undefined) {
  const states = Array.from(
    { length: integer("states", values.states) },
    (_, q) => dataset.stateSymbols(q, integer("state-length", values["state-length"])),
  );
  const header = await writeDatasetFile(values.file, dataset, patterns, states);
  console.log(JSON.stringify({ bench: "gen_dataset", file: values.file, ...header }));
}
if (values["data-dir"] !== undefined) {
  const store = await openStore({ dataDir: values["data-dir"], mongodbUrl: Deno.env.get("MONGODB_URL") });
  try {
    const report = await seedStore(store, values.node, dataset, (line) => console.error(line));
    console.log(JSON.stringify({ bench: "seed_store", store: store.kind, ...dataset.spec, ...report }));
  } finally {
    await store.close();
  }
}
