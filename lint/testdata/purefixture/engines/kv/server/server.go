// Package server is an adapter: it may do I/O.
package server

import "net"

var Addr = net.IPv4(127, 0, 0, 1)
