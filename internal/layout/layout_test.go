package layout

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/recpipe/recpipe/internal/blob"
)

func TestParseDay(t *testing.T) {
	tests := []struct {
		in   string
		want Day
		ok   bool
	}{
		{"01", 1, true}, {"07", 7, true}, {"20", 20, true},
		{"00", 0, false}, {"21", 0, false}, {"7", 0, false}, {"007", 0, false}, {"-1", 0, false}, {"+7", 0, false}, {"ab", 0, false}, {"", 0, false},
	}
	for _, tt := range tests {
		d, err := ParseDay(tt.in)
		if (err == nil) != tt.ok || d != tt.want {
			t.Errorf("ParseDay(%q) = %d, %v; want %d (ok %v)", tt.in, d, err, tt.want, tt.ok)
		}
		if err != nil && !errors.Is(err, ErrBadDay) {
			t.Errorf("ParseDay(%q): %v does not wrap ErrBadDay", tt.in, err)
		}
		if err == nil && d.String() != tt.in {
			t.Errorf("Day(%d).String() = %q, want %q", d, d.String(), tt.in)
		}
	}
	if all := AllDays(); len(all) != Days || all[0] != 1 || all[Days-1] != Days {
		t.Errorf("AllDays() = %v", all)
	}
}

// Every key the pipeline writes, built by its constructor, parses to its fields and
// formats back to itself.
func TestParse(t *testing.T) {
	tests := []struct {
		key  string
		want Key
	}{
		{Raw("ml-latest-small", "ml-latest-small.zip"), Key{Kind: KindRaw, Dataset: "ml-latest-small", Name: "ml-latest-small.zip"}},
		{Prepared("fixture", TrainName), Key{Kind: KindPrepared, Dataset: "fixture", Name: "train.csv"}},
		{PreparedManifest("ml-1m"), Key{Kind: KindPrepared, Dataset: "ml-1m", Name: "_manifest.json"}},
		{Batch(3), Key{Kind: KindETLBatch, Day: 3, Name: "batch.csv"}},
		{Rejected(20), Key{Kind: KindETLRejected, Day: 20, Name: "rejected.csv"}},
		{ETLManifest(7), Key{Kind: KindETLManifest, Day: 7, Name: "_manifest.json"}},
		{ETLStatus, Key{Kind: KindETLStatus}},
		{QualityReport(12), Key{Kind: KindQualityReport, Day: 12, Name: "report.json"}},
		{QualityHistory, Key{Kind: KindQualityHistory}},
		{QualityTrainProfile, Key{Kind: KindQualityProfile}},
		{ABUnits(1), Key{Kind: KindABUnits, Day: 1, Name: "units.csv"}},
		{ABResult(19), Key{Kind: KindABResult, Day: 19, Name: "result.json"}},
		{ABSummary, Key{Kind: KindABSummary}},
		{ABReport, Key{Kind: KindABReport}},
		{ABCache("baselines", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"), Key{Kind: KindABCache, Name: "baselines/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json"}},
		{Champion("ss4rec"), Key{Kind: KindChampion, Model: "ss4rec"}},
		{ModelRunFile("ncf", "r-1a2b", "checkpoints/best.ckpt"), Key{Kind: KindModelRun, Model: "ncf", Run: "r-1a2b", Name: "checkpoints/best.ckpt"}},
		{RunRecord("ab-eval", "20261126T100345.123Z-3f9a1c0b"), Key{Kind: KindRunRecord, Function: "ab-eval", Name: "20261126T100345.123Z-3f9a1c0b"}},
		{EventMarker("quality-check", "etl/day=01/_manifest.json", "abc"), Key{Kind: KindEventMarker, Function: "quality-check",
			Name: strings.TrimSuffix(strings.TrimPrefix(EventMarker("quality-check", "etl/day=01/_manifest.json", "abc"), "runs/quality-check/events/"), ".json")}},
		{InboxEntry("ab-eval", "k", "e"), Key{Kind: KindInboxEntry, Function: "ab-eval", Name: EventHash("k", "e")}},
		{Claim(Claims("ab-eval", "k", "e"), 3), Key{Kind: KindClaim, Function: "ab-eval", Name: EventHash("k", "e"), Gen: 3}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.key)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.key, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Parse(%q) = %+v, want %+v", tt.key, got, tt.want)
		}
		if s := got.String(); s != tt.key {
			t.Errorf("Parse(%q).String() = %q", tt.key, s)
		}
		prefix, suffix := got.Kind.Filter()
		if !strings.HasPrefix(tt.key, prefix) || !strings.HasSuffix(tt.key, suffix) || prefix == "" {
			t.Errorf("%q does not pass the filter %q…%q of %s", tt.key, prefix, suffix, got.Kind)
		}
	}
}

// The keys as they are spelled in the bucket, literally: a change of spelling is a
// change of the bucket's contract and must show here.
func TestSpelling(t *testing.T) {
	got := []string{Raw("d", "r.zip"), Prepared("d", ItemsName), Batch(1), Rejected(2), ETLManifest(3), ETLStatus,
		QualityReport(4), QualityHistory, QualityTrainProfile, ABUnits(5), ABResult(6), ABSummary, ABReport,
		Champion("m"), ModelRunFile("m", "r", "summary.json"), RunRecord("f", "id"), EventMarker("f", "k", "e"),
		InboxEntry("f", "k", "e"), Claim(Claims("f", "k", "e"), 12)}
	want := []string{"raw/d/r.zip", "prepared/d/items.csv", "etl/day=01/batch.csv", "etl/day=02/rejected.csv",
		"etl/day=03/_manifest.json", "etl/status.json", "quality/day=04/report.json", "quality/history.json",
		"quality/train-profile.json", "abtest/day=05/units.csv", "abtest/day=06/result.json", "abtest/summary.json",
		"abtest/report.html", "models/m/champion.json", "models/m/r/summary.json", "runs/f/id.json",
		"runs/f/events/" + EventHash("k", "e") + ".json",
		"runs/f/inbox/" + EventHash("k", "e") + ".json", "runs/f/claims/" + EventHash("k", "e") + "/00000012.json"}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("key %d = %q, want %q", i, got[i], want[i])
		}
	}
	// sha256("k\ne"), as the runtime has always named event markers.
	if h := EventHash("k", "e"); h != "fe033f8461b13d45bfdb86894db9fb5c550d8b617a6006cabc959e9b2645ff79" {
		t.Errorf("event hash %q", h)
	}
}

func TestRunFiles(t *testing.T) {
	got := []string{RunConfigName, RunMetricsName, RunCurvesName, RunModelName, RunSummaryName, RunBestName,
		RunEpochName(3), RunDebugName(2, 41), SplitFile("val")}
	want := []string{"config.yaml", "metrics.jsonl", "curves.html", "model.bin", "summary.json", "checkpoints/best.ckpt",
		"checkpoints/epoch-0003.ckpt", "debug/epoch-0002-batch-000041.json", "val.csv"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("run files %q, want %q", got, want)
	}
	for _, name := range got[:len(got)-1] {
		if k, err := Parse(ModelRunFile("ncf", "r", name)); err != nil || k.Kind != KindModelRun || k.Name != name {
			t.Errorf("%s: %+v, %v", name, k, err)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, key := range []string{
		"", "etl/", "etl/day=01/", "etl/day=01/other.csv", "etl/day=01/batch.csv/x",
		"etl/days=01/batch.csv", "quality/day=01/batch.csv", "abtest/day=01/report.json", "etl/status.json.tmp",
		"prepared/ds/other.csv", "prepared/train.csv", "raw/ds", "raw//x", "models/NCF/champion.json",
		"models/ncf/run", "models/ncf/run/", "models/ncf/run//x", "runs/f/x.txt", "runs/f/events/x.txt",
		"runs/f/events/a/b.json", "runs/x.json", "runs/f/inbox/x.txt", "runs/f/claims/h/1.json", "runs/f/claims/h.json",
		"runs/f/claims/h/0000000x.json", "runs/f/other/x.json", "other/thing", "/etl/day=01/batch.csv",
		"abtest/cache/x.json", "abtest/cache/looks/abc.json", "abtest/cache/Looks/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.json", "abtest/cache/looks/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.csv",
	} {
		if k, err := Parse(key); !errors.Is(err, ErrUnknownKey) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrUnknownKey", key, k, err)
		}
	}
	for _, key := range []string{"etl/day=1/batch.csv", "etl/day=00/_manifest.json", "quality/day=21/report.json", "abtest/day=ab/result.json"} {
		if _, err := Parse(key); !errors.Is(err, ErrBadDay) || !strings.Contains(err.Error(), key) {
			t.Errorf("Parse(%q): %v; want ErrBadDay naming the key", key, err)
		}
	}
}

func TestFilterOfTriggers(t *testing.T) {
	tests := []struct {
		kind           Kind
		prefix, suffix string
	}{
		{KindETLManifest, "etl/", "/_manifest.json"},
		{KindQualityReport, "quality/", "/report.json"},
		{KindChampion, "models/", "/champion.json"},
		{KindABResult, "abtest/", "/result.json"},
		{KindETLStatus, "etl/status.json", ""},
	}
	for _, tt := range tests {
		if p, s := tt.kind.Filter(); p != tt.prefix || s != tt.suffix {
			t.Errorf("%s.Filter() = %q, %q; want %q, %q", tt.kind, p, s, tt.prefix, tt.suffix)
		}
	}
}

func TestListDays(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	for _, k := range []string{
		ETLManifest(2), Batch(2), ETLManifest(10), Batch(11), // day 11: batch without its marker
		"etl/day=21/_manifest.json", "etl/day=3/_manifest.json", // outside the layout
		QualityReport(2), ABUnits(2), ABResult(10), ETLStatus,
	} {
		if _, err := blob.PutBytes(ctx, b, k, []byte("x"), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tt := range []struct {
		name string
		list func(context.Context, Lister) ([]Day, error)
		want []Day
	}{
		{"released", ReleasedDays, []Day{2, 10}},
		{"checked", CheckedDays, []Day{2}},
		{"evaluated", EvaluatedDays, []Day{10}},
	} {
		got, err := tt.list(ctx, b)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s days = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	objs, err := ListDays(ctx, b, KindETLBatch)
	if err != nil || len(objs) != 2 || objs[1].Day != 11 || objs[1].Key != Batch(11) {
		t.Errorf("ListDays(batch) = %+v, %v", objs, err)
	}
	if _, err := ListDays(ctx, b, KindChampion); err == nil {
		t.Error("ListDays of a kind without days: no error")
	}
	champions, err := ListKind(ctx, b, KindETLStatus)
	if err != nil || len(champions) != 1 || champions[0].Key != ETLStatus || champions[0].Parsed.Kind != KindETLStatus {
		t.Errorf("ListKind(etl-status) = %+v, %v", champions, err)
	}
	if _, err := ListKind(ctx, b, KindUnknown); err == nil {
		t.Error("ListKind of the unknown kind: no error")
	}
}

func TestListKind(t *testing.T) {
	ctx := context.Background()
	b := blob.NewMem()
	for _, k := range []string{Champion("ncf"), ModelRunFile("ncf", "r1", ChampionName), Champion("ss4rec"),
		RunRecord("ab-eval", "b"), RunRecord("ab-eval", "a"), EventMarker("ab-eval", "k", "e"), RunRecord("etl-day", "c")} {
		if _, err := blob.PutBytes(ctx, b, k, []byte("x"), blob.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	objs, err := ListKind(ctx, b, KindChampion)
	for _, o := range objs {
		got = append(got, o.Parsed.Model)
	}
	if err != nil || !reflect.DeepEqual(got, []string{"ncf", "ss4rec"}) {
		t.Errorf("champions %v, %v", got, err)
	}
	got = nil
	objs, err = ListKind(ctx, b, KindRunRecord)
	for _, o := range objs {
		got = append(got, o.Parsed.Function+"/"+o.Parsed.Name)
	}
	if err != nil || !reflect.DeepEqual(got, []string{"ab-eval/a", "ab-eval/b", "etl-day/c"}) {
		t.Errorf("run records %v, %v", got, err)
	}
}
