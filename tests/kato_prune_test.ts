import { deepStrictEqual } from "node:assert";
import { prePotential, pruneCandidates } from "../src/kato/ranking.ts";
import { compareCodePoints } from "../src/kato/normalize.ts";

function random(seed: number): () => number {
  return () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** SEMANTICS' rule spelled out: sort everything by (pre desc, similarity desc, name asc), keep the first. */
function referencePrune<T extends Parameters<typeof prePotential>[0] & { name: string; similarity: number }>(
  items: T[],
  limit: number,
): T[] {
  if (items.length <= limit) return [...items];
  const order = items.map((item, index) => ({ item, index, pre: prePotential(item) }));
  order.sort((x, y) =>
    x.pre !== y.pre
      ? y.pre - x.pre
      : x.item.similarity !== y.item.similarity
      ? y.item.similarity - x.item.similarity
      : compareCodePoints(x.item.name, y.item.name)
  );
  return order.slice(0, limit).sort((x, y) => x.index - y.index).map((s) => s.item);
}

Deno.test("pruneCandidates() keeps what sorting everything keeps, ties on pre and similarity included", () => {
  const rnd = random(17);
  for (let round = 0; round < 300; round++) {
    // Few distinct values, so pre and similarity tie often and the name decides.
    const items = Array.from({ length: 1 + Math.floor(rnd() * 400) }, (_, k) => ({
      name: `p${Math.floor(rnd() * 1e6)}-${k}`,
      similarity: Math.floor(rnd() * 4) / 4,
      evidence: Math.floor(rnd() * 3) / 3,
      confidence: Math.floor(rnd() * 3) / 3,
      snr: Math.floor(rnd() * 5) / 2 - 1,
      fragmentation: Math.floor(rnd() * 4) - 1,
    }));
    const limit = Math.floor(rnd() * 40);
    deepStrictEqual(pruneCandidates(items, limit), referencePrune(items, limit), `round ${round}, limit ${limit}`);
  }
});
