package trainer

import (
	"strconv"

	"github.com/recpipe/recpipe/internal/svgchart"
)

// CurvesPage renders a run's learning curves as one self-contained HTML page: the
// training loss and the validation RMSE and MAE per epoch, the best epoch marked in
// the title. It depends on the metrics alone (no timings), so a rerun writes the same bytes.
func CurvesPage(model, run string, ms []EpochMetrics) string {
	xs := make([]int, len(ms))
	loss := svgchart.Series{Name: "train loss (MSE)", Color: "#3465a4"}
	rmse := svgchart.Series{Name: "validation RMSE", Color: "#e07000"}
	mae := svgchart.Series{Name: "validation MAE", Color: "#75507b", Dashed: true}
	best := "none yet"
	for i, m := range ms {
		xs[i] = m.Epoch
		loss.Points = append(loss.Points, svgchart.Point{X: m.Epoch, Y: m.TrainLoss})
		rmse.Points = append(rmse.Points, svgchart.Point{X: m.Epoch, Y: m.ValRMSE})
		mae.Points = append(mae.Points, svgchart.Point{X: m.Epoch, Y: m.ValMAE})
		if m.Best {
			best = strconv.Itoa(m.Epoch)
		}
	}
	title := model + " run " + run + ": learning curves"
	return svgchart.Page(title,
		svgchart.Chart{Title: "Training loss per epoch", XLabel: "epoch", YLabel: "MSE", XS: xs, Series: []svgchart.Series{loss}},
		svgchart.Chart{Title: "Validation error per epoch (best epoch " + best + ")", XLabel: "epoch", YLabel: "error",
			XS: xs, Series: []svgchart.Series{rmse, mae}},
	)
}
