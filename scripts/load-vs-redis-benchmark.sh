#!/usr/bin/env bash
# load-vs-redis-benchmark.sh — is `syslab load` a fair load generator?
# It measures the same servers with the same settings as redis-benchmark
# and compares the numbers.
#
# For each server (redis-server 7.0 and `syslab serve cache`, fresh, on
# free loopback ports, persistence off), each pipeline depth (PIPELINES,
# default 1 and 16) and each command (SET, then GET, so GETs find keys):
#
#   redis-benchmark -c CLIENTS -P DEPTH -n REQUESTS -r KEYSPACE -d 100 -t CMD
#   syslab load --closed CLIENTS×DEPTH --connections CLIENTS --inflight DEPTH
#               --workload CMD --keys KEYSPACE --value-size 100 --duration DURATION
#
# Both run THREADS threads (default 1, redis-benchmark's own default):
# redis-benchmark --threads, syslab load GOMAXPROCS. On a machine whose
# cores other processes share, a tool's CPU share grows with its runnable
# threads, so unequal threads would compare the scheduler, not the tools.
#
# Both are closed loops with CLIENTS connections and DEPTH requests
# outstanding on each. (redis-benchmark sends a connection's DEPTH
# requests as one batch and waits for all of them; syslab load's workers
# each send again as soon as their own reply is in. Both keep DEPTH in
# flight per connection.) The two tools alternate within each round, and
# which goes first alternates between rounds, so a slow patch of a shared
# machine hurts both alike; the table gives medians over ROUNDS.
#
# The table: ops/s, p50 and p99 of each tool and the ratio syslab/rb.
# Acceptance: ops/s within ±15% of redis-benchmark's (the ok column).
# CPU µs/op is each tool's own user+sys time per operation: what the
# generator costs, the number that decides who saturates first.
# Latency percentiles are printed for reading, not judged: redis-benchmark
# times a pipelined request from its batch's write, syslab load from the
# request's own send, and both are dominated by queueing on a busy box.
#
# Usage: scripts/load-vs-redis-benchmark.sh        (after `make build`)
#        ROUNDS=1 DURATION=3s REQUESTS=100000 scripts/load-vs-redis-benchmark.sh
# Report (markdown) on stdout and in $OUT/load-vs-redis-benchmark.md.
set -euo pipefail

cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
REQUESTS=${REQUESTS:-300000}   # redis-benchmark -n per run
DURATION=${DURATION:-5s}       # syslab load --duration per run
KEYSPACE=${KEYSPACE:-100000}
THREADS=${THREADS:-1}
VALUE_BYTES=100
COMMANDS=(set get)
TOLERANCE=0.15                 # |ops/s ratio - 1| at most this
SYSLAB=${SYSLAB:-bin/syslab}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
OUT=${OUT:-out}
READY_TIMEOUT_SECS=10

say() { echo "load-vs-redis-benchmark: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in "$SYSLAB" "$REDIS_SERVER" redis-benchmark redis-cli jq /usr/bin/time; do
	command -v "$tool" >/dev/null || die "$tool not found (run 'make build'; redis-server and redis-benchmark come from Debian's redis-server and redis-tools)"
done

WORK=$(mktemp -d -t load-vs-rb.XXXXXX)
RESULTS=$WORK/results.tsv # server depth command tool round ops_per_sec p50_ms p99_ms cpu_us_per_op
: >"$RESULTS"
# stop_servers, cleanup (on exit), free_port, wait_ready; PID and PORT.
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

start_server() {
	local server=$1 dir
	dir=$(mktemp -d "$WORK/$server.XXXXXX")
	PORT[$server]=$(free_port)
	case $server in
	syslab)
		"$SYSLAB" serve cache --addr "127.0.0.1:${PORT[$server]}" --dir "$dir" --save '' >"$WORK/$server.log" 2>&1 &
		;;
	redis)
		"$REDIS_SERVER" --bind 127.0.0.1 --port "${PORT[$server]}" --dir "$dir" \
			--save '' --appendonly no --daemonize no >"$WORK/$server.log" 2>&1 &
		;;
	esac
	PID[$server]=$!
	wait_ready "$server"
}

# run_rb runs redis-benchmark once and appends its line to $RESULTS.
run_rb() {
	local server=$1 depth=$2 cmd=$3 round=$4 line
	local threads=()
	((THREADS > 1)) && threads=(--threads "$THREADS")
	line=$(/usr/bin/time -o "$WORK/cpu" -f '%U %S' redis-benchmark -h 127.0.0.1 -p "${PORT[$server]}" -c "$CLIENTS" -P "$depth" "${threads[@]}" \
		-n "$REQUESTS" -r "$KEYSPACE" -d "$VALUE_BYTES" -t "$cmd" --csv | tail -n 1 | tr -d '"')
	# test,rps,avg,min,p50,p95,p99,max
	IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"$line"
	[[ -n $rps && -n $p99 ]] || die "redis-benchmark gave no numbers: $line"
	printf '%s\t%s\t%s\tredis-benchmark\t%s\t%s\t%s\t%s\t%s\n' "$server" "$depth" "$cmd" "$round" "$rps" "$p50" "$p99" \
		"$(awk -v n="$REQUESTS" '{ print ($1 + $2) * 1e6 / n }' "$WORK/cpu")" >>"$RESULTS"
}

# run_ours runs syslab load once and appends its line to $RESULTS.
run_ours() {
	local server=$1 depth=$2 cmd=$3 round=$4 dir=$WORK/load
	rm -rf "$dir"
	GOMAXPROCS=$THREADS /usr/bin/time -o "$WORK/cpu" -f '%U %S' "$SYSLAB" load --target "redis://127.0.0.1:${PORT[$server]}" --workload "$cmd" \
		--closed $((CLIENTS * depth)) --connections "$CLIENTS" --inflight "$depth" \
		--keys "$KEYSPACE" --value-size "$VALUE_BYTES" --key-prefix "key:" \
		--duration "$DURATION" --quiet --out "$dir" >"$WORK/load.out" 2>&1 ||
		{ cat "$WORK/load.out" >&2; die "syslab load failed against $server"; }
	read -r user sys <"$WORK/cpu"
	jq -r --arg s "$server" --arg d "$depth" --arg c "$cmd" --arg r "$round" --argjson cpu "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
		'[$s, $d, $c, "syslab load", $r, .throughput.achieved_per_sec, (.ops[0].p50 / 1e6), (.ops[0].p99 / 1e6), ($cpu * 1e6 / .ops[0].count)] | @tsv' \
		"$dir/results.json" >>"$RESULTS"
}

for server in redis syslab; do
	start_server "$server"
	for depth in $PIPELINES; do
		for cmd in "${COMMANDS[@]}"; do
			for round in $(seq "$ROUNDS"); do
				say "$server, pipeline $depth, $cmd, round $round/$ROUNDS"
				if ((round % 2)); then
					run_rb "$server" "$depth" "$cmd" "$round"
					run_ours "$server" "$depth" "$cmd" "$round"
				else
					run_ours "$server" "$depth" "$cmd" "$round"
					run_rb "$server" "$depth" "$cmd" "$round"
				fi
			done
		done
	done
	stop_servers
done

mkdir -p "$OUT"
cp "$RESULTS" "$OUT/load-vs-redis-benchmark-runs.tsv"
# The report: medians per server, depth, command and tool, side by side.
awk -F'\t' -v tol="$TOLERANCE" -v rounds="$ROUNDS" -v clients="$CLIENTS" -v threads="$THREADS" '
function median(list,    n, a, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
	return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
}
{
	key = $1 SUBSEP $2 SUBSEP $3
	if (!(key in seen)) { seen[key] = 1; order[++keys] = key }
	ops[key, $4] = ops[key, $4] " " $6
	p50[key, $4] = p50[key, $4] " " $7
	p99[key, $4] = p99[key, $4] " " $8
	cpu[key, $4] = cpu[key, $4] " " $9
}
END {
	printf "## syslab load vs redis-benchmark (closed loop, %d connections, %d thread(s) each, medians of %d rounds)\n\n", clients, threads, rounds
	print "| server | pipeline | cmd | rb ops/s | syslab ops/s | ratio | ok (±" tol * 100 "%) | rb p50 ms | syslab p50 ms | ratio | rb p99 ms | syslab p99 ms | ratio | rb CPU µs/op | syslab CPU µs/op |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	bad = 0
	for (i = 1; i <= keys; i++) {
		key = order[i]; split(key, k, SUBSEP)
		ro = median(ops[key, "redis-benchmark"]); so = median(ops[key, "syslab load"])
		r50 = median(p50[key, "redis-benchmark"]); s50 = median(p50[key, "syslab load"])
		r99 = median(p99[key, "redis-benchmark"]); s99 = median(p99[key, "syslab load"])
		ratio = so / ro
		ok = (ratio >= 1 - tol && ratio <= 1 + tol) ? "yes" : "NO"
		if (ok == "NO") bad++
		printf "| %s | %s | %s | %.0f | %.0f | %.2f | %s | %.3f | %.3f | %.2f | %.3f | %.3f | %.2f | %.2f | %.2f |\n", \
			k[1], k[2], toupper(k[3]), ro, so, ratio, ok, r50, s50, (r50 > 0 ? s50 / r50 : 0), r99, s99, (r99 > 0 ? s99 / r99 : 0), \
			median(cpu[key, "redis-benchmark"]), median(cpu[key, "syslab load"])
	}
	printf "\n%d of %d rows outside ±%d%% on ops/s.\n", bad, keys, tol * 100
}' "$RESULTS" | tee "$OUT/load-vs-redis-benchmark.md"
