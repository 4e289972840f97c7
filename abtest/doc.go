// Package abtest compares two recommenders (model A and model B, normally the NCF and
// SS4Rec champions) on every released day of the feed, honestly (docs/design.md §Failure model, §Data protocol):
//
//   - Both models and the three baselines of scoring.Baselines score the same rows under
//     the history rule: the history holds train, validation and every released day up
//     to and including the scored one whose quality report passed; a predictor sees only
//     a user's interactions strictly before each row's time.
//   - Metrics (metrics.go): RMSE and MAE, overall and apart for cold-start rows (user or
//     item unseen in train); per user, Precision, Recall, NDCG and hit rate at 5, 10, 20
//     with relevant = rating ≥ 4 (users with no relevant row are left out and counted).
//   - Statistics (sequential.go, stats.go, bootstrap.go, compare.go): per-user and
//     per-row paired differences of every metric, for all users, new users and
//     returning users apart. The cumulative verdict after each day is an always-valid
//     asymptotic confidence sequence (sequential.go, Waudby-Smith et al. 2021) with Holm
//     across metrics: a model wins a metric only when it excludes 0. The last look's
//     fixed-horizon interval (a percentile bootstrap resampling users, seeded PCG
//     streams, and a paired t-test through gonum's incomplete beta) is reported beside
//     it, labelled as such; Cohen's d_z.
//   - Business impact (impact.go, impact.yaml): a projection from the verdict's own
//     interval whose assumptions are part of the output, placeholders marked as such.
//
// Outputs (keys in internal/layout): abtest/day=NN/units.csv (the per-user paired sums), then
// abtest/day=NN/result.json ("ab-result/v2", the day's marker), and abtest/summary.json
// ("ab-summary/v2": the per-day trend and the cumulative comparison, re-bootstrapped from
// the units of every day) with abtest/report.html (one self-contained page, inline SVG).
// Every output is a pure function of its inputs, whose checksums it records: reruns write
// identical bytes, and the summary does not depend on the order days were evaluated in.
package abtest
