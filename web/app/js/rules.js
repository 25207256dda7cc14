// The grading rules in force (研判规则), editable as TOML, with the what-if: how the draft
// would have graded the last 30 days' cases, before it is saved.
import { api } from './api.js';
import { h, clear } from './dom.js';
import { t, word } from './i18n.js';
import { currentUser } from './session.js';

function levelTable(before, after) {
  const levels = ['extreme', 'high', 'medium', 'low'];
  return h('table', { class: 'compact' },
    h('thead', {}, h('tr', {}, h('th', {}, ''), levels.map((l) => h('th', {}, word('level', l))))),
    h('tbody', {},
      h('tr', {}, h('th', {}, t('rules_before')), levels.map((l) => h('td', { class: 'num' }, before?.[l] || 0))),
      h('tr', {}, h('th', {}, t('rules_after')), levels.map((l) => h('td', { class: 'num' }, after?.[l] || 0)))));
}

export async function showRules(view) {
  const user = currentUser();
  const rules = await api.get('/api/v1/rules');
  const text = h('textarea', { id: 'rules-text', class: 'code', rows: 24, spellcheck: 'false' });
  text.value = rules.text;
  const flash = h('p', { class: 'flash', id: 'rules-status', role: 'status' });
  const report = h('div', { id: 'whatif-report' });
  const whatif = h('button', { type: 'button', id: 'rules-whatif', class: 'primary' }, t('rules_whatif'));
  const save = ['centre', 'admin'].includes(user.role) ? h('button', { type: 'button', id: 'rules-save' }, t('rules_save')) : null;

  whatif.addEventListener('click', async () => {
    flash.textContent = '';
    flash.className = 'flash';
    clear(report).appendChild(h('p', { class: 'muted' }, t('loading')));
    try {
      const r = await api.postText('/api/v1/rules/whatif?since=30d', text.value);
      clear(report).append(
        h('h3', {}, t('rules_report')),
        h('p', { id: 'whatif-summary' }, t('rules_cases', { n: r.cases, c: r.changed, r: r.raised, l: r.lowered })),
        levelTable(r.by_level_before, r.by_level_after),
        h('ul', {}, (r.sample || []).slice(0, 20).map((s) => h('li', {},
          h('a', { href: `#/case/${encodeURIComponent(s.case_id)}`, class: 'mono' }, s.case_id),
          ` ${word('level', s.from)} → ${word('level', s.to)} (${(s.reasons_after || []).join(', ')})`))));
    } catch (e) {
      clear(report);
      flash.textContent = `${t('error')}: ${e.message}`;
      flash.classList.add('bad');
    }
  });
  save?.addEventListener('click', async () => {
    flash.textContent = '';
    flash.className = 'flash';
    try {
      const r = await api.postText('/api/v1/rules', text.value);
      flash.textContent = t('rules_saved', { v: r.version });
      flash.classList.add('ok');
    } catch (e) {
      flash.textContent = `${t('error')}: ${e.message}`;
      flash.classList.add('bad');
    }
  });

  view.appendChild(h('section', { class: 'rules' },
    h('div', { class: 'page-head' }, h('h1', {}, t('rules_title')), h('span', { class: 'muted', id: 'rules-version' }, t('rules_version', { v: rules.version }))),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' },
        h('ol', { class: 'rule-list' }, rules.rules.map((r) => h('li', {}, h('code', {}, r.id), ` ${r.description || ''} `,
          h('span', { class: 'muted' }, JSON.stringify(r.effect))))),
        text,
        h('div', { class: 'buttons' }, whatif, save), flash),
      h('div', { class: 'card' }, report))));
}
