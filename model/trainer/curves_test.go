package trainer

import (
	"strings"
	"testing"
)

func TestCurvesPage(t *testing.T) {
	ms := []EpochMetrics{
		{Epoch: 1, TrainLoss: 1.2, ValRMSE: 0.95, ValMAE: 0.74, EpochSeconds: 3},
		{Epoch: 2, TrainLoss: 0.9, ValRMSE: 0.90, ValMAE: 0.70, Best: true, EpochSeconds: 4},
		{Epoch: 3, TrainLoss: 0.8, ValRMSE: 0.91, ValMAE: 0.71, EpochSeconds: 5},
	}
	page := CurvesPage("ncf", "ncf-abc", ms)
	for _, want := range []string{"ncf run ncf-abc", "best epoch 2", "train loss (MSE)", "validation RMSE", "<polyline", ">epoch<"} {
		if !strings.Contains(page, want) {
			t.Errorf("curves page lacks %q", want)
		}
	}
	if strings.Contains(page, "<script") || strings.Contains(page, "http://") && !strings.Contains(page, "http://www.w3.org/2000/svg") {
		t.Error("curves page must be self-contained")
	}
	// Timings are not part of the page: the same metrics with other timings give the same bytes.
	ms[0].EpochSeconds = 99
	if CurvesPage("ncf", "ncf-abc", ms) != page {
		t.Error("curves page depends on timings")
	}
}
