// Package abtest compares two recommenders (model A and model B, normally the NCF and
// SS4Rec champions) on every released day of the feed, honestly (DESIGN §5, §6):
//
//   - Both models and the three baselines of scoring.Baselines score the same rows under
//     the history rule: the history holds train, validation and every released day up
//     to and including the scored one whose quality report passed; a predictor sees only
//     a user's interactions strictly before each row's time.
//   - Metrics (metrics.go): RMSE and MAE, overall and apart for cold-start rows (user or
//     item unseen in train); per user, Precision, Recall, NDCG and hit rate at 5, 10, 20
//     with relevant = rating ≥ 4 (users with no relevant row are left out and counted).
//   - Statistics (stats.go, bootstrap.go, compare.go): per-user paired differences of
//     every metric; a percentile bootstrap interval of their mean resampling users
//     (seeded PCG streams, ≥ 10,000 resamples); a paired t-test through the regularized
//     incomplete beta function, Holm-corrected across metrics; Cohen's d_z. A model wins a
//     metric only when the interval excludes 0 (and the Holm p is below 1 − confidence);
//     otherwise the verdict says "no significant difference".
//   - Business impact (impact.go, impact.yaml): a projection whose assumptions are part of
//     the output, computed from the measured difference and its interval.
//
// Outputs (keys in internal/layout): abtest/day=NN/units.csv (the per-user paired sums), then
// abtest/day=NN/result.json ("ab-result/v1", the day's marker), and abtest/summary.json
// ("ab-summary/v1": the per-day trend and the cumulative comparison, re-bootstrapped from
// the units of every day) with abtest/report.html (one self-contained page, inline SVG).
// Every output is a pure function of its inputs, whose checksums it records: reruns write
// identical bytes, and the summary does not depend on the order days were evaluated in.
package abtest
