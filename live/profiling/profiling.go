// Package profiling profiles a live process for as long as it runs: either
// continuously to a Pyroscope server (github.com/grafana/pyroscope-go) or,
// without one, into a CPU profile and a heap profile written into a folder
// on exit, for `go tool pprof`.
package profiling

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"

	"github.com/grafana/pyroscope-go"
)

// Files written into Config.Dir.
const (
	CPUFile  = "cpu.pprof"
	HeapFile = "heap.pprof"
)

// Config says where profiles go. PyroscopeURL wins over Dir; with neither,
// Start does nothing.
type Config struct {
	// AppName names the application in Pyroscope ("syslab.cache").
	AppName string
	// PyroscopeURL is the server's base URL ("http://localhost:4040");
	// profiles are pushed to its /ingest.
	PyroscopeURL string
	// Tags are added to every pushed profile.
	Tags map[string]string
	// Dir receives cpu.pprof and heap.pprof when Stop is called.
	Dir string
	// Log receives Pyroscope's errors; nil discards.
	Log io.Writer
}

// Profiler is a running profiling session.
type Profiler struct {
	stop func() error
}

// Start begins profiling. The caller must call Stop before exiting, or
// the last profiles are lost.
func Start(cfg Config) (*Profiler, error) {
	switch {
	case cfg.PyroscopeURL != "":
		return startPyroscope(cfg)
	case cfg.Dir != "":
		return startFiles(cfg.Dir)
	}
	return &Profiler{stop: func() error { return nil }}, nil
}

// Stop ends profiling and delivers what was collected: the last profiles
// pushed to Pyroscope (it waits for the upload), or the files written.
func (p *Profiler) Stop() error { return p.stop() }

func startPyroscope(cfg Config) (*Profiler, error) {
	u, err := url.Parse(cfg.PyroscopeURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("pyroscope URL %q: want http(s)://host[:port]", cfg.PyroscopeURL)
	}
	if cfg.AppName == "" {
		return nil, errors.New("pyroscope: no application name")
	}
	var logger pyroscope.Logger
	if cfg.Log != nil {
		logger = errorLogger{cfg.Log}
	}
	p, err := pyroscope.Start(pyroscope.Config{
		ApplicationName: cfg.AppName,
		ServerAddress:   cfg.PyroscopeURL,
		Tags:            cfg.Tags,
		Logger:          logger,
		ProfileTypes: []pyroscope.ProfileType{
			pyroscope.ProfileCPU,
			pyroscope.ProfileAllocObjects, pyroscope.ProfileAllocSpace,
			pyroscope.ProfileInuseObjects, pyroscope.ProfileInuseSpace,
			pyroscope.ProfileGoroutines,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("pyroscope: %w", err)
	}
	return &Profiler{stop: func() error {
		// Stop alone may drop the profiles of the last period: flush
		// and wait for the upload first.
		p.Flush(true)
		return p.Stop()
	}}, nil
}

func startFiles(dir string) (*Profiler, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("profile dir: %w", err)
	}
	cpu, err := os.Create(filepath.Join(dir, CPUFile))
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return &Profiler{stop: func() error {
		pprof.StopCPUProfile()
		errCPU := cpu.Close()
		return errors.Join(errCPU, writeHeap(filepath.Join(dir, HeapFile)))
	}}, nil
}

func writeHeap(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("heap profile: %w", err)
	}
	runtime.GC() // the heap profile shows the state as of the last GC
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("heap profile: %w", err)
	}
	return f.Close()
}

// errorLogger passes Pyroscope's errors on and drops its chatter.
type errorLogger struct{ w io.Writer }

func (l errorLogger) Infof(string, ...any)  {}
func (l errorLogger) Debugf(string, ...any) {}
func (l errorLogger) Errorf(format string, args ...any) {
	fmt.Fprintf(l.w, "pyroscope: "+format+"\n", args...)
}
