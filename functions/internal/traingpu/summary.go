package traingpu

import (
	"fmt"
	"io"
	"sort"

	"github.com/recpipe/recpipe/model/trainer"
)

// WriteSummary writes the run's scores beside the baselines' as a table.
func WriteSummary(w io.Writer, s *trainer.Summary) {
	fmt.Fprintf(w, "%s run %s on %s: %d epochs (best %d), %d parameters\n", s.Model, s.Run, s.Dataset, s.Epochs, s.BestEpoch, s.Parameters)
	fmt.Fprintf(w, "%-20s %9s %9s | %9s %9s %9s  (test rows: warm %d, cold %d)\n", "RMSE", "val", "val MAE", "test", "warm", "cold",
		s.Test[s.Model].Warm.N, s.Test[s.Model].Cold.N)
	names := []string{s.Model}
	var rest []string
	for n := range s.Validation {
		if n != s.Model {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	for _, n := range append(names, rest...) {
		v, t := s.Validation[n], s.Test[n]
		fmt.Fprintf(w, "%-20s %9.4f %9.4f | %9.4f %9.4f %9.4f\n", n, v.All.RMSE, v.All.MAE, t.All.RMSE, t.Warm.RMSE, t.Cold.RMSE)
	}
}
