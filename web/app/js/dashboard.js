// The centre's dashboard (指挥看板): totals for today, this month and since start; the daily
// trend of 高危/特危; level and scam-type mix; station workload with SLA compliance; the
// jurisdiction map with the open cases and responders, all kept live. A station user sees
// the same for its own station (the server scopes what it answers).
import * as echarts from '/vendor/echarts/echarts.esm.min.mjs';
import { api } from './api.js';
import { h, clear, money } from './dom.js';
import { t, word } from './i18n.js';
import { currentUser, onCaseChange } from './session.js';
import { jurisdictionMap, LEVEL_COLOURS } from './map.js';

// Midnight today and the first of the month in Beijing time, as RFC 3339.
function beijingStarts(now = new Date()) {
  const bj = new Date(now.getTime() + 8 * 3600 * 1000);
  const y = bj.getUTCFullYear(), m = String(bj.getUTCMonth() + 1).padStart(2, '0'), d = String(bj.getUTCDate()).padStart(2, '0');
  return { today: `${y}-${m}-${d}T00:00:00+08:00`, month: `${y}-${m}-01T00:00:00+08:00` };
}

function lastDays(n) {
  const out = [];
  const bj = new Date(Date.now() + 8 * 3600 * 1000);
  for (let i = n - 1; i >= 0; --i) {
    const d = new Date(bj.getTime() - i * 86400000);
    out.push(`${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`);
  }
  return out;
}

function percent(figure) {
  if (!figure || !figure.with_target) return '—';
  return `${Math.round(figure.met_ratio * 100)}%`;
}

export async function showDashboard(view) {
  const user = currentUser();
  const scope = user.role === 'station' && user.station_code ? `station=${encodeURIComponent(user.station_code)}&` : '';
  const counters = {};
  const counterCard = (key, label) => {
    const cells = ['today', 'month', 'total'].map((period) => {
      const value = h('span', { class: 'num', id: `dash-${key}-${period}` }, '—');
      counters[`${key}-${period}`] = value;
      return h('div', { class: 'period' }, h('span', { class: 'muted' }, t(`dash_${period}`)), value);
    });
    return h('div', { class: 'card counter' }, h('h2', {}, label), h('div', { class: 'periods' }, cells));
  };
  const trend = h('div', { class: 'chart', id: 'chart-trend' });
  const levels = h('div', { class: 'chart', id: 'chart-levels' });
  const scams = h('div', { class: 'chart', id: 'chart-scams' });
  const stationBody = h('tbody', { id: 'dash-stations' });
  const mapElement = h('div', { class: 'map', id: 'dash-map' });
  const mapLegend = h('p', { class: 'muted', id: 'dash-map-legend' });
  view.appendChild(h('section', { class: 'dashboard' },
    h('h1', {}, t('dash_title')),
    h('div', { class: 'counters' },
      counterCard('processed', t('dash_processed')),
      counterCard('dissuaded', t('dash_dissuaded')),
      counterCard('protected', t('dash_protected'))),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, h('h2', {}, t('dash_trend')), trend),
      h('div', { class: 'card' }, h('h2', {}, t('dash_map')), mapElement, mapLegend)),
    h('div', { class: 'grid2' },
      h('div', { class: 'card' }, h('h2', {}, t('dash_levels')), levels),
      h('div', { class: 'card' }, h('h2', {}, t('dash_scams')), scams)),
    h('div', { class: 'card' }, h('h2', {}, t('dash_stations')),
      h('table', { class: 'compact' },
        h('thead', {}, h('tr', {}, [t('dash_station'), t('dash_cases'), t('dash_sla_first'), t('dash_sla_door'), t('dash_overdue')].map((x) => h('th', {}, x)))),
        stationBody))));

  const charts = [trend, levels, scams].map((el) => echarts.init(el, null, { renderer: 'canvas' }));
  const resize = () => charts.forEach((c) => c.resize());
  window.addEventListener('resize', resize);

  async function loadStats() {
    const starts = beijingStarts();
    const since30 = lastDays(30)[0];
    const [today, month, total, recent] = await Promise.all([
      api.get(`/api/v1/stats?${scope}since=${encodeURIComponent(starts.today)}`),
      api.get(`/api/v1/stats?${scope}since=${encodeURIComponent(starts.month)}`),
      api.get(`/api/v1/stats?${scope}`.replace(/[?&]$/, '')),
      api.get(`/api/v1/stats?${scope}since=${encodeURIComponent(`${since30}T00:00:00+08:00`)}`),
    ]);
    for (const [period, s] of [['today', today], ['month', month], ['total', total]]) {
      counters[`processed-${period}`].textContent = money(s.cases);
      counters[`dissuaded-${period}`].textContent = money(s.people_dissuaded);
      counters[`protected-${period}`].textContent = money(s.amount_protected_cny);
    }
    const days = lastDays(30);
    charts[0].setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      legend: { top: 0, data: [word('level', 'high'), word('level', 'extreme')] },
      grid: { left: 40, right: 16, top: 30, bottom: 30 },
      xAxis: { type: 'category', data: days.map((d) => d.slice(5)) },
      yAxis: { type: 'value', minInterval: 1 },
      series: ['high', 'extreme'].map((level) => ({
        name: word('level', level), type: 'line', smooth: true, color: LEVEL_COLOURS[level],
        data: days.map((d) => recent.level_by_day?.[d]?.[level] || 0),
      })),
    });
    charts[1].setOption({
      animation: false,
      tooltip: { trigger: 'item' },
      series: [{ type: 'pie', radius: ['40%', '70%'],
        data: ['extreme', 'high', 'medium', 'low'].map((l) => ({ name: word('level', l), value: total.by_level?.[l] || 0, itemStyle: { color: LEVEL_COLOURS[l] } })) }],
    });
    const scamData = Object.entries(total.by_scam_type || {}).sort((a, b) => b[1] - a[1]);
    charts[2].setOption({
      animation: false,
      tooltip: { trigger: 'axis' },
      grid: { left: 120, right: 16, top: 10, bottom: 20 },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', inverse: true, data: scamData.map(([k]) => word('scam', k)) },
      series: [{ type: 'bar', data: scamData.map(([, v]) => v), color: '#1565c0' }],
    });
    const sla = new Map((total.sla?.by_station || []).map((s) => [s.code, s]));
    clear(stationBody);
    const rows = [...(total.by_station || [])].sort((a, b) => b.cases - a.cases).slice(0, 20);
    for (const s of rows) {
      const f = sla.get(s.code) || {};
      stationBody.appendChild(h('tr', { dataset: { station: s.code || '' } },
        h('td', {}, s.name || s.code || word('status', 'unrouted')), h('td', { class: 'num' }, s.cases),
        h('td', { class: 'num' }, percent(f.first_attempt)), h('td', { class: 'num' }, percent(f.door_arrival)),
        h('td', { class: 'num' }, f.open_overdue ?? 0)));
    }
  }

  // The map: open cases (placed to ~100 m) coloured by level, and responders on duty.
  const open = new Map();
  let mapParts = null;
  let caseLayer = null, responderLayer = null;
  function drawCases() {
    if (!mapParts) return;
    caseLayer.clearLayers();
    for (const c of open.values()) {
      const p = c.handling?.approx_location;
      if (!p) continue;
      mapParts.L.circleMarker([p.lat, p.lon], { radius: c.level === 'extreme' ? 7 : 5, color: LEVEL_COLOURS[c.level], weight: 1, fillOpacity: 0.8 })
        .bindTooltip(`${word('level', c.level)} ${c.id} · ${word('scam', c.scam_type)}`)
        .on('click', () => { location.hash = `#/case/${encodeURIComponent(c.id)}`; })
        .addTo(caseLayer);
    }
    mapLegend.textContent = `${t('dash_open_cases', { n: open.size })} · ${t('dash_responders', { n: responderLayer.getLayers().length })}`;
  }
  async function loadResponders() {
    if (!mapParts) return;
    const path = user.role === 'station' && user.station_code ? `/api/v1/responders?station=${encodeURIComponent(user.station_code)}&on_duty=true` : '/api/v1/responders?on_duty=true';
    const found = await api.get(path).catch(() => ({ responders: [] }));
    responderLayer.clearLayers();
    for (const r of found.responders || []) {
      if (!r.position) continue;
      mapParts.L.circleMarker([r.position.lat, r.position.lon], { radius: 2.5, color: r.visit_id ? '#6a1b9a' : '#1565c0', weight: 1, fillOpacity: 0.8 })
        .bindTooltip(`${r.name} (${r.id})${r.case_id ? ` → ${r.case_id}` : ''}`).addTo(responderLayer);
    }
    drawCases();
  }
  async function loadOpen() {
    const pages = await Promise.all(['open', 'in_progress'].map((s) => api.get(`/api/v1/cases?${scope}status=${s}&limit=500`)));
    open.clear();
    for (const p of pages) for (const c of p.cases) open.set(c.id, c);
    drawCases();
  }

  let statsTimer = null;
  let drawTimer = null;
  const unsubscribe = onCaseChange((change) => {
    if (change?.case) {
      const c = change.case;
      if (c.status === 'closed') open.delete(c.id);
      else open.set(c.id, c);
    }
    clearTimeout(drawTimer);
    drawTimer = setTimeout(drawCases, 500);
    // Counters follow the stream, at most every 2 s.
    if (!statsTimer) statsTimer = setTimeout(() => { statsTimer = null; loadStats().catch(() => {}); }, 2000);
  });
  const responderPoll = setInterval(() => loadResponders(), 15000);

  try {
    await loadStats();
  } catch (e) {
    view.appendChild(h('p', { class: 'error' }, `${t('error')}: ${e.message}`));
  }
  jurisdictionMap(mapElement, { highlightStation: user.station_code || null, withStations: true }).then(async (m) => {
    mapParts = m;
    caseLayer = m.L.layerGroup().addTo(m.map);
    responderLayer = m.L.layerGroup().addTo(m.map);
    await Promise.all([loadOpen(), loadResponders()]);
  }).catch((e) => { mapLegend.textContent = `${t('error')}: ${e.message}`; });

  return () => {
    unsubscribe();
    clearInterval(responderPoll);
    clearTimeout(statsTimer);
    clearTimeout(drawTimer);
    window.removeEventListener('resize', resize);
    charts.forEach((c) => c.dispose());
    mapParts?.map.remove();
  };
}
