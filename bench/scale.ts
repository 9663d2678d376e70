/**
 * `deno task bench:scale`: the scale run. For each N (as far as this machine's memory allows) it
 * measures, on one seeded dataset (`_dataset.ts`: lengths 10..90, Zipf symbols over 50,000, states of
 * 50):
 *
 * - engine: the TypeScript index, libmatcher's CPU backend and the GPU side by side, in-process: load
 *   time, one state per call and 16 per call, candidates per query, memory; answers compared;
 * - python: KATO's sequential path in pure Python (`kato_baseline.py`), measured on up to
 *   `--python-max` patterns and extrapolated beyond, labelled so;
 * - http: the real server on an embedded store holding the N patterns: cold start, predictions with
 *   1 and 32 concurrent clients (p50/p95/p99, throughput, match/predict split), learn latency, RSS and
 *   device memory.
 *
 * Results go to `bench/results/<label>.json` after every phase (a cut-off run keeps what it did);
 * `deno task bench:report` turns them into docs/BENCHMARKS.md.
 *
 *     deno task bench:scale                                  # every size that fits, every phase
 *     deno task bench:scale --sizes 10000000 --phases http --label h200 --append
 *
 * Run `deno task bench:scale --help` for every option.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { totalmem } from "node:os";
import { tryOpenNative } from "../src/engine/native/mod.ts";
import { DEFAULT_LIMITS } from "../src/service/limits.ts";
import { Dataset, DEFAULT_DATASET } from "./_dataset.ts";
import { type EngineName, type EngineRow, measureEngine, type ReferenceDigests } from "./_engine_phase.ts";
import { measureHttp } from "./_http_phase.ts";
import { describeMachine } from "./_machine.ts";
import { measurePython, type PythonMeasurement, pythonRow } from "./_python_phase.ts";
import { type Phase, readResults, type ScaleResults, type SizeResult, writeResults } from "./_results.ts";

const HELP = `deno task bench:scale [options]
  --sizes LIST          pattern counts (1000,10000,100000,1000000,10000000); sizes that would not fit
                        in memory are skipped unless --force
  --phases LIST         engine,python,http
  --engines LIST        engine phase: cuda,cpu,ts (those available)
  --http-engines LIST   servers for the http phase: cuda, cpu (GPU_ENABLED=false), ts (NATIVE_ENABLED=false);
                        default: cuda where there is a GPU, else cpu
  --thresholds LIST     recall thresholds (0.5,0.1)
  --queries Q           engine phase states per threshold (100); --batch W states per call (16);
                        --engine-seconds S stops an engine's states after S seconds (60; 5 states at least)
  --ts-max N            largest N for the TypeScript index (1000000)
  --python-max N        most patterns the Python baseline scores (10000); --python-queries Q (5)
  --python-methods LIST dp,difflib
  --http-states S       distinct sessions/states the clients cycle through (64)
  --clients LIST        concurrent clients per run (1,32); --duration S per run (10); --max-requests R (20000)
  --learns L            learns timed over HTTP (100)
  --http-max-candidates C  skip an HTTP threshold whose engine-phase candidates per query exceed C (1000000)
  --data-root DIR       seeded stores, one per N, reused (data/bench)
  --label NAME          results file bench/results/NAME.json (the hostname)
  --append              keep other sizes and phases already in the results file
  --force               run sizes the memory estimate would skip`;

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1000,10000,100000,1000000,10000000" },
    phases: { type: "string", default: "engine,python,http" },
    engines: { type: "string" },
    "http-engines": { type: "string" },
    thresholds: { type: "string", default: "0.5,0.1" },
    queries: { type: "string", default: "100" },
    "engine-seconds": { type: "string", default: "60" },
    batch: { type: "string", default: "16" },
    "ts-max": { type: "string", default: "1000000" },
    "python-max": { type: "string", default: "10000" },
    "python-queries": { type: "string", default: "5" },
    "python-methods": { type: "string", default: "dp,difflib" },
    "http-states": { type: "string", default: "64" },
    clients: { type: "string", default: "1,32" },
    duration: { type: "string", default: "10" },
    "max-requests": { type: "string", default: "20000" },
    learns: { type: "string", default: "100" },
    "http-max-candidates": { type: "string", default: "1000000" },
    "data-root": { type: "string", default: "data/bench" },
    label: { type: "string" },
    append: { type: "boolean", default: false },
    force: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});
if (values.help) {
  console.log(HELP);
  Deno.exit(0);
}

const list = (text: string) => text.split(",").map((item) => item.trim()).filter((item) => item !== "");
const count = (name: string, text: string, min = 1): number => {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`--${name}: expected an integer >= ${min}`);
  return value;
};
const log = (line: string) => console.error(`bench:scale ${new Date().toISOString().slice(11, 19)} ${line}`);

const STATE_LENGTH = 50;
const MAX_PREDICTIONS = 100;
/** Bytes per pattern the largest phase holds (the server: catalog, index, store pages), measured at 1M. */
const BYTES_PER_PATTERN = 1200;

const phases = new Set(list(values.phases));
const thresholds = list(values.thresholds).map(Number);
const sizes = list(values.sizes).map((size) => count("sizes", size)).sort((a, b) => a - b);
const gpu = tryOpenNative("cuda");
gpu.index?.close();
const cpu = tryOpenNative("cpu");
cpu.index?.close();
const available: EngineName[] = [
  ...(gpu.index ? ["cuda" as const] : []),
  ...(cpu.index ? ["cpu" as const] : []),
  "ts",
];
const engines = (values.engines ? list(values.engines) : available) as EngineName[];
for (const engine of engines) {
  if (!available.includes(engine)) throw new RangeError(`--engines: ${engine} is not available here`);
}
const httpEngines = values["http-engines"] ? list(values["http-engines"]) : [gpu.index ? "cuda" : "cpu"];
const SERVER_ENV: Record<string, Record<string, string>> = {
  cuda: { GPU_ENABLED: "true" },
  cpu: { GPU_ENABLED: "false" },
  ts: { NATIVE_ENABLED: "false" },
};
for (const engine of httpEngines) {
  if (SERVER_ENV[engine] === undefined) throw new RangeError(`--http-engines: ${engine} is not cuda, cpu or ts`);
}
if (!gpu.index) log(`no GPU engine: ${gpu.reason}`);

const machine = describeMachine();
const label = values.label ?? Deno.hostname().replace(/[^A-Za-z0-9_-]/g, "-");
const out = new URL(`./results/${label}.json`, import.meta.url).pathname;
await Deno.mkdir(new URL("./results/", import.meta.url), { recursive: true });
let results: ScaleResults = {
  version: 1,
  label,
  machine,
  date: new Date().toISOString(),
  command: `deno task bench:scale ${Deno.args.join(" ")}`.trim(),
  dataset: DEFAULT_DATASET,
  stateLength: STATE_LENGTH,
  maxPredictions: MAX_PREDICTIONS,
  sizes: [],
};
if (values.append) {
  try {
    const previous = await readResults(out);
    const same = (m: typeof machine) => `${m.cpu}|${m.cores}|${m.memoryBytes}|${m.gpu?.name ?? ""}`;
    if (same(previous.machine) !== same(machine)) {
      throw new Error(`Cannot append to ${out}: it was measured on another machine (use another --label)`);
    }
    results = { ...results, sizes: previous.sizes, command: `${previous.command}; ${results.command}` };
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

const queries = count("queries", values.queries);
const pythonMax = count("python-max", values["python-max"]);
const pythonQueries = Math.min(queries, count("python-queries", values["python-queries"]));
const pythonMeasured = new Map<string, PythonMeasurement>();

log(
  `${machine.cpu}, ${machine.cores} cores, ${(machine.memoryBytes / 2 ** 30).toFixed(0)} GiB` +
    (machine.gpu ? `, ${machine.gpu.name}` : ", no GPU") + ` → ${out}`,
);
for (const patterns of sizes) {
  if (!values.force && patterns * BYTES_PER_PATTERN > 0.7 * totalmem()) {
    log(
      `skipping N=${patterns}: needs about ${
        (patterns * BYTES_PER_PATTERN / 2 ** 30).toFixed(1)
      } GiB (--force runs it)`,
    );
    continue;
  }
  const size = sizeEntry(patterns);
  const dataset = new Dataset({ ...DEFAULT_DATASET, patterns });
  const states = Array.from({ length: queries }, (_, q) => dataset.stateSymbols(q, STATE_LENGTH));
  const reference: ReferenceDigests = new Map();

  if (phases.has("engine")) {
    log(`N=${patterns}: generating`);
    const { lengths, symbols } = dataset.columns(0, patterns);
    const workload = {
      lengths,
      symbols,
      states,
      thresholds,
      batchWidth: count("batch", values.batch),
      warmup: 5,
      budgetMs: Number(values["engine-seconds"]) * 1000,
      minQueries: 5,
    };
    const rows: EngineRow[] = [];
    for (const engine of engines) {
      if (engine === "ts" && patterns > count("ts-max", values["ts-max"])) continue;
      rows.push(...await measureEngine(engine, workload, reference, log));
    }
    size.engine = rows;
    stamp(size, "engine");
    await writeResults(out, results);
  }

  if (phases.has("python")) {
    size.python = [];
    const measuredAt = Math.min(patterns, pythonMax);
    for (const method of list(values["python-methods"]) as ("dp" | "difflib")[]) {
      for (const threshold of thresholds) {
        const key = `${method}:${threshold}:${measuredAt}`;
        let measurement = pythonMeasured.get(key);
        if (measurement === undefined) {
          log(`N=${patterns}: python ${method} t=${threshold} on ${measuredAt} patterns`);
          measurement = await measurePython(
            dataset,
            states.slice(0, pythonQueries),
            measuredAt,
            method,
            threshold,
            "/tmp",
          );
          pythonMeasured.set(key, measurement);
        }
        const row = pythonRow(measurement, patterns, reference.get(threshold));
        size.python.push(row);
        log(
          `python ${method} t=${threshold}: ${row.msPerQuery} ms/query${row.extrapolated ? " (extrapolated)" : ""}` +
            (row.agreesWithEngines === false ? ", ANSWERS DIFFER" : ""),
        );
      }
    }
    stamp(size, "python");
    await writeResults(out, results);
  }

  if (phases.has("http")) {
    size.http = [];
    const stringStates = Array.from(
      { length: count("http-states", values["http-states"]) },
      (_, q) => dataset.stateEvents(q, STATE_LENGTH),
    );
    const maxCandidates = count("http-max-candidates", values["http-max-candidates"]);
    const skipThresholds = new Map<number, string>();
    for (const row of size.engine) {
      if (row.candidatesPerQuery > maxCandidates && !skipThresholds.has(row.threshold)) {
        skipThresholds.set(
          row.threshold,
          `${Math.round(row.candidatesPerQuery)} candidates per query (engine phase) > --http-max-candidates ` +
            `${maxCandidates}: every one is aligned, minutes per request`,
        );
      }
    }
    for (const engine of httpEngines) {
      size.http.push(
        await measureHttp({
          dataDir: `${values["data-root"]}/n${patterns}-seed${DEFAULT_DATASET.seed}`,
          dataset,
          states: stringStates,
          thresholds,
          clients: list(values.clients).map((clients) => count("clients", clients)),
          durationMs: Number(values.duration) * 1000,
          maxRequests: count("max-requests", values["max-requests"]),
          learns: count("learns", values.learns, 0),
          maxPredictions: MAX_PREDICTIONS,
          // The server refuses predictions past MAX_PREDICTION_CANDIDATES; let through what this run measures.
          env: {
            ...SERVER_ENV[engine]!,
            MAX_PREDICTION_CANDIDATES: String(Math.max(DEFAULT_LIMITS.maxPredictionCandidates, 2 * maxCandidates)),
          },
          skipThresholds,
          readyTimeoutMs: 30_000 + patterns / 20,
          log,
        }),
      );
      stamp(size, "http");
      await writeResults(out, results);
    }
  }
}
log(`done: ${out}`);

/** Records the commit and time a phase of a size ran at. */
function stamp(size: SizeResult, phase: Phase): void {
  // Results written before phases were stamped have no `measured`.
  (size.measured ??= {})[phase] = { commit: machine.commit, date: new Date().toISOString() };
}

/** The results entry of N, created empty or, with --append, the one already there (its phases replaced). */
function sizeEntry(patterns: number): SizeResult {
  let size = results.sizes.find((entry) => entry.patterns === patterns);
  if (size === undefined) {
    size = { patterns, measured: {}, engine: [], python: [], http: [] };
    results.sizes.push(size);
  }
  return size;
}
