package retention_test

import (
	"strconv"
	"time"
)

var benchStart = time.Now()

func nowNano() int64 { return time.Since(benchStart).Nanoseconds() }

func itoa(i int) string { return strconv.Itoa(i) }
