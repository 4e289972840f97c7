package layout

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Kind is what a key is.
type Kind int

// The kinds of key (see the package doc for their keys).
const (
	KindUnknown Kind = iota
	KindRaw
	KindPrepared
	KindETLBatch
	KindETLRejected
	KindETLManifest
	KindETLStatus
	KindQualityReport
	KindQualityHistory
	KindQualityProfile
	KindABUnits
	KindABResult
	KindABSummary
	KindABReport
	KindModelRun
	KindChampion
	KindRunRecord
	KindEventMarker
	KindInboxEntry
	KindClaim
	KindModelVersion     // deployed/<model>/day=NN/version.json: a deployed version's marker
	KindModelVersionFile // deployed/<model>/day=NN/<file>: its model.bin
	KindABCache          // abtest/cache/<name>/<hash>.json: a derived artifact of ab-eval
)

var kindNames = [...]string{"unknown", "raw", "prepared", "etl-batch", "etl-rejected", "etl-manifest", "etl-status",
	"quality-report", "quality-history", "quality-profile", "ab-units", "ab-result", "ab-summary", "ab-report",
	"model-run", "champion", "run-record", "event-marker", "inbox-entry", "claim",
	"model-version", "model-version-file", "ab-cache"}

func (k Kind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("Kind(%d)", int(k))
	}
	return kindNames[k]
}

// dayNames are the objects of a day folder, by stage prefix.
var dayNames = map[string]map[string]Kind{
	ETLPrefix:     {BatchName: KindETLBatch, RejectedName: KindETLRejected, ManifestName: KindETLManifest},
	QualityPrefix: {ReportName: KindQualityReport},
	ABPrefix:      {UnitsName: KindABUnits, ResultName: KindABResult},
}

// preparedNames are the objects of prepared/<dataset>/.
var preparedNames = map[string]bool{TrainName: true, ValName: true, TestName: true, ItemsName: true, ManifestName: true}

// single are the keys of single documents.
var single = map[string]Kind{ETLStatus: KindETLStatus, QualityHistory: KindQualityHistory,
	QualityTrainProfile: KindQualityProfile, ABSummary: KindABSummary, ABReport: KindABReport}

// Filter is the notification filter (key prefix and suffix) that S3 and MinIO can
// express for keys of kind k: the top folder, and the fixed object name when there
// is one. Every key of kind k passes it; Parse is the exact rule.
func (k Kind) Filter() (prefix, suffix string) {
	for key, kk := range single {
		if kk == k {
			return key, ""
		}
	}
	for p, names := range dayNames {
		for name, kk := range names {
			if kk == k {
				return p, "/" + name
			}
		}
	}
	switch k {
	case KindRaw:
		return RawPrefix, ""
	case KindPrepared:
		return PreparedPrefix, ""
	case KindModelRun:
		return ModelsPrefix, ""
	case KindChampion:
		return ModelsPrefix, "/" + ChampionName
	case KindRunRecord:
		return RunsPrefix, ".json"
	case KindEventMarker, KindInboxEntry, KindClaim:
		return RunsPrefix, ".json"
	case KindModelVersion:
		return DeployedPrefix, "/" + VersionName
	case KindModelVersionFile:
		return DeployedPrefix, ""
	case KindABCache:
		return ABPrefix + cacheFolder, ".json"
	}
	return "", ""
}

// ModelName is the rule for a model's name in models/<model>/.
var ModelName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// ErrUnknownKey: a key that is not part of the layout.
var ErrUnknownKey = errors.New("not a key of the bucket layout")

// Key is a parsed key: its kind and the fields its kind has.
type Key struct {
	Kind     Kind
	Day      Day    // etl, quality and abtest day objects
	Dataset  string // raw, prepared
	Model    string // models/<model>/...
	Run      string // models/<model>/<run>/...
	Function string // runs/<function>/...
	// Name is the object's name inside its folder: batch.csv, report.json, a raw
	// file, a run's path below models/<model>/<run>/ (e.g. checkpoints/best.ckpt),
	// a run record's id, the event hash of an event marker, inbox entry or claim,
	// a cache entry's <name>/<hash>.json below abtest/cache/.
	Name string
	Gen  int // a claim's generation
}

// String formats the key back: Parse(k.String()) == k for every parsed k.
func (k Key) String() string {
	switch k.Kind {
	case KindRaw:
		return Raw(k.Dataset, k.Name)
	case KindPrepared:
		return Prepared(k.Dataset, k.Name)
	case KindETLBatch, KindETLRejected, KindETLManifest:
		return ETLDay(k.Day) + k.Name
	case KindQualityReport:
		return QualityDay(k.Day) + k.Name
	case KindABUnits, KindABResult:
		return ABDay(k.Day) + k.Name
	case KindModelRun:
		return ModelRunFile(k.Model, k.Run, k.Name)
	case KindChampion:
		return Champion(k.Model)
	case KindRunRecord:
		return RunRecord(k.Function, k.Name)
	case KindEventMarker:
		return Runs(k.Function) + EventsFolder + "/" + k.Name + ".json"
	case KindInboxEntry:
		return Inbox(k.Function) + k.Name + ".json"
	case KindClaim:
		return Claim(Runs(k.Function)+ClaimsFolder+"/"+k.Name+"/", k.Gen)
	case KindModelVersion, KindModelVersionFile:
		return DeployedFile(k.Model, k.Day, k.Name)
	case KindABCache:
		return ABPrefix + cacheFolder + k.Name
	}
	for key, kk := range single {
		if kk == k.Kind {
			return key
		}
	}
	return ""
}

// Parse recognises a key of the layout and returns its kind and fields; any other
// key is an error wrapping ErrUnknownKey (or ErrBadDay for a day folder out of range).
func Parse(key string) (Key, error) {
	if k, ok := single[key]; ok {
		return Key{Kind: k}, nil
	}
	top, rest, _ := strings.Cut(key, "/")
	var (
		k  Key
		ok bool
	)
	switch top + "/" {
	case RawPrefix:
		k, ok = parseDataset(KindRaw, rest, nil)
	case PreparedPrefix:
		k, ok = parseDataset(KindPrepared, rest, preparedNames)
	case ABPrefix:
		if c, found := strings.CutPrefix(rest, cacheFolder); found {
			k, ok = parseCache(c)
			break
		}
		var err error
		if k, ok, err = parseDayObject(top+"/", rest); err != nil {
			return Key{}, fmt.Errorf("%q: %w", key, err)
		}
	case ETLPrefix, QualityPrefix:
		var err error
		if k, ok, err = parseDayObject(top+"/", rest); err != nil {
			return Key{}, fmt.Errorf("%q: %w", key, err)
		}
	case ModelsPrefix:
		k, ok = parseModel(rest)
	case RunsPrefix:
		k, ok = parseRuns(rest)
	case DeployedPrefix:
		var err error
		if k, ok, err = parseDeployed(rest); err != nil {
			return Key{}, fmt.Errorf("%q: %w", key, err)
		}
	}
	if !ok {
		return Key{}, fmt.Errorf("%w: %q", ErrUnknownKey, key)
	}
	return k, nil
}

// parseDataset reads <dataset>/<name>, with name one of names (nil: any segment).
func parseDataset(kind Kind, rest string, names map[string]bool) (Key, bool) {
	ds, name, ok := strings.Cut(rest, "/")
	if !ok || !segment(ds) || !segment(name) || (names != nil && !names[name]) {
		return Key{}, false
	}
	return Key{Kind: kind, Dataset: ds, Name: name}, true
}

// parseDayObject reads day=NN/<name> under a stage's prefix.
func parseDayObject(prefix, rest string) (Key, bool, error) {
	nn, name, ok := strings.Cut(strings.TrimPrefix(rest, dayFolder), "/")
	kind, known := dayNames[prefix][name]
	if !strings.HasPrefix(rest, dayFolder) || !ok || !known {
		return Key{}, false, nil
	}
	d, err := ParseDay(nn)
	if err != nil {
		return Key{}, false, err
	}
	return Key{Kind: kind, Day: d, Name: name}, true, nil
}

// parseModel reads <model>/champion.json or <model>/<run>/<path>.
func parseModel(rest string) (Key, bool) {
	m, tail, ok := strings.Cut(rest, "/")
	if !ok || !ModelName.MatchString(m) {
		return Key{}, false
	}
	if tail == ChampionName {
		return Key{Kind: KindChampion, Model: m}, true
	}
	run, name, ok := strings.Cut(tail, "/")
	if !ok || !segment(run) || !path(name) {
		return Key{}, false
	}
	return Key{Kind: KindModelRun, Model: m, Run: run, Name: name}, true
}

// parseDeployed reads <model>/day=NN/<name> with name version.json or model.bin.
func parseDeployed(rest string) (Key, bool, error) {
	m, tail, ok := strings.Cut(rest, "/")
	if !ok || !ModelName.MatchString(m) {
		return Key{}, false, nil
	}
	nn, name, ok := strings.Cut(strings.TrimPrefix(tail, dayFolder), "/")
	kind := map[string]Kind{VersionName: KindModelVersion, RunModelName: KindModelVersionFile}[name]
	if !strings.HasPrefix(tail, dayFolder) || !ok || kind == KindUnknown {
		return Key{}, false, nil
	}
	d, err := ParseDay(nn)
	if err != nil {
		return Key{}, false, err
	}
	return Key{Kind: kind, Model: m, Day: d, Name: name}, true, nil
}

// parseRuns reads <function>/<id>.json, <function>/events/<hash>.json,
// <function>/inbox/<hash>.json or <function>/claims/<hash>/<gen>.json.
func parseRuns(rest string) (Key, bool) {
	fn, tail, ok := strings.Cut(rest, "/")
	if !ok || !segment(fn) {
		return Key{}, false
	}
	folder, file, nested := strings.Cut(tail, "/")
	if !nested {
		id, ok := strings.CutSuffix(tail, ".json")
		if !ok || !segment(id) {
			return Key{}, false
		}
		return Key{Kind: KindRunRecord, Function: fn, Name: id}, true
	}
	switch folder {
	case EventsFolder, InboxFolder:
		h, ok := strings.CutSuffix(file, ".json")
		if !ok || !segment(h) {
			return Key{}, false
		}
		kind := KindEventMarker
		if folder == InboxFolder {
			kind = KindInboxEntry
		}
		return Key{Kind: kind, Function: fn, Name: h}, true
	case ClaimsFolder:
		h, g, ok := strings.Cut(file, "/")
		g, isJSON := strings.CutSuffix(g, ".json")
		gen, err := strconv.Atoi(g)
		if !ok || !isJSON || !segment(h) || err != nil || gen < 0 || len(g) != 8 {
			return Key{}, false
		}
		return Key{Kind: KindClaim, Function: fn, Name: h, Gen: gen}, true
	}
	return Key{}, false
}

// segment reports whether s is one non-empty path segment.
func segment(s string) bool { return s != "" && s != "." && s != ".." && !strings.Contains(s, "/") }

// path reports whether s is one or more segments.
func path(s string) bool {
	for _, p := range strings.Split(s, "/") {
		if !segment(p) {
			return false
		}
	}
	return true
}

// IsKind reports whether key is a key of the layout of kind k.
func IsKind(key string, k Kind) bool {
	p, err := Parse(key)
	return err == nil && p.Kind == k
}

// parseCache reads <name>/<hash>.json under abtest/cache/.
func parseCache(rest string) (Key, bool) {
	name, file, ok := strings.Cut(rest, "/")
	hash, json := strings.CutSuffix(file, ".json")
	if !ok || !json || !ModelName.MatchString(name) || !cacheHash.MatchString(hash) {
		return Key{}, false
	}
	return Key{Kind: KindABCache, Name: rest}, true
}

// cacheHash is the rule for a cache entry's hash: 64 lowercase hex digits.
var cacheHash = regexp.MustCompile(`^[0-9a-f]{64}$`)
