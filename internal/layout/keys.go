package layout

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Top-level folders of the bucket.
const (
	RawPrefix      = "raw/"
	PreparedPrefix = "prepared/"
	ETLPrefix      = "etl/"
	QualityPrefix  = "quality/"
	ABPrefix       = "abtest/"
	ModelsPrefix   = "models/"
	RunsPrefix     = "runs/"
	DeployedPrefix = "deployed/"
)

// VersionName is the marker of a deployed model version, written last:
// deployed/<model>/day=NN/version.json (beside its model.bin).
const VersionName = "version.json"

// DeployedFile is deployed/<model>/day=NN/<name>: a file of the version of model
// deployed at the end of day d (trained on train, validation and the released days up
// to d; day 0 is the champion itself and has no folder).
func DeployedFile(model string, d Day, name string) string {
	return DeployedPrefix + model + "/" + dayFolder + d.String() + "/" + name
}

// ModelVersion is deployed/<model>/day=NN/version.json.
func ModelVersion(model string, d Day) string { return DeployedFile(model, d, VersionName) }

// dayFolder is the folder of a day under a stage's prefix: <prefix>day=NN/.
const dayFolder = "day="

// Object names inside their folders.
const (
	ManifestName = "_manifest.json" // prepared/<dataset>/ and etl/day=NN/ markers
	TrainName    = "train.csv"
	ValName      = "val.csv"
	TestName     = "test.csv"
	ItemsName    = "items.csv"
	BatchName    = "batch.csv"
	RejectedName = "rejected.csv"
	ReportName   = "report.json"
	ResultName   = "result.json"
	UnitsName    = "units.csv"
	ChampionName = "champion.json"
	EventsFolder = "events" // runs/<function>/events/
	InboxFolder  = "inbox"  // runs/<function>/inbox/
	ClaimsFolder = "claims" // runs/<function>/claims/
)

// Keys of the bucket's single documents.
const (
	ETLStatus           = ETLPrefix + "status.json"
	QualityHistory      = QualityPrefix + "history.json"
	QualityTrainProfile = QualityPrefix + "train-profile.json"
	ABSummary           = ABPrefix + "summary.json"
	ABReport            = ABPrefix + "report.html"
)

// Raw is raw/<dataset>/<name>: a file of the release as prepare read it.
func Raw(dataset, name string) string { return RawPrefix + dataset + "/" + name }

// PreparedDir is prepared/<dataset>/.
func PreparedDir(dataset string) string { return PreparedPrefix + dataset + "/" }

// Prepared is prepared/<dataset>/<name>: train.csv, val.csv, test.csv, items.csv, _manifest.json.
func Prepared(dataset, name string) string { return PreparedDir(dataset) + name }

// PreparedManifest is prepared/<dataset>/_manifest.json, prepare's marker.
func PreparedManifest(dataset string) string { return Prepared(dataset, ManifestName) }

// ETLDay is etl/day=NN/: the folder of a released day.
func ETLDay(d Day) string { return ETLPrefix + dayFolder + d.String() + "/" }

// Batch is etl/day=NN/batch.csv.
func Batch(d Day) string { return ETLDay(d) + BatchName }

// Rejected is etl/day=NN/rejected.csv.
func Rejected(d Day) string { return ETLDay(d) + RejectedName }

// ETLManifest is etl/day=NN/_manifest.json, etl-day's marker.
func ETLManifest(d Day) string { return ETLDay(d) + ManifestName }

// QualityDay is quality/day=NN/.
func QualityDay(d Day) string { return QualityPrefix + dayFolder + d.String() + "/" }

// QualityReport is quality/day=NN/report.json, quality-check's marker.
func QualityReport(d Day) string { return QualityDay(d) + ReportName }

// ABDay is abtest/day=NN/.
func ABDay(d Day) string { return ABPrefix + dayFolder + d.String() + "/" }

// ABResult is abtest/day=NN/result.json, ab-eval's marker.
func ABResult(d Day) string { return ABDay(d) + ResultName }

// cacheFolder holds ab-eval's derived artifacts under abtest/.
const cacheFolder = "cache/"

// ABCache is abtest/cache/<name>/<hash>.json: a derived artifact of ab-eval (tuned
// baselines, a look of the summary) keyed by the hex sha256 hash of everything it was
// computed from, so that an entry is never stale: other inputs, another key.
func ABCache(name, hash string) string { return ABPrefix + cacheFolder + name + "/" + hash + ".json" }

// ABUnits is abtest/day=NN/units.csv.
func ABUnits(d Day) string { return ABDay(d) + UnitsName }

// ModelDir is models/<model>/.
func ModelDir(model string) string { return ModelsPrefix + model + "/" }

// Champion is models/<model>/champion.json.
func Champion(model string) string { return ModelDir(model) + ChampionName }

// ModelRun is models/<model>/<run>/: the folder of one training run.
func ModelRun(model, run string) string { return ModelDir(model) + run + "/" }

// ModelRunFile is models/<model>/<run>/<name>.
func ModelRunFile(model, run, name string) string { return ModelRun(model, run) + name }

// The files of a training run, under models/<model>/<run>/ (ModelRunFile).
const (
	RunConfigName   = "config.yaml"   // the effective config
	RunMetricsName  = "metrics.jsonl" // one line per epoch
	RunCurvesName   = "curves.html"   // learning curves
	RunModelName    = "model.bin"     // the best epoch's model
	RunSummaryName  = "summary.json"  // "train-summary/v1", written last
	RunCheckpoints  = "checkpoints/"
	RunBestName     = RunCheckpoints + "best.ckpt"
	RunEpochsPrefix = RunCheckpoints + "epoch-" // + NNNN.ckpt, the latest few
)

// RunEpochName is checkpoints/epoch-NNNN.ckpt, the checkpoint after epoch e.
func RunEpochName(e int) string { return fmt.Sprintf("%s%04d.ckpt", RunEpochsPrefix, e) }

// RunDebugName is debug/epoch-NNNN-batch-NNNNNN.json, the state of a failed step.
func RunDebugName(epoch, batch int) string {
	return fmt.Sprintf("debug/epoch-%04d-batch-%06d.json", epoch, batch)
}

// SplitFile is the file of a prepared split ("train", "val", "test"): <split>.csv.
func SplitFile(split string) string { return split + ".csv" }

// Runs is runs/<function>/: the function's run records and event markers.
func Runs(function string) string { return RunsPrefix + function + "/" }

// RunRecord is runs/<function>/<id>.json.
func RunRecord(function, id string) string { return Runs(function) + id + ".json" }

// EventHash names an object version (key, etag) in event markers, inbox entries and
// claims: the hex sha256 of key "\n" etag.
func EventHash(key, etag string) string {
	sum := sha256.Sum256([]byte(key + "\n" + etag))
	return hex.EncodeToString(sum[:])
}

// EventMarker is runs/<function>/events/<EventHash>.json: present once function has
// handled the object event of (key, etag).
func EventMarker(function, key, etag string) string {
	return Runs(function) + EventsFolder + "/" + EventHash(key, etag) + ".json"
}

// Inbox is runs/<function>/inbox/: the events received for function and not yet done.
func Inbox(function string) string { return Runs(function) + InboxFolder + "/" }

// InboxEntry is runs/<function>/inbox/<EventHash>.json.
func InboxEntry(function, key, etag string) string {
	return Inbox(function) + EventHash(key, etag) + ".json"
}

// Claims is runs/<function>/claims/<EventHash>/: the claims on one event, by generation.
func Claims(function, key, etag string) string {
	return Runs(function) + ClaimsFolder + "/" + EventHash(key, etag) + "/"
}

// Claim is the claim of generation gen in a claims folder: <claims>NNNNNNNN.json.
func Claim(claims string, gen int) string { return fmt.Sprintf("%s%08d.json", claims, gen) }
