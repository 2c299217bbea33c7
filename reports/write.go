package reports

import (
	"fmt"
	"os"
	"path/filepath"
)

// File names inside a run's folder.
const (
	ResultsFile = "results.json"
	SummaryFile = "summary.md"
	PageFile    = "index.html"
)

// Write renders run into dir (created if needed): results.json, summary.md
// and index.html. Everything is rendered before anything is written, so a
// run that cannot be rendered leaves no half report behind.
func Write(dir string, run *Run) error {
	if run == nil {
		return fmt.Errorf("reports.Write %s: nil run", dir)
	}
	results, err := MarshalResults(run)
	if err != nil {
		return fmt.Errorf("report %s: %w", dir, err)
	}
	summary, err := Summary(run)
	if err != nil {
		return fmt.Errorf("report %s: %w", dir, err)
	}
	page, err := Page(run)
	if err != nil {
		return fmt.Errorf("report %s: %w", dir, err)
	}
	return writeFiles(dir, map[string][]byte{
		ResultsFile: results,
		SummaryFile: []byte(summary),
		PageFile:    []byte(page),
	})
}

// writeFiles writes each file through a temporary name and a rename, so a
// reader (a browser refreshing, a sweep index being built) never sees a
// truncated file.
func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, name := range sortedKeys(files) {
		path := filepath.Join(dir, name)
		tmp := path + ".tmp"
		if err := os.WriteFile(tmp, files[name], 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return err
		}
	}
	return nil
}
