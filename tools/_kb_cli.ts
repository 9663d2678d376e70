/**
 * What `kb_export` and `kb_import` share on the command line: choosing and opening the store,
 * reading and writing lines, and progress on stderr.
 *
 * @module
 */

import { openStore, type PatternStore } from "../src/store/mod.ts";

/** Where the store is, from flags first and the service's environment variables second. */
export interface StoreTarget {
  dataDir?: string | undefined;
  mongodbUrl?: string | undefined;
  serviceName?: string | undefined;
}

/** Flags of {@linkcode storeTarget}, for `parseArgs`. */
export const STORE_FLAGS = {
  "data-dir": { type: "string" },
  "mongodb-url": { type: "string" },
  "service-name": { type: "string" },
} as const;

/**
 * Resolves the store as the service does: `--mongodb-url` or `--data-dir` when given (not both),
 * else `MONGODB_URL`, else `DATA_DIR`, else `./data`. `--service-name` or `SERVICE_NAME` names the
 * MongoDB databases (default `kato`).
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { storeTarget } from "./_kb_cli.ts";
 *
 * deepStrictEqual(storeTarget({ "data-dir": "/srv/kb" }, { MONGODB_URL: "mongodb://db" }), {
 *   dataDir: "/srv/kb",
 *   mongodbUrl: undefined,
 *   serviceName: undefined,
 * });
 * ```
 */
export function storeTarget(
  flags: { "data-dir"?: string | undefined; "mongodb-url"?: string | undefined; "service-name"?: string | undefined },
  env: Record<string, string | undefined>,
): StoreTarget {
  if (flags["data-dir"] !== undefined && flags["mongodb-url"] !== undefined) {
    throw new UsageError("give --data-dir or --mongodb-url, not both");
  }
  const serviceName = flags["service-name"] ?? (env.SERVICE_NAME || undefined);
  if (flags["data-dir"] !== undefined) return { dataDir: flags["data-dir"], mongodbUrl: undefined, serviceName };
  const mongodbUrl = flags["mongodb-url"] ?? (env.MONGODB_URL || undefined);
  if (mongodbUrl !== undefined) return { dataDir: undefined, mongodbUrl, serviceName };
  return { dataDir: env.DATA_DIR ?? "./data", mongodbUrl: undefined, serviceName };
}

/** Opens the store a target names. */
export function openTarget(target: StoreTarget): Promise<PatternStore> {
  return openStore({
    dataDir: target.dataDir ?? ":memory:",
    mongodbUrl: target.mongodbUrl,
    mongodb: target.serviceName === undefined ? {} : { serviceName: target.serviceName },
  });
}

/** A wrong command line; the tools print it with their usage and exit with status 2. */
export class UsageError extends Error {
  /** `message` says what is wrong with the arguments. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * The lines of a byte stream, without their `\n` or `\r\n`; a last line without a newline counts.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { readLines } from "./_kb_cli.ts";
 *
 * const bytes = new TextEncoder().encode("a\r\nb\n\nc");
 * const lines = [];
 * for await (const line of readLines(ReadableStream.from([bytes.slice(0, 2), bytes.slice(2)]))) lines.push(line);
 * deepStrictEqual(lines, ["a", "b", "", "c"]);
 * ```
 */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let pending = "";
  for await (const chunk of stream) {
    pending += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = pending.indexOf("\n")) >= 0) {
      yield stripCr(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
  }
  pending += decoder.decode();
  if (pending !== "") yield stripCr(pending);
}

function stripCr(line: string): string {
  return line.endsWith("\r") ? line.slice(0, -1) : line;
}

/** Writes lines to a byte stream in chunks of about 64 KiB. */
export class LineWriter {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #encoder = new TextEncoder();
  #buffer: string[] = [];
  #size = 0;

  /** Writes to `stream`, which {@linkcode close} closes. */
  constructor(stream: WritableStream<Uint8Array>) {
    this.#writer = stream.getWriter();
  }

  /** Queues one line (a newline is added). */
  async write(line: string): Promise<void> {
    this.#buffer.push(line, "\n");
    this.#size += line.length + 1;
    if (this.#size >= 65_536) await this.flush();
  }

  /** Writes what is queued. */
  async flush(): Promise<void> {
    if (this.#size === 0) return;
    const text = this.#buffer.join("");
    this.#buffer = [];
    this.#size = 0;
    await this.#writer.write(this.#encoder.encode(text));
  }

  /** Flushes and closes the stream. */
  async close(): Promise<void> {
    await this.flush();
    await this.#writer.close();
  }
}

/** Progress and summary lines on stderr, prefixed with the tool's name. */
export function stderrLog(tool: string): (message: string) => void {
  const encoder = new TextEncoder();
  return (message) => {
    Deno.stderr.writeSync(encoder.encode(`${tool}: ${message}\n`));
  };
}

/** Seconds since `started` (a `performance.now()`), for messages. */
export function elapsed(started: number): string {
  return `${((performance.now() - started) / 1000).toFixed(1)} s`;
}
