#!/usr/bin/env bash
# Checks deploy/breadbox.service with `systemd-analyze verify` and the offline security
# review. Works without systemd running (containers, CI); installs Debian's `systemd`
# package when systemd-analyze is missing.
#
#   scripts/check-systemd-unit.sh [BINARY]   # BINARY: a built breadbox (default: target/debug)
#
# verify exits 0 even for settings it ignores, so any output at all fails the check.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive
BIN="$(realpath "${1:-target/debug/breadbox}")"
UNIT=deploy/breadbox.service
MAX_EXPOSURE=20  # 0-100 here; systemd prints it as 2.0 on its 0-10 scale

[ -x "$BIN" ] || { echo "$BIN is missing; build first" >&2; exit 1; }
if ! command -v systemd-analyze >/dev/null; then
    echo "== installing systemd (for systemd-analyze)"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# verify also checks that ExecStart's program exists: point it at the binary just built.
sed "s#^ExecStart=/usr/local/bin/breadbox #ExecStart=$BIN #" "$UNIT" >"$work/breadbox.service"
grep -q "^ExecStart=$BIN serve" "$work/breadbox.service" ||
    { echo "ExecStart in $UNIT is not /usr/local/bin/breadbox serve" >&2; exit 1; }

out=$(systemd-analyze verify --man=no "$work/breadbox.service" 2>&1) || { echo "$out" >&2; exit 1; }
[ -z "$out" ] || { echo "systemd-analyze verify complained:" >&2; echo "$out" >&2; exit 1; }
echo "systemd-analyze verify: clean"

review=$(systemd-analyze security --offline=yes --threshold=$MAX_EXPOSURE "$work/breadbox.service" 2>&1) ||
    { echo "$review" >&2; echo "exposure above $MAX_EXPOSURE" >&2; exit 1; }
echo "$review" | grep 'Overall exposure level'
