// Command train-gpu trains a model (ncf or ss4rec) on a prepared dataset, early-stopping
// on validation, and writes the run to models/<model>/<run>/ (see trainer.TrainRun).
// With --promote the run becomes models/<model>/champion.json, which ab-eval scores.
//
//	train-gpu --model ncf                                  # configs/ncf.yaml on ml-latest-small
//	train-gpu --model ncf --config configs/ncf-demo.yaml   # the short demo run
//	train-gpu --model ncf --lr 0.002 --set net.tower=[128,64,32] --promote
//	train-gpu --model ncf --resume ncf-0123456789ab        # continue a stopped run
//
// A run is named by a hash of its effective config: rerunning the same config is a
// no-op (--force retrains it).
package main
