/**
 * The sync manager: promotes freshly learned patterns from each node's CPU tier to its GPU tier.
 *
 * Four triggers: a node's fresh tier reaching `threshold`; the cron tick once `cronIntervalMinutes`
 * have passed; training completion (finalize-training, leaving training mode); and `POST /gpu/sync`.
 * Training mode pauses the automatic triggers (threshold and cron). Promotions run one at a time.
 *
 * @module
 */

import { Mutex } from "../util/mutex.ts";
import type { Engine } from "./engine.ts";
import type { HybridIndex } from "./hybrid_index.ts";

/** Settings changeable at run time through `POST /gpu/config`. */
export interface SyncSettings {
  /** Fresh patterns of a node that trigger its promotion. */
  threshold: number;
  /** Minutes between cron-driven syncs. */
  cronIntervalMinutes: number;
  /** While true, only explicit triggers promote. */
  trainingMode: boolean;
}

/** The record of one sync. */
export interface SyncReport {
  reason: "threshold" | "cron" | "training" | "manual";
  /** Epoch ms when it started. */
  at: number;
  durationMs: number;
  /** Patterns promoted, by node. */
  promoted: Record<string, number>;
  /** Upload failures, by node. */
  errors: Record<string, string>;
  /** Nodes whose GPU tier came back during this sync. */
  recovered: string[];
}

/** Observers for metrics. */
export interface SyncHooks {
  onSync?: (report: SyncReport) => void;
}

/** Runs and records promotions. */
export class SyncManager {
  readonly #engine: Engine;
  readonly #hooks: SyncHooks;
  readonly #mutex = new Mutex();
  #settings: SyncSettings;
  #last: SyncReport | undefined;
  #lastCron = 0;
  #pending = new Set<string>();

  constructor(engine: Engine, settings: SyncSettings, hooks: SyncHooks = {}, now: number = Date.now()) {
    this.#engine = engine;
    this.#settings = { ...settings };
    this.#hooks = hooks;
    this.#lastCron = now;
  }

  /** Current settings (a copy). */
  get settings(): SyncSettings {
    return { ...this.#settings };
  }

  /** The most recent sync, if any. */
  get last(): SyncReport | undefined {
    return this.#last;
  }

  /** Applies new settings; leaving training mode triggers a sync (training completion). */
  async configure(changes: Partial<SyncSettings>): Promise<SyncReport | undefined> {
    const leavingTraining = this.#settings.trainingMode && changes.trainingMode === false;
    this.#settings = { ...this.#settings, ...changes };
    return leavingTraining ? await this.syncAll("training") : undefined;
  }

  /** Trigger 1: called after each learn; promotes the node once its fresh tier reaches the threshold. */
  afterLearn(nodeId: string): Promise<SyncReport | undefined> {
    const hybrid = this.#engine.hybridOf(nodeId);
    if (hybrid === undefined || this.#settings.trainingMode) return Promise.resolve(undefined);
    if (hybrid.freshSize < this.#settings.threshold || this.#pending.has(nodeId)) return Promise.resolve(undefined);
    this.#pending.add(nodeId);
    return this.#run("threshold", [nodeId]).finally(() => this.#pending.delete(nodeId));
  }

  /** Trigger 2: the cron job body; syncs when the interval has passed and training mode is off. */
  async cronTick(now: number = Date.now()): Promise<SyncReport | undefined> {
    if (this.#settings.trainingMode) return undefined;
    if (now - this.#lastCron < this.#settings.cronIntervalMinutes * 60_000) return undefined;
    this.#lastCron = now;
    return await this.syncAll("cron");
  }

  /** Triggers 3 and 4: promotes every node now, whatever the mode. */
  syncAll(reason: SyncReport["reason"]): Promise<SyncReport> {
    return this.#run(reason, this.#engine.nodeIds());
  }

  #run(reason: SyncReport["reason"], nodeIds: string[]): Promise<SyncReport> {
    return this.#mutex.run(async () => {
      const at = Date.now();
      const started = performance.now();
      const report: SyncReport = { reason, at, durationMs: 0, promoted: {}, errors: {}, recovered: [] };
      for (const nodeId of nodeIds) {
        const hybrid: HybridIndex | undefined = this.#engine.hybridOf(nodeId);
        if (hybrid === undefined) continue;
        if (hybrid.degraded !== undefined && await hybrid.recover()) report.recovered.push(nodeId);
        const result = await hybrid.promote();
        if (result.promoted > 0) report.promoted[nodeId] = result.promoted;
        if (result.error !== undefined) report.errors[nodeId] = result.error;
      }
      report.durationMs = performance.now() - started;
      this.#last = report;
      this.#hooks.onSync?.(report);
      return report;
    });
  }
}
