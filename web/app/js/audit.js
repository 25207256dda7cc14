// The auditor's page: the audit log as the server answers it (GET /api/v1/audit).
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

export async function showAudit(view) {
  view.appendChild(h('h1', {}, t('audit_title')));
  try {
    const r = await api.get('/api/v1/audit');
    const entries = Array.isArray(r) ? r : (r.entries || []);
    view.appendChild(h('table', { class: 'compact', id: 'audit' },
      h('tbody', {}, entries.slice(-500).reverse().map((e) => h('tr', {},
        h('td', { class: 'mono' }, e.seq ?? ''), h('td', { class: 'mono' }, e.at || e.time || ''),
        h('td', {}, e.actor || e.user || ''), h('td', {}, e.action || e.kind || ''),
        h('td', { class: 'mono small' }, JSON.stringify(e)))))));
  } catch (e) {
    view.appendChild(h('p', { class: 'error' }, `${t('error')}: ${e.message}`));
  }
}
