package failreport

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// fakeGitHub plays the three REST endpoints the reporter uses, for repository o/r.
type fakeGitHub struct {
	t        *testing.T
	srv      *httptest.Server
	token    string
	pageSize int // the server's page size (pagination), whatever per_page asks
	// dropLabels drops the labels of new issues, as GitHub does for a token that may
	// not set them.
	dropLabels bool

	mu       sync.Mutex
	issues   []*fakeIssue
	comments map[int][]string
	requests []request
	// failures are answered, in order, before serving a route "METHOD /path".
	failures map[string][]failure
}

type fakeIssue struct {
	Number int
	Title  string
	Body   string
	Labels []string
	State  string
	PR     bool
}

type request struct {
	Method, Path string
	Query        url.Values
	Auth         string
	Body         map[string]any
	Raw          string
}

type failure struct {
	Status int
	Body   string
}

const secondaryLimitBody = `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`

func newFakeGitHub(t *testing.T, token string) *fakeGitHub {
	f := &fakeGitHub{t: t, token: token, pageSize: 100, comments: map[int][]string{}, failures: map[string][]failure{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeGitHub) add(is fakeIssue) {
	f.mu.Lock()
	defer f.mu.Unlock()
	is.Number = len(f.issues) + 1
	f.issues = append(f.issues, &is)
}

func (f *fakeGitHub) failNext(route string, fs ...failure) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failures[route] = append(f.failures[route], fs...)
}

func (f *fakeGitHub) recorded() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

func (f *fakeGitHub) count(method, path string) int {
	n := 0
	for _, r := range f.recorded() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func (f *fakeGitHub) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := request{Method: r.Method, Path: r.URL.Path, Query: r.URL.Query(), Auth: r.Header.Get("Authorization"), Raw: string(raw)}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &req.Body); err != nil {
			f.t.Errorf("%s %s: body is not JSON: %v", r.Method, r.URL.Path, err)
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, req)
	w.Header().Set("Content-Type", "application/json")
	if req.Auth != "Bearer "+f.token {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"message":"Bad credentials"}`)
		return
	}
	route := r.Method + " " + r.URL.Path
	if q := f.failures[route]; len(q) > 0 {
		f.failures[route] = q[1:]
		w.WriteHeader(q[0].Status)
		io.WriteString(w, q[0].Body)
		return
	}
	switch {
	case route == "GET /repos/o/r/issues":
		f.list(w, req)
	case route == "POST /repos/o/r/issues":
		is := &fakeIssue{Number: len(f.issues) + 1, State: "open"}
		is.Title, _ = req.Body["title"].(string)
		is.Body, _ = req.Body["body"].(string)
		for _, l := range req.Body["labels"].([]any) {
			if !f.dropLabels {
				is.Labels = append(is.Labels, l.(string))
			}
		}
		f.issues = append(f.issues, is)
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(f.issueJSON(is))
	case r.Method == "POST" && strings.HasPrefix(r.URL.Path, "/repos/o/r/issues/") && strings.HasSuffix(r.URL.Path, "/comments"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/repos/o/r/issues/"), "/comments"))
		if err != nil || n < 1 || n > len(f.issues) {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"message":"Not Found"}`)
			return
		}
		body, _ := req.Body["body"].(string)
		f.comments[n] = append(f.comments[n], body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":%d,"body":%q,"html_url":"https://github.test/o/r/issues/%d#issuecomment-%d"}`, 1000+len(f.comments[n]), body, n, len(f.comments[n]))
	default:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"message":"Not Found"}`)
	}
}

// list answers like GitHub: filtered by state and label, pull requests included, paged
// with a Link header.
func (f *fakeGitHub) list(w http.ResponseWriter, req request) {
	state, label := req.Query.Get("state"), req.Query.Get("labels")
	var match []*fakeIssue
	for _, is := range f.issues {
		if (state == "all" || is.State == state) && (label == "" || contains(is.Labels, label)) {
			match = append(match, is)
		}
	}
	sort.Slice(match, func(i, j int) bool {
		if req.Query.Get("direction") == "asc" {
			return match[i].Number < match[j].Number
		}
		return match[i].Number > match[j].Number
	})
	page, _ := strconv.Atoi(req.Query.Get("page"))
	page = max(page, 1)
	lo, hi := min((page-1)*f.pageSize, len(match)), min(page*f.pageSize, len(match))
	if hi < len(match) {
		q := url.Values{}
		for k, v := range req.Query {
			q[k] = v
		}
		q.Set("page", strconv.Itoa(page+1))
		w.Header().Set("Link", fmt.Sprintf(`<%s/repos/o/r/issues?%s>; rel="next"`, f.srv.URL, q.Encode()))
	}
	out := []map[string]any{}
	for _, is := range match[lo:hi] {
		out = append(out, f.issueJSON(is))
	}
	json.NewEncoder(w).Encode(out)
}

func (f *fakeGitHub) issueJSON(is *fakeIssue) map[string]any {
	labels := []map[string]any{}
	for _, l := range is.Labels {
		labels = append(labels, map[string]any{"name": l})
	}
	m := map[string]any{
		"number": is.Number, "title": is.Title, "body": is.Body, "state": is.State, "labels": labels,
		"html_url": fmt.Sprintf("https://github.test/o/r/issues/%d", is.Number),
	}
	if is.PR {
		m["pull_request"] = map[string]any{"url": fmt.Sprintf("%s/repos/o/r/pulls/%d", f.srv.URL, is.Number)}
	}
	return m
}

func contains(xs []string, x string) bool {
	for _, s := range xs {
		if s == x {
			return true
		}
	}
	return false
}
