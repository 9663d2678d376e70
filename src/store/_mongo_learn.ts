/**
 * One learn against MongoDB, in a transaction where the deployment has them (replica set, sharded
 * cluster) and as ordered single-document writes on a standalone server. Private to `src/store`.
 *
 * Exactly-once: every learn carries an id (`op`, an ObjectId) that the pattern write records in the
 * document's `ops` (the last {@linkcode OPS_KEPT}). A retried attempt first reads the pattern; if
 * `op` is there, the earlier attempt was applied and is not applied again.
 *
 * - Transaction: the pattern, symbol and totals writes commit together, so `op` on the pattern
 *   proves that all of them were applied. Every failure can therefore be retried.
 * - Standalone: the pattern write is one atomic document write carrying `op`, so it is retried
 *   safely; the symbol and totals increments that follow cannot be recognised afterwards, so a
 *   failure there is not retried and the learn rejects with the statistics possibly short of it.
 *
 * @module
 */

import type { ClientSession, Db, Document, MongoClient, ObjectId } from "mongodb";
import {
  appliedOp,
  COLLECTIONS,
  createdByOp,
  newPatternDoc,
  parsePatternDoc,
  relearnedPatternDoc,
  relearnFilter,
  symbolIncrements,
  TOTALS_FILTER,
  totalsIncrement,
} from "./_mongo_docs.ts";
import { reserveSeq } from "./_mongo_layout.ts";
import { inTransaction } from "./_mongo_tx.ts";
import { ConflictRetry, isDuplicateKeyError, isTransientError, type RetryPolicy, withRetry } from "./_mongo_retry.ts";
import { learnDeltas, planLearn } from "./learn_merge.ts";
import type { LearnOutcome, LearnRecord } from "./types.ts";

/** What a learn needs besides the record. */
export interface LearnContext {
  client: MongoClient;
  db: Db;
  transactions: boolean;
  policy: RetryPolicy;
  op: ObjectId;
}

/** Applies one learn; resolves once acknowledged by a majority. */
export function learnInMongo(ctx: LearnContext, record: LearnRecord): Promise<LearnOutcome> {
  return ctx.transactions ? learnInTransaction(ctx, record) : learnSequentially(ctx, record);
}

/** A concurrent learn created the pattern first (duplicate name) or changed it (compare-and-set). */
function isRaceLost(error: unknown): boolean {
  return error instanceof ConflictRetry || isDuplicateKeyError(error);
}

async function learnInTransaction(ctx: LearnContext, record: LearnRecord): Promise<LearnOutcome> {
  return await withRetry("learn", ctx.policy, async () => {
    return await inTransaction(ctx.client, (session) => applyLearn(ctx, record, session));
  }, (error) => isTransientError(error) || isRaceLost(error));
}

async function learnSequentially(ctx: LearnContext, record: LearnRecord): Promise<LearnOutcome> {
  let statisticsStarted = false;
  return await withRetry("learn", ctx.policy, async () => {
    const { outcome, applyStatistics } = await writePattern(ctx, record);
    statisticsStarted = true;
    await applyStatistics();
    return outcome;
  }, (error) => !statisticsStarted && (isTransientError(error) || isRaceLost(error)));
}

/** All writes of one learn, inside the transaction of `session`. */
async function applyLearn(ctx: LearnContext, record: LearnRecord, session: ClientSession): Promise<LearnOutcome> {
  const { outcome, applyStatistics, alreadyApplied } = await writePattern(ctx, record, session);
  if (!alreadyApplied) await applyStatistics();
  return outcome;
}

interface PatternWrite {
  outcome: LearnOutcome;
  /** True when an earlier attempt had written the pattern (`op` found on it). */
  alreadyApplied: boolean;
  applyStatistics(): Promise<void>;
}

/** Reads the pattern, plans the learn with the shared rules and writes the pattern document. */
async function writePattern(ctx: LearnContext, record: LearnRecord, session?: ClientSession): Promise<PatternWrite> {
  const options = session ? { session } : {};
  const patterns = ctx.db.collection(COLLECTIONS.patterns);
  const doc = await patterns.findOne({ name: record.name }, options);
  let created: boolean;
  let outcome: LearnOutcome;
  const alreadyApplied = appliedOp(doc, ctx.op);
  if (alreadyApplied) {
    created = createdByOp(doc!, ctx.op);
    outcome = { created, pattern: parsePatternDoc(doc!) };
  } else {
    const plan = planLearn(doc === null ? null : parsePatternDoc(doc), record);
    created = plan.created;
    outcome = { created, pattern: plan.pattern };
    if (doc === null) {
      const seq = await reserveSeq(ctx.db, 1, session);
      await patterns.insertOne(newPatternDoc(plan.pattern, seq, ctx.op), options);
    } else {
      // A replacement, not `$set`: metadata and emotive keys are user strings, and MongoDB refuses
      // `$`-prefixed field names inside `$set` values but accepts them in a replacement document.
      const result = await patterns.replaceOne(
        relearnFilter(doc),
        relearnedPatternDoc(doc, plan.pattern, ctx.op) as unknown as Document,
        options,
      );
      if (result.matchedCount === 0) throw new ConflictRetry(`Pattern ${record.name} changed during the learn`);
    }
  }
  // The statistics follow the stored events (a re-learn keeps the first learn's events).
  const deltas = learnDeltas(outcome.pattern.events, created);
  return {
    outcome,
    alreadyApplied,
    async applyStatistics() {
      if (deltas.symbols.length > 0) {
        await ctx.db.collection(COLLECTIONS.symbols).bulkWrite(symbolIncrements(deltas.symbols), {
          ordered: false,
          ...options,
        });
      }
      await ctx.db.collection(COLLECTIONS.metadata).updateOne(TOTALS_FILTER, totalsIncrement(deltas.totals), {
        upsert: true,
        ...options,
      });
    },
  };
}
