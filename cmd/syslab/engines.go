package main

import (
	"syslab/engines/cache/cachelab"
	"syslab/lab"
)

// The engines this binary can run scenarios for. lab knows none of them by
// name; each registers its glue here.
func init() {
	lab.Register(cachelab.New())
}
