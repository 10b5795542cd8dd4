// list.js -- 名簿: the children, searchable by name or kana, filtered,
// sorted, paged, with the count always in view and a CSV export of the
// filtered list (formula-safe, UTF-8 with BOM so that Excel opens it).
import { api } from './api.js';
import { h, clear, field, select, pageTitle, wareki, age, csvCell, download, hoursText } from './ui.js';
import { CARE, DECISION, DECISION_COLOUR, PLAN_STATUS, AFFILIATION, MSG } from './strings.js';

const PAGE = 50;
const AGE_BANDS = { '': 'すべて', '0-2': '0〜2 歳', '3-5': '3〜5 歳（就園）', '6-11': '6〜11 歳（小学校）',
  '12-14': '12〜14 歳（中学校）', '15-17': '15〜17 歳', '18-': '18 歳以上' };
const COLUMNS = [
  ['external_id', '台帳番号'], ['name', '氏名'], ['name_kana', 'ふりがな'], ['age', '年齢'],
  ['care', '医療的ケア'], ['district', '地区'], ['runtime_h', 'バッテリー'],
  ['decision', '計画'], ['status', '計画の状態'], ['review_date', '見直し'],
];

// Everything the filters may look at, one row per child.
function rows(children, plans) {
  const byChild = new Map((plans.items || []).map((p) => [p.child_id, p]));
  return children.map((c) => {
    const p = byChild.get(c.id) || {};
    return { ...c, age: age(c.birth_date), decision: p.decision || null, status: p.status || 'draft',
      review_date: p.review_date || null, review_due: !!p.review_due, dest_name: p.dest_name || '' };
  });
}

function matches(r, f) {
  if (f.q) {
    const q = f.q.normalize('NFKC').toLowerCase();
    const hay = [r.name, r.name_kana, r.external_id, r.address].join(' ').normalize('NFKC').toLowerCase();
    if (!hay.includes(q)) return false;
  }
  if (f.care && !(r.care || []).includes(f.care)) return false;
  if (f.age) {
    const [lo, hi] = f.age.split('-').map((x) => (x === '' ? Infinity : Number(x)));
    if (r.age === null || r.age < lo || r.age > hi) return false;
  }
  if (f.district && !(r.district || '').includes(f.district)) return false;
  if (f.source && !([r.source, ...(r.sources || []).map((s) => s.source || s.name || s)].join(' ')).includes(f.source)) return false;
  if (f.affiliation && r.affiliation !== f.affiliation) return false;
  if (f.decision && (r.decision || 'none') !== f.decision) return false;
  if (f.status && r.status !== f.status) return false;
  if (f.review && !r.review_due) return false;
  return true;
}

function compare(key, dir) {
  return (a, b) => {
    let x = key === 'care' ? (a.care || []).length : a[key];
    let y = key === 'care' ? (b.care || []).length : b[key];
    if (x === null || x === undefined) x = dir > 0 ? Infinity : -Infinity;
    if (y === null || y === undefined) y = dir > 0 ? Infinity : -Infinity;
    if (typeof x === 'string' && typeof y === 'string') return dir * x.localeCompare(y, 'ja');
    return dir * (x < y ? -1 : x > y ? 1 : 0);
  };
}

function exportCsv(list) {
  const cols = ['external_id', 'name', 'name_kana', 'birth_date', 'address', 'district', 'mobility', 'care',
    'guardian_name', 'guardian_phone', 'hospital', 'need_w', 'runtime_h', 'decision', 'status', 'review_date'];
  const lines = [cols.join(',')];
  for (const r of list) lines.push(cols.map((c) => csvCell(r[c])).join(','));
  const d = new Date().toISOString().slice(0, 10);
  download(`meibo-${d}.csv`, lines.join('\r\n') + '\r\n');
}

export async function show(main) {
  const add = h('a', { class: 'button primary', href: '#/child/new' }, '新しく登録');
  pageTitle(main, '名簿', add);
  const status = h('p', { class: 'muted', text: MSG.loading });
  main.append(status);
  const [children, plans] = await Promise.all([
    api('GET', '/v1/children?limit=10000'),
    api('GET', '/v1/plans/children').catch(() => ({ items: [] })),
  ]);
  status.remove();
  const all = rows(children.items, plans);
  const state = { q: '', care: '', age: '', district: '', source: '', affiliation: '', decision: '', status: '',
    review: false, sort: 'external_id', dir: 1, page: 0 };
  const q = field('氏名・ふりがな・台帳番号で検索', h('input', { type: 'search', id: 'q', autocomplete: 'off' }));
  const f = {
    care: field('医療的ケア', select({ '': 'すべて', ...CARE }, '', { id: 'f-care' })),
    age: field('年齢', select(AGE_BANDS, '', { id: 'f-age' })),
    district: field('地区', h('input', { id: 'f-district', size: '8' })),
    source: field('報告した課', h('input', { id: 'f-source', size: '8' })),
    affiliation: field('所属', select({ '': 'すべて', ...AFFILIATION }, '', { id: 'f-affiliation' })),
    decision: field('計画', select({ '': 'すべて', ...DECISION, none: '計画なし' }, '', { id: 'f-decision' })),
    status: field('計画の状態', select({ '': 'すべて', ...PLAN_STATUS }, '', { id: 'f-status' })),
  };
  const review = h('input', { type: 'checkbox', id: 'f-review' });
  const count = h('p', { class: 'count', id: 'count', 'aria-live': 'polite' });
  const exportBtn = h('button', { type: 'button', id: 'export' }, 'CSV で書き出す（Excel 可）');
  const table = h('table', { id: 'roster' });
  const pager = h('div', { class: 'pager' });
  main.append(h('div', { class: 'filters card', role: 'search' }, q, ...Object.values(f),
    h('label', { class: 'check' }, review, '見直しが必要'), exportBtn), count, table, pager);

  let filtered = [];
  const render = () => {
    filtered = all.filter((r) => matches(r, state)).sort(compare(state.sort, state.dir));
    const pages = Math.max(1, Math.ceil(filtered.length / PAGE));
    state.page = Math.min(state.page, pages - 1);
    const slice = filtered.slice(state.page * PAGE, (state.page + 1) * PAGE);
    count.textContent = `${all.length} 人中 ${filtered.length} 人` +
      (filtered.length > PAGE ? `（${state.page * PAGE + 1}〜${state.page * PAGE + slice.length} 人目）` : '');
    renderTable(table, slice, state, render);
    clear(pager).append(
      h('button', { type: 'button', disabled: state.page === 0 ? true : null, onclick: () => { state.page--; render(); } }, '前へ'),
      h('span', { text: `${state.page + 1} / ${pages} ページ` }),
      h('button', { type: 'button', disabled: state.page >= pages - 1 ? true : null, onclick: () => { state.page++; render(); } }, '次へ'));
  };
  q.input.addEventListener('input', () => { state.q = q.input.value.trim(); state.page = 0; render(); });
  for (const [k, w] of Object.entries(f)) {
    w.input.addEventListener('input', () => { state[k] = w.input.value.trim(); state.page = 0; render(); });
  }
  review.addEventListener('change', () => { state.review = review.checked; state.page = 0; render(); });
  exportBtn.addEventListener('click', () => exportCsv(filtered));
  render();
}

function renderTable(table, slice, state, render) {
  const head = h('tr', {}, COLUMNS.map(([k, label]) => {
    const sorted = state.sort === k;
    return h('th', { scope: 'col', 'aria-sort': sorted ? (state.dir > 0 ? 'ascending' : 'descending') : null },
      h('button', { type: 'button', onclick: () => {
        state.dir = sorted ? -state.dir : 1; state.sort = k; render();
      } }, label + (sorted ? (state.dir > 0 ? ' ▲' : ' ▼') : '')));
  }));
  const body = slice.map((r) => h('tr', {},
    h('td', { text: r.external_id }),
    h('td', {}, h('a', { href: `#/child/${r.id}`, text: r.name || '（氏名なし）' })),
    h('td', { text: r.name_kana || '' }),
    h('td', { class: 'num', text: r.age === null ? '—' : `${r.age} 歳` }),
    h('td', {}, (r.care || []).map((c) => h('span', { class: 'tag', text: CARE[c] || c }))),
    h('td', { text: r.district || '' }),
    h('td', { class: 'num', text: hoursText(r.runtime_h) }),
    h('td', {}, r.decision ? h('span', { class: 'badge', style: `background:${DECISION_COLOUR[r.decision]}`,
      text: DECISION[r.decision] }) : '—', r.dest_name ? ` ${r.dest_name}` : ''),
    h('td', { text: PLAN_STATUS[r.status] || r.status }),
    h('td', { text: (r.review_due ? '要見直し ' : '') + (r.review_date ? wareki(r.review_date) : '—') })));
  clear(table).append(h('caption', { class: 'muted', text: '見出しを押すと並べ替えます' }),
    h('thead', {}, head), h('tbody', {}, body));
  if (!slice.length) table.append(h('tbody', {}, h('tr', {}, h('td', { colspan: String(COLUMNS.length), text: '該当する子どもはいません' }))));
}
