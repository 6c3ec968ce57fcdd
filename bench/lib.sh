# bench/lib.sh — shell helpers bench/run.sh and bench/soak.sh share. Sourced,
# not run; they expect $W (the work directory) and the array PIDS.

log() { printf '%s %s\n' "$(date +%T)" "$*" >&2; }

# start NAME LOGFILE CMD… — runs a server, waits for its ready line, sets $URL and $PID.
start() {
	local name=$1 logf=$2
	shift 2
	local out=$W/$name.out
	: >"$out"
	"$@" >"$out" 2>"$logf" &
	PID=$!
	PIDS+=("$PID")
	for _ in $(seq 1 600); do
		URL=$(grep -o 'http://[^/ ]*' "$out" | head -1 || true)
		[ -n "$URL" ] && return 0
		kill -0 "$PID" 2>/dev/null || { echo "$name exited: $(cat "$logf")" >&2; exit 1; }
		sleep 0.05
	done
	echo "$name: no ready line" >&2
	exit 1
}

stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
