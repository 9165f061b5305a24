// Package trim gives memory a long-running, mostly idle process touched
// only while starting back to the system: `testbed serve` calls it once
// its server has settled, so an idle built-in server holds about 6 MB
// instead of 15.
package trim
