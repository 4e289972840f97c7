package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/recpipe/recpipe/jobs/event"
)

// InLambda reports whether the AWS Lambda runtime started this process.
func InLambda() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }

// S3Handler returns the Lambda handler for S3 notifications: each created object of
// the bucket bucketURL names (under its prefix) is dispatched through d. It fails when
// any run failed, so that Lambda retries the invocation; runs that already succeeded
// are then skipped as duplicates.
func S3Handler(d *Dispatcher, bucketURL string) func(ctx context.Context, e events.S3Event) error {
	sc := scopeOf(bucketURL)
	return func(ctx context.Context, e events.S3Event) error {
		objs, err := event.FromS3Event(e)
		if err != nil {
			return fmt.Errorf("S3 event: %w", err)
		}
		var errs []error
		for _, o := range objs {
			o, ok := sc.within(o)
			if !ok {
				d.log.Warn("event for another bucket or prefix ignored", "event_bucket", o.Bucket, "key", o.Key)
				continue
			}
			if _, err := d.Dispatch(ctx, o); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
}
