package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: run gets the arguments after its name and returns the
// process exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) int
}

// commands is the subcommand table; add an entry to add a subcommand.
var commands = []command{
	{"demo", "the whole life on the embedded default bucket: prepare, train, release 20 days; checks and A/B run by events", demo},
	{"serve", "receive MinIO webhook notifications and run quality-check and ab-eval for them", serve},
	{"status", "where the pipeline stands, from the bucket alone (--json for a document)", status},
	{"fetch-results", "copy the etl/, quality/ and abtest/ JSON results (and report.html) into --dest", fetchResultsCmd},
	{"report-failure", "open, or comment on, the GitHub issue for a failed job", reportFailure},
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "pipeline: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: pipeline <command> [flags]  (pipeline <command> -h for its flags)")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
}
