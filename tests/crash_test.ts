import { ok, strictEqual } from "node:assert";
import { startService } from "./_service.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

async function waitForHealth(base: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    try {
      const response = await fetch(`${base}/health`);
      await response.body?.cancel();
      if (response.ok) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error("Cannot start the service: /health never answered");
}

Deno.test("a server killed with SIGKILL mid-learning keeps every acknowledged pattern and its statistics", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "kato-crash-" });
  const port = 20000 + Math.floor(Math.random() * 20000);
  const base = `http://127.0.0.1:${port}`;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-ffi", "--allow-sys", MAIN],
    env: { DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", LOG_LEVEL: "error", NATIVE_ENABLED: "false" },
    stdout: "null",
    stderr: "null",
  }).spawn();
  const acknowledged = new Map<string, number>();
  try {
    await waitForHealth(base);
    const post = async (path: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return await response.json();
    };
    const sessionId = (await post("/sessions", { node_id: "crash" })).session_id;
    const killAt = Date.now() + 1500;
    // Patterns repeat (k % 25) so re-learns and their frequencies are covered too.
    for (let k = 0; Date.now() < killAt; k++) {
      await post(`/sessions/${sessionId}/observe`, { strings: [`s${k % 25}`, "common"] });
      await post(`/sessions/${sessionId}/observe`, { strings: ["tail"] });
      const learned = await post(`/sessions/${sessionId}/learn`);
      acknowledged.set(learned.pattern_name, (acknowledged.get(learned.pattern_name) ?? 0) + 1);
    }
    // Keep a learn in flight while the process dies.
    void post(`/sessions/${sessionId}/observe`, { strings: ["in-flight", "x"] }).catch(() => {});
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }

  await using t = await startService({}, dataDir);
  let learns = 0;
  for (const [name, count] of acknowledged) {
    const { status, json } = await t.call("GET", `/pattern/${encodeURIComponent(name)}?node_id=crash`);
    strictEqual(status, 200, `acknowledged ${name} missing after the crash`);
    // A learn in flight at the kill may have committed without its acknowledgement: never fewer.
    ok(json.pattern.pattern.frequency >= count, `${name}: frequency ${json.pattern.pattern.frequency} < ${count}`);
    learns += count;
  }
  ok(learns > 10, `only ${learns} learns happened before the kill`);
  const stats = (await t.call("GET", "/symbols/stats?node_id=crash")).json.symbols;
  ok(stats.common.frequency >= learns);
  strictEqual(stats.common.pattern_member_frequency, acknowledged.size);
  strictEqual(stats.tail.pattern_member_frequency, acknowledged.size);
  await Deno.remove(dataDir, { recursive: true });
});
