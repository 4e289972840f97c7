package traingpu

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/functions/internal/training"
	"github.com/recpipe/recpipe/internal/envflag"
	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/model/accel"
	_ "github.com/recpipe/recpipe/model/all" // every model can be trained
	"github.com/recpipe/recpipe/model/scoring"
	"github.com/recpipe/recpipe/model/trainer"
)

// Name is the function's name (its binary, its run records' folder).
const Name = "train-gpu"

// Config is what one train-gpu run does.
type Config struct {
	Model      string
	ConfigPath string   // YAML config; "": configs/<model>.yaml when present, else built-in defaults
	Dataset    string   // "": the config's dataset, else etl.DefaultDataset
	Sets       []string // overrides, key.path=value in YAML syntax
	Resume     string   // continue this run with its saved config
	Promote    bool     // make the run its model's champion
	Force      bool     // retrain a finished run, or restart an unfinished one from scratch
	// Continue resumes an unfinished run of this config from its last checkpoint
	// instead of refusing it (ErrRunExists): what a stage that calls train-gpu wants,
	// so that an interrupted pipeline ends, when rerun, where it would have ended.
	Continue bool
	Device   string // "": the config's device (cpu when it names none), else cpu or cuda
}

// DefaultConfig trains NCF with configs/ncf.yaml.
func DefaultConfig() Config { return Config{Model: "ncf"} }

// Declare declares train-gpu's flags on s. The effective config is built while
// parsing, so a missing config file, a bad override or an unknown model is a usage
// error before anything is read from the bucket.
func (c *Config) Declare(s *envflag.Set) {
	s.String(&c.Model, "model", "MODEL", "`MODEL` to train: "+strings.Join(trainer.Registered(), " or "), envflag.OneOf(trainer.Registered()...))
	s.String(&c.ConfigPath, "config", "", "YAML config `FILE` (default configs/<model>.yaml when present, else built-in defaults)")
	dataset := etl.DefaultDataset
	jobs.DeclareDataset(s, &dataset, "to train on; when not given, the config's dataset")
	s.String(&c.Resume, "resume", "", "continue `RUN` from its last checkpoint, with its saved config")
	s.Bool(&c.Promote, "promote", "", "make the run its model's champion (models/<model>/champion.json)")
	s.Bool(&c.Force, "force", "", "retrain a finished run, or restart an unfinished one from scratch")
	s.String(&c.Device, "device", "DEVICE", "where the training steps run: `cpu` or cuda (default: the config's device:, else cpu); cuda needs a binary built with make build-cuda",
		envflag.OneOf(trainer.DeviceCPU, trainer.DeviceCUDA))
	s.Var((*stringList)(&c.Sets), "set", "", "override a config value, `key.path=value` in YAML syntax (repeatable), e.g. net.tower=[64,32,16]")
	var seed uint64
	var epochs, batch, patience int
	var lr float64
	s.Uint64(&seed, "seed", "", "random seed (overrides the config's seed)")
	s.Int(&epochs, "epochs", "", "override train.epochs", envflag.AtLeast(1))
	s.Int(&batch, "batch-size", "", "override train.batch_size", envflag.AtLeast(1))
	s.Float64(&lr, "lr", "", "override train.lr", envflag.AtLeast(0.0))
	s.Int(&patience, "patience", "", "override train.patience", envflag.AtLeast(0))
	s.Rule(func() error {
		// Flags given on the command line override the file, as --set would.
		for _, o := range []struct{ flag, set string }{
			{"seed", "seed=" + strconv.FormatUint(seed, 10)},
			{"epochs", "train.epochs=" + strconv.Itoa(epochs)},
			{"batch-size", "train.batch_size=" + strconv.Itoa(batch)},
			{"lr", "train.lr=" + strconv.FormatFloat(lr, 'g', -1, 64)},
			{"patience", "train.patience=" + strconv.Itoa(patience)},
		} {
			if s.Given(o.flag) {
				c.Sets = append(c.Sets, o.set)
			}
		}
		if s.Given("dataset") {
			c.Dataset = dataset
		}
		if c.Resume != "" {
			if len(c.Sets) > 0 || c.ConfigPath != "" || c.Dataset != "" {
				return errors.New("--resume continues a run with its saved config: drop --config, --dataset (DATASET) and overrides")
			}
			return checkDevice(c.Device)
		}
		cfg, _, err := c.NewRunConfig()
		if err != nil {
			return err
		}
		return checkDevice(c.deviceOf(cfg))
	})
	s.Note(jobs.DatasetDoc)
}

// NewRunConfig builds the effective config of a new run: the config file
// (configs/<model>.yaml by default, built-in defaults when that is missing), then the
// dataset and the overrides. from names the file read ("" for the defaults).
func (c Config) NewRunConfig() (cfg *trainer.Config, from string, err error) {
	path := c.ConfigPath
	if path == "" {
		path = "configs/" + c.Model + ".yaml"
	}
	file, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && c.ConfigPath == "":
		path = ""
	case err != nil:
		return nil, "", fmt.Errorf("read config: %w", err)
	}
	sets := c.Sets
	if c.Dataset != "" {
		sets = append(sets[:len(sets):len(sets)], "dataset="+c.Dataset)
	}
	if file == nil && c.Dataset == "" {
		sets = append([]string{"dataset=" + etl.DefaultDataset}, sets...)
	}
	cfg, err = trainer.ParseConfig(file, c.Model, sets)
	return cfg, path, err
}

// deviceOf is the device a run of cfg trains on: --device when given, else the config's.
func (c Config) deviceOf(cfg *trainer.Config) string {
	if c.Device != "" {
		return c.Device
	}
	if cfg.Device == "" {
		return trainer.DeviceCPU
	}
	return cfg.Device
}

// checkDevice refuses cuda in a binary that cannot open a device.
func checkDevice(device string) error {
	if device != trainer.DeviceCUDA {
		return nil
	}
	if err := accel.Available(); err != nil {
		return fmt.Errorf("device cuda: %w", err)
	}
	return nil
}

// Run trains the run c names on the prepared splits of its dataset (a finished run is
// a no-op), reporting to prog, and promotes it when c.Promote (env.Bucket records
// what it reads and writes).
func Run(ctx context.Context, env *jobs.Env, c Config, prog trainer.Progress) (*trainer.Summary, *scoring.Champion, error) {
	cfg, err := resolveConfig(ctx, env, c)
	if err != nil {
		return nil, nil, jobs.Exit(envflag.ExitUsage, err)
	}
	cfg.Device = c.deviceOf(cfg)
	if err := checkDevice(cfg.Device); err != nil {
		return nil, nil, jobs.Exit(envflag.ExitUsage, err)
	}
	var acc trainer.Accelerator
	if cfg.Device == trainer.DeviceCUDA {
		a, err := accel.Open(ctx, env.Log)
		if err != nil {
			return nil, nil, fmt.Errorf("open the cuda device: %w", err)
		}
		defer func() {
			if err := a.Close(); err != nil {
				env.Log.Warn("close the cuda device", "err", err)
			}
		}()
		acc = a
	}
	data, err := training.ReadSplits(ctx, env.Bucket, cfg.Dataset)
	if err != nil {
		return nil, nil, err
	}
	id, err := cfg.RunID()
	if err != nil {
		return nil, nil, err
	}
	env.Log.Info("training", "model", cfg.Model, "run", id, "dataset", cfg.Dataset, "device", cfg.Device,
		"train", len(data.Train), "val", len(data.Val), "test", len(data.Test))
	s, err := trainer.TrainRun(ctx, env.Bucket, cfg, data, trainer.RunOptions{
		Resume: c.Resume != "" || c.Continue, Force: c.Force, Log: env.Log, Progress: prog, Accelerator: acc})
	if err != nil {
		return nil, nil, err
	}
	if !c.Promote {
		return s, nil, nil
	}
	ch, err := trainer.Promote(ctx, env.Bucket, s)
	if err != nil {
		return s, nil, err
	}
	env.Log.Info("promoted", "model", ch.Model, "run", ch.Run, "val_rmse", ch.ValRMSE)
	return s, ch, nil
}

// resolveConfig is a resumed run's saved config, or NewRunConfig.
func resolveConfig(ctx context.Context, env *jobs.Env, c Config) (*trainer.Config, error) {
	if c.Resume != "" {
		return trainer.LoadRunConfig(ctx, env.Bucket, c.Model, c.Resume)
	}
	cfg, from, err := c.NewRunConfig()
	if err != nil {
		return nil, err
	}
	if from == "" {
		env.Log.Info("no config file; using built-in defaults", "looked_for", "configs/"+c.Model+".yaml")
	} else {
		env.Log.Info("config", "file", from)
	}
	return cfg, nil
}

// Command is the train-gpu binary.
func Command() jobs.Command {
	c := DefaultConfig()
	return jobs.Command{
		Function: jobs.Function{Name: Name},
		Purpose:  "train a model (" + strings.Join(trainer.Registered(), " or ") + ") on a prepared dataset, early-stopping on validation; write models/<model>/<run>/ and, with --promote, its champion",
		Flags:    c.Declare,
		Run: func(ctx context.Context, env *jobs.Env) error {
			setMemoryLimit(env.Log)
			s, _, err := Run(ctx, env, c, training.NewProgress(env.Log))
			if s != nil {
				WriteSummary(env.Out(), s)
			}
			return err
		},
	}
}

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
