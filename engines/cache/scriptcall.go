package cache

import (
	"slices"
	"strings"

	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
)

// scriptCall runs one redis.call of a script (Redis's scriptCall): the
// command is checked as a script's command — known, the right arity,
// allowed in scripts, not a write in a read-only script, the server able
// to take a write or more memory if the script has not written yet, its
// keys in this node's slot — and then runs as the script's caller, in the
// script's database, inside the script's transaction.
func (n *Node) scriptCall(run *scriptRun, args [][]byte) resp.Value {
	caller := run.caller
	spec := lookupScriptCommand(args[0])
	if spec == nil {
		return n.countError(resp.Err("ERR Unknown Redis command called from script"))
	}
	if refusal, refused := n.refuseScriptCommand(run, spec, args); refused {
		return n.rejectAsIs(spec, args, refusal)
	}
	if spec.flags&flagWrite != 0 {
		run.wrote = true
	}
	// A SELECT here moves the session for the rest of the script only:
	// evalCommand puts it back.
	return n.call(caller.client, caller.seq, spec, args)
}

func (n *Node) refuseScriptCommand(run *scriptRun, spec *commandSpec, args [][]byte) (resp.Value, bool) {
	if !spec.arityOK(len(args)) {
		return resp.Err("ERR Wrong number of args calling Redis command from script"), true
	}
	if doc := commandDocFor(spec, args); doc != nil && slices.Contains(doc.flags, "noscript") && !n.debug.denyScriptsOff {
		return resp.Err("ERR This Redis command is not allowed from script"), true
	}
	if _, refused := n.refuseStale(spec, args); refused {
		return resp.Err("ERR Can not execute the command on a stale replica"), true
	}
	write := spec.flags&flagWrite != 0
	if run.readOnly && (write || spec.flags&flagMayReplicate != 0) {
		return resp.Err("ERR Write commands are not allowed from read-only scripts."), true
	}
	if write && !run.wrote {
		if refusal, refused := n.refuseWrite(); refused {
			return refusal, true
		}
		if n.aofErr != nil {
			return misconf(n.aofErr), true
		}
	}
	if spec.flags&flagDenyOOM != 0 && !run.wrote && run.flags&scriptAllowOOM == 0 && !n.isReplica() && !n.performEvictions() {
		return replyOOM, true
	}
	if n.router != nil {
		return n.refuseScriptKeys(run, spec, args)
	}
	return resp.Value{}, false
}

// refuseScriptKeys is Redis's scriptVerifyClusterState: a script may only
// touch keys this node serves, and (unless allow-cross-slot-keys) all in
// one slot.
func (n *Node) refuseScriptKeys(run *scriptRun, spec *commandSpec, args [][]byte) (resp.Value, bool) {
	s := run.caller.session
	if refusal, refused := n.getNodeByQuery(s, spec, args, false); refused {
		text := "ERR Script attempted to access a non local key in a cluster node"
		if strings.HasPrefix(string(refusal.Str), clusterDownCode) && !strings.Contains(string(refusal.Str), "Hash slot not served") {
			text = "ERR Script attempted to execute a command while the cluster is down"
		}
		return resp.Err(text), true
	}
	keys := spec.keys(args)
	if len(keys) == 0 || run.flags&scriptAllowCrossSlot != 0 {
		return resp.Value{}, false
	}
	slot := keySlot(keys[0])
	if run.slot < 0 {
		run.slot = slot
	} else if run.slot != slot {
		return resp.Err("ERR Script attempted to access keys that do not hash to the same slot"), true
	}
	return resp.Value{}, false
}

// lookupScriptCommand is lookupCommand, reached through a variable: the
// command table lists EVAL, whose calls look commands up in the table.
var lookupScriptCommand func(name []byte) *commandSpec

func init() { lookupScriptCommand = lookupCommand }

func keySlot(key []byte) int { return cluster.KeySlot(key) }

// commandDocFor is the COMMAND DOCS entry of a call: its subcommand's for
// a container command.
func commandDocFor(spec *commandSpec, args [][]byte) *commandDoc {
	doc := commandDocTable[spec.name]
	if doc != nil && len(doc.subcommands) > 0 && len(args) > 1 {
		if sub := commandDocTable[spec.name+"|"+strings.ToLower(string(args[1]))]; sub != nil {
			return sub
		}
	}
	return doc
}
