package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"syslab/check"
)

var checkCommand = command{
	name:     "check",
	synopsis: "HISTORY.json [--model register|counter|set|list] [--timeout 60s] [--viz FILE.html]",
	summary:  "check a saved history for linearizability; exit 1 if it is not linearizable or the check could not decide",
	run:      checkHistory,
}

func checkHistory(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	model := fs.String("model", "register", "porcupine model: "+strings.Join(check.ModelNames(), ", "))
	timeout := fs.Duration("timeout", time.Minute, "give up (verdict unknown) after this much real time")
	viz := fs.String("viz", "", "write porcupine's visualization of a violation here")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return usagef("want exactly one history file, got %d", len(files))
	}
	f, err := os.Open(files[0])
	if err != nil {
		return badInputError{err}
	}
	defer f.Close()
	h, err := check.ReadHistory(f)
	if err != nil {
		return badInputError{fmt.Errorf("%s: %w", files[0], err)}
	}
	res := check.Linearizable(h, *model, *timeout, *viz)
	fmt.Fprintf(stdout, "%s: %s\n", res.Verdict, res.Detail)
	for _, a := range res.Artifacts {
		fmt.Fprintf(stdout, "  visualization: %s\n", a)
	}
	if res.Verdict != check.Pass {
		return checkFailedError{fmt.Sprintf("%s: %s", files[0], res.Verdict)}
	}
	return nil
}
