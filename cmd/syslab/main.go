// Command syslab runs the lab: it serves engines as real servers and (as the
// lab grows) runs scenarios in the simulator or live, sweeps seeds, checks
// histories and renders reports.
//
// Usage:
//
//	syslab <command> [flags] [args]
//
// Exit status: 0 on success; 1 when the command ran and failed (for run,
// sweep and check: a check failed); 2 on bad usage or bad input (unknown
// command, bad flag, a scenario file with an error).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand. Each lives in its own file, named after it.
type command struct {
	name     string
	synopsis string // the arguments, as usage shows them
	summary  string // one line
	// run does the work. fs comes ready to parse args: its errors and usage
	// text go to stderr, titled with this command's synopsis and summary.
	run func(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error
}

// commands is the dispatch table, in the order usage lists them.
var commands = []command{
	runCommand,
	runSuiteCommand,
	sweepCommand,
	capacityCommand,
	fidelityCommand,
	checkCommand,
	reportCommand,
	serveCommand,
	loadCommand,
	versionCommand,
	benchsumCommand,
	calibrateCommand,
}

// usageError marks a mistake in how syslab was called: it exits with
// status 2 after the usage text.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{msg: fmt.Sprintf(format, args...)}
}

// errUsagePrinted is a usage error whose message and usage text were already
// printed, by the flag package.
var errUsagePrinted = errors.New("usage already printed")

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return exitOK
	}
	cmd, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "syslab: unknown command %q\n\n", name)
		printUsage(stderr)
		return exitUsage
	}
	fs := newFlagSet("syslab "+cmd.name, cmd.synopsis, cmd.summary, stderr)
	err := cmd.run(ctx, fs, args[1:], stdout, stderr)
	var usageErr usageError
	var badInput badInputError
	var checkFailed checkFailedError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &checkFailed):
		fmt.Fprintf(stderr, "syslab %s: %v\n", cmd.name, err)
		return exitFailure
	case errors.As(err, &badInput):
		fmt.Fprintf(stderr, "syslab %s: %v\n", cmd.name, err)
		return exitUsage
	case errors.Is(err, errHelpPrinted):
		return exitOK
	case errors.Is(err, errUsagePrinted):
		return exitUsage
	case errors.As(err, &usageErr):
		fmt.Fprintf(stderr, "syslab %s: %s\n", cmd.name, usageErr.msg)
		fmt.Fprintf(stderr, "usage: syslab %s %s\n", cmd.name, cmd.synopsis)
		fmt.Fprintf(stderr, "run 'syslab %s -h' for its flags\n", cmd.name)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "syslab %s: %v\n", cmd.name, err)
		return exitFailure
	}
}

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: syslab <command> [flags] [args]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "run 'syslab <command> -h' for a command's flags")
}
