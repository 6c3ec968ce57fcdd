#!/usr/bin/env bash
# bench/run.sh — measures the fakeapi binary against bench/baseline, a bare
# net/http server answering the same bytes from memory, and writes
# docs/PERFORMANCE.md.
#
#   bench/run.sh                      # defaults below
#   DURATION=10s ROUNDS=3 bench/run.sh
#   OUT=/tmp/perf.md bench/run.sh     # write the report elsewhere
#   REV=abc123 EMU_FLAGS='-gc-headroom 0' PASSES=pinned SCENARIOS=kii-login ROUNDS=3 \
#     OUT=/tmp/x.md RESULTS_COPY=/tmp/x.jsonl bench/run.sh   # price one mechanism:
#     then `go run ./bench/benchtool cpu -results /tmp/x.jsonl` gives the median
#     server CPU per request of each run (bench/profiling.md)
#
# The raw figures go to bench/results.jsonl (RESULTS_COPY); after editing
# bench/profiling.md the report can be written again from them with
# `go run ./bench/benchtool report -results bench/results.jsonl -out docs/PERFORMANCE.md -notes bench/profiling.md`.
#
# Everything listens on 127.0.0.1 and every wrk run is bounded by DURATION.
# Needs Go and wrk (Debian's package; installed with apt-get when missing and
# running as root).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. bench/lib.sh

DURATION=${DURATION:-5s}       # each wrk run
ROUNDS=${ROUNDS:-2}            # emulator/baseline alternations per scenario; the best round is reported
CONNS=${CONNS:-32}
THREADS=${THREADS:-2}
STARTS=${STARTS:-10}           # cold starts per series (median reported)
POOL_RATE=${POOL_RATE:-100000}  # single-use pools hold DURATION x POOL_RATE requests (split between the wrk threads)
# The pinned emulator answers at most ~40k requests/s: its pools need less, and
# a pool is live state (500k pending Assist codes instead of 300k put the
# pinned exchange's p99 at 4.9-6.4 ms instead of 3.8-4.3 ms: bench/profiling.md).
PINNED_POOL_RATE=${PINNED_POOL_RATE:-60000}
OUT=${OUT:-$ROOT/docs/PERFORMANCE.md}
# For iterating on one path: the passes to run and the scenarios in each. A
# run without every pass writes a partial report (OUT=/tmp/… for those).
PASSES=${PASSES:-startup shared pinned info}
ALL_SCENARIOS="iijmio-coupon-get iijmio-coupon-put kii-login mixi-friends mixi-appdata-write assist-code-exchange assist-orders-get"
read -r -a SCENARIOS <<<"${SCENARIOS:-$ALL_SCENARIOS}"
read -r -a PINNED_SCENARIOS <<<"${PINNED_SCENARIOS:-${SCENARIOS[*]}}"
has_pass() { [[ " $PASSES " == *" $1 "* ]]; }

LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
secs=${DURATION%s}
POOL=$((secs * POOL_RATE))
PINNED_POOL=$((secs * PINNED_POOL_RATE))

if ! command -v wrk >/dev/null 2>&1; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
	else
		echo "bench/run.sh: wrk is missing: apt-get install wrk" >&2
		exit 1
	fi
fi

workdir fakeapi-bench

log "building into $W"
build_emulator
go build -trimpath -o "$W/baseline" ./bench/baseline
go build -trimpath -o "$W/benchtool" ./bench/benchtool
mkdir -p "$W/fixtures"
log "generating the 100k-user mixi fixture"
go run ./cmd/mixigen -users 100000 -friendships 1000000 >"$W/fixtures/mixi.json"

RESULTS=$W/results.jsonl
: >"$RESULTS"


rss() { awk '/^VmRSS:/{print $2}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM:/{print $2}' "/proc/$1/status"; }

COUPON_H=(-H "X-IIJmio-Developer: MioponDemoApp000001" -H "X-IIJmio-Authorization: MioTaroDemoToken0000000000000001")

if has_pass startup; then
log "cold starts: $STARTS each"
"$W/benchtool" startup -n "$STARTS" -name "emulator (embedded fixtures)" -path /iijmio/mobile/d/v1/coupon/ "${COUPON_H[@]}" \
	-- "$W/fakeapi" -addr 127.0.0.1:0 -log-level warn >>"$RESULTS"
"$W/benchtool" startup -n 3 -name "emulator (100k-user mixi fixture)" -path /iijmio/mobile/d/v1/coupon/ "${COUPON_H[@]}" \
	-- "$W/fakeapi" -addr 127.0.0.1:0 -log-level warn -fixtures "$W/fixtures" >>"$RESULTS"
fi

log "starting the load emulators (-rate-limits=false, -log-level warn): embedded fixtures, and the 100k mixi fixture"
start emulator "$W/emulator.log" "$W/fakeapi" -addr 127.0.0.1:0 -rate-limits=false -log-level warn ${EMU_FLAGS:-}
EMU=$URL EMU_PID=$PID
start emulator-mixi "$W/emulator-mixi.log" "$W/fakeapi" -addr 127.0.0.1:0 -fixtures "$W/fixtures" -rate-limits=false -log-level warn ${EMU_FLAGS:-}
MIXI=$URL MIXI_PID=$PID
"$W/benchtool" manifest -emu "$EMU" -mixi-emu "$MIXI" -out "$W/manifest.json"

if has_pass startup; then
"$W/benchtool" startup -n "$STARTS" -name "baseline" -path /iijmio/mobile/d/v1/coupon/ \
	-- "$W/baseline" -addr 127.0.0.1:0 -manifest "$W/manifest.json" >>"$RESULTS"
fi
start baseline "$W/baseline.log" "$W/baseline" -addr 127.0.0.1:0 -manifest "$W/manifest.json"
BASE=$URL BASE_PID=$PID
sleep 1
printf '{"kind":"rss","name":"emulator idle (embedded fixtures, before load)","kb":%s}\n' "$(rss "$EMU_PID")" >>"$RESULTS"
printf '{"kind":"rss","name":"emulator idle (100k mixi fixture, before load)","kb":%s}\n' "$(rss "$MIXI_PID")" >>"$RESULTS"
printf '{"kind":"rss","name":"baseline idle (before load)","kb":%s}\n' "$(rss "$BASE_PID")" >>"$RESULTS"

# ticks PID — user+system CPU time of a process, in clock ticks.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

# load SCENARIO SERVER URL ROUND FILE LEVEL PID — one bounded wrk run, one
# results line with the server's CPU time over the run. With PINNED=1 wrk
# runs one thread on CPU 1 (the servers were moved to CPU 0).
load() {
	local scen=$1 server=$2 url=$3 round=$4 file=$5 level=$6 pid=$7
	local out t0 t1 threads=$THREADS pin=() mode=shared
	if [ "${PINNED:-0}" = 1 ]; then
		threads=1 pin=(taskset -c 1) mode=pinned
	fi
	t0=$(ticks "$pid")
	out=$("${pin[@]}" wrk -t"$threads" -c"$CONNS" -d"$DURATION" --timeout 5s -s bench/wrk/requests.lua "$url" -- "$file" "$threads")
	t1=$(ticks "$pid")
	local res
	res=$(grep '^RESULT ' <<<"$out" | sed 's/^RESULT {//')
	[ -n "$res" ] || { echo "wrk gave no result for $scen on $server: $out" >&2; exit 1; }
	printf '{"kind":"load","scenario":"%s","server":"%s","round":%d,"logLevel":"%s","mode":"%s","cpuMs":%d,%s\n' \
		"$scen" "$server" "$round" "$level" "$mode" "$(((t1 - t0) * 1000 / HZ))" "$res" >>"$RESULTS"
	log "$scen $server round $round: $(sed 's/,"connect.*//' <<<"$res")"
}

# emu SCENARIO — the emulator a scenario runs against; emupid its process.
emu() { case $1 in mixi-*) echo "$MIXI" ;; *) echo "$EMU" ;; esac; }
emupid() { case $1 in mixi-*) echo "$MIXI_PID" ;; *) echo "$EMU_PID" ;; esac; }

if has_pass shared; then
for s in "${SCENARIOS[@]}"; do
	for r in $(seq 1 "$ROUNDS"); do
		# A fresh pool for every emulator run: used nonces and codes are refused.
		"$W/benchtool" requests -emu "$(emu "$s")" -scenario "$s" -n "$POOL" -out "$W/req.tsv"
		load "$s" emulator "$(emu "$s")" "$r" "$W/req.tsv" warn "$(emupid "$s")"
		load "$s" baseline "$BASE" "$r" "$W/req.tsv" - "$BASE_PID"
	done
	printf '{"kind":"rss","name":"emulator after %s (%s)","kb":%s,"hwmKb":%s}\n' "$s" \
		"$(case $s in mixi-*) echo 100k mixi fixture ;; *) echo embedded fixtures ;; esac)" "$(rss "$(emupid "$s")")" "$(hwm "$(emupid "$s")")" >>"$RESULTS"
done
fi
# Every scenario again with servers started on CPU 0 (so Go sizes GOMAXPROCS
# to it) and wrk on CPU 1: client and server no longer take turns on the
# same cores, so p99 is the server's own. Each scenario gets a fresh
# emulator: in one process the load of the scenarios before it stays (three
# Kii login rounds leave ~700k tokens that never expire, ~230 MB), and its
# weight on the next scenario is the shared pass's to show, not this one's.
pinned() {
	local emu=$EMU emu_pid=$EMU_PID mixi=$MIXI mixi_pid=$MIXI_PID base=$BASE base_pid=$BASE_PID
	start baseline-pinned "$W/baseline-pinned.log" taskset -c 0 "$W/baseline" -addr 127.0.0.1:0 -manifest "$W/manifest.json"
	BASE=$URL BASE_PID=$PID
	for s in "${PINNED_SCENARIOS[@]}"; do
		local fx=()
		case $s in mixi-*) fx=(-fixtures "$W/fixtures") ;; esac
		start "emulator-pinned-$s" "$W/emulator-pinned-$s.log" taskset -c 0 "$W/fakeapi" -addr 127.0.0.1:0 "${fx[@]}" -rate-limits=false -log-level warn ${EMU_FLAGS:-}
		EMU=$URL EMU_PID=$PID MIXI=$URL MIXI_PID=$PID
		for r in $(seq 1 "$ROUNDS"); do
			"$W/benchtool" requests -emu "$EMU" -scenario "$s" -n "$PINNED_POOL" -out "$W/req.tsv"
			PINNED=1 load "$s" emulator "$EMU" "$r" "$W/req.tsv" warn "$EMU_PID"
			PINNED=1 load "$s" baseline "$BASE" "$r" "$W/req.tsv" - "$BASE_PID"
		done
		stop "$EMU_PID"
	done
	stop "$BASE_PID"
	EMU=$emu EMU_PID=$emu_pid MIXI=$mixi MIXI_PID=$mixi_pid BASE=$base BASE_PID=$base_pid
}
if has_pass pinned && command -v taskset >/dev/null 2>&1 && [ "$(nproc)" -ge 2 ]; then
	log "pinned: fresh servers on CPU 0, one wrk thread on CPU 1"
	pinned
fi
printf '{"kind":"rss","name":"emulator after load (embedded fixtures)","kb":%s,"hwmKb":%s}\n' "$(rss "$EMU_PID")" "$(hwm "$EMU_PID")" >>"$RESULTS"
printf '{"kind":"rss","name":"emulator after load (100k mixi fixture)","kb":%s,"hwmKb":%s}\n' "$(rss "$MIXI_PID")" "$(hwm "$MIXI_PID")" >>"$RESULTS"
printf '{"kind":"rss","name":"baseline after load","kb":%s,"hwmKb":%s}\n' "$(rss "$BASE_PID")" "$(hwm "$BASE_PID")" >>"$RESULTS"
stop "$EMU_PID"
stop "$MIXI_PID"

if has_pass info; then
log "info-level access log (stderr to a file)"
start emulator-info "$W/emulator-info.log" "$W/fakeapi" -addr 127.0.0.1:0 -rate-limits=false -log-level info
EMU=$URL EMU_PID=$PID INFO_PID=$PID
start emulator-mixi-info "$W/emulator-mixi-info.log" "$W/fakeapi" -addr 127.0.0.1:0 -fixtures "$W/fixtures" -rate-limits=false -log-level info
MIXI=$URL MIXI_PID=$PID MIXI_INFO_PID=$PID
for s in iijmio-coupon-get mixi-friends; do
	"$W/benchtool" requests -emu "$(emu "$s")" -scenario "$s" -n "$POOL" -out "$W/req.tsv"
	load "$s" emulator "$(emu "$s")" 1 "$W/req.tsv" info "$(emupid "$s")"
	load "$s" baseline "$BASE" 1 "$W/req.tsv" - "$BASE_PID"
done
stop "$INFO_PID"
stop "$MIXI_INFO_PID"
fi
stop "$BASE_PID"

# The soak section comes from bench/soak.sh's last results, when there are any.
SOAK=()
[ -f bench/soak.jsonl ] && SOAK=(-soak bench/soak.jsonl)
"$W/benchtool" report -results "$RESULTS" -out "$OUT" -notes bench/profiling.md "${SOAK[@]}" \
	-cmd "bench/run.sh (DURATION=$DURATION ROUNDS=$ROUNDS CONNS=$CONNS THREADS=$THREADS STARTS=$STARTS POOL=$POOL PINNED_POOL=$PINNED_POOL)" \
	-duration "$DURATION" -conns "$CONNS" -threads "$THREADS" -loadavg "$LOADAVG"
cp "$RESULTS" "${RESULTS_COPY:-$ROOT/bench/results.jsonl}"
log "wrote $OUT"
