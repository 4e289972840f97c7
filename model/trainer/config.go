package trainer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"
)

// ErrConfig marks an invalid training configuration.
var ErrConfig = errors.New("invalid config")

// Config is a training run's configuration, as configs/<model>.yaml holds it:
// the trainer's settings shared by every model, and the model's own net section,
// whose type the model registers (Spec.NewNet). The effective config (file, then
// flag overrides, then defaults for what neither sets) is saved with the run and
// names it (RunID).
type Config struct {
	Model   string `yaml:"model"`
	Dataset string `yaml:"dataset"`
	Seed    uint64 `yaml:"seed"`
	// Device is where train-gpu runs the training steps: "cpu" (also when empty) or
	// "cuda". It does not name the run (RunID leaves it out): checkpoints and model.bin
	// are the same whichever device trained them, and a run may resume on another.
	Device string      `yaml:"device,omitempty"`
	Train  TrainConfig `yaml:"train"`
	// Net is the model's section: a pointer to the type returned by its Spec.NewNet.
	Net any `yaml:"net"`
}

// The devices of Config.Device.
const (
	DeviceCPU  = "cpu"
	DeviceCUDA = "cuda"
)

// TrainConfig holds the trainer's settings.
type TrainConfig struct {
	Epochs    int     `yaml:"epochs"`
	BatchSize int     `yaml:"batch_size"`
	LR        float64 `yaml:"lr"`
	// Schedule of the learning rate over epochs: constant, exp (LR·Gamma^epoch) or
	// cosine (from LR down to MinLR over Epochs).
	Schedule string  `yaml:"schedule"`
	Gamma    float64 `yaml:"gamma"`
	MinLR    float64 `yaml:"min_lr"`
	// WeightDecay is the L2 decay of dense tensors; EmbeddingDecay that of embedding
	// rows (applied to touched rows only).
	WeightDecay    float64 `yaml:"weight_decay"`
	EmbeddingDecay float64 `yaml:"embedding_decay"`
	// ClipNorm caps the global gradient norm of a step (0: no clipping).
	ClipNorm float64 `yaml:"clip_norm"`
	Beta1    float64 `yaml:"beta1"`
	Beta2    float64 `yaml:"beta2"`
	Eps      float64 `yaml:"eps"`
	// Patience is the number of epochs without a better validation RMSE before stopping.
	Patience int `yaml:"patience"`
	// KeepCheckpoints is how many of the latest epoch checkpoints are kept (the best is kept too).
	KeepCheckpoints int `yaml:"keep_checkpoints"`
}

// DefaultTrainConfig is used for every field a config file does not set.
func DefaultTrainConfig() TrainConfig {
	return TrainConfig{Epochs: 20, BatchSize: 256, LR: 1e-3, Schedule: "constant", Gamma: 1,
		Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, ClipNorm: 5, Patience: 3, KeepCheckpoints: 2}
}

func (t TrainConfig) validate() error {
	switch {
	case t.Epochs < 1:
		return fmt.Errorf("%w: train.epochs %d < 1", ErrConfig, t.Epochs)
	case t.BatchSize < 1:
		return fmt.Errorf("%w: train.batch_size %d < 1", ErrConfig, t.BatchSize)
	case !(t.LR > 0):
		return fmt.Errorf("%w: train.lr %g must be > 0", ErrConfig, t.LR)
	case t.Schedule != "constant" && t.Schedule != "exp" && t.Schedule != "cosine":
		return fmt.Errorf("%w: train.schedule %q: want constant, exp or cosine", ErrConfig, t.Schedule)
	case t.Patience < 1:
		return fmt.Errorf("%w: train.patience %d < 1", ErrConfig, t.Patience)
	case t.KeepCheckpoints < 1:
		return fmt.Errorf("%w: train.keep_checkpoints %d < 1", ErrConfig, t.KeepCheckpoints)
	}
	return nil
}

// ParseConfig reads a YAML config (file may be nil: all defaults for model), applies
// overrides of the form path.to.key=value (value in YAML syntax, e.g.
// train.lr=0.002 or net.mlp=[64,32,16]), and fills defaults. model, when not empty,
// overrides the file's model. The model must be registered.
func ParseConfig(file []byte, model string, overrides []string) (*Config, error) {
	tree := map[string]any{}
	if err := yaml.Unmarshal(file, &tree); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	if tree == nil {
		tree = map[string]any{}
	}
	if model != "" {
		tree["model"] = model
	}
	for _, o := range overrides {
		if err := setPath(tree, o); err != nil {
			return nil, err
		}
	}
	data, err := yaml.Marshal(tree)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	var raw struct {
		Model   string      `yaml:"model"`
		Dataset string      `yaml:"dataset"`
		Seed    uint64      `yaml:"seed"`
		Device  string      `yaml:"device"`
		Train   TrainConfig `yaml:"train"`
		Net     yaml.Node   `yaml:"net"`
	}
	raw.Train = DefaultTrainConfig()
	raw.Seed = 1
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConfig, err)
	}
	spec, err := lookup(raw.Model)
	if err != nil {
		return nil, err
	}
	net := spec.NewNet()
	if raw.Net.Kind != 0 {
		if err := decodeStrict(&raw.Net, net); err != nil {
			return nil, fmt.Errorf("%w: net: %v", ErrConfig, err)
		}
	}
	if raw.Dataset == "" {
		return nil, fmt.Errorf("%w: dataset is empty", ErrConfig)
	}
	if raw.Device != "" && raw.Device != DeviceCPU && raw.Device != DeviceCUDA {
		return nil, fmt.Errorf("%w: device %q: want %s or %s", ErrConfig, raw.Device, DeviceCPU, DeviceCUDA)
	}
	if err := raw.Train.validate(); err != nil {
		return nil, err
	}
	return &Config{Model: raw.Model, Dataset: raw.Dataset, Seed: raw.Seed, Device: raw.Device, Train: raw.Train, Net: net}, nil
}

func decodeStrict(n *yaml.Node, v any) error {
	data, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	return dec.Decode(v)
}

// setPath applies one override "a.b.c=value" to a YAML tree.
func setPath(tree map[string]any, o string) error {
	k, v, ok := strings.Cut(o, "=")
	if !ok || k == "" {
		return fmt.Errorf("%w: override %q: want key.path=value", ErrConfig, o)
	}
	var val any
	if err := yaml.Unmarshal([]byte(v), &val); err != nil {
		return fmt.Errorf("%w: override %q: %v", ErrConfig, o, err)
	}
	parts := strings.Split(k, ".")
	m := tree
	for _, p := range parts[:len(parts)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[parts[len(parts)-1]] = val
	return nil
}

// YAML is the effective config as saved with the run (deterministic bytes).
func (c *Config) YAML() ([]byte, error) {
	data, err := yaml.Marshal(c)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	return data, nil
}

// RunID names a run by its model and a short hash of its effective config (seed
// included, the device not), so the same config is the same run.
func (c *Config) RunID() (string, error) {
	named := *c
	named.Device = ""
	data, err := named.YAML()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return c.Model + "-" + hex.EncodeToString(sum[:])[:12], nil
}
