// Package reports renders one lab run, or a sweep of runs, into files a
// person reads: results.json (machine-readable, stable byte for byte for a
// given run), summary.md, and a self-contained index.html with inline SVG
// plots whose fault windows are shaded.
//
// Everything a report shows is in virtual time except the fields of
// RealTime, which hold wall-clock facts and are kept apart so that a
// determinism check can ignore them (see Comparable).
//
// The lab runner fills a Run and calls Write; a sweep calls WriteSweepIndex.
// This package never imports lab: data flows one way, lab → reports.
package reports
