package faultproxy

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
)

// Fault is what the proxy does with one request.
type Fault int

const (
	Pass        Fault = iota // forward and answer
	Unavailable              // answer 503 SlowDown without forwarding
	DropBefore               // close the connection without forwarding
	DropAfter                // forward, then close the connection instead of answering
	CutBody                  // forward, answer the headers and half the body, then close
	numFaults
)

func (f Fault) String() string {
	return [...]string{"pass", "503", "drop-before", "drop-after", "cut-body"}[f]
}

// Config chooses the faults. Rates are shares of all requests, drawn from a PCG source
// seeded with Seed, so a run is reproducible for a given request order.
type Config struct {
	Seed                                           uint64
	UnavailableRate, DropBeforeRate, DropAfterRate float64
	// Plan, when set, decides instead of the rates: it gets the request and its 1-based
	// sequence number.
	Plan func(r *http.Request, n int) Fault
}

// Proxy is a running fault-injecting proxy.
type Proxy struct {
	srv *httptest.Server
	rp  *httputil.ReverseProxy
	cfg Config

	mu     sync.Mutex
	rng    *rand.Rand
	n      int
	counts [numFaults]int
	log    []Record
}

// Record is one request the proxy saw.
type Record struct {
	Method, Path string
	Range        string // the Range header, if any
	Fault        Fault
}

// Start runs a proxy to upstream (e.g. http://127.0.0.1:9000) on a loopback port.
func Start(upstream string, cfg Config) (*Proxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("fault proxy: bad upstream %q", upstream)
	}
	p := &Proxy{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	p.rp = &httputil.ReverseProxy{
		// Keep the Host header the client signed (SigV4 signs it); the upstream answers any.
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Host = pr.In.Host
		},
	}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	return p, nil
}

// URL is the proxy's endpoint, to use in place of the upstream's.
func (p *Proxy) URL() string { return p.srv.URL }

// Close stops the proxy.
func (p *Proxy) Close() { p.srv.CloseClientConnections(); p.srv.Close() }

// Counts returns how many requests got each fault.
func (p *Proxy) Counts() map[Fault]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[Fault]int{}
	for f, c := range p.counts {
		if c > 0 {
			out[Fault(f)] = c
		}
	}
	return out
}

// Requests returns every request seen so far, in order.
func (p *Proxy) Requests() []Record {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Record(nil), p.log...)
}

func (p *Proxy) decide(r *http.Request) Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.n++
	var f Fault
	if p.cfg.Plan != nil {
		f = p.cfg.Plan(r, p.n)
	} else {
		x := p.rng.Float64()
		switch {
		case x < p.cfg.UnavailableRate:
			f = Unavailable
		case x < p.cfg.UnavailableRate+p.cfg.DropBeforeRate:
			f = DropBefore
		case x < p.cfg.UnavailableRate+p.cfg.DropBeforeRate+p.cfg.DropAfterRate:
			f = DropAfter
		}
	}
	p.counts[f]++
	p.log = append(p.log, Record{Method: r.Method, Path: r.URL.Path, Range: r.Header.Get("Range"), Fault: f})
	return f
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	switch p.decide(r) {
	case Pass:
		p.rp.ServeHTTP(w, r)
	case Unavailable:
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+
			`<Error><Code>SlowDown</Code><Message>injected by faultproxy</Message><Resource>%s</Resource></Error>`, r.URL.Path)
	case DropBefore:
		drop(w)
	case DropAfter:
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		drop(w)
	case CutBody:
		rec := httptest.NewRecorder()
		p.rp.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body[:len(body)/2])
		http.NewResponseController(w).Flush() // Hijack would drop what is still buffered
		drop(w)
	}
}

// drop closes the client's connection without an answer.
func drop(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	conn.Close()
}
