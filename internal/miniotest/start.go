package miniotest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Start launches a dedicated MinIO (RECPIPE_MINIO_BIN, or .tools/bin/minio of the module)
// on 127.0.0.1 with a temporary data folder, fresh root credentials and extraEnv added to
// its environment (e.g. MINIO_NOTIFY_WEBHOOK_ENABLE_X=on). It waits until the server is
// live and stops it when the test ends. Without a binary the test is skipped (or fails
// under RECPIPE_REQUIRE_MINIO=1).
func Start(t testing.TB, extraEnv map[string]string) *Server {
	t.Helper()
	bin := minioBin()
	if bin == "" {
		unavailable(t, "no MinIO binary ("+EnvBin+" unset and .tools/bin/minio missing; run scripts/minio.sh)")
	}
	s := &Server{AccessKey: "recpipe-" + randHex(4), SecretKey: randHex(16), Region: "us-east-1", DataDir: t.TempDir()}
	var lastErr error
	for range 3 { // a port picked free may be taken before MinIO binds it
		p, err := s.launch(t, bin, extraEnv)
		if err == nil {
			t.Cleanup(p.stop)
			return s
		}
		lastErr = err
	}
	t.Fatalf("start MinIO: %v", lastErr)
	return nil
}

type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
	once sync.Once
}

func (p *proc) stop() {
	p.once.Do(func() {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			_ = p.cmd.Process.Kill()
			<-p.done
		}
	})
}

func (s *Server) launch(t testing.TB, bin string, extraEnv map[string]string) (*proc, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	console, err := freeAddr()
	if err != nil {
		return nil, err
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "server", filepath.Join(s.DataDir, "data"), "--address", addr, "--console-address", console, "--quiet")
	cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+s.AccessKey, "MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off", "MINIO_UPDATE=off")
	for k, v := range extraEnv {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("run %s: %w", bin, err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	s.Endpoint = "http://" + addr
	if err := waitLive(t.Context(), s.Endpoint, p.done, 60*time.Second); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w; MinIO output:\n%s", err, logs.String())
	}
	return p, nil
}

// waitLive polls /minio/health/live until it answers 200.
func waitLive(ctx context.Context, endpoint string, exited <-chan struct{}, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("MinIO exited before it was ready")
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		resp, err := http.Get(endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("MinIO at %s not live after %s", endpoint, limit)
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// minioBin finds the server binary: $RECPIPE_MINIO_BIN, else .tools/bin/minio above the
// working folder (go test runs in the package folder).
func minioBin() string {
	if b := os.Getenv(EnvBin); b != "" {
		return b
	}
	dir, err := os.Getwd()
	for err == nil {
		if _, e := os.Stat(filepath.Join(dir, "go.mod")); e == nil {
			b := filepath.Join(dir, ".tools", "bin", "minio")
			if _, e := os.Stat(b); e == nil {
				return b
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
	return ""
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
