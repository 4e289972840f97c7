package lambdatest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// InvokePath is the emulator's invoke endpoint (the Lambda Invoke API's path).
const InvokePath = "/2015-03-31/functions/function/invocations"

// Options say what to run and how.
type Options struct {
	RIE      string   // the emulator binary
	Zip      string   // the deployment zip (make lambda)
	Function Function // name, environment, timeout and memory as the template gives them
	// Env is added to the function's environment: what Lambda itself provides
	// (credentials, region), never the template's variables.
	Env map[string]string
	// Dir is a scratch folder the emulator's files go under: task/ (the unpacked zip,
	// read-only), tmp/ (the function's /tmp), trace/ (strace's output).
	Dir string
	// Strace, when set, is the strace binary the bootstrap runs under (Audit).
	Strace string
}

// Emulator is a running emulator with one function's bootstrap.
type Emulator struct {
	url, task, tmp, trace string
	snapshot              []fileState
	cmd                   *exec.Cmd
	done                  chan struct{}
	out                   *syncBuffer
	stopOnce              sync.Once
	stopErr               error
}

// Invocation is what one invoke returned.
type Invocation struct {
	Status  int
	Body    []byte
	Elapsed time.Duration // the HTTP round trip, as the caller sees it
	// Init is the runtime's start-up (the emulator's INIT REPORT) when this invocation
	// started the bootstrap (a cold start), else 0.
	Init time.Duration
	// Duration is the invocation as the emulator billed it (its REPORT line).
	Duration time.Duration
	TimedOut bool           // the emulator stopped the function at its timeout
	Err      *FunctionError // the function returned an error (Lambda retries it)
	Log      string         // the emulator's and the function's output during the invocation
}

// FunctionError is the error payload of a failed invocation.
type FunctionError struct {
	Message string `json:"errorMessage"`
	Type    string `json:"errorType"`
}

// OK reports whether the function ran to completion without an error.
func (inv *Invocation) OK() bool {
	return inv.Status == http.StatusOK && !inv.TimedOut && inv.Err == nil
}

func (inv *Invocation) String() string {
	switch {
	case inv.TimedOut:
		return "timed out: " + string(inv.Body)
	case inv.Err != nil:
		return fmt.Sprintf("function error %s: %s", inv.Err.Type, inv.Err.Message)
	case inv.Status != http.StatusOK:
		return fmt.Sprintf("HTTP %d: %s", inv.Status, inv.Body)
	}
	return fmt.Sprintf("ok in %s", inv.Elapsed.Round(time.Millisecond))
}

// Start unpacks o.Zip and starts the emulator with its bootstrap on two free loopback
// ports. The bootstrap itself starts with the first invocation, as on Lambda.
func Start(ctx context.Context, o Options) (*Emulator, error) {
	e := &Emulator{
		task:  filepath.Join(o.Dir, "task"),
		tmp:   filepath.Join(o.Dir, "tmp"),
		trace: filepath.Join(o.Dir, "trace"),
		out:   &syncBuffer{},
		done:  make(chan struct{}),
	}
	for _, d := range []string{e.tmp, e.trace} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	var err error
	if e.snapshot, err = Unpack(o.Zip, e.task); err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // a port found free may be taken before the emulator binds it
		if lastErr = e.launch(ctx, o); lastErr == nil {
			return e, nil
		}
	}
	return nil, lastErr
}

func (e *Emulator) launch(ctx context.Context, o Options) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	apiAddr, err := freeAddr()
	if err != nil {
		return err
	}
	bootstrap := []string{filepath.Join(e.task, "bootstrap")}
	if o.Strace != "" {
		bootstrap = append(straceArgs(o.Strace, filepath.Join(e.trace, "trace")), bootstrap...)
	}
	args := append([]string{"--runtime-interface-emulator-address", addr, "--runtime-api-address", apiAddr,
		"--log-level", "info"}, bootstrap...)
	cmd := exec.Command(o.RIE, args...)
	cmd.Dir = e.task
	cmd.Env = functionEnv(o.Function, e.task, e.tmp, o.Env)
	cmd.Stdout, cmd.Stderr = e.out, e.out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", o.RIE, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			break
		}
		select {
		case <-done:
			return fmt.Errorf("emulator exited before listening on %s; output:\n%s", addr, e.out.String())
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-done
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("emulator not listening on %s after 30s; output:\n%s", addr, e.out.String())
		}
	}
	e.url, e.cmd, e.done = "http://"+addr, cmd, done
	return nil
}

// functionEnv is the bootstrap's environment: what Lambda sets for a provided.al2023
// function, the template's variables, extra (credentials, region), and TMPDIR naming
// the private /tmp. The emulator passes its own environment on to the bootstrap.
func functionEnv(f Function, task, tmp string, extra map[string]string) []string {
	env := map[string]string{
		"PATH":                            "/usr/local/bin:/usr/bin:/bin",
		"LANG":                            "en_US.UTF-8",
		"TZ":                              ":UTC",
		"LAMBDA_TASK_ROOT":                task,
		"_HANDLER":                        "bootstrap",
		"AWS_LAMBDA_FUNCTION_NAME":        f.FunctionName,
		"AWS_LAMBDA_FUNCTION_VERSION":     "$LATEST",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": strconv.Itoa(f.MemoryMB),
		"AWS_LAMBDA_FUNCTION_TIMEOUT":     strconv.Itoa(int(f.Timeout / time.Second)),
		"AWS_LAMBDA_LOG_GROUP_NAME":       "/aws/lambda/" + f.FunctionName,
		"AWS_LAMBDA_LOG_STREAM_NAME":      "emulator",
		"TMPDIR":                          tmp,
	}
	for k, v := range f.Env {
		env[k] = v
	}
	for k, v := range extra {
		env[k] = v
	}
	if r := env["AWS_REGION"]; r != "" && env["AWS_DEFAULT_REGION"] == "" {
		env["AWS_DEFAULT_REGION"] = r
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// URL is the emulator's base URL.
func (e *Emulator) URL() string { return e.url }

// TmpDir is the function's /tmp.
func (e *Emulator) TmpDir() string { return e.tmp }

// Output is everything the emulator and the function printed so far.
func (e *Emulator) Output() string { return e.out.String() }

var (
	initReport = regexp.MustCompile(`INIT REPORT\(durationMs: ([0-9.]+)\)`)
	timedOut   = regexp.MustCompile(`^Task timed out after [0-9.]+ seconds$`)
)

// Invoke posts payload to the emulator and waits for the function's answer.
func (e *Emulator) Invoke(ctx context.Context, payload []byte) (*Invocation, error) {
	id := requestID()
	from := e.out.Len()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url+InvokePath, bytes.NewReader(payload))
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Amzn-RequestId", id)
	t0 := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("invoke: %w", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	inv := &Invocation{Status: resp.StatusCode, Body: body, Elapsed: time.Since(t0)}
	if err != nil {
		return inv, fmt.Errorf("invoke: read answer: %w", err)
	}
	inv.TimedOut = timedOut.Match(bytes.TrimSpace(body))
	var fe FunctionError
	if json.Unmarshal(body, &fe) == nil && fe.Type != "" && fe.Message != "" {
		inv.Err = &fe
	}
	// The emulator prints its REPORT line before it answers; its output reaches the
	// buffer through a pipe, a moment later.
	report := regexp.MustCompile(`REPORT RequestId: ` + id + `\t(?:Init Duration: [0-9.]+ ms\t)?Duration: ([0-9.]+) ms`)
	for wait := time.Now().Add(5 * time.Second); ; {
		inv.Log = e.out.From(from)
		if m := report.FindStringSubmatch(inv.Log); m != nil {
			inv.Duration = millis(m[1])
			break
		}
		if time.Now().After(wait) {
			return inv, fmt.Errorf("invoke %s: no REPORT line from the emulator; output:\n%s", id, inv.Log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if m := initReport.FindStringSubmatch(inv.Log); m != nil {
		inv.Init = millis(m[1])
	}
	return inv, nil
}

func millis(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Millisecond))
}

func requestID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Close stops the emulator (which stops the bootstrap) and makes sure no process of
// the function is left: one still running in the task folder is killed and reported.
func (e *Emulator) Close() error {
	e.stopOnce.Do(func() {
		if e.cmd == nil {
			return
		}
		_ = e.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.done:
		case <-time.After(10 * time.Second):
			_ = e.cmd.Process.Kill()
			<-e.done
		}
		if left := processesIn(e.task); len(left) > 0 {
			for _, pid := range left {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
			e.stopErr = fmt.Errorf("processes %v were still running in %s after the emulator stopped", left, e.task)
		}
	})
	// Writable again, so that the scratch folder can be removed.
	filepath.WalkDir(e.task, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
	return e.stopErr
}

// processesIn lists the processes whose working folder is dir (the bootstrap's).
func processesIn(dir string) []int {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, d := range ents {
		pid, err := strconv.Atoi(d.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", d.Name(), "cwd")); err == nil && cwd == dir {
			pids = append(pids, pid)
		}
	}
	return pids
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// syncBuffer is an output buffer the emulator's copy goroutines write to while
// invocations read it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) String() string { return b.From(0) }

// From returns what was written after the first off bytes.
func (b *syncBuffer) From(off int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf.Bytes()[off:])
}
