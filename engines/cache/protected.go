package cache

import (
	"fmt"
	"strings"

	"syslab/engines/cache/resp"
)

// Protected commands and configs, as Redis 7.0 guards them: DEBUG (and
// MODULE, which this node does not have) runs only where
// enable-debug-command allows it, and the configs that name files (dir,
// dbfilename) change only where enable-protected-configs does. Each of
// the three settings is "no" (Redis's default), "yes", or "local": from a
// loopback address or a unix socket. They are fixed at start.

// Values of the enable-* settings.
const (
	ProtectedNo    = "no"
	ProtectedYes   = "yes"
	ProtectedLocal = "local"
)

func validProtectedSetting(name, value string) error {
	switch value {
	case "", ProtectedNo, ProtectedYes, ProtectedLocal:
		return nil
	}
	return fmt.Errorf("cache config: %s %q: must be no, yes or local", name, value)
}

// allowsProtected is Redis's allowProtectedAction: setting says whether
// client s may run a protected command or set a protected config.
func allowsProtected(setting string, s *session) bool {
	switch setting {
	case ProtectedYes:
		return true
	case ProtectedLocal:
		return s.isLocal()
	}
	return false
}

// isLocal is Redis's islocalClient: a unix socket, or a TCP peer at exactly
// 127.0.0.1 or ::1. A simulated client (addressed by its node ID) is not.
func (s *session) isLocal() bool {
	if s.meta.unixSocket {
		return true
	}
	colon := strings.LastIndexByte(s.meta.addr, ':')
	if colon < 0 {
		return false
	}
	host := strings.TrimSuffix(strings.TrimPrefix(s.meta.addr[:colon], "["), "]")
	return host == "127.0.0.1" || host == "::1"
}

// refuseProtectedCommand answers whether s may not run spec (Redis checks
// this after the arity, before authentication).
func (n *Node) refuseProtectedCommand(s *session, spec *commandSpec) (resp.Value, bool) {
	if spec.flags&flagProtected == 0 || allowsProtected(n.cfg.EnableDebugCommand, s) {
		return resp.Value{}, false
	}
	return resp.Err(`ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", ` +
		`you can run it from a local connection, otherwise you need to set this option in the configuration file, ` +
		`and then restart the server.`), true
}

// protectedSettingParam is one of the enable-* settings: read-only at run
// time, as Redis's IMMUTABLE_CONFIG.
func protectedSettingParam(field func(n *Node) string) configParam {
	return configParam{get: field}
}
