package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"

	"syslab/live/profiling"
	"syslab/live/promexport"
	"syslab/node"
)

// observeFlags are the observability flags every `syslab serve <engine>`
// takes: a Prometheus /metrics listener and profiling.
type observeFlags struct {
	appName     string
	metricsAddr *string
	pyroscope   *string
	profileDir  *string
	// metrics is set by start when --metrics-addr is given; nil otherwise
	// (the server then records nothing).
	metrics node.Metrics
}

func addObserveFlags(fs *flag.FlagSet, appName string) *observeFlags {
	return &observeFlags{
		appName:     appName,
		metricsAddr: fs.String("metrics-addr", "", "serve Prometheus metrics on `address`/metrics (\"127.0.0.1:9121\"; empty: off)"),
		pyroscope:   fs.String("pyroscope", "", "push continuous profiles to the Pyroscope server at `URL` (application "+appName+")"),
		profileDir:  fs.String("profile-dir", "", "without --pyroscope: write cpu.pprof and heap.pprof of the run into `directory` on exit"),
	}
}

// validate checks the flags' values before anything starts.
func (o *observeFlags) validate() error {
	if *o.pyroscope != "" {
		if u, err := url.Parse(*o.pyroscope); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return usagef("invalid value %q for --pyroscope: want http(s)://host[:port]", *o.pyroscope)
		}
	}
	return nil
}

// start starts what the flags ask for; the returned function stops it all
// and reports what failed on the way out.
func (o *observeFlags) start(stderr io.Writer) (stop func() error, err error) {
	var stops []func() error
	stopAll := func() error {
		var errs []error
		for i := len(stops) - 1; i >= 0; i-- {
			errs = append(errs, stops[i]())
		}
		return errors.Join(errs...)
	}
	if *o.metricsAddr != "" {
		exp := promexport.New(promexport.Config{Log: stderr})
		srv, err := promexport.Serve(*o.metricsAddr, exp)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(stderr, "metrics on http://%s/metrics\n", srv.Addr())
		o.metrics = exp
		stops = append(stops, srv.Close)
	}
	dir := *o.profileDir
	if *o.pyroscope != "" {
		dir = "" // Pyroscope wins: the profiles are there
	}
	prof, err := profiling.Start(profiling.Config{AppName: o.appName, PyroscopeURL: *o.pyroscope, Dir: dir, Log: stderr})
	if err != nil {
		return nil, errors.Join(err, stopAll())
	}
	stops = append(stops, func() error {
		if err := prof.Stop(); err != nil {
			return err
		}
		if dir != "" {
			fmt.Fprintf(stderr, "profiles written to %s\n", dir)
		}
		return nil
	})
	return stopAll, nil
}
