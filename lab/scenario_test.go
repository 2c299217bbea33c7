package lab

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"syslab/node"
)

func TestLoadFullExample(t *testing.T) {
	s, err := Load("testdata/full.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	ids := func(names ...string) []node.ID {
		out := make([]node.ID, len(names))
		for i, n := range names {
			out[i] = node.ID(n)
		}
		return out
	}
	type field struct {
		name      string
		got, want any
	}
	steady := Phase{
		Line: 33, Name: "steady", Start: 5 * time.Second, Duration: 50 * time.Second, Clients: 8,
		Rate: Rate{Count: 2000, Per: time.Second}, Arrival: ArrivalPoisson,
		Keys:    Keys{Count: 1000, Prefix: "user:", Distribution: KeyDistribution{Kind: KeysZipf, ZipfS: 0.99}},
		Values:  Values{MinBytes: 16, MaxBytes: 256},
		Mix:     []OpWeight{{"get", 0.5}, {"set", 0.4}, {"incr", 0.1}},
		Timeout: 500 * time.Millisecond,
	}
	hot := steady
	hot.Line, hot.Name, hot.Start, hot.Duration = 44, "hot", 55*time.Second, 5*time.Second
	hot.Rate = Rate{Count: 1, Per: 10 * time.Microsecond}
	hot.Keys = Keys{Count: 100, Prefix: "key:", Distribution: KeyDistribution{Kind: KeysHotspot, HotFraction: 0.01, HotShare: 0.9}}
	for _, f := range []field{
		{"name", s.Name, "single-node-crash"},
		{"description", s.Description, "One cache node with appendfsync always, crashed and restarted under zipf load.\n"},
		{"expect", s.Expect, ExpectPass},
		{"seed", s.Seed, uint64(7)},
		{"duration", s.Duration, time.Minute},
		{"nodes", s.Topology.Nodes, ids("cache-1", "cache-2", "cache-3")},
		{"roles", s.Topology.Roles, map[node.ID]string{"cache-1": "primary", "cache-2": "replica"}},
		{"network", s.Network, Network{Latency: Delay{Kind: DelayNormal, Mean: 200 * time.Microsecond, Stddev: 50 * time.Microsecond}, Loss: 0.001}},
		{"disk", s.Disk, DiskModel{SyncLatency: Delay{Kind: DelayUniform, Min: 500 * time.Microsecond, Max: 2 * time.Millisecond}, Writeback: 30 * time.Second, TornWrites: true}},
		{"phases", len(s.Workload), 3},
		{"warmup", s.Workload[0], Phase{Line: 26, Name: "warmup", Duration: 5 * time.Second, Clients: 4, Concurrency: 8, Arrival: ArrivalConstant,
			Keys: Keys{Count: 1000, Prefix: "key:", Distribution: KeyDistribution{Kind: KeysSequential}}, Values: Values{64, 64},
			Mix: []OpWeight{{"set", 1}}, Timeout: time.Second}},
		{"steady", s.Workload[1], steady},
		{"hot (merged from steady)", s.Workload[2], hot},
		{"faults", len(s.Faults), 10},
		{"crash", s.Faults[0], Fault{Line: 51, Kind: FaultCrash, At: 10 * time.Second, Nodes: ids("cache-1")}},
		{"restart after", s.Faults[1], Fault{Line: 53, Kind: FaultRestart, At: 12 * time.Second, Nodes: ids("cache-1")}},
		{"kill", s.Faults[2], Fault{Line: 55, Kind: FaultKill, At: 15 * time.Second, For: time.Second, Nodes: ids("cache-2", "cache-3")}},
		{"partition", s.Faults[3], Fault{Line: 58, Kind: FaultPartition, At: 20 * time.Second, For: 5 * time.Second,
			Partition: [][]node.ID{ids("cache-1"), ids("cache-2", "cache-3")}}},
		{"one way", s.Faults[4], Fault{Line: 61, Kind: FaultOneWay, At: 26 * time.Second, OneWay: &OneWay{From: ids("cache-1"), To: ids("cache-2")}}},
		{"heal", s.Faults[5], Fault{Line: 63, Kind: FaultHeal, At: 27 * time.Second}},
		{"clock", s.Faults[6], Fault{Line: 65, Kind: FaultClock, At: 30 * time.Second, Clock: &ClockFault{Node: "cache-2", Offset: -2 * time.Second, DriftPPM: 100}}},
		{"pause every", s.Faults[7], Fault{Line: 67, Kind: FaultPause, At: 32 * time.Second, Every: 5 * time.Second, Until: 50 * time.Second, For: 200 * time.Millisecond, Nodes: ids("cache-3")}},
		{"disk", s.Faults[8], Fault{Line: 72, Kind: FaultDisk, At: 40 * time.Second, For: 2 * time.Second, Disk: &DiskFault{Node: "cache-1", Fault: DiskEIO, Probability: 0.1}}},
		{"random", s.Faults[9], Fault{Line: 75, Kind: FaultRandom, At: 45 * time.Second, Until: 58 * time.Second,
			Random: &RandomFaults{Rate: Rate{1, 10 * time.Second}, Kinds: []FaultKind{FaultCrash, FaultPartition, FaultPause}, Nodes: ids("cache-1", "cache-2"), For: 2 * time.Second}}},
		{"checks", len(s.Checks), 6},
		{"linearizable", *s.Checks[0].Linearizable, LinearizableCheck{Model: "register", Timeout: 30 * time.Second}},
		{"lost max", *s.Checks[1].LostAckedWrites, LostAckedWritesCheck{}},
		{"lost window", *s.Checks[2].LostAckedWrites, LostAckedWritesCheck{Window: time.Second}},
		{"latency", *s.Checks[3].Latency, LatencyCheck{Op: "get", Phase: "steady", P50: time.Millisecond, P99: 5 * time.Millisecond, Max: 100 * time.Millisecond}},
		{"error rate", *s.Checks[4].ErrorRate, ErrorRateCheck{Max: 0.01}},
		{"engine check", s.Checks[5].Kind, CheckKind("converged")},
		{"engine check line", s.Checks[5].Line, 84},
	} {
		if !reflect.DeepEqual(f.got, f.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", f.name, f.got, f.want)
		}
	}
	var cfg fakeCacheConfig
	if err := s.Config.Decode(&cfg); err != nil || cfg != (fakeCacheConfig{AppendOnly: true, AppendFsync: "always"}) {
		t.Errorf("config = %+v, %v", cfg, err)
	}
}

func TestDefaults(t *testing.T) {
	s, err := Load("testdata/minimal.yaml")
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	p := s.Workload[0]
	if s.Seed != defaultSeed || s.Expect != ExpectPass || !reflect.DeepEqual(s.Network, defaultNetwork()) || !reflect.DeepEqual(s.Disk, defaultDisk()) {
		t.Errorf("scenario defaults: seed %d expect %q network %+v disk %+v", s.Seed, s.Expect, s.Network, s.Disk)
	}
	want := Phase{Line: 7, Name: "phase-1", Duration: 10 * time.Second, Clients: 1, Rate: Rate{100, time.Second},
		Arrival: ArrivalConstant, Keys: Keys{Count: defaultKeyCount, Prefix: defaultKeyPrefix, Distribution: KeyDistribution{Kind: KeysUniform}},
		Values: Values{defaultValueBytes, defaultValueBytes}, Mix: []OpWeight{{"get", 1}}, Timeout: defaultOpTimeout}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("phase defaults:\n got %+v\nwant %+v", p, want)
	}
	if s.Config == nil || s.Config.Kind != yaml.MappingNode || len(s.Config.Content) != 0 {
		t.Errorf("absent config should be an empty mapping, got %+v", s.Config)
	}
}

// normalize drops what legitimately differs between a parse of the
// original file and of its re-encoding: line numbers and the config's
// node positions.
func normalize(t *testing.T, s *Scenario) string {
	t.Helper()
	c := *s
	c.File = ""
	c.Workload = append([]Phase(nil), s.Workload...)
	for i := range c.Workload {
		c.Workload[i].Line = 0
	}
	c.Faults = append([]Fault(nil), s.Faults...)
	for i := range c.Faults {
		c.Faults[i].Line = 0
	}
	var params []string
	c.Checks = append([]Check(nil), s.Checks...)
	for i := range c.Checks {
		c.Checks[i].Line = 0
		if c.Checks[i].Params != nil {
			out, _ := yaml.Marshal(c.Checks[i].Params)
			params = append(params, string(out))
			c.Checks[i].Params = nil
		}
	}
	cfg, _ := yaml.Marshal(s.Config)
	c.Config = nil
	out, err := yaml.Marshal(struct {
		S      *Scenario
		Config string
		Params []string
	}{&c, string(cfg), params})
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return string(out)
}

func TestRoundTrip(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.yaml")
	if len(files) < 3 {
		t.Fatalf("want the example files in testdata, found %v", files)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			s, err := Load(file)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			out, err := s.YAML()
			if err != nil {
				t.Fatalf("YAML: %v", err)
			}
			again, err := Parse("roundtrip.yaml", out)
			if err != nil {
				t.Fatalf("re-parse of\n%s\nfailed: %v", out, err)
			}
			if a, b := normalize(t, s), normalize(t, again); a != b {
				t.Errorf("round trip changed the scenario\nfirst:\n%s\nsecond:\n%s", a, b)
			}
			out2, err := again.YAML()
			if err != nil || string(out2) != string(out) {
				t.Errorf("second encoding differs (%v):\n%s\nvs\n%s", err, out, out2)
			}
		})
	}
}

// base is a valid scenario that error cases edit one line of. Its line
// numbers are fixed: cases name them.
const base = `name: t
engine: fakecache
duration: 60s
topology:
  nodes: [cache-1, cache-2, cache-3]
workload:
  - name: steady
    clients: 8
    rate: 2000/s
    mix: {get: 0.5, set: 0.5}
faults:
  - at: 10s
    crash: cache-1
checks:
  - error_rate: {max: 0.01}
`

func TestBaseIsValid(t *testing.T) {
	if _, err := Parse("base.yaml", []byte(base)); err != nil {
		t.Fatalf("base scenario: %v", err)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		old  string // replaced in base by new; "" appends new
		new  string
		want string // the whole first error line
	}{
		{"typo in fault field", "    crash: cache-1\n", "    crash: cache-1\n    parition: [[cache-1], [cache-2]]\n",
			`x.yaml:14: faults[0]: unknown field "parition" (did you mean "partition"?)`},
		{"typo at top level", "name: t", "nmae: t",
			`x.yaml:1: unknown field "nmae" (did you mean "name"?)`},
		{"unknown field without a near miss", "    clients: 8", "    clients: 8\n    zzzzzz: 1",
			`x.yaml:9: workload[0]: unknown field "zzzzzz" (fields here: name, start, duration, clients, rate, concurrency, arrival, keys, values, mix, timeout)`},
		{"bad duration", "duration: 60s", "duration: 60 seconds",
			`x.yaml:3: duration: bad duration "60 seconds": want a number and a unit (ns, us, ms, s, m, h), e.g. 250ms or 1m30s`},
		{"duration without unit", "duration: 60s", "duration: 60",
			`x.yaml:3: duration: duration "60" has no unit; write e.g. 60s or 60ms`},
		{"negative duration", "  - at: 10s", "  - at: -1s",
			`x.yaml:12: faults[0].at: must not be negative, got -1s`},
		{"bad rate", "rate: 2000/s", "rate: 2000/fortnight",
			`x.yaml:9: workload[0].rate: bad rate "2000/fortnight": period "fortnight" is not a unit (s, m, h, ms, us) or a duration; write e.g. 2000/s, 120/m or 1/10s`},
		{"rate as a number", "rate: 2000/s", "rate: 2000",
			`x.yaml:9: workload[0].rate: want a rate like 2000/s or 1/10s, got 2000`},
		{"rate and concurrency", "    rate: 2000/s\n", "    rate: 2000/s\n    concurrency: 8\n",
			`x.yaml:10: workload[0]: "rate", "concurrency" exclude each other; give only one`},
		{"neither rate nor concurrency", "    rate: 2000/s\n", "",
			`x.yaml:7: workload[0]: want one of "rate", "concurrency"`},
		{"missing required", "duration: 60s\n", "",
			`x.yaml:1: missing required field "duration"`},
		{"missing clients", "    clients: 8\n", "",
			`x.yaml:7: workload[0]: missing required field "clients"`},
		{"unknown op", "mix: {get: 0.5, set: 0.5}", "mix: {get: 0.5, sett: 0.5}",
			`x.yaml:10: workload[0].mix: unknown op "sett" (did you mean "set"?); engine fakecache has del, get, incr, set`},
		{"zero weight", "mix: {get: 0.5, set: 0.5}", "mix: {get: 0.5, set: 0}",
			`x.yaml:10: workload[0].mix.set: weight must be above zero, got 0 (leave the op out instead)`},
		{"unknown engine", "engine: fakecache", "engine: fakecahce",
			`x.yaml:2: engine: unknown engine "fakecahce" (did you mean "fakecache"?); registered: cache, fakecache`},
		{"probability above one", "", "network: {loss: 1.5}",
			`x.yaml:16: network.loss: a probability must be between 0 and 1, got 1.5`},
		{"partition with unknown node", "    crash: cache-1", "    partition: [[cache-1], [cache-2, cache-4]]",
			`x.yaml:13: faults[0].partition[1][1]: unknown node "cache-4" (did you mean "cache-1"?); the topology has cache-1, cache-2, cache-3`},
		{"node in two groups", "    crash: cache-1", "    partition: [[cache-1, cache-2], [cache-2]]",
			`x.yaml:13: faults[0].partition[1]: node "cache-2" is also in faults[0].partition[0]; a node belongs to one side`},
		{"partition with one group", "    crash: cache-1", "    partition: [[cache-1]]",
			`x.yaml:13: faults[0].partition: a partition needs at least two groups, e.g. [[cache-1], [cache-2, cache-3]]`},
		{"two actions", "    crash: cache-1\n", "    crash: cache-1\n    pause: cache-2\n",
			`x.yaml:14: faults[0]: "crash", "pause" exclude each other; give only one`},
		{"fault without time", "  - at: 10s\n    crash", "  - crash",
			`x.yaml:12: faults[0]: missing at (from the start of the run) or after (from the previous fault)`},
		{"fault after the end", "  - at: 10s", "  - at: 60s",
			`x.yaml:12: faults[0]: starts at 1m0s, not before the scenario's end (duration 1m0s)`},
		{"for on restart", "    crash: cache-1", "    restart: cache-1\n    for: 1s",
			`x.yaml:14: faults[0]: restart undoes a fault; it cannot last for a while`},
		{"overlapping repetitions", "    crash: cache-1", "    crash: cache-1\n    every: 1s\n    for: 2s",
			`x.yaml:15: faults[0].for: lasts 2s but repeats every 1s: the repetitions would overlap`},
		{"until without every", "    crash: cache-1", "    crash: cache-1\n    until: 20s",
			`x.yaml:14: faults[0]: until bounds repetitions; it needs every`},
		{"unknown delay kind", "", "network: {latency: {kind: normla, mean: 1ms}}",
			`x.yaml:16: network.latency.kind: unknown value "normla" (did you mean "normal"?); valid: constant, uniform, normal, exponential, lognormal, empirical`},
		{"empirical out of order", "", "network: {latency: {kind: empirical, quantiles: [40us, 90us, 60us]}}",
			`x.yaml:16: network.latency.quantiles[2]: 60µs is below the quantile before it (90µs): want ascending order`},
		{"empirical of one", "", "network: {latency: {kind: empirical, quantiles: [40us]}}",
			`x.yaml:16: network.latency.quantiles: 1 quantiles, want 2 to 10001 (the least and the largest at least)`},
		{"empirical not a list", "", "network: {latency: {kind: empirical, quantiles: 40us}}",
			`x.yaml:16: network.latency.quantiles: want a list of durations, least first: [50us, 80us, 2ms]`},
		{"empirical with a mean", "", "network: {latency: {kind: empirical, mean: 1ms, quantiles: [1ms, 2ms]}}",
			`x.yaml:16: network.latency: kind empirical takes only "quantiles", not "mean"`},
		{"delay field of another kind", "", "network: {latency: {kind: constant, mean: 1ms, stddev: 1ms}}",
			`x.yaml:16: network.latency: kind constant takes only "mean", not "stddev"`},
		{"delay missing field", "", "network: {latency: {kind: uniform, min: 1ms}}",
			`x.yaml:16: network.latency: kind uniform needs "min", "max"`},
		{"wrong type", "    clients: 8", "    clients: eight",
			`x.yaml:8: workload[0].clients: want a whole number, got "eight"`},
		{"duplicate field", "    clients: 8", "    clients: 8\n    clients: 9",
			`x.yaml:9: workload[0]: field "clients" given twice (first at line 8)`},
		{"unknown check", "  - error_rate", "  - eror_rate",
			`x.yaml:15: checks[0]: unknown check "eror_rate" (did you mean "error_rate"?); valid: linearizable, lost_acked_writes, latency, error_rate, converged`},
		{"latency check op", "", "  - latency: {op: gett, p99: 5ms}",
			`x.yaml:16: checks[1].latency.op: unknown value "gett" (did you mean "get"?); valid: del, get, incr, set`},
		{"latency check without bound", "", "  - latency: {op: get}",
			`x.yaml:16: checks[1].latency: want at least one bound: p50, p90, p99, p999, max`},
		{"check phase", "", "  - error_rate: {phase: stedy, max: 0.1}",
			`x.yaml:16: checks[1].error_rate.phase: unknown value "stedy" (did you mean "steady"?); valid: steady`},
		{"engine check params", "", "  - converged: {withn: 2s}",
			`x.yaml:16: checks[1].converged: unknown field "withn" (did you mean "within"?)`},
		{"engine config typo", "", "config: {appendfsinc: always}",
			`x.yaml:16: config: unknown field "appendfsinc" (did you mean "appendfsync"?)`},
		{"engine config value", "", "config:\n  appendfsync: sometimes",
			`x.yaml:17: config.appendfsync: argument must be 'always', 'everysec' or 'no', got "sometimes"`},
		{"engine config type", "", "config:\n  maxmemory: lots",
			"x.yaml:17: config: cannot unmarshal !!str `lots` into int64"},
		{"phase past the end", "    clients: 8", "    clients: 8\n    start: 30s\n    duration: 31s",
			`x.yaml:10: workload[0].duration: phase ends at 1m1s, after the scenario's end (duration 1m0s)`},
		{"closed loop with arrival", "    rate: 2000/s", "    concurrency: 8\n    arrival: poisson",
			`x.yaml:10: workload[0]: arrival applies to open-loop phases (rate), not to concurrency`},
		{"arrival kind", "    rate: 2000/s", "    rate: 2000/s\n    arrival: rmap:5000",
			`x.yaml:10: workload[0].arrival: schedule "rmap:5000": unknown kind "rmap" (want constant, poisson, ramp, step, sine, or poisson:SHAPE)`},
		{"poisson arrival shape", "    rate: 2000/s", "    rate: 2000/s\n    arrival: poisson:ramp",
			`x.yaml:10: workload[0].arrival: schedule "poisson:ramp": poisson:SHAPE: want ramp:TO or ramp:TO:OVER`},
		{"arrival sine too deep", "    rate: 2000/s", "    rate: 2000/s\n    arrival: sine:3000/s:10s",
			`x.yaml:10: workload[0].arrival: schedule sine:3000:10s: sine amplitude 3000: want 0 ≤ amplitude ≤ the rate 2000 (a rate never goes below 0)`},
		{"bad zipf", "    clients: 8", "    clients: 8\n    keys: {distribution: \"zipf:-1\"}",
			`x.yaml:9: workload[0].keys.distribution: key distribution "zipf:-1": the zipf exponent must be above zero`},
		{"clock drift", "    crash: cache-1", "    clock: {node: cache-9, drift_ppm: 1e7}",
			`x.yaml:13: faults[0].clock.node: unknown node "cache-9" (did you mean "cache-1"?); the topology has cache-1, cache-2, cache-3`},
		{"disk fault kind", "    crash: cache-1", "    disk: {node: cache-1, fault: EIO}",
			`x.yaml:13: faults[0].disk.fault: unknown value "EIO" (did you mean "eio"?); valid: eio, full`},
		{"random nemesis kinds", "    crash: cache-1", "    random: {rate: 1/10s, kinds: [crash, clock], for: 1s}",
			`x.yaml:13: faults[0].random.kinds[1]: unknown value "clock"; valid: crash, kill, pause, partition`},
		{"role of unknown node", "  nodes: [cache-1, cache-2, cache-3]", "  nodes: [cache-1, cache-2, cache-3]\n  roles: {cache-7: primary}",
			`x.yaml:6: topology.roles: unknown node "cache-7" (did you mean "cache-1"?); the topology has cache-1, cache-2, cache-3`},
		{"duplicate node", "[cache-1, cache-2, cache-3]", "[cache-1, cache-2, cache-1]",
			`x.yaml:5: topology.nodes[2]: node "cache-1" listed twice (also topology.nodes[0])`},
		{"bad node name", "[cache-1, cache-2, cache-3]", "[cache-1, cache-2, \"cache 3\"]",
			`x.yaml:5: topology.nodes[2]: invalid file name "cache 3": only letters, digits, '.', '-' and '_'`},
		{"expect fail without checks", "checks:\n  - error_rate: {max: 0.01}\n", "expect: fail\n",
			`x.yaml:14: expect: expect: fail needs at least one check that can fail`},
		{"expect value", "", "expect: passes",
			`x.yaml:16: expect: unknown value "passes" (did you mean "pass"?); valid: pass, fail`},
		{"seed negative", "", "seed: -1",
			`x.yaml:16: seed: want a whole number from 0 to 2^64-1, got -1`},
		{"syntax error", "    clients: 8", "    clients: [8",
			`x.yaml:7: invalid YAML: did not find expected ',' or ']'`},
		{"tab indentation", "    clients: 8", "\tclients: 8",
			`x.yaml:7: invalid YAML: found a tab character that violates indentation`},
		{"two documents", "", "---\nname: other",
			`x.yaml:16: more than one YAML document (---); a file holds one scenario`},
		{"not a mapping", base, "- a\n- b\n",
			`x.yaml:1: want a mapping of fields, got a list`},
		{"empty", base, "", `x.yaml:1: empty file`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var doc string
			switch {
			case tc.old == "":
				doc = base + tc.new + "\n"
			case !strings.Contains(base, tc.old):
				t.Fatalf("case edits %q, which base does not contain", tc.old)
			default:
				doc = strings.Replace(base, tc.old, tc.new, 1)
			}
			_, err := Parse("x.yaml", []byte(doc))
			if err == nil {
				t.Fatalf("no error for\n%s", doc)
			}
			var list ErrorList
			if !errors.As(err, &list) || len(list) == 0 {
				t.Fatalf("error is %T, want a non-empty ErrorList: %v", err, err)
			}
			if got := list[0].Error(); got != tc.want {
				t.Errorf("first error:\n got %s\nwant %s\nall errors:\n%v", got, tc.want, err)
			}
			for _, e := range list {
				if e.File != "x.yaml" || e.Line < 1 {
					t.Errorf("error without file:line: %#v", e)
				}
			}
		})
	}
}

func TestManyErrorsAllReported(t *testing.T) {
	doc := strings.NewReplacer("name: t", "nmae: t", "duration: 60s", "duration: 60", "rate: 2000/s", "rate: fast").Replace(base)
	_, err := Parse("x.yaml", []byte(doc))
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 3 {
		t.Fatalf("want 3 errors (name typo, duration, rate; not a second one for the missing name), got %v", err)
	}
	for i := 1; i < len(list); i++ {
		if list[i].Line < list[i-1].Line {
			t.Errorf("errors out of line order: %v", err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"))
	if !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), "nope.yaml") {
		t.Errorf("Load of a missing file: %v", err)
	}
}

func TestRegisterRejectsMistakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		e    Engine
	}{
		{"duplicate", fakeCache{}},
		{"shadowing check", shadowingEngine{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Register did not panic")
				}
			}()
			Register(tc.e)
		})
	}
}

type shadowingEngine struct{ fakeCache }

func (shadowingEngine) Name() string     { return "shadow" }
func (shadowingEngine) Checks() []string { return []string{"latency"} }

// TestReadmeExample keeps the documentation honest: the complete file in
// scenarios/README.md must load (against the fake engine).
func TestReadmeExample(t *testing.T) {
	readme, err := os.ReadFile("../scenarios/README.md")
	if err != nil {
		t.Fatalf("read README: %v", err)
	}
	_, rest, found := strings.Cut(string(readme), "## A complete file")
	_, rest, found2 := strings.Cut(rest, "```yaml\n")
	example, _, found3 := strings.Cut(rest, "```")
	if !found || !found2 || !found3 {
		t.Fatalf("README has no yaml block under \"## A complete file\"")
	}
	example = strings.Replace(example, "engine: cache ", "engine: fakecache ", 1)
	s, err := Parse("README.md", []byte(example))
	if err != nil {
		t.Fatalf("README example does not load:\n%v", err)
	}
	if len(s.Faults) != 7 || len(s.Checks) != 4 || s.Workload[0].Arrival != ArrivalPoisson {
		t.Errorf("README example parsed to %d faults, %d checks, arrival %q", len(s.Faults), len(s.Checks), s.Workload[0].Arrival)
	}
}

func BenchmarkParseFull(b *testing.B) {
	data, err := os.ReadFile("testdata/full.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("full.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// A misspelled required field or action is reported once, as a typo,
// not again as missing.
func TestTypoReportedOnce(t *testing.T) {
	doc := strings.Replace(base, "    crash: cache-1", "    crsh: cache-1", 1)
	_, err := Parse("x.yaml", []byte(doc))
	want := `x.yaml:13: faults[0]: unknown field "crsh" (did you mean "crash"?)`
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant exactly\n%s", err, want)
	}
}
