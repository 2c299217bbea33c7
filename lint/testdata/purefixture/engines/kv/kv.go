// Package kv is a core package that breaks every purity rule once, each on a
// line marked with the violation the lint must report there.
package kv

import (
	crand "crypto/rand"         // want "imports \"crypto/rand\""
	"fixture/engines/kv/server" // want "imports adapter package \"fixture/engines/kv/server\""
	mrand "math/rand"
	"math/rand/v2"
	"net/http" // want "imports \"net/http\""
	"os"       // want "imports \"os\""
	"sync"     // want "imports \"sync\""
	t "time"
)

var mu sync.Mutex

func wallClock() t.Duration {
	start := t.Now()       // want "time.Now uses the wall clock"
	t.Sleep(t.Millisecond) // want "time.Sleep uses the wall clock"
	return t.Since(start)  // want "time.Since uses the wall clock"
}

var clockValue = t.Now // want "time.Now uses the wall clock"

func globalRand() int {
	n := mrand.Intn(10)                // want "rand.Intn draws from the global random source"
	rand.Shuffle(3, func(i, j int) {}) // want "rand.Shuffle draws from the global random source"
	return n + rand.N(5)               // want "rand.N draws from the global random source"
}

func concurrency() {
	ch := make(chan int, 1) // want "channel type"
	go func() {             // want "go statement"
		ch <- 1 // want "channel send"
	}()
	<-ch     // want "channel receive"
	select { // want "select statement"
	default:
	}
	for range t.After(t.Second) { // want "range over a channel" "time.After uses the wall clock" "call returns a channel"
	}
}

func world() {
	_ = os.Getpid()
	_ = http.StatusOK
	_, _ = crand.Read(nil)
	_ = server.Addr
}

// updates spells a channel type outside a Done method: reported.
func updates() <-chan struct{} { return nil } // want "channel type"
