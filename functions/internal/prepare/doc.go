// Package prepare is the prepare function as a command: its flags (each with its
// environment variable), the run that splits a MovieLens release into
// prepared/<dataset>/ and records what it read and wrote, and the summary it prints.
// The prepare binary and `pipeline demo` run the same Run.
package prepare
