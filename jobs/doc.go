// Package jobs is the job runtime: the routing table (key pattern → function), event
// dispatch with de-duplication, run records under runs/<function>/<id>.json, retries of
// transient storage errors, structured logging, and failure reporting. It knows no
// domain package: functions register their handlers with it.
package jobs
