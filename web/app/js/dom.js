// Building the page without innerHTML: every value from the server becomes a text node, so
// nothing it says can turn into markup or script.

// h('div', {class: 'x', onclick: f, dataset: {id: 1}}, 'text', child, [more]) -> element
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'value') el.value = value;
    else if (key === 'checked' || key === 'disabled' || key === 'selected') el[key] = Boolean(value);
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

// "2026-11-28T10:26:00.000+08:00" -> "11-28 10:26:00" (Beijing time as the server wrote it).
export function shortTime(text) {
  if (!text) return '—';
  const m = /^\d{4}-(\d\d-\d\d)T(\d\d:\d\d:\d\d)/.exec(text);
  return m ? `${m[1]} ${m[2]}` : text;
}

// Seconds -> "1:05" or "2:03:04".
export function clock(seconds) {
  const s = Math.max(0, Math.floor(Math.abs(seconds)));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return hh > 0 ? `${hh}:${pad(mm)}:${pad(ss)}` : `${mm}:${pad(ss)}`;
}

export function money(n) {
  const v = Number(n || 0);
  return v.toLocaleString('zh-CN', { maximumFractionDigits: 2 });
}
