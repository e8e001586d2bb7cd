// The overrides panel of the service page: active and past overrides, and
// the form that creates or revokes one with the API token.
import { h } from '../dom.js';
import { icon } from '../icons.js';
import { api, enc } from '../api.js';
import { dateTime } from '../format.js';
import { timeEl } from '../widgets.js';

const TOKEN_KEY = 'slod.token';
const ACTOR_KEY = 'slod.actor';

// The token stays in this tab (sessionStorage), never in localStorage.
function loadSession(key) {
  try { return sessionStorage.getItem(key) || ''; } catch (e) { return ''; }
}

function saveSession(key, value) {
  try {
    if (value) sessionStorage.setItem(key, value);
    else sessionStorage.removeItem(key);
  } catch (e) { /* storage disabled: the value lives in the field only */ }
}

// overridesList splits the overrides by slod's own "active", so a browser
// with a wrong clock cannot show an expired override as active.
function overridesList(overrides, onRevoke) {
  const active = overrides.filter((o) => o.active);
  const past = overrides.filter((o) => !o.active);
  const item = (o) => h('li', { class: 'override-item', dataset: { overrideId: o.id, active: String(o.active) } },
    h('div', { class: 'override-main' },
      h('span', { class: 'badge ' + (o.active ? 'override' : 'muted-badge') }, icon(o.active ? 'override' : 'stale'),
        h('span', {}, o.active ? 'Active' : o.revoked_at ? 'Revoked' : 'Expired')),
      h('span', { class: 'override-reason', dataset: { field: 'reason' } }, o.reason)),
    h('p', { class: 'meta' }, 'By ', h('strong', { dataset: { field: 'actor' } }, o.actor),
      ', created ', timeEl(o.created_at, false), ', ',
      o.revoked_at ? ['revoked ', timeEl(o.revoked_at, false), ' by ' + o.revoked_by]
        : [o.active ? 'expires ' : 'expired ', h('span', { dataset: { field: 'expires' } }, timeEl(o.expires_at, o.active))]),
    o.active ? revokeControl(o, onRevoke) : null);
  return [
    active.length ? h('ul', { class: 'overrides', id: 'active-overrides' }, active.map(item))
      : h('p', { class: 'empty', id: 'no-active-overrides' }, 'No active override: the gate follows the error-budget policy.'),
    past.length ? h('details', { class: 'past' }, h('summary', {}, 'Past overrides (' + past.length + ')'),
      h('ul', { class: 'overrides' }, past.map(item))) : null,
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

// overridesPanel builds the panel of one service. refreshNow(true) reloads
// the page's data after a write; show() takes the overrides API's answer
// (or {error}) on every refresh.
export function overridesPanel(name, refreshNow) {
  const heading = h('h2', { id: 'overrides-h', tabindex: '-1' }, 'Overrides');
  const list = h('div', { id: 'overrides', 'aria-live': 'polite' });
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
      formMsg.textContent = 'Override created, expires ' + dateTime(o.expires_at) + '.';
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
    heading.focus();
  }

  const section = h('section', { id: 'overrides-section', class: 'panel', 'aria-labelledby': 'overrides-h' },
    heading,
    h('p', { class: 'muted' }, 'An active override allows every deploy of this service until it expires or is revoked. Creating or revoking one needs the API token.'),
    list,
    h('form', { id: 'override-form', class: 'override-form', novalidate: true, onsubmit: create, 'aria-labelledby': 'override-form-h' },
      h('h3', { id: 'override-form-h' }, 'Create an override'),
      h('div', { class: 'fields' },
        field('token', 'API token', h('div', { class: 'inline' }, token, forget),
          'Kept in this browser tab only (sessionStorage).'),
        field('override-reason', 'Reason', reason),
        field('override-actor', 'Actor', actor),
        field('override-duration', 'Duration', dur)),
      formError,
      h('div', { class: 'form-actions' }, submit, formMsg)));

  return {
    section,
    show(answer) {
      list.replaceChildren(...(answer.error
        ? [h('p', { class: 'form-error' }, 'Overrides unavailable: ', answer.error.message)]
        : overridesList(answer.overrides, revoke)).filter(Boolean));
    },
  };
}
