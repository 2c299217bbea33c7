package cache

import (
	"testing"

	"syslab/engines/cache/resp"
)

// Without requirepass every client is logged in and AUTH's answers are
// Redis's.
func TestAuthWithoutPasswordAgreesWithRedis(t *testing.T) {
	compareWithRedis(t, []string{
		"AUTH secret", "AUTH default anything", "AUTH nobody secret", "AUTH a b c", "AUTH",
		"HELLO 2 AUTH nobody x", "PING", "EXEC x", "MULTI", "EXEC x", "EXEC",
	})
}

// With requirepass a new client gets NOAUTH for everything but the
// no_auth commands until it logs in, by AUTH or by HELLO … AUTH.
func TestAuthWithPasswordAgreesWithRedis(t *testing.T) {
	s := startRedisServer(t)
	s.dial().doLine("CONFIG SET requirepass secret") // its own connection stays logged in
	for _, tc := range []struct {
		protocol int
		steps    []string
	}{
		{resp.RESP2, []string{
			"PING", "GET k", "NOSUCHCOMMAND", "GET", "MULTI", "SET k v", "EXEC", "HELLO 2", "HELLO 3 AUTH default wrong",
			"AUTH wrong", "AUTH nobody secret", "CLIENT SETNAME x", "AUTH secret", "PING", "SET k v", "GET k", "AUTH wrong", "GET k",
		}},
		{resp.RESP3, []string{"SET k v2", "GET k", "AUTH default secret", "GET k"}},
	} {
		n, env := startNode(t, Config{RequirePass: "secret"})
		c := &comparison{t: t, protocol: resp.RESP2, real: s.dial(), n: n, env: env}
		if tc.protocol == resp.RESP3 {
			c.protocol = resp.RESP3
			c.check("HELLO 3 AUTH default secret", sameShape) // its id differs
		}
		c.run(exact(tc.steps...))
	}
}

// CONFIG SET requirepass takes effect for new clients; CONFIG GET shows
// it, as Redis does.
func TestRequirePassConfig(t *testing.T) {
	n, env := startNode(t, Config{})
	do := func(client, line string) string {
		t.Helper()
		before := len(env.replies)
		n.Receive(nodeIDOf(client), Command{Seq: uint64(before), Args: splitLine(t, line)})
		return env.replies[len(env.replies)-1].Value.String()
	}
	if got := do("old", "CONFIG SET requirepass s3"); got != `"OK"` {
		t.Fatalf("CONFIG SET requirepass = %s", got)
	}
	if got := do("old", "CONFIG GET requirepass"); got != `["requirepass" "s3"]` {
		t.Errorf("CONFIG GET requirepass = %s", got)
	}
	if got := do("old", "GET k"); got != "(nil)" {
		t.Errorf("a client from before the password = %s", got)
	}
	if got := do("new", "GET k"); got != "(error) NOAUTH Authentication required." {
		t.Errorf("a new client = %s", got)
	}
}
