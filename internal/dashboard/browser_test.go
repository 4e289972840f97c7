package dashboard

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/recpipe/recpipe/abtest"
	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// Environment of the browser test.
const (
	// envRequireChromium=1 fails the test where Chromium is missing (make test sets it).
	envRequireChromium = "RECPIPE_REQUIRE_CHROMIUM"
	// envChromium overrides the browser's path (default: chromium on PATH).
	envChromium = "CHROMIUM"
	// envScreenshots, when set to a folder, saves every page at desktop and phone widths there.
	envScreenshots = "RECPIPE_DASHBOARD_SCREENSHOTS"
	// envScreenshotBucket, with envScreenshots, makes TestScreenshotsOfBucket take them
	// over that bucket (e.g. file://$PWD/data after make demo) instead of the fixture.
	envScreenshotBucket = "RECPIPE_DASHBOARD_BUCKET"
)

// chromiumPath finds Debian's chromium, or skips the test (fails it under envRequireChromium).
func chromiumPath(t *testing.T) string {
	t.Helper()
	path := os.Getenv(envChromium)
	if path == "" {
		var err error
		if path, err = exec.LookPath("chromium"); err != nil {
			if os.Getenv(envRequireChromium) == "1" {
				t.Fatalf("chromium not found and %s=1 (install it: apt-get install -y chromium)", envRequireChromium)
			}
			t.Skipf("chromium not found (apt-get install -y chromium; %s=1 makes this a failure)", envRequireChromium)
		}
	}
	return path
}

// newBrowser starts headless Chromium with a fresh profile and networking features off;
// stop closes it.
func newBrowser(t *testing.T, ctx context.Context) (bctx context.Context, stop func()) {
	t.Helper()
	path := chromiumPath(t)
	// Not t.TempDir: Chromium's helper processes may still write to the profile for a
	// moment after the browser exits, which would fail the test at cleanup.
	profile, err := os.MkdirTemp("", "recpipe-dashboard-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(profile),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	stop = func() {
		cancelBrowser()
		cancelAlloc()
		for range 20 {
			if os.RemoveAll(profile) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Logf("could not remove the browser profile %s", profile)
	}
	if err := chromedp.Run(bctx); err != nil { // starts the browser
		stop()
		t.Fatalf("start chromium: %v", err)
	}
	return bctx, stop
}

// pageCheck is what one page must show once loaded.
type pageCheck struct {
	view   string
	texts  []string // in the page's rendered text
	charts int      // at least this many SVG charts drawn
}

// The dashboard in a real headless Chromium: each page over the fixture bucket shows
// its days, the verdict and its charts; then one more day is released into the bucket
// and the open overview shows it without a reload, and so does the open A/B page for
// the day after. Every request the page makes goes to the dashboard itself.
func TestBrowser(t *testing.T) {
	chromiumPath(t) // skip (or fail) before building the bucket
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b := newFixture(t)
	var sum abtest.Summary
	if err := blob.ReadJSON(ctx, b, layout.ABSummary, &sum); err != nil {
		t.Fatal(err)
	}
	verdict := sum.Cumulative.Verdict
	srv := New(Options{Bucket: b, Poll: 100 * time.Millisecond})
	go srv.Watch(ctx)
	hs := httptest.NewServer(srv.Handler())
	bctx, stop := newBrowser(t, ctx)
	defer func() { stop(); hs.Close() }() // the page's event stream ends with the browser
	var mu sync.Mutex
	var foreign []string
	chromedp.ListenTarget(bctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && !strings.HasPrefix(e.Request.URL, hs.URL+"/") {
			mu.Lock()
			foreign = append(foreign, e.Request.URL)
			mu.Unlock()
		}
	})
	if err := chromedp.Run(bctx, network.Enable(), chromedp.Navigate(hs.URL+"/#overview")); err != nil {
		t.Fatal(err)
	}

	pages := []pageCheck{
		{"overview", []string{"7 / 20", "5 passed, 2 failed", "A/B verdict", verdict, "quality-check", "Runs by function", "Needing attention",
			"Quality gates failed", "day 02", "rejected_share: observed"}, 0},
		{"etl", []string{"Rows released per day", "day 02", "rating off the 0.5-5.0 half-step scale", "17,abc,4.0,1000001234"}, 2},
		{"quality", []string{"Failed gates", "rejected_share: 0.01 / 0.005", "drift_rating_psi", "Drift against train"}, 4},
		{"ab", []string{verdict, "The cumulative verdict as it evolved", "rmse ★", "ndcg@10", "hit_rate@20", "Against the baselines", "history-aware-bias", "cold-start RMSE",
			"Against the bar: each model vs history-aware-bias", "scored by (deployed)", "deployed/ncf/day=06/version.json"}, 3},
		{"models", []string{"ncf", "ss4rec", "champion", "Training loss per epoch", "config.yaml",
			"Deployed versions (continuous training): 5", "deployed/ncf/day=06/version.json", "days folded in", "1, 3, 4, 6, 7"}, 3},
	}
	for _, p := range pages {
		showView(t, bctx, p.view)
		text := pageText(t, bctx)
		for _, want := range p.texts {
			if !strings.Contains(text, want) {
				t.Errorf("%s page lacks %q:\n%s", p.view, want, clip(text, 3000))
			}
		}
		var charts int
		if err := chromedp.Run(bctx, chromedp.Evaluate(`document.querySelectorAll('main svg.chart circle, main svg.chart rect').length > 0 ? document.querySelectorAll('main svg.chart').length : 0`, &charts)); err != nil {
			t.Fatal(err)
		}
		if charts < p.charts {
			t.Errorf("%s page draws %d charts with marks, want at least %d", p.view, charts, p.charts)
		}
	}
	var looks int // one point per evaluated day on the primary metric's chart
	showView(t, bctx, "ab")
	if err := chromedp.Run(bctx, chromedp.Evaluate(`document.querySelectorAll('[data-chart="ab-look-all"] circle').length`, &looks)); err != nil {
		t.Fatal(err)
	}
	if looks != len(sum.Cumulative.Days) {
		t.Errorf("the all-users look chart has %d points, want one per evaluated day (%d)", looks, len(sum.Cumulative.Days))
	}
	// Another metric picked: its own look chart, one point per evaluated day, and its
	// row marked in the verdict matrix.
	var picked string
	err := chromedp.Run(bctx,
		chromedp.SetValue(`#ab-metric`, "ndcg@10", chromedp.ByQuery),
		chromedp.Evaluate(`document.querySelector('#ab-metric').dispatchEvent(new Event('change'))`, nil),
		chromedp.Poll(`document.querySelectorAll('[data-chart="ab-look-ndcg@10-all"] circle').length`, &looks, chromedp.WithPollingInterval(50*time.Millisecond)),
		chromedp.Evaluate(`document.querySelector('table.matrix tr.chosen td.name').innerText`, &picked))
	if err != nil {
		t.Fatalf("pick ndcg@10: %v", err)
	}
	if looks != len(sum.Cumulative.Days) || picked != "ndcg@10" {
		t.Errorf("ndcg@10 picked: its look chart has %d points (want %d), the matrix marks %q", looks, len(sum.Cumulative.Days), picked)
	}
	if dir := os.Getenv(envScreenshots); dir != "" {
		screenshots(t, bctx, dir, pages)
	}

	// Live update: release day 8 while the overview is open; it must show it without a reload.
	showView(t, bctx, "overview")
	if err := chromedp.Run(bctx, chromedp.Evaluate(`window.__sameDocument = 'yes'`, nil)); err != nil {
		t.Fatal(err)
	}
	if err := newStages(t, b).releaseDay(ctx, fixtureDays+1); err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithTimeout(bctx, 30*time.Second)
	defer wcancel()
	err = chromedp.Run(wctx, chromedp.Poll(`document.querySelector('main').innerText.includes('8 / 20') &&
		document.querySelector('.strip [data-day="8"]').classList.contains('st-evaluated')`, nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("the overview did not show day 8 after its release: %v\n%s", err, clip(pageText(t, bctx), 2000))
	}
	var same string
	if err := chromedp.Run(bctx, chromedp.Evaluate(`window.__sameDocument || 'reloaded'`, &same)); err != nil {
		t.Fatal(err)
	}
	if same != "yes" {
		t.Errorf("the page was reloaded to show day 8")
	}

	// The A/B page open: day 9 released and evaluated shows as a new look in the
	// verdict matrix and a new point on the look chart (of ndcg@10, still picked),
	// without a reload.
	showView(t, bctx, "ab")
	if err := newStages(t, b).releaseDay(ctx, fixtureDays+2); err != nil {
		t.Fatal(err)
	}
	wctx9, wcancel9 := context.WithTimeout(bctx, 30*time.Second)
	defer wcancel9()
	err = chromedp.Run(wctx9, chromedp.Poll(`[...document.querySelectorAll('table.matrix th.day')].some(th => th.innerText === '9') &&
		document.querySelectorAll('[data-chart="ab-look-ndcg@10-all"] circle').length === `+fmt.Sprint(len(sum.Cumulative.Days)+2), nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("the A/B page did not show day 9 after its release: %v\n%s", err, clip(pageText(t, bctx), 2000))
	}
	if err := chromedp.Run(bctx, chromedp.Evaluate(`window.__sameDocument || 'reloaded'`, &same)); err != nil || same != "yes" {
		t.Errorf("the page was reloaded to show day 9 (%v)", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(foreign) > 0 {
		t.Errorf("the page requested URLs outside the dashboard: %v", foreign)
	}
}

// TestScreenshotsOfBucket saves the pages over a real bucket (README's screenshot:
// RECPIPE_DASHBOARD_BUCKET=file://./data RECPIPE_DASHBOARD_SCREENSHOTS=$PWD/shots after
// make demo). A relative file:// URL is read from the repository's root, as make
// dashboard reads it, so the pages show the bucket as a user's would.
func TestScreenshotsOfBucket(t *testing.T) {
	url, dir := os.Getenv(envScreenshotBucket), os.Getenv(envScreenshots)
	if url == "" || dir == "" {
		t.Skipf("set %s and %s to take screenshots of a bucket", envScreenshotBucket, envScreenshots)
	}
	if !filepath.IsAbs(dir) {
		t.Fatalf("%s=%s: give an absolute folder", envScreenshots, dir)
	}
	t.Chdir("../..") // the repository's root, where make dashboard runs
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := blob.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	srv := New(Options{Bucket: b})
	go srv.Watch(ctx)
	hs := httptest.NewServer(srv.Handler())
	bctx, stop := newBrowser(t, ctx)
	defer func() { stop(); hs.Close() }()
	if err := chromedp.Run(bctx, chromedp.Navigate(hs.URL+"/#overview")); err != nil {
		t.Fatal(err)
	}
	var pages []pageCheck
	for _, v := range []string{"overview", "etl", "quality", "ab", "models"} {
		pages = append(pages, pageCheck{view: v})
	}
	screenshots(t, bctx, dir, pages)
}

// showView opens view by its tab's hash (no reload) and waits until its data is drawn.
func showView(t *testing.T, bctx context.Context, view string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(bctx, 30*time.Second)
	defer cancel()
	err := chromedp.Run(ctx,
		chromedp.Evaluate(fmt.Sprintf(`location.hash = %q`, "#"+view), nil),
		chromedp.Poll(fmt.Sprintf(`window.dashboard && window.dashboard.view === %q && window.dashboard.data !== null &&
			document.querySelector('main').getAttribute('data-view') === %q`, view, view), nil, chromedp.WithPollingInterval(50*time.Millisecond)))
	if err != nil {
		t.Fatalf("%s page did not load: %v\n%s", view, err, clip(pageText(t, bctx), 2000))
	}
}

func pageText(t *testing.T, ctx context.Context) string {
	t.Helper()
	var text string
	if err := chromedp.Run(ctx, chromedp.Evaluate(`document.body.innerText`, &text)); err != nil {
		t.Fatal(err)
	}
	return text
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// screenshots saves each page, full length, at a desktop and a phone width.
func screenshots(t *testing.T, bctx context.Context, dir string, pages []pageCheck) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct {
		name   string
		w, h   int64
		mobile bool
	}{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}} {
		opts := []chromedp.EmulateViewportOption{chromedp.EmulateScale(1)}
		if size.mobile {
			opts = append(opts, chromedp.EmulateMobile)
		}
		if err := chromedp.Run(bctx, chromedp.EmulateViewport(size.w, size.h, opts...)); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			showView(t, bctx, p.view)
			var png []byte
			if err := chromedp.Run(bctx, chromedp.Sleep(150*time.Millisecond), chromedp.FullScreenshot(&png, 100)); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, p.view+"-"+size.name+".png")
			if err := os.WriteFile(path, png, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot %s", path)
		}
	}
	if err := chromedp.Run(bctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
}
