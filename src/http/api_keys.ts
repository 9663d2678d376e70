/**
 * API keys: generation, the hashed entry format of `KATO_API_KEYS` and `KATO_API_KEYS_FILE`, and
 * constant-time verification. Only SHA-256 hashes of keys are configured or held in memory.
 *
 * An entry is one line of four whitespace-separated fields, `#` starting a comment:
 *
 * ```text
 * # name   hash                                                                     role   nodes
 * ingest   sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  write  node-a,node-b
 * ops      sha256:60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  admin  *
 * ```
 *
 * `role` is `read` (GET routes only), `write` (every session and pattern route) or `admin` (also
 * `/gpu/*`; nodes must be `*`); `nodes` is `*` for every node or a comma-separated list of node ids.
 * In `KATO_API_KEYS`, entries may also be separated by `;`.
 *
 * @module
 */

import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** What a key may do: `read` ⊂ `write` ⊂ `admin`. */
export type KeyRole = "read" | "write" | "admin";

/** One configured key, without the key itself. */
export interface ApiKey {
  /** A label for logs and errors; never secret. */
  name: string;
  role: KeyRole;
  /** The node ids the key may use; undefined for every node. */
  nodes: ReadonlySet<string> | undefined;
}

interface HashedKey extends ApiKey {
  hash: Uint8Array;
}

const ROLES: readonly KeyRole[] = ["read", "write", "admin"];
const HASH_PATTERN = /^sha256:([0-9a-f]{64})$/;
const NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;
/** Longer bearer tokens are refused before hashing; generated keys have 48 characters. */
const MAX_TOKEN_LENGTH = 256;

/**
 * A new random key: `kato_` and 32 random bytes in base64url (256 bits).
 *
 * @example A fresh key
 * ```ts
 * import { match } from "node:assert";
 * import { generateApiKey } from "./api_keys.ts";
 * match(generateApiKey(), /^kato_[A-Za-z0-9_-]{43}$/);
 * ```
 */
export function generateApiKey(): string {
  return `kato_${randomBytes(32).toString("base64url")}`;
}

/**
 * The hash field of an entry: `sha256:` and the hex SHA-256 of the key's UTF-8 bytes. A fast
 * unsalted hash is enough because keys are 256-bit random values, not passwords.
 *
 * @example The hash of a known key
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { hashApiKey } from "./api_keys.ts";
 * strictEqual(hashApiKey("test"), "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
 * ```
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash("sha256").update(key, "utf8").digest("hex")}`;
}

/**
 * One entry line for a key; `nodes` undefined or empty means every node.
 *
 * @example An entry for a read-only key on two nodes
 * ```ts
 * import { strictEqual } from "node:assert";
 * import { formatKeyEntry } from "./api_keys.ts";
 * strictEqual(
 *   formatKeyEntry({ name: "ci", key: "test", role: "read", nodes: ["a", "b"] }),
 *   "ci sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 read a,b",
 * );
 * ```
 */
export function formatKeyEntry(entry: { name: string; key: string; role: KeyRole; nodes?: readonly string[] }): string {
  const nodes = entry.nodes === undefined || entry.nodes.length === 0 ? "*" : entry.nodes.join(",");
  const line = `${entry.name} ${hashApiKey(entry.key)} ${entry.role} ${nodes}`;
  parseKeyEntries(line, "formatKeyEntry");
  return line;
}

/**
 * The keys a service accepts. Access control is on when the ring is `enabled`, even with no keys
 * (an empty key file locks every protected route rather than opening them).
 */
export class KeyRing {
  /** Whether requests must carry a key. */
  readonly enabled: boolean;
  readonly #keys: readonly HashedKey[];

  private constructor(enabled: boolean, keys: readonly HashedKey[]) {
    this.enabled = enabled;
    this.#keys = keys;
  }

  /** Access control off: every request is let through. */
  static disabled(): KeyRing {
    return new KeyRing(false, []);
  }

  /**
   * Parses entries (see the module documentation); throws a TypeError naming `source` and the line
   * of the first bad entry, without echoing the line.
   *
   * @example A ring with one read-only key
   * ```ts
   * import { strictEqual } from "node:assert";
   * import { hashApiKey, KeyRing } from "./api_keys.ts";
   * const ring = KeyRing.parse(`dash ${hashApiKey("secret")} read node-a`, "KATO_API_KEYS");
   * strictEqual(ring.verify("secret")?.role, "read");
   * strictEqual(ring.verify("guess"), undefined);
   * ```
   */
  static parse(text: string, source: string): KeyRing {
    return new KeyRing(true, parseKeyEntries(text, source));
  }

  /**
   * The ring from `KATO_API_KEYS` (entries) and `KATO_API_KEYS_FILE` (a path); disabled when both
   * are unset or empty.
   */
  static async load(config: { apiKeys: string; apiKeysFile: string | undefined }): Promise<KeyRing> {
    const fromEnv = config.apiKeys.trim() === "" ? [] : parseKeyEntries(config.apiKeys, "KATO_API_KEYS", /[\n;]/);
    if (config.apiKeysFile === undefined) return fromEnv.length === 0 ? KeyRing.disabled() : new KeyRing(true, fromEnv);
    let text: string;
    try {
      text = await Deno.readTextFile(config.apiKeysFile);
    } catch (error) {
      throw new TypeError(`Cannot read KATO_API_KEYS_FILE ${config.apiKeysFile}: ${(error as Error).message}`);
    }
    const keys = [...fromEnv, ...parseKeyEntries(text, config.apiKeysFile)];
    assertDistinct(keys, "KATO_API_KEYS and KATO_API_KEYS_FILE");
    return new KeyRing(true, keys);
  }

  /** Number of keys. */
  get size(): number {
    return this.#keys.length;
  }

  /**
   * The key whose hash matches `token`, or undefined. Every configured hash is compared, in
   * constant time, so the time taken says nothing about which key (if any) came close.
   */
  verify(token: string): ApiKey | undefined {
    if (token.length === 0 || token.length > MAX_TOKEN_LENGTH) return undefined;
    const digest = createHash("sha256").update(token, "utf8").digest();
    let found: HashedKey | undefined;
    for (const key of this.#keys) {
      if (timingSafeEqual(digest, key.hash) && found === undefined) found = key;
    }
    return found === undefined ? undefined : { name: found.name, role: found.role, nodes: found.nodes };
  }
}

function parseKeyEntries(text: string, source: string, separator: RegExp = /\n/): HashedKey[] {
  const keys: HashedKey[] = [];
  text.split(separator).forEach((raw, index) => {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") return;
    const fail = (why: string): never => {
      throw new TypeError(`Cannot read API key entry ${index + 1} of ${source}: ${why}`);
    };
    const fields = line.split(/\s+/);
    if (fields.length !== 4) fail(`expected 4 fields (name, sha256:<hex>, role, nodes), got ${fields.length}`);
    const [name, hash, role, nodes] = fields as [string, string, string, string];
    if (!NAME_PATTERN.test(name)) fail("the name must be 1-64 characters of A-Z, a-z, 0-9, _ . @ -");
    const hex = HASH_PATTERN.exec(hash)?.[1];
    if (hex === undefined) fail("the hash must be sha256: and 64 lowercase hex digits (see `deno task keys`)");
    if (!(ROLES as readonly string[]).includes(role)) fail(`the role must be one of ${ROLES.join(", ")}`);
    const list = nodes === "*" ? undefined : nodes.split(",");
    if (list !== undefined && list.some((node) => node === "" || node === "*")) {
      fail("nodes must be * or a comma-separated list of node ids");
    }
    if (role === "admin" && list !== undefined) fail("an admin key covers every node: its nodes must be *");
    keys.push({
      name,
      hash: Uint8Array.from(hex!.match(/../g)!.map((byte) => parseInt(byte, 16))),
      role: role as KeyRole,
      nodes: list === undefined ? undefined : new Set(list),
    });
  });
  assertDistinct(keys, source);
  return keys;
}

function assertDistinct(keys: readonly HashedKey[], source: string): void {
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const key of keys) {
    const hash = key.hash.join(",");
    if (names.has(key.name)) throw new TypeError(`Cannot read ${source}: the key name ${key.name} appears twice`);
    if (hashes.has(hash)) throw new TypeError(`Cannot read ${source}: the key ${key.name} repeats another key's hash`);
    names.add(key.name);
    hashes.add(hash);
  }
}
