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
}

// EngineGraph is the training path (Net.Engine): a gorgonia graph.
const EngineGraph = "graph"

// enginePlainRetired is the Engine of models trained on the former hand-written
// engine: accepted when decoding them, refused for training.
const enginePlainRetired = "plain"

// DefaultNet is the net section for ml-latest-small.
func DefaultNet() *Net {
	return &Net{Dim: 32, S5States: 16, Expand: 2, MambaN: 8, Blocks: 2, MaxSeqLen: 50, Dropout: 0.1, Engine: EngineGraph}
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
	}
	return nil
}

// validateDecoded is Validate for the net of a model.bin, which may name the
// retired engine (inference does not depend on how the model was trained).
func (c Net) validateDecoded() error {
	if c.Engine == enginePlainRetired {
		c.Engine = EngineGraph
	}
	return c.Validate()
}

func (c Net) e() int { return c.Expand * c.Dim }

// dtRank is Mamba's low-rank width of the step projection: ceil(Dim/16).
func (c Net) dtRank() int { return (c.Dim + 15) / 16 }

// gap is the τ the model uses for a gap in seconds (1 for every gap when time-blind).
func (c Net) gap(seconds int64) float32 {
	if c.TimeBlind {
		return 1
	}
	return GapScale(seconds)
}
