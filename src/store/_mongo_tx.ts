/**
 * Transactions of {@linkcode MongoStore}. Private to `src/store`.
 *
 * @module
 */

import type { ClientSession, MongoClient, TransactionOptions } from "mongodb";

/**
 * Snapshot reads make a compare-and-set conflict instead of missing a concurrent write; majority
 * commit makes the writes durable across a failover before they are acknowledged.
 */
export const TRANSACTION_OPTIONS: TransactionOptions = {
  readConcern: { level: "snapshot" },
  writeConcern: { w: "majority", journal: true },
  readPreference: "primary",
};

/**
 * Runs `body` in one transaction and commits it; aborts on any error and rethrows it.
 *
 * Not the driver's `withTransaction`: that one retries transient errors for up to 120 s, and while
 * MongoDB is unreachable every server-selection failure in a transaction is labelled transient, so
 * a request would hang for two minutes before answering 503. Retries belong to the caller's bounded
 * policy (`withRetry`), which also decides what is safe to run again.
 */
export async function inTransaction<T>(client: MongoClient, body: (session: ClientSession) => Promise<T>): Promise<T> {
  const session = client.startSession();
  try {
    session.startTransaction(TRANSACTION_OPTIONS);
    let result: T;
    try {
      result = await body(session);
    } catch (error) {
      // The server aborts by itself when it cannot be told (it times the transaction out).
      await session.abortTransaction().catch(() => {});
      throw error;
    }
    // The driver retries a commit once on a retryable error; an unknown outcome after that is
    // labelled UnknownTransactionCommitResult and left to the caller, whose retry can recognise it.
    await session.commitTransaction();
    return result;
  } finally {
    await session.endSession().catch(() => {});
  }
}
