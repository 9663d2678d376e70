/**
 * Loopback HTTP for the benchmarks: serve an app on a free port and call it with JSON.
 *
 * @module
 */

/** A JSON call: method, path, optional body; resolves to the parsed response body. */
// deno-lint-ignore no-explicit-any -- benchmark responses are read field by field
export type JsonCall = (method: string, path: string, body?: unknown) => Promise<any>;

/** Serves `fetch` on 127.0.0.1 (free port) and returns the server and a JSON caller for it. */
export function serveLoopback(fetchHandler: (request: Request) => Response | Promise<Response>): {
  server: Deno.HttpServer<Deno.NetAddr>;
  call: JsonCall;
} {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, fetchHandler);
  const base = `http://127.0.0.1:${server.addr.port}`;
  const call: JsonCall = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return await response.json();
  };
  return { server, call };
}
