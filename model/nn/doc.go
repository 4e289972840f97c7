// Package nn holds the custom gorgonia Ops shared by the models: the embedding gather
// whose gradient is row-sparse (consumed by the trainer's lazy Adam through
// trainer.Param.AddRows, never materialised as a dense table), and a fused bias-add
// with ReLU. Each Op's backward is checked against finite differences in the tests.
//
// Gorgonia does the wiring and the autodiff of every network built from these Ops;
// the Ops only replace the hot loops that gorgonia does slowly (notes/gorgonia.md).
package nn
