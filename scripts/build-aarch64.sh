#!/usr/bin/env bash
# Cross-builds the release binary for 64-bit ARM (Raspberry Pi 3/4/5 on Raspberry Pi OS
# bookworm 64-bit, or any aarch64 Linux with glibc >= 2.34) with Debian's own Rust
# toolchain, then proves the binary works by running it under qemu-aarch64: mint a key,
# serve the demo bank on a free port, GET /health, an authenticated read, a demo
# connection synced, SIGTERM and a clean exit.
#
#   scripts/build-aarch64.sh            # build + smoke test
#   scripts/build-aarch64.sh --no-test  # build only
#   scripts/build-aarch64.sh --test-only  # smoke-test the binary built before
#
# The binary lands in target/aarch64-build/aarch64-unknown-linux-gnu/release/breadbox.
# Needs root (or the packages already installed) on Debian bookworm: it installs, through
# apt only, rustc-web/cargo-web (Rust 1.96), the arm64 standard library, the aarch64
# cross linker, the arm64 C library and qemu-user. It always calls /usr/bin/cargo, never a
# rustup toolchain, and keeps its own target directory so it never disturbs the main build.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

TARGET=aarch64-unknown-linux-gnu
export CARGO_TARGET_DIR="${BREADBOX_AARCH64_TARGET_DIR:-$PWD/target/aarch64-build}"
BIN="$CARGO_TARGET_DIR/$TARGET/release/breadbox"
RUN_TEST=1
RUN_BUILD=1
case "${1:-}" in
    --no-test) RUN_TEST=0 ;;
    --test-only) RUN_BUILD=0 ;;
    "") ;;
    *) echo "usage: $0 [--no-test|--test-only]" >&2; exit 2 ;;
esac

install_toolchain() {
    local need=()
    [ -x /usr/bin/cargo ] && [ -x /usr/bin/rustc ] || need+=(rustc-web cargo-web)
    [ -d /usr/lib/rustlib/$TARGET/lib ] || need+=(libstd-rust-web-dev:arm64)
    command -v aarch64-linux-gnu-gcc >/dev/null || need+=(gcc-aarch64-linux-gnu)
    [ -e /lib/ld-linux-aarch64.so.1 ] || need+=(libc6:arm64)
    command -v qemu-aarch64 >/dev/null || need+=(qemu-user)
    if [ ${#need[@]} -gt 0 ]; then
        echo "== installing ${need[*]}"
        dpkg --add-architecture arm64
        apt-get update -qq
        apt-get install -y -qq "${need[@]}" >/dev/null
    fi
}

build() {
    echo "== building $TARGET with $(/usr/bin/cargo --version)"
    # Debian's cargo must drive Debian's rustc (which has the arm64 std), not a rustup proxy.
    # jemalloc (the allocator) fixes its page size at build time and a cross build cannot
    # probe it: 16 KiB pages run on 4 KiB kernels (Pi 3/4) and on the Pi 5's 16 KiB one.
    env -u RUSTUP_TOOLCHAIN -u RUSTC_WRAPPER \
        JEMALLOC_SYS_WITH_LG_PAGE="${JEMALLOC_SYS_WITH_LG_PAGE:-14}" \
        RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc \
        CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
        CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
        AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar \
        /usr/bin/cargo build --locked --release --target "$TARGET" --bin breadbox
    local glibc
    glibc=$(aarch64-linux-gnu-objdump -T "$BIN" | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1)
    echo "== built $BIN"
    echo "   $(file -b "$BIN" | cut -d, -f1-2)"
    echo "   size $(stat -c %s "$BIN") bytes; needs $glibc or newer"
}

# Everything below runs the aarch64 binary under qemu. QEMU_LD_PREFIX stays unset: the
# arm64 loader and libc come from libc6:arm64 in their usual places.
bb() { qemu-aarch64 "$BIN" --data-dir "$DATA" "$@"; }

wait_for() { # wait_for SECONDS DESCRIPTION COMMAND...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        if [ $SECONDS -ge $deadline ]; then
            echo "timed out waiting for $what" >&2
            return 1
        fi
        sleep 0.5
    done
}

smoke_test() {
    echo "== smoke test under qemu-aarch64"
    unset QEMU_LD_PREFIX
    WORK=$(mktemp -d)
    DATA="$WORK/data"
    LOG="$WORK/serve.log"
    SERVER=""
    trap 'cleanup' EXIT
    bb --version
    local key
    key=$(bb keys create --name ci-aarch64)
    [[ "$key" == bb_* ]] || { echo "unexpected key output: $key" >&2; return 1; }

    # Port 0: the kernel picks a free port, the start-up log line names it.
    # qemu itself in the background (not the bb function, whose subshell would take the
    # SIGTERM below and leave the server running).
    RUST_LOG=info qemu-aarch64 "$BIN" --data-dir "$DATA" serve --listen 127.0.0.1:0 --demo \
        >"$LOG" 2>&1 &
    SERVER=$!
    wait_for 120 "the listening log line" grep -q 'breadbox listening' "$LOG"
    local base
    base="http://$(grep 'breadbox listening' "$LOG" | grep -o 'addr=[0-9.:]*' | head -1 | cut -d= -f2)"
    echo "   serving on $base"
    wait_for 60 "/health" curl -fsS -o /dev/null "$base/health"
    curl -fsS "$base/health"
    echo

    local api=(curl -fsS -H "X-API-Key: $key" -H 'content-type: application/json')
    local status
    status=$(curl -s -o /dev/null -w '%{http_code}' "$base/api/v1/users")
    [ "$status" = 401 ] || { echo "unauthenticated read gave $status, not 401" >&2; return 1; }
    "${api[@]}" "$base/api/v1/users" >/dev/null
    echo "   authenticated read ok (401 without the key)"

    local user conn
    user=$("${api[@]}" -X POST "$base/api/v1/users" -d '{"name":"Pi"}' | json_field id)
    conn=$("${api[@]}" -X POST "$base/api/v1/connections" \
        -d "{\"provider\":\"demo\",\"user_id\":\"$user\",\"credentials\":{\"username\":\"demo_good\"}}" |
        json_field id)
    has_transactions() {
        "${api[@]}" "$base/api/v1/transactions?limit=1&connection_id=$conn" | grep -q '"amount"'
    }
    wait_for 180 "the demo connection's first sync" has_transactions
    echo "   demo connection $conn synced"

    kill -TERM "$SERVER"
    local rc=0
    wait "$SERVER" || rc=$?
    SERVER=""
    [ "$rc" = 0 ] || { echo "server exited with $rc after SIGTERM" >&2; cat "$LOG" >&2; return 1; }
    grep -q 'breadbox stopped' "$LOG" || { echo "no clean-stop log line" >&2; cat "$LOG" >&2; return 1; }
    echo "   SIGTERM: clean exit"
    echo "== aarch64 smoke test passed"
}

# First "key":"value" string of a JSON object on stdin (no jq needed).
json_field() { grep -o "\"$1\":\"[^\"]*\"" | head -1 | cut -d'"' -f4; }

cleanup() {
    local rc=$?
    if [ -n "${SERVER:-}" ]; then
        kill -TERM "$SERVER" 2>/dev/null || true
        wait "$SERVER" 2>/dev/null || true
        echo "--- server log" >&2
        cat "$LOG" >&2 || true
    fi
    rm -rf "$WORK"
    exit $rc
}

install_toolchain
if [ "$RUN_BUILD" = 1 ]; then
    build
fi
# Not `[ ... ] && smoke_test`: errexit does not apply inside a function called there.
if [ "$RUN_TEST" = 1 ]; then
    smoke_test
fi
