package dashboard

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// ErrNeedsToken: the dashboard would listen off loopback without a token.
var ErrNeedsToken = errors.New("listening off loopback needs a token")

// tokenCookie carries the token for the page's own requests (EventSource cannot set
// headers); opening /?token=... sets it.
const tokenCookie = "recpipe_dashboard_token"

// CheckListen refuses an address that is not loopback when token is empty: the
// dashboard shows the whole pipeline's state, so anyone who can reach it off this
// machine must prove they may. "localhost" counts as loopback; an empty host or
// 0.0.0.0 (every interface) does not.
func CheckListen(addr, token string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", addr, err)
	}
	if token != "" || isLoopback(host) {
		return nil
	}
	return fmt.Errorf("listen address %q is not loopback: %w (set %s)", addr, ErrNeedsToken, EnvToken)
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// requireToken lets a request through when token is empty or the request carries it:
// "Authorization: Bearer <token>", or the cookie. GET /?token=<token> sets the cookie
// and redirects to / so that the token leaves the address bar and the history.
func requireToken(token string, next http.Handler) http.Handler {
	if token == "" {
		return next
	}
	ok := func(got string) bool { return subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1 }
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if q := r.URL.Query().Get("token"); q != "" && r.URL.Path == "/" {
			if !ok(q) {
				http.Error(w, "wrong token", http.StatusForbidden)
				return
			}
			http.SetCookie(w, &http.Cookie{Name: tokenCookie, Value: url.QueryEscape(token), Path: "/",
				HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if auth, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found && ok(auth) {
			next.ServeHTTP(w, r)
			return
		}
		if c, err := r.Cookie(tokenCookie); err == nil {
			if v, err := url.QueryUnescape(c.Value); err == nil && ok(v) {
				next.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="recpipe dashboard"`)
		http.Error(w, "this dashboard needs its token: open /?token=... or send Authorization: Bearer ...", http.StatusUnauthorized)
	})
}

// readOnly answers 405 to anything but GET and HEAD: the dashboard has no write action.
func readOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "the dashboard is read-only", http.StatusMethodNotAllowed)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// securityHeaders: the page loads nothing from elsewhere (the CSP enforces it), is
// never framed, and content types are not sniffed.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}
