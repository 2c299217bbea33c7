#!/usr/bin/env bash
# bench-ab.sh — two syslab builds and redis-server, rotated within each round.
#
# bench-cache.sh answers "how do we compare with Redis"; this answers "is
# build B better than build A", which on a shared machine needs more care:
# runs minutes apart see different neighbours, so a change worth 5% is lost
# in the swing between two bench-cache.sh runs. Here each round runs one
# redis-benchmark configuration against A, B and redis-server back to back
# (the order rotates between rounds), and the report gives, per server, the
# median over rounds of ops/s and p99, and the median over rounds of each
# round's ratio to redis-server — a paired comparison, so a slow patch of the
# machine mostly cancels out.
#
# Usage: A=/tmp/syslab-old B=bin/syslab ROUNDS=10 FLAGS='-t set -P 16' scripts/bench-ab.sh
#
# FLAGS are redis-benchmark's (one -t command: the table reads one CSV line
# per run); -c, -n and -r default to the issue's 50, 500000 and 100000 and
# may be overridden in FLAGS. Every run starts from FLUSHALL, as in
# bench-cache.sh. Every run's numbers go to $OUT/bench-ab-runs.tsv.
set -euo pipefail

cd "$(dirname "$0")/.."

A=${A:?A must name the baseline syslab binary}
B=${B:?B must name the candidate syslab binary}
ROUNDS=${ROUNDS:-10}
FLAGS=${FLAGS:--t set -P 16}
REDIS_SERVER=${REDIS_SERVER:-redis-server}
OUT=${OUT:-out}
READY_TIMEOUT_SECS=10

say() { echo "bench-ab: $*" >&2; }
die() { say "$*"; exit 1; }

for tool in "$A" "$B" "$REDIS_SERVER" redis-benchmark redis-cli; do
	command -v "$tool" >/dev/null || die "$tool not found"
done

WORK=$(mktemp -d -t bench-ab.XXXXXX)
RESULTS=$WORK/results.tsv # round server rps p99_ms cpu_us_per_request
: >"$RESULTS"

# stop_servers, cleanup (on exit), start_syslab, start_redis; PID and PORT.
source "$(dirname "${BASH_SOURCE[0]}")/servers.sh"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/${PID[$1]}/stat"; }

# flag_value prints the value given to a redis-benchmark flag in FLAGS, or
# the default.
flag_value() {
	local flag=$1 default=$2 words i
	read -ra words <<<"$FLAGS"
	for ((i = 0; i < ${#words[@]} - 1; i++)); do
		[[ ${words[i]} == "$flag" ]] && { echo "${words[i + 1]}"; return; }
	done
	echo "$default"
}

REQUESTS=$(flag_value -n 500000)
CLIENTS=$(flag_value -c 50)
KEYSPACE=$(flag_value -r 100000)

run() {
	local name=$1 round=$2 csv=$WORK/run.csv before after
	redis-cli -h 127.0.0.1 -p "${PORT[$name]}" flushall >/dev/null
	before=$(cpu_ticks "$name")
	# shellcheck disable=SC2086 # FLAGS holds separate words on purpose
	redis-benchmark -h 127.0.0.1 -p "${PORT[$name]}" -c "$CLIENTS" -n "$REQUESTS" -r "$KEYSPACE" \
		$FLAGS --csv >"$csv" 2>"$WORK/run.err" || die "redis-benchmark against $name: $(cat "$WORK/run.err")"
	after=$(cpu_ticks "$name")
	tr -d '"' <"$csv" | awk -F, -v OFS='\t' -v round="$round" -v name="$name" \
		-v a="$before" -v b="$after" -v hz="$(getconf CLK_TCK)" -v n="$REQUESTS" '
		NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		NR == 2 { print round, name, $col["rps"], $col["p99_latency_ms"], (b - a) / hz * 1e6 / n }
	' >>"$RESULTS"
	say "round $round: $name $(tail -n 1 "$RESULTS" | cut -f3-)"
}

start_syslab A "$A"
start_syslab B "$B"
start_redis redis
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
orders=("A B redis" "B redis A" "redis A B")
for round in $(seq "$ROUNDS"); do
	for name in ${orders[$(((round - 1) % 3))]}; do run "$name" "$round"; done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
stop_servers

mkdir -p "$OUT"
{
	printf 'round\tserver\tops_per_sec\tp99_ms\tcpu_us_per_request\n'
	cat "$RESULTS"
} >"$OUT/bench-ab-runs.tsv"

{
	echo "redis-benchmark -c $CLIENTS -n $REQUESTS -r $KEYSPACE $FLAGS; $ROUNDS rounds, order rotating."
	echo "A=$A B=$B; load average $load_before before, $load_after after."
	echo
	awk -F'\t' "$AWK_MEDIAN"'
		{ rps[$1, $2] = $3; p99[$1, $2] = $4; cpu[$1, $2] = $5; if ($1 > rounds) rounds = $1 }
		END {
			print "| server | ops/s | p99 ms | CPU µs/req | ops/s ÷ redis | p99 ÷ redis | p99 worse than redis |"
			print "|---|---:|---:|---:|---:|---:|---:|"
			split("A B redis", names, " ")
			for (s = 1; s <= 3; s++) {
				name = names[s]; worse = 0
				for (r = 1; r <= rounds; r++) {
					a[r] = rps[r, name]; b[r] = p99[r, name]; c[r] = cpu[r, name]
					x[r] = rps[r, name] / rps[r, "redis"]; y[r] = p99[r, name] / p99[r, "redis"]
					if (p99[r, name] > p99[r, "redis"]) worse++
				}
				printf "| %s | %.0f | %.3f | %.2f | %.3f | %.3f | %d of %d |\n", name, median(a, rounds),
					median(b, rounds), median(c, rounds), median(x, rounds), median(y, rounds), worse, rounds
			}
		}
	' "$RESULTS"
} | tee "$OUT/bench-ab.md"
