// Package layout owns the bucket's layout: every key, prefix and marker the pipeline
// reads or writes is spelled here and nowhere else. Producers and consumers build keys
// with its functions (QualityReport(d), Batch(d), Champion(m), ...), an object event's
// key is parsed once with Parse into a Key (its kind and fields), and the days a stage
// has finished are listed from its markers (ReleasedDays, CheckedDays, EvaluatedDays).
//
// Keys are relative to the bucket's prefix. NN is a Day, two digits, 01..20 (Days).
// A marker is written last by its stage: its presence says the stage's other
// objects for that day are complete.
//
//	key                                   kind               written by     what
//	raw/<dataset>/<name>                  KindRaw            prepare        the release files as read
//	prepared/<dataset>/train.csv          KindPrepared       prepare        the splits (also val.csv, test.csv, items.csv)
//	prepared/<dataset>/_manifest.json     KindPrepared       prepare        marker: "prepared-manifest/v1"
//	etl/day=NN/batch.csv                  KindETLBatch       etl-day        the day's clean rows
//	etl/day=NN/rejected.csv               KindETLRejected    etl-day        the day's malformed rows, with reasons
//	etl/day=NN/_manifest.json             KindETLManifest    etl-day        marker: "etl-day-manifest/v1"; starts quality-check
//	etl/status.json                       KindETLStatus      etl-day        "etl-status/v1": the feed's progress
//	quality/day=NN/report.json            KindQualityReport  quality-check  marker: "quality-report/v1"; starts ab-eval
//	quality/history.json                  KindQualityHistory quality-check  "quality-history/v1"
//	quality/train-profile.json            KindQualityProfile quality-check  "quality-train-profile/v1"
//	abtest/day=NN/units.csv               KindABUnits        ab-eval        the per-user paired sums of the day
//	abtest/day=NN/result.json             KindABResult       ab-eval        marker: "ab-result/v2"; starts retrain
//	abtest/summary.json                   KindABSummary      ab-eval        "ab-summary/v2"
//	abtest/report.html                    KindABReport       ab-eval        the A/B report page
//	abtest/cache/<name>/<hash>.json       KindABCache        ab-eval        "ab-cache/v1": a derived artifact keyed by
//	                                                                        the sha256 of its inputs (abtest.Cache)
//	models/<model>/<run>/<name>           KindModelRun       train-gpu      a training run's files: config.yaml,
//	                                                                        metrics.jsonl, curves.html, checkpoints/,
//	                                                                        debug/, model.bin, summary.json (last)
//	models/<model>/champion.json          KindChampion       train-gpu      "champion/v1"; starts ab-eval
//	deployed/<model>/day=NN/model.bin     KindModelVersionFile retrain      the version of the end of day NN (ab-eval
//	                                                                        writes it too when it needs it missing)
//	deployed/<model>/day=NN/version.json  KindModelVersion   retrain        marker: "model-version/v1"; starts ab-eval
//	runs/<function>/<id>.json             KindRunRecord      every function "run-record/v1"
//	runs/<function>/events/<hash>.json    KindEventMarker    the runtime    "event-marker/v1": an event handled
//	runs/<function>/inbox/<hash>.json     KindInboxEntry     the runtime    an event received, not yet done
//	runs/<function>/claims/<hash>/<gen>.json KindClaim       the runtime    a run's lease on an event (gen: 8 digits)
//
// <model> matches [a-z0-9][a-z0-9_-]*; <dataset>, <run>, <function> and <id> are
// one non-empty path segment; <hash> is EventHash(key, etag), the hex sha256 of an
// object version.
package layout
