#!/usr/bin/env bash
# Runs the published binary (aot/out/tokenops) the way a user does: --help, version, start on a free
# port against a fake SSE upstream, one streamed request through the proxy (bytes compared), status,
# then SIGTERM and a clean exit 0. Prints the cold start time to a listening socket.
set -euo pipefail
cd "$(dirname "$0")/.."

bin=${TOKENOPS_BIN:-aot/out/tokenops}
[ -x "$bin" ] || { echo "smoke: $bin not found; run bash aot/publish.sh first" >&2; exit 1; }

work=$(mktemp -d)
upstream_pid=""
daemon_pid=""
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null || true
  [ -n "$upstream_pid" ] && kill "$upstream_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "smoke: FAIL: $*" >&2; [ -f "$work/daemon.err" ] && sed 's/^/  daemon: /' "$work/daemon.err" >&2; exit 1; }

# 1. --help and version
"$bin" --help | grep -q "start" || fail "--help does not list start"
"$bin" start --help | grep -q -- "--listen" || fail "start --help does not list --listen"
"$bin" latency --help | grep -q -- "--since" || fail "latency --help does not list --since (command not registered?)"
"$bin" dashboard --help | grep -q -- "--open" || fail "dashboard --help does not list --open (command not registered?)"
"$bin" version | tee "$work/version.txt"
grep -q "(Native AOT" "$work/version.txt" || fail "version does not report Native AOT"
grep -q "^sqlite 3\." "$work/version.txt" || fail "the statically linked SQLite does not answer"
set +e; "$bin" no-such-command >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -ne 0 ] || fail "unknown command exited 0"

# 2. Fake upstream
python3 aot/fake_upstream.py > "$work/upstream.port" &
upstream_pid=$!
for _ in $(seq 100); do [ -s "$work/upstream.port" ] && break; sleep 0.05; done
upstream_port=$(cat "$work/upstream.port")
[ -n "$upstream_port" ] || fail "fake upstream did not start"

# 3. Start on a free port with a fresh home; measure cold start to a listening /healthz.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export TOKENOPS_HOME="$work/home"
export TOKENOPS_PROVIDERS_OPENAI_URL="http://127.0.0.1:$upstream_port"
start_ns=$(date +%s%N)
"$bin" start --listen "127.0.0.1:$port" > "$work/daemon.out" 2> "$work/daemon.err" &
daemon_pid=$!
ready=""
for _ in $(seq 2000); do
  if curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; then ready=1; break; fi
  sleep 0.005
done
[ -n "$ready" ] || fail "daemon did not answer /healthz"
cold_ms=$(( ($(date +%s%N) - start_ns) / 1000000 ))
echo "smoke: cold start to listening: ${cold_ms} ms"

# 4. One streamed request through the proxy, bytes compared with what the upstream sent.
python3 aot/fake_upstream.py --print-stream > "$work/expected.sse"
curl -fsS -N -X POST "http://127.0.0.1:$port/openai/v1/chat/completions" \
  -H "Authorization: Bearer sk-smoke-test" -H "Content-Type: application/json" \
  -d '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}' > "$work/actual.sse" \
  || fail "streamed request failed"
cmp "$work/expected.sse" "$work/actual.sse" || fail "proxied stream differs from the upstream's bytes"
echo "smoke: streamed $(stat -c %s "$work/actual.sse") bytes through the proxy, identical"

# 5. status talks to the running daemon
"$bin" status --listen "127.0.0.1:$port" | tee "$work/status.txt"
grep -q "is ready" "$work/status.txt" || fail "status did not report ready"
grep -Eq "proxy.requests +1$" "$work/status.txt" || fail "status did not count the proxied request"

# 6. SIGTERM → graceful stop, exit code 0
kill -TERM "$daemon_pid"
set +e; wait "$daemon_pid"; rc=$?; set -e
daemon_pid=""
[ "$rc" -eq 0 ] || fail "daemon exited with $rc after SIGTERM"
grep -q "Event store is off" "$work/daemon.out" || fail "start did not explain how to turn the store on"
if grep -q "sk-smoke-test" "$work/daemon.out" "$work/daemon.err"; then fail "an API key reached the output"; fi
set +e; "$bin" status --listen "127.0.0.1:$port" >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -eq 1 ] || fail "status exited $rc with no daemon running (expected 1)"

echo "smoke: OK (binary $(stat -c %s "$bin") bytes, cold start ${cold_ms} ms)"
