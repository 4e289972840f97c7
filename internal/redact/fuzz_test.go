package redact_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/redact"
)

// FuzzURL plants a password in the userinfo of a URL, of an endpoint inside a
// URL's query (plain and escaped) and in a secret-named parameter: redact.URL's
// output never shows it, in any of its escaped forms. Seeds: testdata/fuzz/FuzzURL.
func FuzzURL(f *testing.F) {
	f.Add("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG", "127.0.0.1:9000", "prefix/x", uint8(0))
	f.Add("minio", "p@ss:w/rd?#&=", "host", "", uint8(1))
	f.Add("", "s3cr3tvalue", "h", "a@b", uint8(2))
	f.Add("u", "tok%2Fen", "bkt", "p", uint8(3))
	f.Fuzz(func(t *testing.T, user, pass, host, prefix string, form uint8) {
		if len(pass) < 6 || strings.ContainsAny(host+prefix, "?#") {
			return
		}
		ui := url.UserPassword(user, pass).String()
		// shown is what the output may hold besides the password: the URL with the
		// mark in its place, and escaped endpoints as URL shows them, unescaped.
		var before, planted, after, shown string
		switch form % 4 {
		case 0:
			before, planted, after = "s3://", ui, "@"+host+"/"+prefix
		case 1:
			before, planted, after = "s3://bkt/"+prefix+"?endpoint=http://", ui, "@"+host+"&region=r"
		case 2:
			before, planted, after = "s3://bkt/"+prefix+"?endpoint="+url.QueryEscape("http://"), url.QueryEscape(ui), url.QueryEscape("@"+host)
			shown = "s3://bkt/" + prefix + "?endpoint=http://" + redact.Redacted + "@" + host
		case 3:
			before, planted, after = "s3://bkt/"+prefix+"?region=r&aws_secret_access_key=", url.QueryEscape(pass), ""
		}
		u := before + planted + after
		forms := []string{pass, url.QueryEscape(pass), url.PathEscape(pass), url.UserPassword("", pass).String()[1:]}
		// A form of the password may show without a leak where the non-secret parts
		// hold it: in the URL without it, or in the output's other parts (shown).
		// Corpora 8a2f8820cc24c07f and a8dc6a8b8e59cd21: the host "00000+", escaped
		// "00000%2B" in the input, prints as "@00000+", which is QueryEscape of the
		// password "00000 "; the password itself was redacted, and the oracle, which
		// compared only with the escaped input, cried leak.
		innocent := []string{before + after, before + redact.Redacted + after, shown}
		for _, form := range forms {
			for _, text := range innocent {
				if strings.Contains(text, form) {
					return // the password also appears where it is no secret (host, prefix)
				}
			}
		}
		got := redact.URL(u)
		for _, form := range forms {
			if strings.Contains(got, form) {
				t.Fatalf("URL(%q) = %q shows the password %q", u, got, pass)
			}
		}
		if got != redact.URL(got) {
			t.Fatalf("URL is not idempotent: %q -> %q -> %q", u, got, redact.URL(got))
		}
	})
}
