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
# CPU µs/op is each tool's own user+sys time per operation: what the
# generator costs, the number that decides who saturates first. The CPU
# share columns say how busy each was: a tool's µs/op × its ops/s over its
# THREADS cores, and the server's own CPU over the run (from /proc, in
# cores; redis-server serves on one). A tool at ≥ 90% of its cores is
# "client-bound": it measured itself, not the server, and a faster tool
# then gets more ops/s from the same server. Acceptance — ops/s within
# ±15% of redis-benchmark's (the ok column) — is judged only on rows where
# neither tool was client-bound; the others say "client-bound".
#
# The second table compares where the server is what limits: each tool's
# view of syslab serve against redis-server (ops/s ratio), side by side.
# Two fair generators see the same ratio whoever is faster, as long as
# neither is client-bound; the row says whether the two views agree within
# ±15%.
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
VALUE_BYTES=${VALUE_BYTES:-100}
CLIENT_BOUND_SHARE=0.9         # a tool using this share of its cores or more is the bottleneck
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
RESULTS=$WORK/results.tsv # server depth command tool round ops_per_sec p50_ms p99_ms cpu_us_per_op server_cores
: >"$RESULTS"
# stop_servers, cleanup (on exit), start_syslab, start_redis; PID and PORT.
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

start_server() {
	case $1 in
	syslab) start_syslab syslab "$SYSLAB" ;;
	redis) start_redis redis ;;
	esac
}

CLOCK_TICKS=$(getconf CLK_TCK)

# server_cpu_secs is the user+system CPU the server process has used.
server_cpu_secs() {
	awk -v hz="$CLOCK_TICKS" '{ sub(/^.*\) /, ""); print ($12 + $13) / hz }' "/proc/${PID[$1]}/stat"
}

# measured runs "$@" and prints, on fd 3, the server's CPU over the run
# in cores (CPU seconds per wall second).
measured() {
	local server=$1 cpu0 t0 cpu1 t1
	shift
	cpu0=$(server_cpu_secs "$server")
	t0=$(date +%s.%N)
	"$@"
	t1=$(date +%s.%N)
	cpu1=$(server_cpu_secs "$server")
	awk -v c0="$cpu0" -v c1="$cpu1" -v t0="$t0" -v t1="$t1" 'BEGIN { printf "%.3f\n", (c1 - c0) / (t1 - t0) }' >&3
}

# run_rb runs redis-benchmark once and appends its line to $RESULTS.
run_rb() {
	local server=$1 depth=$2 cmd=$3 round=$4 line
	local threads=()
	((THREADS > 1)) && threads=(--threads "$THREADS")
	line=$(measured "$server" /usr/bin/time -o "$WORK/cpu" -f '%U %S' redis-benchmark -h 127.0.0.1 -p "${PORT[$server]}" -c "$CLIENTS" -P "$depth" "${threads[@]}" \
		-n "$REQUESTS" -r "$KEYSPACE" -d "$VALUE_BYTES" -t "$cmd" --csv 3>"$WORK/server-cores" | tail -n 1 | tr -d '"')
	# test,rps,avg,min,p50,p95,p99,max
	IFS=, read -r _ rps _ _ p50 _ p99 _ <<<"$line"
	[[ -n $rps && -n $p99 ]] || die "redis-benchmark gave no numbers: $line"
	printf '%s\t%s\t%s\tredis-benchmark\t%s\t%s\t%s\t%s\t%s\t%s\n' "$server" "$depth" "$cmd" "$round" "$rps" "$p50" "$p99" \
		"$(awk -v n="$REQUESTS" '{ print ($1 + $2) * 1e6 / n }' "$WORK/cpu")" "$(cat "$WORK/server-cores")" >>"$RESULTS"
}

# run_ours runs syslab load once and appends its line to $RESULTS.
run_ours() {
	local server=$1 depth=$2 cmd=$3 round=$4 dir=$WORK/load
	rm -rf "$dir"
	measured "$server" env GOMAXPROCS="$THREADS" /usr/bin/time -o "$WORK/cpu" -f '%U %S' "$SYSLAB" load --target "redis://127.0.0.1:${PORT[$server]}" --workload "$cmd" \
		--closed $((CLIENTS * depth)) --connections "$CLIENTS" --inflight "$depth" \
		--keys "$KEYSPACE" --value-size "$VALUE_BYTES" --key-prefix "key:" \
		--duration "$DURATION" --quiet --out "$dir" >"$WORK/load.out" 2>&1 3>"$WORK/server-cores" ||
		{ cat "$WORK/load.out" >&2; die "syslab load failed against $server"; }
	read -r user sys <"$WORK/cpu"
	jq -r --arg s "$server" --arg d "$depth" --arg c "$cmd" --arg r "$round" --argjson cpu "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
		--argjson srv "$(cat "$WORK/server-cores")" \
		'[$s, $d, $c, "syslab load", $r, .throughput.achieved_per_sec, (.ops[0].p50 / 1e6), (.ops[0].p99 / 1e6), ($cpu * 1e6 / .ops[0].count), $srv] | @tsv' \
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
awk -F'\t' -v tol="$TOLERANCE" -v rounds="$ROUNDS" -v clients="$CLIENTS" -v threads="$THREADS" -v bound="$CLIENT_BOUND_SHARE" -v bytes="$VALUE_BYTES" '
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
	# The share of its THREADS cores the tool kept busy in this run.
	share[key, $4] = share[key, $4] " " ($9 * $6 / 1e6 / threads)
	srv[key, $4] = srv[key, $4] " " $10
}
END {
	printf "## syslab load vs redis-benchmark (closed loop, %d connections, %d thread(s) each, %d-byte values, medians of %d rounds)\n\n", clients, threads, bytes, rounds
	print "| server | pipeline | cmd | rb ops/s | syslab ops/s | ratio | ok (±" tol * 100 "%) | rb CPU µs/op | syslab CPU µs/op | rb CPU share | syslab CPU share | server cores (rb / syslab runs) | rb p50 ms | syslab p50 ms | rb p99 ms | syslab p99 ms |"
	print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	bad = 0; judged = 0
	for (i = 1; i <= keys; i++) {
		key = order[i]; split(key, k, SUBSEP)
		ro = median(ops[key, "redis-benchmark"]); so = median(ops[key, "syslab load"])
		rs = median(share[key, "redis-benchmark"]); ss = median(share[key, "syslab load"])
		ratio = so / ro
		if (rs >= bound || ss >= bound) {
			ok = "client-bound (" (rs >= bound ? "rb" : "") (rs >= bound && ss >= bound ? ", " : "") (ss >= bound ? "syslab" : "") ")"
			clientBound[key] = 1
		} else {
			ok = (ratio >= 1 - tol && ratio <= 1 + tol) ? "yes" : "NO"
			judged++
			if (ok == "NO") bad++
		}
		printf "| %s | %s | %s | %.0f | %.0f | %.2f | %s | %.2f | %.2f | %.0f%% | %.0f%% | %.2f / %.2f | %.3f | %.3f | %.3f | %.3f |\n", \
			k[1], k[2], toupper(k[3]), ro, so, ratio, ok, \
			median(cpu[key, "redis-benchmark"]), median(cpu[key, "syslab load"]), 100 * rs, 100 * ss, \
			median(srv[key, "redis-benchmark"]), median(srv[key, "syslab load"]), \
			median(p50[key, "redis-benchmark"]), median(p50[key, "syslab load"]), median(p99[key, "redis-benchmark"]), median(p99[key, "syslab load"])
		opsOf[key, "rb"] = ro; opsOf[key, "syslab"] = so
		depthCmd[k[2] SUBSEP k[3]] = 1
	}
	printf "\n%d of %d judged rows outside ±%d%% on ops/s; %d rows client-bound (a tool at ≥ %d%% of its %d core(s)), not judged.\n\n", \
		bad, judged, tol * 100, keys - judged, bound * 100, threads
	print "### The servers as each tool sees them: syslab serve ops/s ÷ redis-server ops/s"
	print ""
	print "| pipeline | cmd | by redis-benchmark | by syslab load | views agree (±" tol * 100 "%) |"
	print "|---|---|---|---|---|"
	for (i = 1; i <= keys; i++) {
		key = order[i]; split(key, k, SUBSEP)
		dc = k[2] SUBSEP k[3]
		if (k[1] != "redis" || !((dc) in depthCmd) || done[dc]) continue
		done[dc] = 1
		rkey = "redis" SUBSEP dc; skey = "syslab" SUBSEP dc
		if (!((skey, "rb") in opsOf)) continue
		byRb = opsOf[skey, "rb"] / opsOf[rkey, "rb"]; bySy = opsOf[skey, "syslab"] / opsOf[rkey, "syslab"]
		agree = bySy / byRb
		verdict = (agree >= 1 - tol && agree <= 1 + tol) ? "yes" : "NO"
		if (clientBound[rkey] || clientBound[skey]) verdict = verdict " (a client-bound row: the view is partly the tool'"'"'s)"
		printf "| %s | %s | %.2f | %.2f | %s |\n", k[2], toupper(k[3]), byRb, bySy, verdict
	}
}' "$RESULTS" | tee "$OUT/load-vs-redis-benchmark.md"
