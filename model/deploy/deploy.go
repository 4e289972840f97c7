package deploy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/ncf"
	"github.com/recpipe/recpipe/model/scoring"
)

// Schema is the version document's schema name.
const Schema = "model-version/v1"

// RefreshFoldIn names the refresh of NCF versions.
const RefreshFoldIn = "fold-in"

// Input is an object a version was computed from, with its checksum.
type Input struct {
	Key    string `json:"key"`
	SHA256 string `json:"sha256"`
	Bytes  int    `json:"bytes"`
}

// InputOf is the Input of data stored at key.
func InputOf(key string, data []byte) Input {
	sum := sha256.Sum256(data)
	return Input{Key: key, SHA256: hex.EncodeToString(sum[:]), Bytes: len(data)}
}

// Config is how a version was refreshed: the fold-in and its strengths chosen on
// validation (with the grid and the RMSE of every value).
type Config struct {
	Refresh string            `json:"refresh"` // fold-in, or full+fold-in
	FoldIn  *ncf.FoldInTuning `json:"fold_in"`
	// FullRefreshEvery is the full-refresh schedule (absent: never) and FullRefreshDay
	// the day whose end fully retrained this version's base (absent: the champion).
	FullRefreshEvery int `json:"full_refresh_every,omitempty"`
	FullRefreshDay   int `json:"full_refresh_day,omitempty"`
}

// Metrics describe what a version learned from.
type Metrics struct {
	RowsFoldedIn int     `json:"rows_folded_in"` // validation and released rows
	UsersRefit   int     `json:"users_refit"`
	NewUsers     int     `json:"new_users"` // users the champion had never seen
	FitRMSE      float64 `json:"fit_rmse"`  // the version's RMSE on the rows it was refit on
	ValRMSE      float64 `json:"val_rmse"`  // the champion's validation RMSE (before any fold-in)
}

// Version is deployed/<model>/day=NN/version.json.
type Version struct {
	Schema   string `json:"schema"`
	Model    string `json:"model"`
	Dataset  string `json:"dataset"`
	Day      int    `json:"day"`
	Parent   string `json:"parent"` // the previous version's marker, or the champion for day 1
	Champion Input  `json:"champion"`
	DaysSeen []int  `json:"days_seen"` // released days (quality passed) folded in, ≤ Day
	// SeenUntil is the time of the newest rating folded in: served online (ncf.Online),
	// the version refits a user on the ratings after it.
	SeenUntil int64   `json:"seen_until"`
	Config    Config  `json:"config"`
	Metrics   Metrics `json:"metrics"`
	ModelBin  Input   `json:"model_bin"`
	Inputs    []Input `json:"inputs"` // train, validation, the seen days' batches
}

// Data is what a version is computed from: the prepared splits and the batches of the
// released days that passed their quality gate, with their checksums.
type Data struct {
	Dataset    string
	Train, Val []ratings.Rating
	TrainIn    Input
	ValIn      Input
	Batches    map[int][]ratings.Rating
	BatchIn    map[int]Input
}

// Champion is the champion a version descends from.
type Champion struct {
	Model   string
	Doc     *scoring.Champion
	DocIn   Input
	ValRMSE float64
	NCF     *ncf.NCF

	// The fold-in strengths chosen on validation, once per champion (a pure function
	// of the champion and validation).
	tuning *ncf.FoldInTuning

	// The full-refresh schedule (EnableFullRefresh), the trainer and the bases it
	// trained, by the day whose end they were trained at.
	fullEvery int
	train     func(ctx context.Context, rows, val []ratings.Rating) (*ncf.NCF, error)
	refreshed map[int]*ncf.NCF
}

// ErrNotRefreshable: the model has no refresh (only NCF has).
var ErrNotRefreshable = errors.New("model has no refresh")

// AsChampion wraps a loaded champion predictor for refreshing.
func AsChampion(model string, p scoring.Predictor, doc *scoring.Champion, docIn Input) (*Champion, error) {
	m, ok := p.(*ncf.NCF)
	if !ok {
		return nil, fmt.Errorf("%s: %w", model, ErrNotRefreshable)
	}
	c := &Champion{Model: model, Doc: doc, DocIn: docIn, NCF: m}
	if doc != nil {
		c.ValRMSE = doc.ValRMSE
	}
	return c, nil
}

// Build computes the version of day d (≥ 1) from c and data: the model folded in on
// validation and every batch of data with day ≤ d, and its document.
func Build(ctx context.Context, c *Champion, data *Data, d int) (*ncf.NCF, *Version, []byte, error) {
	v, rows, err := c.describe(ctx, data, d)
	if err != nil {
		return nil, nil, nil, err
	}
	base, _, err := c.base(ctx, data, d)
	if err != nil {
		return nil, nil, nil, err
	}
	m, users, fresh, err := base.FoldIn(rows, c.tuning.Lambdas)
	if err != nil {
		return nil, nil, nil, err
	}
	pred, err := m.Predict(ctx, nil, rows)
	if err != nil {
		return nil, nil, nil, err
	}
	v.Metrics = Metrics{RowsFoldedIn: len(rows), UsersRefit: users, NewUsers: fresh,
		FitRMSE: scoring.RowScores(pred, rows).RMSE, ValRMSE: c.ValRMSE}
	var buf bytes.Buffer
	if err := scoring.Save(&buf, m); err != nil {
		return nil, nil, nil, fmt.Errorf("encode version %d of %s: %w", d, c.Model, err)
	}
	v.ModelBin = InputOf(layout.DeployedFile(c.Model, layout.Day(d), layout.RunModelName), buf.Bytes())
	return m, v, buf.Bytes(), nil
}

// describe is the document of the version of day d (≥ 1) but for what the fold-in
// gives (Metrics, ModelBin), and the rows it folds in: validation and every batch of
// data with day ≤ d.
func (c *Champion) describe(ctx context.Context, data *Data, d int) (*Version, []ratings.Rating, error) {
	if err := c.tune(ctx, data); err != nil {
		return nil, nil, err
	}
	n := len(data.Val)
	for h, b := range data.Batches {
		if h <= d {
			n += len(b)
		}
	}
	rows := append(make([]ratings.Rating, 0, n), data.Val...) // allocated once at its final size
	v := &Version{Schema: Schema, Model: c.Model, Dataset: data.Dataset, Day: d, Champion: c.DocIn,
		Parent:   layout.Champion(c.Model),
		Config:   Config{Refresh: RefreshFoldIn, FoldIn: c.tuning},
		Inputs:   []Input{data.TrainIn, data.ValIn},
		DaysSeen: []int{}}
	days := make([]int, 0, len(data.Batches))
	for h := range data.Batches {
		if h <= d {
			days = append(days, h)
		}
	}
	slices.Sort(days)
	for _, h := range days {
		if h < d {
			v.Parent = layout.ModelVersion(c.Model, layout.Day(h)) // the last version before d
		}
		rows = append(rows, data.Batches[h]...)
		v.DaysSeen = append(v.DaysSeen, h)
		v.Inputs = append(v.Inputs, data.BatchIn[h])
	}
	for _, r := range rows {
		v.SeenUntil = max(v.SeenUntil, r.Time)
	}
	if c.fullEvery > 0 {
		v.Config.FullRefreshEvery = c.fullEvery
	}
	if full := FullRefreshDay(d, c.fullEvery); full > 0 {
		v.Config.Refresh, v.Config.FullRefreshDay = RefreshFull, full
	}
	return v, rows, nil
}

// tune chooses the fold-in strengths once per champion.
func (c *Champion) tune(ctx context.Context, data *Data) error {
	if c.tuning != nil {
		return nil
	}
	t, err := c.NCF.TuneFoldIn(ctx, data.Train, data.Val)
	if err != nil {
		return fmt.Errorf("tune the fold-in of %s: %w", c.Model, err)
	}
	c.tuning = t
	return nil
}

// adoptTuning takes the fold-in strengths from a stored version of the same champion,
// when there is one: they are a pure function of the champion and validation, so a
// retrain step that runs once per day tunes once per champion, not once per day.
func (c *Champion) adoptTuning(ctx context.Context, b blob.Bucket) error {
	if c.tuning != nil || c.DocIn.Key == "" {
		return nil
	}
	list, err := b.List(ctx, layout.DeployedPrefix+c.Model+"/")
	if err != nil {
		return fmt.Errorf("list the versions of %s: %w", c.Model, err)
	}
	for _, a := range list {
		if k, err := layout.Parse(a.Key); err != nil || k.Kind != layout.KindModelVersion {
			continue
		}
		v, err := Read(ctx, b, a.Key)
		if err != nil {
			return err
		}
		if v.Champion == c.DocIn && v.Config.FoldIn != nil {
			c.tuning = v.Config.FoldIn
			return nil
		}
	}
	return nil
}

// Ensure returns the version of day d of c's model served online (ncf.Online: users
// refit on their ratings newer than the version; day 0: the champion itself, with a
// zero Input), writing it when the bucket does not hold it yet: model.bin, then the
// marker version.json last, each only when its bytes changed (a rerun writes nothing).
// It also reports whether it wrote the marker.
func Ensure(ctx context.Context, b blob.Bucket, c *Champion, data *Data, d int) (scoring.Predictor, Input, bool, error) {
	if err := c.adoptTuning(ctx, b); err != nil {
		return nil, Input{}, false, err
	}
	if d == 0 {
		if err := c.tune(ctx, data); err != nil {
			return nil, Input{}, false, err
		}
		return &ncf.Online{M: c.NCF, UserCutoff: ncf.UserCutoffs(data.Train), Lambdas: c.tuning.Lambdas}, Input{}, false, nil
	}
	if m, v, doc, err := Stored(ctx, b, c, data, d); err != nil {
		return nil, Input{}, false, err
	} else if m != nil {
		return &ncf.Online{M: m, Cutoff: v.SeenUntil, Lambdas: c.tuning.Lambdas}, InputOf(layout.ModelVersion(c.Model, layout.Day(d)), doc), false, nil
	}
	m, v, bin, err := Build(ctx, c, data, d)
	if err != nil {
		return nil, Input{}, false, err
	}
	doc, err := blob.MarshalJSON(v)
	if err != nil {
		return nil, Input{}, false, fmt.Errorf("encode %s: %w", layout.ModelVersion(c.Model, layout.Day(d)), err)
	}
	if _, _, err := blob.PutIfChanged(ctx, b, v.ModelBin.Key, bin); err != nil {
		return nil, Input{}, false, fmt.Errorf("write %s: %w", v.ModelBin.Key, err)
	}
	key := layout.ModelVersion(c.Model, layout.Day(d))
	_, wrote, err := blob.PutIfChanged(ctx, b, key, doc)
	if err != nil {
		return nil, Input{}, false, fmt.Errorf("write %s: %w", key, err)
	}
	return &ncf.Online{M: m, Cutoff: v.SeenUntil, Lambdas: c.tuning.Lambdas}, InputOf(key, doc), wrote, nil
}

// Read reads and decodes the version document at key.
func Read(ctx context.Context, b blob.Bucket, key string) (*Version, error) {
	data, err := blob.ReadAll(ctx, b, key)
	if err != nil {
		return nil, err
	}
	var v Version
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	if v.Schema != Schema {
		return nil, fmt.Errorf("%s: schema %q, want %q", key, v.Schema, Schema)
	}
	return &v, nil
}
