package reports

// pageCSS styles both the run page and the sweep index. System fonts only:
// the page must render offline, so it loads nothing.
const pageCSS = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1d1d1d; margin: 0 auto; padding: 24px 32px 48px; max-width: 1040px; }
h1 { font-size: 22px; margin: 0 0 4px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.facts { color: #555; margin: 0 0 12px; }
.badge { font-size: 14px; font-weight: 700; color: #fff; padding: 3px 10px; border-radius: 4px; letter-spacing: .04em; }
.v-pass { background: #009E73; } .v-fail { background: #D55E00; }
.v-unknown { background: #6b6b6b; } .v-expected-fail { background: #8a4f7d; }
.t-pass { color: #00795a; font-weight: 600; } .t-fail { color: #b34d00; font-weight: 600; }
.t-unknown { color: #555; font-weight: 600; } .t-expected-fail { color: #8a4f7d; font-weight: 600; }
.promise { background: #f4f8fb; border-left: 4px solid #0072B2; padding: 8px 14px; margin: 12px 0; }
table { border-collapse: collapse; margin: 6px 0; font-variant-numeric: tabular-nums; }
th, td { border-bottom: 1px solid #e5e5e5; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #fafafa; font-weight: 600; }
td.num, th.num { text-align: right; }
code, pre { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #f6f6f6; padding: 8px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
.plot { margin: 12px 0 20px; }
svg { width: 100%; height: auto; display: block; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 12px; fill: #333; }
svg .title { font-size: 14px; font-weight: 600; fill: #1d1d1d; }
svg .axistitle { fill: #555; }
svg .grid { stroke: #e3e3e3; stroke-width: 1; }
svg .plotarea { fill: none; stroke: #555; stroke-width: 1; }
svg .series { stroke-width: 2; stroke-linejoin: round; }
svg .fault { fill-opacity: .22; }
svg .fault-instant { stroke-width: 2; stroke-dasharray: 5 3; }
svg .fault-label { font-size: 11px; fill: #222; paint-order: stroke; stroke: #fff; stroke-width: 3px; }
svg .note { fill: #888; font-size: 14px; }
.warn { color: #b34d00; }
.muted { color: #666; }
`
