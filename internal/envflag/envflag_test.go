package envflag_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/envflag"
)

type config struct {
	dataset  string
	day      int
	share    float64
	seed     uint64
	all      bool
	simulate int
}

// newSet declares a small command like etl-day's.
func newSet(c *config) *envflag.Set {
	*c = config{dataset: "ml-latest-small", share: 0.01, seed: 1}
	s := envflag.New("etl-day", "release the next day of the feed")
	s.String(&c.dataset, "dataset", "DATASET", "prepared `NAME`", envflag.NotEmpty())
	s.Int(&c.day, "day", "", "release this day", envflag.Between(1, 20))
	s.Int(&c.simulate, "simulate", "", "release the next N days", envflag.AtLeast(1))
	s.Float64(&c.share, "max-rejected", "ETL_MAX_REJECTED", "share that may be rejected", envflag.Between(0.0, 1.0))
	s.Uint64(&c.seed, "seed", "AB_SEED", "seed")
	s.Bool(&c.all, "all", "", "every day")
	s.Rule(func() error {
		if c.day != 0 && c.all {
			return errors.New("give --day N or --all, not both")
		}
		return nil
	})
	return s
}

func env(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  func(string) string
		want config
	}{
		{"defaults", nil, nil, config{dataset: "ml-latest-small", share: 0.01, seed: 1}},
		{"environment", nil, env("DATASET", "ml-1m", "ETL_MAX_REJECTED", "0.05", "AB_SEED", "7"),
			config{dataset: "ml-1m", share: 0.05, seed: 7}},
		{"flag beats environment", []string{"--dataset", "x", "--max-rejected=0.2"}, env("DATASET", "ml-1m", "ETL_MAX_REJECTED", "0.05"),
			config{dataset: "x", share: 0.2, seed: 1}},
		{"zero means zero", []string{"--max-rejected", "0"}, nil, config{dataset: "ml-latest-small", share: 0, seed: 1}},
		{"zero in the environment too", nil, env("ETL_MAX_REJECTED", "0"), config{dataset: "ml-latest-small", share: 0, seed: 1}},
		{"empty variable is unset", nil, env("DATASET", ""), config{dataset: "ml-latest-small", share: 0.01, seed: 1}},
		{"range ends", []string{"-day", "20", "--simulate", "1"}, nil, config{dataset: "ml-latest-small", share: 0.01, seed: 1, day: 20, simulate: 1}},
		{"bool", []string{"--all"}, nil, config{dataset: "ml-latest-small", share: 0.01, seed: 1, all: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			s := newSet(&c)
			if err := s.Parse(tt.args, tt.env); err != nil {
				t.Fatal(err)
			}
			if c != tt.want {
				t.Errorf("got %+v, want %+v", c, tt.want)
			}
		})
	}
}

func TestParseUsageErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     func(string) string
		mention string // the error names what was wrong
	}{
		{"malformed environment int", nil, env("AB_SEED", "abc"), `AB_SEED="abc"`},
		{"malformed environment float", nil, env("ETL_MAX_REJECTED", "x"), `ETL_MAX_REJECTED="x"`},
		{"environment out of range", nil, env("ETL_MAX_REJECTED", "2"), `ETL_MAX_REJECTED="2": want 0..1`},
		{"malformed flag", []string{"--day", "x"}, nil, `"x" is not an integer`},
		{"NaN", []string{"--max-rejected", "NaN"}, nil, "not a finite number"},
		{"negative seed", []string{"--seed", "-1"}, nil, "not a non-negative integer"},
		{"unknown flag", []string{"--nope"}, nil, "-nope"},
		{"stray argument", []string{"3"}, nil, `unexpected argument "3"`},
		{"stray argument after flags", []string{"--day", "3", "ml-1m"}, nil, `unexpected argument "ml-1m"`},
		{"day zero", []string{"--day", "0"}, nil, "--day 0: want 1..20"},
		{"day below", []string{"--day", "-5"}, nil, "--day -5: want 1..20"},
		{"day above", []string{"--day", "21"}, nil, "--day 21: want 1..20"},
		{"simulate zero", []string{"--simulate", "0"}, nil, "--simulate 0: want at least 1"},
		{"share above one", []string{"--max-rejected", "2"}, nil, "want 0..1"},
		{"empty string", []string{"--dataset", ""}, nil, "--dataset : want a value"},
		{"missing value", []string{"--day"}, nil, "flag needs an argument"},
		{"rule", []string{"--day", "3", "--all"}, nil, "not both"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c config
			err := newSet(&c).Parse(tt.args, tt.env)
			if !errors.Is(err, envflag.ErrUsage) {
				t.Fatalf("err = %v, want a usage error", err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("err = %q, want it to mention %q", err, tt.mention)
			}
		})
	}
}

func TestBoolFromEnvironment(t *testing.T) {
	var on bool
	s := envflag.New("x", "test")
	s.Bool(&on, "promote", "PROMOTE", "promote")
	if err := s.Parse(nil, env("PROMOTE", "1")); err != nil || !on {
		t.Fatalf("PROMOTE=1: %v, %v", on, err)
	}
	if !s.Given("promote") {
		t.Error("Given(promote) false after the environment set it")
	}
	s = envflag.New("x", "test")
	s.Bool(&on, "promote", "PROMOTE", "promote")
	if err := s.Parse(nil, env("PROMOTE", "yes please")); !errors.Is(err, envflag.ErrUsage) {
		t.Fatalf("PROMOTE=yes please: %v", err)
	}
}

func TestHelp(t *testing.T) {
	var c config
	s := newSet(&c)
	if err := s.Parse([]string{"--help"}, nil); !errors.Is(err, envflag.ErrHelp) {
		t.Fatalf("--help: %v", err)
	}
	if s.Given("day") {
		t.Error("Given(day) without --day")
	}
	s.ExitCodes(envflag.ExitCode{Code: 3, Meaning: "a gate failed"})
	var b strings.Builder
	s.WriteHelp(&b)
	help := b.String()
	for _, want := range []string{
		"etl-day: release the next day of the feed",
		"--dataset NAME", "prepared NAME (env DATASET; default ml-latest-small)",
		"--max-rejected X", "(env ETL_MAX_REJECTED; default 0.01)",
		"--day N", "--all ",
		"exit codes:", "  0  success", "  1  the run failed", "  2  usage error", "  3  a gate failed",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("help lacks %q:\n%s", want, help)
		}
	}
}

func TestDuplicateDeclarationPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	var a, b int
	s := envflag.New("x", "test")
	s.Int(&a, "n", "", "n")
	s.Int(&b, "n", "", "n")
}

func TestFromEnv(t *testing.T) {
	var c config
	declare := func(s *envflag.Set) { *s = *newSet(&c) }
	if err := envflag.FromEnv("etl-day", declare, env("ETL_MAX_REJECTED", "0")); err != nil || c.share != 0 {
		t.Fatalf("share %v, err %v", c.share, err)
	}
	if err := envflag.FromEnv("etl-day", declare, env("AB_SEED", "x")); !errors.Is(err, envflag.ErrUsage) {
		t.Fatalf("AB_SEED=x: %v", err)
	}
}
