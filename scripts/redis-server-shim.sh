#!/usr/bin/env bash
# redis-server-shim.sh — starts `syslab serve cache` the way Redis's test
# harness starts redis-server: `redis-server CONFIG_FILE [--directive value …]`.
#
# redis-test-suite.sh installs it as src/redis-server in its private copy
# of Redis's tests (SPAWN=1), so the harness can run the files that start
# servers of their own (tagged external:skip: info, auth, maxmemory, …).
# It reads the redis.conf directives our server takes as flags, says on
# its log which ones it leaves out, prints the " PID: <pid>" line the
# harness waits for, and then becomes the server (exec: same pid, so the
# harness's kill reaches it).
set -euo pipefail

SYSLAB=${SYSLAB:?set SYSLAB to the syslab binary}
config_file=${1:?usage: redis-server-shim.sh CONFIG_FILE [--directive value …]}
shift

declare -A conf=()
ignored=()
settings=()
set_directive() {
	local name=${1,,}
	shift
	local value="$*"
	# redis.conf quotes empty and spaced values: save "", logfile ''.
	value=${value#\"} value=${value%\"} value=${value#\'} value=${value%\'}
	case $name in
	save) # the first save line replaces the defaults, later ones add rules, "" clears
		if [[ -z $value || -z ${conf[save]:-} ]]; then conf[save]=$value; else conf[save]+=" $value"; fi ;;
	port | bind | dir | appendonly | appendfsync | requirepass | maxmemory | \
		maxmemory-policy | notify-keyspace-events | io-threads | replicaof | \
		masterauth | masteruser | maxclients | enable-debug-command | enable-protected-configs | enable-module-command)
		conf[$name]=$value ;;
	slaveof) conf[replicaof]=$value ;;
	hash-max-listpack-entries | hash-max-listpack-value | hash-max-ziplist-entries | hash-max-ziplist-value | \
		set-max-intset-entries | zset-max-listpack-entries | zset-max-listpack-value | zset-max-ziplist-entries | \
		zset-max-ziplist-value | list-max-listpack-size | list-max-ziplist-size | list-compress-depth | \
		hll-sparse-max-bytes | stream-node-max-entries | stream-node-max-bytes)
		settings+=("--set" "$name $value") ;; # applied at start as CONFIG SET would
	*) ignored+=("$name") ;;
	esac
}

while read -r name rest; do
	[[ -z $name || $name == \#* ]] && continue
	set_directive "$name" "$rest"
done <"$config_file"
while [[ $# -gt 0 ]]; do # --directive value overrides, as redis-server takes them
	name=${1#--}
	shift
	value=()
	while [[ $# -gt 0 && $1 != --* ]]; do value+=("$1"); shift; done
	set_directive "$name" "${value[*]}"
done

bind=${conf[bind]:-127.0.0.1}
bind=${bind%% *} # the first address: we listen on one
flags=(--addr "$bind:${conf[port]:-6379}" --dir "${conf[dir]:-.}")
for name in appendonly appendfsync save requirepass maxmemory maxmemory-policy notify-keyspace-events io-threads \
	replicaof masterauth masteruser maxclients enable-debug-command enable-protected-configs enable-module-command; do
	if [[ -v conf[$name] ]]; then flags+=("--$name" "${conf[$name]}"); fi
done

flags+=("${settings[@]}")
echo "redis-server-shim: $SYSLAB serve cache ${flags[*]}"
if [[ ${#ignored[@]} -gt 0 ]]; then
	echo "redis-server-shim: directives left out: ${ignored[*]}"
fi
echo "redis-server-shim PID: $$"
# Our server logs on stderr; the harness reads redis-server's log from stdout.
exec "$SYSLAB" serve cache "${flags[@]}" 2>&1
