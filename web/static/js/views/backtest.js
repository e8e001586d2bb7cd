// The backtest page of a service: its spec replayed over recorded events
// (budget line, alert bands, denied bands per SLO) and a what-if with
// other targets over the same events, side by side.
import { h } from '../dom.js';
import { api, enc, ApiError } from '../api.js';
import { lineChart, legend } from '../charts.js';
import { dateTime, duration, maxOf, minOf, minutes, pct, targetPct, windowSeconds } from '../format.js';

const RANGES = [['7d', 7], ['30d', 30], ['90d', 90]];
const DAY_MS = 86400000;
const RUN_TEXT = { result: 'Current spec', against: 'What-if' };

// runBacktest asks slod for the service's replay ending at to (slod's own
// clock: the instant of its latest evaluation), with targets (slug ->
// percent) as the what-if when there are any.
function runBacktest(name, days, to, targets) {
  const body = { service: name };
  if (to) {
    body.to = to;
    body.from = new Date(Date.parse(to) - days * DAY_MS).toISOString();
  } else {
    // Not evaluated yet: slod's now ends the range; a minute spare keeps a
    // browser clock a little behind slod's inside the 90-day limit.
    body.from = new Date(Date.now() - days * DAY_MS + 60000).toISOString();
  }
  if (Object.keys(targets).length) body.against_targets = targets;
  return api('/backtest', {
    method: 'POST', headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

const hoursText = (v) => v.toLocaleString('en-US', { maximumFractionDigits: 1 }) + ' h';
const signed = (text, v) => (v > 0 ? '+' : '') + text;

// SUMMARY_ROWS: label, field, the value of a summary and its text.
const SUMMARY_ROWS = [
  ['Pages', 'pages', (sm) => sm.pages, String],
  ['Tickets', 'tickets', (sm) => sm.tickets, String],
  ['Alert minutes', 'alert-minutes', (sm) => sm.alert_minutes, minutes],
  ['Hours of normal deploys denied', 'denied-hours', (sm) => sm.denied_hours, hoursText],
  ['Lowest budget', 'lowest-budget', (sm) => sm.lowest_budget?.remaining ?? null,
    (v, sm) => pct(v) + ' (' + sm.lowest_budget.slo + ', ' + dateTime(sm.lowest_budget.at) + ')'],
];

function summaryTable(bt) {
  const runs = bt.against ? ['result', 'against'] : ['result'];
  const diff = bt.diff ? { pages: bt.diff.pages, tickets: bt.diff.tickets, alert_minutes: bt.diff.alert_minutes,
    denied_hours: bt.diff.denied_hours, lowest_budget: bt.diff.lowest_budget ?? null } : null;
  const diffCell = (field, get) => {
    const v = field === 'lowest-budget' ? diff.lowest_budget : get(diff);
    if (v === null) return h('td', { dataset: { field, run: 'diff' } }, '—');
    const text = field === 'lowest-budget' ? pct(v) : field === 'alert-minutes' ? minutes(v) : field === 'denied-hours' ? hoursText(v) : String(v);
    return h('td', { dataset: { field, run: 'diff', value: v } }, signed(text, v));
  };
  return h('div', { class: 'table-wrap' }, h('table', { class: 'backtest-summary', id: 'backtest-summary' },
    h('caption', { class: 'sr-only' }, 'Summary of each replay'),
    h('thead', {}, h('tr', {}, h('td', {}), runs.map((r) => h('th', { scope: 'col' }, RUN_TEXT[r])),
      diff ? h('th', { scope: 'col' }, 'Difference') : null)),
    h('tbody', {}, SUMMARY_ROWS.map(([label, field, get, text]) => h('tr', {},
      h('th', { scope: 'row' }, label),
      runs.map((r) => {
        const sm = bt[r].summary;
        const v = get(sm);
        return h('td', { dataset: { field, run: r, value: v } }, v === null ? '—' : text(v, sm));
      }),
      diff ? diffCell(field, get) : null)))));
}

// timelineChart draws one SLO of one run into fig, on the y range shared
// by both runs so that they compare at a glance.
function timelineChart(fig, bt, run, slo, lo, hi) {
  const t0 = Date.parse(bt.from);
  const t1 = Date.parse(bt.to);
  const pts = slo.points.map((p) => ({ t: Date.parse(p.at), v: p.status !== 'no_data' && !p.error ? p.remaining : null }));
  const denied = run.gate.filter((g) => g.decision === 'deny');
  const bands = denied.map((g) => ({
    cls: 'band-deny', t0: Date.parse(g.from), t1: Date.parse(g.to),
    label: 'Normal deploys denied ' + dateTime(g.from) + ' – ' + dateTime(g.to) + ': ' + g.codes.join(', '),
    data: { band: 'deny', from: g.from, to: g.to, codes: g.codes.join(' ') },
  })).concat(slo.alerts.map((a) => ({
    cls: 'band-' + a.severity, lane: a.severity === 'page' ? 0 : 1, t0: Date.parse(a.from), t1: Date.parse(a.to),
    label: a.severity + ' ' + a.long + '/' + a.short + ' over ' + a.factor + '×: ' + dateTime(a.from) + ' – ' + dateTime(a.to),
    data: { band: a.severity, from: a.from, to: a.to, long: a.long, short: a.short },
  })));
  const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
  const count = (sev) => slo.alerts.filter((a) => a.severity === sev).length;
  const deniedHours = denied.reduce((sum, g) => sum + (Date.parse(g.to) - Date.parse(g.from)) / 3600000, 0);
  const desc = (vals.length ? 'Budget remaining from ' + pct(vals[0]) + ' to ' + pct(vals[vals.length - 1]) +
    ', lowest ' + pct(minOf(vals, Infinity)) + '; ' : 'No budget in this range; ') +
    count('page') + ' page and ' + count('ticket') + ' ticket intervals; normal deploys denied for ' + hoursText(deniedHours) + '.';
  fig.replaceChildren(
    h('figcaption', {}, h('span', { class: 'chart-title' }, RUN_TEXT[fig.dataset.run]), ' ',
      h('span', { class: 'muted' }, 'target ' + targetPct(slo.target) + ', ' + slo.window + ', from ' + slo.source)),
    lineChart({
      id: fig.id + '-svg', width: fig.clientWidth, t0, t1, lo, hi,
      title: 'Replayed budget of ' + slo.name + ' (' + RUN_TEXT[fig.dataset.run] + ')', desc,
      refs: [], bands, series: [{ cls: 'budget', points: pts }],
    }),
    legend([['budget', 'Budget remaining'], ['band-page', 'Page firing'], ['band-ticket', 'Ticket firing'],
      ['band-deny', 'Normal deploys of the service denied']]),
    h('p', { class: 'chart-summary' }, desc));
}

// backtestView shows the replay of the named service and its what-if form.
export function backtestView(name) {
  let svc = null;
  let bt = null;
  let running = false;
  const range = h('select', { id: 'backtest-range' },
    RANGES.map(([label, days]) => h('option', { value: days, selected: days === 30 }, 'Last ' + label)));
  const targets = h('div', { class: 'fields', id: 'backtest-targets' });
  const submit = h('button', { type: 'submit', id: 'backtest-submit', class: 'btn primary' }, 'Run backtest');
  const status = h('p', { id: 'backtest-status', class: 'muted', role: 'status' });
  const formError = h('div', { id: 'backtest-error', class: 'form-error', role: 'alert' });
  const result = h('div', { id: 'backtest-result', 'aria-live': 'polite', dataset: { state: 'idle', runs: 0 } });
  const form = h('form', { id: 'backtest-form', class: 'panel', novalidate: true, onsubmit: (ev) => { ev.preventDefault(); run(); } },
    h('h2', {}, 'Replay'),
    h('p', { class: 'hint' }, 'Change a target to see what it would have done over the same events. A backtest changes nothing.'),
    h('div', { class: 'fields' }, h('div', { class: 'field' }, h('label', { for: 'backtest-range' }, 'Range'), range)),
    targets,
    h('div', { class: 'form-actions' }, submit, status),
    formError);

  // whatIf: the targets the form changes (slug -> percent); an input
  // that is not a number is a problem named here, before slod is asked.
  function whatIf() {
    const out = {};
    for (const slo of svc.slos) {
      const input = targets.querySelector('#target-' + CSS.escape(slo.slug));
      const v = Number(input.value);
      if (input.value.trim() === '' || !Number.isFinite(v)) throw new ApiError(0, 'Invalid target', slo.name + ': enter a percentage such as 99.9.');
      if (Math.abs(v - slo.target * 100) > 1e-9) out[slo.slug] = v;
    }
    return out;
  }

  async function run() {
    if (running || !svc) return;
    running = true;
    submit.disabled = true;
    formError.replaceChildren();
    result.dataset.state = 'running';
    status.textContent = 'Replaying…';
    try {
      bt = await runBacktest(name, Number(range.value), svc.evaluated_at, whatIf());
      result.dataset.state = 'done';
      // slod's own range, to the nanosecond: what a script compares with.
      result.dataset.from = bt.from;
      result.dataset.to = bt.to;
      result.dataset.runs = String(Number(result.dataset.runs) + 1);
      status.textContent = 'Replayed ' + dateTime(bt.from) + ' – ' + dateTime(bt.to) + ' every ' + duration(windowSeconds(bt.step)) + '.';
      draw();
    } catch (err) {
      result.dataset.state = 'error';
      status.textContent = '';
      const busy = err instanceof ApiError && err.status === 429;
      formError.replaceChildren(
        h('strong', { dataset: { field: 'title' } }, busy ? 'A backtest is already running' : err.title || 'Backtest failed'),
        h('span', { dataset: { field: 'detail' } }, ' ' + (busy ? 'Try again in a few seconds.' : err.detail || err.message)));
    } finally {
      running = false;
      submit.disabled = false;
    }
  }

  function draw() {
    if (!bt) return;
    const runs = bt.against ? ['result', 'against'] : ['result'];
    const sections = bt.result.slos.map((slo, i) => {
      const figs = runs.map((r) => h('figure', { class: 'chart', id: 'bt-' + r + '-' + slo.slug, dataset: { run: r, slo: slo.slug } }));
      return [h('section', { class: 'panel', dataset: { slo: slo.slug }, 'aria-labelledby': 'bt-' + slo.slug + '-h' },
        h('h2', { id: 'bt-' + slo.slug + '-h' }, slo.name),
        h('div', { class: 'charts' }, figs)), figs, runs.map((r) => bt[r].slos[i])];
    });
    result.replaceChildren(h('section', { class: 'panel' }, h('h2', {}, 'Summary'), summaryTable(bt)),
      ...sections.map(([section]) => section));
    for (const [, figs, slos] of sections) {
      const vals = slos.flatMap((o) => o.points.filter((p) => p.status !== 'no_data' && !p.error).map((p) => p.remaining));
      const lo = minOf(vals, 0);
      const hi = maxOf(vals, 1);
      const pad = (hi - lo) * 0.04;
      figs.forEach((fig, k) => timelineChart(fig, bt, bt[runs[k]], slos[k], lo - pad, hi + pad));
    }
  }

  let resizeTimer = null;
  const onResize = () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(draw, 150); };

  return {
    name: 'backtest',
    title: name + ' backtest',
    mount(main) {
      window.addEventListener('resize', onResize);
      main.append(h('div', { class: 'wrap' },
        h('p', { class: 'crumbs' }, h('a', { href: '#/service/' + enc(name) }, '← ' + name)),
        h('header', { class: 'panel', id: 'backtest', dataset: { service: name } },
          h('h1', { tabindex: '-1' }, 'Backtest of ', name),
          h('p', { class: 'meta' }, 'When this spec would have paged, and how long normal deploys would have been denied, replayed every 5 minutes with the code slod runs live.')),
        form, result));
    },
    unmount() {
      window.removeEventListener('resize', onResize);
      clearTimeout(resizeTimer);
    },
    // refresh keeps the service (its targets, the instant of its latest
    // evaluation) current; a replay runs on the first load and when asked,
    // never on the timer.
    async refresh() {
      const first = !svc;
      svc = await api('/services/' + enc(name));
      if (!first) return;
      targets.replaceChildren(...svc.slos.map((slo) => h('div', { class: 'field' },
        h('label', { for: 'target-' + slo.slug }, slo.name + ' target (%)'),
        h('input', { id: 'target-' + slo.slug, type: 'number', step: 'any', min: 0, max: 100, value: String(+(slo.target * 100).toFixed(6)),
          inputmode: 'decimal', autocomplete: 'off', dataset: { slo: slo.slug } }))));
      await run();
    },
  };
}
