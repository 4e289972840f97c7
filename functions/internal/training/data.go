package training

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/trainer"
)

// ReadSplits reads the train, validation and test splits of a prepared dataset. The
// manifest must exist (prepare writes it last).
func ReadSplits(ctx context.Context, b blob.Bucket, dataset string) (*trainer.Data, error) {
	if _, err := etl.LoadPrepared(ctx, b, dataset); err != nil {
		return nil, fmt.Errorf("%w (run prepare first)", err)
	}
	d := &trainer.Data{}
	for _, s := range []struct {
		name string
		dst  *[]ratings.Rating
	}{{etl.SplitTrain, &d.Train}, {etl.SplitVal, &d.Val}, {etl.SplitTest, &d.Test}} {
		rows, err := etl.ReadSplit(ctx, b, dataset, s.name)
		if err != nil {
			return nil, err
		}
		*s.dst = rows
	}
	return d, nil
}
