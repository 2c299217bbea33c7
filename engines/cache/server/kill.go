package server

// The adapter's half of CLIENT LIST and CLIENT KILL (the node's half is
// engines/cache/clients.go). A connection tells the node its addresses
// (cache.Connected, "ip:port" as Redis prints them) when it opens, before
// its first command. When the node sends it cache.CloseConnection, the
// output encoded before it is written, then the socket is closed and the
// node hears cache.Disconnected, as for any hang-up; what the node sends
// after it is dropped (conn.deliver, conn.flush).
//
// A cache.Reply with Silent set (CLIENT REPLY OFF|SKIP) writes nothing but
// still counts its command as answered.
