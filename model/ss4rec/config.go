package ss4rec

import (
	"fmt"

	"github.com/recpipe/recpipe/model/trainer"
)

// Net is the net section of an SS4Rec config (configs/ss4rec*.yaml). The trainer's
// settings (epochs, batch size in windows, learning rate, decay, clipping) are the
// shared train section.
type Net struct {
	Dim       int     `yaml:"dim" json:"dim"`                   // model width H
	S5States  int     `yaml:"s5_states" json:"s5_states"`       // S5 state size P
	Expand    int     `yaml:"expand" json:"expand"`             // Mamba channels E = Expand·Dim
	MambaN    int     `yaml:"mamba_states" json:"mamba_states"` // Mamba state size N
	Blocks    int     `yaml:"blocks" json:"blocks"`
	MaxSeqLen int     `yaml:"max_seq_len" json:"max_seq_len"` // window length W (even)
	Dropout   float32 `yaml:"dropout" json:"dropout"`

	// Engine names the training path. The gorgonia graph (EngineGraph) is the only one;
	// empty (a model.bin written before the field) means the same. The field stays so
	// that configs, their run ids and model.bin files keep their bytes. A model.bin
	// trained on the former hand-written engine ("plain", now the test reference)
	// still decodes, but a config naming it does not train.
	Engine string `yaml:"engine,omitempty" json:"engine,omitempty"`

	// Ablations, all trained by the same command.
	S5Only    bool `yaml:"s5_only" json:"s5_only"`       // blocks without the Mamba layer
	MambaOnly bool `yaml:"mamba_only" json:"mamba_only"` // blocks without the S5 layer
	TimeBlind bool `yaml:"time_blind" json:"time_blind"` // every τ forced to 1 (as for a zero gap)

	// Gap is how a gap between interactions becomes the S5 time input τ (the step is
	// Δ = τ·exp(log_step) per state): GapDays, the raw interval in days (plus an
	// hour, gapFloor), or GapLogHours, 1 + log1p(hours). Empty (a model.bin written before the field)
	// means GapLogHours.
	Gap string `yaml:"gap" json:"gap,omitempty"`
	// DtMin and DtMax bound the initial steps exp(log_step), drawn log-uniformly per
	// state, in units of τ⁻¹ (zero in a model.bin written before the fields).
	DtMin float64 `yaml:"dt_min" json:"dt_min,omitempty"`
	DtMax float64 `yaml:"dt_max" json:"dt_max,omitempty"`
	// InputPerTime divides each position's S5 input by its τ, so that under the
	// zero-order hold an interaction enters a slow state with the same weight whatever
	// the gap after it (the hold integrates the input over the interval: without this,
	// an interaction followed by a year's absence outweighs one followed by the next
	// minute's a thousandfold). False in a model.bin written before the field.
	InputPerTime bool `yaml:"s5_input_per_time" json:"s5_input_per_time,omitempty"`
	// SSMLRScale multiplies the learning rate of the S5 eigenvalues Λ and steps, which
	// also take no weight decay (as S5 trains them). Zero in a model.bin written
	// before the field (it only matters in training).
	SSMLRScale float64 `yaml:"ssm_lr_scale" json:"ssm_lr_scale,omitempty"`
}

// gapFloor (seconds) is added to every gap under GapDays: an interaction counts as
// at least an hour, so that a same-second tie still enters the state (under the
// zero-order hold a zero step leaves the input out) and the input divided by τ stays
// finite. A time-blind net sees every gap as zero, τ = 1/24.
const gapFloor = 3600

// The time inputs (Net.Gap).
const (
	GapDays     = "days"
	GapLogHours = "log1p_hours"
)

// EngineGraph is the training path (Net.Engine): a gorgonia graph.
const EngineGraph = "graph"

// enginePlainRetired is the Engine of models trained on the former hand-written
// engine: accepted when decoding them, refused for training.
const enginePlainRetired = "plain"

// DefaultNet is the net section for ml-latest-small.
func DefaultNet() *Net {
	return &Net{Dim: 32, S5States: 16, Expand: 2, MambaN: 8, Blocks: 2, MaxSeqLen: 50, Dropout: 0.1, Engine: EngineGraph,
		Gap: GapDays, DtMin: 0.002, DtMax: 20, InputPerTime: true, SSMLRScale: 1}
}

// Validate checks the sizes and switches.
func (c Net) Validate() error {
	switch {
	case c.Dim < 1 || c.S5States < 1 || c.Expand < 1 || c.MambaN < 1 || c.Blocks < 1:
		return fmt.Errorf("%w: ss4rec net: sizes must be ≥ 1 (dim %d, s5_states %d, expand %d, mamba_states %d, blocks %d)",
			trainer.ErrConfig, c.Dim, c.S5States, c.Expand, c.MambaN, c.Blocks)
	case c.MaxSeqLen < 2 || c.MaxSeqLen%2 != 0:
		return fmt.Errorf("%w: ss4rec net: max_seq_len %d must be even and ≥ 2", trainer.ErrConfig, c.MaxSeqLen)
	case c.S5Only && c.MambaOnly:
		return fmt.Errorf("%w: ss4rec net: s5_only and mamba_only exclude each other", trainer.ErrConfig)
	case c.Engine != "" && c.Engine != EngineGraph:
		return fmt.Errorf("%w: ss4rec net: engine %q: want %q (the hand-written engine is a test reference now)", trainer.ErrConfig, c.Engine, EngineGraph)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("%w: ss4rec net: dropout %v not in [0,1)", trainer.ErrConfig, c.Dropout)
	case c.Gap != GapDays && c.Gap != GapLogHours:
		return fmt.Errorf("%w: ss4rec net: gap %q: want %q or %q", trainer.ErrConfig, c.Gap, GapDays, GapLogHours)
	case !(c.DtMin > 0 && c.DtMax >= c.DtMin):
		return fmt.Errorf("%w: ss4rec net: dt_min %v, dt_max %v: want 0 < dt_min ≤ dt_max", trainer.ErrConfig, c.DtMin, c.DtMax)
	case !(c.SSMLRScale > 0):
		return fmt.Errorf("%w: ss4rec net: ssm_lr_scale %v must be > 0", trainer.ErrConfig, c.SSMLRScale)
	}
	return nil
}

// validateDecoded is Validate for the net of a model.bin, which may name the
// retired engine (inference does not depend on how the model was trained) and, when
// written before the fields, lacks gap (then GapLogHours), the initial step range
// and the SSM learning-rate scale (training settings).
func (c Net) validateDecoded() error {
	if c.Engine == enginePlainRetired {
		c.Engine = EngineGraph
	}
	if c.Gap == "" {
		c.Gap = GapLogHours
	}
	if c.DtMax == 0 {
		c.DtMin, c.DtMax = legacyDtMin, legacyDtMax
	}
	if c.SSMLRScale == 0 {
		c.SSMLRScale = 1
	}
	return c.Validate()
}

// The initial step range of models written before Net.DtMin and Net.DtMax (S5's default).
const (
	legacyDtMin = 0.001
	legacyDtMax = 0.1
)

// s5InScale is the factor of a position's S5 input for its τ: 1/τ with
// InputPerTime (nil: inputs enter as they are).
func (c Net) s5InScale() func(tau float32) float32 {
	if !c.InputPerTime {
		return nil
	}
	return func(tau float32) float32 {
		if tau <= 0 { // padding
			return 0
		}
		return 1 / tau
	}
}

// scaleRows writes into dst the rows of u (of width H) times scale(τ) of their row.
func scaleRows(dst, u, tau []float32, H int, scale func(float32) float32) []float32 {
	dst = grow(dst, len(u))
	for r, t := range tau {
		s := scale(t)
		for j, v := range u[r*H : r*H+H] {
			dst[r*H+j] = v * s
		}
	}
	return dst
}

func (c Net) e() int { return c.Expand * c.Dim }

// dtRank is Mamba's low-rank width of the step projection: ceil(Dim/16).
func (c Net) dtRank() int { return (c.Dim + 15) / 16 }

// gap is the τ the model uses for a gap in seconds (that of a zero gap for every gap
// when time-blind).
func (c Net) gap(seconds int64) float32 {
	switch {
	case c.TimeBlind:
		seconds = 0
	}
	if c.Gap == GapDays {
		return float32(float64(max(seconds, 0)+gapFloor) / 86400)
	}
	return GapScale(seconds)
}
