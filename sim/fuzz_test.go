package sim

import (
	"testing"
	"time"

	"syslab/node"
)

// faultScript plays a byte string as a schedule of faults against three
// chatty nodes that write and sync files, and returns the world.
func faultScript(seed uint64, script []byte) *World {
	w := New(Config{Seed: seed,
		Network: LinkConfig{Latency: Latency{Kind: "uniform", Min: 100 * time.Microsecond, Max: 3 * time.Millisecond}},
		Disk:    DiskConfig{SyncLatency: constant(200 * time.Microsecond), Writeback: 20 * time.Millisecond, TornWrites: true, CapacityBytes: 4096},
	})
	ids := []node.ID{"n0", "n1", "n2"}
	for _, id := range ids {
		w.AddNode(id, func() node.Handler {
			return &costlyNode{cost: 50 * time.Microsecond, scriptNode: scriptNode{world: w,
				onStart: func(s *scriptNode) {
					var tick func()
					tick = func() {
						s.env.Send(ids[s.env.Rand().IntN(len(ids))], ping{s.env.Rand().IntN(100)})
						s.env.After(time.Duration(1+s.env.Rand().IntN(3))*time.Millisecond, tick)
					}
					tick()
				},
				onReceive: func(s *scriptNode, from node.ID, msg node.Message) {
					s.received = s.received[:0] // keep memory flat over long fuzz runs
					f, err := s.env.Disk().Open("log")
					if err != nil {
						return
					}
					f.Write([]byte{byte(msg.(ping).n)})
					if s.env.Rand().IntN(3) == 0 {
						f.Sync()
					}
					if f.Size() > 1024 {
						f.Truncate(0)
					}
				}}}
		})
	}
	for i := 0; i+1 < len(script); i += 2 {
		op, arg := script[i], script[i+1]
		id := ids[int(arg)%len(ids)]
		other := ids[(int(arg)+1+int(arg/3)%2)%len(ids)] // never id itself
		switch op % 13 {
		case 0:
			w.Crash(id)
		case 1:
			w.Kill(id)
		case 2:
			w.Restart(id)
		case 3:
			w.Pause(id)
		case 4:
			w.Resume(id)
		case 5:
			w.Partition([]node.ID{id}, []node.ID{other})
		case 6:
			w.Block(id, other)
		case 7:
			w.Heal()
		case 8:
			w.SetClock(id, time.Duration(int8(arg))*time.Millisecond, float64(int8(arg))*100)
		case 9:
			w.SetDiskFault(id, DiskFault{ReadErrorRate: float64(arg%4) / 4, WriteErrorRate: float64(arg%3) / 3, SyncErrorRate: float64(arg%5) / 5, Full: arg%2 == 0})
		case 10:
			w.SetDiskFault(id, DiskFault{})
		case 11:
			w.SetLink(id, other, LinkConfig{Loss: float64(arg%10) / 10, Duplicate: 0.1, Reorder: 0.2, Unordered: arg%2 == 0,
				Latency: Latency{Kind: "exponential", Mean: time.Millisecond}, ReorderDelay: constant(time.Millisecond)})
		case 12:
			w.Run(w.Now() + time.Duration(arg)*time.Millisecond/4)
		}
	}
	w.Run(w.Now() + 50*time.Millisecond)
	return w
}

// FuzzFaults checks that no schedule of faults panics the world or breaks
// its determinism or its books.
func FuzzFaults(f *testing.F) {
	f.Add(uint64(1), []byte{0, 0, 12, 40, 2, 0, 12, 40})
	f.Add(uint64(2), []byte{3, 1, 12, 80, 4, 1, 5, 4, 12, 20, 7, 0})
	f.Add(uint64(3), []byte{9, 2, 12, 100, 0, 2, 2, 2, 10, 2, 12, 100})
	f.Add(uint64(4), []byte{8, 200, 11, 4, 6, 1, 12, 255, 1, 0, 3, 0, 2, 0, 12, 10})
	f.Fuzz(func(t *testing.T, seed uint64, script []byte) {
		if len(script) > 200 {
			script = script[:200]
		}
		a := faultScript(seed, script)
		b := faultScript(seed, script)
		if a.TraceHash() != b.TraceHash() {
			t.Fatalf("seed %d: same fault script, different trace hashes", seed)
		}
		st := a.Stats()
		if st.MessagesDelivered > st.MessagesSent+st.MessagesDuplicated {
			t.Fatalf("delivered %d > sent %d + duplicated %d", st.MessagesDelivered, st.MessagesSent, st.MessagesDuplicated)
		}
		for _, id := range a.Nodes() {
			d := a.Disk(id)
			names, _ := d.List()
			var used int64
			for _, name := range names {
				b, err := d.ReadFile(name)
				if err != nil {
					t.Fatalf("%s: ReadFile(%q): %v", id, name, err)
				}
				used += int64(len(b))
			}
			if used != d.UsedBytes() {
				t.Fatalf("%s: files hold %d bytes, UsedBytes says %d", id, used, d.UsedBytes())
			}
		}
	})
}
