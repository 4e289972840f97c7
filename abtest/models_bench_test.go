package abtest_test

// BenchmarkEvaluateDay's AB_BENCH_BUCKET loads the ncf and ss4rec champions: every
// model's decoder must be registered in the test binary.
import _ "github.com/recpipe/recpipe/model/all"
