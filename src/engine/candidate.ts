/**
 * A matched pattern as prediction reads it, decoded only as far as prediction asks. At KATO's default
 * threshold most of a node's patterns can be candidates, and pruning keeps 3·max_predictions of them:
 * it scores the rest on their symbol ids (`encoded`), so their names and events are never built.
 *
 * @module
 */

import type { Candidate, Emotives, Event } from "../kato/types.ts";
import type { CatalogView } from "./catalog_view.ts";
import type { SymbolEncoder } from "./encoder.ts";
import type { MatchCandidate } from "./matcher.ts";

/** A {@linkcode Candidate} read lazily through a catalog view taken when the query ran. */
export class CatalogCandidate implements Candidate {
  readonly #view: CatalogView;
  readonly #encoder: SymbolEncoder;
  readonly #id: number;
  #name: string | undefined;
  #events: Event[] | undefined;
  readonly length: number;
  readonly frequency: number;
  readonly emotives: Emotives[];
  readonly similarity: number;
  readonly lcs: number;
  /** Set by the engine when it scored the candidate natively. */
  pre?: number;

  constructor(view: CatalogView, encoder: SymbolEncoder, match: MatchCandidate) {
    this.#view = view;
    this.#encoder = encoder;
    this.#id = match.id;
    this.length = view.lengthOf(match.id);
    this.frequency = view.frequencyOf(match.id);
    this.emotives = view.emotivesOf(match.id);
    this.similarity = match.similarity;
    this.lcs = match.lcs;
  }

  /** Bare 40-hex SHA-1 name. */
  get name(): string {
    return this.#name ??= this.#view.nameOf(this.#id);
  }

  /** The pattern's events, decoded on first use. */
  get events(): Event[] {
    return this.#events ??= this.#view.eventsOf(this.#id, this.#encoder);
  }

  /** Symbol ids and event sizes: views into the catalog's pools. */
  get encoded(): { symbols: Int32Array; eventSizes: Int32Array } {
    return { symbols: this.#view.symbolsOf(this.#id), eventSizes: this.#view.eventSizesOf(this.#id) };
  }
}
