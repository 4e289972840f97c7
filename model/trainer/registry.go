package trainer

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/recpipe/recpipe/internal/ratings"
	"github.com/recpipe/recpipe/model/scoring"
)

// Spec is what a model registers (from its package's init) so that the trainer can
// build it from a config and scoring.Load can decode its model.bin.
type Spec struct {
	Name string
	// NewNet returns a pointer to the net section with its defaults set.
	NewNet func() any
	// New builds an untrained model (parameters initialised from cfg.Seed) for data.
	New func(cfg *Config, data *Data) (Trainable, error)
	// Decode reads the payload that the model's Encode wrote.
	Decode scoring.Decoder
}

// NewSpec builds the Spec of a model whose config net section is *N, whose
// constructor takes that section, the training rows and the seed, and whose payload
// decoder returns the model itself: the type check of the net section and the
// adaptation to the registry's signatures are written once, here.
func NewSpec[N any, M Trainable](name string, defaults func() *N,
	build func(net *N, train []ratings.Rating, seed uint64) (M, error),
	decode func(r io.Reader) (M, error)) Spec {
	return Spec{
		Name:   name,
		NewNet: func() any { return defaults() },
		New: func(cfg *Config, data *Data) (Trainable, error) {
			net, ok := cfg.Net.(*N)
			if !ok {
				return nil, fmt.Errorf("%w: %s net section is %T", ErrConfig, name, cfg.Net)
			}
			m, err := build(net, data.Train, cfg.Seed)
			if err != nil {
				return nil, err
			}
			return m, nil
		},
		Decode: func(r io.Reader) (scoring.Predictor, error) {
			m, err := decode(r)
			if err != nil {
				return nil, err
			}
			return m, nil
		},
	}
}

var (
	regMu sync.RWMutex
	reg   = map[string]Spec{}
)

// Register makes a model known to the trainer and, when it has a Decode, its
// model.bin loadable (scoring.RegisterDecoder). It panics on a duplicate name.
func Register(s Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := reg[s.Name]; dup {
		panic("trainer: duplicate registration of " + s.Name)
	}
	reg[s.Name] = s
	if s.Decode != nil {
		scoring.RegisterDecoder(s.Name, s.Decode)
	}
}

// Registered lists the registered model names, sorted.
func Registered() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	return registeredLocked()
}

func lookup(name string) (Spec, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := reg[name]
	if !ok {
		return Spec{}, fmt.Errorf("%w %q (registered: %s)", scoring.ErrUnknownModel, name, strings.Join(registeredLocked(), ", "))
	}
	return s, nil
}

func registeredLocked() []string {
	out := make([]string, 0, len(reg))
	for n := range reg {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Tensors lists params as the model.bin codec writes and reads them.
func Tensors(params []*Param) []scoring.Tensor {
	out := make([]scoring.Tensor, len(params))
	for i, p := range params {
		out[i] = scoring.Tensor{Name: p.Name, Values: p.Value}
	}
	return out
}
