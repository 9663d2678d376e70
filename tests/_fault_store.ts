/**
 * Test helpers for store faults: a store decorator that fails chosen methods on demand, snapshots of
 * everything a node and a session hold, and probes for the privileges real faults need.
 *
 * @module
 */

import { type PatternStore, StoreUnavailableError } from "../src/store/mod.ts";
import type { TestService } from "./_service.ts";

/** Fails the named store methods with `StoreUnavailableError` while they are in `failing`. */
export class FaultInjector {
  readonly failing = new Set<keyof PatternStore>();
  /** Calls refused so far. */
  refused = 0;

  /** The decorator, for `BuildOptions.wrapStore`. */
  wrap = (store: PatternStore): PatternStore =>
    new Proxy(store, {
      get: (target, property, _receiver) => {
        const value = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (this.failing.has(property as keyof PatternStore)) {
            this.refused++;
            return Promise.reject(new StoreUnavailableError(`Cannot ${String(property)}: injected fault`));
          }
          // The store's private fields need the store itself as `this`, not the proxy.
          return value.apply(target, args);
        };
      },
    });
}

/** Everything a fault must leave unchanged: the node in the store and in memory, and the session. */
export async function snapshot(t: TestService, nodeId: string, sessionId: string): Promise<unknown> {
  const store = t.built.store;
  const patterns: unknown[] = [];
  await store.loadPatterns(nodeId, 1000, (batch) => void patterns.push(...batch));
  const session = await store.getSession(sessionId);
  const stored = session?.data as { stm?: unknown; time?: unknown; emotives?: unknown } | undefined;
  const predictions = (await t.call("GET", `/sessions/${sessionId}/predictions`)).json.predictions as
    | { name: string; frequency: number }[]
    | undefined;
  return {
    patterns,
    symbols: [...(await store.loadSymbolStats(nodeId))].sort(([a], [b]) => a < b ? -1 : 1),
    totals: await store.getTotals(nodeId),
    enginePatterns: t.built.engine.patternCount(nodeId),
    stm: (await t.call("GET", `/sessions/${sessionId}/stm`)).json,
    storedSession: { stm: stored?.stm, time: stored?.time, emotives: stored?.emotives },
    predictions: predictions?.map((p) => `${p.name}:${p.frequency}`),
  };
}

/** Runs a command; true when it exits 0 (false when it cannot run at all). */
export function run(command: string, ...args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

/** Whether `chattr +i` works here (root or CAP_LINUX_IMMUTABLE, on a file system that has the flag). */
export function canMakeImmutable(): boolean {
  const file = Deno.makeTempFileSync();
  try {
    return run("chattr", "+i", file) && run("chattr", "-i", file);
  } finally {
    run("chattr", "-i", file);
    Deno.removeSync(file);
  }
}

/** Whether a tmpfs can be mounted here (CAP_SYS_ADMIN). */
export function canMountTmpfs(): boolean {
  const dir = Deno.makeTempDirSync();
  try {
    return run("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir) && run("umount", dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}
