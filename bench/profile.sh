#!/usr/bin/env bash
# bench/profile.sh — one scenario of bench/run.sh under a CPU profiler, the
# way the pinned pass runs it: bench/pprofserver on CPU 0 (GOMAXPROCS 1,
# GODEBUG=gctrace=1), one wrk thread on CPU 1.
#
#   bench/profile.sh mixi-friends            # writes $OUTDIR/mixi-friends.{cpu,wrk,gc}
#   go tool pprof -top $OUTDIR/pprofserver $OUTDIR/mixi-friends.cpu
#
# Prints wrk's RESULT line and the last garbage collections (the profiler
# itself raises p99: read latencies from bench/run.sh). mixi scenarios
# run on the 100k-user fixture (generated once into $OUTDIR/fixtures).
# Needs wrk and taskset; listens on 127.0.0.1 only; wrk runs DURATION.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
s=${1:?usage: bench/profile.sh SCENARIO}
OUTDIR=${OUTDIR:-/tmp/fakeapi-profile}
DURATION=${DURATION:-8}
PORT=${PORT:-18080}
PPORT=${PPORT:-16060}
mkdir -p "$OUTDIR/fixtures"
cd "$ROOT"
go build -o "$OUTDIR/pprofserver" ./bench/pprofserver
go build -o "$OUTDIR/benchtool" ./bench/benchtool
fx=()
case $s in mixi-*)
	[ -s "$OUTDIR/fixtures/mixi.json" ] || go run ./cmd/mixigen -users 100000 -friendships 1000000 >"$OUTDIR/fixtures/mixi.json"
	fx=(-fixtures "$OUTDIR/fixtures")
	;;
esac

if curl -s -o /dev/null "http://127.0.0.1:$PORT/"; then
	echo "bench/profile.sh: something already listens on 127.0.0.1:$PORT (PORT=… to choose another)" >&2
	exit 1
fi
GODEBUG=gctrace=1 taskset -c 0 "$OUTDIR/pprofserver" -addr "127.0.0.1:$PORT" -pprof "127.0.0.1:$PPORT" "${fx[@]}" \
	>"$OUTDIR/$s.out" 2>"$OUTDIR/$s.gc" &
SRV=$!
trap 'kill $SRV 2>/dev/null || true; wait 2>/dev/null || true' EXIT
# pprofserver prints its ready line before it binds: wait for an answer.
for _ in $(seq 400); do curl -s -o /dev/null "http://127.0.0.1:$PORT/_fakeapi/health" && break; sleep 0.05; done
kill -0 $SRV 2>/dev/null || { cat "$OUTDIR/$s.gc" >&2; exit 1; }
"$OUTDIR/benchtool" requests -emu "http://127.0.0.1:$PORT" -scenario "$s" -n "${POOL:-200000}" -out "$OUTDIR/$s.tsv"
taskset -c 1 wrk -t1 -c32 -d"${DURATION}s" --timeout 5s -s bench/wrk/requests.lua "http://127.0.0.1:$PORT" -- "$OUTDIR/$s.tsv" 1 >"$OUTDIR/$s.wrk" &
WRK=$!
sleep 1.5
curl -s -o "$OUTDIR/$s.cpu" "http://127.0.0.1:$PPORT/debug/pprof/profile?seconds=$((DURATION - 3))"
wait $WRK
grep RESULT "$OUTDIR/$s.wrk"
grep -a "^gc " "$OUTDIR/$s.gc" | tail -3 || true
echo "profile: go tool pprof -top $OUTDIR/pprofserver $OUTDIR/$s.cpu"
