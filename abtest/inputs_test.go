package abtest

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
	"github.com/recpipe/recpipe/internal/layout"
)

// ab-eval reads the verdict with quality's decoder: the checks it counts are the
// report's statistics, and a document that is not a quality report is an error.
func TestReadQuality(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	q, in, err := readQuality(ctx, f.b, f.failDay)
	if err != nil {
		t.Fatal(err)
	}
	if q.Success || *q.ChecksPassed != 1 || *q.ChecksTotal != 2 || in.Key != layout.QualityReport(layout.Day(f.failDay)) || len(in.SHA256) != 64 {
		t.Errorf("got %+v %+v", q, in)
	}
	if _, _, err := readQuality(ctx, blob.NewMem(), 2); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("missing report: %v", err)
	}
	for _, doc := range []string{`{}`, `{"success":true,"checks":[{"name":"a","passed":true}]}`, `{"schema":"quality-report/v1","day":2,"success":true}`} {
		b := blob.NewMem()
		blob.PutBytes(ctx, b, layout.QualityReport(1), []byte(doc), blob.PutOptions{})
		if _, _, err := readQuality(ctx, b, 1); err == nil || !strings.Contains(err.Error(), layout.QualityReport(1)) {
			t.Errorf("%s: err = %v, want one naming the report", doc, err)
		}
	}
}

func TestUnitsRoundTrip(t *testing.T) {
	u := NewUnits([]int32{5, 9})
	for i := range u.Users {
		for j := range u.Row(i) {
			u.Row(i)[j] = float64(i*100+j) / 3
		}
	}
	u.Returning[1] = true
	got, err := DecodeUnits(EncodeUnits(u), "units.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 2 || got.Users[1] != 9 || got.Row(1)[7] != u.Row(1)[7] || got.Returning[0] || !got.Returning[1] {
		t.Fatalf("round trip lost data: %v %v", got.Users, got.Returning)
	}
	line2 := string(EncodeUnits(u)[len(unitsHeader())+1:])
	bad := []string{"", "user,x\n", unitsHeader() + "\n5,1,2\n", unitsHeader() + "\nx" + line2[1:],
		unitsHeader() + "\n5,2" + line2[3:]}
	for _, b := range bad {
		if _, err := DecodeUnits([]byte(b), "units.csv"); !errors.Is(err, ErrBadUnits) {
			t.Errorf("DecodeUnits(%.40q) = %v, want ErrBadUnits", b, err)
		}
	}
}
