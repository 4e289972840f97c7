package quality_test

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/etl/releasetest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/quality"
)

// Release the first day of a small synthetic feed and run the gate on it.
func ExampleChecker_Check() {
	ctx := context.Background()
	b := blob.NewMem()
	if _, err := releasetest.Write(ctx, b, "example", releasetest.Synthetic(8000, 1000, 2000, 1)); err != nil {
		panic(err)
	}
	if _, _, err := (&etl.Releaser{Bucket: b, Dataset: "example"}).Release(ctx, 1); err != nil {
		panic(err)
	}
	rep, err := (&quality.Checker{Bucket: b}).Check(ctx, 1)
	fmt.Println(rep.Success, err, rep.Statistics.Evaluated, rep.Failed(quality.Error))
	// Output: true <nil> 17 []
}
