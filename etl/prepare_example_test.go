package etl_test

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
)

// Prepare a release folder (here the tiny CSV fixture) into a bucket, then read the
// manifest and a split back as the later stages do.
func ExamplePrepare() {
	ctx := context.Background()
	b := blob.NewMem()
	res, err := etl.Prepare(ctx, b, etl.Options{SourcePath: "testdata/tiny"})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := etl.LoadPrepared(ctx, b, res.Manifest.Dataset)
	if err != nil {
		fmt.Println(err)
		return
	}
	test, err := etl.ReadSplit(ctx, b, m.Dataset, etl.SplitTest)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %d ratings, train %d, val %d, test %d\n", m.Dataset, m.Ratings, m.Splits.Train.Rows, m.Splits.Val.Rows, len(test))
	fmt.Printf("test starts at %d; %d test rows belong to users unseen in train\n", m.TestCutoff, m.ColdStart.TestRowsUserUnseen)
	off, n, _ := m.TestDayRange(etl.Days)
	fmt.Printf("day 20 is bytes [%d, %d) of %s\n", off, off+n, m.Splits.Test.Key)
	// Output:
	// tiny: 53 ratings, train 37, val 5, test 11
	// test starts at 1000067625; 2 test rows belong to users unseen in train
	// day 20 is bytes [225, 245) of prepared/tiny/test.csv
}
