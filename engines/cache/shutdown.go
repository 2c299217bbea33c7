package cache

// SHUTDOWN, as Redis 7.0 runs it: stop a background snapshot or rewrite,
// save when asked to (or when save points are configured), flush and sync
// the AOF, then tell the adapter to exit. A failed save or AOF sync keeps
// the node running and answers an error, unless FORCE says to go on.
//
// Redis without NOW first waits up to shutdown-timeout for lagging
// replicas; this node does not wait (every SHUTDOWN acts as with NOW), so
// ABORT never finds a shutdown in progress.

import (
	"bytes"

	"syslab/engines/cache/resp"
)

// ShutdownRequested is sent to the client whose SHUTDOWN succeeded: the
// node has saved what it had to and does nothing more. A server adapter
// closes its connections and exits, as redis-server does; SHUTDOWN itself
// gets no reply.
type ShutdownRequested struct{}

var shutdownCommands = []commandSpec{
	{name: "shutdown", arity: -1, run: shutdownCommand},
}

const replyShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."

// shutdownOptions are SHUTDOWN's flags.
type shutdownOptions struct {
	save, noSave, now, force, abort bool
}

func parseShutdown(args [][]byte) (shutdownOptions, bool) {
	var o shutdownOptions
	for _, a := range args {
		switch {
		case bytes.EqualFold(a, []byte("nosave")):
			o.noSave = true
		case bytes.EqualFold(a, []byte("save")):
			o.save = true
		case bytes.EqualFold(a, []byte("now")):
			o.now = true
		case bytes.EqualFold(a, []byte("force")):
			o.force = true
		case bytes.EqualFold(a, []byte("abort")):
			o.abort = true
		default:
			return o, false
		}
	}
	if o.save && o.noSave || o.abort && (o.save || o.noSave || o.now || o.force) {
		return o, false
	}
	return o, true
}

func shutdownCommand(c *call) resp.Value {
	n := c.node
	o, ok := parseShutdown(c.args[1:])
	if !ok {
		return resp.Err(errSyntax)
	}
	if o.abort {
		return resp.Err("ERR No shutdown in progress.")
	}
	if busy := n.busyScript(); busy != nil {
		if !o.noSave {
			return busy.busyReply() // only NOSAVE ends a timed-out script
		}
		busy.killed = true // it raises at its next instruction
	}
	if err := n.prepareForShutdown(o); err != nil {
		n.env.Logf("cache: %v; not shutting down", err)
		return resp.Err(replyShutdownFailed)
	}
	n.shutDown = true
	n.env.Send(c.client, ShutdownRequested{})
	return resp.Value{} // no reply: the connection closes
}

// prepareForShutdown does what must be done before the process may exit;
// an error means the node keeps serving.
func (n *Node) prepareForShutdown(o shutdownOptions) error {
	n.env.Logf("cache: user requested shutdown...")
	if s := n.bgSnapshot; s != nil {
		n.env.Logf("cache: there is a background save or rewrite in progress: stopping it")
		n.bgSnapshot, n.rewrite = nil, nil
		s.abort(n.env.Disk())
	}
	if n.aof != nil {
		n.env.Logf("cache: calling fsync() on the AOF file")
		err := n.aof.Flush()
		if err == nil {
			err = n.aof.Sync()
		}
		if err != nil && !o.force {
			return err
		}
	}
	if o.save || len(n.saveRules) > 0 && !o.noSave {
		n.env.Logf("cache: saving the final snapshot before exiting")
		if err := n.saveNow(); err != nil {
			if !o.force {
				return err
			}
			n.env.Logf("cache: error trying to save the DB, exiting anyway (FORCE)")
		}
	}
	return nil
}
