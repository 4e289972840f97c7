package model

import (
	"bytes"
	"errors"
	"math"
	"testing"
)

func TestParamsRoundTrip(t *testing.T) {
	a, b := NewParam("a", false, 2, 3), NewParam("b", true, 2, 2)
	for i := range a.Value {
		a.Value[i] = float32(i) - 2.5
	}
	b.Value[3] = float32(math.Inf(-1))
	var buf bytes.Buffer
	if err := WriteParams(&buf, []*Param{a, b}); err != nil {
		t.Fatal(err)
	}
	if want := 4 + 6*4 + 4 + 4*4; buf.Len() != want {
		t.Fatalf("%d bytes, want %d", buf.Len(), want)
	}
	a2, b2 := NewParam("a", false, 2, 3), NewParam("b", true, 2, 2)
	if err := ReadParams(bytes.NewReader(buf.Bytes()), []*Param{a2, b2}); err != nil {
		t.Fatal(err)
	}
	for i := range a.Value {
		if a2.Value[i] != a.Value[i] {
			t.Fatalf("a[%d] = %v, want %v", i, a2.Value[i], a.Value[i])
		}
	}
	if !math.IsInf(float64(b2.Value[3]), -1) {
		t.Fatalf("b[3] = %v", b2.Value[3])
	}
	wrong := NewParam("a", false, 5)
	if err := ReadParams(bytes.NewReader(buf.Bytes()), []*Param{wrong}); !errors.Is(err, ErrBadModelFile) {
		t.Fatalf("size mismatch: %v, want ErrBadModelFile", err)
	}
	if err := ReadParams(bytes.NewReader(buf.Bytes()[:10]), []*Param{a2}); err == nil {
		t.Fatal("truncated input read without error")
	}
}
