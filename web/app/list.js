// list.js -- 名簿: the children, searchable by name or kana, filtered,
// sorted and paged by the server (GET /v1/children's query parameters, so a
// page shows only the children it lists and each one read is audited), with
// the count always in view and the filtered list written out by the server
// as CSV or Excel (formula-safe) through plain links.
import { api, qs, ApiError } from './api.js';
import { h, clear, field, select, pageTitle, wareki, age, hoursText } from './ui.js';
import { CARE, DECISION, DECISION_COLOUR, PLAN_STATUS, AFFILIATION, MSG } from './strings.js';

const PAGE = 50;
const AGE_BANDS = { '': 'すべて', '0-2': '0〜2 歳', '3-5': '3〜5 歳（就園）', '6-11': '6〜11 歳（小学校）',
  '12-14': '12〜14 歳（中学校）', '15-17': '15〜17 歳', '18-': '18 歳以上' };
// Column, its label, and the server's sort key.
const COLUMNS = [
  ['external_id', '台帳番号', 'external_id'], ['name', '氏名', 'name'], ['name_kana', 'ふりがな', 'name_kana'],
  ['age', '年齢', 'age'], ['care', '医療的ケア', 'care'], ['district', '地区', 'district'],
  ['runtime_h', 'バッテリー', 'runtime_h'], ['decision', '計画', 'decision'],
  ['status', '計画の状態', 'plan_status'], ['review_date', '見直し', 'review_date'],
];

// The query parameters of the filters (the export links use the same).
function filters(state) {
  return { q: state.q, care: state.care, age: state.age, district: state.district,
    department: state.department, affiliation: state.affiliation, decision: state.decision,
    plan_status: state.status, review_due: state.review ? 'true' : '',
    sort: (state.dir < 0 ? '-' : '') + state.sort };
}

export async function show(main) {
  const add = h('a', { class: 'button primary', href: '#/child/new' }, '新しく登録');
  pageTitle(main, '名簿', add);
  const state = { q: '', care: '', age: '', district: '', department: '', affiliation: '', decision: '',
    status: '', review: false, sort: 'external_id', dir: 1, page: 0 };
  const q = field('氏名・ふりがな・台帳番号で検索', h('input', { type: 'search', id: 'q', autocomplete: 'off' }));
  const f = {
    care: field('医療的ケア', select({ '': 'すべて', ...CARE }, '', { id: 'f-care' })),
    age: field('年齢', select(AGE_BANDS, '', { id: 'f-age' })),
    district: field('地区', h('input', { id: 'f-district', size: '8' })),
    department: field('報告した課', h('input', { id: 'f-source', size: '8' })),
    affiliation: field('所属', select({ '': 'すべて', ...AFFILIATION, unknown: '未記入' }, '', { id: 'f-affiliation' })),
    decision: field('計画', select({ '': 'すべて', ...DECISION, none: '計画なし' }, '', { id: 'f-decision' })),
    status: field('計画の状態', select({ '': 'すべて', ...PLAN_STATUS }, '', { id: 'f-status' })),
  };
  const review = h('input', { type: 'checkbox', id: 'f-review' });
  const count = h('p', { class: 'count', id: 'count', 'aria-live': 'polite', text: MSG.loading });
  const csv = h('a', { class: 'button', id: 'export', download: '' }, 'CSV で書き出す');
  const xlsx = h('a', { class: 'button', id: 'export-xlsx', download: '' }, 'Excel で書き出す');
  const problem = h('p', { class: 'error', id: 'roster-error', role: 'alert' });
  const table = h('table', { id: 'roster' });
  const pager = h('div', { class: 'pager' });
  main.append(h('div', { class: 'filters card', role: 'search' }, q, ...Object.values(f),
    h('label', { class: 'check' }, review, '見直しが必要'), h('div', { class: 'exports' }, csv, xlsx)),
  count, problem, table, pager);

  let asked = 0;      // answers to older requests are dropped
  const render = async () => {
    const mine = ++asked;
    const params = filters(state);
    csv.href = '/v1/children' + qs({ ...params, f: 'csv' });
    xlsx.href = '/v1/children' + qs({ ...params, f: 'xlsx' });
    let doc;
    try {
      doc = await api('GET', '/v1/children' + qs({ ...params, limit: PAGE, offset: state.page * PAGE }));
    } catch (e) {
      if (mine !== asked) return;
      problem.textContent = e instanceof ApiError ? e.message : MSG.failed;
      return;
    }
    if (mine !== asked) return;
    problem.textContent = '';
    const pages = Math.max(1, Math.ceil(doc.total / PAGE));
    if (state.page > pages - 1) { state.page = pages - 1; render(); return; }
    const from = state.page * PAGE;
    count.textContent = `${doc.registered} 人中 ${doc.total} 人` +
      (doc.total > PAGE ? `（${from + 1}〜${from + doc.items.length} 人目）` : '');
    renderTable(table, doc.items, state, render);
    clear(pager).append(
      h('button', { type: 'button', disabled: state.page === 0 ? true : null, onclick: () => { state.page--; render(); } }, '前へ'),
      h('span', { text: `${state.page + 1} / ${pages} ページ` }),
      h('button', { type: 'button', disabled: state.page >= pages - 1 ? true : null, onclick: () => { state.page++; render(); } }, '次へ'));
  };
  // Typing waits a moment before asking the server.
  let timer = null;
  const soon = () => { clearTimeout(timer); timer = setTimeout(render, 250); };
  q.input.addEventListener('input', () => { state.q = q.input.value.trim(); state.page = 0; soon(); });
  for (const [k, w] of Object.entries(f)) {
    const typed = w.input.tagName === 'INPUT';
    w.input.addEventListener('input', () => {
      state[k] = w.input.value.trim(); state.page = 0;
      if (typed) soon(); else render();
    });
  }
  review.addEventListener('change', () => { state.review = review.checked; state.page = 0; render(); });
  await render();
}

function renderTable(table, items, state, render) {
  const head = h('tr', {}, COLUMNS.map(([, label, key]) => {
    const sorted = state.sort === key;
    return h('th', { scope: 'col', 'aria-sort': sorted ? (state.dir > 0 ? 'ascending' : 'descending') : null },
      h('button', { type: 'button', onclick: () => {
        state.dir = sorted ? -state.dir : 1; state.sort = key; state.page = 0; render();
      } }, label + (sorted ? (state.dir > 0 ? ' ▲' : ' ▼') : '')));
  }));
  const body = items.map((c) => {
    const p = c.plan || {};
    const years = age(c.birth_date);
    return h('tr', {},
      h('td', { text: c.external_id }),
      h('td', {}, h('a', { href: `#/child/${c.id}`, text: c.name || '（氏名なし）' })),
      h('td', { text: c.name_kana || '' }),
      h('td', { class: 'num', text: years === null ? '—' : `${years} 歳` }),
      h('td', {}, (c.care || []).map((k) => h('span', { class: 'tag', text: CARE[k] || k }))),
      h('td', { text: c.district || '' }),
      h('td', { class: 'num', text: hoursText(c.runtime_h) }),
      h('td', {}, p.decision ? h('span', { class: 'badge', style: `background:${DECISION_COLOUR[p.decision]}`,
        text: DECISION[p.decision] }) : '—', p.dest_name ? ` ${p.dest_name}` : ''),
      h('td', { text: PLAN_STATUS[p.status] || p.status || '' }),
      h('td', { text: (p.review_due ? '要見直し ' : '') + (p.review_date ? wareki(p.review_date) : '—') }));
  });
  clear(table).append(h('caption', { class: 'muted', text: '見出しを押すと並べ替えます' }),
    h('thead', {}, head), h('tbody', {}, body));
  if (!items.length) table.append(h('tbody', {}, h('tr', {}, h('td', { colspan: String(COLUMNS.length), text: '該当する子どもはいません' }))));
}
