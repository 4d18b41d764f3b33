#!/usr/bin/env bash
# The MCP check with an independent client: the official Python SDK (`mcp` on PyPI, in a
# virtualenv under target/) against `breadbox serve --demo` on a free port, keys minted
# with the CLI. Usage: tests/mcp_client/run.sh PATH_TO_BREADBOX
set -euo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${MCP_VENV:-$HERE/../../target/mcp-venv}

if [ ! -x "$VENV/bin/python" ]; then
    if ! python3 -m venv "$VENV"; then
        apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$VENV"
    fi
fi
"$VENV/bin/pip" install -q --disable-pip-version-check "mcp==2.3.0"

DATA=$(mktemp -d)
PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KEY=$("$BIN" --data-dir "$DATA" keys create --name ci-mcp)
RO_KEY=$("$BIN" --data-dir "$DATA" keys create --name ci-mcp-read --scope read_only)
RUST_LOG=warn "$BIN" --data-dir "$DATA" serve --demo --no-scheduler --listen "127.0.0.1:$PORT" \
    >"$DATA/server.log" 2>&1 &
SERVER=$!
cleanup() {
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    rm -rf "$DATA"
}
trap cleanup EXIT

"$VENV/bin/python" - "$PORT" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while True:
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/health/ready", timeout=1)
        break
    except OSError:
        if time.monotonic() > deadline:
            sys.exit("breadbox did not start")
        time.sleep(0.05)
PY

if ! "$VENV/bin/python" "$HERE/check.py" "http://127.0.0.1:$PORT" "$KEY" "$RO_KEY" "$BIN"; then
    echo "--- server log" >&2
    cat "$DATA/server.log" >&2
    exit 1
fi
