#!/usr/bin/env bash
# redis-test-suite.sh — Redis 7.0's own test suite against `syslab serve cache`.
#
# Redis ships its tests (tcl) with its source; they can run against an
# external server (`runtest --host --port`). This script runs the chosen
# test files, each against a fresh `syslab serve cache`, and prints per
# file how many tests passed and failed, with the names of the failures.
#
# It needs tclsh (Debian: tcl) and Redis 7.0's source tree. Debian has it:
#   echo 'deb-src http://deb.debian.org/debian bookworm main' > /etc/apt/sources.list.d/src.list
#   apt-get update && apt-get source redis      # unpacks redis-7.0.15/
# then: REDIS_SRC=path/to/redis-7.0.15 scripts/redis-test-suite.sh [unit/type/list …]
#
# Two things stand between the suite and our server, both handled here on
# a private copy of the tests (the source tree is not changed):
#  - before each file the harness runs FUNCTION FLUSH, which we do not
#    have (EVAL scripts, no FUNCTION libraries); the copy ignores that
#    call's error.
#  - tests that use commands we do not implement (streams, FUNCTION, ACL)
#    throw, which ends their whole file; they are skipped by name, listed
#    in scripts/redis-test-suite.skip with the reason.
# Tests tagged as needing a replica, DEBUG, a config we lack or a server
# the harness starts itself (external:skip) are left out by the harness.
# With SPAWN=1 the harness starts its servers itself instead, through
# scripts/redis-server-shim.sh, and runs the external:skip files too
# (unit/info, unit/auth, unit/maxmemory).
#
# Not part of `make test`: it takes minutes, sleeps in many tests, and
# needs Redis's source. Read a failure as a difference from Redis to look
# at, not as a flaky test: the suite is Redis's definition of Redis.
set -euo pipefail

cd "$(dirname "$0")/.."

REDIS_SRC=${REDIS_SRC:?set REDIS_SRC to an unpacked redis-7.0.x source tree (see the top of this script)}
SYSLAB=${SYSLAB:-bin/syslab}
SKIP_FILE=${SKIP_FILE:-scripts/redis-test-suite.skip}
FILE_TIMEOUT_SECS=${FILE_TIMEOUT_SECS:-900} # the slowest files sleep for minutes
UNITS=("$@")
if [[ ${#UNITS[@]} -eq 0 ]]; then
	UNITS=(unit/type/string unit/type/incr unit/type/list unit/type/list-2 unit/type/list-3
		unit/type/hash unit/type/set unit/type/zset unit/type/stream unit/type/stream-cgroups unit/expire unit/keyspace unit/scan
		unit/multi unit/pubsub unit/tracking unit/info-command unit/introspection
		unit/introspection-2 unit/protocol unit/quit unit/dump unit/bitops unit/bitfield
		unit/hyperloglog unit/sort unit/other unit/pause unit/lazyfree unit/querybuf
		unit/slowlog unit/latency-monitor unit/scripting unit/functions unit/geo)
	if [[ -n ${SPAWN:-} ]]; then # the files only a spawned server can run
		UNITS+=(unit/info unit/auth unit/maxmemory unit/limits unit/obuf-limits)
	fi
fi
# The tags the harness should leave out: what needs a second server, a
# replica, DEBUG commands we do not have, or configs we do not take.
# WITH_DEBUG_TESTS=1 runs the needs:debug tests too, as Redis's suite does
# unless told otherwise: unit/type/set, unit/other (rdb-key-save-delay) and
# unit/introspection (enable-debug-command, protected configs) then stop
# at a test that needs what we lack.
EXCLUDED_TAGS="-needs:pfdebug -needs:config-maxmemory -needs:save -needs:other-server"
if [[ -z ${WITH_DEBUG_TESTS:-} ]]; then EXCLUDED_TAGS="-needs:debug $EXCLUDED_TAGS"; fi

say() { echo "redis-test-suite: $*" >&2; }
command -v tclsh >/dev/null || { say "tclsh not found (Debian: apt-get install tcl)"; exit 1; }
[[ -x $SYSLAB ]] || { say "$SYSLAB not found (run 'make build')"; exit 1; }
[[ -f $REDIS_SRC/tests/test_helper.tcl ]] || { say "$REDIS_SRC has no tests/test_helper.tcl"; exit 1; }

# KEEP_WORK=1 keeps the work directory (each file's full log) and says where.
WORK=$(mktemp -d -t redis-test-suite.XXXXXX)
SERVER_PID=
cleanup() {
	if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; fi
	if [[ -n ${KEEP_WORK:-} ]]; then say "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The private copy of the harness and tests, and the skip list in the
# harness's format (one test name per line; comments and blanks dropped).
cp -r "$REDIS_SRC/tests" "$WORK/tests"
# unit/scripting's SCRIPT DEBUG (the Lua debugger, which we lack) outside
# any test is caught, so the file goes on.
sed -i -e 's/^    r script debug sync$/    catch {r script debug sync}/' "$WORK/tests/unit/scripting.tcl"
grep -v '^\s*#' "$SKIP_FILE" | grep -v '^\s*$' >"$WORK/skip.txt" || true

# The harness listens for its test clients just below its base port; a
# base of its own keeps two runs on one machine apart.
HARNESS_BASE_PORT=$((30000 + RANDOM % 20000))

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# SPAWN=1: the harness starts its servers itself, through
# redis-server-shim.sh installed as its src/redis-server, which runs the
# files tagged external:skip too (info, auth, maxmemory, …).
if [[ -n ${SPAWN:-} ]]; then
	mkdir -p "$WORK/src"
	shim=$(realpath scripts/redis-server-shim.sh)
	printf '#!/bin/sh\nSYSLAB=%q exec %q "$@"\n' "$(realpath "$SYSLAB")" "$shim" >"$WORK/src/redis-server"
	chmod +x "$WORK/src/redis-server"
	for tool in redis-cli redis-benchmark; do
		if command -v "$tool" >/dev/null; then ln -s "$(command -v "$tool")" "$WORK/src/$tool"; fi
	done
fi

printf '%-24s %6s %6s %9s\n' file passed failed aborted
for unit in "${UNITS[@]}"; do
	log=$WORK/$(echo "$unit" | tr / _).log
	target=()
	if [[ -z ${SPAWN:-} ]]; then
		port=$(free_port)
		dir=$(mktemp -d "$WORK/data.XXXXXX")
		# As the harness's default.conf: DEBUG and protected configs allowed.
		"$SYSLAB" serve cache --addr "127.0.0.1:$port" --dir "$dir" \
			--enable-debug-command yes --enable-protected-configs yes >"$WORK/server.log" 2>&1 &
		SERVER_PID=$!
		for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.05; done
		target=(--host 127.0.0.1 --port "$port")
	fi
	(cd "$WORK" && timeout "$FILE_TIMEOUT_SECS" tclsh tests/test_helper.tcl "${target[@]}" \
		--single "$unit" --clients 1 --tags "$EXCLUDED_TAGS" --skipfile skip.txt \
		--baseport "$HARNESS_BASE_PORT" >"$log" 2>&1) || true
	if [[ -n $SERVER_PID ]]; then
		kill "$SERVER_PID" 2>/dev/null; wait "$SERVER_PID" 2>/dev/null || true
		SERVER_PID=
	fi
	plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
	passed=$(grep -c '^\[ok\]' <<<"$plain" || true)
	failed=$(grep -c '^\[err\]' <<<"$plain" || true)
	aborted=$(grep -c '^\[exception\]' <<<"$plain" || true)
	printf '%-24s %6d %6d %9d\n' "$unit" "$passed" "$failed" "$aborted"
	grep -E '^\[(err|exception)\]' <<<"$plain" | sed 's/^/    /' || true
done
