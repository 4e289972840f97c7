package planted

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// Shape names a planted time effect.
type Shape string

// The planted time effects. Each adds to a rating's mean a term that only the times
// of the user's interactions explain.
const (
	// Gap: an offset that depends on the gap since the user's previous rating:
	// Effect·tanh(ln(1 day / gap)/2): quick follow-ups are rated higher, ratings after
	// a long absence lower.
	Gap Shape = "gap"
	// Drift: the user's level wanders around its mean and reverts with time
	// constant DriftDecay (an Ornstein–Uhlenbeck deviation of standard deviation
	// Effect): a rating says about the current level the less the longer ago it was,
	// whatever the number of ratings since.
	Drift Shape = "drift"
	// Return: after an absence of at least ReturnGap, ratings are raised by
	// Effect·exp(−(time since the return)/ReturnDecay): a transient that decays with
	// the time since the user came back.
	Return Shape = "return"
)

// Shapes lists the planted shapes.
var Shapes = []Shape{Gap, Drift, Return}

// ErrShape: an unknown shape.
var ErrShape = errors.New("unknown planted shape")

// Time constants of the shapes and of the sessions.
const (
	Hour        = 3600
	Day         = 24 * Hour
	Year        = 365 * Day
	ReturnGap   = 14 * Day // an absence this long starts a return
	ReturnDecay = Day      // the return boost's time constant
	DriftDecay  = 30 * Day // the drift's reversion time constant
)

// Config sizes a planted dataset. Zero fields take DefaultConfig's values.
type Config struct {
	Shape  Shape
	Seed   uint64
	Users  int
	Items  int
	Effect float64 // size of the planted effect (rating points)
	Noise  float64 // standard deviation of the rating noise before rounding
	// SessionMax is the most ratings in a session (drawn uniformly from 1..SessionMax).
	SessionMax int
}

// DefaultConfig is the dataset of the planted-signal tests: 500 users with 20–120
// ratings each over 300 items, an effect of 0.7 rating points, noise 0.35, sessions
// of up to 10 ratings; for Drift a deviation of 1 rating point (at 0.7 a time-blind
// baseline comes within 10% of the time-aware one: TestShapesNeedTime).
func DefaultConfig(shape Shape, seed uint64) Config {
	c := Config{Shape: shape, Seed: seed, Users: 500, Items: 300, Effect: 0.7, Noise: 0.35, SessionMax: 10}
	if shape == Drift {
		c.Effect = 1
	}
	return c
}

// Data is a planted dataset split like a prepared MovieLens dataset (Split), with the
// noise-free mean of every row.
type Data struct {
	Config           Config
	Train, Val, Test []ratings.Rating
	mean             map[rowKey]float64
	itemBias         map[int32]float64
	globalMean       float64
}

type rowKey struct {
	user, item int32
	time       int64
}

// Base rating level and spreads of the static biases.
const (
	baseMean   = 3.5
	itemSpread = 0.5
	userSpread = 0.4
)

// Generate makes the dataset: each user rates in sessions (a few ratings minutes
// apart, sessions an hour to a year apart, log-uniformly), items drawn by a Zipf-like
// popularity; a rating is μ + b_item + b_user + the shape's term + noise, rounded to
// half stars and clamped to 0.5–5.
func Generate(cfg Config) (*Data, error) {
	def := DefaultConfig(cfg.Shape, cfg.Seed)
	if cfg.Users == 0 {
		cfg.Users = def.Users
	}
	if cfg.Items == 0 {
		cfg.Items = def.Items
	}
	if cfg.Effect == 0 {
		cfg.Effect = def.Effect
	}
	if cfg.Noise == 0 {
		cfg.Noise = def.Noise
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = def.SessionMax
	}
	if !slices.Contains(Shapes, cfg.Shape) {
		return nil, fmt.Errorf("%w %q (have %v)", ErrShape, cfg.Shape, Shapes)
	}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x71a7))
	d := &Data{Config: cfg, mean: map[rowKey]float64{}, itemBias: map[int32]float64{}, globalMean: baseMean}
	pop := make([]float64, cfg.Items) // cumulative Zipf(0.8) weights
	for i := range pop {
		pop[i] = 1 / math.Pow(float64(i+1), 0.8)
		if i > 0 {
			pop[i] += pop[i-1]
		}
	}
	for i := range cfg.Items {
		d.itemBias[int32(i+1)] = r.NormFloat64() * itemSpread
	}
	const t0 = 1_420_070_400 // 2015-01-01
	var all []ratings.Rating
	for u := range cfg.Users {
		user := int32(u + 1)
		n := 20 + r.IntN(101)
		t := int64(t0) + r.Int64N(Year)
		bu := r.NormFloat64() * userSpread
		dev := 0.0 // Drift's deviation
		if cfg.Shape == Drift {
			dev = r.NormFloat64() * cfg.Effect
		}
		var prev, returned int64 = -1, -1
		seen := map[int32]bool{}
		for k := 0; k < n; {
			session := 1 + r.IntN(cfg.SessionMax)
			for s := 0; s < session && k < n; s++ {
				if k > 0 {
					var gap int64
					if s == 0 {
						gap = int64(math.Exp(math.Log(Hour) + r.Float64()*(math.Log(Year)-math.Log(Hour))))
					} else {
						gap = int64(r.ExpFloat64() * 180)
					}
					if cfg.Shape == Drift {
						a := math.Exp(-float64(gap) / DriftDecay)
						dev = a*dev + cfg.Effect*math.Sqrt(1-a*a)*r.NormFloat64()
					}
					t += gap
				}
				x := r.Float64() * pop[len(pop)-1]
				item := int32(1 + slices.IndexFunc(pop, func(c float64) bool { return c >= x }))
				for seen[item] { // a user rates an item once
					item = int32(1 + r.IntN(cfg.Items))
				}
				seen[item] = true
				if prev >= 0 && t-prev >= ReturnGap {
					returned = t
				}
				mean := baseMean + d.itemBias[item] + bu + dev + shapeTerm(cfg, prev, returned, t)
				v := math.Round((mean+r.NormFloat64()*cfg.Noise)*2) / 2
				row := ratings.Rating{User: user, Item: item, Rating: float32(min(max(v, 0.5), 5)), Time: t}
				d.mean[rowKey{user, item, t}] = mean
				all = append(all, row)
				prev = t
				k++
			}
		}
	}
	var err error
	if d.Train, d.Val, d.Test, err = Split(all); err != nil {
		return nil, fmt.Errorf("planted: split: %w", err)
	}
	return d, nil
}

// shapeTerm is the planted term of a rating at t whose user's previous rating was at
// prev (−1: none) and whose last return was at returned (−1: none).
func shapeTerm(cfg Config, prev, returned, t int64) float64 {
	switch cfg.Shape {
	case Gap:
		if prev < 0 {
			return 0
		}
		return cfg.Effect * GapOffset(t-prev)
	case Return:
		if returned < 0 {
			return 0
		}
		return cfg.Effect * math.Exp(-float64(t-returned)/ReturnDecay)
	}
	return 0 // Drift lives in the user's deviation
}

// GapOffset is the gap shape's term per unit of effect: tanh(ln(1 day/gap)/2), with a
// gap under a second counted as one second.
func GapOffset(gapSeconds int64) float64 {
	g := math.Max(float64(gapSeconds), 1)
	return math.Tanh(math.Log(Day/g) / 2)
}

// Split splits rows by the rule of a prepared dataset (etl.SplitRows with the default
// fractions: the last 20% in time are test; before that, each user's last 10% are
// validation, the rest train).
func Split(rows []ratings.Rating) (train, val, test []ratings.Rating, err error) {
	return etl.SplitRows(rows, etl.DefaultTestFraction, etl.DefaultValFraction)
}

// Oracle predicts every row's planted noise-free mean, clamped to the rating scale:
// no model can do better on average.
func (d *Data) Oracle() scoring.Predictor { return oracle{d} }

type oracle struct{ d *Data }

func (o oracle) Name() string { return "oracle" }

func (o oracle) Predict(ctx context.Context, hist *scoring.History, rows []ratings.Rating) ([]float32, error) {
	out := make([]float32, len(rows))
	for i, r := range rows {
		m, ok := o.d.mean[rowKey{r.User, r.Item, r.Time}]
		if !ok {
			return nil, fmt.Errorf("oracle: row %d %+v is not in the planted data", i, r)
		}
		out[i] = float32(min(max(m, scoring.MinRating), scoring.MaxRating))
	}
	return out, nil
}
