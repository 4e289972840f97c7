package failreport

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxErrorBytes bounds the error text put in a body; the tail is kept (the end of a log
// is where the failure is).
const MaxErrorBytes = 6000

// IssueBody is the body of a new issue: the fingerprint marker first, then the facts.
func (r Report) IssueBody(secrets ...string) string {
	var b strings.Builder
	b.WriteString(r.Marker() + "\n")
	fmt.Fprintf(&b, "The pipeline job `%s` failed with `%s`.\n\n", r.Function, r.Kind)
	r.writeFacts(&b, secrets)
	b.WriteString("\nLater failures with the same fingerprint are added to this issue as comments. " +
		"Close it once fixed: the next failure of this kind opens a new issue.\n")
	return b.String()
}

// CommentBody is the comment added to an open issue for a repeated failure.
func (r Report) CommentBody(secrets ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "`%s` failed again with `%s`.\n\n", r.Function, r.Kind)
	r.writeFacts(&b, secrets)
	return b.String()
}

func (r Report) writeFacts(b *strings.Builder, secrets []string) {
	fmt.Fprintf(b, "- Run: %s\n", orNone(Redact(r.RunURL, secrets...)))
	rec := orNone(Redact(r.RunRecord, secrets...))
	if r.RunRecord != "" {
		rec = "`" + rec + "`"
	}
	if r.Bucket != "" {
		rec += " in `" + Redact(r.Bucket, secrets...) + "`"
	}
	fmt.Fprintf(b, "- Run record: %s\n", rec)
	text := strings.TrimRight(Redact(r.Error, secrets...), "\n")
	if text == "" {
		b.WriteString("- Error: (no error text given; see the run)\n")
		return
	}
	text, cut := tail(text, MaxErrorBytes)
	b.WriteString("- Error")
	if cut > 0 {
		fmt.Fprintf(b, " (last %d bytes; %d earlier bytes cut)", len(text), cut)
	}
	fence := fenceFor(text)
	fmt.Fprintf(b, ":\n\n%stext\n%s\n%s\n", fence, text, fence)
}

func orNone(s string) string {
	if s == "" {
		return "(none given)"
	}
	return s
}

// Redact replaces every secret of 4 or more bytes in s by "***".
func Redact(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, "***")
		}
	}
	return s
}

// tail keeps the last max bytes of s on a rune boundary and reports how many were cut.
func tail(s string, max int) (string, int) {
	if len(s) <= max {
		return s, 0
	}
	start := len(s) - max
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[start:], start
}

// fenceFor returns a backtick fence longer than any backtick run inside text.
func fenceFor(text string) string {
	longest, run := 0, 0
	for _, c := range text {
		if c == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", max(3, longest+1))
}
