package demo

import (
	"errors"
	"fmt"
	"testing"

	"github.com/recpipe/recpipe/jobs"
	"github.com/recpipe/recpipe/quality"
)

func TestSplitGateFailures(t *testing.T) {
	gate := jobs.Exit(3, jobs.Final(fmt.Errorf("day 2: %w", quality.ErrGateFailed)))
	other := errors.New("read etl/day=02/batch.csv: connection reset")
	tests := []struct {
		err       error
		final     bool
		demoError bool
	}{
		{nil, false, false},
		{gate, true, false},
		{other, false, true},
	}
	for _, tt := range tests {
		err := tt.err
		if err == nil {
			continue
		}
		gates, others := splitGateFailures([]error{err})
		if (len(others) == 1) != tt.demoError || len(gates)+len(others) != 1 {
			t.Errorf("splitGateFailures(%v) = %v, %v", err, gates, others)
		}
	}
}
