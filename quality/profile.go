package quality

import (
	"container/heap"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
)

// Profile is quality/train-profile.json: what the daily checks need of the training
// split and the catalogue, computed once per prepared dataset (keyed by the sha256
// of its manifest) so that no day re-reads train.
type Profile struct {
	Schema                 string `json:"schema"`
	Dataset                string `json:"dataset"`
	PreparedManifestSHA256 string `json:"prepared_manifest_sha256"`
	TrainKey               string `json:"train_key"`
	ItemsKey               string `json:"items_key"`
	Rows                   int    `json:"rows"`
	MinTime                int64  `json:"min_time"`
	MaxTime                int64  `json:"max_time"`
	// RatingCounts counts train ratings per half step, 0.5 (index 0) .. 5.0 (index 9).
	RatingCounts []int   `json:"rating_counts"`
	Users        []int32 `json:"users"`     // distinct train users, sorted
	Items        []int32 `json:"items"`     // distinct train items, sorted
	Catalogue    []int32 `json:"catalogue"` // movieIds of items.csv, sorted
	// Boundary holds the train rows at MaxTime, the only ones a feed row (at or after
	// the cutoff) can repeat; a day reads train only for rows before MaxTime.
	Boundary []BoundaryRow `json:"boundary"`
	// Activity is the reference of the per-user activity drift test: ratings per
	// user in the last Rows rows of train (by time), one day's worth of the feed.
	Activity ActivityWindow `json:"activity"`
}

// BoundaryRow is a (user, item) of train at MaxTime.
type BoundaryRow struct {
	User int32 `json:"user"`
	Item int32 `json:"item"`
}

// ActivityWindow is per-user activity in a window at the end of train.
type ActivityWindow struct {
	Rows     int   `json:"rows"`
	FromTime int64 `json:"from_time"`
	ToTime   int64 `json:"to_time"`
	PerUser  []int `json:"per_user"` // ratings per user in the window, sorted
}

// LoadProfile returns the cached train profile of src, building and caching it when
// it is missing or belongs to other prepared data. built says whether train was read.
func LoadProfile(ctx context.Context, b blob.Bucket, src etl.FeedSource) (p *Profile, built bool, err error) {
	var cur Profile
	err = blob.ReadJSON(ctx, b, layout.QualityTrainProfile, &cur)
	switch {
	case err == nil && cur.Schema == ProfileSchema && cur.PreparedManifestSHA256 == src.ManifestSHA256:
		return &cur, false, nil
	case err != nil && !errors.Is(err, blob.ErrNotFound):
		return nil, false, err
	}
	p, err = BuildProfile(ctx, b, src)
	if err != nil {
		return nil, false, err
	}
	if _, _, err := blob.WriteJSON(ctx, b, layout.QualityTrainProfile, p); err != nil {
		return nil, false, fmt.Errorf("write %s: %w", layout.QualityTrainProfile, err)
	}
	return p, true, nil
}

// BuildProfile reads train.csv and items.csv of src once.
func BuildProfile(ctx context.Context, b blob.Bucket, src etl.FeedSource) (*Profile, error) {
	p := &Profile{
		Schema: ProfileSchema, Dataset: src.Dataset, PreparedManifestSHA256: src.ManifestSHA256,
		TrainKey: src.TrainKey(), ItemsKey: src.ItemsKey(), RatingCounts: make([]int, RatingBins), Boundary: []BoundaryRow{},
	}
	window := max(1, src.TestRows()/etl.Days)
	last := &latest{}
	users, items := map[int32]struct{}{}, map[int32]struct{}{}
	rc, err := b.Get(ctx, p.TrainKey)
	if err != nil {
		return nil, fmt.Errorf("train profile: %w", err)
	}
	defer rc.Close()
	err = ratings.Scan(rc, p.TrainKey, func(r ratings.Rating, bad *ratings.LineError) error {
		if bad != nil {
			return bad
		}
		if p.Rows == 0 || r.Time < p.MinTime {
			p.MinTime = r.Time
		}
		if p.Rows == 0 || r.Time > p.MaxTime {
			p.MaxTime = r.Time
			p.Boundary = p.Boundary[:0]
		}
		if r.Time == p.MaxTime {
			p.Boundary = append(p.Boundary, BoundaryRow{r.User, r.Item})
		}
		p.Rows++
		p.RatingCounts[ratingBin(r.Rating)]++
		users[r.User] = struct{}{}
		items[r.Item] = struct{}{}
		last.offer(window, stamp{r.Time, r.User, r.Item})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("train profile: %w", err)
	}
	p.Users, p.Items = sortedKeys(users), sortedKeys(items)
	slices.SortFunc(p.Boundary, func(a, b BoundaryRow) int {
		if a.User != b.User {
			return int(a.User - b.User)
		}
		return int(a.Item - b.Item)
	})
	p.Activity = last.activity()
	if p.Catalogue, err = readCatalogue(ctx, b, p.ItemsKey); err != nil {
		return nil, err
	}
	return p, nil
}

// readCatalogue returns the sorted movieIds of items.csv (movieId,title,genres).
func readCatalogue(ctx context.Context, b blob.Bucket, key string) ([]int32, error) {
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("catalogue: %w", err)
	}
	defer rc.Close()
	cr := csv.NewReader(rc)
	cr.FieldsPerRecord = -1
	var out []int32
	for line := 1; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		if line == 1 {
			if rec[0] != "movieId" {
				return nil, fmt.Errorf("%s:1: header %q, want %q", key, rec, etl.ItemsHeader)
			}
			continue
		}
		id, err := strconv.ParseInt(rec[0], 10, 32)
		if err != nil || id <= 0 {
			return nil, fmt.Errorf("%s:%d: bad movieId %q", key, line, rec[0])
		}
		out = append(out, int32(id))
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func sortedKeys(m map[int32]struct{}) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// stamp orders rows by time, then user, then item: a total order, so the window is
// the same whatever the order of train.csv.
type stamp struct {
	t    int64
	u, i int32
}

func (a stamp) less(b stamp) bool {
	if a.t != b.t {
		return a.t < b.t
	}
	if a.u != b.u {
		return a.u < b.u
	}
	return a.i < b.i
}

// latest keeps the n greatest stamps (a min-heap).
type latest []stamp

func (h latest) Len() int           { return len(h) }
func (h latest) Less(i, j int) bool { return h[i].less(h[j]) }
func (h latest) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *latest) Push(x any)        { *h = append(*h, x.(stamp)) }
func (h *latest) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

func (h *latest) offer(n int, s stamp) {
	if h.Len() < n {
		heap.Push(h, s)
		return
	}
	if (*h)[0].less(s) {
		(*h)[0] = s
		heap.Fix(h, 0)
	}
}

func (h latest) activity() ActivityWindow {
	w := ActivityWindow{Rows: len(h), PerUser: []int{}}
	per := map[int32]int{}
	for i, s := range h {
		per[s.u]++
		if i == 0 || s.t < w.FromTime {
			w.FromTime = s.t
		}
		if i == 0 || s.t > w.ToTime {
			w.ToTime = s.t
		}
	}
	for _, c := range per {
		w.PerUser = append(w.PerUser, c)
	}
	slices.Sort(w.PerUser)
	return w
}

// has reports whether sorted ids holds id.
func has(ids []int32, id int32) bool {
	_, ok := slices.BinarySearch(ids, id)
	return ok
}
