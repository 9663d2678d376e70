/**
 * Test fixture: the whole service on a temporary SQLite data directory, driven in-process through
 * `app.request()`.
 *
 * @module
 */

import { type BuildOptions, buildService, type BuiltService } from "../src/bootstrap.ts";
import { loadConfig } from "../src/config.ts";
import { createLogger } from "../src/log.ts";

/** A service on a temp dir plus JSON helpers; `await using` removes the directory. */
export interface TestService extends AsyncDisposable {
  built: BuiltService;
  dataDir: string;
  /** Sends a request; `body` is JSON-encoded unless it is a string. */
  // deno-lint-ignore no-explicit-any -- response bodies are checked field by field in the tests
  call(method: string, path: string, body?: unknown): Promise<{ status: number; json: any; headers: Headers }>;
  /** Creates a session on `nodeId` and returns its id. */
  session(nodeId?: string, config?: Record<string, unknown>): Promise<string>;
  /** Closes the service and opens a new one on the same directory (a restart). */
  restart(): Promise<void>;
}

/** Starts a service on a fresh temporary directory (or `dataDir`); `options` apply to every (re)start. */
export async function startService(
  env: Record<string, string> = {},
  dataDir?: string,
  options: BuildOptions = {},
): Promise<TestService> {
  const dir = dataDir ?? await Deno.makeTempDir({ prefix: "kato-test-" });
  const open = () => buildService(loadConfig({ DATA_DIR: dir, ...env }), createLogger("error"), options);
  let built = await open();
  const fixture: TestService = {
    get built() {
      return built;
    },
    dataDir: dir,
    async call(method, path, body) {
      const init: RequestInit = { method };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        init.headers = { "content-type": "application/json" };
      }
      const response = await built.app.request(path, init);
      const text = await response.text();
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch { /* non-JSON bodies (metrics) stay text */ }
      return { status: response.status, json, headers: response.headers };
    },
    async session(nodeId = `node-${crypto.randomUUID()}`, config) {
      const { status, json } = await fixture.call("POST", "/sessions", {
        node_id: nodeId,
        ...(config ? { config } : {}),
      });
      if (status !== 200) throw new Error(`Cannot create session: ${status} ${JSON.stringify(json)}`);
      return json.session_id;
    },
    async restart() {
      await built.close();
      built = await open();
    },
    async [Symbol.asyncDispose]() {
      await built.close();
      if (dataDir === undefined) await Deno.remove(dir, { recursive: true });
    },
  };
  return fixture;
}

/** Observes each event in turn. */
export async function observeAll(t: TestService, sessionId: string, events: string[][]): Promise<void> {
  for (const strings of events) {
    const { status, json } = await t.call("POST", `/sessions/${sessionId}/observe`, { strings });
    if (status !== 200) throw new Error(`Cannot observe: ${status} ${JSON.stringify(json)}`);
  }
}
