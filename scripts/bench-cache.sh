#!/usr/bin/env bash
# bench-cache.sh — syslab's cache server side by side with a real redis-server.
#
# What it measures (the cache issue's benchmark):
#
#  1. Throughput and latency. redis-benchmark runs the same commands, with the
#     same flags, against `syslab serve cache` and against redis-server, once
#     without pipelining and once with -P 16. The two servers alternate within
#     each round (and which goes first alternates between rounds), so a slow
#     patch on a shared machine hurts both alike. Each run starts from an empty
#     keyspace (FLUSHALL). The report gives, per command, the median over
#     ROUNDS of ops/s and p99 for each server and the ratio ours/redis.
#     Target: ops/s ratio >= 1.0 and p99 <= Redis's for GET and SET.
#
#     Also the server's own CPU time per request (user + system, from
#     /proc/PID/stat, over all commands of a run): on a machine shared with
#     other work, ops/s and p99 swing with the neighbours' load, while CPU
#     per request mostly measures the server itself.
#
#  2. Memory. Fresh servers, then MEMORY_KEYS distinct keys with 16-byte
#     values loaded through `redis-cli --pipe`. Bytes per key are the growth
#     of `INFO memory` used_memory divided by the number of keys, and the same
#     for the process's resident set (VmRSS from /proc/PID/status, the number
#     Redis reports as used_memory_rss). Our used_memory is an estimate; RSS
#     is what the process really holds, Go heap headroom included.
#
# Both servers run on free loopback ports with persistence off, in temporary
# directories, and are stopped on exit. redis-benchmark, both servers and this
# script share the machine's cores: read the numbers as a comparison, not as
# either server's capacity.
#
# The report (markdown) goes to stdout and to $OUT/bench-cache.md, every run's
# numbers to $OUT/bench-cache-runs.tsv (to judge the spread behind a median);
# progress goes to stderr.
#
# Usage: scripts/bench-cache.sh            (after `make build`; or `make bench-cache`)
#        REQUESTS=100000 ROUNDS=3 scripts/bench-cache.sh    (a quicker run)
set -euo pipefail

cd "$(dirname "$0")/.."

REQUESTS=${REQUESTS:-500000}        # requests per command per redis-benchmark run (-n)
ROUNDS=${ROUNDS:-3}                 # runs per server and configuration; medians are taken over them
CLIENTS=${CLIENTS:-50}              # parallel connections (-c)
KEYSPACE=${KEYSPACE:-100000}        # random key range (-r)
TESTS=${TESTS:-set,get,incr,lpush,rpop,sadd,hset}
MEMORY_KEYS=${MEMORY_KEYS:-1000000} # keys loaded for the memory test
MEMORY_VALUE_BYTES=16               # value size for the memory test
SYSLAB=${SYSLAB:-bin/syslab}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
OUT=${OUT:-out}
READY_TIMEOUT_SECS=10               # how long a server may take to answer PING

# The two pipeline configurations: a name for the report, and the extra flags.
CONFIG_NAMES=(none P16)
declare -A CONFIG_FLAGS=([none]="" [P16]="-P 16")

say() { echo "bench-cache: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in "$SYSLAB" "$REDIS_SERVER" redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || die "$tool not found (run 'make build'; redis-server and redis-benchmark come from Debian's redis-server and redis-tools)"
done

WORK=$(mktemp -d -t bench-cache.XXXXXX)
RESULTS=$WORK/results.tsv   # one line per command per run: config server test rps p99_ms
CPU=$WORK/cpu.tsv           # one line per run: config server cpu_us_per_request
FAILURES=$WORK/failures.txt # anything redis-benchmark or a server complained about
: >"$RESULTS"
: >"$CPU"
: >"$FAILURES"

# stop_servers, cleanup (on exit), start_syslab, start_redis; PID and PORT.
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

# start_servers starts a fresh syslab and a fresh redis-server, each in its
# own empty directory, persistence off.
start_servers() {
	start_syslab syslab "$SYSLAB"
	start_redis redis
}

# info_field prints one field of INFO memory, e.g. used_memory.
info_field() {
	local server=$1 field=$2
	redis-cli -h 127.0.0.1 -p "${PORT[$server]}" info memory | tr -d '\r' |
		awk -F: -v f="$field" '$1 == f { print $2 }'
}

# cpu_ticks prints the user + system CPU time a server process used so
# far, in clock ticks (fields 14 and 15 of /proc/PID/stat; the command
# name in field 2 has no spaces for either server).
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/${PID[$1]}/stat"
}

# rss_bytes prints the resident set of a server process, from /proc.
rss_bytes() {
	awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/${PID[$1]}/status"
}

# run_benchmark runs redis-benchmark once against one server in one
# configuration and appends its per-command results to $RESULTS. A failure is
# recorded, not fatal: the report says what failed.
run_benchmark() {
	local server=$1 config=$2 round=$3 csv=$WORK/run.csv errs=$WORK/run.err rc=0
	redis-cli -h 127.0.0.1 -p "${PORT[$server]}" flushall >/dev/null
	say "round $round/$ROUNDS, pipeline ${config}: $server"
	local ticks_before ticks_after requests
	ticks_before=$(cpu_ticks "$server")
	# shellcheck disable=SC2086 # CONFIG_FLAGS holds separate words on purpose
	redis-benchmark -h 127.0.0.1 -p "${PORT[$server]}" -t "$TESTS" -c "$CLIENTS" \
		-n "$REQUESTS" -r "$KEYSPACE" ${CONFIG_FLAGS[$config]} --csv >"$csv" 2>"$errs" || rc=$?
	ticks_after=$(cpu_ticks "$server")
	requests=$(($(tr ',' '\n' <<<"$TESTS" | wc -l) * REQUESTS))
	awk -v OFS='\t' -v config="$config" -v server="$server" -v a="$ticks_before" -v b="$ticks_after" \
		-v hz="$(getconf CLK_TCK)" -v n="$requests" \
		'BEGIN { print config, server, (b - a) / hz * 1e6 / n }' >>"$CPU"
	if ((rc != 0)) || [[ -s $errs ]]; then
		{
			echo "$server, pipeline $config, round $round: redis-benchmark exited $rc"
			sed 's/^/    /' "$errs"
		} >>"$FAILURES"
	fi
	# CSV columns (redis-benchmark 7.0): "test","rps","avg_latency_ms",
	# "min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms",
	# "max_latency_ms". Find the columns by name in case the order changes.
	tr -d '"' <"$csv" | awk -F, -v OFS='\t' -v config="$config" -v server="$server" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ print config, server, $col["test"], $col["rps"], $col["p99_latency_ms"] }
	' >>"$RESULTS"
}

# benchmark_table prints the markdown table of medians from $RESULTS.
benchmark_table() {
	awk -F'\t' -v tests="$TESTS" -v configs="${CONFIG_NAMES[*]}" "$AWK_MEDIAN"'
		function med(config, server, test, field,   k, n, i, list) {
			k = config SUBSEP server SUBSEP test
			n = count[k]
			if (n == 0) return ""
			for (i = 1; i <= n; i++) list[i] = values[k, i, field]
			return median(list, n)
		}
		function ratio(a, b) { return (a == "" || b == "" || b == 0) ? "—" : sprintf("%.2f", a / b) }
		function show(v, format) { return v == "" ? "—" : sprintf(format, v) }
		{
			k = $1 SUBSEP $2 SUBSEP $3
			n = ++count[k]
			values[k, n, "rps"] = $4 + 0
			values[k, n, "p99"] = $5 + 0
		}
		END {
			print "| pipeline | command | syslab ops/s | redis ops/s | ops/s ratio | syslab p99 ms | redis p99 ms | p99 ratio | GET/SET target |"
			print "|---|---|---:|---:|---:|---:|---:|---:|---|"
			nc = split(configs, cfg, " ")
			nt = split(tests, tst, ",")
			for (c = 1; c <= nc; c++) for (t = 1; t <= nt; t++) {
				test = toupper(tst[t])
				ours_rps = med(cfg[c], "syslab", test, "rps"); redis_rps = med(cfg[c], "redis", test, "rps")
				ours_p99 = med(cfg[c], "syslab", test, "p99"); redis_p99 = med(cfg[c], "redis", test, "p99")
				target = "—"
				if ((test == "GET" || test == "SET") && ours_rps != "" && redis_rps != "")
					target = (ours_rps >= redis_rps && ours_p99 <= redis_p99) ? "met" : "missed"
				printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", cfg[c], test,
					show(ours_rps, "%.0f"), show(redis_rps, "%.0f"), ratio(ours_rps, redis_rps),
					show(ours_p99, "%.3f"), show(redis_p99, "%.3f"), ratio(ours_p99, redis_p99), target
			}
		}
	' "$RESULTS"
}

# cpu_table prints the median server CPU microseconds per request.
cpu_table() {
	awk -F'\t' -v configs="${CONFIG_NAMES[*]}" "$AWK_MEDIAN"'
		function med(config, server,   k, n, i, list) {
			k = config SUBSEP server
			n = count[k]
			if (n == 0) return ""
			for (i = 1; i <= n; i++) list[i] = values[k, i]
			return median(list, n)
		}
		{ k = $1 SUBSEP $2; values[k, ++count[k]] = $3 + 0 }
		END {
			print "| pipeline | syslab CPU µs/request | redis CPU µs/request | ratio |"
			print "|---|---:|---:|---:|"
			nc = split(configs, cfg, " ")
			for (c = 1; c <= nc; c++) {
				ours = med(cfg[c], "syslab"); theirs = med(cfg[c], "redis")
				printf "| %s | %s | %s | %s |\n", cfg[c], ours == "" ? "—" : sprintf("%.2f", ours),
					theirs == "" ? "—" : sprintf("%.2f", theirs),
					(ours == "" || theirs == "" || theirs == 0) ? "—" : sprintf("%.2f", ours / theirs)
			}
		}
	' "$CPU"
}

# load_keys writes MEMORY_KEYS distinct SETs (key:000000000000…, 16-byte
# values) as RESP into the server through redis-cli --pipe.
load_keys() {
	local server=$1 summary
	summary=$(awk -v n="$MEMORY_KEYS" -v vbytes="$MEMORY_VALUE_BYTES" 'BEGIN {
		for (i = 0; i < n; i++) {
			k = sprintf("key:%012d", i); v = sprintf("%0" vbytes "d", i)
			printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
		}
	}' | redis-cli -h 127.0.0.1 -p "${PORT[$server]}" --pipe 2>&1 | tail -n 1)
	[[ $summary == "errors: 0, replies: $MEMORY_KEYS" ]] ||
		echo "$server, memory load: redis-cli --pipe said: $summary" >>"$FAILURES"
}

# --- 1. throughput and latency -------------------------------------------

start_servers
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for round in $(seq "$ROUNDS"); do
	for config in "${CONFIG_NAMES[@]}"; do
		if ((round % 2)); then order=(syslab redis); else order=(redis syslab); fi
		for server in "${order[@]}"; do
			run_benchmark "$server" "$config" "$round"
		done
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
grep -v -e '^cache server listening' -e '^\* Ready to accept connections' "$WORK/syslab.log" | sed 's/^/    /' >"$WORK/syslab-log.txt" || true
if [[ -s $WORK/syslab-log.txt ]]; then
	{ echo "syslab server log during the benchmark:"; cat "$WORK/syslab-log.txt"; } >>"$FAILURES"
fi
stop_servers

# --- 2. memory per key ----------------------------------------------------

start_servers
declare -A used_before=() rss_before=() used_after=() rss_after=() keys=()
for server in syslab redis; do
	say "memory: loading $MEMORY_KEYS keys into $server"
	used_before[$server]=$(info_field "$server" used_memory)
	rss_before[$server]=$(rss_bytes "$server")
	load_keys "$server"
	keys[$server]=$(redis-cli -h 127.0.0.1 -p "${PORT[$server]}" dbsize)
	used_after[$server]=$(info_field "$server" used_memory)
	rss_after[$server]=$(rss_bytes "$server")
done
stop_servers

# --- report ---------------------------------------------------------------

per_key() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (b - a) / n }'; }
mib() { awk -v b="$1" 'BEGIN { printf "%.1f MiB", b / 1048576 }'; }
div() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

report() {
	echo "# syslab cache vs redis-server"
	echo
	echo "redis-benchmark -t $TESTS -c $CLIENTS -n $REQUESTS -r $KEYSPACE --csv, without pipelining and with -P 16;"
	echo "median of $ROUNDS rounds, servers alternating. $("$REDIS_SERVER" --version | cut -d' ' -f1-3);"
	echo "$("$SYSLAB" version 2>/dev/null | head -n 1). $(nproc) CPUs shared by both servers and redis-benchmark;"
	echo "load average (1/5/15 min) $load_before before, $load_after after."
	echo
	echo "Ratios are ours/redis: ops/s wants >= 1.0, p99 wants <= 1.0. Every run: $OUT/bench-cache-runs.tsv."
	echo
	benchmark_table
	echo
	echo "Server CPU time (user + system) per request, over all commands of a run; median of $ROUNDS rounds."
	echo "Less sensitive to other load on the machine than ops/s: it is what each server spent, not how long it waited."
	echo
	cpu_table
	echo
	echo "## Memory: $MEMORY_KEYS keys, $MEMORY_VALUE_BYTES-byte values"
	echo
	echo "Bytes per key are the growth from the empty server divided by DBSIZE."
	echo "RSS is VmRSS from /proc/PID/status (what Redis reports as used_memory_rss)."
	echo
	echo "| server | DBSIZE | used_memory | used_memory bytes/key | RSS | RSS bytes/key |"
	echo "|---|---:|---:|---:|---:|---:|"
	local server
	for server in syslab redis; do
		echo "| $server | ${keys[$server]} | $(mib "${used_after[$server]}") | $(per_key "${used_before[$server]}" "${used_after[$server]}" "${keys[$server]}") | $(mib "${rss_after[$server]}") | $(per_key "${rss_before[$server]}" "${rss_after[$server]}" "${keys[$server]}") |"
	done
	echo "| ratio | | | $(div "$(per_key "${used_before[syslab]}" "${used_after[syslab]}" "${keys[syslab]}")" "$(per_key "${used_before[redis]}" "${used_after[redis]}" "${keys[redis]}")") | | $(div "$(per_key "${rss_before[syslab]}" "${rss_after[syslab]}" "${keys[syslab]}")" "$(per_key "${rss_before[redis]}" "${rss_after[redis]}" "${keys[redis]}")") |"
	echo
	echo "## Failures"
	echo
	if [[ -s $FAILURES ]]; then
		echo '```'
		cat "$FAILURES"
		echo '```'
	else
		echo "None: every redis-benchmark run and the key load completed without an error reply."
	fi
}

mkdir -p "$OUT"
{
	printf 'pipeline\tserver\tcommand\tops_per_sec\tp99_ms\n'
	cat "$RESULTS"
} >"$OUT/bench-cache-runs.tsv"
report | tee "$OUT/bench-cache.md"
