// api.js -- the one way the screens talk to powermapd: the public HTTP API
// with the session cookie (sent by the browser, HttpOnly) and, on every
// write, the session's CSRF token in X-CSRF-Token.
import { MSG } from './strings.js';

let csrf = null;
let onLoggedOut = () => {};

export function setCsrf(token) { csrf = token; }
export function whenLoggedOut(fn) { onLoggedOut = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || MSG.failed);
    this.status = status;
    this.code = e.code || 'network';
    this.reason = e.reason;
    this.field = e.field;
    this.body = body;
  }
}

// fetch() a path of this server.  body: an object (sent as JSON), a Blob or
// File (sent as is) or undefined.  Returns the parsed JSON (or text, or null
// for 204); throws ApiError.
export async function api(method, path, body, { raw = false } = {}) {
  const headers = {};
  let payload;
  if (body instanceof Blob) {
    payload = body;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, { error: { code: 'network', message: MSG.network } });
  }
  if (res.status === 204) return null;
  const type = res.headers.get('Content-Type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    const err = new ApiError(res.status, typeof data === 'object' ? data : null);
    if (res.status === 401 && path !== '/v1/session') onLoggedOut(err);
    throw err;
  }
  return raw ? { data, res } : data;
}

// A query string from an object, skipping empty values.
export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') u.set(k, v);
  }
  const s = u.toString();
  return s ? '?' + s : '';
}

// Sends a file as the body of a POST, reporting upload progress (0..1) to
// onProgress: fetch() cannot, XMLHttpRequest can.  Resolves to the parsed
// JSON; rejects with ApiError like api().
export function upload(path, file, onProgress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', path);
    if (csrf) x.setRequestHeader('X-CSRF-Token', csrf);
    x.setRequestHeader('Accept-Language', 'ja');   // the import report's messages in Japanese
    x.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    x.onerror = () => reject(new ApiError(0, { error: { code: 'network', message: MSG.network } }));
    x.onload = () => {
      let data = null;
      try { data = JSON.parse(x.responseText); } catch (e) { /* not JSON */ }
      if (x.status >= 200 && x.status < 300) return resolve(data);
      const err = new ApiError(x.status, data);
      if (x.status === 401) onLoggedOut(err);
      reject(err);
    };
    x.send(file);
  });
}
