#!/usr/bin/env bash
# Quick start against a local server started with `cargo run --release -- serve --demo`:
# mint a key offline, create a user, connect the demo bank, then read accounts,
# transactions and a monthly summary. Needs curl and jq.
set -euo pipefail
BASE="${BREADBOX_URL:-http://127.0.0.1:8080}"
KEY="${BREADBOX_KEY:-$(cargo run -q --release -- keys create --name quickstart)}"
api() { curl -fsS -H "X-API-Key: $KEY" -H 'content-type: application/json' "$@"; }

user=$(api -X POST "$BASE/api/v1/users" -d '{"name":"Alex","email":"alex@example.com"}' | jq -r .id)
conn=$(api -X POST "$BASE/api/v1/connections" \
  -d "{\"provider\":\"demo\",\"user_id\":\"$user\",\"credentials\":{\"username\":\"demo_good\"}}" | jq -r .id)
echo "connection $conn created; waiting for its initial sync"
until [ "$(api "$BASE/api/v1/connections/$conn/status" | jq -r '.last_sync.status')" = success ]; do sleep 1; done

api "$BASE/api/v1/accounts?connection_id=$conn" | jq -r '.data[] | "\(.name)\t\(.iso_currency_code)\t\(.balance_current)"'
api "$BASE/api/v1/transactions?limit=5" | jq -r '.data[] | "\(.date)\t\(.amount)\t\(.name)"'
api "$BASE/api/v1/transactions/summary?group_by=month&start_date=$(date -d '-3 months' +%Y-%m-01)" | jq .totals
