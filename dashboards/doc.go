// Package dashboards holds the Grafana dashboards (JSON) for syslab's
// engines and its lab. The package has no code of its own: its test keeps
// every dashboard a valid Grafana model whose PromQL parses and names only
// metrics the code registers.
package dashboards
