#!/usr/bin/env bash
# A peer's test suite: Schemathesis (PyPI, in a virtualenv under target/) generates requests
# from the served OpenAPI document and runs all of its checks against a server holding demo
# data — once with a full_access key, once with a read_only key. Any failure fails the run.
# Usage: tests/schemathesis/run.sh PATH_TO_BREADBOX   (CI passes the release binary)
# ST_MAX_EXAMPLES (default 100) bounds the examples per operation and phase; ST_SEED (default
# 1) picks Hypothesis's seed, so a CI failure replays.
set -euo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${ST_VENV:-$HERE/../../target/schemathesis-venv}
MAX_EXAMPLES=${ST_MAX_EXAMPLES:-100}

if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV"; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$VENV"
    fi
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"

DATA=$(mktemp -d)
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE="http://127.0.0.1:$PORT"
KEY=$("$BIN" --data-dir "$DATA" keys create --name ci-schemathesis)
RO_KEY=$("$BIN" --data-dir "$DATA" keys create --name ci-schemathesis-read --scope read_only)
# The demo bank is the only provider that answers offline; SimpleFIN would try the network.
# Rate limiting is off: the ignored_auth check presents hundreds of wrong keys from this one
# address, and the failed-authentication limiter (a burst of 30, then one per 2 s) would
# rightly answer 429 where the check wants 401. tests/api/rate_limit.rs covers the limiters.
RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --demo --no-scheduler --simplefin off \
    --rate-limit-rpm 0 --listen "127.0.0.1:$PORT" >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT

# Wait for the server, then a household member with the demo bank connected and synced.
SEEDED=$("$VENV/bin/python" "$HERE/seed.py" "$BASE" "$KEY")
eval "$SEEDED"

run() {
    local name=$1 key=$2
    echo "== schemathesis with the $name key"
    local started=$SECONDS
    # --checks all: every check Schemathesis has, including negative_data_rejection,
    # positive_data_acceptance, unsupported_method, use_after_free and ignored_auth.
    # Exceptions per operation, each with its reason, are in schemathesis.toml.
    # One worker: Python 3.11's ast module is not thread-safe and Hypothesis parses source
    # in its workers ("AST constructor recursion depth mismatch").
    # Run from the temp dir: Schemathesis keeps a cache (.schemathesis/) in its working dir.
    if ! (cd "$DATA" && "$VENV/bin/st" --config-file "$HERE/schemathesis.toml" run "$BASE/openapi.json" \
        --checks all \
        --max-examples "$MAX_EXAMPLES" \
        --header "X-API-Key: $key" \
        --generation-database none \
        --seed "${ST_SEED:-1}" \
        --workers 1 \
        --no-color \
        --request-timeout 30); then
        echo "--- server log (last 100 lines)" >&2
        tail -n 100 "$DATA/server.log" >&2
        return 1
    fi
    echo "== $name run took $((SECONDS - started)) s"
}

status=0
# read_only first: the full_access run may delete the data it finds.
run read_only "$RO_KEY" || status=1
run full_access "$KEY" || status=1
exit $status
