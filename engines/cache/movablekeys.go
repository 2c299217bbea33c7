package cache

import (
	"strings"

	"syslab/engines/cache/resp"
)

// Movable keys: commands whose keys sit after a numkeys argument (Redis's
// "movablekeys" flag and its getkeys procs). Their legacy key spec cannot
// name the keys, so commandSpec.movableKeys finds them, and every reader
// of spec.keys — WATCH invalidation, client tracking, memory
// re-accounting, snapshots, cluster routing — sees them.
//
// The rules are Redis 7.0's for a keynum key spec: numkeys must be an
// integer ≥ 1 and every key it announces must be present; otherwise the
// arguments name no key at all (COMMAND GETKEYS answers "Invalid
// arguments") and the command itself answers the precise error.

// keysAfterNumkeys finds the keys of a command whose args[numkeysAt] counts
// the keys that follow it (ZUNION, SINTERCARD, LMPOP, BLMPOP …). The
// result is a view of args: naming the keys does not allocate.
func keysAfterNumkeys(numkeysAt int) func(args [][]byte) [][]byte {
	return func(args [][]byte) [][]byte {
		first, count, ok := numkeysRange(args, numkeysAt)
		if !ok {
			return nil
		}
		return args[first : first+count : first+count]
	}
}

// destinationAndKeysAfterNumkeys finds the keys of a …STORE command: the
// destination args[1], then the keys counted by args[numkeysAt]
// (ZUNIONSTORE dst numkeys key…). The destination comes first, as Redis
// lists it.
func destinationAndKeysAfterNumkeys(numkeysAt int) func(args [][]byte) [][]byte {
	return func(args [][]byte) [][]byte {
		first, count, ok := numkeysRange(args, numkeysAt)
		if !ok {
			return nil
		}
		keys := make([][]byte, 0, 1+count)
		keys = append(keys, args[1])
		return append(keys, args[first:first+count]...)
	}
}

// numkeysRange reads args[numkeysAt] and returns where the keys it counts
// start and how many there are, if all of them are present.
func numkeysRange(args [][]byte, numkeysAt int) (first, count int, ok bool) {
	if numkeysAt >= len(args) {
		return 0, 0, false
	}
	numkeys, isInt := resp.ParseInt(args[numkeysAt])
	first = numkeysAt + 1
	if !isInt || numkeys < 1 || numkeys > int64(len(args)-first) {
		return 0, 0, false
	}
	return first, int(numkeys), true
}

// migrateKeys finds MIGRATE's keys as Redis's migrateGetKeys does: the key
// argument args[3], or — when it is empty — every argument after the KEYS
// option (COPY, REPLACE, AUTH pw and AUTH2 user pw are skipped while
// looking for it). KEYS with a non-empty key argument names no key (the
// command refuses it). Give it as MIGRATE's commandSpec.movableKeys.
func migrateKeys(args [][]byte) [][]byte {
	if len(args) < 4 {
		return nil
	}
	for i := 6; i < len(args); i++ {
		switch strings.ToLower(string(args[i])) {
		case "keys":
			if len(args[3]) > 0 {
				return nil
			}
			return args[i+1:]
		case "auth":
			i++
		case "auth2":
			i += 2
		}
	}
	return args[3:4]
}
