// users.js -- 職員 (admins): who may log in, with which role; a new person
// or a reset gets a one-time password shown once.
import { api } from './api.js';
import { h, clear, field, select, pageTitle, toast, warekiTime } from './ui.js';
import { ROLE } from './strings.js';

function oneTime(box, login, pw) {
  clear(box).append(h('p', { class: 'notice', role: 'alert' },
    `${login} さんの初回パスワード: `, h('strong', { id: 'one-time', text: pw }),
    '（この画面でしか表示されません。本人に渡し、最初のログインで変えてもらいます）'));
}

export async function show(main) {
  pageTitle(main, '職員');
  const shown = h('div');
  const login = field('ログイン名', h('input', { id: 'u-login', autocapitalize: 'off' }), { required: true, hint: '英数字と . _ @ -' });
  const name = field('氏名', h('input', { id: 'u-name' }));
  const role = field('役割', select(ROLE, 'viewer', { id: 'u-role' }));
  const status = h('p', { class: 'form-status', role: 'alert' });
  const table = h('table', { id: 'users' });
  main.append(shown, h('form', { class: 'card', onsubmit: async (ev) => {
    ev.preventDefault();
    status.textContent = '';
    try {
      const r = await api('POST', '/v1/users', { login: login.input.value.trim(), name: name.input.value.trim() || null, role: role.input.value });
      oneTime(shown, r.user.login, r.password);
      login.input.value = ''; name.input.value = '';
      await render();
    } catch (e) { status.textContent = e.message; }
  } }, h('h2', { text: '職員を追加' }), h('div', { class: 'grid' }, login, name, role), status,
  h('button', { type: 'submit', class: 'primary' }, '追加する')), table);
  const render = async () => {
    const users = await api('GET', '/v1/users?limit=1000');
    clear(table).append(h('thead', {}, h('tr', {}, ['ログイン名', '氏名', '役割', '登録', ''].map((t) => h('th', { scope: 'col', text: t })))),
      h('tbody', {}, users.items.map((u) => {
        const r = select(ROLE, u.role, { 'aria-label': `${u.login} の役割` });
        r.addEventListener('change', async () => {
          try { await api('PUT', `/v1/users/${u.id}`, { role: r.value }); toast('役割を変えました'); } catch (e) { toast(e.message, 'bad'); r.value = u.role; }
        });
        return h('tr', {}, h('td', { text: u.login }), h('td', { text: u.name }), h('td', {}, r),
          h('td', { text: warekiTime(u.created_at) + (u.must_change ? '（初回パスワードのまま）' : '') }),
          h('td', {}, h('button', { type: 'button', onclick: async () => {
            const x = await api('PUT', `/v1/users/${u.id}`, { reset_password: true });
            oneTime(shown, u.login, x.password);
          } }, 'パスワードを再発行'), ' ', h('button', { type: 'button', class: 'danger', onclick: async () => {
            if (!window.confirm(`${u.login} さんを削除しますか`)) return;
            try { await api('DELETE', `/v1/users/${u.id}`); toast('削除しました'); await render(); } catch (e) { toast(e.message, 'bad'); }
          } }, '削除')));
      })));
  };
  await render();
}
