package main

import (
	"context"
	"time"
)

// method is one way of bringing the default testbed up and down.
type method interface {
	// Name is the row label in the results.
	Name() string
	// Up brings every server up (and, unless the method is the floor, waits
	// until each passes its readiness probe). It returns the time taken and
	// extra observations (peak RSS in KB, or 0).
	Up(ctx context.Context) (took time.Duration, rssKB int64, err error)
	// Down removes what Up made and returns the time taken.
	Down(ctx context.Context) (time.Duration, error)
}

// sample is one round of one method.
type sample struct {
	up, down time.Duration
	rssKB    int64
}
