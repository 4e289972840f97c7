package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Bad invocations exit 2 and write nothing; a missing bootstrap exits 1 and leaves no zip.
func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "f.zip")
	for _, tt := range []struct {
		args []string
		code int
	}{
		{nil, 2},
		{[]string{out}, 2},
		{[]string{out, "a", "b"}, 2},
		{[]string{"", "a"}, 2},
		{[]string{out, filepath.Join(dir, "missing")}, 1},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tt.args, &stdout, &stderr); code != tt.code || stderr.Len() == 0 {
			t.Errorf("zip %q: exit %d (want %d), stderr %q", tt.args, code, tt.code, stderr.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("zip %q left %v", tt.args, entries)
		}
	}
}

func TestHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--help"}, &stdout, &stderr); code != 0 {
		t.Fatalf("--help: exit %d", code)
	}
	for _, want := range []string{"zip: " + purpose, "usage: zip OUT.zip BOOTSTRAP", "exit codes:", "2  usage error"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("--help lacks %q:\n%s", want, stdout.String())
		}
	}
}

// The zip holds one executable "bootstrap" with the binary's bytes, and packing twice
// gives the same bytes (fixed time stamp).
func TestPackIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	boot := filepath.Join(dir, "bootstrap")
	if err := os.WriteFile(boot, []byte("\x7fELF not really"), 0o755); err != nil {
		t.Fatal(err)
	}
	var zips [2][]byte
	for i := range zips {
		out := filepath.Join(dir, "f.zip")
		if code := run([]string{out, boot}, io.Discard, io.Discard); code != 0 {
			t.Fatalf("exit %d", code)
		}
		zips[i], _ = os.ReadFile(out)
	}
	if !bytes.Equal(zips[0], zips[1]) {
		t.Error("two packs of the same binary differ")
	}
	zr, err := zip.NewReader(bytes.NewReader(zips[0]), int64(len(zips[0])))
	if err != nil || len(zr.File) != 1 || zr.File[0].Name != "bootstrap" || zr.File[0].Mode().Perm() != 0o755 {
		t.Fatalf("zip: %v, files %v", err, zr.File)
	}
	rc, _ := zr.File[0].Open()
	got, _ := io.ReadAll(rc)
	if string(got) != "\x7fELF not really" {
		t.Errorf("bootstrap holds %q", got)
	}
}
