import { deepStrictEqual, ok, strictEqual } from "node:assert";
import { startService } from "./_service.ts";
import { spawnServer } from "./_server.ts";

/** A temporary directory removed when the test's scope ends, passed or not. */
async function tempDir(): Promise<{ path: string } & AsyncDisposable> {
  const path = await Deno.makeTempDir({ prefix: "kato-shutdown-" });
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

async function post(
  base: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, string> }> {
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: await response.json() };
}

/** A request whose body arrives in two parts, the second only when `release` is called. */
function slowRequest(base: string, path: string, body: string): { response: Promise<Response>; release: () => void } {
  let release = () => {};
  const released = new Promise<void>((resolve) => release = resolve);
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode(body.slice(0, 10)));
      await released;
      controller.enqueue(encoder.encode(body.slice(10)));
      controller.close();
    },
  });
  const response = fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: stream,
  });
  return { response, release };
}

Deno.test("SIGTERM finishes in-flight requests, exits 0, and a restart serves every acknowledged learn", async () => {
  await using scratch = await tempDir();
  const dataDir = scratch.path;
  const server = await spawnServer(dataDir, { SHUTDOWN_TIMEOUT_MS: "8000" });
  const acknowledged = new Map<string, number>();
  const acknowledge = (name: string) => acknowledged.set(name, (acknowledged.get(name) ?? 0) + 1);
  let stop = false;
  const clients = [...Array(4)].map(async (_, client) => {
    const sessionId = (await post(server.base, "/sessions", { node_id: "shutdown" })).json.session_id;
    for (let k = 0; !stop; k++) {
      try {
        await post(server.base, `/sessions/${sessionId}/observe`, { strings: [`c${client}`, `k${k % 30}`] });
        await post(server.base, `/sessions/${sessionId}/observe`, { strings: ["tail"] });
        const learned = await post(server.base, `/sessions/${sessionId}/learn`);
        if (learned.status === 200) acknowledge(learned.json.pattern_name!);
      } catch {
        return; // The server stopped accepting: this client is done.
      }
    }
  });
  const slowSession = (await post(server.base, "/sessions", { node_id: "shutdown" })).json.session_id;
  const slow = slowRequest(
    server.base,
    `/sessions/${slowSession}/observe-sequence`,
    JSON.stringify({ observations: [{ strings: ["slow", "one"] }, { strings: ["slow", "two"] }], learn_at_end: true }),
  );
  await new Promise((resolve) => setTimeout(resolve, 800));

  const signalled = performance.now();
  server.child.kill("SIGTERM");
  // The slow request is still receiving its body while shutdown has begun: it must still be answered.
  await new Promise((resolve) => setTimeout(resolve, 300));
  slow.release();
  const slowResponse = await slow.response;
  if (slowResponse.status !== 200) throw new Error(`in-flight request got ${slowResponse.status}\n${await server.log}`);
  const slowJson = await slowResponse.json();
  acknowledge(slowJson.final_learned_pattern);
  const status = await server.child.status;
  const stoppedMs = performance.now() - signalled;
  stop = true;
  await Promise.all(clients);
  const log = await server.log;
  strictEqual(status.code, 0, log);
  ok(stoppedMs < 8000, `shutdown took ${stoppedMs.toFixed(0)} ms`);
  ok(log.includes("SIGTERM received"), log);
  ok(!log.includes("legacy"), log);
  ok(acknowledged.size > 5, `only ${acknowledged.size} patterns learned before SIGTERM`);

  await using t = await startService({}, dataDir);
  for (const [name, count] of acknowledged) {
    const { status, json } = await t.call("GET", `/pattern/${encodeURIComponent(name)}?node_id=shutdown`);
    strictEqual(status, 200, `acknowledged ${name} missing after the restart`);
    ok(json.pattern.pattern.frequency >= count, `${name}: frequency ${json.pattern.pattern.frequency} < ${count}`);
  }
  // The session of the slow request survived with the STM that learn left.
  deepStrictEqual((await t.call("GET", `/sessions/${slowSession}/stm`)).json.stm, []);
});

Deno.test("a request outliving SHUTDOWN_TIMEOUT_MS does not hold the process: exit 1 at the deadline, store intact", async () => {
  await using scratch = await tempDir();
  const dataDir = scratch.path;
  const server = await spawnServer(dataDir, { SHUTDOWN_TIMEOUT_MS: "500" });
  const sessionId = (await post(server.base, "/sessions", { node_id: "deadline" })).json.session_id;
  await post(server.base, `/sessions/${sessionId}/observe`, { strings: ["a", "b"] });
  const learned = (await post(server.base, `/sessions/${sessionId}/learn`)).json.pattern_name;
  const stuck = slowRequest(server.base, `/sessions/${sessionId}/observe`, JSON.stringify({ strings: ["never"] }));
  stuck.response.catch(() => {}); // The connection dies with the process.
  await new Promise((resolve) => setTimeout(resolve, 200));
  const signalled = performance.now();
  server.child.kill("SIGTERM");
  const status = await server.child.status;
  const stoppedMs = performance.now() - signalled;
  const log = await server.log;
  strictEqual(status.code, 1, log);
  ok(stoppedMs >= 450 && stoppedMs < 3000, `stopped after ${stoppedMs.toFixed(0)} ms`);
  ok(log.includes("SHUTDOWN_TIMEOUT_MS"), log);
  stuck.release();

  await using t = await startService({}, dataDir);
  strictEqual((await t.call("GET", `/pattern/${learned}?node_id=deadline`)).status, 200);
  deepStrictEqual((await t.call("GET", `/sessions/${sessionId}/stm`)).json.stm, []);
});
