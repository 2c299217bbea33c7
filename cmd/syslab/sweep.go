package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"syslab/lab"
	"syslab/reports"
)

var sweepCommand = command{
	name:     "sweep",
	synopsis: "FILE... [--seeds 1..200] [--jobs N] [--out DIR]",
	summary:  "run scenarios over many seeds in parallel; print failing seeds and how to replay them",
	run:      sweepScenarios,
}

// seedsMax bounds one sweep, so a typo like 1..1000000000 fails fast.
const seedsMax = 100000

func sweepScenarios(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	seedSpec := fs.String("seeds", "1..200", "seeds to run: a range A..B, a list 1,5,9, or both: 1..10,42")
	jobs := fs.Int("jobs", runtime.NumCPU(), "runs at the same time")
	out := fs.String("out", "out/sweep", "folder for the index and one sub-folder per scenario and seed")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("want at least one scenario file")
	}
	seeds, err := parseSeeds(*seedSpec)
	if err != nil {
		return usagef("--seeds: %v", err)
	}
	if *jobs < 1 {
		return usagef("--jobs %d: want at least 1", *jobs)
	}
	var scenarios []*lab.Scenario
	for _, f := range files {
		sc, err := lab.Load(f)
		if err != nil {
			return badInputError{err}
		}
		scenarios = append(scenarios, sc)
	}
	unexpected := 0
	for _, sc := range scenarios {
		dir := filepath.Join(*out, sc.Name)
		runs, err := sweepOne(ctx, sc, seeds, *jobs, dir, stderr)
		if err != nil {
			return err
		}
		if err := reports.WriteSweepIndex(dir, runs); err != nil {
			return err
		}
		bad := 0
		for _, run := range runs {
			if run.Verdict != reports.VerdictPass && run.Verdict != reports.VerdictExpectedFail {
				bad++
				fmt.Fprintf(stdout, "%s seed %d: %s — replay: %s\n", sc.Name, run.Seed, run.Verdict, run.Reproduce)
			}
		}
		fmt.Fprintf(stdout, "%s: %d of %d seeds as expected; index: %s\n", sc.Name, len(runs)-bad, len(runs), filepath.Join(dir, "index.html"))
		unexpected += bad
	}
	if unexpected > 0 {
		return checkFailedError{fmt.Sprintf("%d runs did not meet their scenario's expectation", unexpected)}
	}
	return nil
}

// sweepOne runs sc once per seed, jobs at a time. Each run has its own
// world, so runs share nothing but the read-only scenario.
func sweepOne(ctx context.Context, sc *lab.Scenario, seeds []uint64, jobs int, dir string, stderr io.Writer) ([]*reports.Run, error) {
	runs := make([]*reports.Run, len(seeds))
	errs := make([]error, len(seeds))
	next := make(chan int)
	var wg sync.WaitGroup
	var done sync.Mutex
	finished := 0
	for range min(jobs, len(seeds)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				opts := lab.Options{Seed: seeds[i], SeedSet: true, RealClock: time.Now}
				opts.OutDir = filepath.Join(dir, "seed-"+strconv.FormatUint(seeds[i], 10))
				runs[i], errs[i] = lab.Run(sc, opts)
				done.Lock()
				finished++
				if isTerminal(stderr) {
					fmt.Fprintf(stderr, "\r%s: %d/%d seeds", sc.Name, finished, len(seeds))
				}
				done.Unlock()
			}
		}()
	}
feed:
	for i := range seeds {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if isTerminal(stderr) {
		fmt.Fprintln(stderr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []*reports.Run
	for i, err := range errs {
		if err != nil {
			if errors.Is(err, lab.ErrBadScenario) {
				return nil, badInputError{err}
			}
			return nil, fmt.Errorf("seed %d: %w", seeds[i], err)
		}
		out = append(out, runs[i])
	}
	return out, nil
}

// parseSeeds reads "1..200", "1,5,9" or a mix such as "1..10,42".
func parseSeeds(spec string) ([]uint64, error) {
	var seeds []uint64
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "..")
		a, err := strconv.ParseUint(lo, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a seed or a range A..B", part)
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 64); err != nil || b < a {
				return nil, fmt.Errorf("%q is not a range A..B with A ≤ B", part)
			}
		}
		if b-a >= seedsMax || len(seeds)+int(b-a+1) > seedsMax {
			return nil, fmt.Errorf("more than %d seeds", seedsMax)
		}
		for s := a; ; s++ {
			seeds = append(seeds, s)
			if s == b {
				break
			}
		}
	}
	return seeds, nil
}
