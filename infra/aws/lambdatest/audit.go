package lambdatest

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// fileChangingCalls are the system calls that create, change or remove a file or a
// folder; open calls count only with a flag that writes.
var fileChangingCalls = []string{
	"open", "openat", "openat2", "creat", "truncate",
	"mkdir", "mkdirat", "rmdir", "mknod", "mknodat",
	"rename", "renameat", "renameat2", "link", "linkat", "symlink", "symlinkat", "unlink", "unlinkat",
	"chmod", "fchmodat", "fchmodat2", "chown", "lchown", "fchownat", "utime", "utimes", "utimensat", "futimesat",
	"setxattr", "lsetxattr", "removexattr", "lremovexattr",
}

// straceArgs runs a command under strace, one output file per process or thread
// (out.PID, so that no call is split across lines), with the file-changing calls
// traced and file descriptors shown with their paths (-y).
func straceArgs(strace, out string) []string {
	return []string{strace, "-ff", "-qq", "-y", "-s", "4096", "-e", "signal=none",
		"-e", "trace=?" + strings.Join(fileChangingCalls, ",?"), "-o", out} // ?: calls this strace or kernel lacks are skipped
}

// A Write is one traced call that changed, or tried to change, a path.
type Write struct {
	Call string // the strace line
	Path string // absolute
}

var (
	callLine  = regexp.MustCompile(`^([a-z0-9_]+)\((.*)(?:\) += .*| <unfinished \.\.\.>)$`)
	quoted    = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	fdPath    = regexp.MustCompile(`^(?:AT_FDCWD|-?[0-9]+)<([^>]*)>$`)
	writeFlag = regexp.MustCompile(`\bO_(WRONLY|RDWR|CREAT|TRUNC|APPEND)\b`)
)

// TracedWrites reads the strace output files under dir and returns every call that
// changed or tried to change a path outside the allowed folders (and outside
// /dev/null), with the paths resolved against the folder the call named.
func TracedWrites(dir string, allowed ...string) ([]Write, error) {
	files, err := filepath.Glob(filepath.Join(dir, "trace.*"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no strace output in %s: did the bootstrap run under strace?", dir)
	}
	var out []Write
	for _, f := range files {
		ws, err := tracedWritesIn(f)
		if err != nil {
			return nil, err
		}
		for _, w := range ws {
			if !within(w.Path, allowed) && w.Path != "/dev/null" {
				out = append(out, w)
			}
		}
	}
	return out, nil
}

func within(p string, dirs []string) bool {
	return slices.ContainsFunc(dirs, func(d string) bool {
		return p == d || strings.HasPrefix(p, strings.TrimSuffix(d, "/")+"/")
	})
}

func tracedWritesIn(file string) ([]Write, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Write
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		out = append(out, parseTraceLine(sc.Text())...)
	}
	return out, sc.Err()
}

// parseTraceLine returns the paths a strace -y line changes (none for a read-only
// open, or a line that is no call). A call its process was killed in counts too.
func parseTraceLine(line string) []Write {
	m := callLine.FindStringSubmatch(line)
	if m == nil {
		return nil
	}
	call, args := m[1], splitArgs(m[2])
	if strings.HasPrefix(call, "open") || call == "creat" {
		if call != "creat" && !slices.ContainsFunc(args, func(a string) bool { return writeFlag.MatchString(a) }) {
			return nil
		}
	}
	var out []Write
	dir := ""
	for i, a := range args {
		if fm := fdPath.FindStringSubmatch(a); fm != nil {
			dir = fm[1]
			continue
		}
		q := quoted.FindStringSubmatch(a)
		if q == nil || len(q[0]) != len(a) {
			continue
		}
		if (call == "symlink" && i == 0) || (call == "symlinkat" && i == 0) {
			continue // the link's target, not a path written
		}
		p := unquote(q[1])
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		out = append(out, Write{Call: line, Path: filepath.Clean(p)})
	}
	return out
}

// splitArgs splits a strace argument list at its top-level commas.
func splitArgs(s string) []string {
	var out []string
	depth, inQuote, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case inQuote:
		case c == '{' || c == '[' || c == '(' || c == '<':
			depth++
		case c == '}' || c == ']' || c == ')' || c == '>':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func unquote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'x':
				if i+2 < len(s) {
					var v byte
					fmt.Sscanf(s[i+1:i+3], "%02x", &v)
					b.WriteByte(v)
					i += 2
				}
			default:
				b.WriteByte(s[i])
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Writes are the traced calls of the bootstrap so far that changed, or tried to
// change, a file outside its /tmp.
func (e *Emulator) Writes() ([]Write, error) { return TracedWrites(e.trace, e.tmp) }
