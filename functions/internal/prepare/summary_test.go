package prepare

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/data/movielens"
	"github.com/recpipe/recpipe/etl"
	"github.com/recpipe/recpipe/internal/blob"
)

func TestGroup(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {100836, "100,836"}, {32000000, "32,000,000"}}
	for _, tt := range tests {
		if got := group(tt.n); got != tt.want {
			t.Errorf("group(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestWriteSummary(t *testing.T) {
	res, err := etl.Prepare(context.Background(), blob.NewMem(), etl.Options{Shipped: movielens.SmallZip})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	WriteSummary(&buf, res)
	for _, want := range []string{"ml-latest-small: 100,836 ratings", "test       20,168 rows", "prepared/ml-latest-small/_manifest.json"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, buf.String())
		}
	}
}
