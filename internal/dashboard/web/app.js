// recpipe dashboard: renders the JSON views of /api/<view> and fetches them again
// when the server says the bucket changed (server-sent events on /api/events).
// Everything from the bucket goes into the page as text (textContent), never as HTML.
'use strict';

const VIEWS = ['overview', 'etl', 'quality', 'ab', 'models'];
const PALETTE = ['#2f5d9e', '#e07000', '#3c8d2f', '#8e44ad', '#b8860b', '#c0392b', '#16a085', '#555f6e'];
const state = { view: null, data: null, shownGen: null, latestGen: null, loading: false, again: false, loads: 0, ui: {} };

// ---- DOM helpers ----------------------------------------------------------------

function h(tag, props, ...children) {
  const e = document.createElement(tag);
  if (typeof props === 'string') props = { class: props };
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

function svg(tag, attrs, ...children) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
  for (const c of children.flat()) if (c) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

const fmt = {
  n(v, d = 4) { return v === null || v === undefined ? '—' : Number(v).toFixed(d); },
  signed(v, d = 4) { return v === null || v === undefined ? '—' : (v >= 0 ? '+' : '') + Number(v).toFixed(d); },
  int(v) { return v === null || v === undefined ? '—' : Number(v).toLocaleString('en-US'); },
  pct(v, d = 1) { return v === null || v === undefined ? '—' : (100 * v).toFixed(d) + '%'; },
  ci(ci, d = 4) { return ci ? '[' + fmt.signed(ci.low, d) + ', ' + fmt.signed(ci.high, d) + ']' : '—'; },
  p(v) { return v === null || v === undefined ? '—' : v < 0.001 ? v.toExponential(1) : v.toFixed(3); },
  secs(v) { return v === null || v === undefined ? '—' : v < 1 ? (v * 1000).toFixed(0) + ' ms' : v < 120 ? v.toFixed(1) + ' s' : (v / 60).toFixed(1) + ' min'; },
  time(t) { if (!t) return '—'; const d = new Date(t); return isNaN(d) ? t : d.toISOString().replace('T', ' ').slice(0, 19) + 'Z'; },
  unix(s) { return s ? new Date(s * 1000).toISOString().slice(0, 10) : '—'; },
  ago(t) {
    const s = (Date.now() - new Date(t).getTime()) / 1000;
    if (!isFinite(s)) return '';
    if (s < 90) return Math.max(0, Math.round(s)) + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 129600) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  },
  day(d) { return 'day ' + String(d).padStart(2, '0'); },
};

function badge(text, kind) { return h('span', 'badge b-' + kind, text); }
function statusBadge(s) {
  const kind = { ok: 'ok', passed: 'ok', failed: 'bad', abandoned: 'bad', skipped: 'wait', running: 'warn', pending: 'wait' }[s] || 'wait';
  return badge(s, kind);
}
function winnerText(w, models) {
  if (w === 'a') return 'A (' + (models && models.a ? models.a.spec : 'A') + ')';
  if (w === 'b') return 'B (' + (models && models.b ? models.b.spec : 'B') + ')';
  return 'none';
}

function table(cols, rows, opts = {}) {
  const head = h('tr', null, cols.map(c => h('th', c.num ? 'num' : null, c.label)));
  const body = rows.map(r => h('tr', r._class ? { class: r._class } : null, cols.map(c => {
    const v = c.get(r);
    return h('td', c.num ? 'num' : c.wrap ? 'wrap' : null, v instanceof Node ? v : v === undefined ? '' : String(v));
  })));
  return h('div', 'tablewrap', h('table', opts.class ? { class: opts.class } : null, h('thead', null, head), h('tbody', null, body)));
}

function card(label, value, sub) {
  return h('div', 'card', h('div', 'label', label), h('div', value.length > 12 ? 'value long' : 'value', value), sub ? h('div', 'sub', sub) : null);
}

function empty(text) { return h('p', 'muted', text); }

// ---- Charts: SVG drawn to the width of their box -----------------------------------

function chartBox(spec, opts = {}) {
  const box = h('div', { class: 'chartbox', 'data-chart': spec.id });
  box.append(h('div', 'title', spec.title));
  if (spec.note) box.append(h('div', 'note', spec.note));
  const plot = h('div', 'plot');
  box.append(plot);
  const legend = h('div', 'legend');
  spec.series.forEach((s, i) => legend.append(h('span', null, legendSwatch(PALETTE[i % PALETTE.length], s, spec.kind), s.name)));
  box.append(legend);
  box._spec = spec;
  box._height = opts.height || 230;
  return box;
}

function legendSwatch(color, s, kind) {
  const mark = kind === 'bars' ? svg('rect', { x: 3, y: 1, width: 12, height: 10, fill: color })
    : s.dots ? svg('g', null, svg('line', { x1: 9, x2: 9, y1: 0, y2: 12, stroke: color, 'stroke-width': 1.5 }), svg('circle', { cx: 9, cy: 6, r: 3, fill: color }))
    : svg('line', { x1: 0, x2: 18, y1: 6, y2: 6, stroke: color, 'stroke-width': 2.5, 'stroke-dasharray': s.dashed ? '4 3' : null });
  const band = s.band ? svg('rect', { x: 0, y: 1, width: 18, height: 10, fill: color, 'fill-opacity': 0.16 }) : null;
  return svg('svg', { class: 'swatch', width: 18, height: 12, viewBox: '0 0 18 12' }, band, mark);
}

function niceTicks(lo, hi, n) {
  if (hi === lo) { hi = lo + 1; lo = lo - 1; }
  const raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map(m => m * mag).find(s => s >= raw) || 10 * mag;
  const out = [];
  for (let v = Math.floor(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out;
}

function tickText(v) {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.001 || a >= 1e6)) return v.toExponential(1);
  return String(Number(v.toPrecision(4)));
}

function drawChart(box) {
  const spec = box._spec, plot = box.querySelector('.plot');
  const W = Math.max(260, plot.clientWidth || 600), H = box._height;
  const m = { l: 50, r: 14, t: 10, b: 34 };
  const pw = W - m.l - m.r, ph = H - m.t - m.b;
  const xs = spec.xs || [];
  const ys = [];
  for (const s of spec.series) for (const p of s.points) { ys.push(p.y); if (p.lo != null) ys.push(p.lo); if (p.hi != null) ys.push(p.hi); }
  for (const l of spec.lines || []) ys.push(l.y);
  if (spec.kind === 'bars') ys.push(0);
  const root = svg('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': spec.title });
  if (!xs.length || !spec.series.some(s => s.points.length)) {
    root.append(svg('text', { x: m.l, y: m.t + ph / 2 }, 'no data yet'));
    plot.replaceChildren(root);
    return;
  }
  let lo = Math.min(...ys), hi = Math.max(...ys);
  const pad = (hi - lo) * 0.06 || Math.abs(hi) * 0.1 || 1;
  const nonNegative = lo >= 0;
  if (spec.kind !== 'bars') { lo -= pad; hi += pad; }
  if (nonNegative) lo = Math.max(lo, 0);
  const ticks = niceTicks(lo, hi, Math.max(3, Math.min(6, Math.floor(ph / 40))));
  lo = Math.min(lo, nonNegative ? Math.max(ticks[0], 0) : ticks[0]); hi = Math.max(hi, ticks[ticks.length - 1]);
  const y = v => m.t + ph * (1 - (v - lo) / (hi - lo));
  const step = pw / xs.length, pos = new Map(xs.map((d, i) => [d, i]));
  const x = d => m.l + step * (pos.get(d) + 0.5);
  for (const t of ticks) {
    if (t < lo - 1e-12) continue;
    root.append(svg('line', { class: 'grid', x1: m.l, x2: m.l + pw, y1: y(t), y2: y(t) }));
    root.append(svg('text', { x: m.l - 6, y: y(t) + 4, 'text-anchor': 'end' }, tickText(t)));
  }
  root.append(svg('line', { class: 'axis', x1: m.l, x2: m.l + pw, y1: m.t + ph, y2: m.t + ph }));
  const every = Math.max(1, Math.ceil(26 / step));
  xs.forEach((d, i) => {
    if (i % every === 0 || i === xs.length - 1 && (i % every) > every / 2) root.append(svg('text', { x: x(d), y: m.t + ph + 14, 'text-anchor': 'middle' }, d));
  });
  root.append(svg('text', { x: m.l + pw / 2, y: H - 4, 'text-anchor': 'middle' }, spec.x_label || 'day'));
  root.append(svg('text', { x: 12, y: m.t + ph / 2, 'text-anchor': 'middle', transform: 'rotate(-90 12 ' + (m.t + ph / 2) + ')' }, spec.y_label || ''));
  const labelYs = [];
  for (const l of (spec.lines || []).slice().sort((p, q) => q.y - p.y)) { // top to bottom
    root.append(svg('line', { class: 'ref', x1: m.l, x2: m.l + pw, y1: y(l.y), y2: y(l.y) }));
    let ty = y(l.y) - 4;
    if (labelYs.some(u => Math.abs(u - ty) < 12)) ty = y(l.y) + 12; // a close line above: label below this one
    labelYs.push(ty);
    root.append(svg('text', { class: 'reftext', x: m.l + pw - 2, y: ty, 'text-anchor': 'end' }, l.label));
  }
  const n = spec.series.length;
  spec.series.forEach((s, si) => {
    const color = PALETTE[si % PALETTE.length];
    const pts = s.points.filter(p => pos.has(p.x)).sort((a, b) => pos.get(a.x) - pos.get(b.x));
    const g = svg('g', { 'data-series': s.name });
    if (spec.kind === 'bars') {
      const bw = Math.max(2, step * 0.8 / n);
      for (const p of pts) {
        const x0 = x(p.x) - step * 0.4 + bw * si;
        g.append(svg('rect', { x: x0, y: Math.min(y(p.y), y(0)), width: bw, height: Math.abs(y(0) - y(p.y)), fill: color },
          svg('title', null, s.name + ', ' + (spec.x_label || 'day') + ' ' + p.x + ': ' + tickText(p.y))));
      }
      root.append(g);
      return;
    }
    if (s.band) {
      const withCI = pts.filter(p => p.lo != null && p.hi != null);
      if (withCI.length > 1) {
        const up = withCI.map(p => x(p.x) + ',' + y(p.hi)), down = withCI.slice().reverse().map(p => x(p.x) + ',' + y(p.lo));
        g.append(svg('polygon', { points: up.concat(down).join(' '), fill: color, 'fill-opacity': 0.16, stroke: 'none' }));
      }
    }
    if (pts.length > 1 && !s.dots) {
      g.append(svg('polyline', { points: pts.map(p => x(p.x) + ',' + y(p.y)).join(' '), fill: 'none', stroke: color,
        'stroke-width': 2, 'stroke-dasharray': s.dashed ? '5 4' : null }));
    }
    const off = s.band ? 0 : (si - (n - 1) / 2) * Math.min(4, step / (2 * n));
    for (const p of pts) {
      const px = x(p.x) + off;
      if (p.lo != null && p.hi != null) {
        g.append(svg('line', { x1: px, x2: px, y1: y(p.lo), y2: y(p.hi), stroke: color, 'stroke-width': 1.5, 'stroke-opacity': s.band ? 0.5 : 1 }));
        if (!s.band) for (const v of [p.lo, p.hi]) g.append(svg('line', { x1: px - 3, x2: px + 3, y1: y(v), y2: y(v), stroke: color }));
      }
      const tip = s.name + ', ' + (spec.x_label || 'day') + ' ' + p.x + ': ' + tickText(p.y) +
        (p.lo != null ? ' [' + tickText(p.lo) + ', ' + tickText(p.hi) + ']' : '');
      g.append(svg('circle', { cx: px, cy: y(p.y), r: 3, fill: color }, svg('title', null, tip)));
    }
    root.append(g);
  });
  plot.replaceChildren(root);
}

function drawCharts() { document.querySelectorAll('.chartbox').forEach(drawChart); }

// ---- Views -------------------------------------------------------------------------

const render = {};

render.overview = function (v) {
  const st = v.status, c = v.counts, out = [h('h1', null, 'Pipeline overview')];
  const etl = st.etl;
  out.push(h('div', 'cards',
    card('Days released', c.released + ' / ' + v.feed_days, etl ? fmt.int(etl.rows_released) + ' rows, ' + fmt.int(etl.rows_rejected) + ' rejected' : 'no day released yet'),
    card('Days checked', String(c.checked), c.passed + ' passed, ' + c.failed + ' failed the gate'),
    card('Days evaluated', String(c.evaluated), st.ab && st.ab.days.length ? 'cumulative over ' + st.ab.days.length + ' days' : 'no A/B result yet'),
    card('Champions', String(st.models.length), st.models.map(m => m.model).join(', ') || 'none promoted'),
  ));
  out.push(h('h2', null, 'The feed, day by day'));
  const byDay = new Map(st.days.map(d => [d.day, d]));
  const strip = h('div', 'strip');
  for (let d = 1; d <= v.feed_days; d++) {
    const s = byDay.get(d);
    let cls = 'st-future', tip = 'day ' + d + ': not released';
    if (s) {
      if (s.ab_winner) { cls = 'st-evaluated'; tip = 'day ' + d + ': A/B evaluated'; }
      else if (s.quality === 'failed') { cls = 'st-failed'; tip = 'day ' + d + ': quality gate failed (' + (s.checks_failed || []).join(', ') + ')'; }
      else if (s.quality === 'passed') { cls = 'st-passed'; tip = 'day ' + d + ': quality passed, not evaluated yet'; }
      else { cls = 'st-released'; tip = 'day ' + d + ': released, not checked yet'; }
    }
    strip.append(h('div', { class: 'cell ' + cls, title: tip, 'data-day': d }, String(d)));
  }
  out.push(h('div', 'panel', strip, h('div', 'legend',
    ...[['st-evaluated', 'A/B evaluated'], ['st-passed', 'quality passed'], ['st-failed', 'gate failed'], ['st-released', 'released, unchecked'], ['st-future', 'not released']]
      .map(([k, t]) => h('span', null, h('span', 'sw ' + k), t)))));

  out.push(h('h2', null, 'A/B verdict'));
  if (st.ab && st.ab.days.length) {
    const a = st.ab;
    out.push(h('div', { class: 'panel verdict' + (a.winner === 'a' || a.winner === 'b' ? ' win' : ''), id: 'verdict' },
      h('div', 'headline', 'A ' + a.models.a.spec + ' vs B ' + a.models.b.spec + ': winner ' + winnerText(a.winner, a.models)),
      h('p', null, a.verdict),
      h('p', 'muted small', 'cumulative over days ' + a.days.join(', ') + ' · primary metric ' + a.primary_metric + ' · A − B ' + fmt.signed(a.primary_diff) + ' ' + fmt.ci(a.primary_ci))));
  } else out.push(empty('No A/B result yet: ab-eval runs once a released day passes its quality gate.'));

  out.push(h('h2', null, 'Runs by function'));
  const by = (f, k) => (f.by_state || {})[k] || 0;
  if (st.runs.length) {
    out.push(table([
      { label: 'function', get: f => f.function },
      { label: 'runs', num: true, get: f => f.runs },
      { label: 'ok', num: true, get: f => by(f, 'ok') },
      { label: 'skipped', num: true, get: f => by(f, 'skipped') },
      { label: 'running', num: true, get: f => by(f, 'running') ? badge(String(by(f, 'running')), 'warn') : '0' },
      { label: 'failed', num: true, get: f => by(f, 'failed') ? badge(String(by(f, 'failed')), 'bad') : '0' },
      { label: 'abandoned', num: true, get: f => by(f, 'abandoned') ? badge(String(by(f, 'abandoned')), 'bad') : '0' },
      { label: 'last status', get: f => statusBadge(f.status) },
      { label: 'last duration', num: true, get: f => f.status === 'running' ? '—' : fmt.secs(f.wall_seconds) },
      { label: 'mean duration', num: true, get: f => fmt.secs(v.mean_wall_seconds[f.function]) },
      { label: 'last run', get: f => h('span', 'mono', f.last_run) },
    ], st.runs));
  } else out.push(empty('No run records under runs/.'));

  if (st.running && st.running.length) {
    out.push(h('h2', null, 'Running now'), table([
      { label: 'function', get: r => r.function },
      { label: 'object', get: r => h('span', 'mono', r.key || '—') },
      { label: 'lease until', get: r => fmt.time(r.alive_until) },
      { label: 'run id', get: r => h('span', 'mono', r.run_id) },
    ], st.running));
  }
  out.push(h('h2', null, 'Needing attention'));
  out.push(st.attention && st.attention.length ? table([
    { label: 'function', get: r => r.function },
    { label: 'state', get: r => h('span', null, statusBadge(r.state), r.gave_up ? ' given up' : '') },
    { label: 'error', wrap: true, get: r => r.error || '' },
    { label: 'object', get: r => h('span', 'mono', r.key || '—') },
    { label: 'run id', get: r => h('span', 'mono', r.run_id) },
  ], st.attention) : empty('No failed or abandoned run whose work is still undone.'));
  if (st.gates_failed && st.gates_failed.length) {
    out.push(h('h3', null, 'Quality gates failed: these days stop before A/B'), table([
      { label: 'day', num: true, get: g => 'day ' + String(g.day).padStart(2, '0') },
      { label: 'failed checks', wrap: true, get: g => g.checks.join('; ') },
      { label: 'report', get: g => h('span', 'mono', g.report) },
    ], st.gates_failed));
  }

  out.push(h('h2', null, 'Latest runs'));
  out.push(v.recent.length ? table([
    { label: 'function', get: r => r.function },
    { label: 'status', get: r => statusBadge(r.status) },
    { label: 'duration', num: true, get: r => r.end ? fmt.secs(r.wall_seconds) : 'running' },
    { label: 'started', get: r => fmt.time(r.start) },
    { label: 'trigger', get: r => r.trigger },
    { label: 'run id', get: r => h('span', 'mono', r.id) },
  ], v.recent) : empty('None.'));

  out.push(h('h2', null, 'Champions'));
  out.push(st.models.length ? table([
    { label: 'model', get: m => m.model },
    { label: 'run', get: m => h('span', 'mono', m.run) },
    { label: 'dataset', get: m => m.dataset },
    { label: 'validation RMSE', num: true, get: m => fmt.n(m.val_rmse) },
    { label: 'test RMSE', num: true, get: m => fmt.n(m.test_rmse[m.model]) },
  ], st.models) : empty('No champion: run train-gpu --promote.'));
  return out;
};

render.etl = function (v) {
  const out = [h('h1', null, 'ETL: the daily feed')];
  const s = v.status;
  if (!s) return out.concat(empty('No etl/status.json: no day released yet.'));
  const bar = h('div', 'progress', h('div'));
  bar.firstChild.style.width = Math.min(100, s.completion_pct) + '%';
  out.push(h('div', 'cards',
    card('Days released', s.days_released + ' / ' + s.days, 'next day ' + (s.next_day || '— (all released)')),
    card('Rows released', fmt.int(s.rows_released), fmt.int(s.records_remaining) + ' test rows remaining'),
    card('Rows rejected', fmt.int(s.rows_rejected), s.records_processed ? fmt.pct(s.rows_rejected / s.records_processed, 2) + ' of processed rows' : ''),
    card('Data through', fmt.unix(s.data_through), 'last release ' + fmt.time(s.last_update)),
  ));
  out.push(h('div', 'panel', h('div', null, 'Feed of ', h('b', null, s.dataset), ': ' + s.completion_pct + '% of ' + fmt.int(s.test_rows) + ' test rows processed'), bar));
  const xs = Array.from({ length: v.feed_days }, (_, i) => i + 1);
  const rowsChart = { id: 'etl-rows', title: 'Rows released per day', x_label: 'day', y_label: 'rows', kind: 'bars', xs,
    series: [{ name: 'released rows', points: v.days.map(d => ({ x: d.day, y: d.rows })) }] };
  const rejChart = { id: 'etl-rejected', title: 'Rows rejected per day', x_label: 'day', y_label: 'rows', kind: 'bars', xs,
    note: 'malformed rows kept aside in etl/day=NN/rejected.csv with their reason',
    series: [{ name: 'rejected rows', points: v.days.map(d => ({ x: d.day, y: d.rejected })) }] };
  out.push(h('h2', null, 'Rows and rejects'), h('div', 'charts', chartBox(rowsChart), chartBox(rejChart)));
  out.push(h('h2', null, 'Released days'));
  out.push(table([
    { label: 'day', get: d => fmt.day(d.day) },
    { label: 'planned', num: true, get: d => fmt.int(d.planned_rows) },
    { label: 'released', num: true, get: d => fmt.int(d.rows) },
    { label: 'rejected', num: true, get: d => d.rejected ? badge(String(d.rejected), 'warn') : '0' },
    { label: 'reject reasons', wrap: true, get: d => d.reasons.length ? h('span', null, d.reasons.map(r => h('span', 'chip', r.reason + ' × ' + r.rows))) : '—' },
    { label: 'ratings from', get: d => fmt.time(d.time_range.min * 1000) },
    { label: 'to', get: d => fmt.time(d.time_range.max * 1000) },
    { label: 'release time', num: true, get: d => fmt.secs(d.timings.total_ms / 1000) },
  ], v.days.slice().reverse()));
  const samples = v.days.filter(d => d.samples.length);
  out.push(h('h2', null, 'Rejected rows'));
  out.push(samples.length ? table([
    { label: 'day', get: r => fmt.day(r.day) },
    { label: 'line', num: true, get: r => r.line },
    { label: 'reason', wrap: true, get: r => r.reason },
    { label: 'raw row', get: r => h('span', 'mono', r.raw) },
  ], samples.flatMap(d => d.samples.map(s => Object.assign({ day: d.day }, s)))) : empty('No row rejected.'));
  if (samples.some(d => d.rejected > d.samples.length)) out.push(h('p', 'muted small', 'The first ' + samples[0].samples.length + ' rejected rows of each day; the rest are in etl/day=NN/rejected.csv.'));
  return out;
};

render.quality = function (v) {
  const out = [h('h1', null, 'Quality gate')];
  if (!v.days.length) return out.concat(empty('No quality report yet: quality-check runs when a day is released.'));
  const failed = v.gates.filter(g => !g.success);
  out.push(h('div', 'cards',
    card('Days checked', String(v.days.length), 'days ' + v.days.join(', ')),
    card('Gates passed', String(v.gates.length - failed.length), failed.length ? failed.length + ' failed' : 'none failed'),
    card('Checks per day', String(v.checks.length), 'error checks stop the chain; warnings are reported'),
  ));
  out.push(h('h2', null, 'Failed gates'));
  out.push(failed.length ? table([
    { label: 'day', get: g => fmt.day(g.day) },
    { label: 'failed error checks (observed / threshold)', wrap: true, get: g => h('span', null, g.failed_errors.map(c => h('span', 'chip chip-bad', c.check + ': ' + c.observed + ' / ' + c.threshold))) },
    { label: 'failed warnings', wrap: true, get: g => g.failed_warnings.length ? h('span', null, g.failed_warnings.map(c => h('span', 'chip', c.check))) : '—' },
  ], failed) : empty('No gate failed.'));
  const warned = v.gates.filter(g => g.success && g.failed_warnings.length);
  if (warned.length) {
    out.push(h('h3', null, 'Passed with warnings'), table([
      { label: 'day', get: g => fmt.day(g.day) },
      { label: 'failed warnings (observed / threshold)', wrap: true, get: g => h('span', null, g.failed_warnings.map(c => h('span', 'chip', c.check + ': ' + c.observed + ' / ' + c.threshold))) },
    ], warned));
  }
  out.push(h('h2', null, 'Trends'), h('div', 'charts', v.charts.map(c => chartBox(c))));
  out.push(h('h2', null, 'Every check, every day'));
  const head = h('tr', null, h('th', 'name', 'check'), h('th', null, 'severity'), v.days.map(d => h('th', 'day', String(d))));
  const rows = [];
  let group = null;
  for (const c of v.checks) {
    if (c.group !== group) { group = c.group; rows.push(h('tr', 'group', h('td', { class: 'name', colspan: 2 }, group), h('td', { colspan: v.days.length }))); }
    rows.push(h('tr', null, h('td', 'name', c.check), h('td', null, c.severity),
      c.cells.map(cell => {
        if (!cell.ran) return h('td', 'c', h('span', { class: 'c-none', title: 'not run on day ' + cell.day }, '·'));
        const kind = cell.success ? 'pass' : cell.severity === 'error' ? 'error' : 'warn';
        const tip = c.check + ', day ' + cell.day + ': ' + (cell.success ? 'passed' : 'FAILED') + '; observed ' + (cell.observed || '—') + ', threshold ' + (cell.threshold || '—');
        return h('td', 'c', h('span', { class: 'c-' + kind, title: tip }, cell.success ? '✓' : '✗'));
      })));
  }
  out.push(h('div', 'tablewrap', h('table', 'matrix', h('thead', null, head), h('tbody', null, rows))));
  out.push(h('p', 'muted small', '✓ passed · ✗ failed (red: error, the day stops; amber: warning) · · not run (anomaly checks need five earlier days). Hover a cell for its observed value and threshold.'));
  return out;
};

const SEGMENT_NAMES = { all: 'all users', new_users: 'new users', returning_users: 'returning users' };
const segName = s => SEGMENT_NAMES[s] || s;
const bounds = b => b ? '[' + fmt.signed(b[0]) + ', ' + fmt.signed(b[1]) + ']' : '—';

function metricPicker(id, metrics, chosen, primary) {
  return h('select', { id, onchange: e => { state.ui.abMetric = e.target.value; show(); } },
    metrics.map(m => { const o = h('option', { value: m }, m + (m === primary ? ' (primary)' : '')); o.selected = m === chosen; return o; }));
}

function segmentPicker(id, segments, chosen) {
  return h('select', { id, onchange: e => { state.ui.abSegment = e.target.value; show(); } },
    segments.map(sg => { const o = h('option', { value: sg }, segName(sg)); o.selected = sg === chosen; return o; }));
}

render.ab = function (v) {
  const out = [h('h1', null, 'A/B test')];
  if (!v.present || !v.cumulative) return out.concat(empty('No abtest/summary.json yet: ab-eval writes it once a day passed its gate.'));
  const c = v.cumulative, models = v.models, st = c.stats;
  const win = c.winner === 'a' || c.winner === 'b';
  const conf = Math.round(st.confidence * 100) + '%';
  out.push(h('div', { class: 'panel verdict' + (win ? ' win' : ''), id: 'verdict' },
    h('div', 'headline', 'A ' + models.a.spec + ' vs B ' + models.b.spec + ' — winner on ' + v.primary_metric + ' (all users, per user): ' + winnerText(c.winner, models)),
    h('p', null, c.verdict),
    h('p', 'muted small', 'cumulative over days ' + c.days.join(', ') + ' · ' + fmt.int(c.users) + ' users · ' + fmt.int(c.rows) + ' rows · ' +
      conf + ' always-valid confidence sequences, read after every day')));

  const segment = state.ui.abSegment && v.segments.includes(state.ui.abSegment) ? state.ui.abSegment : 'all';
  const metrics = v.metrics || [];
  const metric = state.ui.abMetric && metrics.includes(state.ui.abMetric) ? state.ui.abMetric : v.primary_metric;
  const lookID = (m, sg) => 'ab-look-' + (m === v.primary_metric ? '' : m + '-') + sg;
  out.push(h('h2', null, 'The cumulative verdict as it evolved'));
  out.push(h('div', 'toolbar',
    h('label', { for: 'ab-metric' }, 'metric '), metricPicker('ab-metric', metrics, metric, v.primary_metric),
    h('label', { for: 'ab-segment' }, ' users '), segmentPicker('ab-segment', v.segments, segment)));
  const lookChart = v.charts.find(ch => ch.id === lookID(metric, segment));
  if (lookChart) out.push(h('div', 'charts', chartBox(lookChart, { height: 260 })));
  if (v.looks.length) {
    const head = h('tr', null, h('th', 'name', segName(segment) + ', after day'), v.looks.map(l => h('th', 'day', String(l.day))));
    const body = metrics.map(m => h('tr', m === metric ? { class: 'chosen' } : null,
      h('td', 'name', h('a', { href: '#ab', onclick: e => { e.preventDefault(); state.ui.abMetric = m; show(); } }, m + (m === v.primary_metric ? ' ★' : ''))),
      v.looks.map(l => {
        const lv = (l.metrics || []).find(x => x.metric === m && x.segment === segment);
        if (!lv) return h('td', 'c', h('span', 'c-none', ''));
        const tip = m + ', ' + segName(segment) + ' through day ' + l.day + ': A − B ' + fmt.signed(lv.diff) + ' ' + bounds(lv.sequential_ci) + ', Holm p ' + fmt.p(lv.p_holm) + ', ' + lv.users + ' users';
        return h('td', 'c', h('span', { class: lv.winner === 'none' ? 'c-none' : 'c-' + lv.winner, title: tip }, lv.winner === 'none' ? '·' : lv.winner.toUpperCase()));
      })));
    out.push(h('div', 'tablewrap', h('table', 'matrix', h('thead', null, head), h('tbody', null, body))),
      h('p', 'muted small', 'Each metric per user, read again after every day: A or B, that side wins the metric on the days up to this one (the always-valid sequence excludes 0 and the Holm p across metrics is below ' + (1 - st.confidence).toFixed(2) + '); ·: no winner yet. ★ the primary metric, which decides. Pick a metric to chart its difference and interval; hover a cell for its numbers.'));
  }

  out.push(h('h2', null, 'Every metric at the last look: ' + segName(segment)));
  const vs = c.verdicts.filter(x => x.segment === segment);
  out.push(table([
    { label: 'metric', get: x => x.metric + (x.metric === v.primary_metric && x.unit === 'user' ? ' ★' : '') },
    { label: 'unit', get: x => 'per ' + x.unit },
    { label: 'winner', get: x => x.winner === 'none' ? badge('none', 'wait') : badge(winnerText(x.winner, models), 'ok') },
    { label: 'A − B', num: true, get: x => fmt.signed(x.diff) },
    { label: conf + ' sequence (verdict)', get: x => bounds(x.sequential_ci) },
    { label: 'fixed interval (one look)', get: x => bounds(x.fixed_ci) },
    { label: 'Holm p', num: true, get: x => fmt.p(x.p_holm) },
    { label: 'effective users', num: true, get: x => fmt.n(x.effective_users, 1) },
    { label: 'A ' + models.a.spec, num: true, get: x => fmt.n(x.value_a) },
    { label: 'B ' + models.b.spec, num: true, get: x => fmt.n(x.value_b) },
  ], vs));
  out.push(h('p', 'muted small', 'Per user: each user counts once (mean of the users\' own A − B). Per row / per user-day: the difference of the aggregate values. The fixed-horizon interval is valid for a single look and shown for reference only.'));

  out.push(h('h2', null, 'Day by day'));
  out.push(h('div', 'charts', v.charts.filter(ch => ch.id.startsWith('ab-day-')).map(ch => chartBox(ch))));
  out.push(table([
    { label: 'day', get: d => fmt.day(d.day) },
    { label: 'rows', num: true, get: d => fmt.int(d.rows) },
    { label: 'users', num: true, get: d => fmt.int(d.users) },
    { label: 'cold-start rows', num: true, get: d => fmt.int(d.cold_start_rows) },
    { label: 'quality', get: d => d.quality.success ? badge('passed', 'ok') : badge('failed', 'bad') },
    { label: 'day alone A − B', num: true, get: d => fmt.signed(d.day_alone_mean_user_diff) },
    { label: 'fixed interval', get: d => fmt.ci(d.day_alone_fixed_ci) },
    { label: 'verdict after the day', get: d => { const lv = (d.look || []).find(x => x.segment === 'all'); return lv ? winnerText(lv.winner, models) : '—'; } },
    { label: 'in cumulative', wrap: true, get: d => d.in_cumulative ? 'yes' : 'no: ' + (d.excluded || '') },
    { label: 'scored by (deployed)', wrap: true, get: d => (d.versions || []).length ? h('span', 'mono', d.versions.map(x => x.key).join(', ')) : '—' },
  ], v.days.slice().reverse()));

  out.push(h('h2', null, 'Segments'));
  out.push(table([
    { label: 'segment', get: p => segName(p.segment) },
    { label: 'users', num: true, get: p => fmt.int(p.users) },
    { label: 'rows', num: true, get: p => fmt.int(p.rows) },
    { label: 'ranked user-days', num: true, get: p => fmt.int(p.ranked_users) },
  ], c.segments || []));
  const segRMSE = (m, sg) => { const x = (m.segments || []).find(y => y.segment === sg); return x ? fmt.n(x.rmse) : '—'; };
  out.push(table([
    { label: 'model', get: m => m.name },
    { label: 'role', get: m => m.role },
    { label: 'RMSE, all users', num: true, get: m => fmt.n(m.rmse) },
    { label: 'new users', num: true, get: m => segRMSE(m, 'new_users') },
    { label: 'returning users', num: true, get: m => segRMSE(m, 'returning_users') },
    { label: 'warm rows', num: true, get: m => fmt.n(m.warm.rmse) },
    { label: 'cold-start RMSE', num: true, get: m => fmt.n(m.cold_start.rmse) },
  ], c.metrics));
  out.push(h('p', 'muted small', 'New users: no rating before the cutoff. Cold-start rows: the user or the item was unseen in train.'));

  const bar = (c.bar_verdicts || []).filter(x => x.metric === metric && x.segment === segment);
  if (c.bar && bar.length) {
    out.push(h('h2', { id: 'ab-bar' }, 'Against the bar: each model vs ' + c.bar + ' (tuned on validation), ' + metric + ', ' + segName(segment)));
    out.push(table([
      { label: 'model', get: x => x.a },
      { label: 'unit', get: x => 'per ' + x.unit },
      { label: 'verdict', get: x => x.winner === 'a' ? badge(x.a + ' beats the bar', 'ok') : x.winner === 'b' ? badge('the bar beats ' + x.a, 'bad') : badge('no significant difference', 'wait') },
      { label: 'model − bar', num: true, get: x => fmt.signed(x.diff) },
      { label: conf + ' sequence (verdict)', get: x => bounds(x.sequential_ci) },
      { label: 'Holm p', num: true, get: x => fmt.p(x.p_holm) },
      { label: 'model', num: true, get: x => fmt.n(x.value_a) },
      { label: 'bar', num: true, get: x => fmt.n(x.value_b) },
    ], bar));
    out.push(h('p', 'muted small', 'The bar is the history-aware baseline, tuned on validation like the models: every model is judged against it as well as against the other model, by the same sequential verdict (the model as A, the bar as B). The metric and users pickers above choose the rows.'));
  }

  out.push(h('h2', null, 'Against the baselines'));
  const rk = ['ndcg@10', 'precision@10', 'recall@10', 'hit_rate@10'];
  out.push(table([
    { label: 'model', get: m => m.name },
    { label: 'role', get: m => m.role },
    { label: 'RMSE', num: true, get: m => fmt.n(m.rmse) },
    { label: 'MAE', num: true, get: m => fmt.n(m.mae) },
    ...rk.map(k => ({ label: k, num: true, get: m => fmt.n(m.ranking ? m.ranking[k] : null) })),
  ], c.metrics));
  if (c.impact) {
    const im = c.impact;
    out.push(h('h2', null, 'Projected impact'), h('div', 'panel',
      h('p', null, 'From the verdict on ' + im.metric + ' (' + segName(im.segment) + ', per ' + im.unit + '), winner ' + winnerText(im.winner, models) +
        ': relative change ' + fmt.pct(im.metric_relative_change.estimate, 2) + ' [' + fmt.pct(im.metric_relative_change.low, 2) + ', ' + fmt.pct(im.metric_relative_change.high, 2) + ']'),
      im.uses_placeholders ? h('p', null, badge('placeholder assumptions', 'warn'), ' ', (im.assumptions || []).filter(a => a.placeholder).map(a => a.name).join(', ')) : null,
      h('p', 'muted small', im.note)));
  }
  if (c.method) out.push(h('details', null, h('summary', null, 'Method'), h('p', 'small', c.method)));
  return out;
};

render.models = function (v) {
  const out = [h('h1', null, 'Models')];
  if (!v.models.length) return out.concat(empty('No model under models/: run train-gpu.'));
  for (const m of v.models) {
    out.push(h('h2', null, m.model));
    const ch = m.champion;
    out.push(h('div', 'cards',
      card('Champion', ch ? ch.run : 'none', ch ? 'dataset ' + ch.dataset : 'no champion.json'),
      card('Validation RMSE', ch ? fmt.n(ch.val_rmse) : '—', ch ? 'MAE ' + fmt.n(ch.val_mae) : ''),
      card('Test RMSE', ch ? fmt.n(ch.test_rmse) : '—', 'on the prepared test split'),
      card('Versions', String(m.versions.length), m.versions.filter(x => !x.finished).length + ' unfinished'),
    ));
    out.push(table([
      { label: 'run', get: x => h('span', 'mono', x.run) },
      { label: 'state', get: x => x.champion ? badge('champion', 'ok') : x.finished ? badge('finished', 'wait') : badge('unfinished', 'warn') },
      { label: 'dataset', get: x => x.summary ? x.summary.dataset : '—' },
      { label: 'seed', num: true, get: x => x.summary ? x.summary.seed : '—' },
      { label: 'parameters', num: true, get: x => x.summary ? fmt.int(x.summary.parameters) : '—' },
      { label: 'epochs', num: true, get: x => x.epochs_done },
      { label: 'best epoch', num: true, get: x => x.summary ? x.summary.best_epoch : '—' },
      { label: 'val RMSE', num: true, get: x => x.summary && x.summary.validation[m.model] ? fmt.n(x.summary.validation[m.model].all.rmse) : '—' },
      { label: 'test RMSE', num: true, get: x => x.summary && x.summary.test[m.model] ? fmt.n(x.summary.test[m.model].all.rmse) : '—' },
    ], m.versions.slice().reverse()));
    for (const x of m.versions.slice().reverse()) {
      const det = h('details', { class: 'version', open: x.champion ? 'open' : null },
        h('summary', null, 'Version ' + x.run + (x.champion ? ' (champion)' : '')));
      const s = x.summary;
      if (s) {
        const base = Object.keys(s.test).filter(k => k !== m.model).sort();
        det.append(h('div', 'kv',
          h('div', null, 'lineage'), h('div', null, 'trained on prepared/' + s.dataset + ' (train ' + fmt.int(s.train_rows) + ', validation ' + fmt.int(s.val_rows) + ' rows), seed ' + s.seed + ', config ' + s.config_key),
          h('div', null, 'training'), h('div', null, s.epochs + ' epochs, best ' + s.best_epoch + (s.stopped_early ? ', stopped early' : '')),
          h('div', null, 'test RMSE'), h('div', null, m.model + ' ' + fmt.n(s.test[m.model] && s.test[m.model].all.rmse) + ' · ' + base.map(b => b + ' ' + fmt.n(s.test[b].all.rmse)).join(' · ')),
        ));
      } else det.append(h('p', 'muted', 'No summary.json: the run is unfinished (or was stopped).'));
      if (x.curves) det.append(h('div', 'charts', chartBox(x.curves, { height: 200 }), chartBox(x.errors, { height: 200 })));
      if (x.config) det.append(h('details', null, h('summary', null, 'config.yaml'), h('pre', null, x.config)));
      if (s) det.append(h('details', null, h('summary', null, 'summary.json'), h('pre', null, JSON.stringify(s, null, 2))));
      out.push(det);
    }
    if (m.deployed && m.deployed.length) {
      out.push(h('h3', null, 'Deployed versions (continuous training): ' + m.deployed.length));
      if (m.deployed_chart) out.push(h('div', 'charts', chartBox(m.deployed_chart, { height: 200 })));
      const short = x => x ? x.sha256.slice(0, 12) : '—';
      out.push(table([
        { label: 'after day', get: d => fmt.day(d.version.day) },
        { label: 'parent', get: d => h('span', 'mono', d.version.parent) },
        { label: 'days folded in', wrap: true, get: d => d.version.days_seen.join(', ') || '—' },
        { label: 'rows folded in', num: true, get: d => fmt.int(d.version.metrics.rows_folded_in) },
        { label: 'users refit', num: true, get: d => fmt.int(d.version.metrics.users_refit) },
        { label: 'new users', num: true, get: d => fmt.int(d.version.metrics.new_users) },
        { label: 'fit RMSE', num: true, get: d => fmt.n(d.version.metrics.fit_rmse) },
        { label: 'λ returning / new', get: d => { const f = d.version.config.fold_in; return f ? fmt.n(f.lambdas.returning) + ' / ' + fmt.n(f.lambdas.new) : '—'; } },
        { label: 'champion', get: d => h('span', 'mono', d.version.champion.key + ' ' + short(d.version.champion)) },
        { label: 'model.bin', get: d => h('span', 'mono', short(d.version.model_bin)) },
      ], m.deployed.slice().reverse()));
      out.push(h('p', 'muted small', 'Lineage: each version is its parent refreshed on the released days that passed their gate, up to its day (' + m.deployed[0].version.config.refresh + '); the champion and every input are pinned by checksum in version.json.'));
    }
  }
  return out;
};

// ---- Loading, routing, live updates --------------------------------------------------

function show() {
  const main = document.getElementById('main');
  if (!state.data) return;
  let nodes;
  try { nodes = render[state.view](state.data); } catch (e) { nodes = [h('p', 'error', 'Cannot render this page: ' + e.message)]; }
  const y = window.scrollY;
  main.replaceChildren(...nodes);
  main.setAttribute('data-view', state.view);
  main.setAttribute('data-generation', String(state.shownGen));
  drawCharts();
  window.scrollTo(0, y);
  main.querySelectorAll('details').forEach(d => d.addEventListener('toggle', drawCharts));
}

async function load() {
  if (state.loading) { state.again = true; return; }
  state.loading = true;
  const view = state.view;
  try {
    const res = await fetch('/api/' + view, { credentials: 'same-origin', cache: 'no-store' });
    const body = await res.json().catch(() => ({ error: res.status + ' ' + res.statusText }));
    if (!res.ok) throw new Error(body.error || res.statusText);
    if (view !== state.view) return;
    state.data = body;
    state.shownGen = Number(res.headers.get('X-Dashboard-Generation'));
    state.loads++;
    document.getElementById('bucket').textContent = res.headers.get('X-Dashboard-Bucket') || '';
    show();
  } catch (e) {
    document.getElementById('main').replaceChildren(h('h1', null, view), h('p', 'error', 'Cannot read the bucket: ' + e.message));
  } finally {
    state.loading = false;
    if (state.again) { state.again = false; load(); }
  }
}

function route() {
  let view = location.hash.replace(/^#/, '');
  if (!VIEWS.includes(view)) view = 'overview';
  document.querySelectorAll('#tabs a').forEach(a => a.classList.toggle('active', a.dataset.view === view));
  if (view !== state.view) { state.view = view; state.data = null; }
  load();
}

function live() {
  const el = document.getElementById('live'), text = document.getElementById('live-text');
  const es = new EventSource('/api/events');
  es.addEventListener('generation', e => {
    el.className = 'live on';
    state.latestGen = Number(e.data);
    text.textContent = 'live · ' + new Date().toLocaleTimeString();
    if (state.shownGen !== null && state.latestGen !== state.shownGen) load();
  });
  es.onerror = () => { el.className = 'live off'; text.textContent = 'reconnecting…'; };
}

let resizeTimer = null;
window.addEventListener('resize', () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawCharts, 120); });
window.addEventListener('hashchange', route);
window.dashboard = state; // for tests and curious people: which view, which generation, how many loads
route();
live();
