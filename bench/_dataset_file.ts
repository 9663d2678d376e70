/**
 * A dataset as one binary file, for tools outside Deno (the Python baseline `kato_baseline.py`) and for
 * runs that want the patterns without regenerating them:
 *
 *     "KATODS1\n"                     8 bytes
 *     u32 LE  H                       length of the JSON header
 *     H bytes JSON                    { spec, patterns, patternSymbols, states, stateSymbols }
 *     i32 LE  lengths[patterns]       then every pattern's symbol ranks, concatenated
 *     i32 LE  lengths[states]         then every state's symbol ranks, concatenated
 *
 * Written in chunks, so a 10M-pattern file never sits in memory.
 *
 * @module
 */

import type { Dataset, DatasetSpec } from "./_dataset.ts";

/** The file's first 8 bytes. */
export const DATASET_MAGIC = "KATODS1\n";

/** The JSON header. */
export interface DatasetFileHeader {
  spec: DatasetSpec;
  patterns: number;
  patternSymbols: number;
  states: number;
  stateSymbols: number;
}

const CHUNK = 100_000;

/** Little-endian bytes of an Int32Array (a copy on a big-endian host, a view elsewhere). */
function le(values: Int32Array): Uint8Array {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  if (new Uint8Array(Int32Array.of(1).buffer)[0] === 1) return bytes;
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setInt32(i * 4, v, true));
  return out;
}

/**
 * Writes patterns `0 .. patterns - 1` of `dataset` and the given states to `path`; returns the header.
 *
 * @example Two patterns, one state
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { Dataset, DEFAULT_DATASET } from "./_dataset.ts";
 * import { writeDatasetFile } from "./_dataset_file.ts";
 * const dataset = new Dataset({ ...DEFAULT_DATASET, patterns: 2 });
 * const path = await Deno.makeTempFile();
 * const header = await writeDatasetFile(path, dataset, 2, [dataset.stateSymbols(0, 5)]);
 * strictEqual(header.states, 1);
 * strictEqual(header.stateSymbols, 5);
 * await Deno.remove(path);
 * ```
 */
export async function writeDatasetFile(
  path: string,
  dataset: Dataset,
  patterns: number,
  states: readonly Int32Array[],
): Promise<DatasetFileHeader> {
  const lengths = Int32Array.from({ length: patterns }, (_, k) => dataset.lengthOf(k));
  const patternSymbols = lengths.reduce((sum, length) => sum + length, 0);
  const stateSymbols = states.reduce((sum, state) => sum + state.length, 0);
  const header: DatasetFileHeader = {
    spec: dataset.spec,
    patterns,
    patternSymbols,
    states: states.length,
    stateSymbols,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const write = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await file.write(bytes.subarray(at));
  };
  const size = new Uint8Array(4);
  new DataView(size.buffer).setUint32(0, json.length, true);
  await write(new TextEncoder().encode(DATASET_MAGIC));
  await write(size);
  await write(json);
  await write(le(lengths));
  for (let start = 0; start < patterns; start += CHUNK) {
    await write(le(dataset.columns(start, Math.min(CHUNK, patterns - start)).symbols));
  }
  await write(le(Int32Array.from(states, (state) => state.length)));
  for (const state of states) await write(le(state));
  return header;
}
