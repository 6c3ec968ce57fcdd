#!/usr/bin/env bash
# bench/soak.sh — memory under floods (issue 14): each path floods a fresh
# emulator for DURATION at CONNS connections from `benchtool soak`, which
# samples the server's VmRSS every second and reads it again SETTLE after the
# flood; one JSON line per path goes to bench/soak.jsonl, and the "Soak
# (memory under floods)" section of docs/PERFORMANCE.md is rewritten from it.
#
#   bench/soak.sh                                  # 60 s a path, 32 connections: about 7 minutes
#   DURATION=10s bench/soak.sh                     # a quick check
#   SOAK_PATHS="kii-login assist-code-flow" bench/soak.sh
#   REV=abc123 bench/soak.sh                       # that revision's emulator (this tree's benchtool)
#   RESULTS=/tmp/soak.jsonl DOC=/tmp/perf.md bench/soak.sh   # leave the repository's files alone
#
# The paths: mixi-long-nonce (signed GETs with a 32 KB oauth_nonce, refused
# with 401 parameter_rejected), iijmio-authorize and assist-authorize
# (authorize GETs without a cookie: a browser session each), kii-login (a
# token that never expires each), assist-code-flow (authorize, login,
# consent, token with a fresh cookie jar each), state-import (PUT
# /_fakeapi/state of a DOC_MB export from every connection at once: one
# import runs at a time, the others get 409).
#
# The emulator runs with its default caps: only -addr 127.0.0.1:0
# -rate-limits=false -log-level warn (EMU_FLAGS adds more). Everything
# listens on and loads 127.0.0.1 only, and every flood is bounded by
# DURATION (and killed by `timeout` if it overruns by two minutes).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. bench/lib.sh

DURATION=${DURATION:-60s}
CONNS=${CONNS:-32}
SETTLE=${SETTLE:-5s}
BOUND_MB=${BOUND_MB:-256}
DOC_MB=${DOC_MB:-4}
NONCE_BYTES=${NONCE_BYTES:-32768}
RESULTS=${RESULTS:-bench/soak.jsonl}
DOC=${DOC:-docs/PERFORMANCE.md}
ALL_PATHS="mixi-long-nonce iijmio-authorize assist-authorize kii-login assist-code-flow state-import"
read -r -a SOAK_PATHS <<<"${SOAK_PATHS:-$ALL_PATHS}"

secs() {
	[[ $1 =~ ^([0-9]+)s?$ ]] || { echo "bench/soak.sh: $2=$1: want whole seconds, e.g. 60s" >&2; exit 2; }
	echo "${BASH_REMATCH[1]}"
}
DUR_S=$(secs "$DURATION" DURATION)
SETTLE_S=$(secs "$SETTLE" SETTLE)

workdir fakeapi-soak

T0=$(date +%s)

log "building into $W"
build_emulator
go build -trimpath -o "$W/benchtool" ./bench/benchtool


SERVER_ARGS=(-addr 127.0.0.1:0 -rate-limits=false -log-level warn ${EMU_FLAGS:-})
OUT=$W/soak.jsonl
: >"$OUT"
for p in "${SOAK_PATHS[@]}"; do
	start "$p" "$W/$p.log" "$W/fakeapi" "${SERVER_ARGS[@]}"
	sleep 1 # the idle RSS is read one second after the ready line
	log "$p: ${DURATION} at $CONNS connections against $URL (pid $PID)"
	timeout $((DUR_S + SETTLE_S + 120)) "$W/benchtool" soak -emu "$URL" -pid "$PID" -path "$p" \
		-duration "${DUR_S}s" -settle "${SETTLE_S}s" -conns "$CONNS" -bound-mb "$BOUND_MB" \
		-doc-bytes $((DOC_MB << 20)) -nonce-bytes "$NONCE_BYTES" \
		-server "fakeapi ${SERVER_ARGS[*]}" -server-log "$W/$p.log" >>"$OUT"
	stop "$PID"
	log "$p: $(tail -1 "$OUT" | sed -e 's/,"samplesKb".*//' -e 's/.*"idleKb"/"idleKb"/')"
done

cp "$OUT" "$RESULTS"
if [ -f "$DOC" ]; then
	"$W/benchtool" report -soak "$RESULTS" -out "$DOC" -splice
	log "wrote the soak section of $DOC"
fi
log "done in $(($(date +%s) - T0)) s; results in $RESULTS"
