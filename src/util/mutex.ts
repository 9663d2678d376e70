/**
 * A FIFO async mutex: one holder at a time, waiters served in arrival order.
 *
 * @module
 */

/** Serialises async critical sections. */
export class Mutex {
  #tail: Promise<void> = Promise.resolve();

  /**
   * Runs `task` once every earlier task has settled; rejections propagate to the caller only.
   *
   * @example Serialised increments
   * ```ts
   * import { strictEqual } from "node:assert";
   * import { Mutex } from "./mutex.ts";
   * const mutex = new Mutex();
   * let n = 0;
   * await Promise.all([1, 2, 3].map(() => mutex.run(async () => { const v = n; await null; n = v + 1; })));
   * strictEqual(n, 3);
   * ```
   */
  run<T>(task: () => Promise<T> | T): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.then(() => {}, () => {});
    return result;
  }
}

/** Mutexes created on demand per key, dropped when idle. */
export class KeyedMutex {
  #locks = new Map<string, { mutex: Mutex; users: number }>();

  /** Runs `task` under the mutex of `key`. */
  async run<T>(key: string, task: () => Promise<T> | T): Promise<T> {
    let entry = this.#locks.get(key);
    if (entry === undefined) {
      entry = { mutex: new Mutex(), users: 0 };
      this.#locks.set(key, entry);
    }
    entry.users++;
    try {
      return await entry.mutex.run(task);
    } finally {
      if (--entry.users === 0) this.#locks.delete(key);
    }
  }
}
