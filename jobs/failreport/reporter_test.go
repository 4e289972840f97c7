package failreport

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-github/v62/github"
)

const testToken = "ghs_TESTTOKEN0123456789abcdef"

var fastRetry = Retry{Initial: time.Millisecond, Max: 5 * time.Millisecond, MaxElapsed: 5 * time.Second, MaxRetries: 3}

func sampleReport() Report {
	return Report{
		Function:  "etl-daily",
		Kind:      "etl-day-failed",
		Error:     "etl-day: read prepared/ml-latest-small/test.csv: object not found",
		RunURL:    "https://github.com/o/r/actions/runs/42",
		RunRecord: "runs/etl-day/20261126T020000Z-1a2b.json",
		Bucket:    "s3://recpipe/prod",
	}
}

func newReporter(t *testing.T, f *fakeGitHub, logs *bytes.Buffer) *Reporter {
	t.Helper()
	c, err := NewClient(f.token, f.srv.URL, f.srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if logs == nil {
		logs = &bytes.Buffer{}
	}
	return &Reporter{
		Client: c, Owner: "o", Repo: "r", Retry: fastRetry, Secrets: []string{f.token},
		Log: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

func TestFirstFailureOpensIssue(t *testing.T) {
	f := newFakeGitHub(t, testToken)
	out, err := newReporter(t, f, nil).Report(context.Background(), sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	if out.Action != Created || out.Number != 1 || out.URL != "https://github.test/o/r/issues/1" {
		t.Fatalf("outcome = %+v, want created #1", out)
	}
	reqs := f.recorded()
	if len(reqs) != 2 {
		t.Fatalf("got %d requests, want list then create: %+v", len(reqs), reqs)
	}
	list := reqs[0]
	if list.Method != "GET" || list.Path != "/repos/o/r/issues" {
		t.Errorf("first request = %s %s, want GET /repos/o/r/issues", list.Method, list.Path)
	}
	for k, want := range map[string]string{"state": "open", "labels": "pipeline-failure", "sort": "created", "direction": "asc", "per_page": "100"} {
		if got := list.Query.Get(k); got != want {
			t.Errorf("list query %s = %q, want %q", k, got, want)
		}
	}
	create := reqs[1]
	if create.Method != "POST" || create.Path != "/repos/o/r/issues" {
		t.Fatalf("second request = %s %s, want POST /repos/o/r/issues", create.Method, create.Path)
	}
	if got := create.Body["title"]; got != "[pipeline] etl-daily failed: etl-day-failed" {
		t.Errorf("title = %q", got)
	}
	if labels, _ := create.Body["labels"].([]any); len(labels) != 1 || labels[0] != "pipeline-failure" {
		t.Errorf("labels = %v, want [pipeline-failure]", create.Body["labels"])
	}
	body, _ := create.Body["body"].(string)
	golden(t, "issue_body.golden", body)
	for _, want := range []string{"<!-- fingerprint: etl-daily/etl-day-failed -->", "https://github.com/o/r/actions/runs/42", "runs/etl-day/20261126T020000Z-1a2b.json"} {
		if !strings.Contains(body, want) {
			t.Errorf("issue body lacks %q", want)
		}
	}
}

func TestSecondFailureComments(t *testing.T) {
	f := newFakeGitHub(t, testToken)
	rp := newReporter(t, f, nil)
	ctx := context.Background()
	if _, err := rp.Report(ctx, sampleReport()); err != nil {
		t.Fatal(err)
	}
	again := sampleReport()
	again.RunURL = "https://github.com/o/r/actions/runs/43"
	out, err := rp.Report(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	if out.Action != Commented || out.Number != 1 {
		t.Fatalf("outcome = %+v, want commented on #1", out)
	}
	if n := f.count("POST", "/repos/o/r/issues"); n != 1 {
		t.Errorf("%d issues created, want 1", n)
	}
	if n := f.count("POST", "/repos/o/r/issues/1/comments"); n != 1 {
		t.Fatalf("%d comments posted on #1, want 1", n)
	}
	golden(t, "comment_body.golden", f.comments[1][0])
	if !strings.Contains(f.comments[1][0], "actions/runs/43") {
		t.Errorf("comment does not link the second run: %q", f.comments[1][0])
	}
}

// TestWhichIssueMatches: only an OPEN, non-PR issue with the exact fingerprint counts.
func TestWhichIssueMatches(t *testing.T) {
	marker := sampleReport().Marker()
	tests := []struct {
		name     string
		existing []fakeIssue
		want     Action
		number   int
	}{
		{"closed issue leads to a new one", []fakeIssue{{Body: marker, Labels: []string{DefaultLabel}, State: "closed"}}, Created, 2},
		{"pull request with the label is ignored", []fakeIssue{{Body: marker, Labels: []string{DefaultLabel}, State: "open", PR: true}}, Created, 2},
		{"other kind is another issue", []fakeIssue{{Body: "<!-- fingerprint: etl-daily/etl-day-failed-2 -->", Labels: []string{DefaultLabel}, State: "open"}}, Created, 2},
		{"fingerprint without the label is not ours", []fakeIssue{{Body: marker, Labels: []string{"bug"}, State: "open"}}, Created, 2},
		{"oldest open match wins", []fakeIssue{
			{Body: marker, Labels: []string{DefaultLabel}, State: "closed"},
			{Body: "intro\n" + marker, Labels: []string{"x", DefaultLabel}, State: "open"},
			{Body: marker, Labels: []string{DefaultLabel}, State: "open"},
		}, Commented, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, testToken)
			for _, is := range tt.existing {
				f.add(is)
			}
			out, err := newReporter(t, f, nil).Report(context.Background(), sampleReport())
			if err != nil {
				t.Fatal(err)
			}
			if out.Action != tt.want || out.Number != tt.number {
				t.Errorf("outcome = %s #%d, want %s #%d", out.Action, out.Number, tt.want, tt.number)
			}
		})
	}
}

func TestPagination(t *testing.T) {
	f := newFakeGitHub(t, testToken)
	f.pageSize = 2
	for i := range 5 {
		f.add(fakeIssue{Body: "<!-- fingerprint: other/kind-" + string(rune('a'+i)) + " -->", Labels: []string{DefaultLabel}, State: "open"})
	}
	f.add(fakeIssue{Body: sampleReport().Marker(), Labels: []string{DefaultLabel}, State: "open"})
	out, err := newReporter(t, f, nil).Report(context.Background(), sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	if out.Action != Commented || out.Number != 6 {
		t.Fatalf("outcome = %s #%d, want commented on #6 (third page)", out.Action, out.Number)
	}
	var pages []string
	for _, r := range f.recorded() {
		if r.Method == "GET" {
			pages = append(pages, r.Query.Get("page"))
		}
	}
	if strings.Join(pages, ",") != ",2,3" {
		t.Errorf("list pages requested = %q, want first, 2, 3", pages)
	}
}

func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name      string
		route     string
		failures  []failure
		wantErr   bool
		status    int // of the returned *github.ErrorResponse, when wantErr
		wantLists int
	}{
		{"500 on list is retried, then reported", "GET /repos/o/r/issues",
			repeat(failure{500, `{"message":"boom"}`}, 10), true, 500, 1 + int(fastRetry.MaxRetries)},
		{"403 forbidden is reported at once", "GET /repos/o/r/issues",
			[]failure{{403, `{"message":"Resource not accessible by integration"}`}}, true, 403, 1},
		{"403 on create is reported", "POST /repos/o/r/issues",
			[]failure{{403, `{"message":"Resource not accessible by integration"}`}}, true, 403, 1},
		{"422 on create is reported", "POST /repos/o/r/issues",
			[]failure{{422, `{"message":"Validation Failed"}`}}, true, 422, 1},
		{"secondary rate limit is retried", "GET /repos/o/r/issues",
			[]failure{{403, secondaryLimitBody}}, false, 0, 2},
		{"502 on create retries the lookup too", "POST /repos/o/r/issues",
			[]failure{{502, `{"message":"bad gateway"}`}}, false, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeGitHub(t, testToken)
			f.failNext(tt.route, tt.failures...)
			out, err := newReporter(t, f, nil).Report(context.Background(), sampleReport())
			if got := f.count("GET", "/repos/o/r/issues"); got != tt.wantLists {
				t.Errorf("%d list requests, want %d", got, tt.wantLists)
			}
			if !tt.wantErr {
				if err != nil || out.Action != Created {
					t.Fatalf("Report = %+v, %v; want created", out, err)
				}
				return
			}
			var er *github.ErrorResponse
			if !errors.As(err, &er) || er.Response.StatusCode != tt.status {
				t.Fatalf("err = %v, want a %d ErrorResponse", err, tt.status)
			}
			if !strings.Contains(err.Error(), "etl-daily/etl-day-failed") {
				t.Errorf("error %q does not name the fingerprint", err)
			}
			if len(f.issues) != 0 {
				t.Errorf("an issue was created despite the error")
			}
		})
	}
}

func repeat(f failure, n int) []failure {
	out := make([]failure, n)
	for i := range out {
		out[i] = f
	}
	return out
}

func TestDryRun(t *testing.T) {
	t.Run("with token: reads, never writes", func(t *testing.T) {
		f := newFakeGitHub(t, testToken)
		f.add(fakeIssue{Body: sampleReport().Marker(), Labels: []string{DefaultLabel}, State: "open"})
		rp := newReporter(t, f, nil)
		rp.DryRun = true
		out, err := rp.Report(context.Background(), sampleReport())
		if err != nil {
			t.Fatal(err)
		}
		if out.Action != WouldComment || out.Number != 1 {
			t.Errorf("outcome = %s #%d, want would-comment #1", out.Action, out.Number)
		}
		for _, r := range f.recorded() {
			if r.Method != "GET" {
				t.Errorf("dry run sent %s %s", r.Method, r.Path)
			}
		}
	})
	t.Run("without token: no request at all", func(t *testing.T) {
		rp := &Reporter{Owner: "o", Repo: "r", DryRun: true}
		out, err := rp.Report(context.Background(), sampleReport())
		if err != nil {
			t.Fatal(err)
		}
		if out.Action != WouldCreateOrComment || out.Title == "" || !strings.Contains(out.Body, sampleReport().Marker()) {
			t.Errorf("outcome = %+v", out)
		}
		var text bytes.Buffer
		if err := out.WriteText(&text); err != nil {
			t.Fatal(err)
		}
		golden(t, "dry_run.golden", text.String())
	})
	t.Run("without token, not dry: ErrNoToken", func(t *testing.T) {
		_, err := (&Reporter{Owner: "o", Repo: "r"}).Report(context.Background(), sampleReport())
		if !errors.Is(err, ErrNoToken) {
			t.Errorf("err = %v, want ErrNoToken", err)
		}
	})
}

// TestTokenNeverPrinted: the token reaches the Authorization header and nothing else,
// even when the error text or an API error carries it.
func TestTokenNeverPrinted(t *testing.T) {
	f := newFakeGitHub(t, testToken)
	f.failNext("GET /repos/o/r/issues", failure{500, `{"message":"upstream said ` + testToken + `"}`})
	var logs, out bytes.Buffer
	rp := newReporter(t, f, &logs)
	r := sampleReport()
	r.Error = "curl -H 'Authorization: token " + testToken + "' failed"
	for _, dry := range []bool{false, true, false} {
		rp.DryRun = dry
		o, err := rp.Report(context.Background(), r)
		if err != nil {
			t.Fatal(err)
		}
		if err := o.WriteText(&out); err != nil {
			t.Fatal(err)
		}
	}
	if f.count("POST", "/repos/o/r/issues/1/comments") != 1 {
		t.Fatalf("expected create, dry run, comment; got %+v", f.recorded())
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("the 500 was not logged as retried: %s", logs.String())
	}
	for _, req := range f.recorded() {
		if req.Auth != "Bearer "+testToken {
			t.Errorf("%s %s: Authorization = %q, want the token", req.Method, req.Path, req.Auth)
		}
		if strings.Contains(req.Raw, testToken) {
			t.Errorf("%s %s: request body carries the token: %s", req.Method, req.Path, req.Raw)
		}
	}
	for name, s := range map[string]string{"logs": logs.String(), "output": out.String()} {
		if strings.Contains(s, testToken) {
			t.Errorf("%s carry the token:\n%s", name, s)
		}
	}
	if !strings.Contains(out.String(), "Authorization: token ***") {
		t.Errorf("the error text was not kept (redacted) in the output:\n%s", out.String())
	}
}

func TestTransient(t *testing.T) {
	resp := func(code int) *http.Response { return &http.Response{StatusCode: code} }
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"500", &github.ErrorResponse{Response: resp(500)}, true},
		{"503 wrapped", errorsJoin(&github.ErrorResponse{Response: resp(503)}), true},
		{"404", &github.ErrorResponse{Response: resp(404)}, false},
		{"secondary", &github.AbuseRateLimitError{Response: resp(403)}, true},
		{"primary", &github.RateLimitError{Response: resp(403)}, false},
		{"canceled", context.Canceled, false},
		{"plain", errors.New("x"), false},
	}
	for _, tt := range tests {
		if got := Transient(tt.err); got != tt.want {
			t.Errorf("%s: Transient = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func errorsJoin(err error) error { return errors.Join(errors.New("list"), err) }

func TestDroppedLabelIsWarned(t *testing.T) {
	for _, drop := range []bool{false, true} {
		f := newFakeGitHub(t, testToken)
		f.dropLabels = drop
		var logs bytes.Buffer
		if _, err := newReporter(t, f, &logs).Report(context.Background(), sampleReport()); err != nil {
			t.Fatal(err)
		}
		if warned := strings.Contains(logs.String(), "lacks its label"); warned != drop {
			t.Errorf("labels dropped = %v, warned = %v:\n%s", drop, warned, logs.String())
		}
	}
}
