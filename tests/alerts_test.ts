import { deepStrictEqual, ok } from "node:assert";
import { parse } from "yaml";
import { startService } from "./_service.ts";

const RULES = new URL("../deploy/prometheus-alerts.yml", import.meta.url);

/** Metric names an expression refers to (every `kato_*` identifier). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(kato_[a-z_]+)\b/g)].map((m) => m[1]!);
}

/** A histogram's series (`_bucket`, `_count`, `_sum`) belong to the histogram's TYPE line. */
function isExported(name: string, exported: Set<string>): boolean {
  return exported.has(name) || exported.has(name.replace(/_(bucket|count|sum)$/, ""));
}

Deno.test("deploy/prometheus-alerts.yml parses and names only metrics the service exports", async () => {
  const rules = parse(await Deno.readTextFile(RULES));
  const alerts = rules.groups.flatMap((group: { rules: { alert: string; expr: string }[] }) => group.rules);
  deepStrictEqual(
    alerts.map((rule: { alert: string }) => rule.alert).sort(),
    ["KatoCpuTierOverflow", "KatoGpuFallbackRate", "KatoGpuMemoryHigh", "KatoGpuSyncFailures", "KatoQueryLatencyHigh"],
  );
  await using t = await startService();
  const exposition = (await t.call("GET", "/metrics")).json as string;
  const exported = new Set([...exposition.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
  for (const rule of alerts) {
    const names = metricNames(rule.expr);
    ok(names.length > 0, `${rule.alert} names no metric`);
    for (const name of names) {
      ok(isExported(name, exported), `${rule.alert} uses ${name}, which /metrics does not export`);
    }
  }
});

Deno.test("/metrics exports every metric named in ARCHITECTURE.md", async () => {
  await using t = await startService();
  const exposition = (await t.call("GET", "/metrics")).json as string;
  for (
    const name of [
      "kato_gpu_query_duration_seconds",
      "kato_cpu_query_duration_seconds",
      "kato_gpu_sync_duration_seconds",
      "kato_patterns_matched_total",
      "kato_patterns_learned_total",
      "kato_gpu_sync_events_total",
      "kato_gpu_errors_total",
      "kato_gpu_fallback_events_total",
      "kato_gpu_memory_bytes",
      "kato_gpu_pattern_count",
      "kato_cpu_pattern_count",
      "kato_http_request_duration_seconds",
    ]
  ) ok(exposition.includes(`# TYPE ${name} `), `${name} missing from /metrics`);
});
