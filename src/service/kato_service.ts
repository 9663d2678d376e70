/**
 * The KATO service: the operations behind the HTTP routes, on sessions, the engine and the store.
 *
 * Session-mutating operations run under the session's lock and on a snapshot: if the store fails
 * midway, the session is restored and the error propagates (HTTP 503), so nothing half-done is kept.
 *
 * @module
 */

import { finalizeMetrics, predict } from "../kato/mod.ts";
import type { Event, PredictionResult } from "../kato/types.ts";
import type { Engine } from "../engine/engine.ts";
import type { PatternStore, StoredPattern } from "../store/types.ts";
import { SessionNotFoundError } from "./errors.ts";
import { DEFAULT_LIMITS, LimitExceededError, type Limits } from "./limits.ts";
import { learnFrom, type Observation, observeInto } from "./observe.ts";
import type { Session, SessionManager } from "./sessions.ts";

/** One observation of an observe-sequence request. */
export interface SequenceObservation extends Observation {
  unique_id?: string | undefined;
}

/** Options of observe-sequence. */
export interface SequenceOptions {
  learn_after_each: boolean;
  learn_at_end: boolean;
  clear_stm_between: boolean;
}

/** One step's report of observe-sequence. */
export interface SequenceStep {
  status: "okay";
  sequence_position: number;
  stm_length: number;
  time: number;
  unique_id: string;
  auto_learned_pattern: string | null;
}

/** What observe-sequence did. */
export interface SequenceOutcome {
  session: Session;
  initialStmLength: number;
  results: SequenceStep[];
  /** Names in KATO's order: learn_after_each, then auto-learn, then learn_at_end. */
  learned: string[];
  finalLearned: string | null;
}

/** Observers of service events (metrics). */
export interface ServiceHooks {
  onLearned?: (nodeId: string) => void;
  onPredicted?: (nodeId: string, candidates: number, seconds: number, backend: string) => void;
  /** Training completion: finalize-training promotes fresh patterns to the GPU tier. */
  onFinalized?: (nodeId: string) => Promise<void>;
}

/** Where a prediction's time went: matching (both tiers) and KATO's prediction (pruning, alignment, metrics). */
export interface PredictionTiming {
  /** Patterns with `similarity >= recall_threshold`. */
  candidates: number;
  /** The index query over both tiers (and native scoring of the candidates, when pruning needs it), ms. */
  matchMs: number;
  /** Pruning, decoding and aligning the kept candidates, metrics and ranking, ms. */
  predictMs: number;
}

/** Operations of the KATO API. */
export class KatoService {
  readonly sessions: SessionManager;
  readonly engine: Engine;
  readonly store: PatternStore;
  readonly #hooks: ServiceHooks;
  readonly #maxCandidates: number;

  constructor(
    sessions: SessionManager,
    engine: Engine,
    store: PatternStore,
    hooks: ServiceHooks = {},
    limits: Pick<Limits, "maxPredictionCandidates"> = DEFAULT_LIMITS,
  ) {
    this.sessions = sessions;
    this.engine = engine;
    this.store = store;
    this.#hooks = hooks;
    this.#maxCandidates = limits.maxPredictionCandidates;
  }

  /** An active session (sliding its TTL) or SessionNotFoundError. */
  async session(sessionId: string): Promise<Session> {
    const session = await this.sessions.touch(sessionId);
    if (session === undefined) throw new SessionNotFoundError(sessionId);
    return session;
  }

  /**
   * Runs `change` on the session under its lock; restores the session if it throws, saves if not.
   * When the save fails after `change` stored a pattern (`committed(result)`), the session keeps the
   * STM that learn left and the result stands: restoring it would make a retry learn the pattern a
   * second time. Its stored copy catches up at its next save, or at `flush()` on shutdown.
   */
  mutate<T>(
    sessionId: string,
    change: (session: Session) => Promise<T>,
    committed: (result: T) => boolean = () => false,
  ): Promise<T> {
    return this.sessions.withLock(sessionId, async () => {
      const session = await this.session(sessionId);
      const snapshot = structuredClone(session);
      let result: T;
      try {
        result = await change(session);
      } catch (error) {
        Object.assign(session, snapshot);
        throw error;
      }
      try {
        await this.sessions.save(session);
      } catch (error) {
        if (committed(result)) return result;
        Object.assign(session, snapshot);
        throw error;
      }
      return result;
    });
  }

  /** Observes one event; returns the auto-learned name or null. */
  observe(sessionId: string, observation: Observation): Promise<{ session: Session; autoLearned: string | null }> {
    return this.mutate(sessionId, async (session) => {
      const { autoLearned } = await observeInto(this.engine, session, observation, this.sessions.limits);
      if (autoLearned !== null) this.#hooks.onLearned?.(session.nodeId);
      return { session, autoLearned };
    }, (result) => result.autoLearned !== null);
  }

  /** Observes a list of events in order with KATO's observe-sequence options. */
  observeSequence(
    sessionId: string,
    observations: SequenceObservation[],
    options: SequenceOptions,
  ): Promise<SequenceOutcome> {
    return this.mutate(sessionId, async (session) => {
      const initialStmLength = session.stm.length;
      const results: SequenceStep[] = [];
      const learned: string[] = [];
      for (const [position, observation] of observations.entries()) {
        if (options.clear_stm_between && position > 0) session.stm = [];
        const { autoLearned } = await observeInto(this.engine, session, observation, this.sessions.limits);
        if (options.learn_after_each && session.stm.length > 0) {
          learned.push(this.#prefixed(await learnFrom(this.engine, session)));
        }
        if (autoLearned !== null) learned.push(autoLearned);
        results.push({
          status: "okay",
          sequence_position: position,
          stm_length: session.stm.length,
          time: session.time,
          unique_id: observation.unique_id ?? `seq-obs-${crypto.randomUUID().replaceAll("-", "")}`,
          auto_learned_pattern: autoLearned,
        });
      }
      let finalLearned: string | null = null;
      if (options.learn_at_end && session.stm.length > 0) {
        finalLearned = this.#prefixed(await learnFrom(this.engine, session));
        learned.push(finalLearned);
      }
      for (const name of learned) if (name !== "") this.#hooks.onLearned?.(session.nodeId);
      return { session, initialStmLength, results, learned, finalLearned };
    }, (outcome) => outcome.learned.some((name) => name !== ""));
  }

  /** Learns the STM; returns `PTRN|<hash>` or `""`, and the number of events learned. */
  learn(sessionId: string): Promise<{ session: Session; name: string; events: number }> {
    return this.mutate(sessionId, async (session) => {
      const events = session.stm.length;
      const name = this.#prefixed(await learnFrom(this.engine, session));
      if (name !== "") this.#hooks.onLearned?.(session.nodeId);
      return { session, name, events };
    }, (outcome) => outcome.name !== "");
  }

  /** Predictions from the session's current STM, with where the time went. */
  async predictions(sessionId: string): Promise<PredictionResult & { session: Session; timing: PredictionTiming }> {
    const session = await this.session(sessionId);
    const stm: Event[] = session.stm;
    const state = stm.flat();
    if (state.length === 0) {
      return { session, predictions: [], future_potentials: [], timing: { candidates: 0, matchMs: 0, predictMs: 0 } };
    }
    const started = performance.now();
    const threshold = session.config.recall_threshold;
    const { candidates, encodedState, total } = await this.engine.candidates(
      session.nodeId,
      state,
      threshold,
      this.#maxCandidates,
      3 * session.config.max_predictions,
    );
    if (total > candidates.length) {
      throw new LimitExceededError(
        422,
        `Cannot predict: ${total} patterns pass recall_threshold ${threshold}, more than one prediction may rank ` +
          `(MAX_PREDICTION_CANDIDATES=${this.#maxCandidates}); raise recall_threshold`,
      );
    }
    const matched = performance.now();
    const result = predict(stm, candidates, this.engine.statistics(session.nodeId), {
      maxPredictions: session.config.max_predictions,
      rankSortAlgo: session.config.rank_sort_algo,
      finalized: this.engine.finalizedOf(session.nodeId),
      encodedState,
    });
    const done = performance.now();
    const backend = this.engine.backendOf(session.nodeId) ?? "none";
    this.#hooks.onPredicted?.(session.nodeId, candidates.length, (done - started) / 1000, backend);
    const timing = { candidates: candidates.length, matchMs: matched - started, predictMs: done - matched };
    return { session, ...result, timing };
  }

  /** Clears STM, accumulators and time. */
  clearStm(sessionId: string): Promise<Session> {
    return this.mutate(sessionId, (session) => {
      session.stm = [];
      session.emotives = [];
      session.metadataLog = [];
      session.time = 0;
      return Promise.resolve(session);
    });
  }

  /** Deletes every pattern and statistic of the session's node, then clears the session's STM. */
  async clearAll(sessionId: string): Promise<Session> {
    const session = await this.session(sessionId);
    await this.engine.clearNode(session.nodeId);
    return await this.clearStm(sessionId);
  }

  /** Precomputes whole-pattern metrics for the session's node. */
  async finalizeTraining(sessionId: string): Promise<{ session: Session; processed: number; ms: number }> {
    const session = await this.session(sessionId);
    const started = performance.now();
    const processed = await this.engine.finalize(session.nodeId, finalizeMetrics);
    await this.#hooks.onFinalized?.(session.nodeId);
    return { session, processed, ms: performance.now() - started };
  }

  /** A pattern of a node by name (with or without `PTRN|`), or null. */
  async pattern(nodeId: string, patternId: string): Promise<StoredPattern | null> {
    const name = patternId.startsWith("PTRN|") ? patternId.slice(5) : patternId;
    return await this.store.getPattern(nodeId, name);
  }

  #prefixed(name: string): string {
    return name === "" ? "" : `PTRN|${name}`;
  }
}
