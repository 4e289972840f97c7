// Package quality is the quality gate of the daily feed: it measures one released
// day (etl/day=NN/) against its manifest, the earlier days and the training data,
// writes quality/day=NN/report.json (schema "quality-report/v1", shaped like a Great
// Expectations suite result: success, statistics, one result per check with its
// observed value) and rebuilds quality/history.json from the day reports.
//
// Every check has a severity. An error-severity failure fails the day (Run returns
// an error wrapping ErrGateFailed; the binary exits 3 and the chain stops); a warning
// is reported and passes. Thresholds come from a YAML file (thresholds.yaml, embedded
// as the default).
//
// Drift and novelty are measured against a profile of the training split, computed
// once per prepared dataset and cached as quality/train-profile.json, so a day never
// re-reads train.
package quality
