package abtest

import (
	"context"
	"errors"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

func TestReadQuality(t *testing.T) {
	tests := []struct {
		name          string
		doc           string
		success       bool
		passed, total int // -1: not known
		wantNoSuccess bool
	}{
		{"quality-check statistics", `{"success":true,"statistics":{"evaluated":17,"successful":16},"results":[{"check":"x","success":false}]}`, true, 16, 17, false},
		{"results list", `{"success":false,"results":[{"check":"a","success":true},{"check":"b","success":false}]}`, false, 1, 2, false},
		{"checks list", `{"success":true,"checks":[{"name":"a","passed":true}]}`, true, 1, 1, false},
		{"no counts", `{"success":true}`, true, -1, -1, false},
		{"no success", `{"statistics":{"evaluated":3,"successful":3}}`, false, 0, 0, true},
		{"success not bool", `{"success":"yes"}`, false, 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b := blob.NewMem()
			blob.PutBytes(ctx, b, QualityReportKey(4), []byte(tt.doc), blob.PutOptions{})
			q, in, err := readQuality(ctx, b, 4)
			if tt.wantNoSuccess {
				if err == nil {
					t.Fatalf("accepted %s", tt.doc)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Success != tt.success || in.Key != QualityReportKey(4) || len(in.SHA256) != 64 {
				t.Errorf("got %+v %+v", q, in)
			}
			if tt.total < 0 {
				if q.ChecksTotal != nil {
					t.Errorf("counts invented: %d", *q.ChecksTotal)
				}
				return
			}
			if q.ChecksPassed == nil || *q.ChecksPassed != tt.passed || *q.ChecksTotal != tt.total {
				t.Errorf("checks %v/%v, want %d/%d", q.ChecksPassed, q.ChecksTotal, tt.passed, tt.total)
			}
		})
	}
	if _, _, err := readQuality(context.Background(), blob.NewMem(), 2); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("missing report: %v", err)
	}
	b := blob.NewMem()
	blob.PutBytes(context.Background(), b, QualityReportKey(1), []byte(`{}`), blob.PutOptions{})
	if _, _, err := readQuality(context.Background(), b, 1); !errors.Is(err, ErrNoSuccessField) {
		t.Errorf("no success: %v", err)
	}
}

func TestDayFromKey(t *testing.T) {
	tests := []struct {
		key  string
		want int
	}{
		{"quality/day=07/report.json", 7},
		{"quality/day=20/report.json", 20},
		{"quality/day=21/report.json", 0},
		{"quality/day=00/report.json", 0},
		{"quality/day=7/report.json", 0},
		{"quality/day=07/report.json.tmp", 0},
		{"quality/history.json", 0},
	}
	for _, tt := range tests {
		if got := DayFromKey(tt.key, "quality/", "report.json"); got != tt.want {
			t.Errorf("DayFromKey(%q) = %d, want %d", tt.key, got, tt.want)
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
	got, err := DecodeUnits(EncodeUnits(u), "units.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Users) != 2 || got.Users[1] != 9 || got.Row(1)[7] != u.Row(1)[7] {
		t.Fatalf("round trip lost data: %v", got.Users)
	}
	bad := []string{"", "user,x\n", unitsHeader() + "\n5,1,2\n", unitsHeader() + "\nx" + string(EncodeUnits(u)[len(unitsHeader())+2:])}
	for _, b := range bad {
		if _, err := DecodeUnits([]byte(b), "units.csv"); !errors.Is(err, ErrBadUnits) {
			t.Errorf("DecodeUnits(%.40q) = %v, want ErrBadUnits", b, err)
		}
	}
}
