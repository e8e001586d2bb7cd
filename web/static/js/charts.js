// Line charts as SVG, sized to their container, with nothing to fetch.
import { h, s } from './dom.js';
import { maxOf, noNegZero } from './format.js';

// thin keeps at most two points (min and max) per pixel column, in time
// order, so a month of 30s evaluations still draws quickly.
function thin(points, x, width) {
  if (points.length <= width * 2) return points;
  const out = [];
  let col = null;
  let lo = null;
  let hi = null;
  const flush = () => {
    if (lo === null) return;
    if (lo === hi) out.push(lo);
    else out.push(...(lo.t < hi.t ? [lo, hi] : [hi, lo]));
  };
  for (const p of points) {
    const c = Math.floor(x(p.t));
    if (p.v === null) { flush(); out.push(p); lo = hi = null; col = null; continue; }
    if (c !== col) { flush(); col = c; lo = hi = p; continue; }
    if (p.v < lo.v) lo = p;
    if (p.v > hi.v) hi = p;
  }
  flush();
  return out;
}

// pathData draws a line through points; a null value breaks the line.
function pathData(points, x, y) {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p.v === null) { pen = false; continue; }
    d += (pen ? 'L' : 'M') + x(p.t).toFixed(1) + ' ' + y(p.v).toFixed(1);
    pen = true;
  }
  return d;
}

function dateTicks(t0, t1, count) {
  const span = t1 - t0;
  const day = 86400000;
  const steps = [3600000, 3 * 3600000, 6 * 3600000, 12 * 3600000, day, 2 * day, 7 * day, 14 * day, 30 * day];
  const step = steps.find((st) => span / st <= count) || steps[steps.length - 1];
  const ticks = [];
  const first = Math.ceil(t0 / step) * step;
  for (let t = first; t <= t1; t += step) ticks.push(t);
  return { ticks, step };
}

function tickLabel(t, step) {
  const d = new Date(t);
  if (step < 86400000) return d.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

function valueTicks(lo, hi, count) {
  const span = hi - lo;
  const raw = span / count;
  const mag = Math.pow(10, Math.floor(Math.log10(raw)));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((st) => span / st <= count) || 10 * mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) ticks.push(v);
  return { ticks, step };
}

function tickPct(v, step) {
  const decimals = Math.max(0, Math.min(3, Math.ceil(-Math.log10(step * 100) + 1e-9)));
  return noNegZero((v * 100).toFixed(decimals)) + '%';
}

// lineChart draws series ({cls, points:[{t,v}]}), reference lines
// ({cls, t0, v0, t1, v1}) and optional bands (below) over [t0, t1] x
// [lo, hi] into an SVG sized to the container. nowT, when set, marks the
// present; markers ({t, label, title, suspect}) are deploys, drawn as
// flagged vertical lines with the title as tooltip. data-from and data-to
// give the time axis' ends, which labels only approximate.
export function lineChart(opts) {
  const width = Math.max(280, Math.round(opts.width));
  const height = width < 480 ? 180 : 220;
  const vt = valueTicks(opts.lo, opts.hi, width < 480 ? 4 : 5);
  const yLabels = vt.ticks.map((v) => tickPct(v, vt.step));
  // Room for the longest y label at 11px (about 6.5px a character).
  const m = { top: 12, right: 14, bottom: 26, left: 12 + 6.5 * maxOf(yLabels.map((l) => l.length), 3) };
  const t0 = opts.t0;
  const t1 = opts.t1;
  const x = (t) => m.left + ((t - t0) / (t1 - t0)) * (width - m.left - m.right);
  const y = (v) => m.top + (1 - (v - opts.lo) / (opts.hi - opts.lo)) * (height - m.top - m.bottom);
  const titleId = opts.id + '-title';
  const descId = opts.id + '-desc';
  const root = s('svg', {
    viewBox: '0 0 ' + width + ' ' + height, width, height, role: 'img',
    'aria-labelledby': titleId + ' ' + descId, class: 'chart-svg',
    dataset: { from: new Date(t0).toISOString(), to: new Date(t1).toISOString() },
  }, s('title', { id: titleId }, opts.title), s('desc', { id: descId }, opts.desc));

  const grid = s('g', { class: 'grid', 'aria-hidden': 'true' });
  vt.ticks.forEach((v, i) => {
    grid.append(s('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: v === 0 ? 'zero' : null }));
    grid.append(s('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end' }, yLabels[i]));
  });
  const dt = dateTicks(t0, t1, width < 480 ? 3 : 6);
  for (const t of dt.ticks) {
    grid.append(s('line', { x1: x(t), x2: x(t), y1: m.top, y2: height - m.bottom, class: 'vert' }));
    grid.append(s('text', { x: x(t), y: height - 8, 'text-anchor': 'middle' }, tickLabel(t, dt.step)));
  }
  root.append(grid);

  // Bands mark time spans ({cls, t0, t1, lane, label, data}): a lane
  // (0, 1, ...) is a thin strip along the top, no lane the plot's height.
  for (const b of opts.bands ?? []) {
    const bx = x(Math.max(b.t0, t0));
    const full = b.lane === undefined || b.lane === null;
    root.append(s('rect', {
      class: b.cls, x: bx.toFixed(1), width: Math.max(1, x(Math.min(b.t1, t1)) - bx).toFixed(1),
      y: full ? m.top : m.top + b.lane * 7, height: full ? height - m.top - m.bottom : 6, dataset: b.data,
    }, b.label ? s('title', {}, b.label) : null));
  }

  for (const ref of opts.refs) {
    root.append(s('path', { class: ref.cls, d: 'M' + x(ref.t0).toFixed(1) + ' ' + y(ref.v0).toFixed(1) + 'L' + x(ref.t1).toFixed(1) + ' ' + y(ref.v1).toFixed(1) }));
  }
  if (opts.nowT && opts.nowT < t1) {
    root.append(s('line', { class: 'now', x1: x(opts.nowT), x2: x(opts.nowT), y1: m.top, y2: height - m.bottom }));
  }
  for (const mk of opts.markers ?? []) {
    if (mk.t < t0 || mk.t > t1) continue;
    const mx = x(mk.t);
    root.append(s('g', { class: 'deploy-marker' + (mk.suspect ? ' suspect' : ''), dataset: { deployMarker: mk.label } },
      s('title', {}, mk.title),
      s('line', { x1: mx, x2: mx, y1: m.top, y2: height - m.bottom }),
      s('path', { d: 'M' + mx.toFixed(1) + ' ' + m.top + 'l5 -5h-10z' })));
  }
  for (const ser of opts.series) {
    const pts = thin(ser.points, x, width);
    const drawn = pts.filter((p) => p.v !== null);
    root.append(s('path', { class: ser.cls, d: pathData(pts, x, y), dataset: { points: drawn.length } }));
    const last = drawn[drawn.length - 1];
    if (last) root.append(s('circle', { class: ser.cls + '-last', cx: x(last.t), cy: y(last.v), r: 3.5 }));
  }
  return root;
}

// legend: [[cls, text]], each with a short sample of the line.
export function legend(items) {
  return h('ul', { class: 'legend' }, items.map(([cls, text]) =>
    h('li', {}, s('svg', { viewBox: '0 0 24 8', width: 24, height: 8, 'aria-hidden': 'true' },
      s('path', { class: cls, d: 'M1 4H23' })), text)));
}
