package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
)

func TestEnsureProcsForLoopsLeavesAPForTheRuntime(t *testing.T) {
	t.Setenv("GOMAXPROCS", "") // an explicit setting would be left alone
	before := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(before)

	var log bytes.Buffer
	restore := ensureProcsForLoops(2, &log)
	if got := runtime.GOMAXPROCS(0); got != 3 {
		t.Errorf("GOMAXPROCS with 2 loops on 1 P = %d, want 3", got)
	}
	if !strings.Contains(log.String(), "GOMAXPROCS 1 → 3") {
		t.Errorf("log %q does not say GOMAXPROCS was raised", log.String())
	}
	restore()
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("GOMAXPROCS after restore = %d, want 1", got)
	}
}

func TestEnsureProcsForLoopsKeepsEnoughAndExplicitSettings(t *testing.T) {
	before := runtime.GOMAXPROCS(4)
	defer runtime.GOMAXPROCS(before)

	t.Setenv("GOMAXPROCS", "")
	var log bytes.Buffer
	ensureProcsForLoops(1, &log)()
	if got := runtime.GOMAXPROCS(0); got != 4 || log.Len() != 0 {
		t.Errorf("with 4 Ps for 1 loop: GOMAXPROCS %d, log %q; want 4 and nothing said", got, log.String())
	}

	runtime.GOMAXPROCS(1)
	t.Setenv("GOMAXPROCS", "1")
	ensureProcsForLoops(1, &log)
	if got := runtime.GOMAXPROCS(0); got != 1 {
		t.Errorf("with GOMAXPROCS=1 in the environment: GOMAXPROCS %d, want 1 kept", got)
	}
}
