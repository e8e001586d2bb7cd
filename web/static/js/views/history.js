// The burn-down and SLI charts of one SLO, drawn from its stored history.
import { h } from '../dom.js';
import { api, enc } from '../api.js';
import { lineChart, legend } from '../charts.js';
import { maxOf, minOf, pct, sliPct, targetPct, windowText } from '../format.js';
import { timeEl } from '../widgets.js';

// loadHistory fetches the SLO's evaluations over the period slod reports
// for it (period_start, period_end: the spec's calendar and time zone are
// slod's business); a failure is kept for drawHistory to show in place of
// the charts.
export async function loadHistory(service, slo) {
  try {
    const data = await api('/services/' + enc(service) + '/slos/' + enc(slo.slug) + '/history?from=' +
      enc(slo.period_start) + '&to=' + enc(slo.period_end));
    return { data };
  } catch (err) {
    return { error: err };
  }
}

// deployMarkers are the service's deploys as chart markers, with what
// each did to this SLO in the tooltip.
function deployMarkers(deploys, slo) {
  return (deploys ?? []).map((d) => {
    const a = (d.slos ?? []).find((x) => x.slo === slo.slug);
    const hour = a?.spans?.[0];
    const burn = (b) => (b === null || b === undefined ? '–' : b.toFixed(1) + 'x');
    let title = 'Deploy ' + d.version + ' at ' + new Date(d.at).toISOString();
    if (hour) title += '\nburn ' + burn(hour.before_burn) + ' before → ' + burn(hour.after_burn) + ' after (1h); ' + (a.suspect ? 'SUSPECT' : 'ok');
    return { t: Date.parse(d.at), label: d.version, title, suspect: !!a?.suspect };
  });
}

// drawHistory fills the SLO's two chart figures (see sloSection); now
// places the present on a calendar period, which ends in the future;
// deploys are marked on both.
export function drawHistory(bd, sl, slo, hist, now, deploys) {
  if (hist.error) {
    for (const fig of [bd, sl]) {
      fig.replaceChildren(h('p', { class: 'form-error', dataset: { field: 'history-error' } },
        h('strong', {}, hist.error.title), hist.error.detail ? ' ' + hist.error.detail : ''));
    }
    return;
  }
  const markers = deployMarkers(deploys, slo);
  burndownChart(bd, slo, hist.data, now, markers);
  sliChart(sl, slo, hist.data, now, markers);
}

// historyPoints: one field of each evaluation as {t, v}; v is null where
// there was no data, which breaks the line.
function historyPoints(points, field) {
  return (points ?? []).map((p) => ({ t: Date.parse(p.at), v: p.status !== 'no_data' ? p[field] : null }));
}

function burndownChart(fig, slo, history, now, markers) {
  const pts = historyPoints(history.points, 'remaining');
  const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
  const lo = minOf(vals, 0);
  const hi = maxOf(vals, 1);
  const pad = (hi - lo) * 0.04;
  const t0 = Date.parse(slo.period_start);
  const t1 = Date.parse(slo.period_end);
  // A rolling period ends at the evaluation; a calendar one runs on.
  const rolling = slo.window !== 'month' && slo.window !== 'week';
  const nowT = Math.min(now, t1);
  const ideal = (t) => 1 - (t - t0) / (t1 - t0);
  const last = vals.length ? vals[vals.length - 1] : null;
  const idealText = rolling
    ? 'the ideal line spends the budget evenly, from 100% at the start of the window to 0% now.'
    : 'at an even spend ' + pct(ideal(nowT)) + ' would be left now.';
  const desc = vals.length
    ? 'Budget remaining went from ' + pct(vals[0]) + ' to ' + pct(last) + ' over ' + vals.length +
      ' evaluations; ' + idealText
    : 'No stored history in this window yet.';
  fig.dataset.points = String(vals.length);
  fig.replaceChildren(
    h('figcaption', {}, h('span', { class: 'chart-title' }, 'Budget burn-down'), ' ',
      h('span', { class: 'muted', dataset: { field: 'period' } }, timeEl(slo.period_start, false), ' – ', timeEl(slo.period_end, false))),
    lineChart({
      id: 'burndown-' + slo.slug, width: fig.clientWidth, t0, t1, lo: lo - pad, hi: hi + pad, nowT: rolling ? null : nowT,
      title: 'Budget remaining of ' + slo.name + ' over its ' + windowText(slo.window), desc,
      refs: [{ cls: 'ideal', t0, v0: 1, t1, v1: 0 }],
      series: [{ cls: 'budget', points: pts }], markers,
    }),
    legend([['budget', 'Budget remaining'], ['ideal', 'Ideal (even spend to 0% at window end)']]),
    h('p', { class: 'chart-summary' }, desc));
}

function sliChart(fig, slo, history, now, markers) {
  const pts = historyPoints(history.points, 'sli');
  const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
  const target = slo.target;
  const floor = minOf(vals, target);
  const span = Math.max(1 - floor, 0.0001);
  const lo = Math.max(0, floor - span * 0.25);
  const hi = 1;
  const t0 = Date.parse(slo.period_start);
  const t1 = Math.min(Date.parse(slo.period_end), Math.max(now, t0 + 1));
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
      series: [{ cls: 'sli', points: pts }], markers,
    }),
    legend([['sli', 'SLI over the window'], ['target', 'Target ' + targetPct(target)]]),
    h('p', { class: 'chart-summary' }, desc));
}
