/**
 * `deno task keys`: generates an API key and prints the entry for `KATO_API_KEYS_FILE` (or
 * `KATO_API_KEYS`). The key itself is printed once, for the client; the service only ever sees its
 * SHA-256 hash.
 *
 * ```sh
 * deno task keys --name ingest --role write --nodes node-a,node-b
 * deno task keys --name ops --role admin
 * printf %s "$EXISTING_KEY" | deno task keys --name legacy --role read --stdin   # hash a key you have
 * ```
 *
 * @module
 */

import { parseArgs } from "node:util";
import { formatKeyEntry, generateApiKey, type KeyRole } from "../src/http/api_keys.ts";

const USAGE = "Usage: deno task keys --name <name> --role read|write|admin [--nodes a,b] [--stdin]";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    name: { type: "string" },
    role: { type: "string", default: "read" },
    nodes: { type: "string" },
    stdin: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
});

if (values.help || values.name === undefined) {
  console.error(USAGE);
  Deno.exit(values.help ? 0 : 2);
}

const key = values.stdin ? (await new Response(Deno.stdin.readable).text()).trim() : generateApiKey();
if (key.length < 32) {
  console.error("Cannot hash the key: keys shorter than 32 characters are too easy to guess");
  Deno.exit(2);
}
let entry: string;
try {
  entry = formatKeyEntry({
    name: values.name,
    key,
    role: values.role as KeyRole,
    ...(values.nodes === undefined || values.nodes === "*" ? {} : { nodes: values.nodes.split(",") }),
  });
} catch (error) {
  console.error(
    (error as Error).message.replace(/^Cannot read API key entry 1 of formatKeyEntry:/, "Cannot make the entry:"),
  );
  Deno.exit(2);
}
if (!values.stdin) {
  console.log("# API key (give it to the client; it is not stored anywhere):");
  console.log(key);
}
console.log("# Entry for KATO_API_KEYS_FILE (one line) or KATO_API_KEYS (';'-separated):");
console.log(entry);
