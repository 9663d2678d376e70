/**
 * Service configuration read from the environment, validated once at start.
 *
 * @module
 */

import { DEFAULT_LIMITS, type Limits } from "./service/limits.ts";

/** Everything `main.ts` needs to wire the service. */
export interface ServiceConfig {
  port: number;
  hostname: string;
  /** Directory of the embedded SQLite store. */
  dataDir: string;
  /** When set, MongoDB is the store. */
  mongodbUrl: string | undefined;
  /** Default session TTL in seconds. */
  sessionTtlSeconds: number;
  /** Whether sessions slide their expiry on use (KATO's SESSION_AUTO_EXTEND). */
  sessionAutoExtend: boolean;
  /** Prefer the GPU (libmatcher's CUDA backend) when one is present. */
  gpuEnabled: boolean;
  /** Use libmatcher's native CPU backend when no GPU is used. */
  nativeEnabled: boolean;
  /** Fresh patterns of a node that trigger promotion to the GPU tier. */
  syncThreshold: number;
  /** Threads decoding the store at start (`LOAD_WORKERS`; 0 decodes on the main thread). */
  loadWorkers: number;
  /** Minutes between background syncs. */
  syncIntervalMinutes: number;
  logLevel: "debug" | "info" | "warn" | "error";
  serviceName: string;
  /** API key entries (KATO_API_KEYS, docs/SECURITY.md); access control is on when set or when apiKeysFile is. */
  apiKeys: string;
  /** A file of API key entries (KATO_API_KEYS_FILE). */
  apiKeysFile: string | undefined;
  /** Whether `/metrics` needs no key while access control is on (METRICS_PUBLIC). */
  metricsPublic: boolean;
  /** Request, session and STM limits. */
  limits: Limits;
  /** How long shutdown waits for in-flight requests before closing anyway (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** How long an SQLite write waits for another process's lock (STORE_BUSY_TIMEOUT_MS). */
  storeBusyTimeoutMs: number;
}

/**
 * Reads the configuration; throws a TypeError naming the variable when a value is invalid.
 *
 * @example Defaults
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { loadConfig } from "./config.ts";
 * strictEqual(loadConfig({}).port, 8000);
 * ```
 */
export function loadConfig(env: Record<string, string | undefined>): ServiceConfig {
  return {
    port: integer(env, "PORT", 8000, 0, 65535),
    hostname: env.HOST ?? "0.0.0.0",
    dataDir: env.DATA_DIR ?? "./data",
    mongodbUrl: env.MONGODB_URL || undefined,
    sessionTtlSeconds: integer(env, "SESSION_TTL", 3600, 1, 30 * 86400),
    sessionAutoExtend: boolean(env, "SESSION_AUTO_EXTEND", true),
    gpuEnabled: boolean(env, "GPU_ENABLED", true),
    nativeEnabled: boolean(env, "NATIVE_ENABLED", true),
    syncThreshold: integer(env, "GPU_SYNC_THRESHOLD", 1000, 1, 10_000_000),
    // One core stays with the main thread, which appends what the workers decode.
    loadWorkers: integer(env, "LOAD_WORKERS", Math.min(8, Math.max(0, navigator.hardwareConcurrency - 1)), 0, 256),
    syncIntervalMinutes: integer(env, "GPU_SYNC_INTERVAL_MINUTES", 5, 1, 24 * 60),
    logLevel: oneOf(env, "LOG_LEVEL", ["debug", "info", "warn", "error"] as const, "info"),
    serviceName: env.SERVICE_NAME ?? "kato",
    apiKeys: env.KATO_API_KEYS ?? "",
    apiKeysFile: env.KATO_API_KEYS_FILE || undefined,
    metricsPublic: boolean(env, "METRICS_PUBLIC", true),
    limits: {
      maxBodyBytes: integer(env, "MAX_BODY_BYTES", DEFAULT_LIMITS.maxBodyBytes, 1024, 1024 ** 3),
      maxSymbolsPerObservation: integer(
        env,
        "MAX_SYMBOLS_PER_OBSERVATION",
        DEFAULT_LIMITS.maxSymbolsPerObservation,
        1,
        1_000_000,
      ),
      maxSymbolBytes: integer(env, "MAX_SYMBOL_BYTES", DEFAULT_LIMITS.maxSymbolBytes, 1, 1024 ** 2),
      maxMetadataBytes: integer(env, "MAX_METADATA_BYTES", DEFAULT_LIMITS.maxMetadataBytes, 2, 1024 ** 3),
      maxSequenceObservations: integer(
        env,
        "MAX_SEQUENCE_OBSERVATIONS",
        DEFAULT_LIMITS.maxSequenceObservations,
        1,
        10_000_000,
      ),
      maxSessionsPerNode: integer(env, "MAX_SESSIONS_PER_NODE", DEFAULT_LIMITS.maxSessionsPerNode, 1, 10_000_000),
      maxSessions: integer(env, "MAX_SESSIONS", DEFAULT_LIMITS.maxSessions, 1, 10_000_000),
      maxStmEvents: integer(env, "MAX_STM_EVENTS", DEFAULT_LIMITS.maxStmEvents, 1, 1_000_000),
      maxStmSymbols: integer(env, "MAX_STM_SYMBOLS", DEFAULT_LIMITS.maxStmSymbols, 1, 100_000_000),
      maxPredictionCandidates: integer(
        env,
        "MAX_PREDICTION_CANDIDATES",
        DEFAULT_LIMITS.maxPredictionCandidates,
        1,
        1_000_000_000,
      ),
    },
    shutdownTimeoutMs: integer(env, "SHUTDOWN_TIMEOUT_MS", 10_000, 0, 3_600_000),
    storeBusyTimeoutMs: integer(env, "STORE_BUSY_TIMEOUT_MS", 5000, 0, 600_000),
  };
}

/** The process environment as a plain record (needs `--allow-env`). */
export function processEnv(): Record<string, string | undefined> {
  return Deno.env.toObject();
}

function integer(
  env: Record<string, string | undefined>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TypeError(`Cannot read ${name}: expected an integer in ${min}..${max}, got '${raw}'`);
  }
  return value;
}

function boolean(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const raw = env[name]?.toLowerCase();
  if (raw === undefined || raw === "") return fallback;
  if (["1", "true", "yes", "on"].includes(raw)) return true;
  if (["0", "false", "no", "off"].includes(raw)) return false;
  throw new TypeError(`Cannot read ${name}: expected true or false, got '${env[name]}'`);
}

function oneOf<T extends string>(
  env: Record<string, string | undefined>,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new TypeError(`Cannot read ${name}: expected one of ${allowed.join(", ")}, got '${raw}'`);
  }
  return raw as T;
}
