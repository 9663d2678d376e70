/**
 * A minimal leveled logger writing one line per message to stderr.
 *
 * @module
 */

/** Logging functions by level. */
export interface Logger {
  debug: (message: string) => void;
  info: (message: string) => void;
  warn: (message: string) => void;
  error: (message: string) => void;
}

const LEVELS = ["debug", "info", "warn", "error"] as const;

/**
 * Creates a logger that drops messages below `level`.
 *
 * @example Quiet logger
 * ```ts
 * import { createLogger } from "./log.ts";
 * createLogger("error").info("not printed");
 * ```
 */
export function createLogger(level: typeof LEVELS[number]): Logger {
  const threshold = LEVELS.indexOf(level);
  const at = (name: typeof LEVELS[number]) => (message: string) => {
    if (LEVELS.indexOf(name) >= threshold) {
      console.error(`${new Date().toISOString()} ${name.toUpperCase()} ${message}`);
    }
  };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}
