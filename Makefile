# syslab — the two set-up commands are `make run` and `make test`.
# Everything else here is for working on the lab.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := run

GO      ?= go
BIN     := bin/syslab
OUT     ?= out
# Seeds for `make sweep`, as a range FIRST..LAST, and the smaller sweep
# `make test` runs on every push.
SEEDS   ?= 1..200
CI_SEEDS ?= 1..20
# Every scenario file, for `make sweep`.
SCENARIOS = $(shell find scenarios -name '*.yaml' -not -path '*/testdata/*' 2>/dev/null | sort)

.PHONY: build run test scenario sweep bench calibrate lint clean

build:
	$(GO) build -o $(BIN) ./cmd/syslab

# The simulated scenario suite: every scenario under scenarios/, in sim mode.
run: build
	$(BIN) run-suite scenarios/ --out $(OUT)/

# Unit tests, fuzz seed corpora (they run as ordinary tests), sim scenarios
# with determinism checks, the purity lint, tests against real peers
# (redis-server, …) when installed, then every scenario over 20 seeds.
# Budget: 15 minutes on 2 cores.
test: build
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 14m ./...
	@echo "sweep: every scenario over seeds $(CI_SEEDS) (a failing seed prints its replay command)"
	$(BIN) sweep --seeds $(CI_SEEDS) --out $(OUT)/ci-sweep $(SCENARIOS)

# One scenario: make scenario S=scenarios/cache/single-node-crash.yaml
scenario: build
	@test -n "$(S)" || { echo 'usage: make scenario S=path/to/scenario.yaml' >&2; exit 2; }
	$(BIN) run $(S) --out $(OUT)/

# Every scenario over many seeds: make sweep SEEDS=1..50
sweep: build
	@test -n "$(SCENARIOS)" || { echo 'no scenarios under scenarios/' >&2; exit 2; }
	$(BIN) sweep --seeds $(SEEDS) --out $(OUT)/sweep $(SCENARIOS)

# Benchmarks of the simulator and the engines, 5 runs each; the raw output
# is kept in $(OUT)/bench.txt and summarised as medians (sim events/s first).
bench: build
	@mkdir -p $(OUT)
	$(GO) test -run '^$$' -bench . -benchmem -count 5 ./sim/... ./engines/... | tee $(OUT)/bench.txt
	@echo
	$(BIN) benchsum $(OUT)/bench.txt

# Our cache server side by side with redis-server under redis-benchmark, plus
# memory per key; report in $(OUT)/bench-cache.md. Quicker: REQUESTS=100000.
.PHONY: bench-cache
bench-cache: build
	OUT=$(OUT) scripts/bench-cache.sh

# Redis 7.0's own tcl test suite against `syslab serve cache`: needs tclsh
# and REDIS_SRC=path/to/redis-7.0.x (Debian: apt-get source redis); UNITS
# picks files ("unit/type/list unit/expire"), default the data-type ones.
.PHONY: redis-test-suite
redis-test-suite: build
	scripts/redis-test-suite.sh $(UNITS)

# `syslab load` against redis-benchmark, same servers (redis-server and
# `syslab serve cache`), same closed-loop settings; the table of ops/s,
# p50 and p99 with the ratios goes to $(OUT)/load-vs-redis-benchmark.md.
# Quicker: ROUNDS=1 DURATION=3s REQUESTS=100000.
.PHONY: load-vs-redis-benchmark
load-vs-redis-benchmark: build
	OUT=$(OUT) scripts/load-vs-redis-benchmark.sh

# A local Redis Cluster of six cache nodes (three masters, a replica each),
# formed by the real redis-cli --cluster create; Ctrl-C stops it. Settings:
# PORT (first client port, default 7000), NODES, REPLICAS, NODE_TIMEOUT
# (ms), DIR, DETACH=1 (leave it running).
.PHONY: cluster
cluster: build
	scripts/cluster-up.sh

# The cache's sim CPU cost table from its own benchmarks, 5 runs each: the
# median ns/op of each per-command benchmark becomes that command's virtual
# CPU cost, and half the median CPU time (cpu-ns/op, getrusage) of a GET
# round trip through the live transport, less the GET, becomes the cost of
# every message a node takes off the network. Written to
# engines/cache/cost_calibrated.go, which is checked in (how each figure
# was made is at its top). Run it on a quiet machine: ns/op is wall time;
# the raw output is kept in $(OUT)/calibrate-bench.txt.
CALIBRATE_BENCH = ^BenchmarkNode(Get|Set|Hget|Hset|Sadd|Sismember|Zadd|Zscore|Zrank|Zincrby|Incr|Lpush|Rpush|Lpop|Rpop|Llen|Lindex)$$
calibrate: build
	@mkdir -p $(OUT)
	$(GO) test -run '^$$' -bench '$(CALIBRATE_BENCH)' -count 5 ./engines/cache | tee $(OUT)/calibrate-bench.txt
	$(GO) test -run '^$$' -bench '^BenchmarkLiveGetRoundTrip$$' -benchtime 20000x -count 5 ./engines/cache/cachelab | tee -a $(OUT)/calibrate-bench.txt
	$(BIN) calibrate $(OUT)/calibrate-bench.txt --out engines/cache/cost_calibrated.go

# Static checks: go vet, the purity lint (core packages stay deterministic)
# and formatting.
lint:
	$(GO) vet ./...
	$(GO) test -count=1 -run 'TestRepositoryIsPure|TestFixture' ./lint/
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed on:"; echo "$$unformatted"; exit 1; fi

clean:
	rm -rf bin $(OUT)
