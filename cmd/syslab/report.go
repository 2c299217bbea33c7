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
	synopsis: "DIR|results.json [--out DIR]",
	summary:  "render a saved results.json again into summary.md and index.html",
	run:      rerenderReport,
}

func rerenderReport(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
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
