package main

import (
	"flag"

	"syslab/lab"
)

// probeFlags are the flags `capacity` and `fidelity` share: both run short
// probes of one scenario at chosen rates.
type probeFlags struct {
	fs              *flag.FlagSet
	op              *string
	duration        *string
	defaultDuration string
	clients         *int
	seed            *uint64
	out             *string
}

func addProbeFlags(fs *flag.FlagSet, defaultDuration, opUsage, outUsage string) *probeFlags {
	return &probeFlags{
		fs:              fs,
		op:              fs.String("op", "", opUsage),
		duration:        fs.String("duration", defaultDuration, "length of each probe run"),
		defaultDuration: defaultDuration,
		clients:         fs.Int("clients", 0, "clients per workload phase (default: the scenario's)"),
		seed:            fs.Uint64("seed", 0, "run with this seed instead of the scenario's"),
		out:             fs.String("out", "", outUsage),
	}
}

// load parses args, checks the shared flags and loads the one scenario
// file they name. check runs after parsing and before loading, for the
// command's own flags.
func (p *probeFlags) load(args []string, check func() error) (*lab.Scenario, lab.ProbeSpec, error) {
	files, err := parseInterleaved(p.fs, args)
	if err != nil {
		return nil, lab.ProbeSpec{}, err
	}
	if len(files) != 1 {
		return nil, lab.ProbeSpec{}, usagef("want exactly one scenario file, got %d", len(files))
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, lab.ProbeSpec{}, err
		}
	}
	probe, err := lab.ParseDuration(*p.duration)
	if err != nil || probe <= 0 {
		return nil, lab.ProbeSpec{}, usagef("--duration %q: want a positive duration such as %s", *p.duration, p.defaultDuration)
	}
	if *p.clients < 0 {
		return nil, lab.ProbeSpec{}, usagef("--clients %d: want a positive count", *p.clients)
	}
	sc, err := lab.Load(files[0])
	if err != nil {
		return nil, lab.ProbeSpec{}, badInputError{err}
	}
	return sc, lab.ProbeSpec{Duration: probe, Clients: *p.clients}, nil
}

// runOptions applies --seed to the options of every probe run.
func (p *probeFlags) runOptions(o lab.Options) lab.Options {
	if isFlagSet(p.fs, "seed") {
		o.Seed, o.SeedSet = *p.seed, true
	}
	return o
}
