package lambdatest

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
)

func TestParseTraceLine(t *testing.T) {
	tests := []struct {
		name, line string
		want       []string
	}{
		{"read-only open", `openat(AT_FDCWD</var/task>, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3</etc/hosts>`, nil},
		{"create relative to the working folder", `openat(AT_FDCWD</var/task>, "x.json", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = 3</var/task/x.json>`, []string{"/var/task/x.json"}},
		{"read-write open", `openat(AT_FDCWD</var/task>, "/data/a", O_RDWR|O_CLOEXEC) = -1 EACCES (Permission denied)`, []string{"/data/a"}},
		{"relative to a folder descriptor", `mkdirat(5</tmp/t>, "sub", 0755) = 0`, []string{"/tmp/t/sub"}},
		{"rename names both", `renameat2(AT_FDCWD</w>, "/tmp/t/a", AT_FDCWD</w>, "b", RENAME_NOREPLACE) = 0`, []string{"/tmp/t/a", "/w/b"}},
		{"unlink", `unlinkat(AT_FDCWD</w>, "/tmp/t/recpipe-spool-1", 0) = 0`, []string{"/tmp/t/recpipe-spool-1"}},
		{"symlink's target is not written", `symlinkat("/etc/passwd", AT_FDCWD</w>, "ln") = 0`, []string{"/w/ln"}},
		{"killed mid-call", `openat(AT_FDCWD</w>, "out", O_WRONLY|O_CREAT <unfinished ...>`, []string{"/w/out"}},
		{"escaped name", `openat(AT_FDCWD</w>, "a\"b", O_WRONLY|O_CREAT, 0644) = 3`, []string{`/w/a"b`}},
		{"not a call", `+++ exited with 0 +++`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, w := range parseTraceLine(tt.line) {
				got = append(got, w.Path)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseTraceLine(%s) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

// The audit finds a real write outside the allowed folder and lets one inside pass.
func TestTracedWritesOfARealProcess(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("strace not installed")
	}
	dir := t.TempDir()
	allowed, outside, trace := filepath.Join(dir, "tmp"), filepath.Join(dir, "outside"), filepath.Join(dir, "trace")
	for _, d := range []string{allowed, outside, trace} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	args := append(straceArgs(strace, filepath.Join(trace, "trace")), "sh", "-c",
		`echo a > "$1/in" && mkdir "$1/d" && echo b > "$2/leak" && rm "$1/in"`, "sh", allowed, outside)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = outside
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("strace cannot trace here: %v\n%s", err, out)
	}
	writes, err := TracedWrites(trace, allowed)
	if err != nil {
		t.Fatal(err)
	}
	if len(writes) != 1 || writes[0].Path != filepath.Join(outside, "leak") {
		t.Fatalf("writes outside %s: %+v, want only %s/leak", allowed, writes, outside)
	}
}

func TestTracedWritesWithoutTrace(t *testing.T) {
	if _, err := TracedWrites(t.TempDir()); err == nil {
		t.Fatal("no strace output must be an error, not an empty audit")
	}
}
