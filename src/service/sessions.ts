/**
 * Sessions: per-client STM, accumulators and configuration, attached to a node, with a sliding TTL.
 *
 * Sessions live in memory and are written through to the store on every change, so they survive a
 * restart. A read that only slides the expiry is persisted lazily (when the stored expiry is more than
 * a tenth of the TTL behind), which keeps predictions free of store writes.
 *
 * @module
 */

import type { Emotives, Event } from "../kato/types.ts";
import type { PatternStore } from "../store/types.ts";
import { KeyedMutex } from "../util/mutex.ts";
import { StoreUnavailableError } from "../store/errors.ts";
import { DEFAULT_LIMITS, LimitExceededError, type Limits } from "./limits.ts";
import { defaultSessionConfig, type SessionConfig } from "./session_config.ts";

/** Everything a session holds. */
export interface Session {
  sessionId: string;
  nodeId: string;
  /** Epoch ms. */
  createdAt: number;
  /** Epoch ms. */
  expiresAt: number;
  ttlSeconds: number;
  /** Client metadata given at creation. */
  metadata: Record<string, unknown>;
  config: SessionConfig;
  stm: Event[];
  /** Observe counter; reset by clear-stm. */
  time: number;
  emotives: Emotives[];
  metadataLog: Record<string, unknown>[];
}

/** The limits that concern sessions. */
export type SessionLimits = Pick<Limits, "maxSessionsPerNode" | "maxSessions" | "maxStmEvents" | "maxStmSymbols">;

/** Options of {@linkcode SessionManager}. */
export interface SessionManagerOptions {
  defaultTtlSeconds: number;
  autoExtend: boolean;
  now?: () => number;
  /**
   * Session quotas (creating a session beyond them is refused with a 429 LimitExceededError) and
   * the STM bounds observe applies; DEFAULT_LIMITS when left out.
   */
  limits?: SessionLimits;
}

/** Creates, finds, persists and expires sessions. */
export class SessionManager {
  readonly #store: PatternStore;
  readonly #options: SessionManagerOptions;
  readonly #now: () => number;
  readonly #sessions = new Map<string, Session>();
  readonly #persistedExpiry = new Map<string, number>();
  /** Sessions held in memory per node, expired-but-unpurged included: the quota's fast path. */
  readonly #heldPerNode = new Map<string, number>();
  readonly #locks = new KeyedMutex();

  constructor(store: PatternStore, options: SessionManagerOptions) {
    this.#store = store;
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** The session quotas and STM bounds in force. */
  get limits(): SessionLimits {
    return this.#options.limits ?? DEFAULT_LIMITS;
  }

  /** Loads the sessions that have not expired from the store. */
  async restore(): Promise<number> {
    const now = this.#now();
    await this.#store.purgeExpiredSessions(now);
    for (const record of await this.#store.loadActiveSessions(now)) {
      const session = record.data as Session;
      this.#hold(session);
      this.#persistedExpiry.set(session.sessionId, session.expiresAt);
    }
    return this.#sessions.size;
  }

  /** Creates and persists a session; LimitExceededError (429) when a session quota is reached. */
  async create(
    nodeId: string,
    options: { metadata?: Record<string, unknown>; ttlSeconds?: number | undefined; config?: SessionConfig },
  ): Promise<Session> {
    const now = this.#now();
    const ttlSeconds = options.ttlSeconds ?? this.#options.defaultTtlSeconds;
    const session: Session = {
      sessionId: `session-${crypto.randomUUID().replaceAll("-", "")}-${now}`,
      nodeId,
      createdAt: now,
      expiresAt: now + ttlSeconds * 1000,
      ttlSeconds,
      metadata: options.metadata ?? {},
      config: options.config ?? defaultSessionConfig(),
      stm: [],
      time: 0,
      emotives: [],
      metadataLog: [],
    };
    this.#checkQuota(nodeId);
    // Held before the write so that concurrent creates count it; released if the write fails.
    this.#hold(session);
    try {
      await this.save(session);
    } catch (error) {
      this.#release(session.sessionId);
      throw error;
    }
    return session;
  }

  /** An active session, sliding its expiry; undefined when missing or expired. */
  async touch(sessionId: string): Promise<Session | undefined> {
    const session = this.peek(sessionId);
    if (session === undefined || !this.#options.autoExtend) return session;
    session.expiresAt = this.#now() + session.ttlSeconds * 1000;
    const persisted = this.#persistedExpiry.get(sessionId) ?? 0;
    if (session.expiresAt - persisted > session.ttlSeconds * 100) {
      try {
        await this.save(session);
      } catch (error) {
        // Persisting the slid expiry is an optimisation: a read must not fail while the store is
        // down; the next save that succeeds (or flush() at shutdown) writes it.
        if (!(error instanceof StoreUnavailableError)) throw error;
      }
    }
    return session;
  }

  /** An active session without touching its expiry. */
  peek(sessionId: string): Session | undefined {
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return undefined;
    if (session.expiresAt <= this.#now()) return undefined;
    return session;
  }

  /** True when the id is known but expired (not yet purged). */
  isExpired(sessionId: string): boolean {
    const session = this.#sessions.get(sessionId);
    return session !== undefined && session.expiresAt <= this.#now();
  }

  /** Writes a session through to the store. */
  async save(session: Session): Promise<void> {
    await this.#store.saveSession({
      sessionId: session.sessionId,
      nodeId: session.nodeId,
      expiresAt: session.expiresAt,
      data: session,
    });
    this.#persistedExpiry.set(session.sessionId, session.expiresAt);
  }

  /** Sets a new TTL from now; the session is unchanged when the write fails. */
  async extend(session: Session, ttlSeconds: number): Promise<void> {
    const before = { ttlSeconds: session.ttlSeconds, expiresAt: session.expiresAt };
    session.ttlSeconds = ttlSeconds;
    session.expiresAt = this.#now() + ttlSeconds * 1000;
    try {
      await this.save(session);
    } catch (error) {
      Object.assign(session, before);
      throw error;
    }
  }

  /** Writes every session whose slid expiry is not persisted yet (at shutdown); returns how many. */
  async flush(): Promise<number> {
    let written = 0;
    for (const session of this.#sessions.values()) {
      if (session.expiresAt !== this.#persistedExpiry.get(session.sessionId)) {
        await this.save(session);
        written++;
      }
    }
    return written;
  }

  /** Deletes a session; true when it was active. */
  async delete(sessionId: string): Promise<boolean> {
    const existed = this.peek(sessionId) !== undefined;
    await this.#store.deleteSession(sessionId);
    this.#release(sessionId);
    return existed;
  }

  /** Runs `task` with the session's lock held, so its STM changes are serialised. */
  withLock<T>(sessionId: string, task: () => Promise<T>): Promise<T> {
    return this.#locks.run(sessionId, task);
  }

  /** Counts of active and expired-but-unpurged sessions. */
  counts(): { active: number; expired: number } {
    const now = this.#now();
    let active = 0;
    for (const session of this.#sessions.values()) if (session.expiresAt > now) active++;
    return { active, expired: this.#sessions.size - active };
  }

  /** Drops expired sessions from memory and the store. */
  async purgeExpired(): Promise<number> {
    const now = this.#now();
    for (const [id, session] of this.#sessions) {
      if (session.expiresAt <= now) this.#release(id);
    }
    return await this.#store.purgeExpiredSessions(now);
  }

  #hold(session: Session): void {
    this.#sessions.set(session.sessionId, session);
    this.#heldPerNode.set(session.nodeId, (this.#heldPerNode.get(session.nodeId) ?? 0) + 1);
  }

  #release(sessionId: string): void {
    const session = this.#sessions.get(sessionId);
    if (session === undefined) return;
    this.#sessions.delete(sessionId);
    this.#persistedExpiry.delete(sessionId);
    const held = (this.#heldPerNode.get(session.nodeId) ?? 1) - 1;
    if (held > 0) this.#heldPerNode.set(session.nodeId, held);
    else this.#heldPerNode.delete(session.nodeId);
  }

  /** Counts held sessions first (O(1)); only at the limit are expired ones told apart (O(n)). */
  #checkQuota(nodeId: string): void {
    const limits = this.limits;
    const now = this.#now();
    if (this.#sessions.size >= limits.maxSessions) {
      const active = this.counts().active;
      if (active >= limits.maxSessions) {
        throw new LimitExceededError(
          429,
          `Cannot create session: ${active} active sessions, at most ${limits.maxSessions} (MAX_SESSIONS)`,
        );
      }
    }
    if ((this.#heldPerNode.get(nodeId) ?? 0) >= limits.maxSessionsPerNode) {
      let active = 0;
      for (const session of this.#sessions.values()) {
        if (session.nodeId === nodeId && session.expiresAt > now) active++;
      }
      if (active >= limits.maxSessionsPerNode) {
        throw new LimitExceededError(
          429,
          `Cannot create session: node ${nodeId} has ${active} active sessions, at most ${limits.maxSessionsPerNode} (MAX_SESSIONS_PER_NODE)`,
        );
      }
    }
  }
}
