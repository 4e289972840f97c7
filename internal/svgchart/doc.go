// Package svgchart draws small self-contained SVG line and bar charts over integer x
// positions (days of the feed, epochs of a training run), for pages people look at:
// the A/B report and training curves. No scripts, no external resources.
package svgchart
