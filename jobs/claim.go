package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

// ClaimSchema is the schema name of a claim.
const ClaimSchema = "event-claim/v1"

// ErrLostClaim: another process took over the claim of a run (its lease had run out),
// so the run must stop.
var ErrLostClaim = errors.New("claim taken over by another process")

// Claim is a lease on running one (function, key, ETag), held by one process. Claims
// are generations under runs/<function>/claims/<sha256>/NNNNNNNN.json: a process
// takes generation g+1 with a conditional write (If-None-Match: *) when generation g
// has ended (Released) or its lease has run out (Expires), so two processes never
// hold the same event at once. The holder renews Expires while it runs and notices
// a takeover when generation g+1 appears.
type Claim struct {
	Schema   string     `json:"schema"`
	Function string     `json:"function"`
	Key      string     `json:"key"`
	ETag     string     `json:"etag"`
	Gen      int        `json:"gen"`
	Holder   string     `json:"holder"` // host/pid/random of the holding process
	RunID    string     `json:"run_id"`
	Taken    time.Time  `json:"taken"`
	Expires  time.Time  `json:"expires"`
	Released *time.Time `json:"released,omitempty"` // the run ended and left the event for a retry
}

// newHolder names this process in its claims.
func newHolder() string {
	host, _ := os.Hostname()
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}

// claimer takes, renews and releases claims for one process.
type claimer struct {
	b      blob.Bucket
	holder string
	lease  time.Duration
	log    *slog.Logger
}

// take claims (function, ev) for run runID. It returns the claim, or nil and the live
// claim of another run (nil when another process won a race for the same
// generation): the event is busy. A claim whose lease ran out without an end is
// taken over, and the run that held it is recorded as abandoned.
func (c *claimer) take(ctx context.Context, function string, ev event.Object, runID string) (mine, live *Claim, err error) {
	prefix := layout.Claims(function, ev.Key, ev.ETag)
	// Most events are claimed once: try the first generation before listing.
	if cl, err := c.put(ctx, function, ev, runID, prefix, 1); err != nil || cl != nil {
		return cl, nil, err
	}
	last, err := c.latest(ctx, prefix)
	if err != nil {
		return nil, nil, err
	}
	gen := 1
	var abandoned *Claim
	if last != nil {
		if last.Released == nil && clock().Before(last.Expires) {
			return nil, last, nil
		}
		if last.Released == nil {
			abandoned = last
		}
		gen = last.Gen + 1
	}
	cl, err := c.put(ctx, function, ev, runID, prefix, gen)
	if cl != nil && abandoned != nil {
		c.abandon(ctx, abandoned, runID)
	}
	return cl, nil, err
}

// put writes generation gen of the claim with IfAbsent: the claim, or nil when the
// generation exists.
func (c *claimer) put(ctx context.Context, function string, ev event.Object, runID, prefix string, gen int) (*Claim, error) {
	now := clock()
	cl := &Claim{Schema: ClaimSchema, Function: function, Key: ev.Key, ETag: ev.ETag, Gen: gen, Holder: c.holder,
		RunID: runID, Taken: now.UTC(), Expires: now.Add(c.lease).UTC()}
	data, err := blob.MarshalJSON(cl)
	if err != nil {
		return nil, err
	}
	_, err = blob.PutBytes(ctx, c.b, layout.Claim(prefix, gen), data, blob.PutOptions{IfAbsent: true, ContentType: "application/json"})
	switch {
	case errors.Is(err, blob.ErrExists):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("take claim: %w", err)
	}
	return cl, nil
}

// latest reads the newest claim generation under prefix, or nil when there is none.
func (c *claimer) latest(ctx context.Context, prefix string) (*Claim, error) {
	list, err := c.b.List(ctx, prefix)
	if err != nil {
		return nil, fmt.Errorf("list claims: %w", err)
	}
	best, key := 0, ""
	for _, a := range list {
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(a.Key, prefix), ".json"))
		if err == nil && n > best {
			best, key = n, a.Key
		}
	}
	if key == "" {
		return nil, nil
	}
	cl := &Claim{}
	if err := blob.ReadJSON(ctx, c.b, key, cl); err != nil {
		return nil, fmt.Errorf("read claim: %w", err)
	}
	cl.Gen = best
	return cl, nil
}

// abandon records the run of an expired claim as abandoned, if its record still says
// running. Failing to is logged: status shows such a record as abandoned anyway.
func (c *claimer) abandon(ctx context.Context, old *Claim, by string) {
	log := c.log.With("function", old.Function, "run_id", old.RunID, "key", old.Key, "etag", old.ETag)
	key := layout.RunRecord(old.Function, old.RunID)
	rec := &Record{}
	err := blob.ReadJSON(ctx, c.b, key, rec)
	switch {
	case errors.Is(err, blob.ErrNotFound):
		log.Warn("claim expired before its run started: taken over", "taken_by", by)
		return
	case err != nil:
		log.Warn("cannot read the record of an abandoned run", "err", err)
		return
	case rec.Status != StatusRunning:
		return
	}
	end := clock().UTC()
	rec.Status, rec.End, rec.ExitCode = StatusAbandoned, &end, exitFailed
	rec.Error = fmt.Sprintf("abandoned: its claim (holder %s) expired at %s without an end; run %s took the event over",
		old.Holder, old.Expires.Format(time.RFC3339), by)
	if err := rec.write(ctx, c.b); err != nil {
		log.Warn("cannot record an abandoned run", "err", err)
		return
	}
	log.Warn("run abandoned: its claim expired, taken over", "taken_by", by, "expired", old.Expires)
}

// renew moves the claim's expiry a lease ahead, and reports ErrLostClaim when a later
// generation exists (another process took the event over).
func (c *claimer) renew(ctx context.Context, cl *Claim) error {
	cl.Expires = clock().Add(c.lease).UTC()
	if err := c.write(ctx, cl); err != nil {
		return err
	}
	return c.check(ctx, cl)
}

// check reports ErrLostClaim when a generation after cl exists.
func (c *claimer) check(ctx context.Context, cl *Claim) error {
	prefix := layout.Claims(cl.Function, cl.Key, cl.ETag)
	taken, err := blob.Exists(ctx, c.b, layout.Claim(prefix, cl.Gen+1))
	switch {
	case err != nil:
		return fmt.Errorf("check claim: %w", err)
	case taken:
		return fmt.Errorf("%w: generation %d of %s", ErrLostClaim, cl.Gen+1, prefix)
	}
	return nil
}

// release ends the claim without handling the event, so that another delivery may
// take it at once (a retryable failure).
func (c *claimer) release(ctx context.Context, cl *Claim) {
	now := clock().UTC()
	cl.Released = &now
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := c.write(wctx, cl); err != nil {
		c.log.Warn("cannot release a claim: it is free once its lease runs out", "function", cl.Function, "key", cl.Key, "err", err)
	}
}

func (c *claimer) write(ctx context.Context, cl *Claim) error {
	data, err := blob.MarshalJSON(cl)
	if err != nil {
		return err
	}
	key := layout.Claim(layout.Claims(cl.Function, cl.Key, cl.ETag), cl.Gen)
	if _, err := blob.PutBytes(ctx, c.b, key, data, blob.PutOptions{ContentType: "application/json"}); err != nil {
		return fmt.Errorf("write claim: %w", err)
	}
	return nil
}
