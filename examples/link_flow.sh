#!/usr/bin/env bash
# Hosted-link walkthrough for scripts and AI agents: mint a session, hand its URL to a
# person, poll until it reaches a final state, then list the new connection's accounts.
#
#   BREADBOX_URL=http://127.0.0.1:8080 BREADBOX_KEY=bb_... ./examples/link_flow.sh USER_ID
#
# Needs curl and jq. The server must run with a provider enabled (e.g. `serve --demo`).
set -euo pipefail

BASE="${BREADBOX_URL:-http://127.0.0.1:8080}"
KEY="${BREADBOX_KEY:?set BREADBOX_KEY to a full_access API key}"
USER_ID="${1:?usage: $0 USER_ID [REDIRECT_URL]}"
REDIRECT="${2:-}"

api() { curl -fsS -H "X-API-Key: $KEY" -H 'content-type: application/json' "$@"; }

session=$(api -X POST "$BASE/api/v1/connections/link" \
  -d "$(jq -n --arg u "$USER_ID" --arg r "$REDIRECT" \
        '{user_id: $u, label: "Connect your bank", single_use: true} + (if $r == "" then {} else {redirect_url: $r} end)')")
id=$(jq -r .id <<<"$session")
echo "Open this link in a browser (valid until $(jq -r .expires_at <<<"$session")):"
echo "  $(jq -r .url <<<"$session")"
echo

while :; do
  s=$(api "$BASE/api/v1/connections/link/$id")
  status=$(jq -r .status <<<"$s")
  echo "$(date +%T) status=$status attempts=$(jq '.attempts | length' <<<"$s")"
  case "$status" in
    consumed|completed) break ;;
    expired) echo "the link expired before anyone connected a bank" >&2; exit 1 ;;
    failed) echo "  last attempt failed: $(jq -r .error_message <<<"$s") (the person can retry)" ;;
  esac
  sleep 3
done

for conn in $(jq -r '.result_connection_ids[]' <<<"$s"); do
  echo "connection $conn:"
  api "$BASE/api/v1/accounts?connection_id=$conn" | jq -r '.data[] | "  \(.name) \(.iso_currency_code) balance \(.balance_current)"'
done
