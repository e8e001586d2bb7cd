// The burn-down and SLI charts of one SLO, drawn from its stored history.
import { h } from '../dom.js';
import { api, enc } from '../api.js';
import { lineChart, legend } from '../charts.js';
import { dateTime, maxOf, minOf, pct, sliPct, targetPct, windowRange, windowText } from '../format.js';

// loadHistory fetches the SLO's evaluations over its period; a failure is
// kept for drawHistory to show in place of the charts.
export async function loadHistory(service, slo, now) {
  const range = windowRange(slo.window, now);
  const to = new Date(Math.min(range.end.getTime(), now.getTime()));
  try {
    const data = await api('/services/' + enc(service) + '/slos/' + enc(slo.slug) + '/history?from=' +
      enc(range.start.toISOString()) + '&to=' + enc(to.toISOString()));
    return { data, range };
  } catch (err) {
    return { error: err, range };
  }
}

// drawHistory fills the SLO's two chart figures (see sloSection).
export function drawHistory(bd, sl, slo, hist, now) {
  if (hist.error) {
    for (const fig of [bd, sl]) {
      fig.replaceChildren(h('p', { class: 'form-error', dataset: { field: 'history-error' } },
        h('strong', {}, hist.error.title), hist.error.detail ? ' ' + hist.error.detail : ''));
    }
    return;
  }
  burndownChart(bd, slo, hist.data, hist.range, now);
  sliChart(sl, slo, hist.data, hist.range, now);
}

// historyPoints: one field of each evaluation as {t, v}; v is null where
// there was no data, which breaks the line.
function historyPoints(points, field) {
  return (points ?? []).map((p) => ({ t: Date.parse(p.at), v: p.status !== 'no_data' ? p[field] : null }));
}

function burndownChart(fig, slo, history, range, now) {
  const pts = historyPoints(history.points, 'remaining');
  const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
  const lo = minOf(vals, 0);
  const hi = maxOf(vals, 1);
  const pad = (hi - lo) * 0.04;
  const t0 = range.start.getTime();
  const t1 = range.end.getTime();
  const nowT = Math.min(now, t1);
  const ideal = (t) => 1 - (t - t0) / (t1 - t0);
  const last = vals.length ? vals[vals.length - 1] : null;
  const idealText = range.rolling
    ? 'the ideal line spends the budget evenly, from 100% at the start of the window to 0% now.'
    : 'at an even spend ' + pct(ideal(nowT)) + ' would be left now.';
  const desc = vals.length
    ? 'Budget remaining went from ' + pct(vals[0]) + ' to ' + pct(last) + ' over ' + vals.length +
      ' evaluations; ' + idealText
    : 'No stored history in this window yet.';
  fig.dataset.points = String(vals.length);
  fig.replaceChildren(
    h('figcaption', {}, h('span', { class: 'chart-title' }, 'Budget burn-down'), ' ',
      h('span', { class: 'muted' }, dateTime(range.start.toISOString()) + ' – ' + dateTime(range.end.toISOString()))),
    lineChart({
      id: 'burndown-' + slo.slug, width: fig.clientWidth, t0, t1, lo: lo - pad, hi: hi + pad, nowT: range.rolling ? null : nowT,
      title: 'Budget remaining of ' + slo.name + ' over its ' + windowText(slo.window), desc,
      refs: [{ cls: 'ideal', t0, v0: 1, t1, v1: 0 }],
      series: [{ cls: 'budget', points: pts }],
    }),
    legend([['budget', 'Budget remaining'], ['ideal', 'Ideal (even spend to 0% at window end)']]),
    h('p', { class: 'chart-summary' }, desc));
}

function sliChart(fig, slo, history, range, now) {
  const pts = historyPoints(history.points, 'sli');
  const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
  const target = slo.target;
  const floor = minOf(vals, target);
  const span = Math.max(1 - floor, 0.0001);
  const lo = Math.max(0, floor - span * 0.25);
  const hi = 1;
  const t0 = range.start.getTime();
  const t1 = Math.min(range.end.getTime(), Math.max(now, t0 + 1));
  const below = vals.filter((v) => v < target).length;
  const desc = vals.length
    ? 'SLI between ' + sliPct(minOf(vals, 1)) + ' and ' + sliPct(maxOf(vals, 0)) + ', latest ' +
      sliPct(vals[vals.length - 1]) + '; target ' + targetPct(target) + '; ' + below + ' of ' + vals.length +
      ' evaluations below target.'
    : 'No stored history in this window yet.';
  fig.dataset.points = String(vals.length);
  fig.replaceChildren(
    h('figcaption', {}, h('span', { class: 'chart-title' }, 'SLI over time')),
    lineChart({
      id: 'sli-' + slo.slug, width: fig.clientWidth, t0, t1, lo, hi,
      title: 'SLI of ' + slo.name + ' against its target', desc,
      refs: [{ cls: 'target', t0, v0: target, t1, v1: target }],
      series: [{ cls: 'sli', points: pts }],
    }),
    legend([['sli', 'SLI over the window'], ['target', 'Target ' + targetPct(target)]]),
    h('p', { class: 'chart-summary' }, desc));
}
