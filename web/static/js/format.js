// Numbers, percentages, durations and times as the dashboard shows them.

export const DASH = '—';

// minOf and maxOf avoid Math.min(...xs), which overflows the stack on
// long histories.
export const minOf = (xs, start) => xs.reduce((a, b) => (b < a ? b : a), start);
export const maxOf = (xs, start) => xs.reduce((a, b) => (b > a ? b : a), start);

function trimZeros(str) {
  return str.includes('.') ? str.replace(/\.?0+$/, '') : str;
}

export function noNegZero(str) {
  return /^-0(\.0*)?$/.test(str) ? str.slice(1) : str;
}

// pct formats a fraction (0.421 -> "42.1%"): 2 decimals under 10%,
// 1 decimal above.
export function pct(frac) {
  const p = frac * 100;
  return noNegZero(p.toFixed(Math.abs(p) < 10 ? 2 : 1)) + '%';
}

// targetPct keeps what the spec said: 0.999 -> "99.9%", 0.9995 -> "99.95%".
export function targetPct(frac) {
  return trimZeros((frac * 100).toFixed(3)) + '%';
}

// sliPct shows 2 decimals, rounded down so 99.996% never reads "100.00%";
// null (no data) is a dash.
export function sliPct(frac) {
  if (frac === null) return DASH;
  const p = Math.floor(frac * 10000 + 1e-9) / 100;
  return p.toFixed(2) + '%';
}

function num(v, maxDecimals) {
  return noNegZero(v.toLocaleString('en-US', { maximumFractionDigits: maxDecimals }));
}

// events: whole numbers, one decimal for small fractional counts.
export const events = (v) => num(v, Math.abs(v) < 100 ? 1 : 0);

export function minutes(v) {
  return num(v, Math.abs(v) < 100 ? 1 : 0) + ' min';
}

// duration: people's durations, the rule sloctl shares
// (internal/durationtext): the two largest units, the smaller rounded, a
// zero one left out: "45s", "25h 24m" (hours up to 48), "112d 5h", "28d".
export function duration(seconds) {
  const abs = Math.abs(seconds);
  let text;
  if (Math.round(abs) < 60) {
    text = Math.round(abs) + 's';
  } else if (Math.round(abs / 60) < 48 * 60) {
    const m = Math.round(abs / 60);
    text = pair(Math.floor(m / 60), 'h', m % 60, 'm');
  } else {
    const h = Math.round(abs / 3600);
    text = pair(Math.floor(h / 24), 'd', h % 24, 'h');
  }
  return seconds < 0 && text !== '0s' ? '-' + text : text;
}

function pair(big, bigUnit, small, smallUnit) {
  if (big === 0) return small + smallUnit;
  if (small === 0) return big + bigUnit;
  return big + bigUnit + ' ' + small + smallUnit;
}

export function burn(v) {
  return v.toFixed(Math.abs(v) >= 10 ? 1 : 2) + '×';
}

export function dateTime(iso) {
  return new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// relative: "3m ago", "in 1h 59m".
export function relative(iso) {
  const diff = (Date.parse(iso) - Date.now()) / 1000;
  if (Math.abs(diff) < 5) return 'just now';
  return diff < 0 ? duration(-diff) + ' ago' : 'in ' + duration(diff);
}

const UNIT_SECONDS = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

// windowSeconds is the length of a burn-rate window label, in Prometheus'
// duration format ("5m", "1h30m").
export function windowSeconds(label) {
  let total = 0;
  for (const m of label.matchAll(/(\d+)(ms|[smhdwy])/g)) total += Number(m[1]) * UNIT_SECONDS[m[2]];
  return total;
}

export function windowText(label) {
  if (label === 'month') return 'calendar month';
  if (label === 'week') return 'calendar week';
  return 'rolling ' + label;
}
