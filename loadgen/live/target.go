// Package live is the load generator for real servers: it paces a
// loadgen.Workload on the wall clock and sends it over RESP through its
// own pipelined connection pool, recording latency from each operation's
// intended start (open loop) or from its send (closed loop).
//
// Why its own pool rather than rueidis: an open-loop generator must know
// the instant each request is written (to count late sends), must bound
// the requests in flight per connection and drop — and count — a request
// when every bound is full instead of queueing it invisibly, and must map
// each reply to its intended start. rueidis auto-pipelines behind a
// blocking Do with its own queues, so all three would be hidden from us.
// The pool is small: one writer and one reader goroutine per connection,
// replies matched to requests in FIFO order, as RESP guarantees.
package live

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Target is the server a load run talks to.
type Target struct {
	// Addr is host:port.
	Addr string
	// Username and Password, when Password is set, are sent with AUTH on
	// every connection before the run.
	Username, Password string
	// DB is selected with SELECT when not 0.
	DB int
}

// targetDBMax bounds the database number a URL may name (Redis's default
// is 16 databases; a server with more accepts larger numbers).
const targetDBMax = 1 << 20

// ParseTarget reads redis://[[user]:password@]host[:port][/db]. The port
// defaults to 6379.
func ParseTarget(s string) (Target, error) {
	fail := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("target %q: %s", s, fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(s)
	if err != nil {
		return fail("not a URL: %v", err)
	}
	if u.Scheme != "redis" {
		return fail("scheme %q: want redis://host:port", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return fail("no host: want redis://host:port")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fail("query and fragment are not supported")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return fail("no host: want redis://host:port")
	}
	if port == "" {
		port = "6379"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return fail("port %q: want 1 to 65535", port)
	}
	t := Target{Addr: net.JoinHostPort(host, port)}
	if u.User != nil {
		t.Username = u.User.Username()
		t.Password, _ = u.User.Password()
		if t.Password == "" {
			// redis://secret@host: a lone user part is the password, as
			// redis-cli -u reads it.
			t.Password, t.Username = t.Username, ""
		}
	}
	if db := strings.TrimPrefix(u.Path, "/"); db != "" {
		n, err := strconv.Atoi(db)
		if err != nil || n < 0 || n > targetDBMax {
			return fail("database %q: want a number from 0 to %d", db, targetDBMax)
		}
		t.DB = n
	}
	return t, nil
}

// String is the target as a URL, without the password.
func (t Target) String() string {
	s := "redis://" + t.Addr
	if t.DB != 0 {
		s += "/" + strconv.Itoa(t.DB)
	}
	return s
}
