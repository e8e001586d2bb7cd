// What an SLO, as the API sends it, says beyond its raw fields.
import { pct, windowSeconds } from './format.js';

// loading: part of the SLO's window is still being loaded from
// Prometheus, so its budget would be a number over part of the window.
export const loading = (slo) => (slo.coverage?.unknown_seconds ?? 0) > 0;

// loadingText: how far the history is loaded, by buckets.
export function loadingText(slo) {
  const b = slo.backfill ?? { done: 0, total: 0 };
  return 'History loading ' + pct(b.total > 0 ? Math.min(b.done / b.total, 0.999) : 0);
}

// hasData: measured, with enough events to judge the budget, over the
// whole window. After a failed attempt the last good numbers still count:
// the gate judges them until they pass max_staleness, and the API marks
// them stale.
export const hasData = (slo) => slo.evaluated_at !== null && slo.budget.status !== 'no_data' && !loading(slo);

export const currentSLI = (slo) => (hasData(slo) ? slo.sli : null);

// currentBurn is the 1h burn rate (the one time-to-exhaustion uses), or
// the shortest window reported when there is no 1h; null without traffic.
export function currentBurn(slo) {
  const rates = slo.burn_rates;
  if ('1h' in rates) return { window: '1h', value: rates['1h'] };
  let best = null;
  for (const [w, v] of Object.entries(rates)) {
    const secs = windowSeconds(w);
    if (!best || secs < best.secs) best = { window: w, value: v, secs };
  }
  return best;
}
