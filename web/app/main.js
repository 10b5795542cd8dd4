// main.js -- the staff application's shell: login, password change, the
// navigation and the hash router (#/children, #/child/12, ...).  One module
// per screen; each exports show(main, ...params).
import { api, setCsrf, whenLoggedOut } from './api.js';
import { h, clear, field, setError, toast, pageTitle } from './ui.js';
import { APP, NAV, ROLE, MSG } from './strings.js';
import * as list from './list.js';
import * as child from './child.js';
import * as importer from './import.js';
import * as plans from './plans.js';
import * as mapScreen from './map.js';
import * as outage from './outage.js';
import * as council from './council.js';
import * as users from './users.js';

const main = document.getElementById('main');
export const session = { user: null };

const routes = [
  [/^#\/children$/, list.show],
  [/^#\/child\/new$/, (m) => child.show(m, null)],
  [/^#\/child\/(\d+)$/, (m, id) => child.show(m, id)],
  [/^#\/import$/, importer.show],
  [/^#\/plans$/, plans.show],
  [/^#\/map$/, mapScreen.show],
  [/^#\/outage$/, (m) => outage.show(m, null)],
  [/^#\/outage\/(\d+)$/, (m, id) => outage.show(m, id)],
  [/^#\/council$/, council.show],
  [/^#\/users$/, users.show],
  [/^#\/password$/, (m) => showPassword(m, false)],
];

let cleanup = null;

async function route() {
  if (!session.user) return showLogin();
  if (session.user.must_change) return showPassword(main, true);
  const hash = location.hash || '#/children';
  if (typeof cleanup === 'function') cleanup();
  cleanup = null;
  // Each visit draws into its own container: a screen still loading when
  // the person moves on draws into a detached one, never beside the next.
  const view = h('div', { class: 'view' });
  main.replaceChildren(view);
  markNav(hash);
  for (const [re, fn] of routes) {
    const m = hash.match(re);
    if (m) {
      try {
        const done = await fn(view, ...m.slice(1));
        if (view.isConnected) cleanup = done;
        else if (typeof done === 'function') done();
      } catch (e) {
        view.append(h('p', { class: 'error', role: 'alert', text: e.message || MSG.failed }));
      }
      return;
    }
  }
  location.hash = '#/children';
}

function markNav(hash) {
  for (const a of document.querySelectorAll('#nav a')) {
    const here = hash.startsWith(a.getAttribute('href')) ||
      (a.getAttribute('href') === '#/children' && hash.startsWith('#/child/'));
    if (here) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function showShell() {
  const top = document.getElementById('top');
  const nav = clear(document.getElementById('nav'));
  // Until the one-time password is changed there is nowhere else to go.
  if (!session.user.must_change) {
    for (const [href, label] of NAV) nav.append(h('a', { href, text: label }));
    if (session.user.role === 'admin') nav.append(h('a', { href: '#/users', text: '職員' }));
  }
  const who = clear(document.getElementById('who'));
  who.append(
    h('span', { class: 'me', text: `${session.user.name || session.user.login}（${ROLE[session.user.role]}）` }),
    h('a', { href: '#/password', text: 'パスワード変更' }),
    h('button', { type: 'button', class: 'secondary', id: 'logout', onclick: logout }, 'ログアウト'));
  top.hidden = false;
}

function loggedOut(message) {
  session.user = null;
  setCsrf(null);
  document.getElementById('top').hidden = true;
  showLogin(message);
}

async function logout() {
  try { await api('DELETE', '/v1/session'); } catch (e) { /* ended anyway */ }
  loggedOut('ログアウトしました');
}

function showLogin(message) {
  clear(main);
  document.getElementById('top').hidden = true;
  document.title = 'ログイン — powermap';
  const login = field('ログイン名', h('input', { name: 'login', autocomplete: 'username', autocapitalize: 'off' }), { required: true });
  const pw = field('パスワード', h('input', { name: 'password', type: 'password', autocomplete: 'current-password' }), { required: true });
  const status = h('p', { class: 'form-status', role: 'alert' });
  const form = h('form', { class: 'login card', onsubmit: async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    try {
      const r = await api('POST', '/v1/session', { login: login.input.value.trim(), password: pw.input.value });
      start(r);
    } catch (e) {
      status.textContent = e.message;
      pw.input.select();
    }
  } },
  h('h1', { text: APP }),
  message ? h('p', { class: 'notice', text: message }) : null,
  login, pw, status,
  h('button', { type: 'submit', class: 'primary' }, 'ログイン'));
  main.append(form);
  login.input.focus();
}

function start(s) {
  session.user = s.user;
  setCsrf(s.csrf);
  showShell();
  route();
}

function showPassword(m, first) {
  clear(m);
  pageTitle(m, first ? '初回のパスワードを変更してください' : 'パスワードの変更');
  const cur = field(first ? '配られたパスワード' : '今のパスワード',
    h('input', { type: 'password', autocomplete: 'current-password' }), { required: true });
  const nw = field('新しいパスワード', h('input', { type: 'password', autocomplete: 'new-password', minlength: '10' }),
    { required: true, hint: '10 文字以上。ログイン名とは別のもの' });
  const form = h('form', { class: 'card narrow', onsubmit: async (ev) => {
    ev.preventDefault();
    setError(cur, ''); setError(nw, '');
    try {
      const u = await api('POST', '/v1/session/password',
        { current_password: cur.input.value, new_password: nw.input.value });
      toast('パスワードを変更しました');
      // The change ended the session's siblings; this one stays.
      session.user = u;
      showShell();
      location.hash = '#/children';
      route();
    } catch (e) {
      setError(e.field === 'current_password' ? cur : nw, e.message);
    }
  } }, cur, nw, h('button', { type: 'submit', class: 'primary' }, '変更する'));
  m.append(form);
  cur.input.focus();
}

whenLoggedOut(() => loggedOut(MSG.sessionEnded));
window.addEventListener('hashchange', route);

(async () => {
  try {
    start(await api('GET', '/v1/session'));
  } catch (e) {
    showLogin();
  }
})();
