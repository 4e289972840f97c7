// Package ratings holds the one record type every stage exchanges, a MovieLens
// rating, and its canonical CSV form:
//
//	userId,movieId,rating,timestamp
//	1,31,2.5,1260759144
//
// The header is always present. Ratings are written with one decimal; timestamps are
// Unix seconds. Parsing is strict and reports the file and line of every bad row.
package ratings
