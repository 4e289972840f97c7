package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// compileSchemas compiles every copy of file found: the draft in testdata/ and the one
// in internal/schemas/ (where downstream readers find them), when present.
func compileSchemas(t *testing.T, file string) []*jsonschema.Schema {
	t.Helper()
	var out []*jsonschema.Schema
	for _, p := range []string{filepath.Join("testdata", file), filepath.Join("..", "internal", "schemas", file)} {
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		if err := c.AddResource(p, doc); err != nil {
			t.Fatal(err)
		}
		s, err := c.Compile(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		out = append(out, s)
	}
	if len(out) == 0 {
		t.Fatalf("no schema file %s", file)
	}
	return out
}

// The documents the runtime writes match their schemas.
func TestDocumentsMatchSchemas(t *testing.T) {
	ctx := context.Background()
	schemas := map[string][]*jsonschema.Schema{
		RecordSchema: compileSchemas(t, "run-record.v1.schema.json"),
		MarkerSchema: compileSchemas(t, "event-marker.v1.schema.json"),
		ClaimSchema:  compileSchemas(t, "event-claim.v1.schema.json"),
		InboxSchema:  compileSchemas(t, "event-inbox.v1.schema.json"),
	}

	b := blob.NewMem()
	log, _ := testLogger(t)
	d := NewDispatcher(b, log)
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error {
		env.Run.AddOutput(layout.QualityReport(1))
		if ev.ETag == "final" {
			return Exit(3, Final(errors.New("failed gate")))
		}
		return nil
	}}); err != nil {
		t.Fatal(err)
	}
	for _, etag := range []string{"e1", "final"} {
		d.Dispatch(ctx, manifestEvent(etag))
	}
	// An inbox entry, as a receiver leaves it until the event is handled.
	if err := putInbox(ctx, b, InboxEntry{Schema: InboxSchema, Function: QualityCheck, Route: "etl-manifest",
		Event: manifestEvent("e2"), Received: time.Now().UTC()}); err != nil {
		t.Fatal(err)
	}
	runWith(ctx, &CommonFlags{}, Function{Name: "etl-day"}, func(ctx context.Context, env *Env) error { return Skip("done") }, []string{"--day", "1"}, nil, b, log)

	var n int
	for _, k := range keys(t, b, "runs/") {
		data, err := blob.ReadAll(ctx, b, k)
		if err != nil {
			t.Fatal(err)
		}
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ Schema string }
		if err := json.Unmarshal(data, &head); err != nil || schemas[head.Schema] == nil {
			t.Fatalf("%s: no known schema (%q, %v)", k, head.Schema, err)
		}
		for _, s := range schemas[head.Schema] {
			if err := s.Validate(inst); err != nil {
				t.Errorf("%s does not match %s: %v", k, s.Location, err)
			}
		}
		n++
	}
	if n != 8 {
		t.Errorf("validated %d documents, want 8 (three records, two markers, two claims, an inbox entry)", n)
	}
}
