/**
 * A read-only view of a catalog's pools as they are at one instant. The catalog only ever appends to
 * its pools or replaces them whole (growth, `clear()`), so what a view shows for the ids it had never
 * changes: candidates of a query keep reading their patterns through it, however the node changes
 * meanwhile, and decode names and events only when prediction asks for them.
 *
 * @module
 */

import type { Emotives, Event } from "../kato/types.ts";
import { NAME_BYTES } from "../util/hex.ts";
import type { SymbolEncoder } from "./encoder.ts";

/** Pools of a catalog, addressed by pattern id. */
export class CatalogView {
  constructor(
    /** 20 raw SHA-1 bytes per pattern. */
    readonly names: Uint8Array,
    /** `symbols` offset of each pattern; `symbolStart[id + 1]` ends it. */
    readonly symbolStart: Float64Array,
    readonly symbols: Int32Array,
    /** `eventSizes` offset of each pattern. */
    readonly eventStart: Float64Array,
    readonly eventSizes: Int32Array,
    /** Learn counts (a re-learn raises one in place). */
    readonly frequencies: Int32Array,
    /** Emotive lists of the patterns that have any. */
    readonly emotives: ReadonlyMap<number, Emotives[]>,
  ) {}

  /** The learn count of a pattern. */
  frequencyOf(id: number): number {
    return this.frequencies[id]!;
  }

  /** Stored emotive dicts of a pattern. */
  emotivesOf(id: number): Emotives[] {
    return this.emotives.get(id) ?? [];
  }

  /** The bare hex name of a pattern. */
  nameOf(id: number): string {
    let hex = "";
    for (let k = id * NAME_BYTES; k < (id + 1) * NAME_BYTES; k++) hex += this.names[k]!.toString(16).padStart(2, "0");
    return hex;
  }

  /** Number of symbols of a pattern. */
  lengthOf(id: number): number {
    return this.symbolStart[id + 1]! - this.symbolStart[id]!;
  }

  /** The flattened symbol ids of a pattern (a view; do not modify). */
  symbolsOf(id: number): Int32Array {
    return this.symbols.subarray(this.symbolStart[id]!, this.symbolStart[id + 1]!);
  }

  /** The sizes of a pattern's events (a view; do not modify). */
  eventSizesOf(id: number): Int32Array {
    return this.eventSizes.subarray(this.eventStart[id]!, this.eventStart[id + 1]!);
  }

  /** The pattern's events, decoded. */
  eventsOf(id: number, encoder: SymbolEncoder): Event[] {
    const events: Event[] = [];
    let cursor = this.symbolStart[id]!;
    for (let k = this.eventStart[id]!; k < this.eventStart[id + 1]!; k++) {
      const size = this.eventSizes[k]!;
      const event: string[] = new Array(size);
      for (let j = 0; j < size; j++) event[j] = encoder.symbolOf(this.symbols[cursor + j]!);
      events.push(event);
      cursor += size;
    }
    return events;
  }
}
