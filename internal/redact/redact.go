package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces every secret value.
const Redacted = "[REDACTED]"

// secretName matches attribute keys, flag, header and parameter names that name a secret.
var secretName = regexp.MustCompile(`(?i)(token|secret|passw(or)?d|pwd|auth(orization)?$|authorization|credential|cookie|api[-_.]?key|access[-_.]?key|key[-_.]?id|private[-_.]?key|signature)`)

// IsSecretName reports whether an attribute, flag, header or parameter name names a secret.
func IsSecretName(name string) bool { return secretName.MatchString(name) }

// URL returns the URL s fit to print or record. Redacted are the userinfo
// (scheme://user:password@) of s and of every URL inside it, the value of every query
// or fragment parameter whose name names a secret, and, recursively, the same in every
// escaped parameter value that is itself a URL, as in
// s3://b?endpoint=http%3A%2F%2FKEY%3ASECRET%40host. Where a password holds characters
// that should have been escaped ('/', '?', '&', '@'), more is redacted rather than less.
// Anything else is kept as written.
func URL(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return userinfo(parameters(s))
}

// parameters redacts the secret parameters of the query and the fragment of s.
func parameters(s string) string {
	i := strings.Index(s, "://") + 3
	end := strings.IndexAny(s[i:], "?#")
	if end < 0 {
		return s
	}
	var b strings.Builder
	b.WriteString(s[:i+end])
	tail := s[i+end:]
	for tail != "" {
		sep, part := tail[0], tail[1:] // sep is '?' or '#'
		next := len(part)
		if sep == '?' {
			if j := strings.IndexByte(part, '#'); j >= 0 {
				next = j
			}
		}
		b.WriteByte(sep)
		b.WriteString(params(part[:next]))
		tail = part[next:]
	}
	return b.String()
}

// userinfo redacts, after every "://" in s, everything up to the last '@' before the
// next "://" when it looks like userinfo: it holds a ':'
// (user:password, whatever follows) or none of '/', '?', '#' (user@host). An '@' in a
// path or a query (file:///data@2024, ?owner=me@example.com) is left alone. White
// space does not end the region: s is one URL (Text cuts URLs out of free text), and
// white space in it comes from a parameter value shown unescaped
// (endpoint=http://a%20b:pw&x@h), which must not hide the '@' after it.
func userinfo(s string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, "://")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i+3])
		s = s[i+3:]
		region := s
		if j := strings.Index(region, "://"); j >= 0 {
			region = region[:j]
		}
		at := strings.LastIndexByte(region, '@')
		if at <= 0 {
			continue
		}
		if seg := region[:at]; strings.Contains(seg, ":") || !strings.ContainsAny(seg, "/?#") {
			b.WriteString(Redacted)
			s = s[at:]
		}
	}
}

// value redacts a parameter value that is a URL, or user:password@host without a scheme.
func value(v string) string {
	if strings.Contains(v, "://") {
		return URL(v)
	}
	if at := strings.LastIndexByte(v, '@'); at > 0 && strings.Contains(v[:at], ":") {
		return Redacted + v[at:]
	}
	return v
}

// params redacts the secret values of a query or fragment "k=v&k=v".
func params(q string) string {
	pairs := strings.Split(q, "&")
	for i, p := range pairs {
		k, v, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if IsSecretName(name) {
			pairs[i] = k + "=" + Redacted
			continue
		}
		if r := value(v); r != v { // as written: an unescaped URL keeps its escapes
			pairs[i] = k + "=" + r
			continue
		}
		if val, err := url.QueryUnescape(v); err == nil && val != v {
			if r := value(val); r != val { // escaped: shown unescaped, redacted
				pairs[i] = k + "=" + r
			}
		}
	}
	return strings.Join(pairs, "&")
}

var (
	// a URL in free text: scheme://, then anything up to white space or a quote.
	urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>` + "`" + `]+`)
	// name=value or name: value pairs whose name names a secret (query strings, env
	// dumps, headers quoted in error texts).
	secretPair = regexp.MustCompile(`(?i)((?:[A-Za-z0-9_.-]*(?:token|secret|passw(?:or)?d|api[-_.]?key|access[-_.]?key|key[-_.]?id|signature)[A-Za-z0-9_.-]*)"?(?:=|:\s*))("[^"]*"|[^&\s"',;)\]}]+)`)
	// Authorization headers quoted in error texts: "Bearer abc", "Basic xyz", AWS4 signatures.
	authScheme = regexp.MustCompile(`(?i)\b(Bearer|Basic|AWS4-HMAC-SHA256)\s+[^\s"',;)\]}]+`)
	// Authorization header values whatever their scheme ("Authorization: token abc").
	authHeader = regexp.MustCompile(`(?i)(authorization"?\s*[:=]\s*"?)(?:[A-Za-z0-9-]+\s+)?[^\s"',;)\]}]+`)
)

// Text removes secrets from free text: every URL in it goes through URL, then
// name=value pairs whose name names a secret and Authorization header values are
// redacted.
//
// Text is idempotent: a URL's trailing punctuation (the colon of "open URL: ...")
// stays outside it, and a value already Redacted is left as it is.
func Text(s string) string {
	s = urlInText.ReplaceAllStringFunc(s, func(u string) string {
		t := strings.TrimRight(u, ".,:;!?)")
		return URL(t) + u[len(t):]
	})
	s = redactValues(secretPair, s, "")
	s = redactValues(authHeader, s, "")
	s = redactValues(authScheme, s, " ")
	return s
}

// Args returns a command line fit for a log or run record: values of flags that
// name a secret ("--token X", "-password=X") and secrets inside other args are redacted.
func Args(args []string) []string {
	out := make([]string, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			out[i] = Text(a)
			continue
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case !IsSecretName(name):
			out[i] = Text(a)
		case hasValue:
			out[i] = a[:strings.Index(a, "=")+1] + Redacted
		default:
			out[i] = a
			if i+1 < len(args) {
				i++
				out[i] = Redacted
			}
		}
	}
	return out
}

// redactValues replaces, in every match of re, what follows its first group with
// sep+Redacted, leaving a value that is Redacted already as it is.
func redactValues(re *regexp.Regexp, s, sep string) string {
	return re.ReplaceAllStringFunc(s, func(m string) string {
		name := re.FindStringSubmatch(m)[1]
		if v := strings.TrimLeft(m[len(name):], " \t"); strings.HasPrefix(v, "[") && strings.HasPrefix(Redacted, v) {
			return m
		}
		return name + sep + Redacted
	})
}
