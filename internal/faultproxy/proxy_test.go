package faultproxy_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/faultproxy"
	"github.com/recpipe/recpipe/internal/miniotest"
)

// stubS3 plays the answers the tests need: a stored object "present" (with ranged reads)
// and NoSuchKey. version, when set, names the content served to the n-th request.
func stubS3(t *testing.T, version ...func(n int) string) string {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/bkt/present" {
			n++
			data := present
			if len(version) > 0 {
				data = version[0](n)
			}
			w.Header().Set("ETag", `"`+blob.ETagOf([]byte(data))+`"`)
			var from int
			if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &from); err == nil {
				w.Header().Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", from, len(data)-1, len(data)))
				w.Header().Set("Content-Length", strconv.Itoa(len(data)-from))
				w.WriteHeader(http.StatusPartialContent)
				w.Write([]byte(data[from:]))
				return
			}
			w.Header().Set("Content-Length", strconv.Itoa(len(data)))
			w.Write([]byte(data))
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

const present = "hello, a body long enough to be cut in two"

// first503 fails the first n requests with 503 and passes the rest.
func first503(n int) func(*http.Request, int) faultproxy.Fault {
	return func(_ *http.Request, i int) faultproxy.Fault {
		if i <= n {
			return faultproxy.Unavailable
		}
		return faultproxy.Pass
	}
}

var policy = blob.RetryPolicy{MaxAttempts: 5, InitialInterval: time.Millisecond, MaxInterval: 5 * time.Millisecond}

type target struct {
	upstream string
	open     func(t *testing.T, endpoint string) blob.Bucket
}

func targets(t *testing.T) map[string]target {
	out := map[string]target{
		"stub": {stubS3(t), func(t *testing.T, endpoint string) blob.Bucket {
			b, err := blob.NewS3(t.Context(), blob.S3Options{Bucket: "bkt", Endpoint: endpoint,
				Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
	}
	if testingMinIO() {
		srv := miniotest.Shared(t)
		name := srv.NewBucket(t)
		admin := srv.S3(t, name, "")
		if _, err := blob.PutBytes(t.Context(), admin, "present", []byte(present), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
		out["minio"] = target{srv.Endpoint, func(t *testing.T, endpoint string) blob.Bucket { return srv.S3(t, name, endpoint) }}
	}
	return out
}

func TestA503IsRetried(t *testing.T) {
	for name, tg := range targets(t) {
		t.Run(name, func(t *testing.T) {
			p, err := faultproxy.Start(tg.upstream, faultproxy.Config{Plan: first503(2)})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			b := blob.WithRetry(tg.open(t, p.URL()), policy)
			got, err := blob.ReadAll(t.Context(), b, "present")
			if err != nil || string(got) != present {
				t.Fatalf("get through two 503s = %q, %v", got, err)
			}
			if n, c := len(p.Requests()), p.Counts(); n != 3 || c[faultproxy.Unavailable] != 2 {
				t.Errorf("attempts = %d (%v), want 3: two 503s and a success", n, c)
			}
		})
	}
}

func TestA404IsNotRetried(t *testing.T) {
	for name, tg := range targets(t) {
		t.Run(name, func(t *testing.T) {
			p, err := faultproxy.Start(tg.upstream, faultproxy.Config{})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			b := blob.WithRetry(tg.open(t, p.URL()), policy)
			_, err = b.Get(t.Context(), "missing")
			if !errors.Is(err, blob.ErrNotFound) {
				t.Fatalf("get missing: err = %v, want ErrNotFound", err)
			}
			if n := len(p.Requests()); n != 1 {
				t.Errorf("attempts = %d, want 1 (a 404 is final)", n)
			}
		})
	}
}

func TestUnretriedClientSeesFaults(t *testing.T) {
	for _, tc := range []struct {
		fault     faultproxy.Fault
		want      string
		transient bool // as IsTransient judges the client's error
	}{
		{faultproxy.Unavailable, "503", false}, // a bare status line: the S3 client reads the code
		{faultproxy.DropBefore, "EOF", true},
		{faultproxy.DropAfter, "EOF", true},
	} {
		t.Run(tc.fault.String(), func(t *testing.T) {
			p, err := faultproxy.Start(stubS3(t), faultproxy.Config{Plan: func(*http.Request, int) faultproxy.Fault { return tc.fault }})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			resp, err := http.Get(p.URL() + "/bkt/present")
			if err == nil {
				resp.Body.Close()
				err = errors.New(resp.Status)
			}
			if !strings.Contains(err.Error(), tc.want) || blob.IsTransient(err) != tc.transient {
				t.Errorf("fault %s: client saw %v (transient %v), want %q (transient %v)", tc.fault, err, blob.IsTransient(err), tc.want, tc.transient)
			}
		})
	}
}

// The same seed injects the same faults into the same request sequence.
func TestSeededFaultsRepeat(t *testing.T) {
	run := func(seed uint64) []faultproxy.Fault {
		p, err := faultproxy.Start(stubS3(t), faultproxy.Config{Seed: seed, UnavailableRate: 0.3})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		for range 40 {
			if resp, err := http.Get(p.URL() + "/bkt/present"); err == nil {
				resp.Body.Close()
			}
		}
		var out []faultproxy.Fault
		for _, r := range p.Requests() {
			out = append(out, r.Fault)
		}
		return out
	}
	a, b, c := run(7), run(7), run(8)
	if len(a) != 40 || strings.Join(names(a), ",") != strings.Join(names(b), ",") {
		t.Errorf("seed 7 gave different fault sequences:\n%v\n%v", a, b)
	}
	if strings.Join(names(a), ",") == strings.Join(names(c), ",") {
		t.Errorf("seeds 7 and 8 gave the same sequence %v", a)
	}
	n := 0
	for _, f := range a {
		if f == faultproxy.Unavailable {
			n++
		}
	}
	if n < 4 || n > 20 {
		t.Errorf("%d of 40 requests failed at rate 0.3", n)
	}
}

func names(fs []faultproxy.Fault) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.String())
	}
	return out
}

// A body cut mid-way is resumed with a ranged GET of the same version.
func TestCutBodyIsResumed(t *testing.T) {
	for name, tg := range targets(t) {
		t.Run(name, func(t *testing.T) {
			p, err := faultproxy.Start(tg.upstream, faultproxy.Config{Plan: func(r *http.Request, n int) faultproxy.Fault {
				if n == 1 {
					return faultproxy.CutBody
				}
				return faultproxy.Pass
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			got, err := blob.ReadAll(t.Context(), blob.WithRetry(tg.open(t, p.URL()), policy), "present")
			if err != nil || string(got) != present {
				t.Fatalf("read through a cut body = %q, %v", got, err)
			}
			reqs := p.Requests()
			if len(reqs) != 2 || reqs[1].Range != fmt.Sprintf("bytes=%d-", len(present)/2) {
				t.Errorf("requests = %+v, want the cut GET and one ranged GET from byte %d", reqs, len(present)/2)
			}
		})
	}
}

func TestCutBodyWithoutRetryFails(t *testing.T) {
	p, err := faultproxy.Start(stubS3(t), faultproxy.Config{Plan: func(*http.Request, int) faultproxy.Fault { return faultproxy.CutBody }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	rc, err := targets(t)["stub"].open(t, p.URL()).Get(t.Context(), "present")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if got, err := io.ReadAll(rc); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("read of a cut body = %q, %v; want io.ErrUnexpectedEOF", got, err)
	}
}

// A resumed read refuses to splice two versions of an object.
func TestCutBodyOfAChangedObjectFails(t *testing.T) {
	up := stubS3(t, func(n int) string {
		if n == 1 {
			return present
		}
		return strings.ToUpper(present)
	})
	p, err := faultproxy.Start(up, faultproxy.Config{Plan: func(r *http.Request, n int) faultproxy.Fault {
		if n == 1 {
			return faultproxy.CutBody
		}
		return faultproxy.Pass
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	b := blob.WithRetry(targets(t)["stub"].open(t, p.URL()), policy)
	got, err := blob.ReadAll(t.Context(), b, "present")
	if err == nil || !strings.Contains(err.Error(), "changed while it was read") {
		t.Errorf("read = %q, %v; want an error that the object changed", got, err)
	}
}
