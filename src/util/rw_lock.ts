/**
 * A readers–writer lock for async code: many readers at once, or one writer; a waiting writer
 * blocks new readers so promotion is never starved by a stream of queries.
 *
 * @module
 */

/** Shared/exclusive async lock. */
export class RwLock {
  #readers = 0;
  #writing = false;
  #queue: { write: boolean; wake: () => void }[] = [];

  /**
   * Runs `task` holding the lock shared.
   *
   * @example Readers overlap
   * ```ts
   * import { strictEqual } from "node:assert";
   * import { RwLock } from "./rw_lock.ts";
   * const lock = new RwLock();
   * let inside = 0, most = 0;
   * const read = () => lock.read(async () => { most = Math.max(most, ++inside); await null; inside--; });
   * await Promise.all([read(), read()]);
   * strictEqual(most, 2);
   * ```
   */
  async read<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.#writing || this.#queue.length > 0) await this.#wait(false);
    else this.#readers++;
    try {
      return await task();
    } finally {
      this.#readers--;
      this.#drain();
    }
  }

  /** Runs `task` holding the lock exclusively. */
  async write<T>(task: () => Promise<T> | T): Promise<T> {
    if (this.#writing || this.#readers > 0 || this.#queue.length > 0) await this.#wait(true);
    else this.#writing = true;
    try {
      return await task();
    } finally {
      this.#writing = false;
      this.#drain();
    }
  }

  #wait(write: boolean): Promise<void> {
    return new Promise((wake) => this.#queue.push({ write, wake }));
  }

  /** Admits the next writer alone, or every reader up to the next writer. */
  #drain(): void {
    if (this.#writing || this.#queue.length === 0) return;
    if (this.#queue[0]!.write) {
      if (this.#readers > 0) return;
      this.#writing = true;
      this.#queue.shift()!.wake();
      return;
    }
    while (this.#queue.length > 0 && !this.#queue[0]!.write) {
      this.#readers++;
      this.#queue.shift()!.wake();
    }
  }
}
