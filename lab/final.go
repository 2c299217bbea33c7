package lab

import (
	"sync"
	"time"

	"syslab/check"
	"syslab/lab/engine"
	"syslab/node"
)

// finalReader reads every key the workload wrote, one at a time, after the
// cluster recovered: its reads decide which acknowledged writes survived.
// A read that fails or times out is retried; a key that never reads is
// reported unverified rather than assumed safe.
type finalReader struct {
	mu       sync.Mutex // live mode: the reader runs on its own goroutine
	run      *labRun
	proto    engine.Client
	env      node.Env
	client   int
	keys     []string
	next     int
	attempts int
	seq      uint64
	inflight *pendingOp
	values   map[string]check.FinalValue
}

func newFinalReader(r *labRun) *finalReader {
	written := map[string]bool{}
	r.rec.mu.Lock()
	defer r.rec.mu.Unlock()
	for _, op := range r.rec.history.Ops {
		if op.Kind != "get" {
			written[op.Key] = true
		}
	}
	return &finalReader{
		run:    r,
		proto:  r.cluster.NewClient(r.w.Stream("final-reader")),
		client: r.clients,
		keys:   sortedKeys(written),
		values: map[string]check.FinalValue{},
	}
}

func (f *finalReader) done() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.next >= len(f.keys)
}

// giveUp ends the reads: every key left is unverified.
func (f *finalReader) giveUp() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.next = len(f.keys)
}

// finalValues is what the reads found, once they are done.
func (f *finalReader) finalValues() map[string]check.FinalValue {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.values
}

func (f *finalReader) Start(env node.Env) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.env = env
	env.After(recoveryDelay, f.readNext)
}

func (f *finalReader) readNext() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.readNextLocked()
}

func (f *finalReader) readNextLocked() {
	if f.next >= len(f.keys) {
		return
	}
	f.seq++
	p := &pendingOp{op: engine.Op{Kind: "get", Key: f.keys[f.next]}, seq: f.seq, sent: f.run.w.Now()}
	p.intended = p.sent
	to, msg := f.proto.Request(p.seq, p.op)
	f.env.Send(to, msg)
	seq := p.seq
	p.timer = f.env.After(finalReadTimeout, func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.inflight != nil && f.inflight.seq == seq {
			f.finish(engine.Timeout(finalReadTimeout))
		}
	})
	f.inflight = p
}

func (f *finalReader) Receive(from node.ID, msg node.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	seq, out, ok := f.proto.Reply(msg)
	if !ok || f.inflight == nil || seq != f.inflight.seq {
		return
	}
	f.inflight.timer.Stop()
	f.finish(out)
}

func (f *finalReader) finish(out engine.Outcome) {
	p := f.inflight
	f.inflight = nil
	f.run.rec.record(f.client, nil, p, out, f.run.w.Now())
	if out.Status == "ok" {
		f.values[p.op.Key] = check.FinalValue{Value: out.Output, Nil: out.Nil}
		f.next++
		f.attempts = 0
		f.readNextLocked()
		return
	}
	f.attempts++
	if f.attempts >= finalReadAttempts {
		f.next++ // give up on this key: it stays unverified
		f.attempts = 0
		f.readNextLocked()
		return
	}
	f.env.After(200*time.Millisecond, f.readNext)
}
