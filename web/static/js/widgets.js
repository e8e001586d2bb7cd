// Pieces the views share: times, badges, reasons, spec problems and the
// budget bar.
import { h } from './dom.js';
import { icon } from './icons.js';
import { dateTime, pct, relative } from './format.js';
import { hasData, loading, loadingText } from './slo.js';

export function timeEl(iso, withRelative) {
  const d = new Date(iso);
  return h('time', { datetime: d.toISOString(), title: d.toString() },
    dateTime(iso) + (withRelative ? ' (' + relative(iso) + ')' : ''));
}

const GATE_TEXT = { allow: 'Allow', warn: 'Warn', deny: 'Deny' };

export function gateBadge(decision) {
  return h('span', { class: 'badge gate gate-' + decision, dataset: { gate: decision } },
    icon(decision), h('span', { text: GATE_TEXT[decision] }));
}

export function staleBadge() {
  return h('span', { class: 'badge stale', dataset: { staleMarker: '' }, title: 'The last evaluation is older than the policy allows' },
    icon('stale'), h('span', { text: 'Stale data' }));
}

const STATUS_TEXT = { ok: 'Within budget', exhausted: 'Budget exhausted', no_data: 'No data' };
const STATUS_ICON = { ok: 'ok', exhausted: 'deny', no_data: 'nodata' };

export function statusBadge(slo) {
  const st = slo.error ? 'error' : slo.budget.status;
  const text = slo.error ? 'Measurement error' : STATUS_TEXT[st];
  return h('span', { class: 'badge status status-' + st, dataset: { field: 'status', value: st } },
    icon(slo.error ? 'error' : STATUS_ICON[st]), h('span', { text }));
}

// reasonText names the SLO unless the message already starts with it.
function reasonText(r) {
  return r.slo && !r.message.startsWith(r.slo) ? r.slo + ': ' + r.message : r.message;
}

// reasonList: null when there are none (the API sends null or []).
export function reasonList(reasons, cls) {
  if (!reasons?.length) return null;
  return h('ul', { class: 'reasons ' + cls },
    reasons.map((r) => h('li', { dataset: { code: r.code } }, reasonText(r))));
}

// problemText: "file:line: field: message", leaving out what is unknown.
export function problemText(p) {
  const where = [p.file, p.line > 0 ? p.line : null].filter(Boolean).join(':');
  return [where, p.field, p.message].filter(Boolean).join(': ');
}

// configIssues lists what is wrong with a service's spec or its last
// evaluation, as text.
export function configIssues(svc) {
  const out = (svc.config_problems ?? []).map((p) => 'Config problem: ' + problemText(p));
  if (svc.last_error) out.push('Last evaluation failed: ' + svc.last_error);
  return out;
}

export function issueList(issues) {
  if (!issues.length) return null;
  return h('ul', { class: 'issues', dataset: { field: 'config-error' } },
    issues.map((text) => h('li', {}, icon('error'), h('span', {}, text))));
}

export function budgetBar(slo) {
  const data = hasData(slo);
  const rem = data ? slo.budget.remaining : null;
  const width = data ? Math.max(0, Math.min(1, rem)) * 100 : 0;
  const level = !data ? 'none' : rem <= 0 ? 'out' : rem < 0.25 ? 'low' : rem < 0.5 ? 'mid' : 'high';
  const text = data ? pct(rem) + ' left' : loading(slo) ? loadingText(slo) : 'No data';
  // Through the CSSOM: a style attribute would break the server's CSP.
  const fill = h('div', { class: 'bar-fill' });
  fill.style.width = width.toFixed(1) + '%';
  return h('div', {
    class: 'bar bar-' + level, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100,
    'aria-valuenow': data ? Math.round(width * 10) / 10 : 0, 'aria-valuetext': text,
    'aria-label': slo.name + ' budget remaining', dataset: { remaining: rem },
  }, fill);
}
