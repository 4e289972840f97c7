// Package training is the wiring that train-gpu and `pipeline demo` share: reading a
// prepared dataset's splits for the trainer, and reporting training progress.
package training
