// The station queue (处置队列): open cases, live through the stream, sorted by level and
// then the nearest deadline, with SLA countdowns, filters and search.
import { api } from './api.js';
import { h, clear, clock, shortTime } from './dom.js';
import { t, word, wordList } from './i18n.js';
import { currentUser, onCaseChange } from './session.js';

const LEVEL_RANK = { extreme: 0, high: 1, medium: 2, low: 3 };

// The deadline that matters now: an open call task, the first attempt, the door arrival, or
// the responder's acknowledgement — whichever comes first.
export function nextDue(c) {
  const hd = c.handling || {};
  const dues = [];
  if (hd.call_task?.open) dues.push(hd.call_task.due_at);
  if (hd.sla && !hd.sla.first_attempt_at && hd.sla.first_attempt_due) dues.push(hd.sla.first_attempt_due);
  if (hd.sla && !hd.sla.door_arrival_at && hd.sla.door_due && (hd.visit || hd.visit_needed)) dues.push(hd.sla.door_due);
  if (hd.visit?.status === 'dispatched' && hd.visit.ack_due_at) dues.push(hd.visit.ack_due_at);
  const times = dues.map((d) => Date.parse(d)).filter((x) => !Number.isNaN(x));
  return times.length ? Math.min(...times) : null;
}

function currentStep(c) {
  const hd = c.handling || {};
  if (hd.visit) return t('task_visit', { status: word('visit', hd.visit.status) });
  if (hd.visit_needed) return t('task_visit_needed');
  if (hd.stop_payment_proposed) return t('task_stop');
  if (hd.call_task?.open) return t('task_call');
  return '';
}

export async function showQueue(view) {
  const user = currentUser();
  const cases = new Map();
  const filters = { level: '', status: '', station: '', search: '', overdue: false };
  const count = h('span', { class: 'muted', id: 'queue-count' });
  const body = h('tbody', { id: 'queue-body' });
  const levelSelect = h('select', { id: 'filter-level', onchange: () => { filters.level = levelSelect.value; render(); } },
    h('option', { value: '' }, t('filter_all')),
    ['extreme', 'high', 'medium', 'low'].map((l) => h('option', { value: l }, word('level', l))));
  const statusSelect = h('select', { id: 'filter-status', onchange: () => { filters.status = statusSelect.value; render(); } },
    h('option', { value: '' }, t('filter_all')),
    ['open', 'in_progress', 'unrouted'].map((s) => h('option', { value: s }, word('status', s))));
  const search = h('input', { id: 'filter-search', type: 'search', placeholder: t('filter_search'), oninput: () => { filters.search = search.value.trim().toLowerCase(); render(); } });
  const overdue = h('input', { id: 'filter-overdue', type: 'checkbox', onchange: () => { filters.overdue = overdue.checked; render(); } });
  const stationInput = user.role === 'station' ? null
    : h('input', { id: 'filter-station', placeholder: t('filter_station'), size: 10, onchange: () => { filters.station = stationInput.value.trim(); render(); } });
  const scamSelect = h('select', { id: 'filter-scam', onchange: () => { filters.scam = scamSelect.value; render(); } },
    h('option', { value: '' }, t('filter_all')), wordList('scam').map((s) => h('option', { value: s }, word('scam', s))));

  view.appendChild(h('section', { class: 'queue' },
    h('div', { class: 'page-head' }, h('h1', {}, t('queue_title')), count),
    h('div', { class: 'filters' },
      h('label', {}, t('filter_level'), levelSelect),
      h('label', {}, t('filter_status'), statusSelect),
      h('label', {}, t('col_scam'), scamSelect),
      stationInput && h('label', {}, t('filter_station'), stationInput),
      h('label', { class: 'grow' }, search),
      h('label', {}, overdue, t('filter_overdue'))),
    h('table', { class: 'cases', id: 'queue-table' },
      h('thead', {}, h('tr', {},
        [t('col_level'), t('col_case'), t('col_scam'), t('col_trigger'), t('col_station'), t('col_subject'),
          t('col_status'), t('col_task'), t('col_due'), t('col_created')].map((x) => h('th', {}, x)))),
      body)));

  function matches(c) {
    if (filters.level && c.level !== filters.level) return false;
    if (filters.status && c.status !== filters.status) return false;
    if (filters.scam && c.scam_type !== filters.scam) return false;
    if (filters.station && c.station?.code !== filters.station) return false;
    if (filters.overdue) {
      const due = nextDue(c);
      if (!(due && due < Date.now()) && !(c.handling?.sla?.overdue || []).length) return false;
    }
    if (filters.search) {
      const hay = [c.id, c.instruction_id, c.subject?.phone, c.subject?.name, c.station?.name, c.station?.code,
        word('scam', c.scam_type)].join(' ').toLowerCase();
      if (!hay.includes(filters.search)) return false;
    }
    return true;
  }

  function sorted() {
    return [...cases.values()].filter(matches).sort((a, b) => {
      const lr = LEVEL_RANK[a.level] - LEVEL_RANK[b.level];
      if (lr) return lr;
      const da = nextDue(a) ?? Infinity, db = nextDue(b) ?? Infinity;
      if (da !== db) return da - db;
      return a.created_at < b.created_at ? -1 : 1;
    });
  }

  function dueCell(c) {
    const due = nextDue(c);
    const cell = h('td', { class: 'due', dataset: { due: due ?? '' } });
    updateDue(cell, due);
    return cell;
  }

  function updateDue(cell, due) {
    if (!due) { cell.textContent = t('due_none'); return; }
    const left = (due - Date.now()) / 1000;
    cell.textContent = left >= 0 ? t('due_left', { t: clock(left) }) : t('due_over', { t: clock(-left) });
    cell.classList.toggle('overdue', left < 0);
    cell.classList.toggle('soon', left >= 0 && left < 120);
  }

  function render() {
    const rows = sorted();
    count.textContent = t('count_cases', { n: rows.length });
    clear(body);
    if (!rows.length) body.appendChild(h('tr', {}, h('td', { colspan: 10, class: 'muted empty' }, t('queue_empty'))));
    for (const c of rows.slice(0, 500)) {
      body.appendChild(h('tr', { class: `level-${c.level}`, dataset: { case: c.id }, onclick: () => { location.hash = `#/case/${encodeURIComponent(c.id)}`; } },
        h('td', {}, h('span', { class: `badge level-${c.level}` }, word('level', c.level))),
        h('td', { class: 'mono' }, h('a', { href: `#/case/${encodeURIComponent(c.id)}` }, c.id)),
        h('td', {}, word('scam', c.scam_type)),
        h('td', {}, word('trigger', c.trigger)),
        h('td', {}, c.station?.name || word('status', 'unrouted')),
        h('td', {}, `${c.subject?.name || ''} ${c.subject?.phone || ''}`),
        h('td', {}, word('status', c.status)),
        h('td', {}, currentStep(c)),
        dueCell(c),
        h('td', { class: 'mono' }, shortTime(c.created_at))));
    }
  }

  async function load() {
    const statuses = user.role === 'station' ? ['open', 'in_progress'] : ['open', 'in_progress', 'unrouted'];
    const pages = await Promise.all(statuses.map((s) => api.get(`/api/v1/cases?status=${s}&limit=500`)));
    cases.clear();
    for (const page of pages) for (const c of page.cases) cases.set(c.id, c);
    render();
  }

  const unsubscribe = onCaseChange((change) => {
    if (!change) { load(); return; }  // the stream was reset: read everything again
    const c = change.case;
    // Closed, or re-routed to another station: no longer in this queue.
    const elsewhere = user.role === 'station' && c.station?.code !== user.station_code;
    if (c.status === 'closed' || elsewhere) cases.delete(c.id);
    else cases.set(c.id, c);
    render();
  });
  const ticker = setInterval(() => {
    for (const cell of body.querySelectorAll('td.due')) updateDue(cell, Number(cell.dataset.due) || null);
  }, 1000);
  try {
    await load();
  } catch (e) {
    view.appendChild(h('p', { class: 'error' }, `${t('error')}: ${e.message}`));
  }
  return () => { unsubscribe(); clearInterval(ticker); };
}
