package profiling

import (
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/pprof/profile"
)

// burn does some CPU work and allocation for the profiles to see.
func burn() {
	var sum [32]byte
	buf := make([]byte, 1<<16)
	for i := range 200 {
		buf[i%len(buf)] = byte(i)
		sum = sha256.Sum256(append(buf, sum[:]...))
	}
	_ = sum
}

// push is one upload Pyroscope's client made.
type push struct {
	name    string
	profile *profile.Profile
}

// TestPyroscopePush runs the profiler against a fake Pyroscope server that
// decodes every pushed pprof.
func TestPyroscopePush(t *testing.T) {
	var mu sync.Mutex
	var pushes []push
	var failures []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		if r.URL.Path != "/ingest" || r.Method != http.MethodPost {
			failures = append(failures, r.Method+" "+r.URL.Path)
			http.NotFound(w, r)
			return
		}
		file, _, err := r.FormFile("profile")
		if err != nil {
			failures = append(failures, "no profile part: "+err.Error())
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		defer file.Close()
		p, err := profile.Parse(file) // gzip'd or raw profile proto
		if err != nil {
			failures = append(failures, "bad pprof: "+err.Error())
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		pushes = append(pushes, push{name: r.URL.Query().Get("name"), profile: p})
	}))
	defer srv.Close()

	p, err := Start(Config{AppName: "syslab.cache", PyroscopeURL: srv.URL, Tags: map[string]string{"addr": "test"}})
	if err != nil {
		t.Fatal(err)
	}
	burn()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(failures) > 0 {
		t.Fatalf("bad pushes: %v", failures)
	}
	types := map[string]bool{}
	for _, ps := range pushes {
		if !strings.HasPrefix(ps.name, "syslab.cache{") || !strings.Contains(ps.name, "addr=test") {
			t.Errorf("pushed name %q: want syslab.cache{…addr=test…}", ps.name)
		}
		if err := ps.profile.CheckValid(); err != nil {
			t.Errorf("%s: invalid profile: %v", ps.name, err)
		}
		for _, st := range ps.profile.SampleType {
			types[st.Type] = true
		}
	}
	// The heap profile is always there; a CPU profile needs samples, which
	// a short run may not get, so it is not required.
	for _, want := range []string{"alloc_space", "inuse_space"} {
		if !types[want] {
			t.Errorf("no pushed profile has sample type %s; got %v", want, types)
		}
	}
}

func TestProfileDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profiles")
	p, err := Start(Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	burn()
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{CPUFile, HeapFile} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		prof, err := profile.Parse(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := prof.CheckValid(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStartErrors(t *testing.T) {
	for _, cfg := range []Config{
		{AppName: "x", PyroscopeURL: "localhost:4040"},
		{AppName: "x", PyroscopeURL: "ftp://h"},
		{PyroscopeURL: "http://h:4040"},
	} {
		if _, err := Start(cfg); err == nil {
			t.Errorf("Start(%+v) = nil error", cfg)
		}
	}
	p, err := Start(Config{})
	if err != nil || p.Stop() != nil {
		t.Errorf("Start with nothing to do: %v", err)
	}
}
