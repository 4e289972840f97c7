// Package recompute checks the numbers ab-eval wrote to a bucket by recomputing them
// independently of the evaluation code: from the prepared splits, the released batches
// and the saved champions, every arm's RMSE and MAE per day and cumulatively, and
// Precision@10 and NDCG@10 of arms A and B, written out plainly (no abtest helper).
//
// It is a test aid: the demo's test runs it on the bucket the demo wrote, and
// `make verify` runs it on ./data (AB_VERIFY_BUCKET=URL go test ./abtest/recompute).
package recompute
