# Shared by the scripts that run syslab and redis-server side by side
# (bench-cache.sh, load-vs-redis-benchmark.sh); sourced, not run. The
# sourcing script defines die, WORK and READY_TIMEOUT_SECS, and keeps its
# servers in PID and PORT (name → pid, name → port), each logging to
# $WORK/<name>.log.

declare -A PID=() PORT=()

stop_servers() {
	local server
	for server in "${!PID[@]}"; do
		kill "${PID[$server]}" 2>/dev/null || true
		wait "${PID[$server]}" 2>/dev/null || true
	done
	PID=()
	PORT=()
}

cleanup() {
	stop_servers
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# free_port prints a loopback port nobody is listening on, below the kernel's
# ephemeral range so that no client connection (redis-benchmark opens many)
# holds it as its local port. Another process could still take it before we
# bind; wait_ready then fails loudly.
free_port() {
	local port ephemeral_first
	read -r ephemeral_first _ </proc/sys/net/ipv4/ip_local_port_range
	for _ in $(seq 100); do
		port=$((10000 + RANDOM % (ephemeral_first - 10000)))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "no free loopback port found"
}

# start_syslab NAME BINARY and start_redis NAME start a server in an empty
# directory of its own under $WORK, persistence off, on a free loopback
# port, logging to $WORK/NAME.log, and wait until it answers. (One at a
# time: a port is taken before the next free_port looks.) REDIS_SERVER
# names the redis-server binary.
start_syslab() {
	local name=$1 binary=$2 dir
	dir=$(mktemp -d "$WORK/$name.XXXXXX")
	PORT[$name]=$(free_port)
	"$binary" serve cache --addr "127.0.0.1:${PORT[$name]}" --dir "$dir" --save '' >"$WORK/$name.log" 2>&1 &
	PID[$name]=$!
	wait_ready "$name"
}

start_redis() {
	local name=$1 dir
	dir=$(mktemp -d "$WORK/$name.XXXXXX")
	PORT[$name]=$(free_port)
	"$REDIS_SERVER" --bind 127.0.0.1 --port "${PORT[$name]}" --dir "$dir" \
		--save '' --appendonly no --daemonize no >"$WORK/$name.log" 2>&1 &
	PID[$name]=$!
	wait_ready "$name"
}

# wait_ready waits until the server answers PING, or fails with its log.
wait_ready() {
	local server=$1 deadline=$((SECONDS + READY_TIMEOUT_SECS))
	until [[ $(redis-cli -h 127.0.0.1 -p "${PORT[$server]}" ping 2>/dev/null) == PONG ]]; do
		if ! kill -0 "${PID[$server]}" 2>/dev/null || ((SECONDS >= deadline)); then
			cat "$WORK/$server.log" >&2 || true
			die "$server did not start on port ${PORT[$server]}"
		fi
		sleep 0.1
	done
}

# AWK_MEDIAN defines median(list, n) for the scripts' awk reports: the
# median of list[1..n] (an insertion sort: mawk has no asort).
# shellcheck disable=SC2016 # awk's $ signs, not the shell's
AWK_MEDIAN='
	function median(list, n,   i, j, v) {
		for (i = 2; i <= n; i++) {
			v = list[i]
			for (j = i - 1; j >= 1 && list[j] > v; j--) list[j + 1] = list[j]
			list[j + 1] = v
		}
		return n % 2 ? list[(n + 1) / 2] : (list[n / 2] + list[n / 2 + 1]) / 2
	}
'
