// Package traingpu is the train-gpu function as a command: its flags (each with its
// environment variable where it has one), the effective training config they make,
// the run that trains (or resumes) a model on a prepared dataset, promotes it when
// asked and records what it read and wrote, and the score table it prints. The
// train-gpu binary and `pipeline demo` run the same Run.
package traingpu
