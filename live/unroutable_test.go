package live

import (
	"strings"
	"testing"

	"syslab/node"
)

// A message to a destination with no route goes to Config.Unroutable
// first; what the hook declines is dropped and logged as before, and
// routed destinations never reach it.
func TestUnroutableHookSeesOnlyUnroutedMessages(t *testing.T) {
	var logBuf syncBuffer
	var offered []node.ID
	r := newRuntime(t, Config{Self: "n", Log: &logBuf, Unroutable: func(to node.ID, msg node.Message) bool {
		offered = append(offered, to) // runs on the loop: no lock needed
		return to == "taken"
	}}, func() node.Handler { return &timerNode{} })
	pr := attachProbe(r, "endpoint")
	r.Start()
	r.Do(func(h node.Handler) {
		env := h.(*timerNode).env
		env.Send("taken", gobPing{Seq: 1})
		env.Send("declined", gobPing{Seq: 2})
		env.Send("endpoint", "routed")
	})
	if got := pr.next(t); got != "routed" {
		t.Fatalf("endpoint got %v", got)
	}
	r.Do(func(node.Handler) {}) // the sends above are done
	if strings.Join(nodeIDs(offered), ",") != "taken,declined" {
		t.Errorf("hook offered %v, want taken then declined", offered)
	}
	if log := logBuf.String(); !strings.Contains(log, "unknown node declined") || strings.Contains(log, "unknown node taken") {
		t.Errorf("log should name only the declined destination:\n%s", log)
	}
}

func nodeIDs(ids []node.ID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = string(id)
	}
	return out
}
