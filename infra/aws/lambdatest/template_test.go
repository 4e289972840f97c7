package lambdatest

import (
	"archive/zip"
	"slices"

	"github.com/recpipe/recpipe/internal/ratings"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	awsinfra "github.com/recpipe/recpipe/infra/aws"
	"github.com/recpipe/recpipe/jobs"
)

func TestTemplateFunction(t *testing.T) {
	params := map[string]string{"BucketName": "data", "KeyPrefix": "p/"}
	for _, name := range jobs.Functions() {
		f, err := TemplateFunction(name, params)
		if err != nil {
			t.Fatal(err)
		}
		size := awsinfra.FunctionSizing[name]
		if f.FunctionName != "recpipe-"+name || f.Env["BUCKET_URL"] != "s3://data/p/" ||
			f.MemoryMB != size.MemoryMB || f.Timeout != time.Duration(size.TimeoutSec)*time.Second {
			t.Errorf("%s: %+v", name, f)
		}
	}
	if _, err := TemplateFunction("no-such-function", params); err == nil {
		t.Error("an unknown function must be an error")
	}
	if _, err := TemplateFunction(jobs.QualityCheck, map[string]string{"BucketName": "data"}); err == nil ||
		!strings.Contains(err.Error(), "KeyPrefix") {
		t.Errorf("a missing parameter must be an error naming it, got %v", err)
	}
}

func writeZip(t *testing.T, files map[string]os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, mode := range files {
		h := &zip.FileHeader{Name: name}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("#!/bin/sh\n"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return p
}

func TestUnpack(t *testing.T) {
	tests := []struct {
		name    string
		files   map[string]os.FileMode
		wantErr string
	}{
		{"bootstrap", map[string]os.FileMode{"bootstrap": 0o755, "conf/a.yaml": 0o644}, ""},
		{"no bootstrap", map[string]os.FileMode{"main": 0o755}, "no executable bootstrap"},
		{"bootstrap not executable", map[string]os.FileMode{"bootstrap": 0o644}, "no executable bootstrap"},
		{"escaping name", map[string]os.FileMode{"bootstrap": 0o755, "../evil": 0o644}, "unsafe name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "task")
			snap, err := Unpack(writeZip(t, tt.files), dir)
			t.Cleanup(func() { filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { return os.Chmod(p, 0o755) }) })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			st, _ := os.Stat(filepath.Join(dir, "bootstrap"))
			if st.Mode().Perm() != 0o555 {
				t.Errorf("bootstrap mode %v, want r-xr-xr-x", st.Mode())
			}
			if st, _ := os.Stat(dir); st.Mode().Perm() != 0o555 {
				t.Errorf("task folder mode %v, want read-only", st.Mode())
			}
			e := &Emulator{task: dir, snapshot: snap}
			if d, err := e.TaskChanges(); err != nil || len(d) != 0 {
				t.Fatalf("fresh task folder: changes %v, err %v", d, err)
			}
			os.Chmod(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "new"), nil, 0o644)
			if d, _ := e.TaskChanges(); len(d) != 1 || d[0] != "created new" {
				t.Errorf("changes %v, want [created new]", d)
			}
		})
	}
}

func TestLastPerUser(t *testing.T) {
	r := func(u, it int32, ts int64) ratings.Rating { return ratings.Rating{User: u, Item: it, Time: ts} }
	in := []ratings.Rating{r(2, 1, 5), r(1, 1, 3), r(1, 2, 1), r(2, 2, 1), r(1, 3, 2), r(3, 9, 1)}
	got := lastPerUser(in, 2)
	want := []ratings.Rating{r(1, 3, 2), r(1, 1, 3), r(2, 2, 1), r(2, 1, 5), r(3, 9, 1)}
	if !slices.Equal(got, want) {
		t.Errorf("lastPerUser = %v, want %v", got, want)
	}
}
