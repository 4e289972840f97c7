// Package qualitycheck is the quality-check function: its settings (each a flag with
// its environment variable), the handler of the etl manifest event, the command line
// run, and what it prints. It links no model code: the quality-check binary and its
// Lambda hold the quality gate and nothing else.
package qualitycheck
