package cache

// Passwords, as Redis 7.0 without ACL files: one user, "default", whose
// password is requirepass. With none set every client is authenticated
// from the start and AUTH takes any password for "default"; with one set
// a new client must AUTH (or HELLO … AUTH) before any command but those
// flagged no_auth, which Redis answers with NOAUTH. Changing requirepass
// leaves clients already authenticated as they are, as Redis does.

import (
	"crypto/subtle"
	"slices"

	"syslab/engines/cache/resp"
)

var authCommands = []commandSpec{
	{name: "auth", arity: -2, flags: flagFast, run: authCommand},
}

var (
	replyNoAuth    = resp.Err("NOAUTH Authentication required.")
	replyWrongPass = resp.Err("WRONGPASS invalid username-password pair or user is disabled.")
)

const (
	defaultUser       = "default"
	errAuthNoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	errHelloNoAuth    = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
)

// authRequired: s must authenticate before commands without no_auth.
func (n *Node) authRequired(s *session) bool {
	return n.cfg.RequirePass != "" && !s.authenticated
}

// checkPassword reports whether user and password log in.
func (n *Node) checkPassword(user, password []byte) bool {
	if string(user) != defaultUser {
		return false // no other users exist
	}
	if n.cfg.RequirePass == "" {
		return true // "nopass": any password will do
	}
	return subtle.ConstantTimeCompare(password, []byte(n.cfg.RequirePass)) == 1
}

func authCommand(c *call) resp.Value {
	n := c.node
	var user, password []byte
	switch len(c.args) {
	case 2:
		if n.cfg.RequirePass == "" {
			return resp.Err(errAuthNoPassword)
		}
		user, password = []byte(defaultUser), c.args[1]
	case 3:
		user, password = c.args[1], c.args[2]
	default:
		return resp.Err(errSyntax)
	}
	if !n.checkPassword(user, password) {
		return replyWrongPass
	}
	if c.session != nil {
		n.loggedIn(c.session)
	}
	return resp.OK
}

// loggedIn marks s authenticated and, if it was not, lifts the bounds the
// adapter puts on what it reads from an unauthenticated connection.
func (n *Node) loggedIn(s *session) {
	if !s.authenticated {
		s.authenticated = true
		n.env.Send(s.client, AuthRequired{Required: false})
	}
}

// commandNoAuth: spec runs before the client authenticated (AUTH, HELLO,
// QUIT, …: Redis's no_auth flag).
func commandNoAuth(spec *commandSpec) bool {
	doc := commandDocTable[spec.name]
	return doc != nil && slices.Contains(doc.flags, "no_auth")
}
