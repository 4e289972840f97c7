// Package dashboard serves a read-only web app over a bucket: where the pipeline
// stands (days released, checked and evaluated; the last runs of each function), the
// ETL feed (rows and rejects per day, with the rejected rows' reasons), the quality
// gate (each check across days, drift and anomaly trends, failed gates), the A/B test
// (the cumulative verdict per metric as it evolved over the days, per-day results,
// segments, baselines) and the models (versions, training curves, configs).
//
// It is a downstream reader like any other (docs/design.md §The dashboard is a
// downstream reader): it reads only the documents the jobs write, through their Go
// types (etl.DayManifest, quality.Report, abtest.Summary, model.Summary, jobs.Record,
// ...), and writes nothing. GET /api/status is internal/pipelinestatus's Snapshot,
// byte for byte what `pipeline status --json` prints.
//
// The pages are one embedded HTML document with its script and style (web/): nothing
// is fetched from the internet, and the charts are SVG drawn by the script. The page
// updates without a reload: the server lists the bucket every Options.Poll and, when
// an object appeared, changed or went away, tells the open pages over server-sent
// events (GET /api/events), which fetch their data again.
//
// Safe by default: only GET and HEAD are served; Listen refuses an address that is not
// loopback unless a token is set (RECPIPE_DASHBOARD_TOKEN), and with a token every
// request must carry it (Authorization: Bearer, or the cookie that opening
// /?token=... sets).
package dashboard
