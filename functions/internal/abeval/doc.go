// Package abeval is the ab-eval function: its settings (each a flag with its
// environment variable), the handler of quality report and champion events, the
// command line run, and the loading of models (it links every registered model).
package abeval
