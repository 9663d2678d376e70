/**
 * Test helper: `main.ts` as a child process on a free loopback port (PORT=0), with its log.
 *
 * @module
 */

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** A running server. */
export interface ServerProcess {
  /** `http://127.0.0.1:<port>`. */
  base: string;
  child: Deno.ChildProcess;
  /** Everything the server wrote to stderr, once it has exited. */
  log: Promise<string>;
}

/**
 * Starts the server on `dataDir` and resolves once it listens; rejects with its log if it exits
 * first or does not listen within `readyTimeoutMs` (30 s; a benchmark loading millions of patterns
 * gives it longer). `env` adds to the environment, and overrides the test defaults below.
 */
export async function spawnServer(
  dataDir: string,
  env: Record<string, string> = {},
  readyTimeoutMs = 30_000,
): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write", "--allow-ffi", "--allow-sys", MAIN],
    env: { DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", NATIVE_ENABLED: "false", ...env },
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let text = "";
  let listening: (base: string) => void = () => {};
  const started = new Promise<string>((resolve) => listening = resolve);
  const log = (async () => {
    for await (const chunk of child.stderr.pipeThrough(new TextDecoderStream())) {
      text += chunk;
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match) listening(match[1]!);
    }
    return text;
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const base = await Promise.race([
      started,
      child.status.then(async (status) => {
        throw new Error(`Cannot start the service: it exited with ${status.code}\n${await log}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`Cannot start the service: not listening after ${readyTimeoutMs} ms\n${text}`)),
          readyTimeoutMs,
        );
      }),
    ]);
    return { base, child, log };
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
