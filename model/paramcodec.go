package model

import (
	"encoding/binary"
	"fmt"
	"io"
	"math"
)

// WriteParams writes each parameter's values as a little-endian uint32 count followed
// by that many little-endian float32s: the parameter section of every model.bin.
func WriteParams(w io.Writer, params []*Param) error {
	var buf []byte
	for _, p := range params {
		buf = binary.LittleEndian.AppendUint32(buf[:0], uint32(len(p.Value)))
		for _, v := range p.Value {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(v))
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("write param %s: %w", p.Name, err)
		}
	}
	return nil
}

// ReadParams reads what WriteParams wrote into params, which must already have their
// shapes: a count that differs from a parameter's size is an error wrapping
// ErrBadModelFile that names the parameter.
func ReadParams(r io.Reader, params []*Param) error {
	var n [4]byte
	for _, p := range params {
		if _, err := io.ReadFull(r, n[:]); err != nil {
			return fmt.Errorf("param %s: %w", p.Name, err)
		}
		if got := binary.LittleEndian.Uint32(n[:]); int(got) != len(p.Value) {
			return fmt.Errorf("%w: param %s has %d values, want %d", ErrBadModelFile, p.Name, got, len(p.Value))
		}
		if err := binary.Read(r, binary.LittleEndian, p.Value); err != nil {
			return fmt.Errorf("param %s: %w", p.Name, err)
		}
	}
	return nil
}
