package quality_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
	"github.com/recpipe/recpipe/quality"
)

// corrupt rewrites the data lines of a batch.csv; earlier are day 2's lines and
// train the train split's.
type corrupt func(header string, lines, earlier, train []string) (string, []string)

func TestCorruptedDayFailsNamingEachCheck(t *testing.T) {
	badRatings := func(h string, l, _, _ []string) (string, []string) {
		for _, i := range []int{3, 9} {
			f := strings.Split(l[i], ",")
			f[2] = "7.5"
			l[i] = strings.Join(f, ",")
		}
		return h, l
	}
	duplicates := func(h string, l, _, _ []string) (string, []string) {
		l[5], l[11] = l[4], l[10] // in place: time order holds
		return h, l
	}
	fromEarlierDay := func(h string, l, e, _ []string) (string, []string) {
		return h, append(l[:len(l)-3], e[:3]...)
	}
	fromTrain := func(h string, l, _, tr []string) (string, []string) {
		l[0] = tr[len(tr)-1] // first line: the day stays in time order
		return h, l
	}
	missingColumn := func(h string, l, _, _ []string) (string, []string) {
		drop := func(s string) string { f := strings.Split(s, ","); return strings.Join(slices.Delete(f, 2, 3), ",") }
		for i := range l {
			l[i] = drop(l[i])
		}
		return drop(h), l
	}
	tests := []struct {
		name   string
		change []corrupt
		want   []string // failing error-severity checks, in report order
	}{
		{"bad ratings", []corrupt{badRatings}, []string{quality.CheckIntegrity, quality.CheckValidityRating}},
		{"duplicates", []corrupt{duplicates}, []string{quality.CheckIntegrity, quality.CheckUniqueDay}},
		{"rows from an earlier day", []corrupt{fromEarlierDay}, []string{quality.CheckIntegrity, quality.CheckValidityTimestamp,
			quality.CheckUniqueEarlier, quality.CheckConsistencyStart, quality.CheckConsistencyOrder}},
		{"row from train", []corrupt{fromTrain}, []string{quality.CheckIntegrity, quality.CheckValidityTimestamp,
			quality.CheckUniqueTrain, quality.CheckConsistencyStart}},
		{"missing column", []corrupt{missingColumn}, []string{quality.CheckIntegrity, quality.CheckCompleteness}},
		{"all at once", []corrupt{badRatings, duplicates, fromEarlierDay}, []string{quality.CheckIntegrity, quality.CheckValidityRating,
			quality.CheckValidityTimestamp, quality.CheckUniqueDay, quality.CheckUniqueEarlier, quality.CheckConsistencyStart, quality.CheckConsistencyOrder}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := released(t, 2000, 4)
			key := layout.Batch(layout.Day(4))
			h, lines := readLines(t, b, key)
			_, earlier := readLines(t, b, layout.Batch(layout.Day(2)))
			_, train := readLines(t, b, layout.Prepared(ds, layout.TrainName))
			for _, c := range tt.change {
				h, lines = c(h, lines, earlier, train)
			}
			if _, err := blob.PutBytes(ctx, b, key, []byte(h+"\n"+strings.Join(lines, "\n")+"\n"), blob.PutOptions{}); err != nil {
				t.Fatal(err)
			}
			rep, err := (&quality.Checker{Bucket: b}).Check(ctx, 4)
			if !errors.Is(err, quality.ErrGateFailed) {
				t.Fatalf("err = %v, want ErrGateFailed", err)
			}
			if got := rep.Failed(quality.Error); !slices.Equal(got, tt.want) {
				t.Fatalf("failed checks %v, want %v", got, tt.want)
			}
			for _, name := range tt.want {
				if !strings.Contains(err.Error(), name) {
					t.Fatalf("error %q does not name %s", err, name)
				}
			}
			var stored quality.Report
			if err := blob.ReadJSON(ctx, b, layout.QualityReport(layout.Day(4)), &stored); err != nil || stored.Success {
				t.Fatalf("stored report success=%v err=%v: a failed day must be reported", stored.Success, err)
			}
		})
	}
}

func readLines(t *testing.T, b blob.Bucket, key string) (string, []string) {
	t.Helper()
	data, err := blob.ReadAll(context.Background(), b, key)
	if err != nil {
		t.Fatal(err)
	}
	l := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	return l[0], l[1:]
}
