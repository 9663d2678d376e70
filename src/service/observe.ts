/**
 * Observation and learning on a session: STM, accumulators, auto-learn (SEMANTICS.md §1–2).
 *
 * Every function here runs under the session's lock (see `KatoService`). A learn is committed to the
 * store before the session's STM changes, so a failed write leaves the session as it was.
 *
 * @module
 */

import { patternName, sortSymbols } from "../kato/mod.ts";
import type { Emotives, Event, PatternMetadata } from "../kato/types.ts";
import type { Engine } from "../engine/engine.ts";
import { compareCodePoints } from "../kato/normalize.ts";
import { BadRequestError } from "./errors.ts";
import { DEFAULT_LIMITS, type Limits, trimStm } from "./limits.ts";
import type { Session } from "./sessions.ts";

/** One validated observation. */
export interface Observation {
  strings: string[];
  emotives: Emotives;
  metadata: Record<string, unknown>;
}

/** What an observe did. */
export interface ObserveOutcome {
  /** `PTRN|<hash>` when auto-learn stored a pattern, else null. */
  autoLearned: string | null;
}

/**
 * Appends an observation to the session and runs auto-learn. Mutates `session`; the caller saves it.
 * The STM and the accumulators keep the newest `limits.maxStmEvents` entries (KATO's 1000), and the
 * STM at most `limits.maxStmSymbols` symbols, so a session's memory stays bounded.
 */
export async function observeInto(
  engine: Engine,
  session: Session,
  observation: Observation,
  limits: Pick<Limits, "maxStmEvents" | "maxStmSymbols"> = DEFAULT_LIMITS,
): Promise<ObserveOutcome> {
  const event = session.config.sort_symbols ? sortSymbols(observation.strings) : [...observation.strings];
  session.time += 1;
  if (Object.keys(observation.emotives).length > 0) {
    session.emotives = trimmed([...session.emotives, observation.emotives], limits.maxStmEvents);
  }
  if (Object.keys(observation.metadata).length > 0) {
    session.metadataLog = trimmed([...session.metadataLog, observation.metadata], limits.maxStmEvents);
  }
  if (event.length === 0) return { autoLearned: null };
  session.stm = trimStm([...session.stm, event], limits);

  const limit = session.config.max_pattern_length;
  if (limit <= 0 || session.stm.length < limit) return { autoLearned: null };
  const keep = session.config.stm_mode === "ROLLING" ? session.stm.slice(session.stm.length - (limit - 1)) : [];
  const name = await learnFrom(engine, session, keep);
  return { autoLearned: name === "" ? null : `PTRN|${name}` };
}

/**
 * Learns the session's whole STM and leaves `remaining` in it. Returns the bare name, or `""` when the
 * STM held fewer than two symbols (nothing stored). Throws BadRequestError on an empty STM.
 */
export async function learnFrom(engine: Engine, session: Session, remaining: Event[] = []): Promise<string> {
  const events = session.stm;
  if (events.length === 0) throw new BadRequestError("Cannot learn from empty STM");
  const length = events.reduce((sum, event) => sum + event.length, 0);
  let name = "";
  if (length >= 2) {
    name = patternName(events);
    await engine.learn({
      nodeId: session.nodeId,
      name,
      events,
      length,
      emotives: session.emotives,
      metadata: accumulateMetadata(session.metadataLog),
      persistence: session.config.persistence,
    });
  }
  session.stm = remaining;
  session.emotives = [];
  session.metadataLog = [];
  return name;
}

/**
 * Per key, the sorted distinct string forms of every value seen (strings as they are, other JSON
 * values in their JSON text).
 *
 * @example Union and stringify
 * ```ts
 * import { deepStrictEqual } from "node:assert";
 * import { accumulateMetadata } from "./observe.ts";
 * deepStrictEqual(accumulateMetadata([{ k: "b" }, { k: 1 }, { k: "b" }]), { k: ["1", "b"] });
 * ```
 */
export function accumulateMetadata(log: readonly Record<string, unknown>[]): PatternMetadata {
  const sets = new Map<string, Set<string>>();
  for (const entry of log) {
    for (const [key, value] of Object.entries(entry)) {
      const set = sets.get(key) ?? new Set<string>();
      set.add(typeof value === "string" ? value : JSON.stringify(value) ?? "null");
      sets.set(key, set);
    }
  }
  // fromEntries defines own properties, so a key like "__proto__" stays data.
  return Object.fromEntries([...sets].map(([key, set]) => [key, [...set].sort(compareCodePoints)]));
}

function trimmed<T>(list: T[], max: number): T[] {
  return list.length > max ? list.slice(list.length - max) : list;
}
