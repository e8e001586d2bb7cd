// Inline SVG icons, drawn with the DOM builders so the CSP needs no
// image source.
import { s } from './dom.js';

const ICONS = {
  allow: [['path', { d: 'M4 10.5l4 4 8-9' }]],
  warn: [['path', { d: 'M10 2.5L18.5 17h-17z' }], ['path', { d: 'M10 8v4M10 14.5v.5' }]],
  deny: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M6.5 6.5l7 7M13.5 6.5l-7 7' }]],
  stale: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M10 5v5l3 2' }]],
  override: [['path', { d: 'M10 2l7 3v5c0 4-3 7-7 8-4-1-7-4-7-8V5z' }], ['path', { d: 'M7 10l2 2 4-4' }]],
  fire: [['path', { d: 'M10 2c1 4 5 5 5 10a5 5 0 0 1-10 0c0-3 2-4 2-6 2 1 3 3 3 3s1-3 0-7z' }]],
  ok: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M6.5 10.5l2.5 2.5 4.5-5' }]],
  nodata: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M6 10h8' }]],
  error: [['circle', { cx: 10, cy: 10, r: 8 }], ['path', { d: 'M10 5.5v5.5M10 13.5v.5' }]],
};

// icon is decorative: the text next to it always carries the meaning.
export function icon(name) {
  return s('svg', { class: 'icon icon-' + name, viewBox: '0 0 20 20', 'aria-hidden': 'true', focusable: 'false' },
    ICONS[name].map(([tag, a]) => s(tag, a)));
}
