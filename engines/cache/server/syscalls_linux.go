package server

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The loop's non-blocking syscalls go straight to the kernel, without
// telling the Go scheduler (syscall.RawSyscall): a read, a write or an
// epoll_wait that does not wait returns in microseconds, while the
// scheduler's bookkeeping around an ordinary syscall (entersyscall,
// exitsyscall) costs as much again and has its monitor thread waking every
// 20 µs to check whether the loop's thread is stuck. Short waits for the
// next request are raw too (rawEpollWait); only a wait with no end in
// sight goes through unix.EpollWait, so the scheduler can give the loop's
// P to other goroutines meanwhile.
// Writes are bounded by writeBytesPerFlushMax, so none holds the thread
// long.

// rawRead is read(2) on a non-blocking socket.
func rawRead(fd int, p []byte) (int, error) { return rawIO(unix.SYS_READ, fd, p) }

// rawWrite is write(2) on a non-blocking socket.
func rawWrite(fd int, p []byte) (int, error) { return rawIO(unix.SYS_WRITE, fd, p) }

// rawIO is read(2) or write(2), by trap, of p on fd.
func rawIO(trap uintptr, fd int, p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	n, _, errno := syscall.RawSyscall(trap, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

// pollReady is epoll_wait with a zero timeout: the events ready now.
func pollReady(epollFD int, events []unix.EpollEvent) (int, error) {
	return rawEpollWait(epollFD, events, 0)
}

// rawEpollWait is epoll_wait without telling the scheduler, for a wait of
// at most timeoutMillis: the thread sleeps in the kernel holding its P.
// The runtime can still stop the loop: its preemption signal interrupts
// the wait (EINTR), and the loop yields at its next function call.
func rawEpollWait(epollFD int, events []unix.EpollEvent, timeoutMillis int) (int, error) {
	// epoll_pwait with no signal mask is epoll_wait, and exists on every
	// Linux architecture (arm64 has no epoll_wait).
	n, _, errno := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epollFD),
		uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), uintptr(timeoutMillis), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}
