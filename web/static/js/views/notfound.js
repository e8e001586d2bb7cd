// The page for an address the dashboard does not know.
import { h } from '../dom.js';

export function notFoundView(message) {
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
