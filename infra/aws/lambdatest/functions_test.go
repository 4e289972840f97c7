package lambdatest

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/faultproxy"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs"
)

// function is one Lambda function under test: the objects whose events start it, and
// the prefix its outputs go under.
type function struct {
	name    string
	event   func(day int) string // the key whose creation starts the day's run
	outputs string
}

var functions = []function{
	{jobs.QualityCheck, func(d int) string { return layout.ETLManifest(layout.Day(d)) }, layout.QualityPrefix},
	{jobs.ABEval, func(d int) string { return layout.QualityReport(layout.Day(d)) }, layout.ABPrefix},
	{jobs.Retrain, func(d int) string { return layout.ABResult(layout.Day(d)) }, layout.DeployedPrefix},
}

// timeoutForTest is the function timeout of the emulator that checks what a timeout
// does (the template's are minutes): long enough for a cold start to reach its first
// output write on a loaded machine, where the proxy holds it.
const timeoutForTest = 6 * time.Second

// TestFunctionsUnderEmulator runs quality-check, ab-eval and retrain, from the zips of make
// lambda, under the Lambda Runtime Interface Emulator on ml-latest-small prepared with
// the command-line tools (prepare, tiny NCF and SS4Rec champions trained by
// train-gpu). Days 1..3 are released one after the other with etl-day, as the
// pipeline does; each day's event goes to quality-check, then its report's event to
// ab-eval, then its A/B result's event to retrain, and the command line does the same on a copy of the inputs. For each
// function:
//   - day 1 (a cold start): the day's event, batched with records for another bucket
//     and another key prefix, runs once and writes byte for byte what the command
//     line writes (the other two records are ignored); the same event again runs
//     nothing and changes nothing;
//   - day 2: an event whose runs keep failing returns an error payload (so Lambda's
//     retries and on-failure destination see it) after the runtime's own retries,
//     leaves no output, and is marked given up (Lambda's retry of it fails without a
//     run); the day's event whose first run fails succeeds through the runtime's
//     retry, and its outputs equal the command line's;
//   - day 3: a run held at its first output write past its timeout is reported as
//     timed out and leaves no output, no event marker and no process; Lambda's retry
//     succeeds;
//   - the function writes nothing outside its /tmp (strace), leaves its task folder
//     as unpacked and its /tmp empty after each run, and prints no secret.
func TestFunctionsUnderEmulator(t *testing.T) {
	tl := needTools(t)
	s := newSite(t)
	s.prepare(t, tl)
	g := &gate{}
	proxy, err := faultproxy.Start(s.srv.Endpoint, faultproxy.Config{Plan: g.plan})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(proxy.Close)
	var fns []*underTest
	for _, f := range functions {
		fns = append(fns, &underTest{function: f, top: t, tl: tl, s: s, g: g, fn: emulated(t, s, f.name, proxy.URL())})
	}
	days := []func(*underTest, *testing.T){(*underTest).day1, (*underTest).day2, (*underTest).day3}
	if n, err := strconv.Atoi(os.Getenv(EnvDays)); err == nil && n >= 1 && n < len(days) {
		days = days[:n]
	}
	for i, day := range days {
		s.release(t, tl, i+1)
		for _, u := range fns {
			if !t.Run(fmt.Sprintf("%s/day%d", u.name, i+1), func(t *testing.T) { day(u, t) }) {
				t.Fatalf("%s day %d failed: what follows depends on its outputs", u.name, i+1)
			}
		}
	}
	for _, u := range fns {
		t.Run(u.name+"/disk", u.checkDisk)
		u.report(t)
	}
}

// underTest is one function and what the days did with it.
type underTest struct {
	function
	top    *testing.T // the emulators live as long as it
	tl     tools
	s      *site
	g      *gate
	fn     Function
	emu    *Emulator   // the function as the template configures it
	slow   *Emulator   // the same with timeoutForTest, for day 3
	cold   *Invocation // day 1's
	dup    *Invocation // day 1's again: a warm round trip that runs nothing
	second *Invocation // day 2's: one failed run and the runtime's retry
	late   *Invocation // day 3's retry after the timeout
	runs   []*jobs.Record
}

// emulated is the function's settings from the template, with the bucket URL pointing
// at the test MinIO through the proxy.
func emulated(t testing.TB, s *site, name, endpoint string) Function {
	t.Helper()
	fn, err := TemplateFunction(name, map[string]string{"BucketName": s.bucket, "KeyPrefix": lambdaPrefix})
	if err != nil {
		t.Fatal(err)
	}
	want := "s3://" + s.bucket + "/" + lambdaPrefix
	if fn.Env["BUCKET_URL"] != want {
		t.Fatalf("the template gives %s BUCKET_URL=%q, want %q", name, fn.Env["BUCKET_URL"], want)
	}
	fn.Env["BUCKET_URL"] += "?" + url.Values{"endpoint": {endpoint}, "region": {s.srv.Region}}.Encode()
	return fn
}

// start starts fn's emulator; it is stopped, and its output checked for the secret
// key, when the whole test ends.
func (u *underTest) start(t *testing.T, fn Function) *Emulator {
	t.Helper()
	s := u.s
	e, err := Start(context.Background(), Options{
		RIE: u.tl.rie, Zip: filepath.Join(u.tl.dist, fn.Name+".zip"), Function: fn, Dir: u.top.TempDir(), Strace: u.tl.strace,
		Env: map[string]string{
			"AWS_ACCESS_KEY_ID": s.srv.AccessKey, "AWS_SECRET_ACCESS_KEY": s.srv.SecretKey, "AWS_REGION": s.srv.Region,
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	t = u.top
	t.Cleanup(func() {
		if err := e.Close(); err != nil {
			t.Error(err)
		}
		if strings.Contains(e.Output(), s.srv.SecretKey) {
			t.Errorf("the secret access key appears in the output of %s", fn.Name)
		}
		if t.Failed() {
			t.Logf("emulator output of %s:\n%s", fn.Name, tail(e.Output(), 8000))
		}
	})
	return e
}

func (u *underTest) body(t *testing.T, objs ...Object) []byte {
	t.Helper()
	body, err := S3Event(time.Now(), objs...)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func (u *underTest) invoke(t *testing.T, e *Emulator, body []byte) *Invocation {
	t.Helper()
	inv, err := e.Invoke(t.Context(), body)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// mustRun fails the test unless inv succeeded and left the function's /tmp empty.
func (u *underTest) mustRun(t *testing.T, inv *Invocation, what string) {
	t.Helper()
	if !inv.OK() {
		t.Fatalf("%s: %s\n%s", what, inv, tail(inv.Log, 4000))
	}
	if left, err := u.emu.TmpFiles(); err != nil || len(left) > 0 {
		t.Errorf("%s left %v in /tmp (err %v)", what, left, err)
	}
}

// onlyRun returns the one run record written since before, for the event of key.
func (u *underTest) onlyRun(t *testing.T, before map[string]*jobs.Record, key string) {
	t.Helper()
	runs := newRecords(before, u.s.runRecords(t, u.name))
	if len(runs) != 1 {
		t.Fatalf("%d new run records for %s, want 1", len(runs), key)
	}
	r := runs[0]
	if r.Status != jobs.StatusOK || r.Trigger.Kind != "event" || r.Trigger.Event == nil || r.Trigger.Event.Key != key {
		t.Fatalf("run %s: status %s, trigger %+v; want ok for the event of %s", r.ID, r.Status, r.Trigger, key)
	}
	u.runs = append(u.runs, r)
}

// sameAsCLI runs the command line on day d and compares the two sides.
func (u *underTest) sameAsCLI(t *testing.T, d int) {
	t.Helper()
	runCLI(t, u.tl, u.s, u.name, "--day", fmt.Sprint(d))
	t.Logf("day %d: %d objects byte for byte equal on both sides", d, u.s.sameOutputs(t))
}

// day1: a cold start on a batch with two records to ignore, then a duplicate.
func (u *underTest) day1(t *testing.T) {
	s := u.s
	u.g.set(gatePass, s.bucket, lambdaPrefix+u.outputs)
	u.emu = u.start(t, u.fn)
	k := u.event(1)
	copyTo(t, s, lambdaPrefix+k, k) // outside the key prefix: running it would succeed
	root := s.object(t, k)
	root.Key = k
	other := s.object(t, k) // another bucket, another ETag: running it would be a new run
	other.Bucket, other.ETag = s.bucket+"-elsewhere", md5hex("elsewhere")
	before := s.runRecords(t, u.name)
	u.cold = u.invoke(t, u.emu, u.body(t, s.object(t, k), other, root))
	u.mustRun(t, u.cold, "day 1")
	u.onlyRun(t, before, k)
	u.sameAsCLI(t, 1)

	state := s.state(t, lambdaPrefix)
	u.dup = u.invoke(t, u.emu, u.body(t, s.object(t, k)))
	u.mustRun(t, u.dup, "day 1 again")
	if after := s.state(t, lambdaPrefix); !maps.Equal(state, after) {
		t.Fatalf("the redelivered day 1 event changed the bucket: %v", diffKeys(state, after))
	}
}

// day2: first an earlier version of the day's object (another ETag, as an event
// delayed past an overwrite carries) whose output writes keep failing: the runtime
// retries it within the invocation (jobs.DefaultRetryPolicy), gives up, marks the event
// failed for good and returns an error payload, which Lambda's retries and on-failure
// destination see; Lambda's retry of it then fails at once without a run (jobs: a
// given-up event is final). Then the day's event meets writes that fail for one run:
// the runtime retries it within the invocation, which succeeds, and the outputs equal
// the command line's.
func (u *underTest) day2(t *testing.T) {
	s := u.s
	k := u.event(2)
	older := s.object(t, k)
	older.ETag = md5hex("an earlier version of " + k)
	evOld := u.body(t, older)
	state := s.state(t, lambdaPrefix)
	u.g.set(gateFail, s.bucket, lambdaPrefix+u.outputs)
	failed := u.invoke(t, u.emu, evOld)
	u.g.set(gatePass, s.bucket, lambdaPrefix+u.outputs)
	if failed.Err == nil {
		t.Fatalf("day 2 (earlier version) with failing writes: %s, want an error payload", failed)
	}
	t.Logf("day 2 (earlier version), writes failing: error payload %s after %s: %.160s",
		failed.Err.Type, failed.Elapsed.Round(time.Millisecond), failed.Err.Message)
	marker := layout.EventMarker(u.name, k, older.ETag)
	var m jobs.Marker
	if err := blob.ReadJSON(t.Context(), s.lambda, marker, &m); err != nil || !m.GaveUp || m.Status != jobs.StatusFailed {
		t.Fatalf("event marker of the given-up event: %+v, %v; want status failed, gave up", m, err)
	}
	noOutputChange(t, s, u.function, state, "the failed day 2 run", marker)
	before := s.runRecords(t, u.name)
	again := u.invoke(t, u.emu, evOld)
	if again.Err == nil || len(newRecords(before, s.runRecords(t, u.name))) != 0 {
		t.Fatalf("Lambda's retry of the given-up event: %s with %d new runs, want an error payload and no run",
			again, len(newRecords(before, s.runRecords(t, u.name))))
	}

	before = s.runRecords(t, u.name)
	u.g.failNext(blobAttempts, s.bucket, lambdaPrefix+u.outputs)
	inv := u.invoke(t, u.emu, u.body(t, s.object(t, k)))
	u.mustRun(t, inv, "day 2 with one failing run")
	u.second = inv
	var statuses []string
	for _, r := range newRecords(before, s.runRecords(t, u.name)) {
		statuses = append(statuses, r.Status)
		if r.Status == jobs.StatusOK {
			u.runs = append(u.runs, r)
		}
	}
	slices.Sort(statuses)
	if !slices.Equal(statuses, []string{jobs.StatusFailed, jobs.StatusOK}) {
		t.Fatalf("day 2 with one failing run: runs %v, want one failed and one ok", statuses)
	}
	t.Logf("day 2: one run failed, the runtime's retry succeeded; the invocation took %s", inv.Elapsed.Round(time.Millisecond))
	u.sameAsCLI(t, 2)
}

// blobAttempts is how often the storage layer tries a write (blob.DefaultRetryPolicy):
// failing that many writes fails one run.
const blobAttempts = 6

// day3: the run is held at its first output write until its timeout stops it; then
// Lambda's retry succeeds (after the killed run's claim on the event has lapsed).
func (u *underTest) day3(t *testing.T) {
	s := u.s
	k := u.event(3)
	ev := u.body(t, s.object(t, k))
	short := u.fn
	short.Timeout = timeoutForTest
	u.slow = u.start(t, short)
	state := s.state(t, lambdaPrefix)
	u.g.set(gateStall, s.bucket, lambdaPrefix+u.outputs)
	timed := u.invoke(t, u.slow, ev)
	held := u.g.set(gatePass, s.bucket, lambdaPrefix+u.outputs)
	if !timed.TimedOut {
		t.Fatalf("day 3 held at its output write: %s, want a timeout after %s", timed, timeoutForTest)
	}
	if held == 0 {
		t.Fatalf("day 3 timed out before it reached an output write: raise timeoutForTest (%s)", timeoutForTest)
	}
	t.Logf("day 3, held at its first output write: %q after %s", timed.Body, timed.Elapsed.Round(time.Millisecond))
	noOutputChange(t, s, u.function, state, "the timed-out day 3 run")
	u.retry(t, 3, ev)
}

// retry delivers day d's event body again, as Lambda retries a failed invocation, on
// the warm function: it must run once and write what the command line writes.
func (u *underTest) retry(t *testing.T, d int, body []byte) {
	t.Helper()
	before := u.s.runRecords(t, u.name)
	u.late = u.invoke(t, u.emu, body)
	u.mustRun(t, u.late, fmt.Sprintf("day %d retried", d))
	u.onlyRun(t, before, u.event(d))
	u.sameAsCLI(t, d)
}

// checkDisk: nothing written outside /tmp, the task folder as unpacked, no process
// left once the emulators stop.
func (u *underTest) checkDisk(t *testing.T) {
	for _, e := range []*Emulator{u.emu, u.slow} {
		if e == nil {
			continue
		}
		if err := e.Close(); err != nil {
			t.Error(err)
		}
		if changed, err := e.TaskChanges(); err != nil || len(changed) > 0 {
			t.Errorf("the task folder changed: %v (err %v)", changed, err)
		}
		if u.tl.strace == "" {
			continue
		}
		writes, err := e.Writes()
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range writes {
			t.Errorf("write outside /tmp: %s\n  %s", w.Path, w.Call)
		}
	}
}

// report logs the figures: cold start and warm invocations as the caller saw them,
// and the process's peak memory from the run records.
func (u *underTest) report(t *testing.T) {
	if u.cold == nil {
		return
	}
	var peak int64
	var walls []string
	for _, r := range u.runs {
		peak = max(peak, r.Usage.PeakRSSBytes)
		walls = append(walls, fmt.Sprintf("%.2fs", r.Usage.WallSeconds))
	}
	ms := func(inv *Invocation) string {
		if inv == nil {
			return "-"
		}
		return inv.Elapsed.Round(time.Millisecond).String()
	}
	t.Logf("EMULATOR %s (ml-latest-small, template: %d MB, %s; strace %v): cold start %s (runtime init %s); "+
		"warm duplicate %s; day 2 with one failed run and the runtime's retry %s; day 3 retry after the timeout %s; "+
		"successful runs %s; peak RSS %d MiB",
		u.name, u.fn.MemoryMB, u.fn.Timeout, u.tl.strace != "", ms(u.cold), u.cold.Init.Round(time.Millisecond),
		ms(u.dup), ms(u.second), ms(u.late), strings.Join(walls, ", "), peak>>20)
}

// noOutputChange fails the test if the functions' side changed other than by the
// runtime's records of the attempt (its run records, its receipt of the event in the
// inbox, its claims on it) and the keys expected: no output, no event marker.
func noOutputChange(t *testing.T, s *site, f function, before map[string]string, what string, expected ...string) {
	t.Helper()
	after := s.state(t, lambdaPrefix)
	var changed []string
	for _, k := range diffKeys(before, after) {
		if key, err := layout.Parse(k); slices.Contains(expected, k) || err == nil && key.Function == f.name &&
			(key.Kind == layout.KindRunRecord || key.Kind == layout.KindClaim || key.Kind == layout.KindInboxEntry) {
			continue
		}
		changed = append(changed, k)
	}
	if len(changed) > 0 {
		t.Fatalf("%s changed %v", what, changed)
	}
}

func diffKeys(a, b map[string]string) []string {
	var out []string
	for _, k := range union(a, b) {
		if a[k] != b[k] {
			out = append(out, k)
		}
	}
	return out
}

func copyTo(t *testing.T, s *site, from, to string) {
	t.Helper()
	data, err := blob.ReadAll(t.Context(), s.raw, from)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blob.PutBytes(context.Background(), s.raw, to, data, blob.PutOptions{}); err != nil {
		t.Fatal(err)
	}
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// gate decides, in the proxy between the functions and MinIO, what happens to the
// writes under one prefix: pass them, fail them (503), or hold them until the mode
// changes and then fail them (the write never reaches the store, as when the
// function is stopped in the middle of it).
type gate struct {
	mode     atomic.Int32
	failLeft atomic.Int32 // gateFailNext: writes still to fail
	path     atomic.Value // "/<bucket>/<prefix>"
	held     atomic.Int32
	release  atomic.Value // chan struct{}
}

const (
	gatePass = iota
	gateFail
	gateFailNext
	gateStall
)

// set changes the mode for the writes under bucket/prefix and returns how many
// writes the previous mode held.
func (g *gate) set(mode int32, bucket, prefix string) int {
	g.path.Store("/" + bucket + "/" + prefix)
	prev, _ := g.release.Load().(chan struct{})
	if mode == gateStall {
		g.release.Store(make(chan struct{})) // before the mode, which the proxy reads first
	}
	if old := g.mode.Swap(mode); old == gateStall && prev != nil {
		close(prev)
	}
	return int(g.held.Swap(0))
}

// failNext fails the next n writes under bucket/prefix, then passes them.
func (g *gate) failNext(n int, bucket, prefix string) {
	g.failLeft.Store(int32(n))
	g.set(gateFailNext, bucket, prefix)
}

func (g *gate) plan(r *http.Request, _ int) faultproxy.Fault {
	p, _ := g.path.Load().(string)
	if r.Method != http.MethodPut || p == "" || !strings.HasPrefix(r.URL.Path, p) {
		return faultproxy.Pass
	}
	switch g.mode.Load() {
	case gateFail:
		return faultproxy.Unavailable
	case gateFailNext:
		if g.failLeft.Add(-1) >= 0 {
			return faultproxy.Unavailable
		}
	case gateStall:
		g.held.Add(1)
		ch, _ := g.release.Load().(chan struct{})
		<-ch
		return faultproxy.DropBefore
	}
	return faultproxy.Pass
}
