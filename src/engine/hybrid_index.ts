/**
 * The hybrid index: a stable tier (libmatcher, on the GPU where there is one) holding most patterns,
 * and a fresh TypeScript tier taking every learn, so a learn never waits for a device upload.
 *
 * A query runs both tiers and merges; a pattern is in exactly one tier at any instant a query can
 * observe, because promotion moves a batch under the exclusive side of a readers–writer lock while
 * queries hold it shared. If the stable tier fails (CUDA error, device lost, out of memory) the node
 * falls back: its stable patterns are rebuilt into a CPU-side index from the catalog, the failed query
 * is answered there, and the next sync tries the GPU again.
 *
 * @module
 */

import { Mutex } from "../util/mutex.ts";
import { RwLock } from "../util/rw_lock.ts";
import {
  compareCandidates,
  encodedOf,
  type EncodedPattern,
  type MatchCandidate,
  type PatternIndex,
} from "./matcher.ts";
import { TsIndex } from "./ts_index.ts";

/** How a hybrid index reaches the rest of the engine. */
export interface HybridOptions {
  /** Opens a fresh stable-tier index (GPU); throws when none can be had. */
  openStable: () => PatternIndex;
  /** Opens the CPU-side index used while the stable tier is unusable (native CPU or TypeScript). */
  openFallback: () => PatternIndex;
  /** Every pattern of the node in id order: the source for rebuilding a tier. */
  patterns: () => Iterable<EncodedPattern>;
  /** Called once per failure with what failed and why. */
  onFault?: (what: string, error: unknown) => void;
}

/** What a promotion did. */
export interface PromotionResult {
  promoted: number;
  /** Set when the upload failed; the patterns stay in the fresh tier. */
  error?: string;
}

/** Two tiers behind one {@linkcode PatternIndex}. */
export class HybridIndex implements PatternIndex {
  readonly #options: HybridOptions;
  readonly #lock = new RwLock();
  /** Serialises fallbacks started by concurrent failing queries, so the tier is rebuilt once. */
  readonly #faultLock = new Mutex();
  #stable: PatternIndex;
  #degraded: string | undefined;
  #fresh = new TsIndex();
  #freshPatterns: EncodedPattern[] = [];

  constructor(options: HybridOptions) {
    this.#options = options;
    try {
      this.#stable = options.openStable();
    } catch (error) {
      this.#degraded = `Cannot open the GPU tier: ${(error as Error).message}`;
      options.onFault?.("open", error);
      this.#stable = options.openFallback();
    }
  }

  /** `stable-backend+ts`, e.g. `cuda+ts`. */
  get backend(): string {
    return `${this.#stable.backend}+ts`;
  }

  /** Backend of the stable tier alone. */
  get stableBackend(): string {
    return this.#stable.backend;
  }

  /** Patterns in both tiers. */
  get size(): number {
    return this.#stable.size + this.#fresh.size;
  }

  /** Patterns waiting in the fresh tier. */
  get freshSize(): number {
    return this.#fresh.size;
  }

  /** Patterns in the stable tier. */
  get stableSize(): number {
    return this.#stable.size;
  }

  /** Device memory held by the stable tier (0 unless it is libmatcher's CUDA backend). */
  get deviceBytes(): number {
    const stable = this.#stable as PatternIndex & { stats?: () => { deviceBytes: number } };
    return typeof stable.stats === "function" ? stable.stats().deviceBytes : 0;
  }

  /** Why the node runs on the CPU side, or undefined while the GPU tier serves. */
  get degraded(): string | undefined {
    return this.#degraded;
  }

  /** New patterns go to the fresh tier: an in-memory insert, no device work. */
  add(patterns: readonly EncodedPattern[]): void {
    this.#fresh.add(patterns);
    this.#freshPatterns.push(...patterns);
  }

  /**
   * The bulk load at start: patterns already in the store go straight to the stable tier, skipping
   * the fresh tier and a promotion. On failure the node falls back to the CPU side, which is rebuilt
   * from the catalog (these patterns included) as after any fault.
   */
  addColumns(ids: Int32Array, lengths: Int32Array, symbols: Int32Array): Promise<void> {
    return this.#lock.write(async () => {
      const stable = this.#stable;
      try {
        if (stable.addColumns !== undefined) await stable.addColumns(ids, lengths, symbols);
        else await stable.add(encodedOf(ids, lengths, symbols));
      } catch (error) {
        await this.#fallBack("add", error);
      }
    });
  }

  /** Both tiers, merged in the shared order; falls back to the CPU side if the stable tier fails. */
  query(state: Int32Array, threshold: number): Promise<MatchCandidate[]> {
    return this.#lock.read(async () => {
      const fresh = this.#fresh.query(state, threshold);
      const tier = this.#stable;
      let stable: MatchCandidate[];
      try {
        stable = await tier.query(state, threshold);
      } catch (error) {
        stable = await this.#faultLock.run(() =>
          this.#stable === tier
            ? this.#fallBack("query", error, state, threshold)
            : Promise.resolve(this.#stable.query(state, threshold))
        );
      }
      return stable.length === 0 ? fresh : [...stable, ...fresh].sort(compareCandidates);
    });
  }

  /**
   * Moves every fresh pattern to the stable tier. On failure the patterns stay fresh (still served)
   * and the stable tier falls back to the CPU side.
   */
  promote(): Promise<PromotionResult> {
    return this.#lock.write(async () => {
      const batch = this.#freshPatterns;
      if (batch.length === 0) return { promoted: 0 };
      try {
        await this.#stable.add(batch);
      } catch (error) {
        await this.#fallBack("add", error);
        return { promoted: 0, error: (error as Error).message };
      }
      this.#fresh = new TsIndex();
      this.#freshPatterns = [];
      return { promoted: batch.length };
    });
  }

  /** Tries to bring the GPU tier back after a fault; true when it serves again. */
  recover(): Promise<boolean> {
    return this.#lock.write(async () => {
      if (this.#degraded === undefined) return true;
      let candidate: PatternIndex | undefined;
      try {
        candidate = this.#options.openStable();
        await candidate.add(this.#stablePatterns());
      } catch (error) {
        candidate?.close();
        this.#options.onFault?.("recover", error);
        return false;
      }
      this.#stable.close();
      this.#stable = candidate;
      this.#degraded = undefined;
      return true;
    });
  }

  /**
   * Fault injection for tests and drills: the stable tier's next `query` or `add` fails as a CUDA error
   * would (libmatcher's `matcher_debug_inject_fault`). Throws TypeError when the tier is not native.
   */
  injectFault(kind: "query" | "add"): void {
    const stable = this.#stable as PatternIndex & { injectFault?: (kind: "query" | "add") => void };
    if (typeof stable.injectFault !== "function") {
      throw new TypeError(`Cannot inject a fault: the ${this.#stable.backend} tier is not libmatcher`);
    }
    stable.injectFault(kind);
  }

  /** Empties both tiers. */
  clear(): Promise<void> {
    return this.#lock.write(async () => {
      this.#fresh = new TsIndex();
      this.#freshPatterns = [];
      await this.#stable.clear();
    });
  }

  /** Releases the stable tier; idempotent. */
  close(): void {
    this.#stable.close();
    this.#fresh.clear();
    this.#freshPatterns = [];
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Patterns that belong to the stable tier: all of the node's, minus the fresh ones. */
  #stablePatterns(): EncodedPattern[] {
    const fresh = new Set(this.#freshPatterns.map((pattern) => pattern.id));
    return [...this.#options.patterns()].filter((pattern) => !fresh.has(pattern.id));
  }

  /** Rebuilds the stable tier on the CPU side and, for a failed query, answers it there. */
  async #fallBack(what: string, error: unknown, state?: Int32Array, threshold = 0): Promise<MatchCandidate[]> {
    this.#options.onFault?.(what, error);
    const replacement = this.#options.openFallback();
    await replacement.add(this.#stablePatterns());
    this.#stable.close();
    this.#stable = replacement;
    this.#degraded = `GPU tier failed during ${what}: ${(error as Error)?.message ?? String(error)}`;
    return state === undefined ? [] : await replacement.query(state, threshold);
  }
}
