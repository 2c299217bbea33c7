// Package sim is the deterministic world: it runs node.Handler state
// machines in virtual time over a modelled network and modelled disks, and
// injects faults on schedule. The same seed and the same scenario give the
// same run, event for event, and TraceHash proves it.
//
// # Event loop
//
// One goroutine pops events from a binary heap ordered by (virtual time,
// sequence number). The sequence number is assigned when an event is
// scheduled, so ties are broken by scheduling order and never by map order,
// pointer values or the Go scheduler. Events are stored by value in the
// heap's reused array: scheduling allocates nothing. Wherever the world
// iterates nodes or files it does so in sorted order.
//
// # Randomness
//
// Every random choice comes from a stream derived from (Seed, purpose):
// "net/<from>/<to>" for each link, "disk/<id>" (latency), "disk/<id>/fault"
// and "disk/<id>/torn" for each disk, "node/<id>" for Env.Rand of a node's
// first incarnation and "node/<id>#<k>" for its k-th. A fault on one node or
// link therefore never reshuffles the choices made elsewhere (a test checks
// it), and World.Stream gives the lab streams of its own on the same terms.
//
// # CPU
//
// Each node has one CPU. A message or timer firing that reaches an idle node
// runs at once; if the Handler implements node.Coster the node stays busy
// for Cost(msg) after Receive returns (Cost is asked after Receive, so a
// handler may price the work it just did), plus any disk latency its
// handler was charged (Sync, Write). What arrives meanwhile waits in the
// node's inbox, in arrival order; the inbox holds at most inboxMessagesMax
// messages (WithInboxMax) and drops the rest like a full socket buffer
// (Stats.DroppedInboxFull). Timer firings always queue. Timer callbacks and
// Start cost only their disk latency.
//
// During a handler Env.Now is the node clock at the handler's start plus the
// disk latency charged so far, and messages it sends leave when its work is
// done: a reply is never visible before the work that made it. WithCPU(false)
// makes a node's work free (load generators, clients).
//
// # Network
//
// Each direction of each link has a model: the Config.Network default or a
// SetLink override. Links are FIFO by default, like a TCP stream: a message
// is delivered at max(its sampled time, the previous delivery on the link),
// so latency jitter delays but never reorders. Unordered links (datagrams,
// or separate connections) may reorder, and only they honour Reorder and
// Duplicate. Loss applies to both.
//
// Partitions and blocks are checked when a message is sent and again when
// it would be delivered, against every cut made while it was in flight: a
// partition that starts while a message travels drops it even if it heals
// before the message would arrive. A real cut loses what is on the wire and
// a TCP connection that breaks loses its unacknowledged tail, so this is
// the conservative choice; a model that delivered in-flight messages across
// a partition would hide bugs that appear in production.
//
// A message is stamped with its receiver's incarnation when it is sent and
// dropped if the receiver is down or has restarted by delivery time, as a
// restart resets the connections it came on. A message to a paused node
// waits in its inbox. A sender's crash does not recall what it already sent.
//
// # Crash, Kill, Restart, Pause
//
// Crash is a power loss: the incarnation's memory, timers and inbox are
// gone, and every file reverts to what was durable (synced, or written back
// by the OS). With DiskConfig.TornWrites a random prefix of an appended
// unsynced tail survives, which is what log formats must detect. Kill is a
// process crash (kill -9, OOM kill): memory, timers and inbox are gone, but
// whatever the process wrote is in the OS page cache and survives. Restart
// boots a fresh Handler from the node's Factory at the current time;
// restarting a node that is up kills it first. Pause is a GC stall or
// SIGSTOP: time passes, messages and timers queue, nothing runs until Resume.
// Disks, clocks and metrics belong to the node and outlive incarnations.
//
// # Disks
//
// Each file keeps its current bytes and its durable bytes. Sync copies the
// changed part to durable and charges SyncLatency to the node's CPU.
// Create, Rename and Remove are durable at once. With Writeback set, a file
// that became dirty is flushed Writeback later in one piece, as Linux
// flushes an inode whose oldest dirty page expired: data written after the
// first dirty write rides along, so writeback may make data durable
// somewhat earlier than its own age would, never later. Injected faults
// (SetDiskFault) fail reads, writes and syncs with EIO at given rates, or
// refuse growth with ENOSPC; a failed write stores nothing and a failed sync
// makes nothing durable. A dead incarnation's files return node.ErrClosed.
//
// # Clocks
//
// A node's clock reads Epoch + t + offset + drift·(t − when the drift was
// set), per SetClock. Timers run on the node's monotonic clock: drift
// stretches or shrinks them, an offset jump does not move them (Go timers
// and CLOCK_MONOTONIC behave so). A clock never goes backwards within one
// event; lowering the offset makes it jump back between events.
//
// # Trace
//
// TraceHash is FNV-1a over every processed event and every applied fault:
// its time, kind, node, peer, and for deliveries the message type (and the
// content, for messages that implement Fingerprinter). Logf output, the
// Trace text and the wall-clock fields of Stats never enter it.
package sim
