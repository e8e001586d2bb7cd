// The decision log: every audited deploy check, newest first.
import { h } from '../dom.js';
import { api, enc } from '../api.js';
import { DASH } from '../format.js';
import { gateBadge, reasonList, staleBadge, timeEl } from '../widgets.js';

// decisionsTable is shared with the service page, which leaves out the
// service column.
export function decisionsTable(decisions, withService) {
  if (!decisions.length) return h('p', { class: 'empty' }, 'No deploy checks recorded yet.');
  const cols = ['Time', withService ? 'Service' : null, 'Decision', 'Priority', 'Version', 'Actor', 'Pipeline', 'Reasons'].filter(Boolean);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'decisions responsive' },
    h('caption', { class: 'sr-only' }, 'Recent deploy checks, newest first'),
    h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, decisions.map((d) => h('tr', { dataset: { decisionId: d.id, decision: d.decision } },
      h('td', { 'data-label': 'Time' }, timeEl(d.at, false)),
      withService ? h('td', { 'data-label': 'Service' }, h('a', { href: '#/service/' + enc(d.service) }, d.service)) : null,
      h('td', { 'data-label': 'Decision' }, gateBadge(d.decision), d.stale ? [' ', staleBadge()] : null),
      h('td', { 'data-label': 'Priority', dataset: { field: 'priority' } }, d.priority),
      // The pipeline may leave these out; they are then empty strings.
      h('td', { 'data-label': 'Version', dataset: { field: 'version' } }, d.version || DASH),
      h('td', { 'data-label': 'Actor', dataset: { field: 'actor' } }, d.actor || DASH),
      h('td', { 'data-label': 'Pipeline', dataset: { field: 'pipeline' } }, d.pipeline || DASH),
      h('td', { 'data-label': 'Reasons', dataset: { field: 'reasons' } },
        reasonList(d.reasons, 'compact') || DASH,
        d.actions?.length ? h('span', { class: 'muted' }, 'actions: ' + d.actions.join(', ')) : null))))));
}

export function decisionsView() {
  const box = h('div', { id: 'decisions' });
  return {
    name: 'decisions',
    title: 'Decision log',
    mount(main) {
      main.append(h('div', { class: 'wrap' },
        h('h1', { tabindex: '-1' }, 'Decision log'),
        h('p', { class: 'muted' }, 'The latest 100 deploy checks across all services, newest first.'),
        h('section', { class: 'panel' }, box)));
    },
    async refresh() {
      const data = await api('/decisions?limit=100');
      // An empty log is sent as null.
      box.replaceChildren(decisionsTable(data.decisions ?? [], true));
    },
  };
}
