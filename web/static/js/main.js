// slod dashboard: routes the URL fragment (#/, #/service/NAME[/backtest],
// #/decisions) to a view and keeps it refreshed. Plain modules, no
// dependencies, no network beyond slod's own API.
import { h } from './dom.js';
import { api, ApiError } from './api.js';
import { backtestView } from './views/backtest.js';
import { decisionsView } from './views/decisions.js';
import { notFoundView } from './views/notfound.js';
import { overviewView } from './views/overview.js';
import { serviceView } from './views/service.js';

const REFRESH_MS = 30000;

const main = document.getElementById('main');
const statusEl = document.getElementById('refresh-status');
const banner = document.getElementById('error-banner');
const replicaEl = document.getElementById('replica');
let view = null;
let lastOk = null;
let refreshes = 0;
// inflight is the running refresh and the view it belongs to.
let inflight = null;

function route() {
  const hash = location.hash.replace(/^#/, '');
  const m = hash.match(/^\/service\/([^/?]+)(\/backtest)?\/?$/);
  if (m) {
    let name;
    try { name = decodeURIComponent(m[1]); } catch (e) { return notFoundView('That address is not valid.'); }
    return m[2] ? backtestView(name) : serviceView(name, refreshNow);
  }
  if (hash === '/decisions') return decisionsView();
  if (hash === '' || hash === '/') return overviewView();
  return notFoundView('There is no page at ' + location.hash + '.');
}

function show(next) {
  if (view && view.unmount) view.unmount();
  view = next;
  main.replaceChildren();
  main.dataset.route = next.name;
  main.dataset.loaded = 'false';
  document.title = next.title + ' — slod';
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === next.name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  next.mount(main);
}

// refreshNow reloads the current view's data. A refresh already running
// for this view is shared, unless force asks for data fetched after now
// (after a write).
async function refreshNow(force) {
  if (inflight && inflight.view === view) {
    const running = inflight.promise;
    await running;
    if (!force) return;
    if (inflight && inflight.view === view && inflight.promise !== running) return refreshNow(force);
  }
  const entry = { view, promise: load(view) };
  inflight = entry;
  try { await entry.promise; } finally { if (inflight === entry) inflight = null; }
}

// load never rejects: failures go to the banner.
async function load(current) {
  statusEl.textContent = 'Refreshing…';
  try {
    await current.refresh();
    if (current !== view) return;
    lastOk = new Date();
    refreshes++;
    banner.hidden = true;
    banner.replaceChildren();
    main.dataset.loaded = 'true';
    main.dataset.refreshes = String(refreshes);
    statusEl.textContent = 'Updated ' + lastOk.toLocaleTimeString();
    showReplica();
  } catch (err) {
    if (current !== view) return;
    if (err instanceof ApiError && err.status === 404 && (current.name === 'service' || current.name === 'backtest')) {
      show(notFoundView(err.detail || 'No service by that name.'));
      main.dataset.loaded = 'true';
      statusEl.textContent = 'Updated ' + new Date().toLocaleTimeString();
      return;
    }
    // Anything but an ApiError is a bug of ours: it still shows, as "Update failed".
    banner.replaceChildren(h('strong', {}, (err && err.title) || 'Update failed'),
      err && err.detail ? ' ' + err.detail : '',
      lastOk ? ' — showing data from ' + lastOk.toLocaleTimeString() + '.' : '');
    banner.hidden = false;
    statusEl.textContent = 'Update failed';
  }
}

// showReplica names, behind a load balancer of several slod replicas on
// PostgreSQL, the one answering and whether it leads. One replica on
// SQLite shows nothing. Best effort: a failure hides it.
async function showReplica() {
  let cl;
  try { cl = await api('/cluster'); } catch (e) { replicaEl.hidden = true; return; }
  if (!cl || cl.backend !== 'postgres') { replicaEl.hidden = true; return; }
  let role;
  if (cl.store_error) role = 'store unreachable';
  else if (!cl.leader) role = 'no leader';
  else if (cl.leader === cl.self) role = 'leader';
  else role = 'follower of ' + cl.leader;
  replicaEl.textContent = 'Replica ' + cl.self + ' · ' + role;
  replicaEl.title = cl.replicas.length + ' replicas; lease ' + cl.lease_seconds + 's' +
    (cl.leader ? ', term ' + Math.round(cl.lease_age_seconds) + 's old (token ' + cl.token + ')' : '');
  replicaEl.classList.toggle('trouble', Boolean(cl.store_error) || !cl.leader);
  replicaEl.hidden = false;
}

function navigate(focus) {
  show(route());
  const p = refreshNow();
  if (focus) {
    const heading = main.querySelector('h1');
    if (heading) heading.focus({ preventScroll: false });
  }
  return p;
}

// In-page links (#slo-x) would change the route: scroll to them instead.
document.addEventListener('click', (ev) => {
  const a = ev.target.closest && ev.target.closest('a[data-jump]');
  if (!a) return;
  const target = document.getElementById(a.getAttribute('href').slice(1));
  if (!target) return;
  ev.preventDefault();
  target.scrollIntoView({ behavior: 'smooth', block: 'start' });
  const focusable = target.querySelector('h2');
  if (focusable) { focusable.setAttribute('tabindex', '-1'); focusable.focus({ preventScroll: true }); }
});

window.addEventListener('hashchange', () => navigate(true));
document.getElementById('refresh-now').addEventListener('click', () => refreshNow());
document.addEventListener('visibilitychange', () => { if (!document.hidden) refreshNow(); });
setInterval(() => { if (!document.hidden) refreshNow(); }, REFRESH_MS);
navigate(false);
