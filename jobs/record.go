package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/internal/redact"
	"github.com/recpipe/recpipe/jobs/event"
)

// RecordSchema is the schema name of a run record.
const RecordSchema = "run-record/v1"

// Run statuses.
const (
	StatusRunning = "running"
	StatusOK      = "ok"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
	// StatusAbandoned: the run stopped renewing its lease (its process was killed or
	// lost the bucket) and never ended. A running record past its alive_until is
	// abandoned (see Record.State); whoever takes over its event rewrites it so.
	StatusAbandoned = "abandoned"
)

// Record is the run record written to runs/<function>/<id>.json: a "running" record
// when the run starts, renewed while it runs (AliveUntil), the final one when it
// ends. Its inputs and outputs are the objects the run read and wrote through its
// bucket (Recording); AddInput notes what a run read from outside the bucket (safe
// from several goroutines).
type Record struct {
	Schema   string     `json:"schema"`
	ID       string     `json:"id"`
	Function string     `json:"function"`
	Trigger  Trigger    `json:"trigger"`
	Bucket   string     `json:"bucket"`
	Status   string     `json:"status"`
	Start    time.Time  `json:"start"`
	End      *time.Time `json:"end,omitempty"`
	// AliveUntil, while the run is running, is when its lease ends: the run renews it
	// (every third of the lease) until it ends. Past it, the run is abandoned.
	AliveUntil *time.Time `json:"alive_until,omitempty"`
	Inputs     []string   `json:"inputs"`
	Outputs    []string   `json:"outputs"`
	Error      string     `json:"error,omitempty"`
	ExitCode   int        `json:"exit_code"`
	Usage      Usage      `json:"usage"`
	Version    Version    `json:"version"`

	mu       sync.Mutex
	began    usage
	recorded bool // the final record is stored
}

// Trigger says what started a run: a command line or an object event.
type Trigger struct {
	Kind  string        `json:"kind"` // "cli" or "event"
	Args  []string      `json:"args,omitempty"`
	Event *event.Object `json:"event,omitempty"`
}

// Usage is what a run cost. CPU seconds and peak memory are measured for the whole
// process (getrusage): in a process that runs several functions at once (pipeline
// demo/serve) they include the others' work over the same interval.
type Usage struct {
	WallSeconds  float64 `json:"wall_seconds"`
	CPUSeconds   float64 `json:"cpu_seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"` // process high-water mark at the end of the run
	Scope        string  `json:"scope"`          // "process"
}

// Version identifies the binary that ran, from its build information.
type Version struct {
	Module    string `json:"module,omitempty"`
	Main      string `json:"main,omitempty"`
	Go        string `json:"go,omitempty"`
	Revision  string `json:"revision,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	BuildTime string `json:"build_time,omitempty"`
}

// State is the record's status as of now: "abandoned" for a running record whose
// lease has run out, else Status.
func (r *Record) State(now time.Time) string {
	if r.Status == StatusRunning && r.AliveUntil != nil && now.After(*r.AliveUntil) {
		return StatusAbandoned
	}
	return r.Status
}

// AddInput notes a key the run read.
func (r *Record) AddInput(keys ...string) {
	r.mu.Lock()
	r.Inputs = appendNew(r.Inputs, keys)
	r.mu.Unlock()
}

// AddOutput notes a key the run wrote.
func (r *Record) AddOutput(keys ...string) {
	r.mu.Lock()
	r.Outputs = appendNew(r.Outputs, keys)
	r.mu.Unlock()
}

func appendNew(list, keys []string) []string {
	for _, k := range keys {
		if !slices.Contains(list, k) {
			list = append(list, k)
		}
	}
	return list
}

// NewRunID returns a run id that sorts by start time: UTC time to the millisecond
// and a random suffix, e.g. "20261126T100345.123Z-3f9a1c0b".
func NewRunID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return now.UTC().Format("20060102T150405.000Z") + "-" + hex.EncodeToString(b[:])
}

func newRecord(function, bucketURL string, trig Trigger, now time.Time) *Record {
	return &Record{
		Schema:   RecordSchema,
		ID:       NewRunID(now),
		Function: function,
		Trigger:  trig,
		Bucket:   redact.URL(bucketURL),
		Status:   StatusRunning,
		Start:    now.UTC(),
		Inputs:   []string{},
		Outputs:  []string{},
		Version:  buildVersion(),
		began:    readUsage(),
	}
}

// finish sets the end, status, error and usage of the run.
func (r *Record) finish(now time.Time, status string, err error, code int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	end := now.UTC()
	r.End = &end
	r.AliveUntil = nil
	r.Status = status
	r.ExitCode = code
	if err != nil {
		r.Error = Redact(err.Error())
	}
	u := readUsage()
	r.Usage = Usage{
		WallSeconds:  round3(end.Sub(r.Start).Seconds()),
		CPUSeconds:   round3(u.cpu - r.began.cpu),
		PeakRSSBytes: u.maxRSS,
		Scope:        "process",
	}
}

// renew moves the lease of a running record to until.
func (r *Record) renew(until time.Time) {
	r.mu.Lock()
	u := until.UTC()
	r.AliveUntil = &u
	r.mu.Unlock()
}

// write stores the record under runs/<function>/<id>.json.
func (r *Record) write(ctx context.Context, b blob.Bucket) error {
	r.mu.Lock()
	data, err := blob.MarshalJSON(r)
	r.mu.Unlock()
	if err != nil {
		return fmt.Errorf("encode run record %s: %w", r.ID, err)
	}
	key := layout.RunRecord(r.Function, r.ID)
	if _, err := blob.PutBytes(ctx, b, key, data, blob.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("write run record: %w", err)
	}
	return nil
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

var buildVersion = sync.OnceValue(func() Version {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return Version{}
	}
	v := Version{Module: bi.Main.Path + "@" + bi.Main.Version, Main: bi.Path, Go: bi.GoVersion}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Revision = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		case "vcs.time":
			v.BuildTime = s.Value
		}
	}
	return v
})

// ListRuns returns the run records of function, oldest first (run ids sort by time).
func ListRuns(ctx context.Context, b blob.Bucket, function string) ([]*Record, error) {
	attrs, err := b.List(ctx, layout.Runs(function))
	if err != nil {
		return nil, fmt.Errorf("list runs of %s: %w", function, err)
	}
	var out []*Record
	for _, a := range attrs {
		if !layout.IsKind(a.Key, layout.KindRunRecord) {
			continue
		}
		r := &Record{}
		if err := blob.ReadJSON(ctx, b, a.Key, r); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}
