package server

import (
	"time"

	"syslab/engines/cache"
)

// A connection's query buffer lives as Redis's does. Before each read it
// has readChunkBytes free (PROTO_IOBUF_LEN), growing for a request longer
// than that; it is kept between requests, so a steady client reads into
// the same memory; and once a second the loop's clients cron looks at it
// (clientsCronResizeQueryBuffer): a buffer wasting more than a few KiB is
// emptied after two idle seconds, and a big one trimmed to what the last
// second's reads needed (its peak). The node hears the buffer's size
// whenever it changes (cache.QueryBuffer): CLIENT LIST's qbuf-free and
// INFO's client_recent_max_input_buffer report it.

const (
	// clientsCronInterval is how often the loop's clients cron runs
	// (Redis's clientsCron runs at hz, 10 times a second).
	clientsCronInterval = 100 * time.Millisecond
	// clientsCronsPerSecond and clientsPerCronMin shape how many
	// connections one run visits, as Redis's clientsCron: a tenth of them,
	// so each is visited about once a second, but at least five, so a
	// server with few clients looks at each ten times a second.
	clientsCronsPerSecond = 10
	clientsPerCronMin     = 5
	// queryBufferIdleAfter is how long a connection must go without
	// reading or writing before its buffer is given back (Redis's
	// idletime > 2 seconds).
	queryBufferIdleAfter = 2 * time.Second
	// queryBufferWasteBytesMin is the free space below which a buffer is
	// left alone, as Redis resizes only one wasting more than 4 KiB.
	queryBufferWasteBytesMin = 4 << 10
	// queryBufferResizeThresholdBytes is Redis's PROTO_RESIZE_THRESHOLD: a
	// busy connection's buffer is trimmed to its peak only above it.
	queryBufferResizeThresholdBytes = 32 << 10
)

// notePeak records what a read about to happen needs the buffer to hold.
func (c *conn) notePeak(unparsedBytes int) {
	c.inPeakBytes = max(c.inPeakBytes, unparsedBytes+readChunkBytes)
}

// resizeQueryBuffer is one cron visit to c's query buffer.
func (c *conn) resizeQueryBuffer(now time.Time) {
	unparsed := len(c.in) - c.inStart
	if cap(c.in)-unparsed > queryBufferWasteBytesMin {
		switch {
		case now.Sub(c.lastIOAt) > queryBufferIdleAfter:
			c.reallocInput(unparsed)
		case cap(c.in) > queryBufferResizeThresholdBytes && cap(c.in)/2 > c.inPeakBytes:
			c.reallocInput(max(unparsed, c.inPeakBytes))
		}
	}
	c.inPeakBytes = unparsed
	c.reportQueryBuffer()
}

// reallocInput moves the unparsed input into a buffer of capacityBytes
// (none for 0).
func (c *conn) reallocInput(capacityBytes int) {
	unparsed := c.in[c.inStart:]
	if capacityBytes == 0 {
		c.in, c.inStart = nil, 0
		return
	}
	in := make([]byte, len(unparsed), capacityBytes)
	copy(in, unparsed)
	c.in, c.inStart = in, 0
}

// reportQueryBuffer tells the node the buffer's size if it changed.
func (c *conn) reportQueryBuffer() {
	if cap(c.in) == c.reportedInBytes || c.closed {
		return
	}
	c.reportedInBytes = cap(c.in)
	c.loop.handle(c.id, cache.QueryBuffer{CapacityBytes: cap(c.in)})
}

// clientsCron visits the next connections in turn, at most once per
// clientsCronInterval; closed ones leave the rotation here.
func (l *eventLoop) clientsCron() {
	if l.now.Sub(l.cronAt) < clientsCronInterval {
		return
	}
	l.cronAt = l.now
	l.cronRuns++
	visits := max(len(l.rotation)/clientsCronsPerSecond, clientsPerCronMin)
	for visited := 0; visited < visits && visited < len(l.rotation); {
		if l.rotationNext >= len(l.rotation) {
			l.rotationNext = 0
		}
		c := l.rotation[l.rotationNext]
		if c.closed {
			last := len(l.rotation) - 1
			l.rotation[l.rotationNext], l.rotation[last] = l.rotation[last], nil
			l.rotation = l.rotation[:last]
			continue
		}
		// No connection twice in one run: after the run came round, a
		// closed one's removal can move one it visited into its place,
		// and a second visit would find the peak the first reset and
		// give back a buffer a big request just needed. The rest wait
		// for the next run.
		if c.cronRun == l.cronRuns {
			break
		}
		c.cronRun = l.cronRuns
		c.resizeQueryBuffer(l.now)
		if !c.closed {
			c.checkIdleOutput(l.now) // conn_linux.go
		}
		l.rotationNext++
		visited++
	}
}
