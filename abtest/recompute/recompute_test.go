package recompute_test

import (
	"context"
	"os"
	"testing"

	"github.com/recpipe/recpipe/abtest/recompute"
	"github.com/recpipe/recpipe/internal/blob"
)

// TestVerifyBucket recomputes the numbers ab-eval wrote to a real bucket (after the
// 20-day simulation and ab-eval --all). make test runs the same check on the bucket
// the demo's test writes (functions/pipeline).
//
//	AB_VERIFY_BUCKET=file://$PWD/data go test ./abtest/recompute -run TestVerifyBucket -v
func TestVerifyBucket(t *testing.T) {
	url := os.Getenv("AB_VERIFY_BUCKET")
	if url == "" {
		t.Skip("set AB_VERIFY_BUCKET to a bucket that ab-eval --all has written")
	}
	ctx := context.Background()
	b, err := blob.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	arms, err := recompute.Check(ctx, b)
	for _, a := range arms {
		t.Logf("%-20s %-8s RMSE %.4f (recomputed %.4f)", a.Name, a.Role, a.RMSE, a.RecomputedRMSE)
	}
	if err != nil {
		t.Fatal(err)
	}
}
