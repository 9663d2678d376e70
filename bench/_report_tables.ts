/**
 * The tables and charts of one results file, as Markdown and SVG, for `report.ts`.
 *
 * @module
 */

import type { EngineRow } from "./_engine_phase.ts";
import type { HttpRow } from "./_http_phase.ts";
import type { ScaleResults } from "./_results.ts";
import { logLogChart, type Series } from "./_svg.ts";

/** A Markdown table from a header and rows of cells. */
export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(" | ")} |`, `| ${header.map(() => "---").join(" | ")} |`];
  for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
  return lines.join("\n");
}

/** Milliseconds with three significant digits, as a table cell. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value >= 1e6) return `${Math.round(value / 1000).toLocaleString("en")} s`;
  if (value >= 1000) return `${Number((value / 1000).toPrecision(3))} s`;
  return `${Number(value.toPrecision(3))} ms`;
}

/** Bytes in MB or GB (decimal), as a table cell. */
export function bytes(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value >= 1e9) return `${(value / 1e9).toFixed(2)} GB`;
  return `${(value / 1e6).toFixed(0)} MB`;
}

/** A count per query: one decimal while small, whole and grouped when large. */
export function perQuery(value: number): string {
  return value >= 1000 ? Math.round(value).toLocaleString("en") : value.toFixed(1);
}

/** Requests per second from a run's own counts, three significant digits. */
export function rate(run: { requests: number; seconds: number }): string {
  const perSecond = run.seconds > 0 ? run.requests / run.seconds : 0;
  return perSecond >= 1000 ? Math.round(perSecond).toLocaleString("en") : String(Number(perSecond.toPrecision(3)));
}

/** A pattern count as 1K, 10M... */
export function count(value: number): string {
  if (value >= 1e6 && value % 1e6 === 0) return `${value / 1e6}M`;
  if (value >= 1e3 && value % 1e3 === 0) return `${value / 1e3}K`;
  return String(value);
}

const ENGINE_NAMES: Record<string, string> = {
  ts: "TypeScript index",
  cpu: "libmatcher CPU",
  cuda: "libmatcher CUDA",
};

/** Engine-phase rows: every N, threshold and engine. */
export function engineTable(results: ScaleResults): string {
  const rows = results.sizes.flatMap((size) =>
    size.engine.map((row) => [
      count(size.patterns),
      String(row.threshold),
      ENGINE_NAMES[row.engine] ?? row.engine,
      ms(row.loadSeconds * 1000),
      ms(row.single.p50),
      ms(row.single.p95),
      ms(row.single.p99),
      ms(row.singleDevice?.p50),
      row.batched ? `${ms(row.batched.perQuery.p50)} (${row.batched.width})` : "–",
      row.batched ? ms(row.batched.devicePerQuery.p50) : "–",
      perQuery(row.candidatesPerQuery),
      `${row.single.n}`,
      row.engine === "cuda" ? bytes(row.deviceBytes) : "–",
      row.agrees ? "yes" : "**NO**",
    ])
  );
  return table(
    [
      "N",
      "threshold",
      "engine",
      "load",
      "p50",
      "p95",
      "p99",
      "library p50",
      "N per call, per query (N)",
      "N per call, library",
      "candidates/query",
      "queries",
      "device memory",
      "same answers",
    ],
    rows,
  );
}

/** Python baseline rows, and the speedup of each engine over it at the same N and threshold. */
export function pythonTable(results: ScaleResults): string {
  const rows = results.sizes.flatMap((size) =>
    size.python.map((row) => {
      const engines = size.engine.filter((e) => e.threshold === row.threshold);
      const speedups = engines.map((e) =>
        `${e.engine} ${Math.round(row.msPerQuery / e.single.p50).toLocaleString("en")}×`
      );
      return [
        count(size.patterns),
        String(row.threshold),
        row.method === "dp" ? "LCS by DP" : "difflib R/O",
        ms(row.msPerQuery) + (row.extrapolated ? ` (extrapolated from ${count(row.patternsMeasured)})` : ""),
        row.candidatesPerQuery === null ? "–" : perQuery(row.candidatesPerQuery),
        row.agreesWithEngines === null ? "–" : row.agreesWithEngines ? "yes" : "**NO**",
        speedups.join(", ") || "–",
      ];
    })
  );
  return table(
    [
      "N",
      "threshold",
      "Python method",
      "per query",
      "candidates/query",
      "same answers as engines",
      "engine speedup (p50)",
    ],
    rows,
  );
}

function httpRows(results: ScaleResults): { patterns: number; row: HttpRow }[] {
  return results.sizes.flatMap((size) => size.http.map((row) => ({ patterns: size.patterns, row })));
}

/** Predictions over HTTP: every N, server, threshold and client count. */
export function httpTable(results: ScaleResults): string {
  const rows = httpRows(results).flatMap(({ patterns, row }) => [
    ...row.runs.map((run) => [
      count(patterns),
      row.backend,
      String(run.threshold),
      String(run.clients),
      String(run.requests) + (run.errors ? ` (**${run.errors} errors**)` : ""),
      ms(run.latency.p50),
      ms(run.latency.p95),
      ms(run.latency.p99),
      `${rate(run)}/s`,
      ms(run.match.p50),
      ms(run.predict.p50),
      perQuery(run.candidatesPerQuery),
    ]),
    ...row.skipped.map((skip) => [
      count(patterns),
      row.backend,
      String(skip.threshold),
      String(skip.clients),
      `skipped: ${skip.reason}`,
      ...Array<string>(7).fill("–"),
    ]),
  ]);
  return table(
    [
      "N",
      "server",
      "threshold",
      "clients",
      "requests",
      "p50",
      "p95",
      "p99",
      "throughput",
      "match p50",
      "predict p50",
      "candidates",
    ],
    rows,
  );
}

/** Start, memory and learn rows of the HTTP phase. */
export function startTable(results: ScaleResults): string {
  const rows = httpRows(results).map(({ patterns, row }) => [
    count(patterns),
    row.backend,
    bytes(row.storeBytes),
    row.seed ? `${row.seed.seconds.toFixed(0)} s` : "earlier",
    `${row.coldStart.seconds} s`,
    row.coldStart.loadSeconds === null ? "–" : `${row.coldStart.loadSeconds} s`,
    row.coldStart.promoteMs === null ? "–" : `${row.coldStart.promoteMs} ms`,
    bytes(row.memoryAfterStart?.rssBytes),
    bytes(row.memoryAfterRuns?.peakRssBytes),
    row.backend === "cuda" ? bytes(row.deviceBytes) : "–",
    bytes(row.deviceProcessBytes),
    `${ms(row.learn.p50)} / ${ms(row.learn.p99)}`,
  ]);
  return table(
    [
      "N",
      "server",
      "store file",
      "seeded in",
      "cold start",
      "of which load",
      "GPU upload",
      "RSS after start",
      "peak RSS",
      "device (index)",
      "device (process)",
      "learn p50 / p99",
    ],
    rows,
  );
}

/** The run's charts, by file name suffix. */
export function charts(results: ScaleResults, threshold: number): Record<string, string> {
  const engines = [...new Set(results.sizes.flatMap((size) => size.engine.map((row) => row.engine)))];
  const at = (rows: EngineRow[], engine: string) => rows.find((r) => r.engine === engine && r.threshold === threshold);
  const engineSeries: Series[] = engines.map((engine) => ({
    name: ENGINE_NAMES[engine] ?? engine,
    points: results.sizes.flatMap((size) => {
      const row = at(size.engine, engine);
      return row ? [[size.patterns, row.single.p50] as [number, number]] : [];
    }),
  }));
  for (const method of ["dp", "difflib"] as const) {
    const rows = results.sizes.flatMap((size) =>
      size.python.filter((r) => r.method === method && r.threshold === threshold).map((r) => ({ size, r }))
    );
    const name = method === "dp" ? "Python LCS DP" : "Python difflib";
    const measured = rows.filter(({ r }) => !r.extrapolated).map(({ size, r }) => [size.patterns, r.msPerQuery]);
    // The dashed line starts at the largest measured N, the one every extrapolated row is scaled from.
    const anchor = Math.max(...rows.map(({ r }) => r.patternsMeasured));
    const scaled = rows.filter(({ r }) => r.patternsMeasured === anchor).map((
      { size, r },
    ) => [size.patterns, r.msPerQuery]);
    if (measured.length > 0) engineSeries.push({ name, points: measured as [number, number][] });
    if (scaled.length > 1) {
      engineSeries.push({ name: `${name} (extrapolated)`, points: scaled as [number, number][], dashed: true });
    }
  }
  const http = httpRows(results);
  const servers = [...new Set(http.map(({ row }) => row.backend))];
  const clientCounts = [...new Set(http.flatMap(({ row }) => row.runs.map((run) => run.clients)))].sort((a, b) =>
    a - b
  );
  const runsOf = (server: string, clients: number) =>
    http.filter(({ row }) => row.backend === server).flatMap(({ patterns, row }) =>
      row.runs.filter((run) => run.threshold === threshold && run.clients === clients).map((run) => ({ patterns, run }))
    );
  const latency: Series[] = servers.flatMap((server) =>
    clientCounts.flatMap((clients) => [
      {
        name: `${server}, ${clients} client${clients > 1 ? "s" : ""}, p50`,
        points: runsOf(server, clients).map(({ patterns, run }) => [patterns, run.latency.p50] as [number, number]),
      },
      {
        name: `${server}, ${clients} client${clients > 1 ? "s" : ""}, p99`,
        points: runsOf(server, clients).map(({ patterns, run }) => [patterns, run.latency.p99] as [number, number]),
        dashed: true,
      },
    ])
  );
  const throughput: Series[] = servers.flatMap((server) =>
    clientCounts.map((clients) => ({
      name: `${server}, ${clients} client${clients > 1 ? "s" : ""}`,
      points: runsOf(server, clients).map(({ patterns, run }) =>
        [patterns, run.requests / run.seconds] as [number, number]
      ),
    }))
  );
  return {
    engine: logLogChart({
      title: `Matching time per query, threshold ${threshold} (p50)`,
      xLabel: "patterns (N)",
      yLabel: "ms per query",
      series: engineSeries,
    }),
    http: logLogChart({
      title: `HTTP predictions latency, threshold ${threshold}`,
      xLabel: "patterns (N)",
      yLabel: "ms per request",
      series: latency,
    }),
    throughput: logLogChart({
      title: `HTTP predictions throughput, threshold ${threshold}`,
      xLabel: "patterns (N)",
      yLabel: "predictions per second",
      series: throughput,
    }),
  };
}
