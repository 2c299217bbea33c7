package cluster

// nodes.conf: the cluster configuration each node persists, in Redis's
// format — one CLUSTER NODES line per node, then
//
//	vars currentEpoch N lastVoteEpoch M
//
// It is rewritten whole (temp file, sync, rename) whenever an epoch, the
// vote, the slots or a role changes; the vote must be on disk before the
// vote is sent.

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"syslab/node"
)

// flagNames in the order Redis prints them.
var flagNames = []struct {
	flag uint16
	name string
}{
	{flagMyself, "myself"}, {flagMaster, "master"}, {flagReplica, "slave"}, {flagPFail, "fail?"},
	{flagFail, "fail"}, {flagHandshake, "handshake"}, {flagNoAddr, "noaddr"},
}

func flagsString(f uint16) string {
	var parts []string
	for _, fn := range flagNames {
		if f&fn.flag != 0 {
			parts = append(parts, fn.name)
		}
	}
	if len(parts) == 0 {
		return "noflags"
	}
	return strings.Join(parts, ",")
}

// nodeLine is cn's CLUSTER NODES line, without the newline.
func (s *State) nodeLine(cn *clusterNode, withMigrations bool) string {
	var b strings.Builder
	b.WriteString(cn.name)
	b.WriteByte(' ')
	b.WriteString(cn.ip + ":" + strconv.Itoa(cn.port) + "@" + strconv.Itoa(cn.busPort))
	b.WriteByte(' ')
	b.WriteString(flagsString(cn.flags))
	b.WriteByte(' ')
	if cn.master != nil {
		b.WriteString(cn.master.name)
	} else {
		b.WriteByte('-')
	}
	// Myself never pings itself; its pong time is what peers last
	// reported of it in their gossip (receiveGossipOfMyself), as in Redis.
	pingSent, pong := millis(cn.pingSent), millis(cn.pongReceived)
	if cn == s.myself {
		pingSent = 0
	}
	link := "connected"
	if cn != s.myself && (cn.failing() || cn.has(flagHandshake) || !cn.pingSent.IsZero() && s.env.Now().Sub(cn.pingSent) > s.cfg.NodeTimeout/2) {
		link = "disconnected"
	}
	fmt.Fprintf(&b, " %d %d %d %s", pingSent, pong, nodeEpoch(cn), link)
	if cn.isMaster() {
		for _, r := range slotRanges(func(slot int) bool { return s.slots[slot] == cn }) {
			if r[0] == r[1] {
				fmt.Fprintf(&b, " %d", r[0])
			} else {
				fmt.Fprintf(&b, " %d-%d", r[0], r[1])
			}
		}
	}
	if withMigrations && cn == s.myself {
		for slot := range SlotCount {
			if t := s.migratingTo[slot]; t != nil {
				fmt.Fprintf(&b, " [%d->-%s]", slot, t.name)
			} else if f := s.importingFrom[slot]; f != nil {
				fmt.Fprintf(&b, " [%d-<-%s]", slot, f.name)
			}
		}
	}
	return b.String()
}

// nodeEpoch is the config epoch CLUSTER NODES shows for cn: a replica
// shows its master's, since the configuration it serves is its master's
// (Redis's nodeEpoch).
func nodeEpoch(cn *clusterNode) uint64 {
	if cn.has(flagReplica) && cn.master != nil {
		return cn.master.configEpoch
	}
	return cn.configEpoch
}

// slotRanges lists the maximal runs of slots where in is true.
func slotRanges(in func(slot int) bool) [][2]int {
	var out [][2]int
	start := -1
	for slot := 0; slot <= SlotCount; slot++ {
		if slot < SlotCount && in(slot) {
			if start < 0 {
				start = slot
			}
			continue
		}
		if start >= 0 {
			out = append(out, [2]int{start, slot - 1})
			start = -1
		}
	}
	return out
}

// renderConfig is the nodes.conf content.
func (s *State) renderConfig() []byte {
	var b strings.Builder
	for _, cn := range s.sortedNodes() {
		if cn.has(flagHandshake) {
			continue
		}
		b.WriteString(s.nodeLine(cn, true))
		b.WriteByte('\n')
	}
	voteEpoch := s.lastVoteEpoch
	if s.cfg.Bugs.VoteNotPersisted {
		voteEpoch = s.loadedVoteEpoch // the planted bug: votes never reach the disk
	}
	fmt.Fprintf(&b, "vars currentEpoch %d lastVoteEpoch %d\n", s.currentEpoch, voteEpoch)
	return []byte(b.String())
}

// saveConfig writes nodes.conf durably: temp file, sync, rename.
func (s *State) saveConfig() error {
	disk := s.env.Disk()
	if disk == nil {
		return nil // a unit test's Env without a disk
	}
	tmp := s.cfg.ConfigFile + ".tmp"
	f, err := disk.Create(tmp)
	if err != nil {
		return err
	}
	_, err = f.Write(s.renderConfig())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return disk.Rename(tmp, s.cfg.ConfigFile)
}

// loadConfig reads nodes.conf, or creates myself when there is none.
func (s *State) loadConfig() error {
	disk := s.env.Disk()
	if disk == nil {
		s.newMyself()
		return nil
	}
	data, err := disk.ReadFile(s.cfg.ConfigFile)
	if errors.Is(err, node.ErrNotExist) || err == nil && len(strings.TrimSpace(string(data))) == 0 {
		s.newMyself()
		return s.saveConfig()
	}
	if err != nil {
		return fmt.Errorf("reading %s: %v", s.cfg.ConfigFile, err)
	}
	conf, err := ParseConfig(data)
	if err != nil {
		return fmt.Errorf("%s: %v", s.cfg.ConfigFile, err)
	}
	s.applyConfig(conf)
	return nil
}

// Config file contents, as ParseConfig reads them.
type (
	// NodesConfig is a parsed nodes.conf.
	NodesConfig struct {
		Nodes         []NodeEntry
		CurrentEpoch  uint64
		LastVoteEpoch uint64
	}
	// NodeEntry is one node line.
	NodeEntry struct {
		Name        string
		IP          string
		Port        int
		BusPort     int
		Flags       uint16
		Master      string
		ConfigEpoch uint64
		// Slots are ranges [first, last]; Migrating and Importing map a
		// slot to the other node's name (myself's line only).
		Slots     [][2]int
		Migrating map[int]string
		Importing map[int]string
	}
)

// nodesConfigLinesMax bounds how many lines a nodes.conf may have.
const nodesConfigLinesMax = 1 << 16

// ParseConfig parses a nodes.conf. It checks what the loader relies on:
// 40-hex names, exactly one myself, known flags, slots in range, masters
// that exist.
func ParseConfig(data []byte) (*NodesConfig, error) {
	conf := &NodesConfig{}
	lines := strings.Split(string(data), "\n")
	if len(lines) > nodesConfigLinesMax {
		return nil, fmt.Errorf("too many lines (%d, at most %d)", len(lines), nodesConfigLinesMax)
	}
	seen := map[string]bool{}
	myselves, sawVars := 0, false
	for i, line := range lines {
		lineNo := i + 1
		line = strings.TrimRight(line, "\r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		if fields[0] == "vars" {
			if err := parseVars(fields[1:], conf); err != nil {
				return nil, fmt.Errorf("line %d: %v", lineNo, err)
			}
			sawVars = true
			continue
		}
		e, err := parseNodeLine(fields)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", lineNo, err)
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("line %d: node %s listed twice", lineNo, e.Name)
		}
		seen[e.Name] = true
		if e.Flags&flagMyself != 0 {
			myselves++
		}
		conf.Nodes = append(conf.Nodes, e)
	}
	if myselves != 1 {
		return nil, fmt.Errorf("%d nodes flagged myself, want exactly 1", myselves)
	}
	if !sawVars {
		return nil, errors.New("no vars line (currentEpoch, lastVoteEpoch): the file is truncated")
	}
	for _, e := range conf.Nodes {
		if e.Master != "" && !seen[e.Master] {
			return nil, fmt.Errorf("node %s replicates unknown node %s", e.Name, e.Master)
		}
		for _, other := range e.Migrating {
			if !seen[other] {
				return nil, fmt.Errorf("node %s migrates to unknown node %s", e.Name, other)
			}
		}
		for _, other := range e.Importing {
			if !seen[other] {
				return nil, fmt.Errorf("node %s imports from unknown node %s", e.Name, other)
			}
		}
	}
	return conf, nil
}

func parseVars(fields []string, conf *NodesConfig) error {
	if len(fields)%2 != 0 {
		return errors.New("vars: odd number of fields")
	}
	for i := 0; i < len(fields); i += 2 {
		v, err := strconv.ParseUint(fields[i+1], 10, 64)
		if err != nil {
			return fmt.Errorf("vars: %s %q: not a number", fields[i], fields[i+1])
		}
		switch fields[i] {
		case "currentEpoch":
			conf.CurrentEpoch = v
		case "lastVoteEpoch":
			conf.LastVoteEpoch = v
		default:
			return fmt.Errorf("vars: unknown variable %q", fields[i])
		}
	}
	return nil
}

func validName(name string) bool {
	if len(name) != nameBytes {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func parseNodeLine(fields []string) (NodeEntry, error) {
	var e NodeEntry
	if len(fields) < 8 {
		return e, fmt.Errorf("%d fields, want at least 8", len(fields))
	}
	if !validName(fields[0]) {
		return e, fmt.Errorf("node name %q is not 40 hex characters", fields[0])
	}
	e.Name = fields[0]
	addr := fields[1]
	if comma := strings.IndexByte(addr, ','); comma >= 0 {
		addr = addr[:comma] // a hostname follows
	}
	at := strings.LastIndexByte(addr, '@')
	colon := strings.LastIndexByte(addr[:max(at, 0)], ':')
	if at < 0 || colon < 0 {
		return e, fmt.Errorf("address %q: want ip:port@cport", fields[1])
	}
	var err1, err2 error
	e.IP = addr[:colon]
	e.Port, err1 = strconv.Atoi(addr[colon+1 : at])
	e.BusPort, err2 = strconv.Atoi(addr[at+1:])
	if err1 != nil || err2 != nil || e.Port < 0 || e.Port > 65535 || e.BusPort < 0 || e.BusPort > 65535 {
		return e, fmt.Errorf("address %q: bad port", fields[1])
	}
	for _, f := range strings.Split(fields[2], ",") {
		found := f == "noflags" || f == "nofailover"
		for _, fn := range flagNames {
			if fn.name == f {
				e.Flags |= fn.flag
				found = true
			}
		}
		if !found {
			return e, fmt.Errorf("unknown flag %q", f)
		}
	}
	if e.Flags&(flagMaster|flagReplica) == flagMaster|flagReplica {
		return e, errors.New("flagged both master and slave")
	}
	if fields[3] != "-" {
		if !validName(fields[3]) {
			return e, fmt.Errorf("master name %q is not 40 hex characters", fields[3])
		}
		if fields[3] == e.Name {
			return e, errors.New("replicates itself")
		}
		e.Master = fields[3]
	}
	epoch, err := strconv.ParseUint(fields[6], 10, 64)
	if err != nil {
		return e, fmt.Errorf("config epoch %q: not a number", fields[6])
	}
	e.ConfigEpoch = epoch
	for _, f := range fields[8:] {
		if strings.HasPrefix(f, "[") {
			if err := parseMigration(f, &e); err != nil {
				return e, err
			}
			continue
		}
		first, last, ok := parseSlotRange(f)
		if !ok {
			return e, fmt.Errorf("slot %q: want N or N-M within 0-%d", f, SlotCount-1)
		}
		e.Slots = append(e.Slots, [2]int{first, last})
	}
	return e, nil
}

func parseSlotRange(f string) (first, last int, ok bool) {
	a, b, isRange := strings.Cut(f, "-")
	first, err1 := strconv.Atoi(a)
	last, err2 := first, error(nil)
	if isRange {
		last, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || first < 0 || last < first || last >= SlotCount {
		return 0, 0, false
	}
	return first, last, true
}

func parseMigration(f string, e *NodeEntry) error {
	if !strings.HasSuffix(f, "]") {
		return fmt.Errorf("migration %q: missing ]", f)
	}
	body := f[1 : len(f)-1]
	arrow, into := "->-", e.Migrating
	if strings.Contains(body, "-<-") {
		arrow = "-<-"
	}
	slotText, name, ok := strings.Cut(body, arrow)
	slot, err := strconv.Atoi(slotText)
	if !ok || err != nil || slot < 0 || slot >= SlotCount || !validName(name) {
		return fmt.Errorf("migration %q: want [slot->-node] or [slot-<-node]", f)
	}
	if arrow == "->-" {
		if into == nil {
			e.Migrating = map[int]string{}
		}
		e.Migrating[slot] = name
	} else {
		if e.Importing == nil {
			e.Importing = map[int]string{}
		}
		e.Importing[slot] = name
	}
	return nil
}

// applyConfig loads a parsed nodes.conf into the empty state.
func (s *State) applyConfig(conf *NodesConfig) {
	s.currentEpoch, s.lastVoteEpoch = conf.CurrentEpoch, conf.LastVoteEpoch
	s.loadedVoteEpoch = conf.LastVoteEpoch
	for _, e := range conf.Nodes {
		if e.Flags&flagHandshake != 0 {
			continue
		}
		cn := &clusterNode{name: e.Name, flags: e.Flags &^ (flagPFail | flagHandshake | flagMeet), ip: e.IP, port: e.Port, busPort: e.BusPort,
			configEpoch: e.ConfigEpoch, created: s.env.Now(), bus: s.cfg.BusID(e.IP, e.BusPort)}
		if cn.has(flagMyself) {
			s.myself = cn
			s.applyAnnounce(cn)
		}
		s.addNode(cn)
	}
	for _, e := range conf.Nodes {
		cn := s.nodes[e.Name]
		if cn == nil {
			continue
		}
		if e.Master != "" {
			setMasterOf(cn, s.nodes[e.Master])
		}
		for _, r := range e.Slots {
			for slot := r[0]; slot <= r[1]; slot++ {
				s.assignSlot(slot, cn)
			}
		}
		for slot, name := range e.Migrating {
			s.migratingTo[slot] = s.nodes[name]
		}
		for slot, name := range e.Importing {
			s.importingFrom[slot] = s.nodes[name]
		}
	}
	// A node whose failure was recorded is probed again from scratch.
	now := s.env.Now()
	for _, cn := range s.nodes {
		if cn.has(flagFail) {
			cn.failTime = now
		}
	}
}
