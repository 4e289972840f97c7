package dashboard

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/recpipe/recpipe/internal/layout"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/pipelinestatus"
)

func get(t *testing.T, h http.Handler, method, target string, header http.Header) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// getView decodes /api/<name> into v.
func getView(t *testing.T, h http.Handler, name string, v any) {
	t.Helper()
	rec := get(t, h, http.MethodGet, "/api/"+name, nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("/api/%s: %d %s", name, rec.Code, rec.Body.String())
	}
	if err := json.Unmarshal(rec.Body.Bytes(), v); err != nil {
		t.Fatalf("/api/%s: %v", name, err)
	}
}

// /api/status is byte for byte what `pipeline status --json` prints (pipelinestatus.WriteJSON).
func TestAPIStatusIsPipelineStatusJSON(t *testing.T) {
	ctx := context.Background()
	b := newFixture(t)
	rec := get(t, New(Options{Bucket: b}).Handler(), http.MethodGet, "/api/status", nil)
	if rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body.String())
	}
	snap, err := pipelinestatus.Read(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	if err := pipelinestatus.WriteJSON(&want, snap); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rec.Body.Bytes(), want.Bytes()) {
		t.Errorf("/api/status differs from pipeline status --json:\n%s\nwant:\n%s", rec.Body.String(), want.String())
	}
	if len(snap.Days) != fixtureDays {
		t.Errorf("status has %d days, want %d", len(snap.Days), fixtureDays)
	}
}

// The views show what the fixture's stages wrote: 7 days released, days 2 and 5 failing
// their gate (one rejected row each), the other five evaluated, two trained models.
func TestViewsOverTheFixture(t *testing.T) {
	ctx := context.Background()
	b := newFixture(t)
	h := New(Options{Bucket: b}).Handler()

	var ov overviewView
	getView(t, h, "overview", &ov)
	if want := (stageCounts{Released: 7, Checked: 7, Passed: 5, Failed: 2, Evaluated: 5}); ov.Counts != want {
		t.Errorf("overview counts %+v, want %+v", ov.Counts, want)
	}
	fns := map[string]pipelinestatus.RunState{}
	for _, f := range ov.Status.Runs {
		fns[f.Function] = f
	}
	if f := fns["quality-check"]; f.Runs != 7 || f.ByState["failed"] != 2 || f.ByState["ok"] != 5 || f.Status != "ok" {
		t.Errorf("quality-check runs: %+v, want 7 runs, 2 failed, the last ok", f)
	}
	if f := fns["etl-day"]; f.Runs != 7 || f.ByState["ok"] != 7 || ov.MeanWall["etl-day"] <= 0 {
		t.Errorf("etl-day runs: %+v (mean wall %v), want 7 ok", f, ov.MeanWall["etl-day"])
	}
	var gateDays []int
	for _, g := range ov.Status.GatesFailed {
		gateDays = append(gateDays, g.Day)
		if len(g.Checks) == 0 || !strings.HasPrefix(g.Checks[0], "rejected_share: observed") {
			t.Errorf("day %d's failed gate lists %q, want the rejected_share check with what it saw", g.Day, g.Checks)
		}
	}
	if !slices.Equal(gateDays, []int{2, 5}) {
		t.Errorf("failed gates on days %v, want [2 5] needing attention", gateDays)
	}
	if len(ov.Recent) != recentRuns || ov.Recent[0].Start.Before(ov.Recent[len(ov.Recent)-1].Start) {
		t.Errorf("recent runs: %d, newest first? %+v", len(ov.Recent), ov.Recent)
	}

	var ev etlView
	getView(t, h, "etl", &ev)
	if len(ev.Days) != 7 || ev.Status == nil || ev.Status.RowsRejected != 2 {
		t.Fatalf("etl view: %d days, status %+v", len(ev.Days), ev.Status)
	}
	d2 := ev.Days[1]
	if d2.Rejected != 1 || len(d2.Samples) != 1 || d2.Samples[0].Raw != "17,abc,4.0,1000001234" || len(d2.Reasons) != 1 {
		t.Errorf("day 2: %+v, want its one malformed row with its reason", d2)
	}

	var qv qualityView
	getView(t, h, "quality", &qv)
	var failed []int
	for _, g := range qv.Gates {
		if !g.Success {
			failed = append(failed, g.Day)
			if len(g.FailedErrors) != 1 || g.FailedErrors[0].Check != "rejected_share" {
				t.Errorf("day %d failed errors %+v, want rejected_share", g.Day, g.FailedErrors)
			}
		}
	}
	if len(failed) != 2 || failed[0] != 2 || failed[1] != 5 {
		t.Errorf("failed gates on days %v, want [2 5]", failed)
	}
	for _, c := range qv.Checks {
		if len(c.Cells) != len(qv.Days) {
			t.Errorf("check %s has %d cells for %d days", c.Check, len(c.Cells), len(qv.Days))
		}
	}
	if n := len(qv.Charts[0].Series); n != 2 {
		t.Errorf("drift chart has %d series, want PSI and KS", n)
	}

	var av abView
	getView(t, h, "ab", &av)
	var sum abtest.Summary
	if err := blob.ReadJSON(ctx, b, layout.ABSummary, &sum); err != nil {
		t.Fatal(err)
	}
	if av.Cumulative == nil || av.Cumulative.Verdict != sum.Cumulative.Verdict || av.Cumulative.Verdict == "" {
		t.Fatalf("A/B verdict %+v, want summary.json's %q", av.Cumulative, sum.Cumulative.Verdict)
	}
	// One look per evaluated day (days 2 and 5 failed their gate), each with the
	// primary metric's verdict in every segment; the last is the cumulative verdict.
	var lookDays []int
	for _, l := range av.Looks {
		lookDays = append(lookDays, l.Day)
	}
	if !slices.Equal(lookDays, []int{1, 3, 4, 6, 7}) {
		t.Fatalf("looks on days %v, want [1 3 4 6 7]", lookDays)
	}
	last, pv := av.Looks[4].Look[0], sum.Cumulative.Primary()
	if last.Segment != abtest.SegmentAll || !eqPtr(last.Diff, pv.Diff) || last.Winner != pv.Winner || *last.SequentialCI != *pv.SequentialCI {
		t.Errorf("last look %+v, summary's primary verdict %+v", last, pv)
	}
	// Every metric's look after every evaluated day, in every segment; its last look
	// is that metric's per-user verdict of the summary.
	if len(av.Metrics) != len(abtest.Metrics) || av.Metrics[0] != sum.Cumulative.Stats.Primary {
		t.Errorf("metrics with a look history %v, want all %d, the primary first", av.Metrics, len(abtest.Metrics))
	}
	for _, l := range av.Looks {
		if len(l.Metrics) != len(abtest.Metrics)*len(abtest.Segments) {
			t.Errorf("day %d: %d metric looks, want %d", l.Day, len(l.Metrics), len(abtest.Metrics)*len(abtest.Segments))
		}
	}
	for _, lv := range av.Looks[4].Metrics {
		i := slices.IndexFunc(sum.Cumulative.Verdicts, func(v abtest.Verdict) bool {
			return v.Metric == lv.Metric && v.Segment == lv.Segment && v.Unit == abtest.UnitUser
		})
		if i < 0 {
			t.Errorf("look of %s/%s: no such verdict in the summary", lv.Metric, lv.Segment)
			continue
		}
		if v := sum.Cumulative.Verdicts[i]; !eqPtr(lv.Diff, v.Diff) || lv.Winner != v.Winner || (lv.SequentialCI == nil) != (v.SequentialCI == nil) {
			t.Errorf("last look of %s/%s %+v, the summary's verdict %+v", lv.Metric, lv.Segment, lv, v)
		}
	}
	byID := map[string]chart{}
	for _, c := range av.Charts {
		byID[c.ID] = c
	}
	if c := byID["ab-look-all"]; len(c.Series) != 1 || len(c.Series[0].Points) != 5 || c.Series[0].Points[4].Hi == nil {
		t.Errorf("the all-users look chart: %+v, want 5 points with their sequence", c.Series)
	}
	if c := byID["ab-look-ndcg@10-returning_users"]; len(c.Series) != 1 || len(c.Series[0].Points) == 0 {
		t.Errorf("ndcg@10's returning-users look chart: %+v, want its points", c.Series)
	}

	// Every model against the bar as well as against the other model, and the
	// deployed versions that scored each day after the first.
	if c := av.Cumulative; c.Bar != abtest.BarName || len(c.BarVerdicts) == 0 {
		t.Errorf("A/B view: bar %q with %d verdicts, want %s's", c.Bar, len(c.BarVerdicts), abtest.BarName)
	}
	barModels := map[string]bool{}
	for _, v := range av.Cumulative.BarVerdicts {
		barModels[v.A] = v.B == abtest.BarName
	}
	if !barModels["ncf"] || !barModels["ss4rec"] {
		t.Errorf("bar verdicts of %v, want ncf and ss4rec against %s", barModels, abtest.BarName)
	}
	for _, d := range av.Days {
		if d.Day == 1 || !d.InCumulative {
			continue
		}
		prev := map[int]int{3: 1, 4: 3, 6: 4, 7: 6}[d.Day] // days 2 and 5 failed their gate
		if len(d.Versions) != 1 || d.Versions[0].Key != layout.ModelVersion("ncf", layout.Day(prev)) {
			t.Errorf("day %d scored by %v, want the version of day %d", d.Day, d.Versions, prev)
		}
	}

	var mv modelsView
	getView(t, h, "models", &mv)
	if len(mv.Models) != 2 {
		t.Fatalf("models: %+v", mv.Models)
	}
	for _, m := range mv.Models {
		if m.Champion == nil || len(m.Versions) != 1 || !m.Versions[0].Champion || m.Versions[0].Curves == nil || m.Versions[0].Config == "" {
			t.Errorf("model %s: champion %+v, versions %+v", m.Model, m.Champion, m.Versions)
		}
		var days []int
		for _, d := range m.Deployed {
			days = append(days, d.Version.Day)
		}
		want := map[string][]int{"ncf": {1, 3, 4, 6, 7}}[m.Model] // SS4Rec has no refresh
		if !slices.Equal(days, want) {
			t.Errorf("model %s: deployed versions of days %v, want %v", m.Model, days, want)
		}
		if m.Model == "ncf" && len(m.Deployed) == 5 {
			last := m.Deployed[4].Version
			if last.Parent != layout.ModelVersion("ncf", 6) || !slices.Equal(last.DaysSeen, []int{1, 3, 4, 6, 7}) || m.DeployedChart == nil {
				t.Errorf("ncf's version of day 7: parent %s, days seen %v, chart %v", last.Parent, last.DaysSeen, m.DeployedChart != nil)
			}
		}
	}
}

func eqPtr(a, b *float64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// An empty bucket is a page that says nothing happened yet, not an error.
func TestViewsOverAnEmptyBucket(t *testing.T) {
	h := New(Options{Bucket: blob.NewMem()}).Handler()
	for _, name := range []string{"status", "overview", "etl", "quality", "ab", "models"} {
		if rec := get(t, h, http.MethodGet, "/api/"+name, nil); rec.Code != http.StatusOK {
			t.Errorf("/api/%s on an empty bucket: %d %s", name, rec.Code, rec.Body.String())
		}
	}
}

// A document that does not decode is a 500 naming its key.
func TestUnreadableDocumentIsAnErrorNamingItsKey(t *testing.T) {
	b := blob.NewMem()
	key := "runs/etl-day/20261205T100417.792Z-5f8ec55b.json"
	if _, err := blob.PutBytes(context.Background(), b, key, []byte("{not json"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	rec := get(t, New(Options{Bucket: b}).Handler(), http.MethodGet, "/api/overview", nil)
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), key) {
		t.Errorf("got %d %s, want 500 naming %s", rec.Code, rec.Body.String(), key)
	}
}

func TestReadOnly(t *testing.T) {
	h := New(Options{Bucket: blob.NewMem()}).Handler()
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		for _, path := range []string{"/", "/api/status", "/api/events"} {
			if rec := get(t, h, m, path, nil); rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", m, path, rec.Code)
			}
		}
	}
	rec := get(t, h, http.MethodGet, "/", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "/static/app.js") {
		t.Errorf("GET /: %d", rec.Code)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("CSP %q does not keep the page to its own origin", csp)
	}
}

func TestToken(t *testing.T) {
	const token = "s3cret-token"
	h := New(Options{Bucket: blob.NewMem(), Token: token}).Handler()
	bearer := func(v string) http.Header { return http.Header{"Authorization": {"Bearer " + v}} }
	cookie := func(v string) http.Header { return http.Header{"Cookie": {tokenCookie + "=" + v}} }
	tests := []struct {
		name   string
		target string
		header http.Header
		want   int
	}{
		{"no token", "/api/status", nil, http.StatusUnauthorized},
		{"no token, page", "/", nil, http.StatusUnauthorized},
		{"wrong bearer", "/api/status", bearer("nope"), http.StatusUnauthorized},
		{"bearer", "/api/status", bearer(token), http.StatusOK},
		{"cookie", "/api/overview", cookie(token), http.StatusOK},
		{"wrong cookie", "/api/overview", cookie("nope"), http.StatusUnauthorized},
		{"query sets the cookie", "/?token=" + token, nil, http.StatusSeeOther},
		{"wrong query", "/?token=nope", nil, http.StatusForbidden},
		{"query elsewhere is not a token", "/api/status?token=" + token, nil, http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, http.MethodGet, tt.target, tt.header)
			if rec.Code != tt.want {
				t.Errorf("%s: %d, want %d", tt.target, rec.Code, tt.want)
			}
			if strings.Contains(rec.Body.String(), token) {
				t.Errorf("the answer shows the token: %s", rec.Body.String())
			}
			if tt.want == http.StatusSeeOther {
				c := rec.Result().Cookies()
				if len(c) != 1 || c[0].Name != tokenCookie || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
					t.Errorf("cookie %+v, want an HttpOnly SameSite=Strict %s", c, tokenCookie)
				}
				if loc := rec.Header().Get("Location"); loc != "/" {
					t.Errorf("redirect to %q, want / (the token off the address bar)", loc)
				}
			}
		})
	}
}

func TestCheckListen(t *testing.T) {
	tests := []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:8080", "", true},
		{"localhost:8080", "", true},
		{"[::1]:8080", "", true},
		{"0.0.0.0:8080", "", false},
		{":8080", "", false},
		{"192.168.1.10:8080", "", false},
		{"0.0.0.0:8080", "t", true},
		{"no-port", "", false},
	}
	for _, tt := range tests {
		err := CheckListen(tt.addr, tt.token)
		if (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, token %q) = %v, want ok %v", tt.addr, tt.token, err, tt.ok)
		}
		if err != nil && tt.addr != "no-port" && !errors.Is(err, ErrNeedsToken) {
			t.Errorf("CheckListen(%q): %v, want ErrNeedsToken", tt.addr, err)
		}
	}
}

// The event stream tells the current generation at once and a new one when an object lands.
func TestEventsTellAChange(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	b := blob.NewMem()
	s := New(Options{Bucket: b, Poll: 20 * time.Millisecond})
	go s.Watch(ctx)
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/api/events", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	events := readEvents(res.Body)
	first := <-events
	if _, err := blob.PutBytes(ctx, b, layout.ETLStatus, []byte("{}"), blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	for {
		select {
		case gen := <-events:
			if gen > first {
				return
			}
		case <-ctx.Done():
			t.Fatalf("no new generation after a put (first %d)", first)
		}
	}
}

// readEvents sends the data of each "generation" event.
func readEvents(r io.Reader) <-chan int {
	out := make(chan int, 16)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(r)
		event := ""
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: ") && event == "generation":
				var n int
				if _, err := fmt.Sscan(strings.TrimPrefix(line, "data: "), &n); err == nil {
					out <- n
				}
			}
		}
	}()
	return out
}
