# bench/lib.sh — shell helpers bench/run.sh and bench/soak.sh share. Sourced,
# not run; workdir sets $W (the work directory) and the array PIDS the others
# use.

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

# workdir NAME — makes $W, and on exit stops every server in PIDS and removes
# $W (copied to $KEEP first when KEEP is set).
workdir() {
	W=$(mktemp -d "/tmp/$1.XXXXXX")
	PIDS=()
	trap cleanup EXIT
}

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${KEEP:-}" ] && cp -r "$W" "$KEEP"
	rm -rf "$W"
}

# build_emulator — $W/fakeapi with the Dockerfile's flags; REV=<commit>
# builds that revision's emulator instead (the tools stay this tree's), e.g.
# a commit's parent to price the mechanism it removed.
build_emulator() {
	if [ -n "${REV:-}" ]; then
		git worktree add --detach "$W/rev" "$REV" >/dev/null
		(cd "$W/rev" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=bench" -o "$W/fakeapi" ./cmd/fakeapi)
		git worktree remove --force "$W/rev"
	else
		CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=bench" -o "$W/fakeapi" ./cmd/fakeapi
	fi
}
