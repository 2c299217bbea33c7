#!/usr/bin/env bash
# cluster-up.sh — a local Redis Cluster of syslab cache nodes, formed the way
# a Redis user forms one: N `syslab serve cache --cluster` processes, then
# the real `redis-cli --cluster create … --cluster-replicas R --cluster-yes`.
#
# Nodes listen on 127.0.0.1:PORT, PORT+1, … (their cluster bus on port +
# 10000), each with its own directory under DIR (data, nodes.conf, log).
# The script waits until `redis-cli --cluster check` passes, prints how to
# talk to the cluster, and keeps the nodes running until Ctrl-C, when it
# stops them (SIGTERM, a clean shutdown) — or leaves them running with
# DETACH=1, printing their PIDs.
#
# Usage: scripts/cluster-up.sh                 (after `make build`; or `make cluster`)
#        PORT=30000 NODES=6 REPLICAS=1 DIR=/tmp/syslab-cluster scripts/cluster-up.sh
#        NODE_TIMEOUT=5000 scripts/cluster-up.sh   (cluster-node-timeout in ms)
set -euo pipefail

cd "$(dirname "$0")/.."

PORT=${PORT:-7000}                # first node's client port; bus ports are +10000 (7000 and 17000 sit below Linux's ephemeral ports)
NODES=${NODES:-6}                 # cluster size: masters × (1 + REPLICAS)
REPLICAS=${REPLICAS:-1}           # replicas per master (--cluster-replicas)
NODE_TIMEOUT=${NODE_TIMEOUT:-5000} # cluster-node-timeout, ms
DIR=${DIR:-$(mktemp -d /tmp/syslab-cluster.XXXXXX)}
BIN=${BIN:-bin/syslab}
DETACH=${DETACH:-0}
READY_SECONDS=${READY_SECONDS:-60} # how long to wait for `--cluster check` to pass

command -v redis-cli >/dev/null || { echo "cluster-up: redis-cli not found (apt-get install redis-tools)" >&2; exit 1; }
[[ -x $BIN ]] || { echo "cluster-up: $BIN missing: run make build" >&2; exit 1; }
if (( PORT < 1 || PORT + NODES - 1 > 55535 )); then
	echo "cluster-up: ports $PORT..$((PORT + NODES - 1)) must leave room for bus ports (+10000 <= 65535)" >&2
	exit 1
fi

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pids=()
addrs=()
stop_nodes() {
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap 'stop_nodes' EXIT

for ((i = 0; i < NODES; i++)); do
	p=$((PORT + i))
	for q in "$p" $((p + 10000)); do
		if port_busy "$q"; then echo "cluster-up: port $q is in use; pick another PORT" >&2; exit 1; fi
	done
	mkdir -p "$DIR/$p"
	"$BIN" serve cache --cluster --addr "127.0.0.1:$p" --dir "$DIR/$p" \
		--cluster-node-timeout "$NODE_TIMEOUT" --appendonly yes --save '' \
		</dev/null >"$DIR/$p/log" 2>&1 & # not the caller's stdout: DETACH=1 | tail must end
	pids+=($!)
	addrs+=("127.0.0.1:$p")
done

for a in "${addrs[@]}"; do
	for ((t = 0; t < 100; t++)); do
		redis-cli -h 127.0.0.1 -p "${a##*:}" PING >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -h 127.0.0.1 -p "${a##*:}" PING >/dev/null || { echo "cluster-up: node $a did not start; see $DIR/${a##*:}/log" >&2; exit 1; }
done

echo "cluster-up: creating the cluster with redis-cli" >&2
redis-cli --cluster create "${addrs[@]}" --cluster-replicas "$REPLICAS" --cluster-yes >&2

deadline=$((SECONDS + READY_SECONDS))
# --cluster check passes once the nodes agree on slots; a node may still
# answer CLUSTERDOWN for a moment (gossip, Redis's rejoin delay), so wait
# for every node's cluster_state:ok too.
all_ok() {
	for a in "${addrs[@]}"; do
		redis-cli -h 127.0.0.1 -p "${a##*:}" CLUSTER INFO 2>/dev/null | grep -q '^cluster_state:ok' || return 1
	done
}
until redis-cli --cluster check "${addrs[0]}" >"$DIR/check.txt" 2>&1 && all_ok; do
	if ((SECONDS > deadline)); then
		cat "$DIR/check.txt" >&2
		echo "cluster-up: the cluster did not pass --cluster check in ${READY_SECONDS}s; logs in $DIR/*/log" >&2
		exit 1
	fi
	sleep 0.5
done
cat "$DIR/check.txt" >&2

cat <<MSG

A $NODES-node syslab cache cluster is up (data and logs in $DIR):
  redis-cli -c -p $PORT                          a cluster-aware shell
  redis-cli --cluster check 127.0.0.1:$PORT      slots, masters, replicas
  redis-cli --cluster reshard 127.0.0.1:$PORT    move slots between masters
MSG

if [[ $DETACH == 1 ]]; then
	trap - EXIT
	echo "nodes left running, PIDs: ${pids[*]} (stop them with: kill ${pids[*]})"
	exit 0
fi
echo "Ctrl-C stops every node."
wait
