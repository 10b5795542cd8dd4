// import.js -- 取り込み: pick a file (CSV or Excel) and what it holds, see
// what would be imported before anything is written (the dry run: layout,
// encoding, columns, counts, rejects with reasons), then commit; below, the
// 名寄せ queue (dupes.js) of reports waiting for a person.
import { upload, qs } from './api.js';
import { h, clear, field, select, pageTitle, toast } from './ui.js';
import { IMPORT_KIND } from './strings.js';
import { showQueue } from './dupes.js';

function report(r, committed) {
  const rejects = r.rejects || [];
  const warnings = r.warnings || [];
  const n = (x) => (x === undefined || x === null ? '—' : String(x));
  const box = h('section', { class: 'card', id: committed ? 'import-result' : 'import-preview', 'aria-live': 'polite' },
    h('h2', { text: committed ? '取り込みました' : '試し読みの結果（まだ何も書き込んでいません）' }),
    h('table', {}, h('tbody', {},
      h('tr', {}, h('th', { text: '形式' }), h('td', { text: r.layout_label || n(r.layout || r.format) })),
      h('tr', {}, h('th', { text: '文字コード' }), h('td', { text: n(r.encoding) })),
      r.sheet ? h('tr', {}, h('th', { text: 'シート' }), h('td', { text: r.sheet })) : null,
      h('tr', {}, h('th', { text: '行数' }), h('td', { class: 'num', text: n(r.rows) })),
      h('tr', {}, h('th', { text: committed ? '新規' : '新規になる行' }), h('td', { class: 'num', text: n(r.inserted) })),
      h('tr', {}, h('th', { text: committed ? '更新' : '更新になる行' }), h('td', { class: 'num', text: n(r.updated) })),
      h('tr', {}, h('th', { text: '変更なし' }), h('td', { class: 'num', text: n(r.unchanged) })),
      h('tr', {}, h('th', { text: '取り込めない行' }), h('td', { class: 'num', text: n(r.rejected ?? rejects.length) })),
      r.without_location !== undefined ? h('tr', {}, h('th', { text: '位置が分からない' }), h('td', { class: 'num', text: n(r.without_location) })) : null,
      r.merged ? h('tr', {}, h('th', { text: committed ? '登録済みの子に統合' : '登録済みの子に統合される報告' }), h('td', { class: 'num', text: n(r.merged) })) : null,
      r.queued ? h('tr', {}, h('th', { text: '名寄せの判断待ち' }), h('td', { class: 'num', text: n(r.queued) })) : null)));
  const cols = r.columns || r.column_map || r.mapping;
  if (cols) {
    const entries = Array.isArray(cols) ? cols.map((c) => [c.file ?? c.header ?? c.name, c.column ?? c.field ?? '']) : Object.entries(cols);
    box.append(h('h3', { text: '列の対応' }), h('table', { id: 'columns' },
      h('thead', {}, h('tr', {}, h('th', { text: 'ファイルの列' }), h('th', { text: '取り込む項目' }))),
      h('tbody', {}, entries.map(([a, b]) => h('tr', {}, h('td', { text: String(a) }), h('td', { text: String(b || '（使わない）') }))))));
  }
  if (rejects.length) {
    box.append(h('h3', { text: '取り込めない行と理由' }), h('table', { id: 'rejects' },
      h('thead', {}, h('tr', {}, h('th', { text: '行' }), h('th', { text: '理由' }))),
      h('tbody', {}, rejects.slice(0, 200).map((x) => h('tr', {}, h('td', { class: 'num', text: String(x.line ?? '') }),
        h('td', { text: x.message || x.reason || '' }))))));
  }
  if ((r.reasons || []).length) {
    box.append(h('h3', { text: '理由ごとの件数' }), h('ul', { id: 'reasons' }, r.reasons.map((x) =>
      h('li', { text: `${x.message || x.code}：${x.count} 行` + (x.lines && x.lines.length ? `（${x.lines.slice(0, 10).join('、')} 行目など）` : '') }))));
  }
  if (warnings.length) {
    box.append(h('h3', { text: '注意' }), h('ul', {}, warnings.slice(0, 100).map((x) =>
      h('li', { text: `${x.line ? x.line + ' 行: ' : ''}${x.message || x.reason || ''}` }))));
  }
  return box;
}

export async function show(main) {
  pageTitle(main, '取り込み');
  const kind = field('何のファイルですか', select(IMPORT_KIND, 'children', { id: 'import-kind' }));
  const file = field('ファイル（CSV・Excel・GeoJSON など）',
    h('input', { type: 'file', id: 'import-file', accept: '.csv,.txt,.xlsx,.xls,.ods,.geojson,.json,.zip,.gpkg,.kml' }),
    { hint: 'UTF-8 でも Shift_JIS でも読めます。まず試し読みをして、結果を確かめてから取り込みます。' });
  const partial = h('input', { type: 'checkbox', id: 'import-partial' });
  const out = h('div', { id: 'import-out' });
  const bar = h('progress', { id: 'import-progress', max: '1', value: '0', hidden: true, 'aria-label': '送信の進み具合' });
  const status = h('p', { class: 'form-status', role: 'alert' });
  const commit = h('button', { type: 'button', class: 'primary', id: 'import-commit', disabled: true }, 'この内容で取り込む');
  const preview = h('button', { type: 'button', id: 'import-preview-btn' }, '試し読み');
  main.append(h('div', { class: 'card' }, h('div', { class: 'grid' }, kind, file),
    h('label', { class: 'check' }, partial, '取り込めない行があっても残りを取り込む'),
    h('div', { class: 'actions' }, preview, commit), bar, status), out);
  const queue = h('section', { id: 'duplicates' });
  main.append(queue);
  showQueue(queue);

  const send = async (dry) => {
    const f = file.input.files[0];
    status.textContent = '';
    if (!f) { status.textContent = 'ファイルを選んでください'; file.input.focus(); return null; }
    const params = { dry_run: dry ? 'true' : undefined, partial: partial.checked ? 'true' : undefined };
    bar.hidden = false;
    bar.value = 0;
    status.classList.add('busy');
    try {
      return await upload(`/v1/import/${kind.input.value}${qs(params)}`, f, (p) => {
        bar.value = p;
        status.textContent = p < 1 ? `送信中… ${Math.round(p * 100)}%` : '読み取り中…';
      });
    } catch (e) {
      const rep = e.body && e.body.error && e.body.error.report;
      if (rep) { clear(out).append(report(rep, false)); status.textContent = e.message; return null; }
      if (dry && /dry_run/.test(e.message)) {
        status.textContent = 'このサーバーは試し読みにまだ対応していません';
      } else status.textContent = e.message;
      return null;
    } finally {
      bar.hidden = true;
      status.classList.remove('busy');
    }
  };
  let checked = null;
  preview.addEventListener('click', async () => {
    commit.disabled = true;
    preview.disabled = true;
    status.textContent = '読み込み中…';
    const r = await send(true);
    preview.disabled = false;
    if (!r) return;
    status.textContent = '';
    checked = file.input.files[0];
    clear(out).append(report(r, false));
    commit.disabled = false;
    commit.focus();
  });
  for (const el of [file.input, kind.input, partial]) el.addEventListener('change', () => { commit.disabled = true; checked = null; });
  commit.addEventListener('click', async () => {
    if (checked !== file.input.files[0]) return;
    commit.disabled = true;
    const r = await send(false);
    if (!r) return;
    status.textContent = '';
    clear(out).append(report(r, true));
    toast('取り込みました');
    showQueue(queue);
  });
}
