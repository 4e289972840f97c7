package jobs

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/recpipe/recpipe/jobs/event"
)

// InLambda reports whether the AWS Lambda runtime started this process.
func InLambda() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }

// S3Handler returns the Lambda handler for S3 notifications: each created object of
// the bucket bucketURL names (under its prefix) is received and run through d's queue
// (see Queue: inbox, claim, retries with backoff), and the invocation waits for the
// outcomes. It fails when a run failed for good (or an earlier one did: a duplicate
// of a failure is an error too), so that Lambda's own retries and on-failure
// destination see it.
func S3Handler(d *Dispatcher, bucketURL string) func(ctx context.Context, e events.S3Event) error {
	sc := scopeOf(bucketURL)
	return func(ctx context.Context, e events.S3Event) error {
		objs, err := event.FromS3Event(e)
		if err != nil {
			return fmt.Errorf("S3 event: %w", err)
		}
		_, err = deliverAndWait(ctx, d, sc, objs)
		return err
	}
}
