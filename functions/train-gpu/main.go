package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strconv"

	"github.com/recpipe/recpipe/jobs"
	_ "github.com/recpipe/recpipe/model/all"
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return fmt.Sprint(*s) }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	fs := flag.NewFlagSet("train-gpu", flag.ExitOnError)
	common := jobs.RegisterFlags(fs)
	var o options
	fs.StringVar(&o.model, "model", jobs.EnvOr("MODEL", "ncf"), "model to train: ncf or ss4rec (env MODEL)")
	fs.StringVar(&o.config, "config", "", "YAML config (default configs/<model>.yaml when present, else built-in defaults)")
	fs.StringVar(&o.dataset, "dataset", os.Getenv("DATASET"), "prepared dataset to train on, overriding the config's (env DATASET)")
	fs.StringVar(&o.resume, "resume", "", "continue run RUN from its last checkpoint, with its saved config")
	fs.BoolVar(&o.promote, "promote", false, "make the run its model's champion (models/<model>/champion.json)")
	fs.BoolVar(&o.force, "force", false, "retrain a finished run, or restart an unfinished one from scratch")
	fs.Var(&o.sets, "set", "override a config value, key.path=value in YAML syntax (repeatable), e.g. net.tower=[64,32,16]")
	seed := fs.Uint64("seed", 0, "random seed (overrides train config's seed)")
	epochs := fs.Int("epochs", 0, "override train.epochs")
	batch := fs.Int("batch-size", 0, "override train.batch_size")
	lr := fs.Float64("lr", 0, "override train.lr")
	patience := fs.Int("patience", 0, "override train.patience")
	fs.Parse(os.Args[1:])
	fs.Visit(func(f *flag.Flag) { // flags given on the command line override the file
		switch f.Name {
		case "seed":
			o.sets = append(o.sets, "seed="+strconv.FormatUint(*seed, 10))
		case "epochs":
			o.sets = append(o.sets, "train.epochs="+strconv.Itoa(*epochs))
		case "batch-size":
			o.sets = append(o.sets, "train.batch_size="+strconv.Itoa(*batch))
		case "lr":
			o.sets = append(o.sets, "train.lr="+strconv.FormatFloat(*lr, 'g', -1, 64))
		case "patience":
			o.sets = append(o.sets, "train.patience="+strconv.Itoa(*patience))
		}
	})
	os.Exit(jobs.Main(common, "train-gpu", func(ctx context.Context, env *jobs.Env) error {
		return train(ctx, env, &o)
	}))
}
