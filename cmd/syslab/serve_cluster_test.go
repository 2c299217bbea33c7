package main

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
	"time"

	"syslab/node"
)

func TestClusterServeFlags(t *testing.T) {
	tests := []struct {
		name    string
		addr    string
		args    []string
		want    clusterNode
		off     bool
		wantErr string
	}{
		{name: "off by default", addr: "127.0.0.1:7000", off: true},
		{name: "cluster-enabled no", addr: "127.0.0.1:7000", args: []string{"--cluster-enabled", "no"}, off: true},
		{name: "--cluster: bus on port+10000, named by it", addr: "127.0.0.1:7000", args: []string{"--cluster"},
			want: clusterNode{nodeTimeout: 15 * time.Second, configFile: "nodes.conf", busListen: "127.0.0.1:17000", busID: "127.0.0.1:17000", announceIP: "127.0.0.1", announcePort: 7000, announceBusPort: 17000}},
		{name: "redis.conf spelling, timeout in ms", addr: "127.0.0.1:7001", args: []string{"--cluster-enabled", "yes", "--cluster-node-timeout", "5000", "--cluster-config-file", "nodes-7001.conf"},
			want: clusterNode{nodeTimeout: 5 * time.Second, configFile: "nodes-7001.conf", busListen: "127.0.0.1:17001", busID: "127.0.0.1:17001", announceIP: "127.0.0.1", announcePort: 7001, announceBusPort: 17001}},
		{name: "all interfaces, announced IP and ports", addr: "0.0.0.0:7000", args: []string{"--cluster", "--cluster-announce-ip", "10.0.0.5", "--cluster-announce-port", "6379", "--cluster-announce-bus-port", "16379", "--cluster-node-timeout", "2s"},
			want: clusterNode{nodeTimeout: 2 * time.Second, configFile: "nodes.conf", busListen: "0.0.0.0:17000", busID: "10.0.0.5:16379", announceIP: "10.0.0.5", announcePort: 6379, announceBusPort: 16379}},
		{name: "cluster-port", addr: "127.0.0.1:7000", args: []string{"--cluster", "--cluster-port", "9000"},
			want: clusterNode{nodeTimeout: 15 * time.Second, configFile: "nodes.conf", busListen: "127.0.0.1:9000", busID: "127.0.0.1:9000", announceIP: "127.0.0.1", announcePort: 7000, announceBusPort: 9000}},
		{name: "IPv6", addr: "[::1]:7000", args: []string{"--cluster"},
			want: clusterNode{nodeTimeout: 15 * time.Second, configFile: "nodes.conf", busListen: "[::1]:17000", busID: "[::1]:17000", announceIP: "::1", announcePort: 7000, announceBusPort: 17000}},
		{name: "port 0", addr: "127.0.0.1:0", args: []string{"--cluster"}, wantErr: "needs a fixed port"},
		{name: "bus port past 65535", addr: "127.0.0.1:60000", args: []string{"--cluster"}, wantErr: "set --cluster-port"},
		{name: "all interfaces without announce IP", addr: ":7000", args: []string{"--cluster"}, wantErr: "set --cluster-announce-ip"},
		{name: "host name", addr: "localhost:7000", args: []string{"--cluster"}, wantErr: "set --cluster-announce-ip"},
		{name: "bad announce IP", addr: "127.0.0.1:7000", args: []string{"--cluster", "--cluster-announce-ip", "example.com"}, wantErr: "cluster-announce-ip"},
		{name: "bad announce port", addr: "127.0.0.1:7000", args: []string{"--cluster", "--cluster-announce-port", "70000"}, wantErr: "cluster-announce-port"},
		{name: "bad timeout", addr: "127.0.0.1:7000", args: []string{"--cluster", "--cluster-node-timeout", "soon"}, wantErr: "cluster-node-timeout"},
		{name: "zero timeout", addr: "127.0.0.1:7000", args: []string{"--cluster", "--cluster-node-timeout", "0"}, wantErr: "cluster-node-timeout"},
		{name: "bad cluster-enabled", addr: "127.0.0.1:7000", args: []string{"--cluster-enabled", "maybe"}, wantErr: "want yes or no"},
		{name: "empty config file", addr: "127.0.0.1:7000", args: []string{"--cluster", "--cluster-config-file", ""}, wantErr: "cluster-config-file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			f := addClusterServeFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, on, err := f.resolve(tc.addr)
			if tc.wantErr != "" {
				var u usageError
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				if !errors.As(err, &u) {
					t.Errorf("err %v is not a usage error", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if on == tc.off {
				t.Fatalf("cluster on = %v, want %v", on, !tc.off)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestBusNodeID(t *testing.T) {
	if got, want := busNodeID("127.0.0.1", 17000), node.ID("127.0.0.1:17000"); got != want {
		t.Errorf("busNodeID = %q, want %q", got, want)
	}
	if got, want := busNodeID("::1", 17000), node.ID("[::1]:17000"); got != want {
		t.Errorf("busNodeID = %q, want %q", got, want)
	}
}

// The cluster flags come from the command line: whatever they say, resolve
// answers a node or a usage error, and a node it answers is consistent.
func FuzzClusterServeFlags(f *testing.F) {
	f.Add("127.0.0.1:7000", "15s", "", 0)
	f.Add("0.0.0.0:7000", "15000", "10.0.0.5", 16379)
	f.Add("[::1]:55535", "1ms", "::1", 0)
	f.Add("127.0.0.1:65535", "-5", "", 0)
	f.Add("x", "24h1s", "0.0.0.0", 70000)
	f.Fuzz(func(t *testing.T, addr, timeout, announceIP string, busPort int) {
		fs := flag.NewFlagSet("fuzz", flag.ContinueOnError)
		fl := addClusterServeFlags(fs)
		*fl.cluster, *fl.nodeTimeout, *fl.announceIP, *fl.busPort = true, timeout, announceIP, busPort
		c, on, err := fl.resolve(addr)
		if err != nil {
			var u usageError
			if !errors.As(err, &u) {
				t.Fatalf("resolve(%q) error %v is not a usage error", addr, err)
			}
			return
		}
		if !on || c.nodeTimeout < time.Millisecond || c.nodeTimeout > 24*time.Hour || c.busID == "" || c.busListen == "" {
			t.Fatalf("resolve(%q, timeout %q, ip %q, bus %d) = %+v, on %v", addr, timeout, announceIP, busPort, c, on)
		}
		if c.busID != busNodeID(c.announceIP, c.announceBusPort) {
			t.Fatalf("bus ID %q does not name the announced bus %s:%d", c.busID, c.announceIP, c.announceBusPort)
		}
	})
}
