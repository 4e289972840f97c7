package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
)

// Stored returns the stored version of day d (≥ 1) of c's model, with its document's
// bytes, when it is the version Build computes from c and data, without folding in
// again: its document is the one Build writes but for the fold-in's own figures
// (users refit, new users, fit RMSE), its model.bin has the checksum the document
// records, and the decoded model gives on the rows folded in the recorded fit RMSE
// bit for bit. Otherwise (missing, of other inputs, damaged) it returns a nil model
// and Ensure builds the version, writing it anew.
func Stored(ctx context.Context, b blob.Bucket, c *Champion, data *Data, d int) (*ncf.NCF, *Version, []byte, error) {
	key := layout.ModelVersion(c.Model, layout.Day(d))
	doc, err := blob.ReadAll(ctx, b, key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	want, rows, err := c.describe(ctx, data, d)
	if err != nil {
		return nil, nil, nil, err
	}
	got, err := Read(ctx, b, key)
	if err != nil {
		return nil, nil, nil, nil // a damaged document: built again
	}
	want.Metrics = got.Metrics
	want.Metrics.RowsFoldedIn, want.Metrics.ValRMSE = len(rows), c.ValRMSE
	want.ModelBin = got.ModelBin
	if enc, err := blob.MarshalJSON(want); err != nil || !bytes.Equal(enc, doc) {
		return nil, nil, nil, nil
	}
	m, err := storedModel(ctx, b, got)
	if err != nil || m == nil {
		return nil, nil, nil, err
	}
	pred, err := m.Predict(ctx, nil, rows)
	if err != nil || scoring.RowScores(pred, rows).RMSE != got.Metrics.FitRMSE {
		return nil, nil, nil, nil
	}
	return m, got, doc, nil
}

// storedModel reads and decodes v's model.bin when its bytes are those v records;
// nil when they are not, or are not an NCF.
func storedModel(ctx context.Context, b blob.Bucket, v *Version) (*ncf.NCF, error) {
	bin, err := blob.ReadAll(ctx, b, v.ModelBin.Key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", v.ModelBin.Key, err)
	}
	if InputOf(v.ModelBin.Key, bin) != v.ModelBin {
		return nil, nil
	}
	p, err := scoring.Load(bytes.NewReader(bin))
	if err != nil {
		return nil, nil
	}
	m, _ := p.(*ncf.NCF)
	return m, nil
}
