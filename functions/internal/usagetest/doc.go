// Package usagetest holds the table test of every binary's bad invocations: each is
// run in-process (the binary's jobs.Command through jobs.RunCommand) against a file
// bucket holding a prepared, partly released feed, and must exit 2 and leave the
// bucket as it was.
package usagetest
