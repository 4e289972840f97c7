package failreport

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got ---\n%s\n--- want ---\n%s", path, got, want)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		fn, kind string
		ok       bool
	}{
		{"etl-daily", "exit-1", true},
		{"quality-check", "gate_failed.v2", true},
		{"", "exit-1", false},
		{"etl-daily", "", false},
		{"etl daily", "exit-1", false},
		{"etl-daily", "x-->", false},
		{"etl/day", "exit-1", false},
		{"-etl", "exit-1", false},
		{"etl", strings.Repeat("k", 65), false},
	}
	for _, tt := range tests {
		err := Report{Function: tt.fn, Kind: tt.kind}.Validate()
		if (err == nil) != tt.ok {
			t.Errorf("Validate(%q, %q) = %v, want ok=%v", tt.fn, tt.kind, err, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidReport) {
			t.Errorf("Validate(%q, %q) = %v, want ErrInvalidReport", tt.fn, tt.kind, err)
		}
	}
}

func TestBodyErrorText(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
		absent     []string
	}{
		{"empty", "", []string{"no error text given"}, []string{"```"}},
		{"backticks get a longer fence", "a ``` b ```` c", []string{"`````text\na ``` b ```` c\n`````"}, nil},
		{"long text keeps its tail", strings.Repeat("x", MaxErrorBytes) + "THE END",
			[]string{"THE END", "7 earlier bytes cut"}, []string{strings.Repeat("x", MaxErrorBytes)}},
		{"multi-byte runes are not split", strings.Repeat("é", MaxErrorBytes) + "x",
			[]string{"(last 5999 bytes; 6002 earlier bytes cut)"}, []string{"\uFFFD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := sampleReport()
			r.Error = tt.text
			body := r.IssueBody()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
			for _, a := range tt.absent {
				if strings.Contains(body, a) {
					t.Errorf("body has %q", a)
				}
			}
		})
	}
}

func TestRedact(t *testing.T) {
	if got := Redact("a SECRET b sec", "SECRET", "sec", ""); got != "a *** b sec" {
		t.Errorf("Redact = %q (secrets under 4 bytes are not redacted, to keep text readable)", got)
	}
}

func TestRunURL(t *testing.T) {
	env := map[string]string{"GITHUB_SERVER_URL": "https://github.com/", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "99"}
	if got := RunURL(func(k string) string { return env[k] }); got != "https://github.com/o/r/actions/runs/99" {
		t.Errorf("RunURL = %q", got)
	}
	delete(env, "GITHUB_RUN_ID")
	if got := RunURL(func(k string) string { return env[k] }); got != "" {
		t.Errorf("RunURL without run id = %q, want empty", got)
	}
}

func TestSplitRepo(t *testing.T) {
	for _, bad := range []string{"", "o", "o/", "/r", "o/r/x"} {
		if _, _, err := SplitRepo(bad); !errors.Is(err, ErrInvalidReport) {
			t.Errorf("SplitRepo(%q) = %v, want ErrInvalidReport", bad, err)
		}
	}
	if o, r, err := SplitRepo("recpipe/recpipe"); err != nil || o != "recpipe" || r != "recpipe" {
		t.Errorf("SplitRepo = %q %q %v", o, r, err)
	}
}
