package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"syslab/reports"
)

var reportCommand = command{
	name:     "report",
	synopsis: "DIR|results.json [--out DIR]  |  merge OUT DIR|results.json...",
	summary:  "render a saved results.json again into summary.md and index.html, or merge several runs' results (HDR histograms merged) into OUT",
	run:      rerenderReport,
}

func rerenderReport(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "merge" {
		return mergeReports(fs, args[1:], stdout)
	}
	out := fs.String("out", "", "folder to write into (default: the results.json's folder)")
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(paths) != 1 {
		return usagef("want exactly one run folder or results.json, got %d", len(paths))
	}
	path := paths[0]
	if filepath.Ext(path) != ".json" {
		path = filepath.Join(path, "results.json")
	}
	run, err := reports.ReadRun(path)
	if err != nil {
		return badInputError{err}
	}
	dir := *out
	if dir == "" {
		dir = filepath.Dir(path)
	}
	if err := reports.Write(dir, run); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", filepath.Join(dir, "index.html"))
	return nil
}

// mergeReports is `syslab report merge OUT DIR...`: the runs of one load
// taken from several machines, as one report.
func mergeReports(fs *flag.FlagSet, args []string, stdout io.Writer) error {
	paths, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if isFlagSet(fs, "out") {
		return usagef("merge takes its output folder as its first argument, not --out")
	}
	if len(paths) < 2 {
		return usagef("merge: want OUT and at least one run folder or results.json, got %d arguments", len(paths))
	}
	dir, sources := paths[0], paths[1:]
	var runs []*reports.Run
	for _, path := range sources {
		if filepath.Ext(path) != ".json" {
			path = filepath.Join(path, reports.ResultsFile)
		}
		run, err := reports.ReadRun(path)
		if err != nil {
			return badInputError{err}
		}
		runs = append(runs, run)
	}
	merged, err := reports.MergeRuns(runs)
	if err != nil {
		return badInputError{err}
	}
	if err := reports.Write(dir, merged); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", filepath.Join(dir, reports.PageFile))
	return nil
}
