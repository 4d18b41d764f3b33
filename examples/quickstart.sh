#!/usr/bin/env bash
# Quick start against a running server (e.g. `cargo run --release -- serve --demo`):
# find or create the user "Alex", connect the demo bank, wait for its first sync, then
# read accounts, transactions and a monthly summary. Needs curl and jq.
#
#   ./examples/quickstart.sh                       # mints a temporary key, revokes it at exit
#   BREADBOX_KEY=bb_... ./examples/quickstart.sh   # uses your key
#
# Safe to run again and again: it reuses the user (found by email) and leaves no key behind.
set -euo pipefail
BASE="${BREADBOX_URL:-http://127.0.0.1:8080}"
EMAIL="${QUICKSTART_EMAIL:-alex@example.com}"
command -v jq >/dev/null || { echo "quickstart.sh needs jq (sudo apt install jq)" >&2; exit 1; }

api() { curl -fsS -H "X-API-Key: $KEY" -H 'content-type: application/json' "$@"; }

if [ -n "${BREADBOX_KEY:-}" ]; then
  KEY=$BREADBOX_KEY
else
  if command -v breadbox >/dev/null; then
    KEY=$(breadbox keys create --name quickstart)
  else
    KEY=$(cargo run -q --release -- keys create --name quickstart)
  fi
  key_id=$(api "$BASE/api/v1/api-keys/me" | jq -r .id)
  trap 'api -X DELETE "$BASE/api/v1/api-keys/$key_id" >/dev/null && echo "revoked the temporary key"' EXIT
fi

curl -fsS "$BASE/health" >/dev/null || { echo "no server at $BASE (start one with --demo)" >&2; exit 1; }

# The user: found by email (users are listed 500 at a time), else created.
user=$(api "$BASE/api/v1/users?limit=500" | jq -r --arg e "$EMAIL" '[.data[] | select(.email == $e)][0].id // empty')
if [ -z "$user" ]; then
  user=$(api -X POST "$BASE/api/v1/users" -d "$(jq -n --arg e "$EMAIL" '{name: "Alex", email: $e}')" | jq -r .id)
  echo "created user $user"
else
  echo "reusing user $user"
fi

# The demo connection: reused when the user already has one.
conn=$(api "$BASE/api/v1/connections?user_id=$user" | jq -r '[.data[] | select(.provider == "demo")][0].id // empty')
if [ -z "$conn" ]; then
  conn=$(api -X POST "$BASE/api/v1/connections" \
    -d "{\"provider\":\"demo\",\"user_id\":\"$user\",\"credentials\":{\"username\":\"demo_good\"}}" | jq -r .id)
  echo "connection $conn created; waiting for its first sync"
else
  echo "reusing connection $conn"
fi
for _ in $(seq 120); do
  status=$(api "$BASE/api/v1/connections/$conn/status" | jq -r '.last_sync.status // "none"')
  [ "$status" = success ] && break
  [ "$status" = error ] && { echo "the sync failed" >&2; exit 1; }
  sleep 0.5
done
[ "$status" = success ] || { echo "no successful sync within 60 s" >&2; exit 1; }

api "$BASE/api/v1/accounts?connection_id=$conn" | jq -r '.data[] | "\(.name)\t\(.iso_currency_code)\t\(.balance_current)"'
api "$BASE/api/v1/transactions?limit=5&connection_id=$conn" | jq -r '.data[] | "\(.date)\t\(.amount)\t\(.name)"'
api "$BASE/api/v1/transactions/summary?group_by=month&start_date=$(date -d '-3 months' +%Y-%m-01)" | jq .totals
