// One SLO's section of the service page: budget, burn rates and the
// figures its history charts are drawn into.
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { DASH, burn, duration, events, minutes, pct, sliPct, targetPct, windowSeconds, windowText } from '../format.js';
import { currentBurn, currentSLI, hasData, loading, loadingText } from '../slo.js';
import { budgetBar, statusBadge, timeEl } from '../widgets.js';

function stat(label, field, value, text, note) {
  return h('div', { class: 'stat' },
    h('dt', {}, label),
    h('dd', {}, h('span', { class: 'value', dataset: { field, value } }, text),
      note ? h('span', { class: 'note' }, note) : null));
}

// exhaustionText: what the time to exhaustion shows, and a note.
function exhaustionText(slo) {
  if (loading(slo)) return [DASH, loadingText(slo)];
  if (!hasData(slo)) return [DASH, null];
  if (slo.budget.status === 'exhausted' || slo.budget.remaining <= 0) return ['Exhausted', 'no budget left'];
  const cb = currentBurn(slo);
  if (slo.exhaustion_seconds !== null) return [duration(slo.exhaustion_seconds), cb ? 'at the ' + cb.window + ' burn of ' + burn(cb.value) : null];
  return ['Not at current burn', cb ? cb.window + ' burn ' + burn(cb.value) : 'no recent errors'];
}

function sloStats(slo) {
  const b = slo.budget;
  const data = hasData(slo);
  const [exText, exNote] = exhaustionText(slo);
  return h('dl', { class: 'stats' },
    stat('Target', 'target', slo.target, targetPct(slo.target), windowText(slo.window)),
    stat('Current SLI', 'sli', currentSLI(slo), sliPct(currentSLI(slo)),
      data ? 'error ratio ' + pct(b.error_ratio) : null),
    stat('Budget consumed', 'consumed', data ? b.consumed : null, data ? pct(b.consumed) : DASH),
    stat('Budget remaining', 'remaining', data ? b.remaining : null, data ? pct(b.remaining) : DASH,
      data && b.remaining < 0 ? 'overspent' : null),
    stat('Failures left', 'remaining-events', b.remaining_events, events(b.remaining_events),
      'of ' + events(b.allowed_events) + ' allowed'),
    stat('Failed events', 'failed-events', b.failed_events, events(b.failed_events),
      'of ' + events(b.total_events) + ' total'),
    stat('Minutes left', 'remaining-minutes', b.remaining_minutes, minutes(b.remaining_minutes),
      'of ' + minutes(b.allowed_minutes) + ' in the window'),
    stat('Time to exhaustion', 'exhaustion', slo.exhaustion_seconds, exText, exNote));
}

function burnCell(label, value, factor, field) {
  const over = value > factor;
  return h('td', { dataset: { field, value, over: String(over) }, 'data-label': field === 'long-burn' ? 'Long window' : 'Short window' },
    h('span', { class: 'win' }, label), ' ',
    h('strong', {}, burn(value)), ' ',
    h('span', { class: over ? 'cmp over' : 'cmp under' }, over ? '▲ over' : 'under'));
}

const SEVERITY_TEXT = { page: 'Page', ticket: 'Ticket' };

function burnTable(slo) {
  if (slo.alerts.length === 0) return h('p', { class: 'muted' }, 'No burn-rate alert conditions for this window.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'burn responsive' },
    h('caption', { class: 'sr-only' }, 'Burn rate of each alert window against its factor'),
    h('thead', {}, h('tr', {},
      ['Alert', 'Factor', 'Long window', 'Short window', 'Condition'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, slo.alerts.map((a) => {
      const state = a.firing ? 'Firing' : a.no_data ? 'No data'
        : a.long_burn > a.factor ? 'Not firing (long window over)'
          : a.short_burn > a.factor ? 'Not firing (short window over)' : 'Not firing';
      return h('tr', { class: a.firing ? 'firing' : null, dataset: { alert: [a.severity, a.long, a.short].join('-'), firing: String(a.firing) } },
        h('th', { scope: 'row', 'data-label': 'Alert' }, h('span', { class: 'sev sev-' + a.severity }, SEVERITY_TEXT[a.severity])),
        h('td', { 'data-label': 'Factor', dataset: { field: 'factor', value: a.factor } }, burn(a.factor)),
        burnCell(a.long, a.long_burn, a.factor, 'long-burn'),
        burnCell(a.short, a.short_burn, a.factor, 'short-burn'),
        h('td', { 'data-label': 'Condition', dataset: { field: 'condition' } },
          h('span', { class: 'cond cond-' + (a.firing ? 'firing' : 'quiet') }, icon(a.firing ? 'fire' : 'ok'), state)));
    }))));
}

function windowList(slo) {
  const entries = Object.entries(slo.burn_rates).sort((a, b) => windowSeconds(a[0]) - windowSeconds(b[0]));
  if (entries.length === 0) return h('p', { class: 'muted' }, 'No burn rates: no traffic in any window.');
  return h('ul', { class: 'windows', 'aria-label': 'Burn rate per window' },
    entries.map(([w, v]) => h('li', { dataset: { burnWindow: w, value: v }, class: v > 1 ? 'hot' : null },
      h('span', { class: 'win' }, w), ' ', h('strong', {}, burn(v)),
      v > 1 ? [' ', h('span', { class: 'cmp over', title: 'Faster than the budget allows' }, '▲',
        h('span', { class: 'sr-only' }, ' faster than the budget allows'))] : null)));
}

export function sloSection(slo) {
  const slug = slo.slug;
  const headId = 'slo-' + slug + '-h';
  return h('section', { class: 'slo panel', id: 'slo-' + slug, dataset: { slo: slug }, 'aria-labelledby': headId },
    h('div', { class: 'slo-head' }, h('h2', { id: headId }, slo.name), statusBadge(slo)),
    slo.description ? h('p', { class: 'desc', dataset: { field: 'description' } }, slo.description) : null,
    slo.error ? h('p', { class: 'slo-error', dataset: { field: 'error' } }, icon('error'), 'Latest measurement failed: ', slo.error) : null,
    slo.stale ? h('p', { class: 'slo-stale', dataset: { field: 'stale' } }, icon('stale'),
      slo.evaluated_at ? ['Numbers from ', timeEl(slo.evaluated_at, true), ', not from the latest attempt'] : 'Never measured') : null,
    budgetBar(slo),
    sloStats(slo),
    h('h3', {}, 'Burn rates'),
    burnTable(slo),
    windowList(slo),
    h('div', { class: 'charts' },
      h('figure', { class: 'chart', id: 'burndown-' + slug, dataset: { chart: 'burndown' } }, h('p', { class: 'muted' }, 'Loading history…')),
      h('figure', { class: 'chart', id: 'sli-' + slug, dataset: { chart: 'sli' } }, h('p', { class: 'muted' }, 'Loading history…'))));
}
