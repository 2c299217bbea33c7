package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelpPrinted: the user asked for -h and got the command's usage.
var errHelpPrinted = errors.New("help printed")

// newFlagSet returns a FlagSet for a subcommand whose errors and usage go to
// stderr, so every subcommand reports bad flags the same way.
func newFlagSet(name, synopsis, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: %s\n\n%s\n", strings.TrimSpace(name+" "+synopsis), summary)
		if hasFlags(fs) {
			fmt.Fprintln(stderr, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args, turning the flag package's outcomes into ours: -h
// is a success, anything else wrong is a usage error already printed.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, flag.ErrHelp):
		return errHelpPrinted
	default:
		return errUsagePrinted
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}
