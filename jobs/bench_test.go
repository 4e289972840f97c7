package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

// BenchmarkDispatch measures the runtime's own cost per event on mem://: marker check,
// two run-record writes and the marker, around a function that does nothing.
func BenchmarkDispatch(b *testing.B) {
	ctx := context.Background()
	d := NewDispatcher(blob.NewMem(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error { return nil }}); err != nil {
		b.Fatal(err)
	}
	for i := 0; b.Loop(); i++ {
		if _, err := d.Dispatch(ctx, manifestEvent(fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDuplicate measures a redelivery that the marker turns away.
func BenchmarkDuplicate(b *testing.B) {
	ctx := context.Background()
	d := NewDispatcher(blob.NewMem(), slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err := d.Register(Function{Name: QualityCheck, OnEvent: func(ctx context.Context, env *Env, ev Event) error { return nil }}); err != nil {
		b.Fatal(err)
	}
	if _, err := d.Dispatch(ctx, manifestEvent("e")); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		outs, err := d.Dispatch(ctx, manifestEvent("e"))
		if err != nil || outs[0].Status != StatusDuplicate {
			b.Fatal(outs, err)
		}
	}
}
