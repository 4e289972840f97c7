package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/jobs/event"
)

// Exit codes of the runtime itself.
const (
	exitFailed = 1 // a run failed without an ExitError code
	exitUsage  = 2 // bad flags or event file
)

// SignalContext is cancelled by SIGINT or SIGTERM.
func SignalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// runWith runs a parsed command: for the notification in c.Event when set, as a
// Lambda function when the Lambda runtime started the process, else cli for the
// command line. A nil bucket is opened from c.Bucket. An event file that cannot be
// read or decoded is a usage error, found before the bucket is opened.
func runWith(ctx context.Context, c *CommonFlags, f Function, cli func(ctx context.Context, env *Env) error,
	args []string, stdin io.Reader, b blob.Bucket, log *slog.Logger) int {
	var objs []event.Object
	if c.Event != "" {
		var code int
		if objs, code = readEvents(c, f, stdin, log); code != 0 {
			return code
		}
	}
	if b == nil {
		var err error
		if b, err = blob.Open(ctx, c.Bucket); err != nil {
			log.Error("open bucket", "function", f.Name, "bucket", c.Bucket, "err", err)
			if errors.Is(err, blob.ErrBadURL) {
				return exitUsage // a URL that cannot work, credentials in it included
			}
			return exitFailed
		}
		defer b.Close()
	}
	if c.Event != "" {
		return runEvents(ctx, c, f, objs, b, log.With("function", f.Name, "event_file", c.Event))
	}
	if InLambda() && f.OnEvent != nil {
		d := NewDispatcher(b, log)
		if err := d.Register(f); err != nil {
			log.Error("register", "err", err)
			return exitUsage
		}
		lambda.StartWithOptions(S3Handler(d, c.Bucket), lambda.WithContext(ctx))
		return 0 // not reached: the Lambda runtime exits the process
	}
	if cli == nil {
		log.Error("this function runs only for events: give --event FILE", "function", f.Name)
		return exitUsage
	}
	rec, err := execute(ctx, b, log, runSpec{function: f.Name, trigger: Trigger{Kind: "cli", Args: RedactArgs(args)}}, cli)
	if err != nil && rec.ExitCode == 0 {
		return exitFailed // the run succeeded but its record could not be written
	}
	return rec.ExitCode
}

// readEvents reads and decodes the notification in c.Event; a code other than 0
// (a usage error) says it could not.
func readEvents(c *CommonFlags, f Function, stdin io.Reader, log *slog.Logger) ([]event.Object, int) {
	log = log.With("function", f.Name, "event_file", c.Event)
	if f.OnEvent == nil {
		log.Error("this function handles no events")
		return nil, exitUsage
	}
	body, err := readEventFile(c.Event, stdin)
	if err != nil {
		log.Error("read event", "err", err)
		return nil, exitUsage
	}
	objs, err := event.Decode(body)
	if err != nil {
		log.Error("decode event", "err", err)
		return nil, exitUsage
	}
	return objs, 0
}

// runEvents runs f for the decoded notification objs.
func runEvents(ctx context.Context, c *CommonFlags, f Function, objs []event.Object, b blob.Bucket, log *slog.Logger) int {
	d := NewDispatcher(b, log)
	if err := d.Register(f); err != nil {
		log.Error("register", "err", err)
		return exitUsage
	}
	ran, err := deliverAndWait(ctx, d, scopeOf(c.Bucket), objs)
	if ran == 0 && err == nil {
		log.Warn("no event in the file is routed to this function", "events", len(objs))
	}
	if err == nil {
		return 0
	}
	log.Error("event not handled", "err", err)
	var ee *ExitError
	if errors.As(err, &ee) && ee.Code != 0 {
		return ee.Code
	}
	return exitFailed
}

// deliverAndWait receives the events within sc on a queue with an inbox and waits
// for their outcomes: the one loop of an --event file and a Lambda invocation. It
// returns how many deliveries there were and the errors of those that failed (a
// duplicate of a failed run included).
func deliverAndWait(ctx context.Context, d *Dispatcher, sc scope, objs []event.Object) (int, error) {
	q := NewQueue(d, QueueOptions{Inbox: true})
	var dls []*Delivery
	var errs []error
	for _, o := range objs {
		o, ok := sc.within(o)
		if !ok {
			d.log.Warn("event for another bucket or prefix ignored", "event_bucket", o.Bucket, "key", o.Key)
			continue
		}
		got, err := q.Receive(ctx, o)
		if err != nil {
			errs = append(errs, err)
		}
		dls = append(dls, got...)
	}
	for _, dl := range dls {
		out, err := dl.Wait(ctx)
		if err == nil {
			err = out.Err
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s for %s: %w", dl.Function, dl.Key, err))
		}
	}
	return len(dls), errors.Join(errs...)
}

func readEventFile(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		data, err := io.ReadAll(stdin)
		if err != nil {
			return nil, fmt.Errorf("stdin: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("event file: %w", err)
	}
	return data, nil
}

// scope is the part of a notification's key space that the bucket URL covers: for
// s3://NAME/PREFIX, events of bucket NAME under PREFIX/ (the prefix is trimmed off);
// for other URLs, everything.
type scope struct{ bucket, prefix string }

func scopeOf(bucketURL string) scope {
	l, err := blob.ParseURL(bucketURL)
	if err != nil || l.Scheme != "s3" {
		return scope{}
	}
	return scope{bucket: l.S3.Bucket, prefix: l.S3.Prefix}
}

func (s scope) within(o event.Object) (event.Object, bool) {
	if s.bucket != "" && o.Bucket != "" && o.Bucket != s.bucket {
		return o, false
	}
	return o.WithinPrefix(s.prefix)
}
