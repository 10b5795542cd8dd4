// dupes.js -- 名寄せ: the reports an import could not match for sure (GET
// /v1/duplicates), each beside the children it may be, and a person's
// decision: the same child (merge into that one) or another child (keep
// apart: registered as new).  Shown on the 取り込み screen.
import { api, ApiError } from './api.js';
import { h, clear, wareki, toast } from './ui.js';
import { CARE, MSG } from './strings.js';

const MATCH = {
  kana_birth_date: '生年月日とふりがなが同じ',
  address_birth_date: '生年月日と住所が同じ（ふりがなが違う）',
  name_birth_date: '生年月日と氏名が同じ（ふりがなが違う）',
  several: '当てはまる子が複数',
  alias: '台帳番号が同じ',
};
const ROWS = [
  ['name', '氏名'], ['name_kana', 'ふりがな'], ['birth_date', '生年月日'], ['address', '住所'],
  ['source', '報告した課'], ['care', '医療的ケア'],
];

function shown(key, v) {
  if (v === null || v === undefined || v === '') return '—';
  if (key === 'birth_date') return wareki(v);
  if (key === 'care') return (Array.isArray(v) ? v : String(v).split(';')).map((c) => CARE[c] || c).join('・') || '—';
  if (key === 'source' && Array.isArray(v)) return v.map((s) => s.department || s).join('・') || '—';
  return String(v);
}

function same(a, b) {
  const n = (s) => String(s ?? '').normalize('NFKC').replace(/[\s・]/g, '');
  return n(a) === n(b);
}

// One report beside its candidate children, with the two decisions.
function card(item, kids, onDecide) {
  const rep = item.report || {};
  const id = `dup-${item.id}`;
  const head = h('tr', {}, h('th', { scope: 'col', text: '項目' }),
    h('th', { scope: 'col', text: `届いた報告（${item.department || rep.source || '課の記入なし'}・${item.external_id}）` }),
    kids.map((k) => h('th', { scope: 'col', text: `登録済み：${k.external_id}` })));
  const rows = ROWS.map(([key, label]) => h('tr', {}, h('th', { scope: 'row', text: label }),
    h('td', { text: shown(key, rep[key]) }),
    kids.map((k) => {
      const v = key === 'source' ? k.sources : k[key];
      const differs = key !== 'source' && key !== 'care' && !same(rep[key], k[key]);
      return h('td', { class: differs ? 'differs' : null }, shown(key, v),
        differs ? h('span', { class: 'tag', text: '違い' }) : null);
    })));
  const status = h('p', { class: 'form-status', role: 'alert' });
  const decide = async (action, child) => {
    status.textContent = '';
    try {
      await api('POST', `/v1/duplicates/${item.id}`, child ? { action, child_id: child } : { action });
      toast(action === 'merge' ? '同じ子として統合しました' : '別の子として登録しました');
      onDecide();
    } catch (e) {
      status.textContent = e instanceof ApiError ? e.message : MSG.failed;
    }
  };
  return h('section', { class: 'card dup', id, 'aria-labelledby': id + '-h' },
    h('h3', { id: id + '-h', text: `${rep.name || '（氏名なし）'} さんの報告 — ${MATCH[item.match] || item.match}` }),
    h('table', { class: 'compare' }, h('thead', {}, head), h('tbody', {}, rows)),
    h('div', { class: 'actions' },
      kids.map((k) => h('button', { type: 'button', class: 'primary', 'data-merge': String(k.id),
        onclick: () => decide('merge', k.id) }, `${k.external_id} と同じ子（統合する）`)),
      h('button', { type: 'button', 'data-keep': String(item.id), onclick: () => decide('keep_apart') },
        '別の子（新しく登録する）')),
    status);
}

// Draws the pending queue into box; again after each decision.
export async function showQueue(box) {
  clear(box).append(h('h2', { text: '名寄せ：同じ子かもしれない報告' }), h('p', { class: 'muted', text: MSG.loading }));
  let doc;
  try {
    doc = await api('GET', '/v1/duplicates?status=pending&limit=50');
  } catch (e) {
    box.lastChild.textContent = e instanceof ApiError ? e.message : MSG.failed;
    return;
  }
  const items = doc.items || [];
  box.lastChild.textContent = items.length
    ? `${doc.total} 件が判断を待っています。届いた報告と登録済みの子を見比べて決めてください。`
    : '判断を待っている報告はありません。';
  box.lastChild.id = 'dup-count';
  box.lastChild.tabIndex = -1;
  for (const item of items) {
    const ids = item.candidates && item.candidates.length ? item.candidates : item.child ? [item.child.id] : [];
    const kids = [];
    for (const cid of ids) {
      try { kids.push(await api('GET', `/v1/children/${cid}`)); } catch (e) { /* removed since */ }
    }
    box.append(card(item, kids, async () => {
      await showQueue(box);
      box.querySelector('#dup-count').focus();
    }));
  }
}
