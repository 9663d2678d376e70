/**
 * The import path of {@linkcode MongoStore}: patterns written as given. Private to `src/store`.
 *
 * @module
 */

import type { AnyBulkWriteOperation, ClientSession, Db, Document } from "mongodb";
import { COLLECTIONS, importedPatternDoc } from "./_mongo_docs.ts";
import { reserveSeq } from "./_mongo_layout.ts";
import type { StoredPattern } from "./types.ts";

/**
 * Writes validated patterns, one per name: a stored name is replaced and keeps its `seq`, new
 * names get consecutive new ones in the given order. Running it again writes the same documents
 * (only the counter moves), so a retry after an unknown outcome is harmless.
 */
export async function writeImportedPatterns(
  db: Db,
  byName: ReadonlyMap<string, StoredPattern>,
  session?: ClientSession,
): Promise<void> {
  const options = session ? { session } : {};
  const collection = db.collection(COLLECTIONS.patterns);
  const existing = new Map<string, Document>();
  const found = collection.find({ name: { $in: [...byName.keys()] } }, { projection: { name: 1, seq: 1 }, ...options });
  for await (const doc of found) existing.set(doc.name, doc);
  const fresh = [...byName.values()].filter((p) => !existing.has(p.name)).length;
  let seq = fresh > 0 ? await reserveSeq(db, fresh, session) : 0;
  const ops: AnyBulkWriteOperation[] = [...byName.values()].map((p) => {
    const old = existing.get(p.name);
    if (old === undefined) return { insertOne: { document: importedPatternDoc(p, seq++) as unknown as Document } };
    return {
      replaceOne: { filter: { _id: old._id }, replacement: importedPatternDoc(p, old.seq) as unknown as Document },
    };
  });
  await collection.bulkWrite(ops, { ordered: true, ...options });
}
