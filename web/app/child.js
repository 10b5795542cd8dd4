// child.js -- one child: the whole record in one form (record, devices,
// supporters, medical contacts, home power, consent), the home on a map
// with a draggable marker, the change history, and the plan with its
// status, review date and agreed destination.  Validation messages appear
// in Japanese at the field they concern, from the form's own checks and
// from the server's answer.
import { api } from './api.js';
import { h, clear, field, setError, select, pageTitle, wareki, warekiTime, toast, japanese, hoursText } from './ui.js';
import { CARE, MOBILITY, SEX, AFFILIATION, CONTACT_ROLE, DUTY, FIELD, DECISION, DECISION_COLOUR,
  PLAN_STATUS, DEST_TYPE, MSG } from './strings.js';
import { newMap, L } from './mapkit.js';

const TEXT = ['external_id', 'name', 'name_kana', 'phone', 'address', 'district', 'guardian_name',
  'guardian_phone', 'hospital', 'source', 'affiliation_name', 'grade'];
const NUM = ['home_battery_wh', 'home_generator_w', 'home_generator_h', 'car_inverter_w'];
const DEVICE_NUM = ['power_w', 'battery_h', 'minutes_per_hour', 'charge_h', 'backup_h'];

function input(name, value, attrs = {}) {
  return h('input', { name, value: value ?? '', ...attrs });
}

// A repeating group (devices, supporters, contacts): rows of fields.
function repeater(title, items, makeRow, addLabel) {
  const box = h('fieldset', { class: 'repeat' }, h('legend', { text: title }));
  const list = h('div');
  const rows = [];
  const add = (item) => {
    const row = makeRow(item || {});
    const wrap = h('div', { class: 'row-entry grid' }, ...row.fields,
      h('button', { type: 'button', class: 'danger', onclick: () => {
        rows.splice(rows.indexOf(row), 1); wrap.remove();
      } }, '削除'));
    row.wrap = wrap;
    rows.push(row);
    list.append(wrap);
    return row;
  };
  (items || []).forEach(add);
  box.append(list, h('button', { type: 'button', class: 'add', onclick: () => {
    const r = add({}); r.fields[0].input.focus();
  } }, addLabel));
  box.rows = rows;
  return box;
}

function deviceRow(d) {
  const f = {
    type: field(FIELD.type, input('type', d.type, { list: 'device-types' }), { required: true }),
    power_w: field(FIELD.power_w, input('power_w', d.power_w, { inputmode: 'decimal' })),
    battery_h: field(FIELD.battery_h, input('battery_h', d.battery_h, { inputmode: 'decimal' })),
    life: field(FIELD.life_sustaining, h('input', { type: 'checkbox', name: 'life_sustaining', checked: d.life_sustaining })),
    duty: field(FIELD.duty, select(DUTY, d.duty || 'continuous', { name: 'duty' })),
    minutes_per_hour: field(FIELD.minutes_per_hour, input('minutes_per_hour', d.minutes_per_hour, { inputmode: 'numeric' })),
    charge_h: field(FIELD.charge_h, input('charge_h', d.charge_h, { inputmode: 'decimal' })),
    backup_h: field(FIELD.backup_h, input('backup_h', d.backup_h, { inputmode: 'decimal' })),
    maker: field(FIELD.maker, input('maker', d.maker)),
    model: field(FIELD.model, input('model', d.model)),
    settings: field(FIELD.settings, input('settings', d.settings)),
  };
  return { f, fields: Object.values(f), value: () => {
    const o = { type: f.type.input.value.trim(), life_sustaining: f.life.input.checked, duty: f.duty.input.value };
    for (const k of DEVICE_NUM) o[k] = numOrNull(f[k].input.value);
    for (const k of ['maker', 'model', 'settings']) o[k] = f[k].input.value.trim() || null;
    // As for the record: empty values the device does not have stay out.
    for (const k of Object.keys(o)) {
      if ((o[k] === null || (k === 'duty' && o[k] === 'continuous')) && !(k in d)) delete o[k];
    }
    return o;
  } };
}

function supporterRow(s) {
  if (typeof s === 'string') s = { name: s };
  const f = {
    name: field('氏名', input('s_name', s.name)),
    relation: field(FIELD.relation, input('s_relation', s.relation)),
    phone: field('電話', input('s_phone', s.phone, { type: 'tel' })),
    address: field('住所', input('s_address', s.address)),
  };
  return { f, fields: Object.values(f), value: () => Object.fromEntries(
    Object.entries(f).map(([k, w]) => [k, w.input.value.trim() || null])) };
}

function contactRow(c) {
  const f = {
    role: field(FIELD.role, select(CONTACT_ROLE, c.role || 'doctor', { name: 'm_role' })),
    name: field('氏名', input('m_name', c.name)),
    organisation: field(FIELD.organisation, input('m_org', c.organisation)),
    phone: field('電話', input('m_phone', c.phone, { type: 'tel' })),
  };
  return { f, fields: Object.values(f), value: () => Object.fromEntries(
    Object.entries(f).map(([k, w]) => [k, w.input.value.trim() || null])) };
}

function numOrNull(s) {
  s = String(s ?? '').trim().normalize('NFKC');
  return s === '' ? null : (isNaN(Number(s)) ? s : Number(s));
}

export async function show(main, id) {
  const c = id ? await api('GET', `/v1/children/${id}`) : { care: [], devices: [], supporters: [], medical_contacts: [] };
  const known = new Set(id ? Object.keys(c) : []);
  pageTitle(main, id ? `${c.name || '（氏名なし）'} さん` : '子どもを新しく登録',
    h('a', { class: 'button', href: '#/children' }, '名簿へ戻る'));
  const w = {};
  for (const k of TEXT) w[k] = field(FIELD[k], input(k, c[k], k.endsWith('phone') ? { type: 'tel' } : {}),
    { required: k === 'external_id' || k === 'name' });
  w.birth_date = field(FIELD.birth_date, input('birth_date', c.birth_date, { type: 'date' }));
  w.sex = field(FIELD.sex, select({ '': '—', ...SEX }, c.sex || '', { name: 'sex' }));
  w.mobility = field(FIELD.mobility, select(MOBILITY, c.mobility || 'walk', { name: 'mobility' }));
  w.affiliation = field(FIELD.affiliation, select({ '': '—', ...AFFILIATION }, c.affiliation || '', { name: 'affiliation' }));
  for (const k of NUM) w[k] = field(FIELD[k], input(k, c[k], { inputmode: 'numeric' }));
  const checks = {};
  for (const k of ['severe_disability', 'utility_registered', 'consent']) {
    checks[k] = h('input', { type: 'checkbox', name: k, checked: c[k] });
  }
  w.consent_date = field(FIELD.consent_date, input('consent_date', c.consent_date, { type: 'date' }));
  w.consent_scope = field(FIELD.consent_scope, input('consent_scope', c.consent_scope));
  const cares = h('div', { class: 'cares', role: 'group', 'aria-label': FIELD.care },
    Object.entries(CARE).map(([v, label]) => h('label', { class: 'check' },
      h('input', { type: 'checkbox', name: 'care', value: v, checked: (c.care || []).includes(v) }), label)));
  const devices = repeater('医療機器', c.devices, deviceRow, '機器を追加');
  const supporters = repeater(FIELD.supporters, c.supporters, supporterRow, '支援者を追加');
  const contacts = repeater(FIELD.medical_contacts, c.medical_contacts, contactRow, '医療・関係機関を追加');
  w.lat = field(FIELD.lat, input('lat', c.lat, { inputmode: 'decimal' }), { hint: '地図のピンを動かすと変わります' });
  w.lon = field(FIELD.lon, input('lon', c.lon, { inputmode: 'decimal' }));
  const mapEl = h('div', { class: 'map small', id: 'child-map', role: 'region', 'aria-label': '自宅の位置' });
  // The geocoder the server uses places the address (GET /v1/geocode); the
  // pin moves there and can still be dragged.  A record saved without a
  // position is placed by the server alike (DESIGN 5).
  const geocode = h('button', { type: 'button', id: 'geocode', onclick: () => findAddress(w, geocode, home) },
    '住所から位置を探す');
  let home = null;
  const status = h('p', { class: 'form-status', role: 'alert' });
  const form = h('form', { class: 'card', novalidate: true, id: 'child-form' },
    h('datalist', { id: 'device-types' }, ['人工呼吸器', '吸引器', '酸素濃縮器', '経管栄養ポンプ', 'パルスオキシメーター', '輸液ポンプ']
      .map((t) => h('option', { value: t }))),
    h('fieldset', {}, h('legend', { text: '基本' }), h('div', { class: 'grid' },
      w.external_id, w.name, w.name_kana, w.birth_date, w.sex, w.phone, w.mobility, w.source)),
    h('fieldset', {}, h('legend', { text: FIELD.care }), cares,
      h('label', { class: 'check' }, checks.severe_disability, FIELD.severe_disability)),
    h('fieldset', {}, h('legend', { text: '保護者・所属' }), h('div', { class: 'grid' },
      w.guardian_name, w.guardian_phone, w.hospital, w.affiliation, w.affiliation_name, w.grade)),
    h('fieldset', {}, h('legend', { text: '自宅' }), h('div', { class: 'grid' }, w.address, w.district, w.lat, w.lon), geocode, mapEl),
    devices, supporters, contacts,
    h('fieldset', {}, h('legend', { text: '自宅の電源' }), h('div', { class: 'grid' }, ...NUM.map((k) => w[k])),
      h('label', { class: 'check' }, checks.utility_registered, FIELD.utility_registered)),
    h('fieldset', {}, h('legend', { text: '同意' }),
      h('label', { class: 'check' }, checks.consent, FIELD.consent), h('div', { class: 'grid' }, w.consent_date, w.consent_scope)),
    status,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary', id: 'save' }, '保存する')));
  main.append(form);
  home = placeHome(mapEl, w, c);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); save(id, known, { w, checks, cares, devices, supporters, contacts, status }); });
  if (id) {
    const planBox = h('section', { class: 'card', id: 'plan' });
    const histBox = h('section', { class: 'card', id: 'history' });
    main.append(planBox, histBox);
    showPlan(planBox, id, c);
    showHistory(histBox, id);
  }
  return () => home.map.remove();
}

function placeHome(el, w, c) {
  const map = newMap(el);
  const start = c.lat != null ? [c.lat, c.lon] : [37.04, 136.97];
  map.setView(start, c.lat != null ? 16 : 12);
  const marker = L.marker(start, { draggable: true, keyboard: true, title: '自宅（ドラッグで移動）', autoPan: true }).addTo(map);
  const sync = () => {
    const p = marker.getLatLng();
    w.lat.input.value = p.lat.toFixed(6);
    w.lon.input.value = p.lng.toFixed(6);
  };
  marker.on('dragend', sync);
  map.on('click', (e) => { marker.setLatLng(e.latlng); sync(); });
  const fromInputs = () => {
    const la = Number(w.lat.input.value), lo = Number(w.lon.input.value);
    if (w.lat.input.value && w.lon.input.value && isFinite(la) && isFinite(lo)) marker.setLatLng([la, lo]);
  };
  w.lat.input.addEventListener('change', fromInputs);
  w.lon.input.addEventListener('change', fromInputs);
  return { map, marker };
}

// Asks the server's geocoder where the address is; moves the pin there.
async function findAddress(w, button, home) {
  const address = w.address.input.value.trim();
  setError(w.address, address ? '' : '住所を入れてください');
  if (!address) { w.address.input.focus(); return; }
  button.disabled = true;
  button.textContent = '探しています…';
  try {
    const p = await api('GET', `/v1/geocode?q=${encodeURIComponent(address)}`);
    w.lat.input.value = p.lat.toFixed(6);
    w.lon.input.value = p.lon.toFixed(6);
    home.marker.setLatLng([p.lat, p.lon]);
    home.map.setView([p.lat, p.lon], 16);
    setError(w.address, '');
    toast('住所の位置にピンを動かしました');
  } catch (e) {
    setError(w.address, e.message);
  } finally {
    button.disabled = false;
    button.textContent = '住所から位置を探す';
  }
}

// The form's own checks; returns the first invalid field or null.
function check(w, devices) {
  let first = null;
  const bad = (wrap, msg) => { setError(wrap, msg); first = first || wrap; };
  for (const k of ['external_id', 'name']) if (!w[k].input.value.trim()) bad(w[k], MSG.required);
  for (const row of devices.rows) if (!row.f.type.input.value.trim()) bad(row.f.type, MSG.required);
  return first;
}

async function save(id, known, { w, checks, cares, devices, supporters, contacts, status }) {
  for (const wrap of document.querySelectorAll('#child-form .field')) if (wrap.input) setError(wrap, '');
  status.textContent = '';
  const bad = check(w, devices);
  if (bad) { status.textContent = '入力に誤りがあります'; bad.input.focus(); return; }
  const body = {};
  for (const k of TEXT) body[k] = w[k].input.value.trim() || null;
  body.birth_date = w.birth_date.input.value || null;
  body.sex = w.sex.input.value || null;
  body.mobility = w.mobility.input.value;
  body.affiliation = w.affiliation.input.value || null;
  for (const k of [...NUM, 'lat', 'lon']) body[k] = numOrNull(w[k].input.value);
  for (const k of Object.keys(checks)) body[k] = checks[k].checked;
  body.consent_date = w.consent_date.input.value || null;
  body.consent_scope = w.consent_scope.input.value.trim() || null;
  body.care = [...cares.querySelectorAll('input:checked')].map((i) => i.value);
  body.devices = devices.rows.map((r) => r.value());
  body.supporters = supporters.rows.map((r) => r.value()).filter((s) => s.name);
  body.medical_contacts = contacts.rows.map((r) => r.value()).filter((m) => m.name || m.organisation);
  // An empty field the record does not have is left out: a server without
  // the newer fields refuses them, and there is nothing to clear.
  for (const [k, v] of Object.entries(body)) {
    const empty = v === null || v === '' || v === false || (Array.isArray(v) && !v.length);
    if (empty && !known.has(k) && k !== 'care') delete body[k];
  }
  try {
    const saved = await api(id ? 'PUT' : 'POST', id ? `/v1/children/${id}` : '/v1/children', body);
    toast(MSG.saved);
    if (!id) location.hash = `#/child/${saved.id}`;
    else window.dispatchEvent(new HashChangeEvent('hashchange'));
  } catch (e) {
    showServerError(e, { w, devices, status });
  }
}

// Puts the server's message at the field it names ("devices: power_w: ...").
function showServerError(e, { w, devices, status }) {
  // The server's own Japanese and column when it gives them (error.reason:
  // {code, column: "devices[1].power_w", ja}); else its English message
  // "devices[0].power_w: ..." (or the older "devices: power_w: ...") mapped here.
  const why = e.reason && typeof e.reason === 'object' && e.reason.ja ? e.reason : null;
  const named = why && why.column ? `${why.column}: ${e.message || ''}` : e.message || '';
  const m = named.match(/^(?:(devices|supporters|medical_contacts)(?:\[(\d+)\])?(?:\.|: ))?([a-z_]+): (.*)$/);
  const ja = why ? why.ja.replace(/^[a-z_.\[\]0-9]+: /, '') : japanese(e.message || '');
  if (m) {
    const [, group, idx, name] = m;
    let wrap = null;
    if (group === 'devices') {
      const rows = devices.rows;
      const row = idx !== undefined ? rows[Number(idx)] : rows.find((r) => r.f[name] && badValue(r.f[name].input.value, e.message));
      wrap = (row || rows[0] || {}).f?.[name];
    } else {
      wrap = w[name];
    }
    if (wrap) {
      setError(wrap, `${ja}（${FIELD[name] || name}）`);
      wrap.input.focus();
      status.textContent = '入力に誤りがあります';
      return;
    }
  }
  status.textContent = e.status === 403 ? MSG.forbidden : ja;
}

function badValue(v, message) {
  const q = message.match(/"([^"]*)"/);
  return q ? String(v).trim() === q[1] : true;
}

async function showPlan(box, id, c) {
  box.append(h('h2', { text: '個別避難計画' }));
  let p;
  try {
    p = await api('GET', `/v1/children/${id}/plan`);
  } catch (e) {
    box.append(h('p', { text: e.status === 404 ? MSG.noPlan : e.message }));
    return;
  }
  const doc = p.document || {};
  const dest = p.destination;
  box.append(
    h('p', {}, h('span', { class: 'badge', style: `background:${DECISION_COLOUR[p.decision]}`, text: DECISION[p.decision] || p.decision }),
      dest ? ` ${DEST_TYPE[dest.type] || ''} ${dest.name}（${(dest.distance_m / 1000).toFixed(1)} km、約 ${Math.round(dest.travel_min)} 分）` : ''),
    h('p', { text: `バッテリーで ${hoursText(p.runtime_h)}。` + (p.leave_by_h != null ? `停電から ${hoursText(p.leave_by_h)} 以内に出発。` : '') }),
    h('ul', {}, (p.reasons || []).map((r) => h('li', { text: r }))),
    h('p', { text: `状態: ${PLAN_STATUS[doc.status] || '下書き'}` + (doc.status_at ? `（${warekiTime(doc.status_at)}、${doc.status_by || ''}）` : '') +
      `　見直し: ${doc.review_date ? wareki(doc.review_date) : '—'}` + (doc.review_due ? '（要見直し）' : '') }),
    doc.agreed_destination ? h('p', { text: `合意した避難先: ${doc.agreed_destination.name}` + (doc.agreed_destination.note ? `（${doc.agreed_destination.note}）` : '') }) : null);
  const review = field('次の見直し日', h('input', { type: 'date', id: 'review-date', value: doc.review_date || '' }));
  const setStatus = async (status) => {
    const body = { status };
    if (review.input.value && review.input.value !== doc.review_date) body.review_date = review.input.value;
    try {
      await api('PUT', `/v1/children/${id}/plan`, body);
      toast(`計画を「${PLAN_STATUS[status]}」にしました`);
      clear(box); showPlan(box, id, c);
    } catch (e) { setError(review, e.message); }
  };
  const alts = [dest, ...(p.alternatives || [])].filter(Boolean);
  const agreed = field('避難先を合意で固定する', select(Object.fromEntries([['', '固定しない（計算に任せる）'],
    ...alts.map((a) => [`${a.type}:${a.id}`, `${DEST_TYPE[a.type] || ''} ${a.name}`])]),
    doc.agreed_destination ? `${doc.agreed_destination.type}:${doc.agreed_destination.id}` : '', { id: 'agreed-dest' }));
  const note = field('合意の内容（例: 福祉避難所へ直接避難）', h('input', { id: 'agreed-note', value: doc.agreed_destination?.note || '' }));
  box.append(h('div', { class: 'grid' }, review, agreed, note), h('div', { class: 'actions' },
    h('a', { class: 'button', href: `/v1/children/${id}/plan?f=html`, target: '_blank', rel: 'noopener', id: 'open-plan' }, '計画書を開く・印刷'),
    h('button', { type: 'button', onclick: () => setStatus('agreed'), id: 'mark-agreed' }, '家族と合意した'),
    h('button', { type: 'button', onclick: () => setStatus('shared'), disabled: c.consent ? null : true, id: 'mark-shared' }, '支援者と共有した'),
    h('button', { type: 'button', id: 'fix-dest', onclick: async () => {
      const v = agreed.input.value;
      const body = v ? { dest_type: v.split(':')[0], dest_id: Number(v.split(':')[1]), note: note.input.value || null }
        : { dest_type: null, dest_id: null };
      try { await api('PUT', `/v1/children/${id}/plan`, body); toast('避難先を保存しました'); clear(box); showPlan(box, id, c); }
      catch (e) { setError(agreed, e.message); }
    } }, '避難先を保存')));
}

async function showHistory(box, id) {
  box.append(h('h2', { text: '変更の記録' }));
  let items;
  try { items = await api('GET', `/v1/children/${id}/history`); } catch (e) { box.append(h('p', { text: e.message })); return; }
  if (!items.length) { box.append(h('p', { text: '記録はありません' })); return; }
  const who = (a) => a.replace(/^user:/, '').replace(/^key:/, 'API: ').replace(/^cli:/, 'コマンド: ');
  const op = { insert: '登録', update: '変更', delete: '削除' };
  box.append(h('ul', { class: 'history' }, items.slice(0, 50).map((x) => h('li', {},
    h('strong', { text: `${warekiTime(x.at)}　${who(x.actor)}　${x.table === 'devices' ? '機器の' : ''}${op[x.op]}` }),
    h('span', { text: '　' + Object.keys(x.changes || {}).map((k) => FIELD[k] || k).join('、') })))));
}
