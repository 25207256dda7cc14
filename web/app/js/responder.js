// The responder's page, for a phone (冲锋队员): on/off duty, position from the browser, the
// visit assigned with its address and map, one tap per step, and the result form.
import { api } from './api.js';
import { h, clear, shortTime } from './dom.js';
import { t, word } from './i18n.js';
import { currentUser } from './session.js';
import { jurisdictionMap, LEVEL_COLOURS } from './map.js';

const NEXT_STEPS = {
  dispatched: ['acknowledged', 'declined'],
  acknowledged: ['en_route'],
  en_route: ['on_scene'],
};
const VISIT_RESULTS = ['met', 'not_home', 'refused', 'not_found'];
const POSITION_EVERY_MS = 30000;

export async function showResponder(view) {
  const user = currentUser();
  const id = user.responder_id;
  const root = h('div', { class: 'responder', id: 'responder-view' });
  view.appendChild(root);
  const flash = h('p', { class: 'flash', id: 'resp-status', role: 'status' });
  const positionText = h('span', { id: 'resp-position' }, t('resp_position_none'));
  let me = null;
  let map = null;
  let lastSent = 0;
  let watch = null;
  let shown = '';

  async function post(path, body) {
    flash.textContent = '';
    flash.className = 'flash';
    try {
      const r = await api.post(path, body);
      return r;
    } catch (e) {
      flash.textContent = `${t('error')}: ${e.message}`;
      flash.classList.add('bad');
      throw e;
    }
  }

  async function load() {
    try {
      me = await api.get(`/api/v1/responders/${encodeURIComponent(id)}`);
    } catch (e) {
      clear(root).appendChild(h('p', { class: 'error' }, `${t('error')}: ${e.message}`));
      return;
    }
    // Redraw (and the map with it) only when something the page shows has changed.
    const { updated_at: _u, position: _p, ...rest } = me;
    const text = JSON.stringify(rest);
    if (text === shown) return;
    shown = text;
    render();
  }

  function sendPosition(pos) {
    const now = Date.now();
    if (now - lastSent < POSITION_EVERY_MS) return;
    lastSent = now;
    post(`/api/v1/responders/${encodeURIComponent(id)}`, {
      position: { lat: pos.coords.latitude, lon: pos.coords.longitude, crs: 'wgs84', at: new Date(pos.timestamp).toISOString() },
    }).then(() => { positionText.textContent = t('resp_position_sent', { t: new Date().toLocaleTimeString('zh-CN', { hour12: false }) }); })
      .catch(() => {});
  }

  function startWatching() {
    if (watch !== null || !navigator.geolocation) return;
    watch = navigator.geolocation.watchPosition(sendPosition,
      () => { positionText.textContent = t('resp_position_denied'); },
      { enableHighAccuracy: true, maximumAge: 10000, timeout: 20000 });
  }

  function stopWatching() {
    if (watch !== null) navigator.geolocation.clearWatch(watch);
    watch = null;
  }

  async function setDuty(on) {
    await post(`/api/v1/responders/${encodeURIComponent(id)}`, { on_duty: on });
    if (on) { lastSent = 0; startWatching(); } else stopWatching();
    shown = '';
    await load();
  }

  async function step(caseId, status) {
    await post(`/api/v1/cases/${encodeURIComponent(caseId)}/events`, { kind: 'visit', status, responder: id });
    shown = '';
    await load();
  }

  function resultForm(task) {
    const result = h('select', { name: 'result', id: 'resp-result' }, VISIT_RESULTS.map((r) => h('option', { value: r }, word('result', r))));
    const outcome = h('select', { name: 'outcome', id: 'resp-outcome' },
      h('option', { value: '' }, '—'),
      ['dissuaded', 'warned', 'already_defrauded', 'not_fraud'].map((o) => h('option', { value: o }, word('outcome', o))));
    const amount = h('input', { name: 'amount', id: 'resp-amount', type: 'number', min: 0, step: '0.01', inputmode: 'decimal' });
    const form = h('form', { class: 'result-form', id: 'resp-result-form' },
      h('h3', {}, t('resp_result')),
      h('label', {}, t('f_result'), result),
      h('label', {}, t('resp_outcome'), outcome),
      h('label', {}, t('resp_amount'), amount),
      h('button', { type: 'submit', class: 'primary big' }, t('resp_result_submit')));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const events = `/api/v1/cases/${encodeURIComponent(task.id)}/events`;
      try {
        await post(events, { kind: 'attempt', channel: 'visit', result: result.value });
        if (outcome.value) {
          const body = { kind: 'outcome', outcome: outcome.value };
          if (amount.value !== '') body.amount_protected_cny = Number(amount.value);
          await post(events, body);
        }
        flash.textContent = t('resp_finished');
        flash.classList.add('ok');
      } catch { /* shown in the flash line */ }
      await load();
    });
    return form;
  }

  function render() {
    const task = me.task;
    const visit = task?.handling?.visit;
    const duty = h('div', { class: 'duty' },
      h('div', { class: `duty-state ${me.on_duty ? 'on' : 'off'}`, id: 'resp-duty' }, me.on_duty ? t('resp_on_duty') : t('resp_off_duty')),
      h('button', { type: 'button', class: 'big', id: me.on_duty ? 'resp-off' : 'resp-on', onclick: () => setDuty(!me.on_duty).catch(() => {}) },
        me.on_duty ? t('resp_go_off') : t('resp_go_on')));
    const position = h('p', { class: 'muted' }, `${t('resp_position')}: `, positionText,
      me.position ? ` (${me.position.lat.toFixed(5)}, ${me.position.lon.toFixed(5)} · ${shortTime(me.position.at)})` : '');
    const parts = [h('h1', {}, `${t('resp_title')} ${me.name || id}`), duty, position, flash];
    if (!task || !visit) {
      parts.push(h('p', { class: 'empty', id: 'resp-no-visit' }, t('resp_no_visit')));
    } else {
      const steps = NEXT_STEPS[visit.status] || [];
      parts.push(h('section', { class: `card visit level-${task.level}`, id: 'resp-visit' },
        h('h2', {}, h('span', { class: `badge level-${task.level}` }, word('level', task.level)), ` ${t('resp_visit')}`),
        h('p', { class: 'visit-state', id: 'resp-visit-state' }, word('visit', visit.status)),
        h('p', { class: 'address', id: 'resp-address' }, `${t('resp_address')}: ${task.address || '—'}`),
        h('p', {}, `${word('scam', task.scam_type)} · ${task.subject?.name || ''} ${task.subject?.phone || ''}`),
        h('div', { class: 'map small', id: 'resp-map' }),
        h('div', { class: 'steps' }, steps.map((s) => h('button', {
          type: 'button', class: `big step ${s === 'declined' ? 'danger' : 'primary'}`, id: `resp-step-${s}`,
          onclick: () => step(task.id, s).catch(() => {}),
        }, t(`step_${s}`)))),
        visit.status === 'on_scene' ? resultForm(task) : null));
    }
    map?.map.remove();
    map = null;
    clear(root).append(...parts);
    const mapElement = root.querySelector('#resp-map');
    if (mapElement && task?.location) {
      jurisdictionMap(mapElement, { highlightStation: task.station?.code, canvas: false }).then((m) => {
        // Re-drawn meanwhile (the next poll): this map's element is gone.
        if (!mapElement.isConnected) { m.map.remove(); return; }
        map?.map.remove();
        map = m;
        const target = [task.location.lat, task.location.lon];
        m.L.circleMarker(target, { radius: 10, color: LEVEL_COLOURS[task.level], weight: 3, fillOpacity: 0.7 }).addTo(m.map)
          .bindTooltip(task.address || '');
        if (me.position) {
          m.L.circleMarker([me.position.lat, me.position.lon], { radius: 7, color: '#1565c0', fillOpacity: 0.9 }).addTo(m.map);
          m.map.fitBounds(m.L.latLngBounds([target, [me.position.lat, me.position.lon]]).pad(0.3));
        } else {
          m.map.setView(target, 14);
        }
      }).catch(() => {});
    }
  }

  await load();
  if (me?.on_duty) startWatching();
  // The visit comes from the dispatcher: look for it every few seconds.
  const poll = setInterval(() => { if (!root.querySelector('form:focus-within')) load(); }, 5000);
  return () => { clearInterval(poll); stopWatching(); map?.map.remove(); };
}
