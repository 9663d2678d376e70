/**
 * The best `limit` items of a stream under a comparator, in a binary heap with the worst kept item on
 * top: O(n log limit) where sorting everything costs O(n log n). Pruning keeps 3·max_predictions of
 * what can be hundreds of thousands of candidates. Private to `src/kato`.
 *
 * @module
 */

/** Keeps the best `limit` items offered; `compare(a, b) < 0` means `a` is better. */
export class TopK<T> {
  readonly #items: T[] = [];
  readonly #limit: number;
  readonly #compare: (a: T, b: T) => number;

  constructor(limit: number, compare: (a: T, b: T) => number) {
    this.#limit = limit;
    this.#compare = compare;
  }

  /** Items kept. */
  get size(): number {
    return this.#items.length;
  }

  /** The worst kept item (undefined while none is kept). */
  worst(): T | undefined {
    return this.#items[0];
  }

  /** Keeps `item` if it is among the best `limit` so far; a tie with the worst kept item loses. */
  offer(item: T): void {
    if (this.#limit <= 0) return;
    const items = this.#items;
    if (items.length < this.#limit) {
      items.push(item);
      this.#up(items.length - 1);
    } else if (this.#compare(item, items[0]!) < 0) {
      items[0] = item;
      this.#down(0);
    }
  }

  /** The kept items, in no particular order. */
  items(): T[] {
    return [...this.#items];
  }

  /** Heap order: no item is worse than its parent (`compare(parent, child) >= 0`). */
  #up(k: number): void {
    const items = this.#items;
    while (k > 0) {
      const parent = (k - 1) >> 1;
      if (this.#compare(items[parent]!, items[k]!) >= 0) break;
      [items[parent], items[k]] = [items[k]!, items[parent]!];
      k = parent;
    }
  }

  #down(k: number): void {
    const items = this.#items;
    for (;;) {
      const left = 2 * k + 1;
      const right = left + 1;
      let worst = k;
      if (left < items.length && this.#compare(items[left]!, items[worst]!) > 0) worst = left;
      if (right < items.length && this.#compare(items[right]!, items[worst]!) > 0) worst = right;
      if (worst === k) return;
      [items[worst], items[k]] = [items[k]!, items[worst]!];
      k = worst;
    }
  }
}
