// The console's shell: who is logged in, the pages their role may see, the hash router,
// the one live stream and the 特危 alert that no page can hide.
import { api, openStream, setUnauthorizedHandler } from './api.js';
import { h, clear, money } from './dom.js';
import { t, word, setLang, currentLang } from './i18n.js';
import { showLogin } from './login.js';
import { showQueue } from './queue.js';
import { showCase } from './case.js';
import { showResponder } from './responder.js';
import { showDashboard } from './dashboard.js';
import { showRules } from './rules.js';
import { showAudit } from './audit.js';
import { currentUser, setCurrentUser, publishCaseChange } from './session.js';

// What each role may open (the server enforces it again; this only hides the rest).
const PAGES = {
  centre: ['queue', 'dashboard', 'rules'],
  station: ['queue', 'dashboard'],
  supervisor: ['queue', 'dashboard'],
  responder: ['responder'],
  admin: ['rules'],
  auditor: ['audit'],
};
const CASE_ROLES = new Set(['centre', 'station', 'supervisor']);

const state = {
  stream: null,
  seenExtreme: new Set(), // cases already announced
  cleanup: null,          // the current page's teardown
};

function startStream() {
  if (state.stream || !CASE_ROLES.has(currentUser()?.role)) return;
  const live = document.getElementById('live');
  state.stream = openStream((change) => {
    if (change?.case) announce(change.case);
    publishCaseChange(change);
  }, (up) => {
    live.textContent = up ? `● ${t('live_on')}` : `○ ${t('live_off')}`;
    live.className = up ? 'live up' : 'live down';
  });
}

function stopStream() {
  state.stream?.close();
  state.stream = null;
}

// A new or newly raised 特危 case that is still open: a flashing banner until acknowledged.
function announce(c) {
  if (c.level !== 'extreme' || c.status === 'closed' || state.seenExtreme.has(c.id)) return;
  state.seenExtreme.add(c.id);
  const alert = document.getElementById('alert');
  const item = h('div', { class: 'alert-item', dataset: { case: c.id } },
    h('strong', {}, `⚠ ${t('alert_extreme')}`), ' ',
    h('span', {}, t('alert_body', {
      id: c.id, station: c.station?.name || word('status', 'unrouted'), scam: word('scam', c.scam_type),
      amount: money(c.at_risk_cny),
    })), ' ',
    h('button', { type: 'button', class: 'alert-open', onclick: () => { item.remove(); hideIfEmpty(); location.hash = `#/case/${encodeURIComponent(c.id)}`; } }, t('alert_open')),
    h('button', { type: 'button', class: 'alert-ack', onclick: () => { item.remove(); hideIfEmpty(); } }, t('alert_ack')));
  alert.appendChild(item);
  alert.hidden = false;
  document.title = `⚠ ${t('alert_extreme')} · ${t('app_title')}`;
}

function hideIfEmpty() {
  const alert = document.getElementById('alert');
  if (!alert.querySelector('.alert-item')) {
    alert.hidden = true;
    document.title = t('app_title');
  }
}

function renderTop() {
  const top = document.getElementById('top');
  top.hidden = !currentUser();
  document.getElementById('brand').textContent = t('brand');
  document.getElementById('lang').textContent = t('lang_switch');
  document.getElementById('logout').textContent = t('logout');
  const nav = clear(document.getElementById('nav'));
  const who = document.getElementById('who');
  document.title = t('app_title');
  if (!currentUser()) return;
  for (const page of PAGES[currentUser().role] || []) {
    nav.appendChild(h('a', { href: `#/${page}`, id: `nav-${page}` }, t(`nav_${page}`)));
  }
  who.textContent = `${currentUser().name} · ${t(`role_${currentUser().role}`)}${currentUser().station_code ? ` · ${currentUser().station_code}` : ''}`;
}

function home() {
  const pages = PAGES[currentUser()?.role] || [];
  return `#/${pages[0] || 'login'}`;
}

async function route() {
  state.cleanup?.();
  state.cleanup = null;
  const view = clear(document.getElementById('view'));
  const [, page, arg] = (location.hash || '').split('/').map((s) => decodeURIComponent(s || ''));
  if (!currentUser()) {
    if (page !== 'login') {
      sessionStorage.setItem('quanzu.after_login', location.hash || '');
    }
    return showLogin(view, async (user) => {
      setCurrentUser(user);
      renderTop();
      startStream();
      const next = sessionStorage.getItem('quanzu.after_login');
      sessionStorage.removeItem('quanzu.after_login');
      location.hash = next && next !== '#/login' ? next : home();
      if (location.hash === (next || home())) route();
    });
  }
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.id === `nav-${page}`);
  const allowed = PAGES[currentUser().role] || [];
  let cleanup = null;
  if (page === 'case' && arg && CASE_ROLES.has(currentUser().role)) cleanup = await showCase(view, arg);
  else if (!allowed.includes(page)) { location.replace(home()); return; }
  else if (page === 'queue') cleanup = await showQueue(view);
  else if (page === 'dashboard') cleanup = await showDashboard(view);
  else if (page === 'rules') cleanup = await showRules(view);
  else if (page === 'responder') cleanup = await showResponder(view);
  else if (page === 'audit') cleanup = await showAudit(view);
  state.cleanup = typeof cleanup === 'function' ? cleanup : null;
}

async function start() {
  document.getElementById('lang').addEventListener('click', () => {
    setLang(currentLang() === 'zh' ? 'en' : 'zh');
    renderTop();
    route();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    await api.logout();
    setCurrentUser(null);
    stopStream();
    renderTop();
    location.hash = '#/login';
    route();
  });
  setUnauthorizedHandler(() => {
    if (!currentUser()) return;
    setCurrentUser(null);
    stopStream();
    renderTop();
    sessionStorage.setItem('quanzu.notice', t('session_expired'));
    route();
  });
  window.addEventListener('hashchange', route);
  try {
    setCurrentUser(await api.session());
  } catch (e) {
    clear(document.getElementById('view')).appendChild(h('p', { class: 'error' }, `${t('error')}: ${e.message}`));
    return;
  }
  renderTop();
  startStream();
  if (currentUser() && (!location.hash || location.hash === '#/login')) location.hash = home();
  else route();
}

start();
