// slod dashboard. Plain JS, no dependencies, no network beyond slod's own
// API. Every string from the API reaches the page through textContent or
// setAttribute: nothing is ever parsed as HTML.
'use strict';

(() => {
  const API = 'api/v1';
  const REFRESH_MS = 30000;
  const TOKEN_KEY = 'slod.token';
  const ACTOR_KEY = 'slod.actor';
  const DASH = '—';
  const SVG_NS = 'http://www.w3.org/2000/svg';

  // ---------------------------------------------------------------- DOM

  // h builds an element. attrs: plain attributes, except "on*" (listeners),
  // "dataset" (data-*), "text" (textContent) and null/false (skipped).
  // Children are nodes or strings (added as text nodes).
  function h(tag, attrs, ...children) {
    return build(document.createElement(tag), attrs, children);
  }

  function s(tag, attrs, ...children) {
    return build(document.createElementNS(SVG_NS, tag), attrs, children);
  }

  function build(el, attrs, children) {
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else if (k === 'dataset') for (const [dk, dv] of Object.entries(v)) {
        if (dv !== null && dv !== undefined) el.dataset[dk] = String(dv);
      }
      else if (k === 'text') el.textContent = String(v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
  }

  const ICONS = {
    allow: [['path', { d: 'M4 10.5l4 4 8-9' }]],
    warn: [['path', { d: 'M10 2.5L18.5 17h-17z' }], ['path', { d: 'M10 8v4M10 14.5v.5' }]],
    deny: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M6.5 6.5l7 7M13.5 6.5l-7 7' }]],
    unknown: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M8 8a2 2 0 1 1 2 2v1.5M10 14v.5' }]],
    stale: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M10 5v5l3 2' }]],
    override: [['path', { d: 'M10 2l7 3v5c0 4-3 7-7 8-4-1-7-4-7-8V5z' }], ['path', { d: 'M7 10l2 2 4-4' }]],
    fire: [['path', { d: 'M10 2c1 4 5 5 5 10a5 5 0 0 1-10 0c0-3 2-4 2-6 2 1 3 3 3 3s1-3 0-7z' }]],
    ok: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M6.5 10.5l2.5 2.5 4.5-5' }]],
    nodata: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M6 10h8' }]],
    error: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M10 5.5v5.5M10 13.5v.5' }]],
  };

  // icon is decorative: the text next to it always carries the meaning.
  function icon(name) {
    return s('svg', { class: 'icon icon-' + name, viewBox: '0 0 20 20', 'aria-hidden': 'true', focusable: 'false' },
      (ICONS[name] || ICONS.unknown).map(([tag, a]) => s(tag, a)));
  }

  // ---------------------------------------------------------- formatting

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  // minOf and maxOf avoid Math.min(...xs), which overflows the stack on
  // long histories.
  const minOf = (xs, start) => xs.reduce((a, b) => (b < a ? b : a), start);
  const maxOf = (xs, start) => xs.reduce((a, b) => (b > a ? b : a), start);

  function trimZeros(str) {
    return str.includes('.') ? str.replace(/\.?0+$/, '') : str;
  }

  function noNegZero(str) {
    return /^-0(\.0*)?$/.test(str) ? str.slice(1) : str;
  }

  // pct formats a fraction (0.421 -> "42.1%"): 2 decimals under 10%,
  // 1 decimal above.
  function pct(frac) {
    if (!isNum(frac)) return DASH;
    const p = frac * 100;
    return noNegZero(p.toFixed(Math.abs(p) < 10 ? 2 : 1)) + '%';
  }

  // targetPct keeps what the spec said: 0.999 -> "99.9%", 0.9995 -> "99.95%".
  function targetPct(frac) {
    if (!isNum(frac)) return DASH;
    return trimZeros((frac * 100).toFixed(3)) + '%';
  }

  // sliPct shows 2 decimals, rounded down so 99.996% never reads "100.00%".
  function sliPct(frac) {
    if (!isNum(frac)) return DASH;
    const p = Math.floor(frac * 10000 + 1e-9) / 100;
    return p.toFixed(2) + '%';
  }

  function num(v, maxDecimals) {
    if (!isNum(v)) return DASH;
    return noNegZero(v.toLocaleString('en-US', { maximumFractionDigits: maxDecimals }));
  }

  // events: whole numbers, one decimal for small fractional counts.
  const events = (v) => num(v, isNum(v) && Math.abs(v) < 100 ? 1 : 0);

  function minutes(v) {
    if (!isNum(v)) return DASH;
    return num(v, Math.abs(v) < 100 ? 1 : 0) + ' min';
  }

  // duration: the two largest units, "3d 4h", "4h 12m", "45s".
  function duration(seconds) {
    if (!isNum(seconds)) return DASH;
    let rest = Math.round(Math.abs(seconds));
    if (rest === 0) return '0s';
    const units = [['y', 365 * 86400], ['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
    const parts = [];
    for (const [u, size] of units) {
      const n = Math.floor(rest / size);
      if (n > 0) {
        parts.push(n + u);
        rest -= n * size;
      } else if (parts.length > 0) {
        break; // "3d", not "3d 0h"
      }
      if (parts.length === 2) break;
    }
    return (seconds < 0 ? '-' : '') + parts.join(' ');
  }

  function burn(v) {
    if (!isNum(v)) return DASH;
    return v.toFixed(Math.abs(v) >= 10 ? 1 : 2) + '×';
  }

  function parseTime(iso) {
    if (!iso) return null;
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 2 ? null : d;
  }

  function dateTime(iso) {
    const d = parseTime(iso);
    if (!d) return DASH;
    return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  }

  // relative: "3m ago", "in 1h 59m".
  function relative(iso, now) {
    const d = parseTime(iso);
    if (!d) return DASH;
    const diff = (d.getTime() - (now || Date.now())) / 1000;
    if (Math.abs(diff) < 5) return 'just now';
    return diff < 0 ? duration(-diff) + ' ago' : 'in ' + duration(diff);
  }

  function timeEl(iso, withRelative) {
    const d = parseTime(iso);
    if (!d) return h('span', { text: DASH });
    return h('time', { datetime: d.toISOString(), title: d.toString() },
      dateTime(iso) + (withRelative ? ' (' + relative(iso) + ')' : ''));
  }

  const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

  // windowSeconds parses a Prometheus duration ("30d", "1h30m"); null for
  // calendar windows and anything else.
  function windowSeconds(label) {
    if (typeof label !== 'string' || !/^(\d+(ms|[smhdwy]))+$/.test(label)) return null;
    let total = 0;
    for (const m of label.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
    return total;
  }

  // windowRange is the SLO period as dates: [now-W, now] when rolling, the
  // current calendar month or ISO week (UTC) otherwise.
  function windowRange(label, now) {
    const secs = windowSeconds(label);
    if (secs) return { start: new Date(now.getTime() - secs * 1000), end: now, rolling: true };
    if (label === 'month') {
      const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
      const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
      return { start, end, rolling: false };
    }
    if (label === 'week') {
      const day = (now.getUTCDay() + 6) % 7; // Monday = 0
      const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - day));
      return { start, end: new Date(start.getTime() + 7 * 86400000), rolling: false };
    }
    return null;
  }

  function windowText(label) {
    if (label === 'month') return 'calendar month';
    if (label === 'week') return 'calendar week';
    return label ? 'rolling ' + label : DASH;
  }

  // ----------------------------------------------------------------- API

  class ApiError extends Error {
    constructor(status, title, detail) {
      super(detail ? title + ': ' + detail : title);
      this.status = status;
      this.title = title;
      this.detail = detail;
    }
  }

  // api fetches JSON; failures become ApiError with the problem+json
  // title and detail when the server sent them.
  async function api(path, options) {
    let res;
    try {
      res = await fetch(API + path, Object.assign({ headers: { Accept: 'application/json' }, cache: 'no-store' }, options));
    } catch (e) {
      throw new ApiError(0, 'Cannot reach slod', e.message);
    }
    const text = await res.text();
    let body = null;
    if (text) {
      try { body = JSON.parse(text); } catch (e) { body = null; }
    }
    if (!res.ok) {
      const title = (body && typeof body.title === 'string' && body.title) || 'HTTP ' + res.status + ' ' + res.statusText;
      const detail = body && typeof body.detail === 'string' ? body.detail : '';
      throw new ApiError(res.status, title, detail);
    }
    if (text && body === null) throw new ApiError(res.status, 'Bad response', 'the server did not send JSON');
    return body;
  }

  const enc = encodeURIComponent;

  // ------------------------------------------------------------ helpers

  const GATE_RANK = { deny: 0, warn: 1, allow: 2 };
  const GATE_TEXT = { allow: 'Allow', warn: 'Warn', deny: 'Deny' };

  function gateBadge(decision) {
    const known = Object.hasOwn(GATE_TEXT, decision);
    const name = known ? decision : 'unknown';
    return h('span', { class: 'badge gate gate-' + name, dataset: { gate: name } },
      icon(name), h('span', { text: known ? GATE_TEXT[decision] : 'Unknown' }));
  }

  function staleBadge() {
    return h('span', { class: 'badge stale', dataset: { staleMarker: '' }, title: 'The last evaluation is older than the policy allows' },
      icon('stale'), h('span', { text: 'Stale data' }));
  }

  const STATUS_TEXT = { ok: 'Within budget', exhausted: 'Budget exhausted', no_data: 'No data' };
  const STATUS_ICON = { ok: 'ok', exhausted: 'deny', no_data: 'nodata' };

  function statusBadge(slo) {
    const st = slo.error ? 'error' : (slo.budget && slo.budget.status) || 'no_data';
    const text = slo.error ? 'Measurement error' : STATUS_TEXT[st] || st;
    return h('span', { class: 'badge status status-' + st, dataset: { field: 'status', value: st } },
      icon(slo.error ? 'error' : STATUS_ICON[st] || 'unknown'), h('span', { text }));
  }

  function overrideActive(o, now) {
    if (!o || o.revoked_at || o.active === false) return false;
    const exp = parseTime(o.expires_at);
    return !!exp && exp.getTime() > now;
  }

  function reasonText(r) {
    if (typeof r === 'string') return r;
    if (!r || typeof r !== 'object') return '';
    const msg = r.message || r.code || '';
    return r.slo && !msg.startsWith(r.slo) ? r.slo + ': ' + msg : msg;
  }

  function reasonList(reasons, cls) {
    if (!Array.isArray(reasons) || reasons.length === 0) return null;
    return h('ul', { class: 'reasons ' + (cls || '') },
      reasons.map((r) => h('li', { dataset: { code: r && r.code } }, reasonText(r))));
  }

  function problemText(p) {
    if (typeof p === 'string') return p;
    if (!p || typeof p !== 'object') return '';
    const where = [p.file, p.line > 0 ? p.line : null].filter((x) => x !== null && x !== undefined && x !== '').join(':');
    return [where, p.field, p.message].filter(Boolean).join(': ');
  }

  // configIssues lists what is wrong with a service's spec or its last
  // evaluation, as text.
  function configIssues(svc) {
    const out = [];
    if (svc.config_error) out.push('Config error: ' + svc.config_error);
    for (const p of Array.isArray(svc.config_problems) ? svc.config_problems : []) out.push('Config problem: ' + problemText(p));
    if (svc.last_error) out.push('Last evaluation failed: ' + svc.last_error);
    return out;
  }

  function issueList(issues) {
    if (!issues.length) return null;
    return h('ul', { class: 'issues', dataset: { field: 'config-error' } },
      issues.map((text) => h('li', {}, icon('error'), h('span', {}, text))));
  }

  const budgetOf = (slo) => slo.budget || {};
  const hasData = (slo) => !slo.error && budgetOf(slo).status !== 'no_data' && budgetOf(slo).status !== undefined;

  // currentBurn is the 1h burn rate (the one time-to-exhaustion uses), or
  // the shortest window reported when there is no 1h.
  function currentBurn(slo) {
    const rates = slo.burn_rates || {};
    if (isNum(rates['1h'])) return { window: '1h', value: rates['1h'] };
    let best = null;
    for (const [w, v] of Object.entries(rates)) {
      const secs = windowSeconds(w);
      if (isNum(v) && secs !== null && (!best || secs < best.secs)) best = { window: w, value: v, secs };
    }
    return best;
  }

  function sloCurrentSLI(slo) {
    if (!hasData(slo)) return null;
    if (isNum(slo.sli)) return slo.sli;
    return isNum(budgetOf(slo).sli) ? budgetOf(slo).sli : null;
  }

  function alertsOf(slo) {
    return Array.isArray(slo.alerts) ? slo.alerts : Array.isArray(slo.conditions) ? slo.conditions : [];
  }

  function budgetBar(slo) {
    const b = budgetOf(slo);
    const data = hasData(slo) && isNum(b.remaining);
    const rem = data ? b.remaining : null;
    const width = data ? Math.max(0, Math.min(1, rem)) * 100 : 0;
    const level = !data ? 'none' : rem <= 0 ? 'out' : rem < 0.25 ? 'low' : rem < 0.5 ? 'mid' : 'high';
    const text = data ? pct(rem) + ' left' : 'No data';
    // Through the CSSOM: a style attribute would break the server's CSP.
    const fill = h('div', { class: 'bar-fill' });
    fill.style.width = width.toFixed(1) + '%';
    return h('div', {
      class: 'bar bar-' + level, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100,
      'aria-valuenow': data ? Math.round(width * 10) / 10 : 0, 'aria-valuetext': text,
      'aria-label': (slo.name || slo.slug || 'SLO') + ' budget remaining', dataset: { remaining: data ? rem : null },
    }, fill);
  }

  // ------------------------------------------------------------ overview

  function serviceRank(svc) {
    let minRem = Infinity;
    for (const slo of svc.slos || []) {
      const r = budgetOf(slo).remaining;
      if (hasData(slo) && isNum(r)) minRem = Math.min(minRem, r);
    }
    const gate = Object.hasOwn(GATE_RANK, svc.decision) ? GATE_RANK[svc.decision] : 0.5;
    return [gate, svc.stale ? 0 : 1, configIssues(svc).length ? 0 : 1, minRem];
  }

  function compareServices(a, b) {
    const ra = serviceRank(a);
    const rb = serviceRank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] < rb[i] ? -1 : 1;
    return String(a.service).localeCompare(String(b.service));
  }

  function matchesFilter(svc, words) {
    if (words.length === 0) return true;
    const hay = [svc.service, svc.owner, svc.decision, svc.stale ? 'stale' : '',
      ...(svc.slos || []).flatMap((x) => [x.name, x.slug, budgetOf(x).status]),
      ...(svc.reasons || []).map((r) => (r && r.code) || '')].join(' ').toLowerCase();
    return words.every((w) => hay.includes(w));
  }

  function worstBurn(svc) {
    let worst = null;
    for (const slo of svc.slos || []) {
      const b = currentBurn(slo);
      if (b && (!worst || b.value > worst.value)) worst = Object.assign({ slo: slo.name }, b);
    }
    return worst;
  }

  function serviceCard(svc) {
    const now = Date.now();
    const worst = worstBurn(svc);
    const name = String(svc.service);
    return h('li', { class: 'card gate-edge-' + (Object.hasOwn(GATE_TEXT, svc.decision) ? svc.decision : 'unknown'),
      dataset: { service: name, decision: svc.decision, stale: svc.stale ? 'true' : 'false' } },
    h('div', { class: 'card-head' },
      h('h2', {}, h('a', { href: '#/service/' + enc(name) }, name)),
      gateBadge(svc.decision)),
    h('div', { class: 'markers' },
      svc.owner ? h('span', { class: 'owner', dataset: { field: 'owner' } }, 'Owner: ', svc.owner) : null,
      svc.stale ? staleBadge() : null,
      overrideActive(svc.override, now) ? h('span', { class: 'badge override', dataset: { overrideMarker: '' } },
        icon('override'), h('span', {}, 'Override ', relativeExpiry(svc.override.expires_at))) : null),
    issueList(configIssues(svc)),
    reasonList(svc.reasons, 'compact'),
    h('p', { class: 'worst-burn', dataset: { field: 'worst-burn', value: worst ? worst.value : null } },
      h('span', { class: 'label' }, 'Worst burn rate: '),
      worst ? h('strong', {}, burn(worst.value)) : DASH,
      worst ? ' (' + worst.window + ', ' + worst.slo + ')' : null),
    h('ul', { class: 'slo-rows', 'aria-label': 'SLOs of ' + name },
      (svc.slos || []).map((slo) => {
        const cb = currentBurn(slo);
        return h('li', { dataset: { slo: slo.slug || slo.name } },
          h('span', { class: 'slo-name' }, slo.name || slo.slug || DASH),
          budgetBar(slo),
          h('span', { class: 'slo-remaining', dataset: { field: 'remaining', value: hasData(slo) ? budgetOf(slo).remaining : null } },
            slo.error ? 'Error' : hasData(slo) ? pct(budgetOf(slo).remaining) : 'No data'),
          h('span', { class: 'slo-burn', dataset: { field: 'burn', value: cb ? cb.value : null } },
            cb ? burn(cb.value) + ' ' + cb.window : DASH));
      })));
  }

  function relativeExpiry(iso) {
    const d = parseTime(iso);
    return d ? 'until ' + dateTime(iso) : '';
  }

  function overviewView() {
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
      for (const svc of services) if (Object.hasOwn(counts, svc.decision)) counts[svc.decision]++;
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
        services = Array.isArray(data && data.services) ? data.services : [];
        const problems = Array.isArray(data && data.config_problems) ? data.config_problems : [];
        orphans.replaceChildren(...(problems.length ? [h('section', { class: 'panel problems', 'aria-labelledby': 'config-problems-h' },
          h('h2', { id: 'config-problems-h' }, 'Spec files with problems'),
          issueList(problems.map(problemText)))] : []));
        draw();
      },
    };
  }

  // ------------------------------------------------------------- charts

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

  // lineChart draws series ({cls, label, points:[{t,v}]}) and reference
  // lines into an SVG sized to the container.
  function lineChart(opts) {
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

    for (const ref of opts.refs || []) {
      root.append(s('path', { class: ref.cls, d: 'M' + x(ref.t0).toFixed(1) + ' ' + y(ref.v0).toFixed(1) + 'L' + x(ref.t1).toFixed(1) + ' ' + y(ref.v1).toFixed(1) }));
    }
    if (opts.nowT && opts.nowT < t1) {
      root.append(s('line', { class: 'now', x1: x(opts.nowT), x2: x(opts.nowT), y1: m.top, y2: height - m.bottom }));
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

  function legend(items) {
    return h('ul', { class: 'legend' }, items.map(([cls, text]) =>
      h('li', {}, s('svg', { viewBox: '0 0 24 8', width: 24, height: 8, 'aria-hidden': 'true' },
        s('path', { class: cls, d: 'M1 4H23' })), text)));
  }

  function historyPoints(points, field) {
    return (points || []).map((p) => {
      const d = parseTime(p.at);
      const v = p[field];
      return { t: d ? d.getTime() : NaN, v: p.status !== 'no_data' && isNum(v) ? v : null };
    }).filter((p) => Number.isFinite(p.t)).sort((a, b) => a.t - b.t);
  }

  function burndownChart(fig, slo, history, range, now) {
    const pts = historyPoints(history && history.points, 'remaining');
    const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
    const id = 'burndown-' + (slo.slug || slo.name);
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
        id, width: fig.clientWidth, t0, t1, lo: lo - pad, hi: hi + pad, nowT: range.rolling ? null : nowT,
        title: 'Budget remaining of ' + (slo.name || slo.slug) + ' over its ' + windowText(slo.window), desc,
        refs: [{ cls: 'ideal', t0, v0: 1, t1, v1: 0 }],
        series: [{ cls: 'budget', points: pts }],
      }),
      legend([['budget', 'Budget remaining'], ['ideal', 'Ideal (even spend to 0% at window end)']]),
      h('p', { class: 'chart-summary' }, desc));
  }

  function sliChart(fig, slo, history, range, now) {
    const pts = historyPoints(history && history.points, 'sli');
    const vals = pts.filter((p) => p.v !== null).map((p) => p.v);
    const id = 'sli-' + (slo.slug || slo.name);
    const target = isNum(slo.target) ? slo.target : null;
    const floor = minOf(vals, target === null ? 1 : target);
    const span = Math.max(1 - floor, 0.0001);
    const lo = Math.max(0, floor - span * 0.25);
    const hi = 1;
    const t0 = range.start.getTime();
    const t1 = Math.min(range.end.getTime(), Math.max(now, t0 + 1));
    const below = target === null ? 0 : vals.filter((v) => v < target).length;
    const desc = vals.length
      ? 'SLI between ' + sliPct(minOf(vals, 1)) + ' and ' + sliPct(maxOf(vals, 0)) + ', latest ' +
        sliPct(vals[vals.length - 1]) + '; target ' + targetPct(target) + '; ' + below + ' of ' + vals.length +
        ' evaluations below target.'
      : 'No stored history in this window yet.';
    fig.dataset.points = String(vals.length);
    fig.replaceChildren(
      h('figcaption', {}, h('span', { class: 'chart-title' }, 'SLI over time')),
      lineChart({
        id, width: fig.clientWidth, t0, t1, lo, hi,
        title: 'SLI of ' + (slo.name || slo.slug) + ' against its target', desc,
        refs: target === null ? [] : [{ cls: 'target', t0, v0: target, t1, v1: target }],
        series: [{ cls: 'sli', points: pts }],
      }),
      legend([['sli', 'SLI over the window'], ['target', 'Target ' + targetPct(target)]]),
      h('p', { class: 'chart-summary' }, desc));
  }

  // ------------------------------------------------------- service page

  function stat(label, field, value, text, note) {
    return h('div', { class: 'stat' },
      h('dt', {}, label),
      h('dd', {}, h('span', { class: 'value', dataset: { field, value: isNum(value) ? value : null } }, text),
        note ? h('span', { class: 'note' }, note) : null));
  }

  function exhaustionText(slo) {
    const b = budgetOf(slo);
    if (!hasData(slo)) return [DASH, null];
    if (b.status === 'exhausted' || (isNum(b.remaining) && b.remaining <= 0)) return ['Exhausted', 'no budget left'];
    const cb = currentBurn(slo);
    if (isNum(slo.exhaustion_seconds)) return [duration(slo.exhaustion_seconds), cb ? 'at the ' + cb.window + ' burn of ' + burn(cb.value) : null];
    return ['Not at current burn', cb ? cb.window + ' burn ' + burn(cb.value) : 'no recent errors'];
  }

  function sloStats(slo) {
    const b = budgetOf(slo);
    const data = hasData(slo);
    const [exText, exNote] = exhaustionText(slo);
    return h('dl', { class: 'stats' },
      stat('Target', 'target', slo.target, targetPct(slo.target), windowText(slo.window)),
      stat('Current SLI', 'sli', sloCurrentSLI(slo), sliPct(sloCurrentSLI(slo)),
        data && isNum(b.error_ratio) ? 'error ratio ' + pct(b.error_ratio) : null),
      stat('Budget consumed', 'consumed', data ? b.consumed : null, data ? pct(b.consumed) : DASH),
      stat('Budget remaining', 'remaining', data ? b.remaining : null, data ? pct(b.remaining) : DASH,
        data && b.remaining < 0 ? 'overspent' : null),
      stat('Failures left', 'remaining-events', b.remaining_events, events(b.remaining_events),
        isNum(b.allowed_events) ? 'of ' + events(b.allowed_events) + ' allowed' : null),
      stat('Failed events', 'failed-events', b.failed_events, events(b.failed_events),
        isNum(b.total_events) ? 'of ' + events(b.total_events) + ' total' : null),
      stat('Minutes left', 'remaining-minutes', b.remaining_minutes, minutes(b.remaining_minutes),
        isNum(b.allowed_minutes) ? 'of ' + minutes(b.allowed_minutes) + ' in the window' : null),
      stat('Time to exhaustion', 'exhaustion', slo.exhaustion_seconds, exText, exNote));
  }

  function burnCell(label, value, factor, field) {
    const known = isNum(value);
    const over = known && isNum(factor) && value > factor;
    return h('td', { dataset: { field, value: known ? value : null, over: known ? String(over) : null }, 'data-label': field === 'long-burn' ? 'Long window' : 'Short window' },
      h('span', { class: 'win' }, label || DASH), ' ',
      h('strong', {}, known ? burn(value) : 'no data'), ' ',
      known ? h('span', { class: over ? 'cmp over' : 'cmp under' }, over ? '▲ over' : 'under') : null);
  }

  function burnTable(slo) {
    const alerts = alertsOf(slo);
    if (alerts.length === 0) return h('p', { class: 'muted' }, 'No burn-rate alert conditions for this window.');
    return h('div', { class: 'table-wrap' }, h('table', { class: 'burn responsive' },
      h('caption', { class: 'sr-only' }, 'Burn rate of each alert window against its factor'),
      h('thead', {}, h('tr', {},
        ['Alert', 'Factor', 'Long window', 'Short window', 'Condition'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, alerts.map((a) => {
        const longLabel = a.long || a.long_window || '';
        const shortLabel = a.short || a.short_window || '';
        const longOver = isNum(a.long_burn) && a.long_burn > a.factor;
        const shortOver = isNum(a.short_burn) && a.short_burn > a.factor;
        const state = a.firing ? 'Firing' : a.no_data ? 'No data'
          : longOver ? 'Not firing (long window over)' : shortOver ? 'Not firing (short window over)' : 'Not firing';
        return h('tr', { class: a.firing ? 'firing' : null, dataset: { alert: [a.severity, longLabel, shortLabel].join('-'), firing: a.firing ? 'true' : 'false' } },
          h('th', { scope: 'row', 'data-label': 'Alert' }, h('span', { class: 'sev sev-' + a.severity }, a.severity === 'page' ? 'Page' : a.severity === 'ticket' ? 'Ticket' : a.severity || DASH)),
          h('td', { 'data-label': 'Factor', dataset: { field: 'factor', value: isNum(a.factor) ? a.factor : null } }, burn(a.factor)),
          burnCell(longLabel, a.long_burn, a.factor, 'long-burn'),
          burnCell(shortLabel, a.short_burn, a.factor, 'short-burn'),
          h('td', { 'data-label': 'Condition', dataset: { field: 'condition' } },
            h('span', { class: 'cond cond-' + (a.firing ? 'firing' : 'quiet') }, icon(a.firing ? 'fire' : 'ok'), state)));
      }))));
  }

  function windowList(slo) {
    const entries = Object.entries(slo.burn_rates || {})
      .sort((a, b) => (windowSeconds(a[0]) || 0) - (windowSeconds(b[0]) || 0));
    if (entries.length === 0) return h('p', { class: 'muted' }, 'No burn rates: no traffic in any window.');
    return h('ul', { class: 'windows', 'aria-label': 'Burn rate per window' },
      entries.map(([w, v]) => h('li', { dataset: { burnWindow: w, value: isNum(v) ? v : null }, class: isNum(v) && v > 1 ? 'hot' : null },
        h('span', { class: 'win' }, w), ' ', h('strong', {}, burn(v)),
        isNum(v) && v > 1 ? [' ', h('span', { class: 'cmp over', title: 'Faster than the budget allows' }, '▲',
          h('span', { class: 'sr-only' }, ' faster than the budget allows'))] : null)));
  }

  function sloSection(slo) {
    const slug = slo.slug || slo.name;
    const headId = 'slo-' + slug + '-h';
    return h('section', { class: 'slo panel', id: 'slo-' + slug, dataset: { slo: slug }, 'aria-labelledby': headId },
      h('div', { class: 'slo-head' }, h('h2', { id: headId }, slo.name || slug), statusBadge(slo)),
      slo.description ? h('p', { class: 'desc', dataset: { field: 'description' } }, slo.description) : null,
      slo.error ? h('p', { class: 'slo-error', dataset: { field: 'error' } }, icon('error'), 'Could not measure: ', slo.error) : null,
      budgetBar(slo),
      sloStats(slo),
      h('h3', {}, 'Burn rates'),
      burnTable(slo),
      windowList(slo),
      h('div', { class: 'charts' },
        h('figure', { class: 'chart', id: 'burndown-' + slug, dataset: { chart: 'burndown' } }, h('p', { class: 'muted' }, 'Loading history…')),
        h('figure', { class: 'chart', id: 'sli-' + slug, dataset: { chart: 'sli' } }, h('p', { class: 'muted' }, 'Loading history…'))));
  }

  function serviceSummary(svc) {
    const now = Date.now();
    return [
      h('div', { class: 'svc-line' },
        gateBadge(svc.decision),
        h('span', { class: 'gate-text' }, svc.allowed === false ? 'Normal deploys are blocked' : svc.decision === 'warn' ? 'Normal deploys allowed, with warnings' : svc.allowed ? 'Normal deploys allowed' : ''),
        svc.stale ? staleBadge() : null),
      h('p', { class: 'meta' },
        svc.owner ? ['Owner ', h('strong', { dataset: { field: 'owner' } }, svc.owner), ' · '] : null,
        parseTime(svc.evaluated_at) ? ['Evaluated ', timeEl(svc.evaluated_at, true)] : 'Not evaluated yet'),
      issueList(configIssues(svc)),
      reasonList(svc.reasons, ''),
      Array.isArray(svc.actions) && svc.actions.length
        ? h('p', { class: 'actions', dataset: { field: 'actions' } }, 'Policy actions: ', svc.actions.join(', ')) : null,
      overrideActive(svc.override, now)
        ? h('p', { class: 'badge override wide', dataset: { overrideMarker: '' } }, icon('override'),
          h('span', {}, 'Override active until ', timeEl(svc.override.expires_at, true), ' by ', svc.override.actor || DASH, ': ', svc.override.reason || ''))
        : null,
    ];
  }

  function decisionsTable(decisions, withService) {
    if (!decisions.length) return h('p', { class: 'empty' }, 'No deploy checks recorded yet.');
    const cols = ['Time', withService ? 'Service' : null, 'Decision', 'Priority', 'Version', 'Actor', 'Pipeline', 'Reasons'].filter(Boolean);
    return h('div', { class: 'table-wrap' }, h('table', { class: 'decisions responsive' },
      h('caption', { class: 'sr-only' }, 'Recent deploy checks, newest first'),
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, decisions.map((d) => h('tr', { dataset: { decisionId: d.id, decision: d.decision } },
        h('td', { 'data-label': 'Time' }, timeEl(d.at, false)),
        withService ? h('td', { 'data-label': 'Service' }, h('a', { href: '#/service/' + enc(String(d.service)) }, String(d.service))) : null,
        h('td', { 'data-label': 'Decision' }, gateBadge(d.decision), d.stale ? [' ', staleBadge()] : null),
        h('td', { 'data-label': 'Priority', dataset: { field: 'priority' } }, d.priority || DASH),
        h('td', { 'data-label': 'Version', dataset: { field: 'version' } }, d.version || DASH),
        h('td', { 'data-label': 'Actor', dataset: { field: 'actor' } }, d.actor || DASH),
        h('td', { 'data-label': 'Pipeline', dataset: { field: 'pipeline' } }, d.pipeline || DASH),
        h('td', { 'data-label': 'Reasons', dataset: { field: 'reasons' } },
          reasonList(d.reasons, 'compact') || DASH,
          Array.isArray(d.actions) && d.actions.length ? h('span', { class: 'muted' }, 'actions: ' + d.actions.join(', ')) : null))))));
  }

  function overridesList(overrides, onRevoke) {
    const now = Date.now();
    const active = overrides.filter((o) => overrideActive(o, now));
    const past = overrides.filter((o) => !overrideActive(o, now));
    const item = (o, isActive) => h('li', { class: 'override-item', dataset: { overrideId: o.id, active: String(isActive) } },
      h('div', { class: 'override-main' },
        h('span', { class: 'badge ' + (isActive ? 'override' : 'muted-badge') }, icon(isActive ? 'override' : 'stale'),
          h('span', {}, isActive ? 'Active' : o.revoked_at ? 'Revoked' : 'Expired')),
        h('span', { class: 'override-reason', dataset: { field: 'reason' } }, o.reason || DASH)),
      h('p', { class: 'meta' }, 'By ', h('strong', { dataset: { field: 'actor' } }, o.actor || DASH),
        ', created ', timeEl(o.created_at, false), ', ',
        o.revoked_at ? ['revoked ', timeEl(o.revoked_at, false), o.revoked_by ? ' by ' + o.revoked_by : null]
          : [isActive ? 'expires ' : 'expired ', h('span', { dataset: { field: 'expires' } }, timeEl(o.expires_at, isActive))]),
      isActive ? revokeControl(o, onRevoke) : null);
    return [
      active.length ? h('ul', { class: 'overrides', id: 'active-overrides' }, active.map((o) => item(o, true)))
        : h('p', { class: 'empty', id: 'no-active-overrides' }, 'No active override: the gate follows the error-budget policy.'),
      past.length ? h('details', { class: 'past' }, h('summary', {}, 'Past overrides (' + past.length + ')'),
        h('ul', { class: 'overrides' }, past.map((o) => item(o, false)))) : null,
    ];
  }

  // revokeControl asks for a second click before revoking.
  function revokeControl(o, onRevoke) {
    const box = h('div', { class: 'revoke' });
    const ask = h('button', { type: 'button', class: 'btn danger small', dataset: { action: 'revoke' } }, 'Revoke…');
    const yes = h('button', { type: 'button', class: 'btn danger small', dataset: { action: 'confirm-revoke' } }, 'Confirm revoke');
    const no = h('button', { type: 'button', class: 'btn small', dataset: { action: 'cancel-revoke' } }, 'Cancel');
    const question = h('span', { class: 'confirm-text' }, 'Revoke this override?');
    ask.addEventListener('click', () => { box.replaceChildren(question, yes, no); yes.focus(); });
    no.addEventListener('click', () => { box.replaceChildren(ask); ask.focus(); });
    yes.addEventListener('click', async () => {
      yes.disabled = true;
      await onRevoke(o);
      yes.disabled = false;
    });
    box.append(ask);
    return box;
  }

  function field(id, label, control, hint) {
    return h('div', { class: 'field' }, h('label', { for: id }, label), control,
      hint ? h('p', { class: 'hint', id: id + '-hint' }, hint) : null);
  }

  function serviceView(name) {
    let svc = null;
    let histories = {};
    const summary = h('div', { id: 'service-summary' });
    const toc = h('ul', { class: 'toc-list' });
    const slos = h('div', { id: 'slos' });
    const overridesBox = h('div', { id: 'overrides', 'aria-live': 'polite' });
    const decisionsBox = h('div', { id: 'decisions' });
    const formError = h('div', { id: 'override-error', class: 'form-error', role: 'alert' });
    const formMsg = h('p', { id: 'override-message', class: 'form-msg', role: 'status' });

    const token = h('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': 'token-hint',
      oninput: () => saveSession(TOKEN_KEY, token.value) });
    token.value = loadSession(TOKEN_KEY);
    const reason = h('input', { id: 'override-reason', type: 'text', required: true, maxlength: 500, autocomplete: 'off' });
    const actor = h('input', { id: 'override-actor', type: 'text', required: true, maxlength: 200, autocomplete: 'off',
      oninput: () => saveSession(ACTOR_KEY, actor.value) });
    actor.value = loadSession(ACTOR_KEY);
    const dur = h('select', { id: 'override-duration' },
      ['30m', '1h', '2h', '4h', '8h', '24h'].map((d) => h('option', { value: d, selected: d === '2h' }, d)));
    const submit = h('button', { type: 'submit', id: 'override-submit', class: 'btn primary' }, 'Create override');
    const forget = h('button', { type: 'button', class: 'btn small', id: 'forget-token',
      onclick: () => { token.value = ''; saveSession(TOKEN_KEY, ''); token.focus(); } }, 'Forget token');

    function showFormError(err) {
      formMsg.textContent = '';
      formError.replaceChildren(
        h('strong', { dataset: { field: 'title' } }, err.title || 'Error'),
        err.detail ? h('span', { dataset: { field: 'detail' } }, ' ' + err.detail) : null);
    }

    function authHeaders() {
      return { Accept: 'application/json', 'Content-Type': 'application/json', Authorization: 'Bearer ' + token.value.trim() };
    }

    async function create(ev) {
      ev.preventDefault();
      formError.replaceChildren();
      formMsg.textContent = '';
      if (!token.value.trim()) { showFormError({ title: 'Token required', detail: 'Enter the API token to create an override.' }); token.focus(); return; }
      if (!reason.value.trim()) { showFormError({ title: 'Reason required', detail: 'Say why the gate should be bypassed.' }); reason.focus(); return; }
      if (!actor.value.trim()) { showFormError({ title: 'Actor required', detail: 'Say who is creating the override.' }); actor.focus(); return; }
      submit.disabled = true;
      try {
        const o = await api('/services/' + enc(name) + '/overrides', {
          method: 'POST', headers: authHeaders(),
          body: JSON.stringify({ reason: reason.value.trim(), actor: actor.value.trim(), duration: dur.value }),
        });
        reason.value = '';
        await refreshNow(true);
        formMsg.textContent = 'Override created' + (o && o.expires_at ? ', expires ' + dateTime(o.expires_at) : '') + '.';
      } catch (err) {
        showFormError(err);
      } finally {
        submit.disabled = false;
      }
    }

    async function revoke(o) {
      formError.replaceChildren();
      formMsg.textContent = '';
      if (!token.value.trim()) {
        showFormError({ title: 'Token required', detail: 'Enter the API token to revoke an override.' });
        token.focus();
        return;
      }
      try {
        const by = actor.value.trim() ? '?actor=' + enc(actor.value.trim()) : '';
        await api('/services/' + enc(name) + '/overrides/' + enc(String(o.id)) + by, { method: 'DELETE', headers: authHeaders() });
      } catch (err) {
        showFormError(err);
        return;
      }
      await refreshNow(true);
      formMsg.textContent = 'Override revoked.';
      const h2 = document.getElementById('overrides-h');
      if (h2) h2.focus();
    }

    function drawCharts() {
      if (!svc) return;
      const now = Date.now();
      for (const slo of svc.slos || []) {
        const slug = slo.slug || slo.name;
        const hist = histories[slug];
        const bd = document.getElementById('burndown-' + slug);
        const sl = document.getElementById('sli-' + slug);
        if (!bd || !sl || !hist) continue;
        if (hist.error) {
          for (const fig of [bd, sl]) {
            fig.replaceChildren(h('p', { class: 'form-error', dataset: { field: 'history-error' } },
              h('strong', {}, hist.error.title || 'History unavailable'), hist.error.detail ? ' ' + hist.error.detail : ''));
          }
          continue;
        }
        burndownChart(bd, slo, hist.data, hist.range, now);
        sliChart(sl, slo, hist.data, hist.range, now);
      }
    }

    async function loadHistory(slo, now) {
      const slug = slo.slug || slo.name;
      const range = windowRange(slo.window, now) || windowRange('30d', now);
      const to = new Date(Math.min(range.end.getTime(), now.getTime()));
      try {
        const data = await api('/services/' + enc(name) + '/slos/' + enc(slug) + '/history?from=' +
          enc(range.start.toISOString()) + '&to=' + enc(to.toISOString()));
        return [slug, { data, range }];
      } catch (err) {
        return [slug, { error: err, range }];
      }
    }

    let resizeTimer = null;
    const onResize = () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(drawCharts, 150); };

    return {
      name: 'service',
      title: name,
      mount(main) {
        window.addEventListener('resize', onResize);
        main.append(h('div', { class: 'wrap' },
          h('p', { class: 'crumbs' }, h('a', { href: '#/' }, '← All services')),
          h('header', { id: 'service', class: 'panel svc-head', dataset: { service: name } },
            h('h1', { tabindex: '-1' }, name), summary),
          h('nav', { class: 'toc', 'aria-label': 'On this page' }, toc),
          slos,
          h('section', { id: 'overrides-section', class: 'panel', 'aria-labelledby': 'overrides-h' },
            h('h2', { id: 'overrides-h', tabindex: '-1' }, 'Overrides'),
            h('p', { class: 'muted' }, 'An active override allows every deploy of this service until it expires or is revoked. Creating or revoking one needs the API token.'),
            overridesBox,
            h('form', { id: 'override-form', class: 'override-form', novalidate: true, onsubmit: create, 'aria-labelledby': 'override-form-h' },
              h('h3', { id: 'override-form-h' }, 'Create an override'),
              h('div', { class: 'fields' },
                field('token', 'API token', h('div', { class: 'inline' }, token, forget),
                  'Kept in this browser tab only (sessionStorage).'),
                field('override-reason', 'Reason', reason),
                field('override-actor', 'Actor', actor),
                field('override-duration', 'Duration', dur)),
              formError,
              h('div', { class: 'form-actions' }, submit, formMsg))),
          h('section', { id: 'decisions-section', class: 'panel', 'aria-labelledby': 'decisions-h' },
            h('h2', { id: 'decisions-h' }, 'Recent deploy checks'),
            decisionsBox)));
      },
      unmount() {
        window.removeEventListener('resize', onResize);
        clearTimeout(resizeTimer);
      },
      async refresh() {
        const now = new Date();
        const [service, overrides, decisions] = await Promise.all([
          api('/services/' + enc(name)),
          api('/services/' + enc(name) + '/overrides').catch((err) => ({ error: err })),
          api('/decisions?service=' + enc(name) + '&limit=20').catch((err) => ({ error: err })),
        ]);
        const hs = await Promise.all((service.slos || []).map((slo) => loadHistory(slo, now)));
        svc = service;
        histories = Object.fromEntries(hs);
        document.title = name + ' — slod';
        const header = document.getElementById('service');
        if (header) header.dataset.decision = svc.decision || '';
        summary.replaceChildren(...serviceSummary(svc).filter(Boolean));
        toc.replaceChildren(...(svc.slos || []).map((slo) => h('li', {}, h('a', { href: '#slo-' + (slo.slug || slo.name), dataset: { jump: '' } }, slo.name || slo.slug))),
          h('li', {}, h('a', { href: '#overrides-section', dataset: { jump: '' } }, 'Overrides')),
          h('li', {}, h('a', { href: '#decisions-section', dataset: { jump: '' } }, 'Deploy checks')));
        slos.replaceChildren(...(svc.slos || []).map(sloSection));
        if (!(svc.slos || []).length) slos.append(h('p', { class: 'empty panel' }, 'This service has no SLOs.'));
        drawCharts();
        overridesBox.replaceChildren(...(overrides.error
          ? [h('p', { class: 'form-error' }, 'Overrides unavailable: ', overrides.error.message)]
          : overridesList(Array.isArray(overrides.overrides) ? overrides.overrides : [], revoke)).filter(Boolean));
        decisionsBox.replaceChildren(decisions.error
          ? h('p', { class: 'form-error' }, 'Decision log unavailable: ', decisions.error.message)
          : decisionsTable(Array.isArray(decisions.decisions) ? decisions.decisions : [], false));
      },
    };
  }

  function decisionsView() {
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
        box.replaceChildren(decisionsTable(Array.isArray(data && data.decisions) ? data.decisions : [], true));
      },
    };
  }

  function notFoundView(message) {
    return {
      name: 'notfound',
      title: 'Not found',
      mount(main) {
        main.append(h('div', { class: 'wrap' }, h('h1', { tabindex: '-1' }, 'Not found'),
          h('p', { id: 'not-found' }, message), h('p', {}, h('a', { href: '#/' }, '← All services'))));
      },
      async refresh() {},
    };
  }

  function loadSession(key) {
    try { return sessionStorage.getItem(key) || ''; } catch (e) { return ''; }
  }

  function saveSession(key, value) {
    try {
      if (value) sessionStorage.setItem(key, value);
      else sessionStorage.removeItem(key);
    } catch (e) { /* storage disabled: the value lives in the field only */ }
  }

  // --------------------------------------------------------------- app

  const main = document.getElementById('main');
  const statusEl = document.getElementById('refresh-status');
  const banner = document.getElementById('error-banner');
  let view = null;
  let lastOk = null;
  let refreshes = 0;
  // inflight is the running refresh and the view it belongs to.
  let inflight = null;

  function route() {
    const hash = location.hash.replace(/^#/, '');
    const m = hash.match(/^\/service\/([^/?]+)\/?$/);
    if (m) {
      let name;
      try { name = decodeURIComponent(m[1]); } catch (e) { return notFoundView('That address is not valid.'); }
      return serviceView(name);
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
    } catch (err) {
      if (current !== view) return;
      if (err instanceof ApiError && err.status === 404 && current.name === 'service') {
        show(notFoundView(err.detail || 'No service by that name.'));
        main.dataset.loaded = 'true';
        statusEl.textContent = 'Updated ' + new Date().toLocaleTimeString();
        return;
      }
      banner.replaceChildren(h('strong', {}, (err && err.title) || 'Update failed'),
        err && err.detail ? ' ' + err.detail : '',
        lastOk ? ' — showing data from ' + lastOk.toLocaleTimeString() + '.' : '');
      banner.hidden = false;
      statusEl.textContent = 'Update failed';
    }
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
})();
