package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"syslab/lab"
	"syslab/reports"
)

var runSuiteCommand = command{
	name:     "run-suite",
	synopsis: "[DIR] [--out DIR]",
	summary:  "run every scenario under DIR (default scenarios/) with its own seed; the body of `make run`",
	run:      runSuite,
}

func runSuite(ctx context.Context, flags *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	out := flags.String("out", "out", "folder for the reports: one sub-folder per scenario, and an index")
	dirs, err := parseInterleaved(flags, args)
	if err != nil {
		return err
	}
	if len(dirs) > 1 {
		return usagef("want at most one scenario folder")
	}
	root := "scenarios"
	if len(dirs) == 1 {
		root = dirs[0]
	}
	files, err := scenarioFiles(root)
	if err != nil {
		return badInputError{err}
	}
	if len(files) == 0 {
		return badInputError{fmt.Errorf("no scenario files (*.yaml) under %s", root)}
	}
	var entries []reports.SuiteEntry
	unexpected := 0
	for _, file := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		sc, err := lab.Load(file)
		if err != nil {
			return badInputError{err}
		}
		dir := filepath.Join(*out, sc.Name)
		opts := lab.Options{OutDir: dir, RealClock: time.Now}
		if isTerminal(stderr) {
			opts.Progress = stderr
		}
		run, err := lab.Run(sc, opts)
		if err != nil {
			if errors.Is(err, lab.ErrBadScenario) {
				return badInputError{err}
			}
			return err
		}
		ok := run.Verdict == reports.VerdictPass || run.Verdict == reports.VerdictExpectedFail
		mark := "ok  "
		if !ok {
			mark = "FAIL"
			unexpected++
		}
		note := ""
		if run.Verdict == reports.VerdictExpectedFail {
			note = " (expected: the scenario demonstrates a failure the lab must catch)"
		}
		fmt.Fprintf(stdout, "%s %-28s %-13s %s%s\n", mark, sc.Name, run.Verdict, filepath.Join(dir, "index.html"), note)
		entries = append(entries, reports.SuiteEntry{Dir: sc.Name, Run: run})
	}
	if err := reports.WriteSuiteIndex(*out, entries); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nsuite index: %s\n", filepath.Join(*out, "index.html"))
	if unexpected > 0 {
		return checkFailedError{fmt.Sprintf("%d of %d scenarios did not end as they expect", unexpected, len(files))}
	}
	return nil
}

// scenarioFiles lists the *.yaml files under root, sorted, so the suite
// runs in the same order everywhere.
func scenarioFiles(root string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}
