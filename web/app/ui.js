// ui.js -- small DOM helpers.  Data from the server only ever reaches the
// page as text (textContent, attribute values), never as markup.
import { VALIDATION, FIELD } from './strings.js';

// h('button', {class: 'x', onclick: fn}, 'text', child...) -> element.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') el.style.cssText = v;   // CSSOM: allowed by style-src 'self'
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) { el.replaceChildren(); return el; }

let uid = 0;
// A labelled form field with a place for its error message.
// input: an element; returns the wrapper (wrapper.input, wrapper.error).
export function field(label, input, { hint, required } = {}) {
  const id = input.id || `f${++uid}`;
  input.id = id;
  const err = h('p', { class: 'field-error', id: id + '-err', 'aria-live': 'polite' });
  const hintEl = hint ? h('p', { class: 'hint', id: id + '-hint', text: hint }) : null;
  input.setAttribute('aria-describedby', [hintEl && hintEl.id, err.id].filter(Boolean).join(' '));
  if (required) input.required = true;
  const wrap = h('div', { class: 'field' },
    h('label', { for: id }, label, required ? h('span', { class: 'req', text: '必須' }) : null),
    input, hintEl, err);
  wrap.input = input;
  wrap.error = err;
  return wrap;
}

export function setError(wrap, msg) {
  wrap.error.textContent = msg || '';
  wrap.input.setAttribute('aria-invalid', msg ? 'true' : 'false');
  wrap.classList.toggle('invalid', !!msg);
}

// The Japanese message for a server validation text such as
// 'devices: power_w: "-5" is not a number >= 0'.
export function japanese(message) {
  for (const [re, ja] of VALIDATION) if (re.test(message)) return ja;
  return message;
}

// Which field a server message names: its last "name:" prefix.
export function fieldOf(message) {
  const m = (message || '').match(/^(?:[a-z_]+(?:\[\d+\])?: )*([a-z_]+): /);
  return m && FIELD[m[1]] !== undefined ? m[1] : null;
}

export function select(options, value, attrs = {}) {
  const s = h('select', attrs);
  for (const [v, label] of Object.entries(options)) {
    s.append(h('option', { value: v, selected: v === value ? 'selected' : null, text: label }));
  }
  if (value !== undefined && value !== null) s.value = value;
  return s;
}

const jpDate = new Intl.DateTimeFormat('ja-JP-u-ca-japanese',
  { era: 'long', year: 'numeric', month: 'long', day: 'numeric', timeZone: 'Asia/Tokyo' });
const jpTime = new Intl.DateTimeFormat('ja-JP',
  { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Tokyo' });

// 令和 dates in JST, as people read them.
export function wareki(iso) {
  if (!iso) return '—';
  const d = new Date(iso.length === 10 ? iso + 'T00:00:00+09:00' : iso);
  return isNaN(d) ? iso : jpDate.format(d);
}

export function warekiTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return isNaN(d) ? iso : `${jpDate.format(d)} ${jpTime.format(d)}`;
}

export function age(birth) {
  if (!birth) return null;
  const b = new Date(birth + 'T00:00:00+09:00');
  const n = new Date();
  let a = n.getFullYear() - b.getFullYear();
  if (n.getMonth() < b.getMonth() || (n.getMonth() === b.getMonth() && n.getDate() < b.getDate())) a--;
  return a;
}

// "3 時間 20 分" from hours (negative: "0 分").
export function hoursText(hrs) {
  if (hrs === null || hrs === undefined) return '制限なし';
  const m = Math.max(0, Math.round(hrs * 60));
  const hh = Math.floor(m / 60), mm = m % 60;
  return hh ? `${hh} 時間 ${mm} 分` : `${mm} 分`;
}

let toastTimer;
export function toast(msg, kind = 'ok') {
  const t = document.getElementById('toast');
  t.textContent = msg;
  t.className = 'toast ' + kind;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.hidden = true; }, 5000);
}

export function pageTitle(main, text, ...extra) {
  document.title = `${text} — powermap`;
  const h1 = h('h1', { tabindex: '-1', text });
  main.append(h('div', { class: 'page-head' }, h1, ...extra));
  h1.focus();
  return h1;
}
