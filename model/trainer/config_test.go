package trainer

import (
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/model/scoring"
)

type fakeNet struct {
	Width int   `yaml:"width"`
	Tower []int `yaml:"tower"`
}

func init() {
	Register(Spec{Name: "fake", NewNet: func() any { return &fakeNet{Width: 4, Tower: []int{8}} }})
}

func TestParseConfig(t *testing.T) {
	file := []byte("model: fake\ndataset: d\ntrain: {epochs: 7, lr: 0.01}\nnet: {width: 16}\n")
	tests := []struct {
		name      string
		overrides []string
		check     func(*Config) bool
		wantErr   string
	}{
		{"file over defaults", nil, func(c *Config) bool {
			return c.Train.Epochs == 7 && c.Train.LR == 0.01 && c.Train.BatchSize == 256 && c.Net.(*fakeNet).Width == 16 && c.Net.(*fakeNet).Tower[0] == 8
		}, ""},
		{"overrides over file", []string{"train.lr=0.5", "net.tower=[3, 2]", "seed=9"}, func(c *Config) bool {
			return c.Train.LR == 0.5 && len(c.Net.(*fakeNet).Tower) == 2 && c.Seed == 9
		}, ""},
		{"unknown train key", []string{"train.lrr=1"}, nil, "lrr"},
		{"unknown net key", []string{"net.depth=2"}, nil, "depth"},
		{"bad value", []string{"train.epochs=0"}, nil, "train.epochs"},
		{"bad schedule", []string{"train.schedule=linear"}, nil, "schedule"},
		{"malformed override", []string{"lr"}, nil, "key.path=value"},
		{"unknown model", []string{"model=nope"}, nil, "unknown model"},
		{"device", []string{"device=cuda"}, func(c *Config) bool { return c.Device == DeviceCUDA }, ""},
		{"unknown device", []string{"device=gpu"}, nil, `device "gpu"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig(file, "", tc.overrides)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one mentioning %q", err, tc.wantErr)
				}
				if !errors.Is(err, ErrConfig) && !errors.Is(err, scoring.ErrUnknownModel) {
					t.Errorf("err = %v does not wrap ErrConfig or scoring.ErrUnknownModel", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !tc.check(c) {
				t.Errorf("config %+v, net %+v", c, c.Net)
			}
		})
	}
}

func TestRunIDIsStableAcrossSaveAndLoad(t *testing.T) {
	c, err := ParseConfig([]byte("model: fake\ndataset: d\n"), "", []string{"train.lr=0.003"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := c.RunID()
	saved, _ := c.YAML()
	back, err := ParseConfig(saved, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if id2, _ := back.RunID(); id2 != id || !strings.HasPrefix(id, "fake-") {
		t.Errorf("run id %s after reload, %s before", id2, id)
	}
	other, _ := ParseConfig([]byte("model: fake\ndataset: d\n"), "", []string{"train.lr=0.003", "seed=2"})
	if id3, _ := other.RunID(); id3 == id {
		t.Error("another seed gave the same run id")
	}
	// The device does not name the run: a run trained on the GPU resumes on the CPU.
	for _, dev := range []string{DeviceCPU, DeviceCUDA} {
		on, _ := ParseConfig([]byte("model: fake\ndataset: d\ndevice: "+dev+"\n"), "", []string{"train.lr=0.003"})
		if id4, _ := on.RunID(); id4 != id {
			t.Errorf("device %s: run id %s, want %s", dev, id4, id)
		}
	}
}

func TestLRSchedule(t *testing.T) {
	tc := TrainConfig{LR: 1, MinLR: 0.1, Gamma: 0.5, Epochs: 4}
	for _, c := range []struct {
		schedule string
		epoch    int
		want     float64
	}{{"constant", 3, 1}, {"exp", 2, 0.25}, {"cosine", 0, 1}, {"cosine", 2, 0.55}} {
		tc.Schedule = c.schedule
		if got := tc.lrAt(c.epoch); got < c.want-1e-12 || got > c.want+1e-12 {
			t.Errorf("%s epoch %d: lr %g, want %g", c.schedule, c.epoch, got, c.want)
		}
	}
}
