package envflag

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Check checks a flag's value; its error says what was wanted.
type Check[T any] func(v T) error

func checkAll[T any](p *T, checks []Check[T]) func() error {
	if len(checks) == 0 {
		return nil
	}
	return func() error {
		for _, c := range checks {
			if err := c(*p); err != nil {
				return err
			}
		}
		return nil
	}
}

// Between accepts lo <= v <= hi.
func Between[T cmp.Ordered](lo, hi T) Check[T] {
	return func(v T) error {
		if v < lo || v > hi {
			return fmt.Errorf("want %v..%v", lo, hi)
		}
		return nil
	}
}

// AtLeast accepts v >= lo.
func AtLeast[T cmp.Ordered](lo T) Check[T] {
	return func(v T) error {
		if v < lo {
			return fmt.Errorf("want at least %v", lo)
		}
		return nil
	}
}

// Fraction accepts a share in (0, 1].
func Fraction() Check[float64] {
	return func(v float64) error {
		if v <= 0 || v > 1 {
			return fmt.Errorf("want a fraction in (0, 1]")
		}
		return nil
	}
}

// OneOf accepts the listed values.
func OneOf(vals ...string) Check[string] {
	return func(v string) error {
		if !slices.Contains(vals, v) {
			return fmt.Errorf("want one of %s", strings.Join(vals, ", "))
		}
		return nil
	}
}

// NotEmpty refuses the empty string.
func NotEmpty() Check[string] {
	return func(v string) error {
		if v == "" {
			return fmt.Errorf("want a value")
		}
		return nil
	}
}
