package cache

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestIntrospectionAgreesWithRedis(t *testing.T) {
	steps := exact(
		"CONFIG SET maxmemory 100xb", "CONFIG SET maxmemory 100mb", "CONFIG GET maxmemory", "CONFIG SET maxmemory 1gb",
		"CONFIG GET maxmemory", "CONFIG SET maxmemory 0", "CONFIG SET maxmemory-policy foo", "CONFIG SET maxmemory-policy ALLKEYS-LRU",
		"CONFIG GET maxmemory-policy", "CONFIG SET maxmemory-policy noeviction",
		"CONFIG SET maxmemory-samples 0", "CONFIG SET maxmemory-samples x", "CONFIG SET maxmemory-samples 7", "CONFIG GET maxmemory-samples",
		"CONFIG SET maxmemory-samples 5", "CONFIG SET databases 4", "CONFIG SET foo 1", "CONFIG SET appendfsync sometimes",
		"CONFIG SET save foo", "CONFIG SET maxmemory", "CONFIG GET", "CONFIG FOO", "CONFIG SET maxmemory 1 maxmemory 2",
		"CONFIG GET MAXMEMORY-policy", "CONFIG GET databases", "CONFIG GET appendonly", "CONFIG RESETSTAT", "CONFIG SET hz 1000",
		"CONFIG GET hz", "CONFIG SET hz 10",
		"SET k 1", "SET big 12345", "SET s abc", "OBJECT ENCODING k", "OBJECT ENCODING s", "OBJECT ENCODING nokey", "OBJECT ENCODING",
		"OBJECT FOO", "OBJECT REFCOUNT k", "OBJECT REFCOUNT big", "OBJECT FREQ k", "OBJECT IDLETIME nokey",
		"MEMORY USAGE nokey", "MEMORY FOO",
	)
	steps = append(steps, exact(
		"COMMAND INFO nosuchcommand", "COMMAND FOO", "CLIENT FOO", "CLIENT GETNAME",
		"CLIENT SETNAME \"a b\"", "CLIENT SETNAME alpha", "CLIENT GETNAME", "CLIENT SETNAME", "INFO nosuchsection",
	)...)
	forEachProtocol(t, Config{}, steps)
}

func TestInfoFields(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET a 1")
	do(n, env, "c", "SET b 2 EX 100")
	do(n, env, "c", "GET a")
	do(n, env, "c", "GET nokey")
	env.Advance(3 * time.Second)
	info := do(n, env, "c", "INFO")
	for _, want := range []string{"# Server", "redis_version:7.0.15", "uptime_in_seconds:3", "# Memory", "used_memory:",
		"maxmemory_policy:noeviction", "# Persistence", "aof_enabled:0", "rdb_changes_since_last_save:2", "# Stats",
		"total_commands_processed:4", "keyspace_hits:1", "keyspace_misses:1", "evicted_keys:0", "role:master",
		"connected_slaves:0", "# Keyspace", "db0:keys=2,expires=1,avg_ttl=97000"} {
		if !strings.Contains(info, want) {
			t.Errorf("INFO lacks %q:\n%s", want, info)
		}
	}
	if got := do(n, env, "c", "INFO keyspace"); strings.Contains(got, "# Server") || !strings.Contains(got, "db0:") {
		t.Errorf("INFO keyspace = %s", got)
	}
	if got := do(n, env, "c", "TIME"); got != `["1767225603" "0"]` {
		t.Errorf("TIME = %s", got)
	}
}

func TestCommandIntrospection(t *testing.T) {
	n, env := startNode(t, Config{})
	if got := do(n, env, "c", "COMMAND COUNT"); got != "(integer) "+itoa(len(commandTable)) {
		t.Fatalf("COMMAND COUNT = %s", got)
	}
	// Byte-for-byte agreement with Redis is TestCommandDocsAgreeWithRedis's.
	want := `[["get" (integer) 2 ["readonly" "fast"] (integer) 1 (integer) 1 (integer) 1 ["@read" "@string" "@fast"] [] [`
	if got := do(n, env, "c", "COMMAND INFO get nosuch"); !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "]]]] []] (nil)]") {
		t.Fatalf("COMMAND INFO = %s, want %s", got, want)
	}
	if got := do(n, env, "c", "COMMAND INFO mset"); !strings.Contains(got, `(integer) 1 (integer) -1 (integer) 2`) {
		t.Fatalf("COMMAND INFO mset = %s", got)
	}
	all := do(n, env, "c", "COMMAND")
	if strings.Count(all, `["`) < len(commandTable) {
		t.Fatalf("COMMAND lists fewer than %d commands", len(commandTable))
	}
}

func TestObjectIdletimeAndMemoryUsage(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET k "+strings.Repeat("v", 100))
	env.Advance(5 * time.Second)
	if got := do(n, env, "c", "OBJECT IDLETIME k"); got != "(integer) 5" {
		t.Fatalf("OBJECT IDLETIME = %s", got)
	}
	do(n, env, "c", "GET k")
	if got := do(n, env, "c", "OBJECT IDLETIME k"); got != "(integer) 0" {
		t.Fatalf("OBJECT IDLETIME after GET = %s", got)
	}
	env.Advance(5 * time.Second)
	do(n, env, "c", "EXISTS k") // not an access
	if got := do(n, env, "c", "OBJECT IDLETIME k"); got != "(integer) 5" {
		t.Fatalf("OBJECT IDLETIME after EXISTS = %s", got)
	}
	if got := do(n, env, "c", "TOUCH k nokey"); got != "(integer) 1" {
		t.Fatalf("TOUCH k nokey = %s", got)
	}
	if got := do(n, env, "c", "OBJECT IDLETIME k"); got != "(integer) 0" {
		t.Fatalf("OBJECT IDLETIME after TOUCH = %s", got)
	}
	if got := do(n, env, "c", "OBJECT ENCODING k"); got != `"raw"` {
		t.Fatalf("OBJECT ENCODING = %s", got)
	}
	if got := do(n, env, "c", "MEMORY USAGE k"); got != "(integer) "+itoa(int(n.keysMemoryBytes())) {
		t.Fatalf("MEMORY USAGE = %s, keys take %d", got, n.keysMemoryBytes())
	}
	do(n, env, "c", "CONFIG SET maxmemory-policy allkeys-lfu")
	if got := do(n, env, "c", "OBJECT FREQ k"); !strings.HasPrefix(got, "(integer) ") {
		t.Fatalf("OBJECT FREQ under LFU = %s", got)
	}
}

func TestClientCommands(t *testing.T) {
	n, env := startNode(t, Config{})
	// Ids are handed out on first contact, in order.
	if got := do(n, env, "conn-17", "CLIENT ID"); got != "(integer) 1" {
		t.Fatalf("CLIENT ID = %s", got)
	}
	do(n, env, "conn-17", "CLIENT SETNAME web")
	do(n, env, "conn-3", "SELECT 2")
	// The full line format is checked in clients_test.go.
	got := do(n, env, "conn-17", "CLIENT LIST")
	if !strings.HasPrefix(got, `"id=1 addr=conn-17 laddr= fd=-1 name=web `) || !strings.Contains(got, `\nid=2 addr=conn-3 laddr= fd=-1 name= age=0 idle=0 flags=N db=2 `) {
		t.Fatalf("CLIENT LIST = %s", got)
	}
}

// TTL, PTTL, EXPIRETIME, TYPE and EXISTS do not count as an access to the
// key (Redis's LOOKUP_NOTOUCH), so OBJECT IDLETIME is left alone; a GET
// resets it (introspection-2.tcl).
func TestMetadataReadsDoNotTouchTheKey(t *testing.T) {
	n, env := startNode(t, Config{})
	do(n, env, "c", "SET foo bar")
	env.Advance(3 * time.Second)
	for _, line := range []string{"TTL foo", "PTTL foo", "EXPIRETIME foo", "PEXPIRETIME foo", "TYPE foo", "EXISTS foo"} {
		do(n, env, "c", line)
	}
	if got := do(n, env, "c", "OBJECT IDLETIME foo"); got != "(integer) 3" {
		t.Fatalf("OBJECT IDLETIME after metadata reads = %s, want 3", got)
	}
	do(n, env, "c", "GET foo")
	if got := do(n, env, "c", "OBJECT IDLETIME foo"); got != "(integer) 0" {
		t.Fatalf("OBJECT IDLETIME after GET = %s, want 0", got)
	}
}

// INFO picks sections as Redis 7.0 does: the default set, all,
// everything, named ones case-insensitively, several at once without
// repeats (info-command.tcl).
func TestInfoSectionsAgreeWithRedis(t *testing.T) {
	headers := func(info string) string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(line, "# ") {
				out = append(out, line)
			}
		}
		return strings.Join(out, ",")
	}
	server := startRedisServer(t)
	real := server.dial()
	n, env := startNode(t, Config{})
	for _, line := range []string{"INFO", "INFO default", "INFO all", "INFO everything", "INFO cpu", "INFO sentinel",
		"INFO commandSTATS", "INFO cpu sentinel", "INFO cpu all", "INFO cpu default", "INFO errorstats keyspace"} {
		ours, _ := strconv.Unquote(do(n, env, "c", line))
		if got, want := headers(ours), headers(string(real.doLine(line).Str)); got != want {
			t.Errorf("%s: sections %s, redis-server has %s", line, got, want)
		}
	}
	// Within a section, the fields the node has come in Redis's order.
	fieldNames := func(info string) []string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if name, _, ok := strings.Cut(line, ":"); ok && !strings.HasPrefix(line, "#") {
				out = append(out, name)
			}
		}
		return out
	}
	for _, section := range []string{"server", "clients", "memory", "persistence", "stats", "replication"} {
		ours, _ := strconv.Unquote(do(n, env, "c", "INFO "+section))
		theirs := fieldNames(string(real.doLine("INFO " + section).Str))
		next := 0
		for _, name := range fieldNames(ours) {
			at := slices.Index(theirs[next:], name)
			if at < 0 {
				t.Errorf("INFO %s: %s is not in redis-server's fields after %v", section, name, theirs[:next])
				break
			}
			next += at + 1
		}
	}
}

// INFO commandstats and errorstats count calls, rejected calls (refused
// before running) and failed calls (an error from the command) as
// redis-server does; usec is 0 here (the node does not time commands).
func TestCommandAndErrorStatsAgreeWithRedis(t *testing.T) {
	script := []string{"CONFIG RESETSTAT", "SET foo bar", "EXPIRE foo 0", "SET x", "SET k v", "INCR k", "LPUSH k a",
		"MULTI", "INCR k", "GET k", "EXEC", "CLIENT ID", "CLIENT NOSUCH", "NOSUCHCOMMAND", "LPUSH list a", "BRPOP list 0"}
	stats := func(info string) []string {
		var out []string
		for _, line := range strings.Split(info, "\r\n") {
			if strings.HasPrefix(line, "cmdstat_") || strings.HasPrefix(line, "errorstat_") || strings.HasPrefix(line, "total_error_replies") {
				out = append(out, regexp.MustCompile(`usec=\d+,usec_per_call=[\d.]+,`).ReplaceAllString(line, ""))
			}
		}
		slices.Sort(out) // Redis lists commands in its dict's order
		return out
	}
	server := startRedisServer(t)
	real := server.dial()
	n, env := startNode(t, Config{})
	for _, line := range script {
		real.doLine(line)
		do(n, env, "c", line)
	}
	const query = "INFO commandstats errorstats stats"
	ours, _ := strconv.Unquote(do(n, env, "c", query))
	got, want := stats(ours), stats(string(real.doLine(query).Str))
	if !slices.Equal(got, want) {
		t.Fatalf("statistics differ\n got  %q\n want %q", got, want)
	}
}

// OBJECT REFCOUNT tells Redis's shared integers (0 to 9999) from other
// values; checked against redis-server 7.0.15.
func TestObjectRefcountSharedIntegers(t *testing.T) {
	n, env := startNode(t, Config{})
	const shared, own = "(integer) 2147483647", "(integer) 1"
	do(n, env, "c", "SET a 1")
	do(n, env, "c", "APPEND b 1") // a new key: the argument object, not raw
	do(n, env, "c", "APPEND r 1")
	do(n, env, "c", "APPEND r 2") // written in place: raw
	do(n, env, "c", "SET c 10000")
	do(n, env, "c", "SET z 0123")
	do(n, env, "c", "INCR i")
	for key, want := range map[string]string{"a": shared, "b": shared, "r": own, "c": own, "z": own, "i": shared} {
		if got := do(n, env, "c", "OBJECT REFCOUNT "+key); got != want {
			t.Errorf("OBJECT REFCOUNT %s = %s, want %s", key, got, want)
		}
	}

	// Under maxmemory with an LRU or LFU policy every value has its own
	// object; what was written then stays so, also when renamed later.
	do(n, env, "c", "CONFIG SET maxmemory 1gb")
	do(n, env, "c", "CONFIG SET maxmemory-policy allkeys-lfu")
	do(n, env, "c", "SET a 1")
	do(n, env, "c", "INCR i")
	do(n, env, "c", "CONFIG SET maxmemory-policy allkeys-random")
	do(n, env, "c", "SET s 5")
	do(n, env, "c", "RENAME a a2")
	for key, want := range map[string]string{"a2": own, "i": own, "s": shared} {
		if got := do(n, env, "c", "OBJECT REFCOUNT "+key); got != want {
			t.Errorf("after the policy changes: OBJECT REFCOUNT %s = %s, want %s", key, got, want)
		}
	}
}
