package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/envflag"
)

// DefaultBucketURL is the bucket of every command when neither --bucket nor
// BUCKET_URL names one: the local folder ./data.
const DefaultBucketURL = "file://./data"

// CommonFlags are the flags every command has (Declare), and --event for the commands
// that handle events (DeclareEvent).
type CommonFlags struct {
	Bucket    string
	LogLevel  string
	LogFormat string
	// Event, when set, names a file holding an S3 or MinIO notification body ("-":
	// stdin); the binary then runs its OnEvent for the events routed to it.
	Event string
}

// Declare declares --bucket, --log-level and --log-format on s, with their
// environment variables and defaults. A malformed bucket URL is a usage error.
func (c *CommonFlags) Declare(s *envflag.Set) {
	c.Bucket, c.LogLevel, c.LogFormat = DefaultBucketURL, "info", "auto"
	s.String(&c.Bucket, "bucket", "BUCKET_URL", "bucket `URL`: file:///DIR, file://./DIR, mem:// or s3://BUCKET/PREFIX?endpoint=URL&region=R (credentials come from the environment, never the URL)",
		checkBucketURL)
	s.String(&c.LogLevel, "log-level", "LOG_LEVEL", "`LEVEL` of the log on stderr: debug, info, warn or error",
		envflag.OneOf("debug", "info", "warn", "error"))
	s.String(&c.LogFormat, "log-format", "LOG_FORMAT", "`FORMAT` of the log: auto (JSON unless stderr is a terminal), json or text",
		envflag.OneOf("auto", "json", "text"))
}

// checkBucketURL refuses a URL that Open would refuse, opening nothing.
func checkBucketURL(v string) error {
	_, err := blob.ParseURL(v)
	return err
}

// DeclareEvent declares --event, for a command that handles object events.
func (c *CommonFlags) DeclareEvent(s *envflag.Set) {
	s.String(&c.Event, "event", "", "run for the S3 / MinIO notification JSON in `FILE` (- for stdin) instead of the command line")
}

// DeclareDataset declares --dataset (env DATASET) on s, into p, whose value is the
// default. DATASET means one thing in every command; DatasetDoc says what.
func DeclareDataset(s *envflag.Set, p *string, role string) {
	s.String(p, "dataset", "DATASET", "the prepared dataset prepared/`NAME`/ "+role, envflag.NotEmpty())
}

// DatasetDoc is what DATASET (--dataset) means, in every command's --help.
const DatasetDoc = `DATASET (--dataset) names the prepared dataset, prepared/<DATASET>/, that the whole
pipeline works on, ml-latest-small unless set: prepare writes it, train-gpu trains on
it, etl-day releases its test period as the feed, quality-check requires the feed to
come from it and ab-eval scores its days.`

// IO is what a command talks to: its arguments (after the command name), the
// environment, and the standard streams.
type IO struct {
	Args   []string
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
}

// ProcessIO is the process's own arguments, environment and streams.
func ProcessIO() IO {
	return IO{Args: os.Args[1:], Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
}

// Command is a function binary: what its main hands to Main.
type Command struct {
	Function // its name (also of its run records) and, when it handles events, OnEvent
	// Purpose is one line for --help: what the command does.
	Purpose string
	// ExitCodes documents the statuses beyond 0, 1 and 2.
	ExitCodes []envflag.ExitCode
	// Flags declares the command's own flags (the common ones are declared already).
	Flags func(s *envflag.Set)
	// Run is what the command line runs, inside a run record; env.Stdout is the
	// command's stdout. nil: the command runs only for events (--event).
	Run func(ctx context.Context, env *Env) error
}

// Main runs cmd for this process (os.Args, the environment, SIGINT and SIGTERM
// cancel) and returns its exit status.
func Main(cmd Command) int {
	ctx, stop := SignalContext()
	defer stop()
	return RunCommand(ctx, cmd, ProcessIO(), nil)
}

// RunCommand runs cmd for the invocation inv and returns its exit status: 2 for a
// usage error, found before anything is opened or written. A nil bucket is opened
// from --bucket.
func RunCommand(ctx context.Context, cmd Command, inv IO, b blob.Bucket) int {
	s := envflag.New(cmd.Name, cmd.Purpose)
	c := &CommonFlags{}
	c.Declare(s)
	if cmd.OnEvent != nil {
		c.DeclareEvent(s)
	}
	if cmd.Flags != nil {
		cmd.Flags(s)
	}
	if cmd.Run == nil {
		s.Rule(func() error {
			if c.Event == "" && !InLambda() {
				return errors.New(cmd.Name + " runs only for events: give --event FILE")
			}
			return nil
		})
	}
	s.ExitCodes(cmd.ExitCodes...)
	if code, done := ParseFlags(s, inv); done {
		return code
	}
	log, err := Logger(inv.Stderr, c.LogLevel, c.LogFormat)
	if err != nil {
		fmt.Fprintf(inv.Stderr, "%s: %v\n", cmd.Name, err)
		return exitUsage
	}
	slog.SetDefault(log) // libraries logging through slog get the same handler and redaction
	var cli func(ctx context.Context, env *Env) error
	if cmd.Run != nil {
		cli = func(ctx context.Context, env *Env) error {
			env.Stdout = inv.Stdout
			return cmd.Run(ctx, env)
		}
	}
	return runWith(ctx, c, cmd.Function, cli, inv.Args, inv.Stdin, b, log)
}

// ParseFlags parses inv's arguments and environment into s. done reports that the
// command must return code now: 0 after --help (written to stdout), 2 after a usage
// error (written to stderr, secrets redacted).
func ParseFlags(s *envflag.Set, inv IO) (code int, done bool) {
	switch err := s.Parse(inv.Args, inv.Getenv); {
	case errors.Is(err, envflag.ErrHelp):
		s.WriteHelp(inv.Stdout)
		return 0, true
	case err != nil:
		fmt.Fprintf(inv.Stderr, "%s: %s\n(%s --help lists the flags)\n", s.Name(), Redact(err.Error()), s.Name())
		return exitUsage, true
	}
	return 0, false
}

// Logger is the log of a command: NewLogger on w at level, formatted as format says
// (auto: JSON unless w is a terminal).
func Logger(w io.Writer, level, format string) (*slog.Logger, error) {
	var json bool
	switch format {
	case "", "auto":
		json = !IsTerminal(w)
	case "json":
		json = true
	case "text":
	default:
		return nil, fmt.Errorf("log format %q: want auto, json or text", format)
	}
	return NewLogger(w, level, json)
}

// DayOrAll is the rule of a command that works on --day N or --all days: exactly one
// of them on the command line, neither when it runs for an event (--event, Lambda).
func DayOrAll(s *envflag.Set, day int, all bool, days int) error {
	switch {
	case s.Given("event") || InLambda():
		if day != 0 || all {
			return errors.New("an event run works on the notification; it takes no --day or --all")
		}
	case all && day != 0:
		return errors.New("give --day N or --all, not both")
	case !all && day == 0:
		return fmt.Errorf("give --day N (1..%d) or --all", days)
	}
	return nil
}
