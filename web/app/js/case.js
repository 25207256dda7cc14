// One case (预警详情): the instruction as received, the grade with its reasons, the timeline,
// the attempts and their results, visits and stop-payments, and the station's actions.
import { api } from './api.js';
import { h, clear, shortTime, money } from './dom.js';
import { t, word } from './i18n.js';
import { currentUser, onCaseChange } from './session.js';

const CALL_RESULTS = ['answered', 'hung_up', 'unreachable', 'no_answer', 'rejected', 'busy'];
const OUTCOMES = ['dissuaded', 'warned', 'already_defrauded', 'not_fraud', 'unreachable', 'duplicate'];

function field(label, value, id) {
  return h('div', { class: 'field' }, h('span', { class: 'label' }, label), h('span', { class: 'value', id }, value ?? '—'));
}

function section(title, ...children) {
  return h('section', { class: 'card' }, h('h2', {}, title), ...children);
}

// The timeline entry's own words: everything but the common keys.
function details(e) {
  const skip = new Set(['seq', 'at', 'kind', 'actor']);
  const parts = [];
  for (const [k, v] of Object.entries(e)) {
    if (skip.has(k) || v === null || v === '') continue;
    let text;
    if (k === 'channel') text = word('channel', v);
    else if (k === 'result') text = word('result', v);
    else if (k === 'outcome') text = word('outcome', v);
    else if (k === 'level' || k === 'from' || k === 'to') text = word('level', v);
    else if (typeof v === 'object') text = JSON.stringify(v);
    else text = String(v);
    parts.push(`${k}: ${text}`);
  }
  return parts.join(' · ');
}

export async function showCase(view, id) {
  const user = currentUser();
  const root = h('div', { class: 'case', id: 'case-view' });
  view.appendChild(h('p', {}, h('a', { href: '#/queue', id: 'back' }, `← ${t('back')}`)));
  view.appendChild(root);
  const status = h('p', { class: 'flash', id: 'action-status', role: 'status' });

  async function load() {
    let c;
    try {
      c = await api.get(`/api/v1/cases/${encodeURIComponent(id)}`);
    } catch (e) {
      clear(root).appendChild(h('p', { class: 'error', id: 'case-error' },
        e.status === 404 ? t('not_found') : e.status === 403 ? t('forbidden') : `${t('error')}: ${e.message}`));
      return;
    }
    render(c);
  }

  async function act(body, form) {
    status.textContent = '';
    status.className = 'flash';
    try {
      await api.post(`/api/v1/cases/${encodeURIComponent(id)}/events`, body);
      status.textContent = t('act_done');
      status.classList.add('ok');
      form?.reset();
      await load();
    } catch (e) {
      status.textContent = `${t('error')}: ${e.message}`;
      status.classList.add('bad');
    }
  }

  function actionForm(idName, title, inputs, submitLabel, build) {
    const form = h('form', { class: 'action', id: idName }, h('h3', {}, title), ...inputs, h('button', { type: 'submit', class: 'primary' }, submitLabel));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(form).entries());
      act(build(data), form);
    });
    return form;
  }

  function select(name, values, kind) {
    return h('select', { name, required: true }, values.map((v) => h('option', { value: v }, word(kind, v))));
  }

  function render(c) {
    const ins = c.instruction || {};
    const hd = c.handling || {};
    const timeline = c.timeline || [];
    const attempts = timeline.filter((e) => e.kind === 'attempt');
    const closed = c.status === 'closed';
    const canAct = ['centre', 'station'].includes(user.role);
    const canNote = canAct || user.role === 'supervisor';

    const head = h('div', { class: `case-head level-${c.level}` },
      h('span', { class: `badge big level-${c.level}`, id: 'case-level' }, word('level', c.level)),
      h('h1', {}, t('case_title', { id: c.id })),
      h('span', { class: 'status', id: 'case-status' }, word('status', c.status)),
      c.outcome && h('span', { class: 'outcome', id: 'case-outcome' }, `${word('outcome', c.outcome)}${c.outcome === 'dissuaded' ? ` · ${money(c.amount_protected_cny)} 元` : ''}`));

    const instruction = section(t('sec_instruction'),
      h('div', { class: 'fields' },
        field(t('f_source'), word('source', ins.source)),
        field(t('f_issued'), shortTime(ins.issued_at)),
        field(t('f_trigger'), word('trigger', c.trigger)),
        field(t('f_scam'), word('scam', c.scam_type)),
        field(t('f_name'), c.subject?.name),
        field(t('f_phone'), c.subject?.phone, 'case-phone'),
        field(t('f_age'), c.subject?.age),
        field(t('f_address'), hd.address || ins.location?.address),
        field(t('f_at_risk'), `${money(c.at_risk_cny)} 元`),
        field(t('f_transferred'), ins.funds?.transferred_cny !== undefined ? `${money(ins.funds.transferred_cny)} 元` : '—'),
        field(t('f_indicators'), (ins.indicators || []).map((i) => `${i.kind}: ${i.value}`).join('；') || '—')));

    const grade = section(t('sec_grade'),
      h('div', { class: 'fields' },
        field(t('f_level'), word('level', c.level)),
        field(t('f_rules_version'), c.rules_version),
        field(t('f_station'), c.station ? `${c.station.name} (${c.station.code})` : word('status', 'unrouted'), 'case-station'),
        field(t('f_routing'), c.routing_method)),
      h('ul', { class: 'reasons', id: 'case-reasons' }, (c.reasons || []).map((r) => h('li', {}, r))));

    const attemptList = section(t('sec_attempts'),
      attempts.length ? h('table', { class: 'compact', id: 'attempts' },
        h('thead', {}, h('tr', {}, [t('f_at'), t('f_channel'), t('f_result'), t('f_actor')].map((x) => h('th', {}, x)))),
        h('tbody', {}, attempts.map((e) => h('tr', {},
          h('td', { class: 'mono' }, shortTime(e.at)), h('td', {}, word('channel', e.channel)),
          h('td', {}, word('result', e.result)), h('td', {}, e.actor)))))
        : h('p', { class: 'muted' }, t('no_attempts')));

    const visits = (hd.visits || []).length ? section(t('sec_visits'),
      h('ul', { id: 'visits' }, hd.visits.map((v) => h('li', {},
        `${word('visit', v.status)} · ${t('visit_responder')} ${v.responder} · `,
        t('visit_distance', { km: (v.distance_m / 1000).toFixed(1), min: Math.round(v.estimated_travel_s / 60) }),
        v.result ? ` · ${word('result', v.result)}` : '')))) : null;

    const stops = (hd.stop_payments || []).length ? section(t('sec_stop'),
      h('ul', { id: 'stop-payments' }, hd.stop_payments.map((sp) => h('li', {},
        `${word('stop', sp.status)} · ${sp.bank} ${sp.account} · ${shortTime(sp.requested_at)}`,
        sp.status === 'release_requested' && user.role === 'supervisor'
          ? h('button', { type: 'button', onclick: () => act({ kind: 'stop_payment', action: 'approve_release', stop_payment_id: sp.id }) }, t('act_approve'))
          : null)))) : null;

    const links = (c.links || []).length ? section(t('sec_links'),
      h('ul', {}, c.links.map((l) => h('li', {}, `${l.key} · ${l.people} · `,
        l.other_cases.map((o) => h('a', { href: `#/case/${encodeURIComponent(o)}`, class: 'mono' }, `${o} `)))))) : null;

    const timelineSection = section(t('sec_timeline'),
      h('ol', { class: 'timeline', id: 'timeline' }, timeline.map((e) => h('li', { class: `ev-${e.kind}` },
        h('span', { class: 'mono' }, shortTime(e.at)), ' ',
        h('strong', {}, word('event', e.kind)), ' ',
        h('span', { class: 'muted' }, e.actor), ' ',
        h('span', {}, details(e))))));

    const actions = [];
    if (canAct && !closed) {
      actions.push(actionForm('form-call', t('act_call'), [select('result', CALL_RESULTS, 'result')], t('act_call_submit'),
        (d) => ({ kind: 'attempt', channel: 'manual_call', result: d.result })));
      actions.push(actionForm('form-dispatch', t('act_dispatch'),
        [h('input', { name: 'reason', required: true, placeholder: t('act_dispatch_reason') })], t('act_dispatch_submit'),
        (d) => ({ kind: 'dispatch', reason: d.reason })));
      actions.push(actionForm('form-reroute', t('act_reroute'),
        [h('input', { name: 'station', required: true, placeholder: t('act_reroute_station') }),
          h('input', { name: 'reason', required: true, placeholder: t('act_reroute_reason') })], t('act_reroute_submit'),
        (d) => ({ kind: 'reroute', station: d.station, reason: d.reason })));
      const victim = ins.funds?.victim_account || {};
      actions.push(actionForm('form-stop', t('act_stop'),
        [h('input', { name: 'bank', required: true, placeholder: t('act_stop_bank'), value: victim.bank || '' }),
          h('input', { name: 'account', required: true, placeholder: t('act_stop_account'), value: victim.number || '' }),
          h('input', { name: 'reason', required: true, placeholder: t('act_stop_reason') })], t('act_stop_submit'),
        (d) => ({ kind: 'stop_payment', action: 'request', bank: d.bank, account: d.account, reason: d.reason })));
      actions.push(actionForm('form-close', t('act_close'),
        [select('outcome', OUTCOMES, 'outcome'),
          h('input', { name: 'amount', type: 'number', min: 0, step: '0.01', placeholder: t('act_close_amount') })], t('act_close_submit'),
        (d) => {
          const body = { kind: 'outcome', outcome: d.outcome };
          if (d.amount !== '' && d.amount !== undefined) body.amount_protected_cny = Number(d.amount);
          return body;
        }));
    }
    if (canAct && closed) {
      actions.push(actionForm('form-reopen', t('act_reopen'),
        [h('input', { name: 'reason', required: true, placeholder: t('act_reopen_reason') })], t('act_reopen'),
        (d) => ({ kind: 'reopen', reason: d.reason })));
    }
    if (canNote) {
      actions.push(actionForm('form-note', t('act_note'), [h('textarea', { name: 'text', required: true, rows: 2 })], t('act_note_submit'),
        (d) => ({ kind: 'note', text: d.text })));
    }

    clear(root).append(head,
      h('div', { class: 'case-grid' },
        h('div', {}, instruction, grade, attemptList, visits, stops, links),
        h('div', {}, actions.length ? section(t('sec_actions'), status, ...actions) : null, timelineSection)));
  }

  // The case changes under our eyes (the plan, a responder): read it again.
  let pending = null;
  // Not while someone types into a form: then once they leave it.
  const typing = () => root.contains(document.activeElement) && document.activeElement.matches('input, textarea, select');
  const reload = () => {
    clearTimeout(pending);
    pending = setTimeout(() => (typing() ? root.addEventListener('focusout', reload, { once: true }) : load()), 300);
  };
  const unsubscribe = onCaseChange((change) => {
    if (change && change.case?.id !== id) return;
    reload();
  });
  await load();
  return () => { unsubscribe(); clearTimeout(pending); };
}
