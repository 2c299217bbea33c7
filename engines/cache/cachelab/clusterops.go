package cachelab

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"syslab/engines/cache"
	"syslab/engines/cache/cluster"
	"syslab/engines/cache/resp"
	"syslab/lab/engine"
	"syslab/node"
)

// The operator is the lab's cluster administrator. At time 0 it forms the
// cluster exactly as `redis-cli --cluster create --cluster-replicas 1`
// does, by sending the same commands:
//
//  1. CLUSTER NODES to every node, to learn each node's name and address;
//  2. CLUSTER ADDSLOTSRANGE to each master, equal contiguous ranges;
//  3. CLUSTER SET-CONFIG-EPOCH 1…N, one epoch per node;
//  4. CLUSTER MEET <first node> from every other node;
//  5. CLUSTER NODES on every node until all agree (redis-cli's "Waiting
//     for the cluster to join");
//  6. CLUSTER REPLICATE <master name> on each replica;
//  7. CLUSTER INFO on every node until each says cluster_state:ok.
//
// Then it performs the scenario's engine actions on schedule, one after
// the other (reshard, as `redis-cli --cluster reshard` does, slot by
// slot), and from the end of the faults it polls CLUSTER NODES until every
// node sees every slot covered and all agree: the convergence check.

const (
	// operatorCallTimeout and operatorCallAttempts bound one admin
	// command: a command unanswered that long is sent again.
	operatorCallTimeout  = time.Second
	operatorCallAttempts = 5
	// operatorPoll spaces the rounds of CLUSTER NODES / CLUSTER INFO
	// while waiting for agreement.
	operatorPoll = 100 * time.Millisecond
	// bootstrapWaitMax and convergeWaitMax bound the waits for agreement.
	bootstrapWaitMax = 60 * time.Second
	convergeWaitMax  = 90 * time.Second
	// monitorEvery spaces the operator's CLUSTER NODES samples during
	// the run, which watch election safety (one owner per config epoch).
	monitorEvery = 250 * time.Millisecond
	// reshardBatchKeys is the keys one MIGRATE moves (redis-cli's
	// --cluster-pipeline default is 10).
	reshardBatchKeys = 10
	// migrateTimeoutMillis is MIGRATE's own timeout.
	migrateTimeoutMillis = 5000
)

// operatorFacts is what the operator found. Only the operator writes it;
// the run reads it once the world has stopped (in live mode the
// operator's goroutine has ended by then), so it needs no lock.
type operatorFacts struct {
	bootstrapped       bool
	bootstrapAt        time.Duration
	bootstrapError     string
	convergeDone       bool
	converged          bool
	convergedAfter     time.Duration
	convergeDetail     string
	slotsCovered       int
	reshardSlots       int
	reshardKeys        int
	reshardErrors      int
	reshardTime        time.Duration
	reshardErrorDetail string
	// epochClaims: config epoch → the first master seen owning slots
	// with it; epochConflicts counts other masters seen with the same
	// epoch (election safety: one winner per epoch).
	epochClaims    map[int64]string
	epochConflicts int
	// epochZeroOwners counts sampled lines of masters owning slots with
	// config epoch 0 (no election yields it; see monitor).
	epochZeroOwners int
	epochConflict   string
	// epochConflictAt and epochConflictEpoch locate the first conflict
	// for the report (measures carry numbers only).
	epochConflictAt    time.Duration
	epochConflictEpoch int64
	samples            int
}

func (f *operatorFacts) measures() map[string]float64 {
	m := map[string]float64{
		"bootstrap_ok":        b2f(f.bootstrapped),
		"bootstrap_ms":        float64(f.bootstrapAt.Milliseconds()),
		"converge_checked":    b2f(f.convergeDone),
		"converged":           b2f(f.converged),
		"converged_after_ms":  float64(f.convergedAfter.Milliseconds()),
		"slots_covered":       float64(f.slotsCovered),
		"reshard_slots_moved": float64(f.reshardSlots),
		"reshard_keys_moved":  float64(f.reshardKeys),
		"reshard_errors":      float64(f.reshardErrors),
		"reshard_ms":          float64(f.reshardTime.Milliseconds()),
		"epoch_conflicts":     float64(f.epochConflicts),
		"epoch_samples":       float64(f.samples),
		"epoch_zero_owners":   float64(f.epochZeroOwners),
	}
	if f.epochConflicts > 0 {
		m["epoch_conflict_first_s"] = f.epochConflictAt.Seconds()
		m["epoch_conflict_epoch"] = float64(f.epochConflictEpoch)
	}
	return m
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

type operator struct {
	layout   clusterLayout
	actions  []engine.Action
	duration time.Duration
	facts    *operatorFacts

	env     node.Env
	start   time.Time
	seq     uint64
	calls   map[uint64]func(resp.Value)
	names   map[node.ID]string // cluster node name of each node
	ports   map[node.ID]string
	ready   bool            // bootstrap finished
	pending []engine.Action // actions due, waiting their turn
	acting  bool
}

func newOperator(layout clusterLayout, actions []engine.Action, duration time.Duration, facts *operatorFacts) *operator {
	return &operator{layout: layout, actions: actions, duration: duration, facts: facts,
		calls: map[uint64]func(resp.Value){}, names: map[node.ID]string{}, ports: map[node.ID]string{}}
}

func (o *operator) elapsed() time.Duration { return o.env.Now().Sub(o.start) }

func (o *operator) Start(env node.Env) {
	o.env = env
	o.start = env.Now()
	for _, a := range o.actions {
		a := a
		env.After(a.At, func() { o.pending = append(o.pending, a); o.nextAction() })
	}
	env.After(o.duration, o.converge)
	o.bootstrap()
}

func (o *operator) Receive(_ node.ID, msg node.Message) {
	r, ok := msg.(cache.Reply)
	if !ok {
		return
	}
	then, ok := o.calls[r.Seq]
	if !ok {
		return // answered already, or retried
	}
	delete(o.calls, r.Seq)
	then(r.Value)
}

// call sends args to id and calls then with the answer, sending again
// after operatorCallTimeout; after operatorCallAttempts silent tries then
// gets an error value.
func (o *operator) call(id node.ID, then func(resp.Value), args ...string) {
	o.callTry(id, then, 1, args)
}

func (o *operator) callTry(id node.ID, then func(resp.Value), attempt int, args []string) {
	o.seq++
	seq := o.seq
	o.calls[seq] = then
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = []byte(a)
	}
	o.env.Send(id, cache.Command{Seq: seq, Args: b})
	o.env.After(operatorCallTimeout, func() {
		if _, pending := o.calls[seq]; !pending {
			return
		}
		delete(o.calls, seq)
		if attempt >= operatorCallAttempts {
			then(resp.Err(fmt.Sprintf("LAB no answer from %s to %s after %d tries", id, strings.Join(args, " "), attempt)))
			return
		}
		o.callTry(id, then, attempt+1, args)
	})
}

// each calls argsFor(id) on every id in order, one after the other, and
// then done; fail gets the first error answer and stops the walk.
func (o *operator) each(ids []node.ID, argsFor func(node.ID) []string, check func(node.ID, resp.Value) error, done func(), fail func(error)) {
	if len(ids) == 0 {
		done()
		return
	}
	id := ids[0]
	o.call(id, func(v resp.Value) {
		if err := check(id, v); err != nil {
			fail(err)
			return
		}
		o.each(ids[1:], argsFor, check, done, fail)
	}, argsFor(id)...)
}

func wantOK(id node.ID, v resp.Value) error {
	if v.Kind == resp.Error {
		return fmt.Errorf("%s: %s", id, v.Str)
	}
	return nil
}

func (o *operator) bootstrapFailed(err error) {
	o.facts.bootstrapError = err.Error()
	o.env.Logf("cachelab: cluster bootstrap failed: %v", err)
}

func (o *operator) bootstrap() {
	l := o.layout
	all := l.nodes
	o.each(all, func(node.ID) []string { return []string{"CLUSTER", "NODES"} }, o.learnMyself, func() {
		o.each(l.masters, func(id node.ID) []string {
			r := l.rangeOf(id)
			return []string{"CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(r[0]), strconv.Itoa(r[1])}
		}, wantOK, func() {
			epoch := 0
			o.each(all, func(node.ID) []string {
				epoch++
				return []string{"CLUSTER", "SET-CONFIG-EPOCH", strconv.Itoa(epoch)}
			}, wantOK, func() {
				first := all[0]
				o.each(all[1:], func(node.ID) []string {
					return []string{"CLUSTER", "MEET", string(first), o.ports[first]}
				}, wantOK, func() {
					o.waitAgreement(o.elapsed()+bootstrapWaitMax, false, func() {
						o.each(l.replicaNodes(), func(id node.ID) []string {
							return []string{"CLUSTER", "REPLICATE", o.names[l.masterOf[id]]}
						}, wantOK, func() {
							o.waitAgreement(o.elapsed()+bootstrapWaitMax, true, o.bootstrapped, o.bootstrapFailed)
						}, o.bootstrapFailed)
					}, o.bootstrapFailed)
				}, o.bootstrapFailed)
			}, o.bootstrapFailed)
		}, o.bootstrapFailed)
	}, o.bootstrapFailed)
}

// learnMyself reads a node's own line of CLUSTER NODES.
func (o *operator) learnMyself(id node.ID, v resp.Value) error {
	if v.Kind == resp.Error {
		return fmt.Errorf("%s: %s", id, v.Str)
	}
	lines, err := parseClusterNodes(string(v.Str))
	if err != nil {
		return fmt.Errorf("%s: %v", id, err)
	}
	for _, line := range lines {
		if line.has("myself") {
			o.names[id] = line.name
			o.ports[id] = line.addr[strings.LastIndexByte(line.addr, ':')+1:]
			return nil
		}
	}
	return fmt.Errorf("%s: CLUSTER NODES has no myself line", id)
}

func (o *operator) bootstrapped() {
	o.ready = true
	o.facts.bootstrapped, o.facts.bootstrapAt = true, o.elapsed()
	o.nextAction()
	o.monitor()
}

// clusterView is one node's CLUSTER NODES, judged.
type clusterView struct {
	signature string
	covered   int
	problem   string // why this view is not yet the agreed one
}

// judgeView reads a CLUSTER NODES answer: does it list every node, none
// in handshake or failing, each replica following its master (when
// withReplicas), and what slots it covers.
func (o *operator) judgeView(id node.ID, v resp.Value, withReplicas bool) clusterView {
	if v.Kind == resp.Error {
		return clusterView{problem: fmt.Sprintf("%s: %s", id, v.Str)}
	}
	lines, err := parseClusterNodes(string(v.Str))
	if err != nil {
		return clusterView{problem: fmt.Sprintf("%s: %v", id, err)}
	}
	view := clusterView{signature: configSignature(lines)}
	covered := make([]bool, cluster.SlotCount)
	for _, l := range lines {
		for _, r := range l.slots {
			for s := r[0]; s <= r[1]; s++ {
				covered[s] = true
			}
		}
		for _, bad := range []string{"handshake", "noaddr", "fail", "fail?"} {
			if l.has(bad) && view.problem == "" {
				view.problem = fmt.Sprintf("%s sees %s as %s", id, l.host, bad)
			}
		}
	}
	for _, c := range covered {
		if c {
			view.covered++
		}
	}
	if len(lines) != len(o.layout.nodes) && view.problem == "" {
		view.problem = fmt.Sprintf("%s knows %d of %d nodes", id, len(lines), len(o.layout.nodes))
	}
	if withReplicas && view.problem == "" {
		replicas := 0
		for _, l := range lines {
			if l.masterOf != "" {
				replicas++
			}
		}
		if replicas != len(o.layout.replicaNodes()) {
			view.problem = fmt.Sprintf("%s sees %d replicas, want %d", id, replicas, len(o.layout.replicaNodes()))
		}
	}
	return view
}

// waitAgreement polls CLUSTER NODES on every node until all views are
// problem-free, cover every slot and carry one signature.
func (o *operator) waitAgreement(deadline time.Duration, withReplicas bool, done func(), fail func(error)) {
	o.pollViews(withReplicas, func(ok bool, covered int, why string) {
		switch {
		case ok:
			done()
		case o.elapsed() >= deadline:
			fail(fmt.Errorf("the nodes did not agree in time: %s", why))
		default:
			o.env.After(operatorPoll, func() { o.waitAgreement(deadline, withReplicas, done, fail) })
		}
	})
}

// pollViews asks every node for CLUSTER NODES and reports whether they
// agree, the slots the first node covers and, if not, why.
func (o *operator) pollViews(withReplicas bool, report func(ok bool, covered int, why string)) {
	var views []clusterView
	var walk func(ids []node.ID)
	walk = func(ids []node.ID) {
		if len(ids) == 0 {
			report(agreement(views))
			return
		}
		id := ids[0]
		o.call(id, func(v resp.Value) {
			views = append(views, o.judgeView(id, v, withReplicas))
			walk(ids[1:])
		}, "CLUSTER", "NODES")
	}
	walk(o.layout.nodes)
}

func agreement(views []clusterView) (bool, int, string) {
	if len(views) == 0 {
		return false, 0, "no views"
	}
	covered := views[0].covered
	for _, v := range views {
		if v.problem != "" {
			return false, covered, v.problem
		}
		if v.signature != views[0].signature {
			return false, covered, "the nodes disagree about who owns which slots"
		}
		if v.covered != cluster.SlotCount {
			return false, v.covered, fmt.Sprintf("%d of %d slots covered", v.covered, cluster.SlotCount)
		}
	}
	return true, covered, ""
}

// converge runs from the end of the faults: how long until the cluster
// agrees again, every slot covered.
func (o *operator) converge() {
	from := o.elapsed()
	var poll func()
	poll = func() {
		o.pollViews(false, func(ok bool, covered int, why string) {
			waited := o.elapsed() - from
			if !ok && waited < convergeWaitMax {
				o.env.After(operatorPoll, poll)
				return
			}
			o.facts.convergeDone, o.facts.converged, o.facts.slotsCovered = true, ok, covered
			o.facts.convergedAfter, o.facts.convergeDetail = waited, why
		})
	}
	poll()
}

// nextAction starts the first pending action when nothing else runs.
func (o *operator) nextAction() {
	if !o.ready || o.acting || len(o.pending) == 0 {
		return
	}
	a := o.pending[0]
	o.pending = o.pending[1:]
	o.acting = true
	done := func() { o.acting = false; o.nextAction() }
	switch a.Name {
	case actionReshard:
		p, err := decodeReshard(a.Params, o.layout.nodes)
		if err != nil { // the loader checked it already
			panic("cachelab: reshard parameters passed the loader but not the operator: " + err.Error())
		}
		o.reshard(p, done)
	default:
		panic("cachelab: operator: unknown action " + a.Name)
	}
}

// monitor samples every node's CLUSTER NODES until the end of the run and
// records masters that own slots under a config epoch another master
// already owned slots under: two winners of one election (a vote given
// twice), which the Redis Cluster design rules out.
func (o *operator) monitor() {
	if o.elapsed() >= o.duration {
		return
	}
	for _, id := range o.layout.nodes {
		o.call(id, func(v resp.Value) {
			if v.Kind == resp.Error {
				return
			}
			lines, err := parseClusterNodes(string(v.Str))
			if err != nil {
				return
			}
			o.facts.samples++
			if o.facts.epochClaims == nil {
				o.facts.epochClaims = map[int64]string{}
			}
			for _, l := range lines {
				if len(l.slots) == 0 || !l.has("master") {
					continue
				}
				if l.epoch == 0 {
					// No election yields epoch 0 (bootstrap sets 1…N):
					// a view showing it recorded a claim without its
					// epoch; election_safety fails on it.
					o.facts.epochZeroOwners++
					continue
				}
				first, seen := o.facts.epochClaims[l.epoch]
				switch {
				case !seen:
					o.facts.epochClaims[l.epoch] = l.name
				case first != l.name:
					o.facts.epochConflicts++
					if o.facts.epochConflict == "" {
						o.facts.epochConflictAt, o.facts.epochConflictEpoch = o.elapsed(), l.epoch
						o.facts.epochConflict = fmt.Sprintf("at %v %s saw %s (%s) own slots with config epoch %d, already owned by %s", o.elapsed().Round(time.Millisecond), id, l.host, l.name, l.epoch, first)
					}
				}
			}
		}, "CLUSTER", "NODES")
	}
	o.env.After(monitorEvery, o.monitor)
}
