/**
 * The Python phase of the scale run: `kato_baseline.py` (KATO's sequential path in pure Python) on
 * the first patterns of the dataset, the same states as the engines. Beyond what it can score in a
 * bounded time, its cost per pattern is carried to N and the row says it is extrapolated.
 *
 * @module
 */

import type { Dataset } from "./_dataset.ts";
import { writeDatasetFile } from "./_dataset_file.ts";

/** One method at one threshold. */
export interface PythonRow {
  method: "dp" | "difflib";
  threshold: number;
  /** Patterns the baseline actually scored. */
  patternsMeasured: number;
  queries: number;
  /** Median ms per query over `patternsMeasured` patterns. */
  measuredMsPerQuery: number;
  /** Median ms per query at the row's N: measured when N = patternsMeasured, else scaled linearly. */
  msPerQuery: number;
  extrapolated: boolean;
  /** Null when extrapolated: the candidates of patterns it did not score are unknown. */
  candidatesPerQuery: number | null;
  /** dp only: whether every answer equals the engines' on the same patterns (null: not comparable). */
  agreesWithEngines: boolean | null;
  python: string;
}

/** A measured baseline, reusable for every larger N. */
export interface PythonMeasurement {
  method: PythonRow["method"];
  threshold: number;
  patterns: number;
  ms: number[];
  candidates: number[];
  digests: string[];
  python: string;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

/** Runs the baseline on the first `patterns` patterns for the first `queries` states. */
export async function measurePython(
  dataset: Dataset,
  states: readonly Int32Array[],
  patterns: number,
  method: PythonRow["method"],
  threshold: number,
  dir: string,
): Promise<PythonMeasurement> {
  const file = `${dir}/baseline-${patterns}.kds`;
  await writeDatasetFile(file, dataset, patterns, states);
  const script = new URL("./kato_baseline.py", import.meta.url).pathname;
  const { success, stdout, stderr } = await new Deno.Command("python3", {
    args: [script, "--dataset", file, "--patterns", String(patterns), "--queries", String(states.length)]
      .concat(["--threshold", String(threshold), "--method", method]),
    stdout: "piped",
    stderr: "piped",
  }).output();
  await Deno.remove(file);
  if (!success) throw new Error(`Cannot run kato_baseline.py: ${new TextDecoder().decode(stderr)}`);
  const out = JSON.parse(new TextDecoder().decode(stdout));
  return {
    method,
    threshold,
    patterns,
    ms: out.ms,
    candidates: out.candidates,
    digests: out.digests,
    python: out.python,
  };
}

/** The row at N from a measurement on `measurement.patterns <= N` patterns. */
export function pythonRow(
  measurement: PythonMeasurement,
  patterns: number,
  engineDigests: readonly string[] | undefined,
): PythonRow {
  const measured = median(measurement.ms);
  const extrapolated = patterns !== measurement.patterns;
  const comparable = measurement.method === "dp" && !extrapolated && engineDigests !== undefined;
  return {
    method: measurement.method,
    threshold: measurement.threshold,
    patternsMeasured: measurement.patterns,
    queries: measurement.ms.length,
    measuredMsPerQuery: Math.round(measured * 1000) / 1000,
    msPerQuery: Math.round(measured * (patterns / measurement.patterns) * 1000) / 1000,
    extrapolated,
    candidatesPerQuery: extrapolated
      ? null
      : measurement.candidates.reduce((a, b) => a + b, 0) / measurement.candidates.length,
    agreesWithEngines: comparable ? measurement.digests.every((digest, q) => digest === engineDigests[q]) : null,
    python: measurement.python,
  };
}
