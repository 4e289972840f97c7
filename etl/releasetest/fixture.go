package releasetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
)

// Data is a prepared dataset before it is written.
type Data struct {
	Train, Val, Test []ratings.Rating // Test must be sorted by time
	Items            []int32          // the catalogue's movieIds
	// Corrupt replaces test row i (0-based) with raw text in test.csv.
	Corrupt map[int]string
}

// Write stores d as prepared/<dataset>/{train,val,test,items}.csv and, last, the
// manifest, with the day offsets computed from the bytes written.
func Write(ctx context.Context, b blob.Bucket, dataset string, d Data) (*etl.Prepared, error) {
	p := &etl.Prepared{
		Schema: etl.PreparedManifest, Dataset: dataset, Synthetic: true,
		Source:  etl.PreparedSource{Name: "releasetest", Format: "synthetic"},
		Ratings: len(d.Train) + len(d.Val) + len(d.Test),
		Objects: map[string]etl.ObjectSum{},
	}
	put := func(name string, data []byte) (etl.SplitStats, error) {
		key := layout.Prepared(dataset, name)
		if _, err := blob.PutBytes(ctx, b, key, data, blob.PutOptions{}); err != nil {
			return etl.SplitStats{}, err
		}
		sum := sha256.Sum256(data)
		s := etl.SplitStats{Key: key, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))}
		p.Objects[key] = etl.ObjectSum{SHA256: s.SHA256, Size: s.Size}
		return s, nil
	}
	var err error
	if p.Splits.Train, err = put(layout.TrainName, ratings.Encode(d.Train)); err != nil {
		return nil, err
	}
	fill(&p.Splits.Train, d.Train)
	if p.Splits.Val, err = put(layout.ValName, ratings.Encode(d.Val)); err != nil {
		return nil, err
	}
	fill(&p.Splits.Val, d.Val)
	test, offsets := encodeTest(d.Test, d.Corrupt)
	if p.Splits.Test, err = put(layout.TestName, test); err != nil {
		return nil, err
	}
	fill(&p.Splits.Test, d.Test)
	p.TestDayOffsets = offsets
	if len(d.Test) > 0 {
		p.TestCutoff = d.Test[0].Time
	}
	var items bytes.Buffer
	items.WriteString(etl.ItemsHeader + "\n")
	for _, it := range d.Items {
		fmt.Fprintf(&items, "%d,\"Movie %d, The (2000)\",Drama|Comedy\n", it, it)
	}
	is, err := put(etl.ItemsName, items.Bytes())
	if err != nil {
		return nil, err
	}
	p.Items = etl.ItemsInfo{Key: is.Key, Rows: len(d.Items), SHA256: is.SHA256, Size: is.Size}
	if _, _, err := blob.WriteJSON(ctx, b, layout.PreparedManifest(dataset), p); err != nil {
		return nil, err
	}
	return p, nil
}

func fill(s *etl.SplitStats, rows []ratings.Rating) {
	s.Rows = len(rows)
	users, items := map[int32]bool{}, map[int32]bool{}
	for i, r := range rows {
		users[r.User], items[r.Item] = true, true
		if i == 0 || r.Time < s.MinTime {
			s.MinTime = r.Time
		}
		if i == 0 || r.Time > s.MaxTime {
			s.MaxTime = r.Time
		}
	}
	s.Users, s.Items = len(users), len(items)
}

// encodeTest writes the test CSV and the Days+1 byte offsets of the day boundaries.
func encodeTest(rows []ratings.Rating, corrupt map[int]string) ([]byte, []int64) {
	buf := make([]byte, 0, 32+len(rows)*24)
	buf = append(buf, ratings.Header+"\n"...)
	start := make([]int64, len(rows)+1)
	for i, r := range rows {
		start[i] = int64(len(buf))
		if raw, ok := corrupt[i]; ok {
			buf = append(buf, raw+"\n"...)
			continue
		}
		buf = ratings.AppendCSV(buf, r)
	}
	start[len(rows)] = int64(len(buf))
	offsets := make([]int64, etl.Days+1)
	for d := 1; d <= etl.Days; d++ {
		lo, hi := etl.DayBounds(d, len(rows))
		offsets[d-1], offsets[d] = start[lo], start[hi]
	}
	return buf, offsets
}

// Line returns r as its CSV line without the newline, for building corruptions.
func Line(r ratings.Rating) string {
	return string(bytes.TrimSuffix(ratings.AppendCSV(nil, r), []byte("\n")))
}

// ItemsOf returns the sorted distinct items of the given row sets.
func ItemsOf(sets ...[]ratings.Rating) []int32 {
	seen := map[int32]bool{}
	var out []int32
	for _, s := range sets {
		for _, r := range s {
			if !seen[r.Item] {
				seen[r.Item] = true
				out = append(out, r.Item)
			}
		}
	}
	slices.Sort(out)
	return out
}
