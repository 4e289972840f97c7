package trainer

import (
	"bytes"
	"context"
	"encoding/gob"
	"fmt"
	"strings"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

const checkpointSchema = "train-checkpoint/v1"

// checkpoint is a run's whole training state after an epoch: enough to continue as if
// never stopped (the parameters, Adam's moments and step, the early-stopping state and
// the metrics so far). It is gob-encoded (deterministic for this struct: no maps).
type checkpoint struct {
	Schema   string
	Run      string
	State    state
	AdamStep int64
	Params   []ckptParam
}

type ckptParam struct {
	Name        string
	Value, M, V []float32
}

func (t *session) snapshot() ([]byte, error) {
	c := checkpoint{Schema: checkpointSchema, Run: t.run.ID, State: t.st, AdamStep: t.adam.Step}
	for i, p := range t.params {
		c.Params = append(c.Params, ckptParam{Name: p.Name, Value: p.Value, M: t.adam.M[i], V: t.adam.V[i]})
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(&c); err != nil {
		return nil, fmt.Errorf("encode checkpoint: %w", err)
	}
	return buf.Bytes(), nil
}

// restore loads the checkpoint under key into the trainer's parameters (in place),
// and, when full, the optimizer and trainer state too.
func (t *session) restore(ctx context.Context, key string, full bool) error {
	data, err := blob.ReadAll(ctx, t.run.Bucket, key)
	if err != nil {
		return fmt.Errorf("read checkpoint: %w", err)
	}
	var c checkpoint
	if err := gob.NewDecoder(bytes.NewReader(data)).Decode(&c); err != nil {
		return fmt.Errorf("decode checkpoint %s: %w", key, err)
	}
	if c.Schema != checkpointSchema || c.Run != t.run.ID || len(c.Params) != len(t.params) {
		return fmt.Errorf("checkpoint %s: schema %q run %q with %d tensors does not fit run %s with %d tensors",
			key, c.Schema, c.Run, len(c.Params), t.run.ID, len(t.params))
	}
	for i, p := range t.params {
		cp := c.Params[i]
		if cp.Name != p.Name || len(cp.Value) != len(p.Value) {
			return fmt.Errorf("checkpoint %s: tensor %d is %s[%d], want %s[%d]", key, i, cp.Name, len(cp.Value), p.Name, len(p.Value))
		}
		copy(p.Value, cp.Value)
		if full {
			copy(t.adam.M[i], cp.M)
			copy(t.adam.V[i], cp.V)
		}
	}
	if full {
		t.st = c.State
		t.adam.Step = c.AdamStep
	}
	return nil
}

// lastCheckpoint returns the key of the latest epoch checkpoint, or "" when none.
func (r *Run) lastCheckpoint(ctx context.Context) (string, error) {
	objs, err := r.Bucket.List(ctx, r.Key(layout.RunEpochsPrefix))
	if err != nil {
		return "", fmt.Errorf("list checkpoints: %w", err)
	}
	last := ""
	for _, o := range objs {
		if strings.HasSuffix(o.Key, ".ckpt") && o.Key > last {
			last = o.Key
		}
	}
	return last, nil
}

// pruneCheckpoints deletes all but the latest keep epoch checkpoints.
func (r *Run) pruneCheckpoints(ctx context.Context, keep int) error {
	objs, err := r.Bucket.List(ctx, r.Key(layout.RunEpochsPrefix))
	if err != nil {
		return fmt.Errorf("list checkpoints: %w", err)
	}
	for i := 0; i < len(objs)-keep; i++ { // List is sorted; epoch numbers are zero-padded
		if err := r.Bucket.Delete(ctx, objs[i].Key); err != nil {
			return fmt.Errorf("prune checkpoint: %w", err)
		}
	}
	return nil
}
