// Package retrain is the retrain function (docs/design.md §Models): its settings (each
// a flag with its environment variable), the handler of A/B result events, and the
// command line run. After a day is scored (its quality gate passed), it writes every
// refreshable model's version of the end of that day, deployed/<model>/day=NN/, whose
// marker's event has ab-eval score the next day with it.
package retrain
