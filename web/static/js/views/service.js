// The service page: gate, SLOs with their charts, overrides and recent
// deploys and deploy checks of one service.
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { api, enc } from '../api.js';
import { configIssues, gateBadge, issueList, reasonList, staleBadge, timeEl } from '../widgets.js';
import { decisionsTable } from './decisions.js';
import { drawHistory, loadHistory } from './history.js';
import { overridesPanel } from './overrides.js';
import { sloSection } from './slo.js';

function gateText(svc) {
  if (!svc.allowed) return 'Normal deploys are blocked';
  return svc.decision === 'warn' ? 'Normal deploys allowed, with warnings' : 'Normal deploys allowed';
}

function serviceSummary(svc) {
  return [
    h('div', { class: 'svc-line' },
      gateBadge(svc.decision),
      h('span', { class: 'gate-text' }, gateText(svc)),
      svc.stale ? staleBadge() : null),
    h('p', { class: 'meta' },
      svc.owner ? ['Owner ', h('strong', { dataset: { field: 'owner' } }, svc.owner), ' · '] : null,
      svc.evaluated_at ? ['Evaluated ', timeEl(svc.evaluated_at, true)] : 'Not evaluated yet'),
    issueList(configIssues(svc)),
    reasonList(svc.reasons, ''),
    svc.actions.length ? h('p', { class: 'actions', dataset: { field: 'actions' } }, 'Policy actions: ', svc.actions.join(', ')) : null,
    svc.override?.active
      ? h('p', { class: 'badge override wide', dataset: { overrideMarker: '' } }, icon('override'),
        h('span', {}, 'Override active until ', timeEl(svc.override.expires_at, true), ' by ', svc.override.actor, ': ', svc.override.reason))
      : null,
  ];
}

// deploysTable lists recent deploys with what each did to every SLO in
// the hour after it, against the hour before (attributed for two days).
function deploysTable(deploys) {
  if (!deploys.length) return h('p', { class: 'empty' }, 'No deploys recorded.');
  const burn = (b) => (b === null || b === undefined ? '–' : b.toFixed(1) + 'x');
  const rows = [];
  for (const d of deploys) {
    for (const a of d.slos.length ? d.slos : [null]) {
      const hour = a?.spans?.[0];
      rows.push(h('tr', { dataset: { deploy: d.version } },
        h('td', {}, timeEl(d.at, true)), h('td', {}, d.version), h('td', {}, a ? a.slo : '–'),
        h('td', {}, hour ? Math.round(hour.before.bad) + ' → ' + Math.round(hour.after.bad) : '–'),
        h('td', {}, hour ? burn(hour.before_burn) + ' → ' + burn(hour.after_burn) : '–'),
        h('td', {}, a?.alert || '–'),
        h('td', { class: a?.suspect ? 'suspect' : null }, a ? (a.suspect ? 'suspect' : 'ok') : '–')));
    }
  }
  return h('div', { class: 'table-wrap' }, h('table', { class: 'deploys' },
    h('thead', {}, h('tr', {}, ['Time', 'Version', 'SLO', 'Bad events 1h before → after', 'Burn 1h before → after', 'Alert', 'Verdict'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows)));
}

// serviceView shows the named service; refreshNow(true) reloads it after
// a write.
export function serviceView(name, refreshNow) {
  let svc = null;
  let histories = {};
  let deploys = [];
  const summary = h('div', { id: 'service-summary' });
  const toc = h('ul', { class: 'toc-list' });
  const slos = h('div', { id: 'slos' });
  const overrides = overridesPanel(name, refreshNow);
  const decisionsBox = h('div', { id: 'decisions' });
  const deploysBox = h('div', { id: 'deploys' });
  const header = h('header', { id: 'service', class: 'panel svc-head', dataset: { service: name } },
    h('h1', { tabindex: '-1' }, name), summary,
    h('p', {}, h('a', { href: '#/service/' + enc(name) + '/backtest', id: 'backtest-link' }, 'Backtest and what-if →')));

  // drawCharts looks the figures up under slos, which holds them even
  // when the page has moved on while the data was loading.
  function drawCharts() {
    if (!svc) return; // a resize before the first load
    const now = Date.now();
    for (const slo of svc.slos) {
      const fig = (chart) => slos.querySelector('#' + chart + '-' + CSS.escape(slo.slug));
      drawHistory(fig('burndown'), fig('sli'), slo, histories[slo.slug], now, deploys);
    }
  }

  // Charts are sized to their figure: redraw once resizing settles.
  let resizeTimer = null;
  const onResize = () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawCharts, 150); };

  return {
    name: 'service',
    title: name,
    mount(main) {
      window.addEventListener('resize', onResize);
      main.append(h('div', { class: 'wrap' },
        h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← All services')),
        header,
        h('nav', { class: 'toc', 'aria-label': 'On this page' }, toc),
        slos,
        overrides.section,
        h('section', { id: 'deploys-section', class: 'panel', 'aria-labelledby': 'deploys-h' },
          h('h2', { id: 'deploys-h' }, 'Recent deploys'),
          deploysBox),
        h('section', { id: 'decisions-section', class: 'panel', 'aria-labelledby': 'decisions-h' },
          h('h2', { id: 'decisions-h' }, 'Recent deploy checks'),
          decisionsBox)));
    },
    unmount() {
      window.removeEventListener('resize', onResize);
      clearTimeout(resizeTimer);
    },
    async refresh() {
      // Overrides and decisions may fail on their own: the page still
      // shows the service and says what is missing.
      const [service, overrideList, decisions, deployList] = await Promise.all([
        api('/services/' + enc(name)),
        api('/services/' + enc(name) + '/overrides').catch((err) => ({ error: err })),
        api('/decisions?service=' + enc(name) + '&limit=20').catch((err) => ({ error: err })),
        api('/services/' + enc(name) + '/deployments?limit=100').catch((err) => ({ error: err })),
      ]);
      const hs = await Promise.all(service.slos.map(async (slo) => [slo.slug, await loadHistory(name, slo)]));
      svc = service;
      histories = Object.fromEntries(hs);
      deploys = deployList.deployments ?? [];
      document.title = name + ' — slod';
      header.dataset.decision = svc.decision;
      summary.replaceChildren(...serviceSummary(svc).filter(Boolean));
      toc.replaceChildren(...svc.slos.map((slo) => h('li', {}, h('a', { href: '#slo-' + slo.slug, dataset: { jump: '' } }, slo.name))),
        h('li', {}, h('a', { href: '#overrides-section', dataset: { jump: '' } }, 'Overrides')),
        h('li', {}, h('a', { href: '#deploys-section', dataset: { jump: '' } }, 'Deploys')),
        h('li', {}, h('a', { href: '#decisions-section', dataset: { jump: '' } }, 'Deploy checks')));
      slos.replaceChildren(...svc.slos.map(sloSection));
      if (!svc.slos.length) slos.append(h('p', { class: 'empty panel' }, 'This service has no SLOs.'));
      drawCharts();
      overrides.show(overrideList);
      deploysBox.replaceChildren(deployList.error
        ? h('p', { class: 'form-error' }, 'Deployments unavailable: ', deployList.error.message)
        : deploysTable(deploys.slice(0, 20)));
      decisionsBox.replaceChildren(decisions.error
        ? h('p', { class: 'form-error' }, 'Decision log unavailable: ', decisions.error.message)
        : decisionsTable(decisions.decisions ?? [], false));
    },
  };
}
