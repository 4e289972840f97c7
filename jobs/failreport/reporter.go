package failreport

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/google/go-github/v62/github"
)

// Action is what the Reporter did, or would do in a dry run.
type Action string

// The actions.
const (
	Created      Action = "created"
	Commented    Action = "commented"
	WouldCreate  Action = "would-create"
	WouldComment Action = "would-comment"
	// WouldCreateOrComment: a dry run without a token, so no lookup was made.
	WouldCreateOrComment Action = "would-create-or-comment"
)

// Outcome is the result of one Report call.
type Outcome struct {
	Action      Action   `json:"action"`
	Repo        string   `json:"repo"`
	Fingerprint string   `json:"fingerprint"`
	Number      int      `json:"number,omitempty"` // the issue created or commented on
	URL         string   `json:"url,omitempty"`    // the issue or comment
	Title       string   `json:"title,omitempty"`  // set when an issue is (or would be) created
	Labels      []string `json:"labels,omitempty"`
	Body        string   `json:"body"` // the issue or comment body
}

// Reporter files Reports as GitHub issues of one repository.
type Reporter struct {
	// Client talks to the API. It may be nil only in a dry run: then no lookup is made.
	Client *github.Client
	Owner  string
	Repo   string
	Label  string // DefaultLabel when empty
	// DryRun reads (lists issues, when Client is set) but never writes.
	DryRun bool
	Retry  Retry // DefaultRetry when zero
	// Secrets are redacted from every body (the token, storage keys).
	Secrets []string
	Log     *slog.Logger // slog.Default when nil
}

// Report comments on the open issue carrying r's fingerprint, or opens one.
func (rp *Reporter) Report(ctx context.Context, r Report) (Outcome, error) {
	if err := r.Validate(); err != nil {
		return Outcome{}, err
	}
	if rp.Owner == "" || rp.Repo == "" {
		return Outcome{}, fmt.Errorf("%w: repository owner and name are required", ErrInvalidReport)
	}
	log := rp.logger()
	if rp.Client == nil {
		if !rp.DryRun {
			return Outcome{}, ErrNoToken
		}
		return rp.newIssue(r, WouldCreateOrComment), nil
	}
	retry := rp.Retry
	if retry == (Retry{}) {
		retry = DefaultRetry()
	}
	// The lookup and the write are retried together, so a create that failed with a 5xx
	// after GitHub stored it is found by the next lookup instead of being duplicated.
	var out Outcome
	op := func() error {
		o, err := rp.once(ctx, r)
		if err == nil {
			out = o
			return nil
		}
		if !Transient(err) {
			return backoff.Permanent(err)
		}
		waitSecondary(ctx, err, retry.Max)
		return err
	}
	notify := func(err error, d time.Duration) {
		log.Warn("GitHub API transient error; retrying", "err", Redact(err.Error(), rp.Secrets...), "after", d)
	}
	if err := backoff.RetryNotify(op, retry.backOff(ctx), notify); err != nil {
		return Outcome{}, fmt.Errorf("report %s to %s/%s: %w", r.Fingerprint(), rp.Owner, rp.Repo, err)
	}
	log.Info("failure reported", "action", out.Action, "fingerprint", out.Fingerprint, "issue", out.Number, "url", out.URL)
	return out, nil
}

func (rp *Reporter) label() string {
	if rp.Label == "" {
		return DefaultLabel
	}
	return rp.Label
}

func (rp *Reporter) newIssue(r Report, a Action) Outcome {
	return Outcome{
		Action: a, Repo: rp.Owner + "/" + rp.Repo, Fingerprint: r.Fingerprint(),
		Title: r.Title(), Labels: []string{rp.label()}, Body: r.IssueBody(rp.Secrets...),
	}
}

func (rp *Reporter) once(ctx context.Context, r Report) (Outcome, error) {
	found, err := rp.find(ctx, r)
	if err != nil {
		return Outcome{}, err
	}
	if found != nil {
		out := Outcome{
			Action: WouldComment, Repo: rp.Owner + "/" + rp.Repo, Fingerprint: r.Fingerprint(),
			Number: found.GetNumber(), URL: found.GetHTMLURL(), Body: r.CommentBody(rp.Secrets...),
		}
		if rp.DryRun {
			return out, nil
		}
		c, _, err := rp.Client.Issues.CreateComment(ctx, rp.Owner, rp.Repo, out.Number, &github.IssueComment{Body: &out.Body})
		if err != nil {
			return Outcome{}, fmt.Errorf("comment on issue #%d: %w", out.Number, err)
		}
		out.Action, out.URL = Commented, c.GetHTMLURL()
		return out, nil
	}
	out := rp.newIssue(r, WouldCreate)
	if rp.DryRun {
		return out, nil
	}
	is, _, err := rp.Client.Issues.Create(ctx, rp.Owner, rp.Repo, &github.IssueRequest{
		Title: &out.Title, Body: &out.Body, Labels: &out.Labels,
	})
	if err != nil {
		return Outcome{}, fmt.Errorf("create issue %q: %w", out.Title, err)
	}
	out.Action, out.Number, out.URL = Created, is.GetNumber(), is.GetHTMLURL()
	if !hasLabel(is.Labels, rp.label()) {
		// GitHub drops labels silently when the token may not set them; the lookup filters
		// by label, so the next failure would open another issue.
		rp.logger().Warn("the new issue lacks its label; later failures cannot find it",
			"issue", out.Number, "label", rp.label())
	}
	return out, nil
}

func hasLabel(labels []*github.Label, name string) bool {
	for _, l := range labels {
		if l.GetName() == name {
			return true
		}
	}
	return false
}

func (rp *Reporter) logger() *slog.Logger {
	if rp.Log == nil {
		return slog.Default()
	}
	return rp.Log
}

// find returns the oldest open issue with the label whose body carries r's marker,
// reading every page and skipping pull requests; nil when there is none.
func (rp *Reporter) find(ctx context.Context, r Report) (*github.Issue, error) {
	marker := r.Marker()
	opts := &github.IssueListByRepoOptions{
		State: "open", Labels: []string{rp.label()}, Sort: "created", Direction: "asc",
		ListOptions: github.ListOptions{PerPage: 100},
	}
	for {
		issues, resp, err := rp.Client.Issues.ListByRepo(ctx, rp.Owner, rp.Repo, opts)
		if err != nil {
			return nil, fmt.Errorf("list open %q issues (page %d): %w", rp.label(), max(opts.Page, 1), err)
		}
		for _, is := range issues {
			if !is.IsPullRequest() && strings.Contains(is.GetBody(), marker) {
				return is, nil
			}
		}
		if resp.NextPage == 0 {
			return nil, nil
		}
		opts.Page = resp.NextPage
	}
}
