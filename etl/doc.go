// Package etl ingests MovieLens releases, splits them by time without leakage
// (prepare), and releases the test period as a daily production feed (etl-day).
// It owns the prepared/ and etl/ keys of the bucket (keys.go).
package etl
