package model

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"github.com/recpipe/recpipe/internal/ratings"
)

// ErrUnknownModel: no model of that name is registered (import its package).
var ErrUnknownModel = errors.New("unknown model")

// ErrBadModelFile: a model.bin that does not start with the model header.
var ErrBadModelFile = errors.New("not a model file")

// modelMagic starts every model.bin: "recpipe-model/v1 <name>\n", then the model's payload.
const modelMagic = "recpipe-model/v1 "

// Spec is what a model registers (from its package's init) so that the trainer can
// build it from a config and Load can decode its model.bin.
type Spec struct {
	Name string
	// NewNet returns a pointer to the net section with its defaults set.
	NewNet func() any
	// New builds an untrained model (parameters initialised from cfg.Seed) for data.
	New func(cfg *Config, data *Data) (Trainable, error)
	// Decode reads the payload that the model's Encode wrote.
	Decode func(r io.Reader) (Predictor, error)
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
		Decode: func(r io.Reader) (Predictor, error) {
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

// Register makes a model known. It panics on a duplicate name.
func Register(s Spec) {
	regMu.Lock()
	defer regMu.Unlock()
	if _, dup := reg[s.Name]; dup {
		panic("model: duplicate registration of " + s.Name)
	}
	reg[s.Name] = s
}

// Registered lists the registered model names, sorted.
func Registered() []string {
	regMu.RLock()
	defer regMu.RUnlock()
	var out []string
	for n := range reg {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func lookup(name string) (Spec, error) {
	regMu.RLock()
	defer regMu.RUnlock()
	s, ok := reg[name]
	if !ok {
		return Spec{}, fmt.Errorf("%w %q (registered: %s)", ErrUnknownModel, name, strings.Join(registeredLocked(), ", "))
	}
	return s, nil
}

func registeredLocked() []string {
	var out []string
	for n := range reg {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Save writes m as a model.bin: the header naming its model, then its payload.
func Save(w io.Writer, m Trainable) error {
	if _, err := io.WriteString(w, modelMagic+m.Name()+"\n"); err != nil {
		return err
	}
	return m.Encode(w)
}

// Load decodes a model.bin of any registered model.
func Load(r io.Reader) (Predictor, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, modelMagic) {
		return nil, fmt.Errorf("%w: missing %q header", ErrBadModelFile, strings.TrimSpace(modelMagic))
	}
	spec, err := lookup(strings.TrimSpace(strings.TrimPrefix(line, modelMagic)))
	if err != nil {
		return nil, err
	}
	p, err := spec.Decode(br)
	if err != nil {
		return nil, fmt.Errorf("decode %s model: %w", spec.Name, err)
	}
	return p, nil
}
