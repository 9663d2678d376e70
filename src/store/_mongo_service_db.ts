/**
 * The service database's vocabulary and sessions for {@linkcode MongoStore}. Private to `src/store`.
 *
 * @module
 */

import type { ClientSession, Collection, Db } from "mongodb";
import { COLLECTIONS, parseSessionDoc, sessionDoc, vocabularyDocs } from "./_mongo_docs.ts";
import { isDuplicateKeyError } from "./_mongo_retry.ts";
import { assertString } from "./learn_merge.ts";
import type { SessionRecord } from "./types.ts";

type VocabularyDoc = { _id: number; symbol: string };

function vocabulary(meta: Db): Collection<VocabularyDoc> {
  return meta.collection<VocabularyDoc>(COLLECTIONS.vocabulary);
}

function sessions(meta: Db): Collection<{ _id: string }> {
  return meta.collection<{ _id: string }>(COLLECTIONS.sessions);
}

/** The vocabulary in id order. */
export async function loadVocabulary(meta: Db): Promise<string[]> {
  const symbols: string[] = [];
  for await (const doc of vocabulary(meta).find({}, { sort: { _id: 1 }, projection: { symbol: 1 } })) {
    symbols.push(doc.symbol);
  }
  return symbols;
}

/** Checks `appendVocabulary`'s arguments before anything is sent. */
export function validateAppend(firstId: number, symbols: readonly string[]): void {
  if (!Number.isInteger(firstId) || firstId < 1) {
    throw new RangeError(`Invalid firstId: expected a positive integer, got ${firstId}`);
  }
  for (const symbol of symbols) assertString("symbol", symbol);
  if (new Set(symbols).size !== symbols.length) {
    throw new RangeError("Cannot append vocabulary: a symbol is repeated in the batch");
  }
}

/**
 * One attempt at appending symbols with ids `firstId, …`. Ids are `_id`s, so of two writers that
 * append from the same size the second fails on its first document and inserts nothing. With
 * `retrying`, symbols found exactly in place are taken as this append's earlier, unacknowledged
 * attempt. With `session`, inside its transaction (all or nothing even if the server fails mid-way).
 *
 * @throws {RangeError} When `firstId` is not the size + 1, or a symbol is already present.
 */
export async function appendVocabularyOnce(
  meta: Db,
  firstId: number,
  symbols: readonly string[],
  retrying: boolean,
  session?: ClientSession,
): Promise<void> {
  const options = session ? { session } : {};
  const collection = vocabulary(meta);
  const last = await collection.findOne({}, { sort: { _id: -1 }, ...options });
  const size = last?._id ?? 0;
  if (retrying && symbols.length > 0 && size === firstId - 1 + symbols.length) {
    const placed = await collection.find({ _id: { $gte: firstId } }, { sort: { _id: 1 }, ...options }).toArray();
    if (placed.every((doc, i) => doc.symbol === symbols[i])) return;
  }
  if (firstId !== size + 1) {
    throw new RangeError(`Cannot append vocabulary: first id ${firstId} given, ${size + 1} expected`);
  }
  if (symbols.length === 0) return;
  const present = await collection.findOne({ symbol: { $in: [...symbols] } }, options);
  if (present !== null) throw new RangeError(`Cannot append vocabulary: symbol already present: ${present.symbol}`);
  try {
    await collection.insertMany(vocabularyDocs(firstId, symbols) as VocabularyDoc[], { ordered: true, ...options });
  } catch (error) {
    if (!isDuplicateKeyError(error)) throw error;
    throw new RangeError("Cannot append vocabulary: another writer appended first", { cause: error });
  }
}

/** Creates or replaces a session (an idempotent replacement). */
export async function saveSession(meta: Db, session: SessionRecord): Promise<void> {
  assertString("sessionId", session.sessionId);
  assertString("nodeId", session.nodeId);
  if (!Number.isFinite(session.expiresAt)) {
    throw new TypeError(`Invalid expiresAt: expected epoch milliseconds, got ${session.expiresAt}`);
  }
  await sessions(meta).replaceOne({ _id: session.sessionId }, sessionDoc(session), { upsert: true });
}

/** A session by id, or null. */
export async function getSession(meta: Db, sessionId: string): Promise<SessionRecord | null> {
  const doc = await sessions(meta).findOne({ _id: sessionId });
  return doc === null ? null : parseSessionDoc(doc);
}

/** Deletes a session; true when it existed. */
export async function deleteSession(meta: Db, sessionId: string): Promise<boolean> {
  return (await sessions(meta).deleteOne({ _id: sessionId })).deletedCount > 0;
}

/** Sessions with `expiresAt > now`. */
export async function loadActiveSessions(meta: Db, now: number): Promise<SessionRecord[]> {
  const docs = await sessions(meta).find({ expires_at: { $gt: new Date(now) } }).toArray();
  return docs.map(parseSessionDoc);
}

/** Deletes sessions with `expiresAt <= now`; returns how many. */
export async function purgeExpiredSessions(meta: Db, now: number): Promise<number> {
  return (await sessions(meta).deleteMany({ expires_at: { $lte: new Date(now) } })).deletedCount;
}
