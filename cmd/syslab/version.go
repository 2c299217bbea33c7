package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version is syslab's release; bump it when cutting one.
const version = "0.1.0-dev"

var versionCommand = command{
	name:     "version",
	synopsis: "",
	summary:  "print syslab's version, the Go version and the source revision",
	run:      runVersion,
}

func runVersion(_ context.Context, fs *flag.FlagSet, args []string, stdout, _ io.Writer) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	fmt.Fprintf(stdout, "syslab %s\n", version)
	fmt.Fprintf(stdout, "go %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	fmt.Fprintf(stdout, "revision %s\n", revision())
	return nil
}

// revision describes the source the binary was built from, as recorded by
// the go command when it builds inside a VCS checkout.
func revision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown (no build info)"
	}
	var rev, when string
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if rev == "" {
		return "unknown (built without VCS information)"
	}
	if when != "" {
		rev += " " + when
	}
	if modified {
		rev += " (modified)"
	}
	return rev
}
