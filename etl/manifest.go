package etl

import (
	"context"
	"fmt"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
)

// Split names, in the order they are written.
const (
	SplitTrain = "train"
	SplitVal   = "val"
	SplitTest  = "test"
)

// ItemsName is the item catalogue, prepared/<ds>/items.csv: movieId,title,genres.
const ItemsName = layout.ItemsName

// ItemsHeader is the first line of items.csv.
const ItemsHeader = "movieId,title,genres"

// Prepared is prepared/<ds>/_manifest.json (schema "prepared-manifest/v1", JSON Schema
// internal/schemas/prepared-manifest.v1.schema.json), the marker of a prepared dataset.
// It is written last, and holds nothing that depends on when or where prepare ran: a
// rerun on the same source produces the same bytes.
type Prepared struct {
	Schema    string         `json:"schema"`
	Dataset   string         `json:"dataset"`
	Synthetic bool           `json:"synthetic"` // true only for --synthetic-rows datasets, never real data
	Source    PreparedSource `json:"source"`
	Ratings   int            `json:"ratings"` // train + val + test rows
	Splits    PreparedSplits `json:"splits"`
	// TestCutoff is the timestamp of the first test row: every train and validation
	// timestamp is <= it. BoundaryTies counts train/val rows sharing that second.
	TestCutoff   int64     `json:"test_cutoff"`
	BoundaryTies int       `json:"boundary_ties"`
	Rules        SplitRule `json:"rules"`
	ColdStart    ColdStart `json:"cold_start"`
	Items        ItemsInfo `json:"items"`
	// TestDayOffsets holds Days+1 absolute byte positions in test.csv: day d (1-based)
	// is bytes [TestDayOffsets[d-1], TestDayOffsets[d]), the rows DayBounds(d, test rows)
	// gives. TestDayOffsets[0] is where the first data row starts (just after the header
	// line); TestDayOffsets[Days] is the file size.
	TestDayOffsets []int64 `json:"test_day_offsets"`
	// Objects lists every object prepare wrote (raw and prepared), by key.
	Objects map[string]ObjectSum `json:"objects"`
}

// PreparedSource says what the dataset was made from.
type PreparedSource struct {
	Name   string   `json:"name"`            // e.g. "ml-25m.zip", "ml-latest-small.zip", "synthetic"
	URL    string   `json:"url,omitempty"`   // where a release is published
	Format string   `json:"format"`          // "csv", "dat" or "synthetic"
	SHA256 string   `json:"sha256"`          // of the zip; of the files read (folder); of the generator spec (synthetic)
	MD5    string   `json:"md5,omitempty"`   // the published checksum, verified, when there is one
	Files  []string `json:"files,omitempty"` // the files read, as named in the release
	Seed   uint64   `json:"seed,omitempty"`  // synthetic only
}

// PreparedSplits are the three splits.
type PreparedSplits struct {
	Train SplitStats `json:"train"`
	Val   SplitStats `json:"val"`
	Test  SplitStats `json:"test"`
}

// SplitStats describes one split's CSV object.
type SplitStats struct {
	Key     string `json:"key"`
	Rows    int    `json:"rows"`
	Users   int    `json:"users"`
	Items   int    `json:"items"`
	MinTime int64  `json:"min_time"`
	MaxTime int64  `json:"max_time"`
	SHA256  string `json:"sha256"`
	Size    int64  `json:"size"`
}

// SplitRule records how the split was made.
type SplitRule struct {
	TestFraction float64 `json:"test_fraction"`
	ValFraction  float64 `json:"val_fraction"`
	Order        string  `json:"order"`
	Rounding     string  `json:"rounding"`
}

// ColdStart counts test users and items that train never saw, and the test rows they own.
// The *BeforeCutoff fields count against train and validation together.
type ColdStart struct {
	TestUsersUnseen                int `json:"test_users_unseen"`
	TestItemsUnseen                int `json:"test_items_unseen"`
	TestRowsUserUnseen             int `json:"test_rows_user_unseen"`
	TestRowsItemUnseen             int `json:"test_rows_item_unseen"`
	TestUsersUnseenBeforeCutoff    int `json:"test_users_unseen_before_cutoff"`
	TestRowsUserUnseenBeforeCutoff int `json:"test_rows_user_unseen_before_cutoff"`
}

// ItemsInfo describes items.csv.
type ItemsInfo struct {
	Key    string `json:"key"`
	Rows   int    `json:"rows"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// RatedWithoutTitle counts rated movieIds missing from the release's catalogue.
	RatedWithoutTitle int `json:"rated_without_title"`
}

// ObjectSum is the content checksum of one object.
type ObjectSum struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Split returns the stats of the named split ("train", "val" or "test").
func (p *Prepared) Split(name string) (SplitStats, error) {
	switch name {
	case SplitTrain:
		return p.Splits.Train, nil
	case SplitVal:
		return p.Splits.Val, nil
	case SplitTest:
		return p.Splits.Test, nil
	}
	return SplitStats{}, fmt.Errorf("%w: %q (want train, val or test)", ErrUnknownSplit, name)
}

// TestDayRange returns the byte range [off, off+n) of test.csv that holds day d's rows
// (d in 1..Days), for a ranged read (blob.GetRange). The bytes carry no header.
func (p *Prepared) TestDayRange(d int) (off, n int64, err error) {
	if d < 1 || d > Days {
		return 0, 0, fmt.Errorf("day %d: want 1..%d", d, Days)
	}
	if len(p.TestDayOffsets) != Days+1 {
		return 0, 0, fmt.Errorf("%s: test_day_offsets has %d entries, want %d", layout.PreparedManifest(p.Dataset), len(p.TestDayOffsets), Days+1)
	}
	return p.TestDayOffsets[d-1], p.TestDayOffsets[d] - p.TestDayOffsets[d-1], nil
}

// LoadPrepared reads prepared/<ds>/_manifest.json. A missing manifest is an error
// naming the key that wraps blob.ErrNotFound.
func LoadPrepared(ctx context.Context, b blob.Bucket, dataset string) (*Prepared, error) {
	key := layout.PreparedManifest(dataset)
	var p Prepared
	if err := blob.ReadJSON(ctx, b, key, &p); err != nil {
		return nil, fmt.Errorf("load prepared dataset %q: %w", dataset, err)
	}
	if p.Schema != PreparedManifest {
		return nil, fmt.Errorf("%s: schema %q, want %q", key, p.Schema, PreparedManifest)
	}
	return &p, nil
}

// ReadSplit reads and parses prepared/<ds>/<split>.csv ("train", "val" or "test").
func ReadSplit(ctx context.Context, b blob.Bucket, dataset, split string) ([]ratings.Rating, error) {
	switch split {
	case SplitTrain, SplitVal, SplitTest:
	default:
		return nil, fmt.Errorf("%w: %q (want train, val or test)", ErrUnknownSplit, split)
	}
	key := layout.Prepared(dataset, layout.SplitFile(split))
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read split: %w", err)
	}
	defer rc.Close()
	return ratings.ReadAll(rc, key)
}

// ReadItems reads prepared/<ds>/items.csv, the item catalogue (sorted by movieId).
func ReadItems(ctx context.Context, b blob.Bucket, dataset string) ([]Item, error) {
	key := layout.Prepared(dataset, ItemsName)
	rc, err := b.Get(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read items: %w", err)
	}
	defer rc.Close()
	return parseMovies(rc, key, "csv", 0)
}
