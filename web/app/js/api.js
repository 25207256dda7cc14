// The console's only way to the server: the public HTTP API, same origin, with the session
// cookie and the CSRF token the session answered (X-CSRF-Token on every POST/DELETE).

let csrf = '';
let onUnauthorized = () => {};

export class ApiError extends Error {
  constructor(status, body) {
    const fields = (body?.errors || []).map((e) => (e.field ? `${e.field}: ${e.message}` : e.message));
    super([body?.error, ...fields].filter(Boolean).join('; ') || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export function setUnauthorizedHandler(f) { onUnauthorized = f; }

async function request(method, path, body, { raw = false, quiet401 = false } = {}) {
  const headers = {};
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (body !== undefined) {
    if (raw) {
      payload = body;
      headers['Content-Type'] = 'text/plain; charset=utf-8';
    } else {
      payload = JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
  }
  const response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (response.status === 204) return null;
  const text = await response.text();
  let parsed = null;
  try { parsed = text ? JSON.parse(text) : null; } catch { parsed = { error: text }; }
  if (!response.ok) {
    if (response.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(response.status, parsed);
  }
  return parsed;
}

export const api = {
  get: (path) => request('GET', path),
  post: (path, body) => request('POST', path, body),
  postText: (path, text) => request('POST', path, text, { raw: true }),

  // The logged-in user, or null.
  async session() {
    try {
      const s = await request('GET', '/api/v1/session', undefined, { quiet401: true });
      csrf = s.csrf_token || '';
      return s.user;
    } catch (e) {
      if (e.status === 401) return null;
      throw e;
    }
  },
  async login(name, password) {
    const s = await request('POST', '/api/v1/session', { name, password }, { quiet401: true });
    csrf = s.csrf_token || '';
    return s.user;
  },
  async logout() {
    try { await request('DELETE', '/api/v1/session', undefined, { quiet401: true }); } catch { /* gone already */ }
    csrf = '';
  },
};

// The live stream of case changes: calls onCase(change) for each, onState(true|false) as the
// connection comes and goes. EventSource reconnects by itself with Last-Event-ID.
export function openStream(onCase, onState) {
  const source = new EventSource('/api/v1/stream');
  source.addEventListener('open', () => onState?.(true));
  source.addEventListener('error', () => onState?.(false));
  source.addEventListener('case', (event) => {
    try { onCase(JSON.parse(event.data)); } catch { /* a malformed message is skipped */ }
  });
  source.addEventListener('reset', () => onCase(null));
  return source;
}
