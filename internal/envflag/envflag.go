package envflag

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrUsage marks every error of Parse other than ErrHelp: the invocation itself is
// wrong (exit status ExitUsage).
var ErrUsage = errors.New("usage error")

// ErrHelp is returned by Parse when help was asked for (-h, -help, --help).
var ErrHelp = flag.ErrHelp

// The exit statuses every command shares.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// ExitCode documents one exit status of a command, for --help.
type ExitCode struct {
	Code    int
	Meaning string
}

// StandardExitCodes are the statuses every command documents.
var StandardExitCodes = []ExitCode{
	{ExitOK, "success (a run that found nothing to do included)"},
	{ExitFailed, "the run failed (see the log on stderr and the run record)"},
	{ExitUsage, "usage error: a bad flag, environment value or argument; nothing was done"},
}

// Set is one command's flags.
type Set struct {
	name, purpose string
	fs            *flag.FlagSet
	entries       []*entry
	byName        map[string]*entry
	rules         []func() error
	codes         []ExitCode
	notes         []string
}

// entry is one declared flag.
type entry struct {
	name, env, usage string
	def              string       // the default, as text
	value            flag.Value   // the destination
	check            func() error // checks the destination's value; nil: none
	given            string       // where the value came from: "--day 3" or "DAY=3"; "" for the default
}

// New returns an empty set for the command name, whose purpose is one line for --help.
func New(name, purpose string) *Set {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &Set{name: name, purpose: purpose, fs: fs, byName: map[string]*entry{}}
}

// Name is the command's name.
func (s *Set) Name() string { return s.name }

// ExitCodes documents the command's exit statuses beyond StandardExitCodes.
func (s *Set) ExitCodes(codes ...ExitCode) { s.codes = append(s.codes, codes...) }

// Note adds a paragraph to --help, after the flags (e.g. what an environment
// variable means across commands).
func (s *Set) Note(text string) { s.notes = append(s.notes, text) }

// Rule adds a check across flags, run after every flag is parsed and checked; its
// error is a usage error.
func (s *Set) Rule(rule func() error) { s.rules = append(s.rules, rule) }

// Var declares a flag whose value is v; env ("" for none) names the environment
// variable that sets it when the command line does not.
func (s *Set) Var(v flag.Value, name, env, usage string) {
	s.declare(v, name, env, usage, nil)
}

// String declares a string flag; its default is *p.
func (s *Set) String(p *string, name, env, usage string, checks ...Check[string]) {
	s.declare((*stringValue)(p), name, env, usage, checkAll(p, checks))
}

// Int declares an int flag; its default is *p.
func (s *Set) Int(p *int, name, env, usage string, checks ...Check[int]) {
	s.declare((*intValue)(p), name, env, usage, checkAll(p, checks))
}

// Uint64 declares a uint64 flag; its default is *p.
func (s *Set) Uint64(p *uint64, name, env, usage string, checks ...Check[uint64]) {
	s.declare((*uint64Value)(p), name, env, usage, checkAll(p, checks))
}

// Float64 declares a float64 flag; its default is *p. NaN and infinities are refused.
func (s *Set) Float64(p *float64, name, env, usage string, checks ...Check[float64]) {
	s.declare((*floatValue)(p), name, env, usage, checkAll(p, checks))
}

// Bool declares a boolean flag (--name, --name=false; in the environment true, false,
// 1 or 0); its default is *p.
func (s *Set) Bool(p *bool, name, env, usage string) {
	s.declare((*boolValue)(p), name, env, usage, nil)
}

func (s *Set) declare(v flag.Value, name, env, usage string, check func() error) {
	if _, dup := s.byName[name]; dup {
		panic("envflag: flag --" + name + " declared twice")
	}
	e := &entry{name: name, env: env, usage: usage, def: v.String(), value: v, check: check}
	s.entries = append(s.entries, e)
	s.byName[name] = e
	s.fs.Var(v, name, usage)
}

// Given reports whether flag name got its value from the command line or the
// environment (not from its default).
func (s *Set) Given(name string) bool {
	e, ok := s.byName[name]
	return ok && e.given != ""
}

// Parse sets the flags from the environment (through getenv; nil: none) and then
// from args, and checks them. args must hold flags only. The error is ErrHelp, nil,
// or one wrapping ErrUsage that names the flag or variable at fault.
func (s *Set) Parse(args []string, getenv func(string) string) error {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	for _, e := range s.entries {
		if e.env == "" {
			continue
		}
		v := getenv(e.env)
		if v == "" {
			continue
		}
		if err := e.value.Set(v); err != nil {
			return fmt.Errorf("%w: environment %s=%q: %v", ErrUsage, e.env, v, err)
		}
		e.given = e.env + "=" + strconv.Quote(v)
	}
	if err := s.fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if s.fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q (%s takes flags only)", ErrUsage, s.fs.Arg(0), s.name)
	}
	s.fs.Visit(func(f *flag.Flag) { s.byName[f.Name].given = "--" + f.Name + " " + f.Value.String() })
	for _, e := range s.entries {
		if e.given == "" || e.check == nil {
			continue
		}
		if err := e.check(); err != nil {
			return fmt.Errorf("%w: %s: %v", ErrUsage, e.given, err)
		}
	}
	for _, rule := range s.rules {
		if err := rule(); err != nil {
			return fmt.Errorf("%w: %v", ErrUsage, err)
		}
	}
	return nil
}

// WriteHelp writes the command's purpose, flags and exit codes.
func (s *Set) WriteHelp(w io.Writer) {
	fmt.Fprintf(w, "%s: %s\n\nusage: %s [flags]\n\nflags (the command line beats the environment, which beats the default):\n", s.name, s.purpose, s.name)
	for _, e := range s.entries {
		arg, usage := argName(e)
		head := "  --" + e.name
		if arg != "" {
			head += " " + arg
		}
		var extra []string
		if e.env != "" {
			extra = append(extra, "env "+e.env)
		}
		if e.def != "" && e.def != "0" && e.def != "false" && e.def != "[]" {
			extra = append(extra, "default "+e.def)
		}
		if len(extra) > 0 {
			usage += " (" + strings.Join(extra, "; ") + ")"
		}
		if len(head) <= 24 {
			fmt.Fprintf(w, "%-26s%s\n", head, usage)
		} else {
			fmt.Fprintf(w, "%s\n%-26s%s\n", head, "", usage)
		}
	}
	for _, n := range s.notes {
		fmt.Fprintf(w, "\n%s\n", n)
	}
	fmt.Fprintln(w, "\nexit codes:")
	for _, c := range append(StandardExitCodes[:len(StandardExitCodes):len(StandardExitCodes)], s.codes...) {
		fmt.Fprintf(w, "  %d  %s\n", c.Code, c.Meaning)
	}
}

// argName is the placeholder of e's value in --help and its usage text: a word in
// back quotes in the usage names it (the quotes are dropped), else its type does.
func argName(e *entry) (arg, usage string) {
	usage = e.usage
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
			arg = usage[i+1 : i+1+j]
			return arg, usage[:i] + arg + usage[i+1+j+1:]
		}
	}
	switch e.value.(type) {
	case *boolValue:
		return "", usage
	case *intValue, *uint64Value:
		return "N", usage
	case *floatValue:
		return "X", usage
	}
	return "VALUE", usage
}

// FromEnv fills what declare declares from the environment alone (no command line):
// the settings of a function that runs for events, e.g. in a server. Its errors
// are usage errors, as Parse's.
func FromEnv(name string, declare func(s *Set), getenv func(string) string) error {
	s := New(name, "")
	declare(s)
	return s.Parse(nil, getenv)
}
