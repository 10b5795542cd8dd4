// outage.js -- 停電対応: draw an outage on the map (or pick one from the
// feed), then the affected children ranked by the time their batteries
// have left, with a live countdown, their plan and phone numbers; the
// children whose home is unknown on top; the 安否確認 log per child.  The
// list refreshes on its own every 30 seconds and prints as a list.
import { api } from './api.js';
import { h, clear, field, select, pageTitle, warekiTime, toast, hoursText } from './ui.js';
import { DECISION, DECISION_COLOUR, CALL, MOBILITY, DEST_TYPE } from './strings.js';
import { newMap, L } from './mapkit.js';
import { loadLayers } from './map.js';

const REFRESH_MS = 30000;

export async function show(main, id) {
  return id ? showOutage(main, id) : showList(main);
}

// ---- the outages, and drawing a new one ------------------------------------

async function showList(main) {
  pageTitle(main, '停電対応');
  const outages = await api('GET', '/v1/outages');
  const live = (outages.items || []).filter((o) => o.properties.active !== false);
  main.append(h('section', { class: 'card' }, h('h2', { text: '発生中の停電' }),
    live.length ? h('ul', { id: 'outage-list' }, live.map((o) => h('li', {},
      h('a', { href: `#/outage/${o.id}`, text: `停電 ${o.id} 番` }),
      `　${warekiTime(o.properties.started_at)} から` + (o.properties.external_id ? '（配信）' : '')))) :
      h('p', { text: '発生中の停電はありません' })));
  const started = field('停電が始まった時刻', h('input', { type: 'datetime-local', id: 'outage-start', value: localNow() }));
  const restore = field('復旧の見込み（分かれば）', h('input', { type: 'datetime-local', id: 'outage-restore' }));
  const status = h('p', { class: 'form-status', role: 'alert' });
  const hint = h('p', { class: 'hint', id: 'draw-hint', text: '地図を押して停電区域の角を順に置き、3 点以上で「区域を確定」を押します。' });
  const el = h('div', { class: 'map', id: 'outage-map', role: 'region', 'aria-label': '停電区域を描く地図' });
  const done = h('button', { type: 'button', class: 'primary', id: 'outage-save', disabled: true }, '区域を確定して登録');
  const undo = h('button', { type: 'button', id: 'outage-undo' }, '1 点戻す');
  main.append(h('section', { class: 'card' }, h('h2', { text: '停電区域を描く' }), hint,
    h('div', { class: 'grid' }, started, restore), el, h('div', { class: 'actions' }, undo, done), status));
  const map = newMap(el);
  map.setView([37.04, 136.97], 12);
  const layers = await loadLayers();
  for (const name of ['children', 'outages']) if (layers[name]) layers[name].addTo(map);
  if (layers.children && layers.children.getLayers().length) map.fitBounds(layers.children.getBounds(), { padding: [20, 20] });
  const pts = [];
  const shape = L.polygon([], { color: '#c0182b', weight: 3, fillOpacity: 0.15 }).addTo(map);
  const redraw = () => { shape.setLatLngs(pts); done.disabled = pts.length < 3; };
  map.on('click', (e) => { pts.push(e.latlng); redraw(); });
  undo.addEventListener('click', () => { pts.pop(); redraw(); });
  done.addEventListener('click', async () => {
    const ring = pts.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
    ring.push(ring[0]);
    const props = { started_at: new Date(started.input.value).toISOString() };
    if (restore.input.value) props.expected_restore_at = new Date(restore.input.value).toISOString();
    try {
      const o = await api('POST', '/v1/outages', { type: 'Feature', geometry: { type: 'Polygon', coordinates: [ring] }, properties: props });
      toast('停電区域を登録しました');
      location.hash = `#/outage/${o.id}`;
    } catch (e) { status.textContent = e.message; }
  });
  return () => map.remove();
}

function localNow() {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

// ---- one outage: who is affected, and the calls ----------------------------

async function showOutage(main, id) {
  const printBtn = h('button', { type: 'button', onclick: () => window.print() }, '一覧を印刷');
  pageTitle(main, `停電 ${id} 番の対応`, printBtn, h('a', { class: 'button', href: '#/outage' }, '停電の一覧'));
  const info = h('p', { class: 'count', id: 'affected-count', 'aria-live': 'polite' });
  const updated = h('p', { class: 'muted', id: 'affected-updated' });
  const table = h('table', { id: 'affected' });
  main.append(info, updated, table);
  let items = [];
  const tick = () => {
    for (const el of table.querySelectorAll('.countdown')) {
      const left = (new Date(el.dataset.deadline) - Date.now()) / 3600000;
      el.textContent = left <= 0 ? `期限を ${clock(-left)} 超過` : `残り ${clock(left)}`;
      el.classList.toggle('over', left <= 0);
      el.classList.toggle('soon', left > 0 && left < 3);
    }
  };
  const load = async () => {
    const a = await api('GET', `/v1/outages/${id}/affected`);
    const unlocated = a.unlocated || [];
    items = [...unlocated.map((c) => ({ ...c, unlocated: true })), ...(a.items || [])];
    info.textContent = `影響を受ける子ども ${items.length} 人` + (unlocated.length ? `（うち自宅の位置が分からない ${unlocated.length} 人）` : '');
    updated.textContent = `${warekiTime(new Date().toISOString())} 更新（30 秒ごとに自動更新）`;
    renderAffected(table, items, load);
    tick();
    if (items.length && !('latest_call' in items[items.length - 1])) await latestCalls(table, items);
  };
  await load();
  const t1 = setInterval(tick, 1000);
  const t2 = setInterval(() => { if (!document.querySelector('#affected .call-form:focus-within')) load().catch(() => {}); }, REFRESH_MS);
  return () => { clearInterval(t1); clearInterval(t2); };
}

// A server whose affected list does not carry each child's latest call yet:
// ask for it child by child (the first 200).
async function latestCalls(table, items) {
  await Promise.all(items.slice(0, 200).map(async (c) => {
    const id = c.id ?? c.child_id;
    const r = await api('GET', `/v1/children/${id}/calls?limit=1`).catch(() => null);
    const cell = table.querySelector(`tr[data-child="${id}"] .last-call`);
    if (r && r.items && r.items.length && cell) showCall(cell, r.items[0]);
  }));
}

function showCall(el, call) {
  el.className = 'last-call';
  el.textContent = `${CALL[call.status] || call.status}（${warekiTime(call.at || call.created_at)}、` +
    `${(call.actor || call.by || call.user || '').replace(/^user:/, '')}）${call.note ? '：' + call.note : ''}`;
}

function clock(hrs) {
  const s = Math.max(0, Math.round(hrs * 3600));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  return `${hh}:${String(mm).padStart(2, '0')}:${String(ss).padStart(2, '0')}`;
}

function renderAffected(table, items, reload) {
  clear(table).append(h('thead', {}, h('tr', {}, ['順', '氏名', 'バッテリー', '計画', '電話', '移動', '安否確認'].map((t) =>
    h('th', { scope: 'col', text: t })))),
  h('tbody', {}, items.map((c, i) => {
    const call = c.latest_call || c.call || null;
    return h('tr', { class: c.unlocated ? 'unlocated' : (c.remaining_h !== null && c.remaining_h <= 0 ? 'late' : null), dataset: { child: String(c.id ?? c.child_id) } },
      h('td', { class: 'num', text: String(i + 1) }),
      h('td', {}, h('a', { href: `#/child/${c.id ?? c.child_id}`, text: c.name || '' }),
        c.unlocated ? h('div', { class: 'tag', text: '自宅の位置が不明：必ず電話で確認' }) : null),
      h('td', {}, c.deadline ? h('span', { class: 'countdown', dataset: { deadline: c.deadline } }) : h('span', { text: c.runtime_h == null ? '制限なし' : `満充電で ${hoursText(c.runtime_h)}` }),
        c.deadline ? h('div', { class: 'muted', text: `期限 ${warekiTime(c.deadline)}` }) : null),
      h('td', {}, c.decision ? h('span', { class: 'badge', style: `background:${DECISION_COLOUR[c.decision]}`, text: DECISION[c.decision] }) : '—',
        c.destination ? h('div', { text: `${DEST_TYPE[c.destination.type] || ''} ${c.destination.name}` + (c.destination.phone ? `（${c.destination.phone}）` : '') }) : null),
      h('td', {}, c.guardian_phone ? h('a', { href: `tel:${c.guardian_phone}`, text: c.guardian_phone }) : '—',
        c.phone ? h('div', {}, h('a', { href: `tel:${c.phone}`, text: c.phone })) : null),
      h('td', { text: MOBILITY[c.mobility] || c.mobility || '' }),
      h('td', {}, call ? showCallEl(call) : h('div', { class: 'last-call muted', text: '未確認' }),
        callForm(c.id ?? c.child_id, reload)));
  })));
}

function showCallEl(call) {
  const el = h('div');
  showCall(el, call);
  return el;
}

function callForm(childId, reload) {
  const status = select(CALL, 'safe_home', { 'aria-label': '安否確認の結果' });
  const note = h('input', { placeholder: 'メモ', 'aria-label': 'メモ', size: '10' });
  return h('form', { class: 'call-form no-print', onsubmit: async (ev) => {
    ev.preventDefault();
    try {
      await api('POST', `/v1/children/${childId}/calls`, { status: status.value, note: note.value || null });
      toast('安否確認を記録しました');
      await reload();
    } catch (e) {
      toast(e.status === 404 || e.status === 405 ? 'このサーバーは安否確認の記録にまだ対応していません' : e.message, 'bad');
    }
  } }, status, note, h('button', { type: 'submit' }, '記録'));
}
