#!/usr/bin/env bash
# Builds the single executable with `deno task compile`, starts it on a free port with a temporary
# data directory, and checks health, a learn and the worked example's prediction over HTTP.
#
# `deno compile` needs Deno's `denort` base binary, which it downloads from Deno's release server
# unless DENORT_BIN names a local copy. Where neither is possible (a machine that reaches only the npm
# registry), the script says so and smoke-tests the same entry point with `deno task start` instead.
set -euo pipefail
cd "$(dirname "$0")/.."
DENO_BIN=$(npx -y deno@2.9.6 eval 'console.log(Deno.execPath())')
deno() { "$DENO_BIN" "$@"; }

data=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
if deno task compile >"$data/compile.log" 2>&1; then
  echo "compiled dist/kato-gpu"
  DATA_DIR="$data" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn ./dist/kato-gpu &
elif grep -q "denort" "$data/compile.log"; then
  echo "SKIPPED binary smoke test: deno compile could not get its denort base binary (set DENORT_BIN):"
  grep -m1 -i "error sending request\|denort" "$data/compile.log" || true
  echo "smoke-testing main.ts under deno run instead"
  DATA_DIR="$data" PORT="$port" HOST=127.0.0.1 LOG_LEVEL=warn \
    deno run --allow-net --allow-env --allow-read --allow-write --allow-ffi --allow-sys main.ts &
else
  cat "$data/compile.log" >&2
  exit 1
fi
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -rf "$data"' EXIT

for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1 && break
  sleep 0.1
done
api() { curl -fsS -X "$1" "http://127.0.0.1:$port$2" -H 'content-type: application/json' ${3:+-d "$3"}; }
sid=$(api POST /sessions '{"node_id":"smoke"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["session_id"])')
for s in hello world test; do api POST "/sessions/$sid/observe" "{\"strings\":[\"$s\"]}" >/dev/null; done
api POST "/sessions/$sid/learn" | grep -q 386fbb12926e8e015a1483990df913e8410f94ce
for s in hello world; do api POST "/sessions/$sid/observe" "{\"strings\":[\"$s\"]}" >/dev/null; done
api GET "/sessions/$sid/predictions" | python3 -c '
import json, sys
p = json.load(sys.stdin)["predictions"][0]
assert p["future"] == [["test"]] and p["potential"] == 3.666666666666666, p
print("binary smoke test: worked example OK")'
