package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/jobs/event"
)

// InboxSchema is the schema name of an inbox entry.
const InboxSchema = "event-inbox/v1"

// InboxEntry is runs/<function>/inbox/<sha256>.json: an event received for function
// and not yet handled. A receiver writes it (If-None-Match: *) before it acknowledges
// the delivery, and deletes it once the event is handled (its marker is written), so
// that a receiver started later resumes every event received and not finished.
type InboxEntry struct {
	Schema   string       `json:"schema"`
	Function string       `json:"function"`
	Route    string       `json:"route"`
	Event    event.Object `json:"event"`
	Received time.Time    `json:"received"`
}

// putInbox records the event as received for function; an entry already there (the
// same event received before) is not an error.
func putInbox(ctx context.Context, b blob.Bucket, e InboxEntry) error {
	data, err := blob.MarshalJSON(e)
	if err != nil {
		return err
	}
	key := layout.InboxEntry(e.Function, e.Event.Key, e.Event.ETag)
	_, err = blob.PutBytes(ctx, b, key, data, blob.PutOptions{IfAbsent: true, ContentType: "application/json"})
	if err != nil && !errors.Is(err, blob.ErrExists) {
		return fmt.Errorf("record event in %s: %w", key, err)
	}
	return nil
}

// listInbox reads the inbox of function, oldest key first. Entries that cannot be
// decoded are returned as errors naming them, after the good ones.
func listInbox(ctx context.Context, b blob.Bucket, function string) ([]InboxEntry, error) {
	list, err := b.List(ctx, layout.Inbox(function))
	if err != nil {
		return nil, fmt.Errorf("list inbox of %s: %w", function, err)
	}
	var out []InboxEntry
	var errs []error
	for _, a := range list {
		if !strings.HasSuffix(a.Key, ".json") {
			continue
		}
		var e InboxEntry
		if err := blob.ReadJSON(ctx, b, a.Key, &e); err != nil {
			if !errors.Is(err, blob.ErrNotFound) { // handled meanwhile
				errs = append(errs, err)
			}
			continue
		}
		if e.Schema != InboxSchema || e.Function != function || layout.InboxEntry(function, e.Event.Key, e.Event.ETag) != a.Key {
			errs = append(errs, fmt.Errorf("%s: not an inbox entry of %s", a.Key, function))
			continue
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}
