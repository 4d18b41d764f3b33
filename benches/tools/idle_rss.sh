#!/usr/bin/env bash
# Idle resident set of a breadbox binary: starts `serve` on an empty data dir, waits 3 s and
# prints VmRSS with its anonymous and file-backed parts (benches/README.md, "Memory").
# Usage: benches/tools/idle_rss.sh [BINARY] [RUNS]   (default target/release/breadbox, 3)
set -euo pipefail
bin=${1:-target/release/breadbox}
runs=${2:-3}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
for _ in $(seq "$runs"); do
  dir=$(mktemp -d)
  "$bin" --data-dir "$dir" serve --listen "127.0.0.1:$port" >"$dir/log" 2>&1 &
  pid=$!
  sleep 3
  grep -E 'VmRSS|RssAnon|RssFile' "/proc/$pid/status" | tr -s ' \t\n' ' '
  echo
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
done
