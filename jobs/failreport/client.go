package failreport

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/go-github/v62/github"
)

// NewClient returns a go-github client authenticated with token. apiURL is the REST API
// root (GITHUB_API_URL: https://api.github.com, or https://HOST/api/v3 on GitHub
// Enterprise Server, or a test server); empty means api.github.com. hc may be nil.
func NewClient(token, apiURL string, hc *http.Client) (*github.Client, error) {
	c := github.NewClient(hc)
	if token != "" {
		c = c.WithAuthToken(token)
	}
	if apiURL == "" {
		return c, nil
	}
	u, err := url.Parse(apiURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("GitHub API URL %q: not an absolute URL", apiURL)
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
	}
	c.BaseURL = u
	return c, nil
}

// SplitRepo splits "owner/name" (GITHUB_REPOSITORY).
func SplitRepo(repo string) (owner, name string, err error) {
	owner, name, ok := strings.Cut(repo, "/")
	if !ok || owner == "" || name == "" || strings.Contains(name, "/") {
		return "", "", fmt.Errorf("%w: repository %q is not owner/name (set --repo or GITHUB_REPOSITORY)", ErrInvalidReport, repo)
	}
	return owner, name, nil
}

// RunURL builds the Actions run link from GITHUB_SERVER_URL, GITHUB_REPOSITORY and
// GITHUB_RUN_ID as getenv returns them; it is empty when any is missing.
func RunURL(getenv func(string) string) string {
	server, repo, id := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
	if server == "" || repo == "" || id == "" {
		return ""
	}
	return strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + id
}
