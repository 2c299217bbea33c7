package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"syslab/lab"
	"syslab/reports"
)

var runCommand = command{
	name:     "run",
	synopsis: "FILE [--seed N] [--mode sim|live] [--out DIR]",
	summary:  "run one scenario and write its report; exit 1 if a check fails",
	run:      runScenario,
}

// checkFailedError says the run worked but the scenario's checks did not
// all pass: exit status 1, as opposed to 2 for bad input.
type checkFailedError struct{ msg string }

func (e checkFailedError) Error() string { return e.msg }

func runScenario(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	seed := fs.Uint64("seed", 0, "run with this seed instead of the scenario's")
	mode := fs.String("mode", "sim", "sim (deterministic simulator) or live (real servers)")
	out := fs.String("out", "", "report folder (default out/<scenario>/seed-<N>)")
	quiet := fs.Bool("quiet", false, "no progress line")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("want exactly one scenario file, got %d", len(files))
	}
	sc, err := lab.Load(files[0])
	if err != nil {
		return badInputError{err}
	}
	opts := lab.Options{Mode: *mode, RealClock: time.Now}
	if isFlagSet(fs, "seed") {
		opts.Seed, opts.SeedSet = *seed, true
	}
	effectiveSeed := sc.Seed
	if opts.SeedSet {
		effectiveSeed = opts.Seed
	}
	opts.OutDir = *out
	if opts.OutDir == "" {
		opts.OutDir = filepath.Join("out", sc.Name, fmt.Sprintf("seed-%d", effectiveSeed))
	}
	if !*quiet && isTerminal(stderr) {
		opts.Progress = stderr
	}
	run, err := lab.Run(sc, opts)
	if err != nil {
		if errors.Is(err, lab.ErrBadScenario) {
			return badInputError{err}
		}
		return err
	}
	printRunSummary(stdout, run, opts.OutDir)
	switch run.Verdict {
	case reports.VerdictPass:
		return nil
	case reports.VerdictExpectedFail:
		// The scenario demonstrates a failure; its checks still failed, and
		// the exit status says so. `run-suite` is where expectations count.
		return checkFailedError{fmt.Sprintf("%s: checks failed, as the scenario expects (reproduce: %s)", run.Scenario, run.Reproduce)}
	}
	return checkFailedError{fmt.Sprintf("%s: %s (reproduce: %s)", run.Scenario, run.Verdict, run.Reproduce)}
}

func printRunSummary(w io.Writer, run *reports.Run, dir string) {
	fmt.Fprintf(w, "%s  seed %d  %s  trace %s  %d events in %v virtual\n",
		strings.ToUpper(run.Verdict), run.Seed, run.Scenario, run.TraceHash, run.Events, time.Duration(run.VirtualDuration))
	for _, c := range run.Checks {
		fmt.Fprintf(w, "  %-7s %s: %s\n", c.Verdict, c.Name, c.Detail)
	}
	fmt.Fprintf(w, "  report: %s\n", filepath.Join(dir, "index.html"))
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			set = true
		}
	})
	return set
}

// isTerminal reports whether w is a terminal, where a progress line
// redrawn in place is welcome.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// badInputError: the user's file or arguments are wrong (exit 2), as
// opposed to a check that failed (exit 1).
type badInputError struct{ err error }

func (e badInputError) Error() string { return e.err.Error() }
func (e badInputError) Unwrap() error { return e.err }
