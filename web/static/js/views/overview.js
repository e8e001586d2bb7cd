// The overview: one card per service, services in trouble first, with a
// filter.
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { api, enc } from '../api.js';
import { DASH, burn, dateTime, pct } from '../format.js';
import { currentBurn, hasData, loading, loadingText } from '../slo.js';
import { budgetBar, configIssues, gateBadge, issueList, problemText, reasonList, staleBadge } from '../widgets.js';

const GATE_RANK = { deny: 0, warn: 1, allow: 2 };

// serviceRank sorts by gate, then stale, then spec problems, then the
// least budget left.
function serviceRank(svc) {
  let minRem = Infinity;
  for (const slo of svc.slos) {
    if (hasData(slo)) minRem = Math.min(minRem, slo.budget.remaining);
  }
  return [GATE_RANK[svc.decision], svc.stale ? 0 : 1, configIssues(svc).length ? 0 : 1, minRem];
}

function compareServices(a, b) {
  const ra = serviceRank(a);
  const rb = serviceRank(b);
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] < rb[i] ? -1 : 1;
  return a.service.localeCompare(b.service);
}

function matchesFilter(svc, words) {
  if (words.length === 0) return true;
  const hay = [svc.service, svc.owner, svc.decision, svc.stale ? 'stale' : '',
    ...svc.slos.flatMap((x) => [x.name, x.slug, x.budget.status]),
    ...(svc.reasons ?? []).map((r) => r.code)].join(' ').toLowerCase();
  return words.every((w) => hay.includes(w));
}

function worstBurn(svc) {
  let worst = null;
  for (const slo of svc.slos) {
    const b = currentBurn(slo);
    if (b && (!worst || b.value > worst.value)) worst = Object.assign({ slo: slo.name }, b);
  }
  return worst;
}

function serviceCard(svc) {
  const worst = worstBurn(svc);
  const name = svc.service;
  return h('li', { class: 'card gate-edge-' + svc.decision,
    dataset: { service: name, decision: svc.decision, stale: String(svc.stale) } },
  h('div', { class: 'card-head' },
    h('h2', {}, h('a', { href: '#/service/' + enc(name) }, name)),
    gateBadge(svc.decision)),
  h('div', { class: 'markers' },
    svc.owner ? h('span', { class: 'owner', dataset: { field: 'owner' } }, 'Owner: ', svc.owner) : null,
    svc.stale ? staleBadge() : null,
    svc.override?.active ? h('span', { class: 'badge override', dataset: { overrideMarker: '' } },
      icon('override'), h('span', {}, 'Override until ' + dateTime(svc.override.expires_at))) : null),
  issueList(configIssues(svc)),
  reasonList(svc.reasons, 'compact'),
  h('p', { class: 'worst-burn', dataset: { field: 'worst-burn', value: worst ? worst.value : null } },
    h('span', { class: 'label' }, 'Worst burn rate: '),
    worst ? h('strong', {}, burn(worst.value)) : DASH,
    worst ? ' (' + worst.window + ', ' + worst.slo + ')' : null),
  h('ul', { class: 'slo-rows', 'aria-label': 'SLOs of ' + name },
    svc.slos.map((slo) => {
      const cb = currentBurn(slo);
      return h('li', { dataset: { slo: slo.slug } },
        h('span', { class: 'slo-name' }, slo.name),
        budgetBar(slo),
        h('span', { class: 'slo-remaining', dataset: { field: 'remaining', value: hasData(slo) ? slo.budget.remaining : null } },
          hasData(slo) ? pct(slo.budget.remaining) + (slo.stale ? ' (stale)' : '') : slo.error ? 'Error' : loading(slo) ? loadingText(slo) : 'No data'),
        h('span', { class: 'slo-burn', dataset: { field: 'burn', value: cb ? cb.value : null } },
          cb ? burn(cb.value) + ' ' + cb.window : DASH));
    })));
}

export function overviewView() {
  let services = [];
  let filter = '';
  const list = h('ul', { id: 'services', class: 'cards' });
  const empty = h('p', { id: 'overview-empty', class: 'empty', hidden: true });
  const summary = h('p', { id: 'summary', class: 'summary' });
  const orphans = h('div', { id: 'config-problems' });
  const input = h('input', {
    id: 'filter', type: 'search', autocomplete: 'off', spellcheck: 'false',
    placeholder: 'name, owner, SLO, deny…', 'aria-describedby': 'summary',
    oninput: () => { filter = input.value; draw(); },
  });

  function draw() {
    const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
    const shown = services.filter((svc) => matchesFilter(svc, words)).sort(compareServices);
    list.replaceChildren(...shown.map(serviceCard));
    const counts = { deny: 0, warn: 0, allow: 0 };
    for (const svc of services) counts[svc.decision]++;
    const stale = services.filter((x) => x.stale).length;
    summary.textContent = services.length + ' services: ' + counts.deny + ' denied, ' + counts.warn +
      ' warning, ' + counts.allow + ' allowed' + (stale ? ', ' + stale + ' stale' : '') +
      (words.length ? '; ' + shown.length + ' match the filter' : '');
    empty.hidden = shown.length > 0;
    empty.textContent = services.length === 0 ? 'No services are configured.' : 'No service matches “' + filter + '”.';
  }

  return {
    name: 'overview',
    title: 'Services',
    mount(main) {
      main.append(h('div', { class: 'wrap' },
        h('h1', { tabindex: '-1' }, 'Services'),
        h('div', { class: 'toolbar' },
          h('label', { for: 'filter' }, 'Filter services'), input, summary),
        orphans, list, empty));
    },
    async refresh() {
      const data = await api('/services');
      services = data.services;
      // Spec files that define no known service yet.
      const problems = data.config_problems ?? [];
      orphans.replaceChildren(...(problems.length ? [h('section', { class: 'panel problems', 'aria-labelledby': 'config-problems-h' },
        h('h2', { id: 'config-problems-h' }, 'Spec files with problems'),
        issueList(problems.map(problemText)))] : []));
      draw();
    },
  };
}
