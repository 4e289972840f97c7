// Package etlday is the etl-day function as a command: its flags (each with its
// environment variable), the run that releases days of the feed and records what it
// read and wrote, and what it prints. The etl-day binary and `pipeline demo` run the
// same Run.
package etlday
