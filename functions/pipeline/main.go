package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
)

// command is one subcommand: run gets the invocation after its name and returns the
// process exit code.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, inv jobs.IO) int
}

// commands is the subcommand table; add an entry to add a subcommand.
var commands = []command{
	{"demo", demoPurpose, demoCmd},
	{"serve", servePurpose, serve},
	{"status", statusPurpose, status},
	{"dashboard", dashboardPurpose, dashboardCmd},
	{"results", resultsPurpose, resultsCmd},
	{"fetch-results", fetchPurpose, fetchResultsCmd},
	{"report-failure", reportFailurePurpose, reportFailure},
}

func main() {
	ctx, stop := jobs.SignalContext()
	code := run(ctx, jobs.ProcessIO())
	stop()
	os.Exit(code)
}

func run(ctx context.Context, inv jobs.IO) int {
	if len(inv.Args) == 0 {
		usage(inv.Stderr)
		return envflag.ExitUsage
	}
	switch inv.Args[0] {
	case "-h", "-help", "--help", "help":
		usage(inv.Stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == inv.Args[0] {
			sub := inv
			sub.Args = inv.Args[1:]
			return c.run(ctx, sub)
		}
	}
	fmt.Fprintf(inv.Stderr, "pipeline: unknown command %q\n", inv.Args[0])
	usage(inv.Stderr)
	return envflag.ExitUsage
}

// purpose is the one line pipeline --help opens with.
const purpose = "pipeline: run recpipe's whole life locally on one bucket (demo, event receiver) and look at what it wrote"

func usage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\n", purpose)
	fmt.Fprintln(w, "usage: pipeline <command> [flags]  (pipeline <command> --help for its flags and exit codes)")
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nexit codes (each command's --help lists its own):")
	for _, c := range envflag.StandardExitCodes {
		fmt.Fprintf(w, "  %d  %s\n", c.Code, c.Meaning)
	}
}

// parse declares the common flags (and, through declare, the subcommand's own) on a
// set named "pipeline <name>" and parses inv. done reports that the subcommand must
// return code now: after --help, or a usage error (exit 2, nothing done). The log is
// the command's, on inv.Stderr.
func parse(name, purpose string, inv jobs.IO, declare func(s *envflag.Set)) (c *jobs.CommonFlags, log *slog.Logger, code int, done bool) {
	s := envflag.New("pipeline "+name, purpose)
	c = &jobs.CommonFlags{}
	c.Declare(s)
	if declare != nil {
		declare(s)
	}
	if code, done := jobs.ParseFlags(s, inv); done {
		return nil, nil, code, true
	}
	log, err := jobs.Logger(inv.Stderr, c.LogLevel, c.LogFormat)
	if err != nil {
		fmt.Fprintf(inv.Stderr, "pipeline %s: %v\n", name, err)
		return nil, nil, envflag.ExitUsage, true
	}
	return c, log.With("command", name), 0, false
}
