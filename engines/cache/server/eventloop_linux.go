package server

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"

	"syslab/engines/cache"
	"syslab/engines/cache/resp"
	"syslab/node"
)

// The event loop, as Redis's ae.c: one goroutine (holding its thread while busy),
// waits on epoll for the listening socket, every client socket and an
// eventfd that other goroutines write to wake it. Each round it accepts,
// reads and runs what readable connections sent, then writes every output
// buffer that grew (flushPending). Level-triggered: a socket with more to
// read than one read took is reported again next round, which spreads the
// loop fairly over busy clients.

const (
	// eventsPerWaitMax is how many ready sockets one epoll_wait reports.
	eventsPerWaitMax = 256
	// acceptsPerEventMax bounds the connections accepted in one round, as
	// Redis's MAX_ACCEPTS_PER_CALL, so a connection storm cannot starve
	// clients already connected.
	acceptsPerEventMax = 1000
	// acceptPauseAfterEMFILE is how long the loop stops accepting when it
	// runs out of file descriptors, instead of spinning on a listener
	// that stays readable.
	acceptPauseAfterEMFILE = 100 * time.Millisecond
	// tcpKeepAliveIdle is Redis's tcp-keepalive default: dead peers are
	// found after this much silence (probes follow every third of it).
	tcpKeepAliveIdle = 300 * time.Second
	// rawWaitMillis and rawWaitsMax shape how an idle loop waits: up to
	// rawWaitsMax raw waits of rawWaitMillis each (rawEpollWait) before
	// one that tells the scheduler. Between requests a few microseconds
	// apart, a wait through the scheduler costs its bookkeeping, wakes
	// its monitor thread every 20 µs and may hand the loop to another
	// thread when it returns; with unpipelined clients that cost showed
	// as p99 17% above redis-server's (0.99 ms against 1.19 ms, median of
	// 6 runs, redis-benchmark -t set -c 50). The price is a P held while
	// the loop sleeps, so raw waits are used only when the runtime has
	// more Ps than there are loops (rawWaitsAllowed).
	rawWaitMillis = 1
	rawWaitsMax   = 10
	// idleSpin is how long a loop that ran out of input keeps looking
	// (epoll_wait with no timeout, back to back) before it sleeps. An
	// unpipelined client's next request typically arrives some tens of
	// microseconds after its reply left; a loop that sleeps meanwhile pays
	// a sleep and a wake-up for it, and so does the client, whose write
	// must wake the loop's thread. Measured as ratios to redis-server
	// (bench-ab.sh, redis-benchmark -c 50 unpipelined, medians of 9
	// rounds, two runs each): SET ops 0.97–0.98 → 1.05–1.06 and p99
	// 1.15–1.19 → 1.02–1.05; GET ops 0.98 → 1.04, p99 unchanged (1.03);
	// -P 16 unchanged. 20 µs did as well for GET, 200 µs no better for
	// SET; making the process single-P instead (GOMAXPROCS=1) was worse
	// with or without raw waits. Like raw waits
	// it holds a P, so it is used only where those are (rawWaits), and
	// only after a round that found work: it costs at most idleSpin of
	// CPU per such round, nothing on an idle server.
	idleSpin = 50 * time.Microsecond
)

// eventLoop owns its connections (and, on the first loop, the listening
// socket). Only its own goroutine touches its fields, except those after
// pendingMu.
type eventLoop struct {
	server  *Server
	metered bool

	epollFD, wakeFD int
	// listenFD is the listening socket on the loop that accepts, else -1.
	listenFD int
	conns    map[int]*conn // by file descriptor
	// acceptPausedUntil is set while accepting is paused after EMFILE.
	acceptPausedUntil time.Time
	// nextLoop is the index of the loop the next accepted connection goes to.
	nextLoop int
	// rawWaits allows short waits that keep the loop's P (rawWaitMillis).
	rawWaits bool
	// threadLocked is set while the loop holds its thread
	// (keepThreadWhileBusy).
	threadLocked bool
	// now is when the loop's current round began (one clock read per
	// round); cronAt when clientsCron last ran; rotation the connections
	// it visits in turn, from rotationNext (querybuf_linux.go).
	now, cronAt  time.Time
	rotation     []*conn
	rotationNext int
	// cronRuns counts the clients cron's runs (conn.cronRun).
	cronRuns uint64

	// pendingMu guards pending and busy. pending holds the connections
	// whose output grew since the loop last wrote them. busy is set while
	// the loop works through a round: a connection that joins pending
	// then will be written before the loop waits again, so only a
	// delivery outside a round (from the runtime's goroutine) wakes it.
	pendingMu sync.Mutex
	pending   []*conn
	busy      bool
	// handedOver holds connections the accepting loop gave this one,
	// to be adopted (watched and introduced to the node) on its thread.
	handedOver []acceptedConn
	// pendingSpare is the slice pending was last swapped out for (loop only).
	pendingSpare []*conn
	// arena holds the argument lists, names and keys of the requests this
	// loop parses (loop only).
	arena resp.Arena
	// collecting is set while the loop reads a round's sockets: a
	// connection's last batch then waits in round, to go to the node with
	// the others in one cache.Round (runRound).
	collecting bool
	round      cache.Round
	roundConns []*conn
	// servingWhileBusy is set while the loop serves from inside the node
	// (busy_linux.go); busyEvents is the epoll buffer of those turns.
	servingWhileBusy bool
	busyEvents       []unix.EpollEvent
	// handing is the round being handed over (a field, so passing its
	// address does not allocate).
	handing cache.Round

	stopping atomic.Bool
	stopOnce sync.Once
	done     chan struct{}
}

// acceptedConn is a connection the accepting loop took, with its
// addresses as the node will know them.
type acceptedConn struct {
	fd                    int
	remoteAddr, localAddr string
}

// startLoops opens the listening socket and starts count loops; the
// first accepts.
func (s *Server) startLoops(count int, metered bool) error {
	listenFD, addr, err := listenTCP(s.cfg.Addr)
	if err != nil {
		return err
	}
	s.addr = addr
	for i := range count {
		fd := -1
		if i == 0 {
			fd = listenFD
		}
		l, err := newEventLoop(s, metered, fd)
		if err != nil {
			for _, started := range s.loops {
				started.stop()
			}
			if len(s.loops) == 0 {
				unix.Close(listenFD)
			}
			return err
		}
		s.loops = append(s.loops, l)
	}
	rawWaits := runtime.GOMAXPROCS(0) > len(s.loops)
	for _, l := range s.loops {
		l.rawWaits = rawWaits
		go l.run()
	}
	return nil
}

func newEventLoop(s *Server, metered bool, listenFD int) (*eventLoop, error) {
	epollFD, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("epoll_create1: %w", err)
	}
	wakeFD, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		unix.Close(epollFD)
		return nil, fmt.Errorf("eventfd: %w", err)
	}
	l := &eventLoop{
		server: s, metered: metered,
		epollFD: epollFD, listenFD: listenFD, wakeFD: wakeFD,
		conns: make(map[int]*conn),
		done:  make(chan struct{}),
	}
	watched := []int{wakeFD}
	if listenFD >= 0 {
		watched = append(watched, listenFD)
	}
	for _, fd := range watched {
		if err := l.watch(fd, unix.EPOLLIN); err != nil {
			unix.Close(wakeFD)
			unix.Close(epollFD)
			return nil, err
		}
	}
	return l, nil
}

// listenTCP opens a non-blocking listening socket on addr and returns it
// with the address it got (port 0 picks one).
func listenTCP(addr string) (int, string, error) {
	tcpAddr, err := net.ResolveTCPAddr("tcp", addr)
	if err != nil {
		return -1, "", err
	}
	family, sa := unix.AF_INET, unix.Sockaddr(nil)
	if ip4 := tcpAddr.IP.To4(); ip4 != nil || tcpAddr.IP == nil {
		inet4 := &unix.SockaddrInet4{Port: tcpAddr.Port}
		copy(inet4.Addr[:], ip4)
		sa = inet4
	} else {
		family = unix.AF_INET6
		inet6 := &unix.SockaddrInet6{Port: tcpAddr.Port}
		copy(inet6.Addr[:], tcpAddr.IP.To16())
		sa = inet6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, "", fmt.Errorf("socket: %w", err)
	}
	fail := func(what string, err error) (int, string, error) {
		unix.Close(fd)
		return -1, "", fmt.Errorf("listen tcp %s: %s: %w", addr, what, err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail("SO_REUSEADDR", err)
	}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	if err := unix.Listen(fd, unix.SOMAXCONN); err != nil {
		return fail("listen", err)
	}
	bound, err := unix.Getsockname(fd)
	if err != nil {
		return fail("getsockname", err)
	}
	return fd, sockaddrString(bound), nil
}

// sockaddrString prints an address as Go and Redis do: "1.2.3.4:5",
// "[::1]:5".
func sockaddrString(sa unix.Sockaddr) string {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	case *unix.SockaddrInet6:
		return net.JoinHostPort(net.IP(a.Addr[:]).String(), strconv.Itoa(a.Port))
	}
	return ""
}

func (l *eventLoop) watch(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(l.epollFD, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return fmt.Errorf("epoll_ctl add: %w", err)
	}
	return nil
}

func (l *eventLoop) rewatch(fd int, events uint32) {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	if err := unix.EpollCtl(l.epollFD, unix.EPOLL_CTL_MOD, fd, &ev); err != nil {
		l.server.logf("cache server: epoll_ctl mod fd %d: %v", fd, err)
	}
}

// run is the loop; it returns when stop is called.
func (l *eventLoop) run() {
	defer close(l.done)
	events := make([]unix.EpollEvent, eventsPerWaitMax)
	lastRoundReady := 0 // sockets the last round found ready
	for !l.stopping.Load() {
		// Look without waiting first: under load something is ready
		// almost every time, and only a wait needs the scheduler told.
		n, err := pollReady(l.epollFD, events)
		l.keepThreadWhileBusy(n > 0)
		if n == 0 && err == nil && l.rawWaits && lastRoundReady > 0 {
			n, err = l.spinForInput(events)
		}
		for waits := 0; n == 0 && err == nil && waits < rawWaitsMax && l.rawWaits && l.acceptPausedUntil.IsZero(); waits++ {
			n, err = rawEpollWait(l.epollFD, events, rawWaitMillis)
		}
		if n == 0 && err == nil {
			n, err = unix.EpollWait(l.epollFD, events, l.waitMillis())
		}
		if err != nil && !errors.Is(err, unix.EINTR) {
			l.server.logf("cache server: epoll_wait: %v", err)
			break
		}
		lastRoundReady = max(n, 0)
		l.now = time.Now()
		l.pendingMu.Lock()
		l.busy = true
		l.pendingMu.Unlock()
		l.resumeAccepting()
		l.collecting = true
		for _, ev := range events[:max(n, 0)] {
			switch fd := int(ev.Fd); fd {
			case l.listenFD:
				l.accept()
			case l.wakeFD:
				var drain [8]byte
				unix.Read(l.wakeFD, drain[:]) // the count is of no interest: pending says who
				l.adoptHandedOver()
			default:
				if c := l.conns[fd]; c != nil {
					c.ready(ev.Events)
				}
			}
		}
		l.collecting = false
		l.runRound()
		l.flushPending()
		l.clientsCron()
	}
	l.shutdown()
}

// spinForInput looks for ready sockets, without sleeping, for up to
// idleSpin (see there for why).
func (l *eventLoop) spinForInput(events []unix.EpollEvent) (int, error) {
	began := time.Now()
	for {
		n, err := pollReady(l.epollFD, events)
		// Since reads only the monotonic clock: one vDSO call a look.
		if n != 0 || err != nil || time.Since(began) >= idleSpin {
			return n, err
		}
	}
}

// keepThreadWhileBusy locks the loop to its thread while input arrives
// back to back (busy: the round's first look found some) and unlocks it
// once the loop has to wait. The loop rarely enters the scheduler (its
// syscalls are raw), so the runtime preempts it every 10 ms. Unlocked, a
// busy loop then resumed on whichever thread took it: under
// redis-benchmark -P 16 it hopped between three threads, each woken on a
// CPU the client needed (~1,500 involuntary context switches a second,
// scheduling delays past 0.1 ms for loop and client alike, perf sched
// timehist). Locked, a preemption hands the thread back to the loop. But
// a loop that waits often (unpipelined clients) did worse locked, so the
// lock is held only while busy. Measured (medians of 15 rounds, each
// also running redis-server; ratios to it): SET -P 16 p99 1.06 against
// 1.28 never locked, unpipelined GET p99 0.95 against 1.03; always locked
// was as good under -P 16 and 10% worse unpipelined.
func (l *eventLoop) keepThreadWhileBusy(busy bool) {
	switch {
	case busy && !l.threadLocked:
		runtime.LockOSThread()
		l.threadLocked = true
	case !busy && l.threadLocked:
		runtime.UnlockOSThread()
		l.threadLocked = false
	}
}

// waitMillis is epoll_wait's timeout: until the next clients cron while
// there are connections, until accepting resumes while it is paused, else
// forever.
func (l *eventLoop) waitMillis() int {
	wait := -1
	if len(l.rotation) > 0 {
		wait = max(int(time.Until(l.cronAt.Add(clientsCronInterval)).Milliseconds()), 0) + 1
	}
	if !l.acceptPausedUntil.IsZero() {
		untilAccepting := max(int(time.Until(l.acceptPausedUntil).Milliseconds()), 0) + 1
		if wait < 0 || untilAccepting < wait {
			wait = untilAccepting
		}
	}
	return wait
}

func (l *eventLoop) resumeAccepting() {
	if l.acceptPausedUntil.IsZero() || time.Now().Before(l.acceptPausedUntil) {
		return
	}
	l.acceptPausedUntil = time.Time{}
	if err := l.watch(l.listenFD, unix.EPOLLIN); err != nil {
		l.server.logf("cache server: %v", err)
	}
}

func (l *eventLoop) accept() {
	for range acceptsPerEventMax {
		fd, remote, err := unix.Accept4(l.listenFD, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
		case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR), errors.Is(err, unix.ECONNABORTED):
			return
		case errors.Is(err, unix.EINVAL): // stopListening shut the socket down
			unix.EpollCtl(l.epollFD, unix.EPOLL_CTL_DEL, l.listenFD, nil)
			return
		case errors.Is(err, unix.EMFILE), errors.Is(err, unix.ENFILE):
			l.server.logf("cache server: accept: %v; not accepting for %v", err, acceptPauseAfterEMFILE)
			unix.EpollCtl(l.epollFD, unix.EPOLL_CTL_DEL, l.listenFD, nil)
			l.acceptPausedUntil = time.Now().Add(acceptPauseAfterEMFILE)
			return
		default:
			l.server.logf("cache server: accept: %v", err)
			return
		}
		setClientSocketOptions(fd)
		local, _ := unix.Getsockname(fd)
		accepted := acceptedConn{fd: fd, remoteAddr: sockaddrString(remote), localAddr: sockaddrString(local)}
		loops := l.server.loops
		target := loops[l.nextLoop]
		l.nextLoop = (l.nextLoop + 1) % len(loops)
		if target == l {
			l.adopt(accepted)
		} else {
			target.handOver(accepted)
		}
	}
}

// stopListening makes the listening socket refuse connections from now
// on; any goroutine may call it. (Shut down, not closed: the number stays
// the loop's until it closes it, and accept then fails with EINVAL.)
func (l *eventLoop) stopListening() {
	if l.listenFD >= 0 {
		unix.Shutdown(l.listenFD, unix.SHUT_RDWR)
	}
}

// handOver gives the loop a connection another loop accepted.
func (l *eventLoop) handOver(a acceptedConn) {
	l.pendingMu.Lock()
	l.handedOver = append(l.handedOver, a)
	l.pendingMu.Unlock()
	l.wake()
}

func (l *eventLoop) adoptHandedOver() {
	l.pendingMu.Lock()
	handed := l.handedOver
	l.handedOver = nil
	l.pendingMu.Unlock()
	for _, a := range handed {
		l.adopt(a)
	}
}

// adopt starts serving an accepted connection on this loop.
func (l *eventLoop) adopt(a acceptedConn) {
	id := node.ID("conn-" + strconv.FormatUint(l.server.nextConnID.Add(1), 10))
	c := newConn(l, a.fd, id)
	if err := l.watch(a.fd, unix.EPOLLIN); err != nil {
		l.server.logf("cache server: %v", err)
		unix.Close(a.fd)
		return
	}
	l.conns[a.fd] = c
	l.rotation = append(l.rotation, c)
	c.lastIOAt = l.now
	l.server.cfg.Metrics.Add(metricConnectionsReceived, 1)
	l.server.connectionOpened(c)
	c.open(a.remoteAddr, a.localAddr)
}

// setClientSocketOptions sets what Redis sets on a client socket: no
// Nagle delay, and keepalive probes after tcp-keepalive seconds.
func setClientSocketOptions(fd int) {
	idleSecs := int(tcpKeepAliveIdle / time.Second)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, idleSecs)
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, max(idleSecs/3, 1))
	unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 3)
}

// schedule asks the loop to write c's output; any goroutine may call it.
// Only a call outside a round wakes the loop (a write to its eventfd).
func (l *eventLoop) schedule(c *conn) {
	l.pendingMu.Lock()
	l.pending = append(l.pending, c)
	wake := len(l.pending) == 1 && !l.busy
	l.pendingMu.Unlock()
	if wake {
		l.wake()
	}
}

func (l *eventLoop) wake() {
	one := [8]byte{1} // eventfd counts in a native-endian uint64; any non-zero value wakes
	unix.Write(l.wakeFD, one[:])
}

// flushPending writes every connection whose output grew, until none is
// left, and ends the round.
func (l *eventLoop) flushPending() { l.writePending(true) }

// writePending writes every connection whose output grew, until none is
// left; endRound also ends the round (deliveries wake the loop again).
func (l *eventLoop) writePending(endRound bool) {
	for {
		l.pendingMu.Lock()
		if len(l.pending) == 0 {
			if endRound {
				l.busy = false
			}
			l.pendingMu.Unlock()
			return
		}
		// Swap in the spare only when taking something: pending and the
		// spare must never share an array, or what is scheduled while
		// taken is written would overwrite it.
		taken := l.pending
		l.pending = l.pendingSpare[:0]
		l.pendingMu.Unlock()
		for _, c := range taken {
			c.flush()
		}
		clear(taken)
		l.pendingSpare = taken[:0]
	}
}

// joinRound keeps c's batch for the round being read, if one is; false
// means the caller runs it now.
func (l *eventLoop) joinRound(c *conn, batch cache.Commands) bool {
	if !l.collecting || len(batch) == 0 {
		return false
	}
	c.noteReadTimes(batch)
	l.round = append(l.round, cache.ClientCommands{Client: c.id, Commands: batch})
	l.roundConns = append(l.roundConns, c)
	return true
}

// runRound hands the batches the round collected to the node: one message
// for all of them, so the node reads their keys ahead together (Redis
// reads and runs each client in turn). A connection that closed since it
// joined is left out: the node has already heard it hang up.
func (l *eventLoop) runRound() {
	if len(l.round) == 0 {
		return
	}
	open := 0
	for i, c := range l.roundConns {
		if c.closed {
			clear(l.round[i].Commands)
			continue
		}
		l.round[open] = l.round[i]
		open++
	}
	round := l.round[:open]
	switch len(round) {
	case 0:
	case 1:
		l.giveNode(round[0].Client, round[0].Commands)
	default:
		// Sent as from the first client: the runtime's fast path for
		// replies to the sender then serves its replies. A pointer to a
		// field: boxing the slice would allocate per round.
		l.handing = round
		l.handle(round[0].Client, &l.handing)
		l.handing = nil
	}
	for _, cc := range round {
		clear(cc.Commands) // drop the arguments for the collector
	}
	clear(l.round) // every entry, the copies past open too
	clear(l.roundConns)
	l.round, l.roundConns = l.round[:0], l.roundConns[:0]
	l.reuseArgs()
}

// giveNode hands one client's batch to the node.
func (l *eventLoop) giveNode(client node.ID, batch cache.Commands) {
	if len(batch) == 1 {
		l.handle(client, &batch[0]) // a pointer: boxing a Command would allocate
	} else {
		l.handle(client, batch)
	}
}

// reuseArgs lets the next requests take the memory of the argument lists
// the node is done with (it only borrows them: cache.Command) — unless
// batches waiting in the round still hold lists from it.
func (l *eventLoop) reuseArgs() {
	if len(l.round) == 0 && !l.servingWhileBusy {
		l.arena.ReuseArgs()
	}
}

// forget drops a closed connection.
func (l *eventLoop) forget(c *conn) {
	delete(l.conns, c.fd)
	l.server.connectionClosed(c)
}

// stop ends the loop, closes every connection and the listener, and
// waits for the loop to finish. Later calls return at once.
func (l *eventLoop) stop() error {
	l.stopOnce.Do(func() {
		l.stopping.Store(true)
		l.wake()
		<-l.done
	})
	return nil
}

// shutdown runs on the loop as it ends: connections are closed without
// telling the node, which is stopping.
func (l *eventLoop) shutdown() {
	for _, c := range l.conns { // order is irrelevant: each is closed on its own
		c.closeSocket()
	}
	clear(l.conns)
	l.pendingMu.Lock()
	handed := l.handedOver
	l.handedOver = nil
	l.pendingMu.Unlock()
	for _, a := range handed {
		unix.Close(a.fd)
	}
	if l.listenFD >= 0 {
		unix.Close(l.listenFD)
	}
	unix.Close(l.wakeFD)
	unix.Close(l.epollFD)
}
