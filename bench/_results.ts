/**
 * The results file of `deno task bench:scale` (`bench/results/*.json`), which `deno task bench:report`
 * turns into `docs/BENCHMARKS.md`.
 *
 * @module
 */

import type { DatasetSpec } from "./_dataset.ts";
import type { EngineRow } from "./_engine_phase.ts";
import type { HttpRow } from "./_http_phase.ts";
import type { Machine } from "./_machine.ts";
import type { PythonRow } from "./_python_phase.ts";

/** A benchmark phase. */
export type Phase = "engine" | "python" | "http";

/** Everything measured at one N. */
export interface SizeResult {
  patterns: number;
  /** Commit and time each phase ran at (an appended run may add phases from a later commit). */
  measured: Partial<Record<Phase, { commit: string; date: string }>>;
  engine: EngineRow[];
  python: PythonRow[];
  http: HttpRow[];
}

/** One run of the scale runner on one machine. */
export interface ScaleResults {
  version: 1;
  /** A short name for the run, e.g. `h200` or `dev-vm`. */
  label: string;
  machine: Machine;
  /** ISO time the run started. */
  date: string;
  /** The command line that produced it. */
  command: string;
  dataset: Omit<DatasetSpec, "patterns">;
  stateLength: number;
  maxPredictions: number;
  /** Ascending by `patterns`. */
  sizes: SizeResult[];
}

/** Reads a results file. */
export async function readResults(path: string): Promise<ScaleResults> {
  const results = JSON.parse(await Deno.readTextFile(path)) as ScaleResults;
  if (results.version !== 1) throw new TypeError(`Cannot read ${path}: results version ${results.version}, 1 expected`);
  return results;
}

/** Writes a results file atomically (a cut-off run leaves the last complete state). */
export async function writeResults(path: string, results: ScaleResults): Promise<void> {
  results.sizes.sort((a, b) => a.patterns - b.patterns);
  await Deno.writeTextFile(`${path}.tmp`, JSON.stringify(results, null, 1) + "\n");
  await Deno.rename(`${path}.tmp`, path);
}
