package cluster

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache/resp"
)

// CLUSTER subcommands, with redis-server 7.0's replies and error texts.

type subcommand struct {
	// arity as Redis's: counts "CLUSTER" and the subcommand; -N: at least N.
	arity int
	run   func(s *State, args [][]byte) resp.Value
}

var subcommands map[string]subcommand

func init() {
	subcommands = map[string]subcommand{
		"info":                  {2, (*State).infoCommand},
		"myid":                  {2, func(s *State, _ [][]byte) resp.Value { return resp.BulkFromString(s.myself.name) }},
		"nodes":                 {2, (*State).nodesCommand},
		"slots":                 {2, (*State).slotsCommand},
		"shards":                {2, (*State).shardsCommand},
		"meet":                  {-4, (*State).meetCommand},
		"addslots":              {-3, (*State).addSlotsCommand},
		"addslotsrange":         {-4, (*State).addSlotsRangeCommand},
		"delslots":              {-3, (*State).delSlotsCommand},
		"delslotsrange":         {-4, (*State).delSlotsRangeCommand},
		"flushslots":            {2, (*State).flushSlotsCommand},
		"set-config-epoch":      {3, (*State).setConfigEpochCommand},
		"replicate":             {3, (*State).replicateCommand},
		"replicas":              {3, (*State).replicasCommand},
		"slaves":                {3, (*State).replicasCommand},
		"count-failure-reports": {3, (*State).countFailureReportsCommand},
		"forget":                {3, (*State).forgetCommand},
		"reset":                 {-2, (*State).resetCommand},
		"saveconfig":            {2, (*State).saveConfigCommand},
		"bumpepoch":             {2, (*State).bumpEpochCommand},
		"setslot":               {-4, (*State).setSlotCommand},
		"failover":              {-2, (*State).failoverCommand},
		"keyslot":               {3, func(s *State, args [][]byte) resp.Value { return resp.Int(int64(KeySlot(args[2]))) }},
		"countkeysinslot":       {3, (*State).countKeysInSlotCommand},
		"getkeysinslot":         {4, (*State).getKeysInSlotCommand},
		"help":                  {2, func(*State, [][]byte) resp.Value { return helpLines() }},
	}
}

// help lists the subcommands in this package's words, as status lines.
var help = []string{
	"CLUSTER <subcommand> [<arg> ...]. Subcommands here are:",
	"ADDSLOTS <slot> [<slot> ...]", "    Serve the hash slots from this node.",
	"ADDSLOTSRANGE <start> <end> [<start> <end> ...]", "    Serve the ranges of hash slots from this node.",
	"BUMPEPOCH", "    Give this node a new, highest configuration epoch.",
	"COUNT-FAILURE-REPORTS <node-id>", "    Count the nodes that report the node as failing.",
	"COUNTKEYSINSLOT <slot>", "    Count the keys in the slot.",
	"DELSLOTS <slot> [<slot> ...]", "    Stop serving the hash slots.",
	"DELSLOTSRANGE <start> <end> [<start> <end> ...]", "    Stop serving the ranges of hash slots.",
	"FAILOVER [FORCE|TAKEOVER]", "    Make this replica take over from its master.",
	"FLUSHSLOTS", "    Stop serving every hash slot.",
	"FORGET <node-id>", "    Remove the node from this node's view of the cluster.",
	"GETKEYSINSLOT <slot> <count>", "    Return up to count keys of the slot.",
	"INFO", "    Report the state of the cluster.",
	"KEYSLOT <key>", "    Return the hash slot of the key.",
	"MEET <ip> <port> [<bus-port>]", "    Introduce the node at that address to the cluster.",
	"MYID", "    Return this node's id.",
	"NODES", "    Describe the nodes of the cluster, one line each.",
	"REPLICAS <node-id>", "    List the replicas of the master (SLAVES is the old name).",
	"REPLICATE <node-id>", "    Make this node a replica of the master.",
	"RESET [HARD|SOFT]", "    Forget the cluster and return to an empty node.",
	"SAVECONFIG", "    Write the cluster configuration file now.",
	"SET-CONFIG-EPOCH <epoch>", "    Set this new node's configuration epoch.",
	"SETSLOT <slot> (IMPORTING <node-id>|MIGRATING <node-id>|STABLE|NODE <node-id>)", "    Change the state of the slot.",
	"SHARDS", "    Describe the shards and their nodes.",
	"SLOTS", "    Map the hash slot ranges to their nodes.",
	"HELP", "    Print this help.",
}

func helpLines() resp.Value {
	lines := make([]resp.Value, len(help))
	for i, line := range help {
		lines[i] = resp.Simple(line)
	}
	return resp.ArrayOf(lines...)
}

// Command runs CLUSTER args[1] args[2:]; args[0] is the command name.
func (s *State) Command(args [][]byte) resp.Value {
	if len(args) < 2 {
		return resp.Err("ERR wrong number of arguments for 'cluster' command")
	}
	name := strings.ToLower(string(args[1]))
	sub, ok := subcommands[name]
	if !ok {
		return resp.Err("ERR unknown subcommand '" + string(args[1][:min(len(args[1]), 128)]) + "'. Try CLUSTER HELP.")
	}
	if sub.arity > 0 && len(args) != sub.arity || sub.arity < 0 && len(args) < -sub.arity {
		return resp.Err("ERR wrong number of arguments for 'cluster|" + name + "' command")
	}
	v := sub.run(s, args)
	s.beforeSleep()
	return v
}

var (
	errInvalidSlot   = resp.Err("ERR Invalid or out of range slot")
	errNotAnInteger  = resp.Err("ERR value is not an integer or out of range")
	errSyntaxCluster = resp.Err("ERR syntax error")
)

func parseSlot(arg []byte) (int, bool) {
	v, ok := resp.ParseInt(arg)
	if !ok || v < 0 || v >= SlotCount {
		return 0, false
	}
	return int(v), true
}

// --- reading the state ---

func (s *State) myEpoch() uint64 {
	if s.myself.has(flagReplica) && s.myself.master != nil {
		return s.myself.master.configEpoch
	}
	return s.myself.configEpoch
}

var messageKinds = []string{"ping", "pong", "meet", "fail", "publish", "auth-req", "auth-ack", "update", "mfstart", "module", "publishshard"}

func (s *State) infoCommand(_ [][]byte) resp.Value {
	assigned, okSlots, pfail, fail := 0, 0, 0, 0
	for slot := range SlotCount {
		o := s.slots[slot]
		if o == nil {
			continue
		}
		assigned++
		switch {
		case o.has(flagFail):
			fail++
		case o.has(flagPFail):
			pfail++
		default:
			okSlots++
		}
	}
	state := "fail"
	if s.ok {
		state = "ok"
	}
	var b strings.Builder
	line := func(name string, v any) { fmt.Fprintf(&b, "%s:%v\r\n", name, v) }
	line("cluster_state", state)
	line("cluster_slots_assigned", assigned)
	line("cluster_slots_ok", okSlots)
	line("cluster_slots_pfail", pfail)
	line("cluster_slots_fail", fail)
	line("cluster_known_nodes", len(s.nodes))
	line("cluster_size", s.size)
	line("cluster_current_epoch", s.currentEpoch)
	line("cluster_my_epoch", s.myEpoch())
	var sent, received int64
	for _, k := range messageKinds {
		if n := s.stats.sent[k]; n > 0 {
			line("cluster_stats_messages_"+k+"_sent", n)
			sent += n
		}
	}
	line("cluster_stats_messages_sent", sent)
	for _, k := range messageKinds {
		if n := s.stats.received[k]; n > 0 {
			line("cluster_stats_messages_"+k+"_received", n)
			received += n
		}
	}
	line("cluster_stats_messages_received", received)
	line("total_cluster_links_buffer_limit_exceeded", 0)
	return resp.Value{Kind: resp.Verbatim, Str: []byte(b.String())}
}

func (s *State) nodesCommand(_ [][]byte) resp.Value {
	var b strings.Builder
	for _, cn := range s.sortedNodes() {
		b.WriteString(s.nodeLine(cn, true))
		b.WriteByte('\n')
	}
	return resp.Value{Kind: resp.Verbatim, Str: []byte(b.String())}
}

// nodeEndpoint is a node's entry in CLUSTER SLOTS: ip, port, id, and the
// (empty) map of extra networking metadata Redis 7 adds.
func (s *State) nodeEndpoint(cn *clusterNode) resp.Value {
	return resp.ArrayOf(resp.BulkFromString(cn.ip), resp.Int(int64(cn.port)), resp.BulkFromString(cn.name), resp.Value{Kind: resp.Map})
}

func (s *State) slotsCommand(_ [][]byte) resp.Value {
	var out []resp.Value
	for _, cn := range s.sortedNodes() {
		if !cn.isMaster() || cn.numSlots == 0 {
			continue
		}
		for _, r := range slotRanges(func(slot int) bool { return s.slots[slot] == cn }) {
			entry := []resp.Value{resp.Int(int64(r[0])), resp.Int(int64(r[1])), s.nodeEndpoint(cn)}
			for _, rep := range s.sortedReplicas(cn) {
				if !rep.has(flagFail) { // Redis skips FAIL replicas, not PFAIL ones
					entry = append(entry, s.nodeEndpoint(rep))
				}
			}
			out = append(out, resp.ArrayOf(entry...))
		}
	}
	// Redis lists ranges in slot order.
	sortBy(out, func(v resp.Value) int64 { return v.Elems[0].Int })
	return resp.Value{Kind: resp.Array, Elems: out}
}

func (s *State) sortedReplicas(master *clusterNode) []*clusterNode {
	var out []*clusterNode
	for _, cn := range s.sortedNodes() {
		if cn.master == master && cn.has(flagReplica) {
			out = append(out, cn)
		}
	}
	return out
}

func sortBy(vs []resp.Value, key func(resp.Value) int64) {
	for i := 1; i < len(vs); i++ {
		for j := i; j > 0 && key(vs[j]) < key(vs[j-1]); j-- {
			vs[j], vs[j-1] = vs[j-1], vs[j]
		}
	}
}

func (s *State) shardNode(cn *clusterNode) resp.Value {
	role := "master"
	if cn.has(flagReplica) {
		role = "replica"
	}
	offset := cn.replOffset
	if cn == s.myself {
		offset = s.host.ReplicationOffset()
	}
	// As Redis words it: FAIL (not a mere PFAIL) is "fail", a replica
	// that has no data yet is "loading".
	health := "online"
	switch {
	case cn.has(flagFail):
		health = "fail"
	case cn.has(flagReplica) && offset == 0:
		health = "loading"
	}
	fields := []resp.Value{resp.BulkFromString("id"), resp.BulkFromString(cn.name)}
	if cn.port != 0 {
		fields = append(fields, resp.BulkFromString("port"), resp.Int(int64(cn.port)))
	}
	fields = append(fields,
		resp.BulkFromString("ip"), resp.BulkFromString(cn.ip),
		resp.BulkFromString("endpoint"), resp.BulkFromString(cn.ip),
		resp.BulkFromString("role"), resp.BulkFromString(role),
		resp.BulkFromString("replication-offset"), resp.Int(offset),
		resp.BulkFromString("health"), resp.BulkFromString(health))
	return resp.Value{Kind: resp.Map, Elems: fields}
}

func (s *State) shardsCommand(_ [][]byte) resp.Value {
	var shards []resp.Value
	for _, cn := range s.sortedNodes() {
		if !cn.isMaster() || cn.has(flagHandshake) {
			continue
		}
		var slots []resp.Value
		for _, r := range slotRanges(func(slot int) bool { return s.slots[slot] == cn }) {
			slots = append(slots, resp.Int(int64(r[0])), resp.Int(int64(r[1])))
		}
		nodes := []resp.Value{s.shardNode(cn)}
		for _, rep := range s.sortedReplicas(cn) {
			nodes = append(nodes, s.shardNode(rep))
		}
		shards = append(shards, resp.Value{Kind: resp.Map, Elems: []resp.Value{
			resp.BulkFromString("slots"), {Kind: resp.Array, Elems: slots},
			resp.BulkFromString("nodes"), {Kind: resp.Array, Elems: nodes},
		}})
	}
	return resp.Value{Kind: resp.Array, Elems: shards}
}

func (s *State) replicasCommand(args [][]byte) resp.Value {
	cn := s.nodeByName(args[2])
	if cn == nil {
		return resp.Err("ERR Unknown node " + string(args[2]))
	}
	if cn.has(flagReplica) {
		return resp.Err("ERR The specified node is not a master")
	}
	out := []resp.Value{}
	for _, r := range s.sortedReplicas(cn) {
		out = append(out, resp.BulkFromString(s.nodeLine(r, false)))
	}
	return resp.ArrayOf(out...)
}

func (s *State) countFailureReportsCommand(args [][]byte) resp.Value {
	cn := s.nodeByName(args[2])
	if cn == nil {
		return resp.Err("ERR Unknown node " + string(args[2]))
	}
	return resp.Int(int64(s.validFailReports(cn)))
}

func (s *State) countKeysInSlotCommand(args [][]byte) resp.Value {
	v, ok := resp.ParseInt(args[2])
	if !ok {
		return errNotAnInteger
	}
	if v < 0 || v >= SlotCount {
		return resp.Err("ERR Invalid slot")
	}
	return resp.Int(int64(s.host.CountKeysInSlot(int(v))))
}

func (s *State) getKeysInSlotCommand(args [][]byte) resp.Value {
	slot, ok1 := resp.ParseInt(args[2])
	count, ok2 := resp.ParseInt(args[3])
	if !ok1 || !ok2 {
		return errNotAnInteger
	}
	if slot < 0 || slot >= SlotCount || count < 0 {
		return resp.Err("ERR Invalid slot or number of keys")
	}
	keys := s.host.KeysInSlot(int(slot), int(min(count, 1<<30)))
	out := make([]resp.Value, len(keys))
	for i, k := range keys {
		out[i] = resp.Bulk(k)
	}
	return resp.Value{Kind: resp.Array, Elems: out}
}

// --- changing the state ---

// validAddress accepts what CLUSTER MEET may name: in the simulator (no
// BusID) any node name, else an IPv4 or IPv6 address.
func (s *State) validAddress(ip string) bool {
	if ip == "" || strings.ContainsAny(ip, " \t\r\n@,") {
		return false
	}
	if !s.cfg.namesAreIPs {
		return true
	}
	if strings.Contains(ip, ":") {
		for _, c := range ip {
			if !(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		return true
	}
	parts := strings.Split(ip, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 255 || len(p) > 3 {
			return false
		}
	}
	return true
}

func (s *State) meetCommand(args [][]byte) resp.Value {
	if len(args) > 5 {
		return errSyntaxCluster
	}
	ip := string(args[2])
	port, err := strconv.Atoi(string(args[3]))
	if err != nil || port < 0 || port > 65535 {
		return resp.Err("ERR Invalid TCP base port specified: " + string(args[3]))
	}
	busPort := port + busPortOffset
	if len(args) == 5 {
		busPort, err = strconv.Atoi(string(args[4]))
		if err != nil || busPort < 0 || busPort > 65535 {
			return resp.Err("ERR Invalid TCP bus port specified: " + string(args[4]))
		}
	}
	if !s.validAddress(ip) || busPort > 65535 {
		return resp.Err("ERR Invalid node address specified: " + ip + ":" + string(args[3]))
	}
	if !s.handshakeWith(ip, busPort) {
		s.startHandshake(ip, port, busPort)
	}
	return resp.OK
}

// slotArgs parses slot arguments, checking each as add (want free) or
// delete (want owned), the way Redis reports the first problem.
func (s *State) slotArgs(args [][]byte, add bool) ([]int, resp.Value, bool) {
	var slots []int
	seen := map[int]bool{}
	for _, a := range args {
		slot, ok := parseSlot(a)
		if !ok {
			return nil, errInvalidSlot, false
		}
		if add && s.slots[slot] != nil {
			return nil, resp.Err(fmt.Sprintf("ERR Slot %d is already busy", slot)), false
		}
		if !add && s.slots[slot] == nil {
			return nil, resp.Err(fmt.Sprintf("ERR Slot %d is already unassigned", slot)), false
		}
		if seen[slot] {
			return nil, resp.Err(fmt.Sprintf("ERR Slot %d specified multiple times", slot)), false
		}
		seen[slot] = true
		slots = append(slots, slot)
	}
	return slots, resp.Value{}, true
}

func (s *State) rangeArgs(args [][]byte, add bool) ([]int, resp.Value, bool) {
	if len(args)%2 != 0 {
		return nil, resp.Err("ERR wrong number of arguments for 'cluster|" + map[bool]string{true: "addslotsrange", false: "delslotsrange"}[add] + "' command"), false
	}
	var expanded [][]byte
	for i := 0; i < len(args); i += 2 {
		first, ok1 := parseSlot(args[i])
		last, ok2 := parseSlot(args[i+1])
		if !ok1 || !ok2 {
			return nil, errInvalidSlot, false
		}
		if first > last {
			return nil, resp.Err(fmt.Sprintf("ERR start slot number %d is greater than end slot number %d", first, last)), false
		}
		for slot := first; slot <= last; slot++ {
			expanded = append(expanded, []byte(strconv.Itoa(slot)))
		}
	}
	return s.slotArgs(expanded, add)
}

func (s *State) changeSlots(slots []int, add bool) resp.Value {
	for _, slot := range slots {
		if add {
			s.assignSlot(slot, s.myself)
			s.importingFrom[slot] = nil
		} else {
			s.assignSlot(slot, nil)
		}
	}
	s.todoSave, s.todoUpdateState = true, true
	return resp.OK
}

func (s *State) addSlotsCommand(args [][]byte) resp.Value {
	slots, errv, ok := s.slotArgs(args[2:], true)
	if !ok {
		return errv
	}
	return s.changeSlots(slots, true)
}

func (s *State) addSlotsRangeCommand(args [][]byte) resp.Value {
	slots, errv, ok := s.rangeArgs(args[2:], true)
	if !ok {
		return errv
	}
	return s.changeSlots(slots, true)
}

func (s *State) delSlotsCommand(args [][]byte) resp.Value {
	slots, errv, ok := s.slotArgs(args[2:], false)
	if !ok {
		return errv
	}
	return s.changeSlots(slots, false)
}

func (s *State) delSlotsRangeCommand(args [][]byte) resp.Value {
	slots, errv, ok := s.rangeArgs(args[2:], false)
	if !ok {
		return errv
	}
	return s.changeSlots(slots, false)
}

func (s *State) flushSlotsCommand(_ [][]byte) resp.Value {
	for slot := range SlotCount {
		if s.host.CountKeysInSlot(slot) > 0 {
			return resp.Err("ERR DB must be empty to perform CLUSTER FLUSHSLOTS.")
		}
	}
	for slot := range SlotCount {
		if s.slots[slot] == s.myself {
			s.assignSlot(slot, nil)
		}
	}
	s.todoSave, s.todoUpdateState = true, true
	return resp.OK
}

func (s *State) setConfigEpochCommand(args [][]byte) resp.Value {
	epoch, ok := resp.ParseInt(args[2])
	if !ok {
		return errNotAnInteger
	}
	if epoch < 0 {
		return resp.Err(fmt.Sprintf("ERR Invalid config epoch specified: %d", epoch))
	}
	if len(s.nodes) > 1 {
		return resp.Err("ERR The user can assign a config epoch only when the node does not know any other node.")
	}
	if s.myself.configEpoch != 0 {
		return resp.Err("ERR Node config epoch is already non-zero")
	}
	s.myself.configEpoch = uint64(epoch)
	if s.currentEpoch < uint64(epoch) {
		s.currentEpoch = uint64(epoch)
	}
	s.env.Logf("cluster: configEpoch set to %d via CLUSTER SET-CONFIG-EPOCH", epoch)
	s.todoSave, s.todoUpdateState = true, true
	return resp.OK
}

func (s *State) replicateCommand(args [][]byte) resp.Value {
	cn := s.nodeByName(args[2])
	if cn == nil {
		return resp.Err("ERR Unknown node " + string(args[2]))
	}
	if cn == s.myself {
		return resp.Err("ERR Can't replicate myself")
	}
	if cn.has(flagReplica) {
		return resp.Err("ERR I can only replicate a master, not a replica.")
	}
	if s.myself.isMaster() {
		hasKeys := false
		for slot := range SlotCount {
			if s.host.CountKeysInSlot(slot) > 0 {
				hasKeys = true
				break
			}
		}
		if s.myself.numSlots != 0 || hasKeys {
			return resp.Err("ERR To set a master the node must be empty and without assigned slots.")
		}
	}
	s.becomeReplicaOf(cn)
	return resp.OK
}

func (s *State) forgetCommand(args [][]byte) resp.Value {
	cn := s.nodeByName(args[2])
	switch {
	case cn == nil:
		return resp.Err("ERR Unknown node " + string(args[2]))
	case cn == s.myself:
		return resp.Err("ERR I tried hard but I can't forget myself...")
	case s.myself.has(flagReplica) && s.myself.master == cn:
		return resp.Err("ERR Can't forget my master!")
	}
	s.forgotten[cn.name] = s.env.Now().Add(forgetBlacklist)
	s.delNode(cn)
	s.todoSave, s.todoUpdateState = true, true
	return resp.OK
}

// forgetBlacklist is how long a forgotten node is not re-added from
// gossip (Redis's CLUSTER_BLACKLIST_TTL).
const forgetBlacklist = 60 * time.Second

func (s *State) resetCommand(args [][]byte) resp.Value {
	hard := false
	if len(args) == 3 {
		switch strings.ToLower(string(args[2])) {
		case "hard":
			hard = true
		case "soft":
		default:
			return errSyntaxCluster
		}
	} else if len(args) > 3 {
		return errSyntaxCluster
	}
	if s.myself.isMaster() {
		for slot := range SlotCount {
			if s.host.CountKeysInSlot(slot) > 0 {
				return resp.Err("ERR CLUSTER RESET can't be called with master nodes containing keys")
			}
		}
	}
	s.reset(hard)
	return resp.OK
}

// reset is clusterReset: forget every other node and every slot; a hard
// reset also takes a new name and zeroes the epochs.
func (s *State) reset(hard bool) {
	me := s.myself
	if me.has(flagReplica) {
		setMasterOf(me, nil)
		me.flags = me.flags&^flagReplica | flagMaster
		s.host.BecomeMaster()
		for slot := range SlotCount {
			s.host.DeleteKeysInSlot(slot)
		}
	}
	for slot := range SlotCount {
		s.assignSlot(slot, nil)
		s.migratingTo[slot], s.importingFrom[slot] = nil, nil
	}
	for _, cn := range s.others() {
		s.delNode(cn)
	}
	s.resetManualFailover()
	s.election = election{}
	if hard {
		s.currentEpoch, s.lastVoteEpoch, me.configEpoch = 0, 0, 0
		delete(s.nodes, me.name)
		me.name = s.randomName()
		s.nodes[me.name] = me
	}
	s.todoSave, s.todoUpdateState = true, true
}

func (s *State) saveConfigCommand(_ [][]byte) resp.Value {
	if err := s.saveConfig(); err != nil {
		return resp.Err("ERR error saving the cluster node config: " + err.Error())
	}
	return resp.OK
}

// bumpEpochWithoutConsensus is clusterBumpConfigEpochWithoutConsensus.
func (s *State) bumpEpochWithoutConsensus() bool {
	maxEpoch := s.currentEpoch
	for _, cn := range s.nodes {
		maxEpoch = max(maxEpoch, cn.configEpoch)
	}
	if s.myself.configEpoch == 0 || s.myself.configEpoch != maxEpoch {
		s.currentEpoch++
		s.myself.configEpoch = s.currentEpoch
		s.todoSave = true
		return true
	}
	return false
}

func (s *State) bumpEpochCommand(_ [][]byte) resp.Value {
	word := "STILL"
	if s.bumpEpochWithoutConsensus() {
		word = "BUMPED"
	}
	return resp.Simple(fmt.Sprintf("%s %d", word, s.myself.configEpoch))
}

func (s *State) setSlotCommand(args [][]byte) resp.Value {
	if s.myself.has(flagReplica) {
		return resp.Err("ERR Please use SETSLOT only with masters.")
	}
	slot, ok := parseSlot(args[2])
	if !ok {
		return errInvalidSlot
	}
	action := strings.ToLower(string(args[3]))
	wantArgs := map[string]int{"migrating": 5, "importing": 5, "node": 5, "stable": 4}[action]
	if wantArgs == 0 || len(args) != wantArgs {
		return resp.Err("ERR Invalid CLUSTER SETSLOT action or number of arguments. Try CLUSTER HELP")
	}
	switch action {
	case "migrating":
		if s.slots[slot] != s.myself {
			return resp.Err(fmt.Sprintf("ERR I'm not the owner of hash slot %d", slot))
		}
		target := s.nodeByName(args[4])
		if target == nil {
			return resp.Err("ERR I don't know about node " + string(args[4]))
		}
		if !target.isMaster() {
			return resp.Err("ERR Target node is not a master")
		}
		s.migratingTo[slot] = target
	case "importing":
		if s.slots[slot] == s.myself {
			return resp.Err(fmt.Sprintf("ERR I'm already the owner of hash slot %d", slot))
		}
		source := s.nodeByName(args[4])
		if source == nil {
			return resp.Err("ERR I don't know about node " + string(args[4]))
		}
		if !source.isMaster() {
			return resp.Err("ERR Target node is not a master")
		}
		s.importingFrom[slot] = source
	case "stable":
		s.migratingTo[slot], s.importingFrom[slot] = nil, nil
	case "node":
		target := s.nodeByName(args[4])
		if target == nil {
			return resp.Err("ERR Unknown node " + string(args[4]))
		}
		if !target.isMaster() {
			return resp.Err("ERR Target node is not a master")
		}
		if s.slots[slot] == s.myself && target != s.myself && s.host.CountKeysInSlot(slot) != 0 {
			return resp.Err(fmt.Sprintf("ERR Can't assign hashslot %d to a different node while I still hold keys for this hash slot.", slot))
		}
		if s.host.CountKeysInSlot(slot) == 0 && s.migratingTo[slot] != nil {
			s.migratingTo[slot] = nil
		}
		imported := target == s.myself && s.importingFrom[slot] != nil
		s.assignSlot(slot, target)
		if imported {
			// The slot moved here by resharding: claim it with a new epoch
			// so the rest of the cluster accepts the change.
			s.importingFrom[slot] = nil
			if s.bumpEpochWithoutConsensus() {
				s.env.Logf("cluster: configEpoch updated after importing slot %d", slot)
			}
			s.broadcastPong()
		}
	}
	s.todoSave, s.todoUpdateState = true, true
	return resp.OK
}

func (s *State) failoverCommand(args [][]byte) resp.Value {
	force, takeover := false, false
	if len(args) == 3 {
		switch {
		case bytes.EqualFold(args[2], []byte("force")):
			force = true
		case bytes.EqualFold(args[2], []byte("takeover")):
			force, takeover = true, true
		default:
			return errSyntaxCluster
		}
	} else if len(args) > 3 {
		return errSyntaxCluster
	}
	me := s.myself
	if me.isMaster() {
		return resp.Err("ERR You should send CLUSTER FAILOVER to a replica")
	}
	if me.master == nil {
		return resp.Err("ERR I'm a replica but my master is unknown to me")
	}
	if !force && (me.master.failing()) {
		return resp.Err("ERR Master is down or failed, please use CLUSTER FAILOVER FORCE")
	}
	s.startManualFailover(force, takeover)
	return resp.OK
}
