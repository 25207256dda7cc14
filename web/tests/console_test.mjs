#!/usr/bin/env node
// End-to-end tests of the web console in a real browser: Debian's chromium, headless, driven
// by playwright-core, against the real `quanzu serve` on port 0 with a temporary store and
// users made with `quanzu user add`. Screenshots go to --artifacts.
//
//   node console_test.mjs --binary build/dev/src/app/quanzu --artifacts DIR --scenario flow|scoping
//
// Exit 0 when every check passed; 1 naming the first that failed. Everything it starts (the
// server; chromium through playwright) is stopped by PID on every exit, and a time limit
// ends a stuck run.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, readFileSync, createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) => {
  if (a.startsWith('--')) pairs.push([a.slice(2), all[i + 1]]);
  return pairs;
}, []));
const BINARY = args.binary;
const SCENARIO = args.scenario || 'flow';
const ARTIFACTS = path.resolve(args.artifacts || 'browser-artifacts', SCENARIO);
const CHROMIUM = process.env.QUANZU_CHROMIUM || '/usr/bin/chromium';
const LIMIT_MS = Number(args['time-limit'] || 150) * 1000;
const PASSWORD = 'correct-horse-battery-1';
if (!BINARY) {
  console.error('usage: console_test.mjs --binary QUANZU --artifacts DIR --scenario flow|scoping');
  process.exit(64);
}
mkdirSync(ARTIFACTS, { recursive: true });
const dataDir = mkdtempSync(path.join(tmpdir(), 'quanzu-console-'));

let server = null;
let browser = null;
let chromiumProcess = null;
let shot = 0;

function cleanup() {
  if (server && server.exitCode === null) {
    try { process.kill(server.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (chromiumProcess && chromiumProcess.exitCode === null) {
    // Its own process group (detached): the renderers and helpers go with it.
    try { process.kill(-chromiumProcess.pid, 'SIGKILL'); } catch { /* gone */ }
  }
  if (chromiumProcess?.profile) rmSync(chromiumProcess.profile, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}
process.on('exit', cleanup);
const timer = setTimeout(() => {
  console.error(`FAIL: time limit of ${LIMIT_MS / 1000} s reached`);
  process.exit(1);
}, LIMIT_MS);

function check(ok, what) {
  if (!ok) throw new Error(what);
  console.log(`ok - ${what}`);
}

async function screenshot(page, name) {
  const file = path.join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
}

// --- the server ---------------------------------------------------------------------------

async function startServer() {
  const log = createWriteStream(path.join(ARTIFACTS, 'server.log'));
  server = spawn(BINARY, ['serve', '--listen', '127.0.0.1:0', '--data', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.pipe(log);
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    server.on('exit', (code) => reject(new Error(`quanzu serve exited (${code}) before listening; see ${ARTIFACTS}/server.log`)));
  });
}

function quanzu(...argv) {
  const input = argv.at(-1)?.input;
  if (input !== undefined) argv.pop();
  return execFileSync(BINARY, argv, { input: input ?? '', stdio: ['pipe', 'pipe', 'pipe'] }).toString().trim();
}

function addUser(name, role, { station, responder } = {}) {
  const argv = ['user', 'add', '--data', dataDir, '--name', name, '--role', role];
  if (station) argv.push('--station', station);
  if (responder) argv.push('--responder', responder);
  quanzu(...argv, { input: `${PASSWORD}\n` });
}

async function http(base, method, p, { body, headers = {} } = {}) {
  const r = await fetch(base + p, {
    method, headers: { ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, json, text, headers: r.headers };
}

// A machine-side session (for set-up through the API, as an administrator would).
async function apiLogin(base, name) {
  const r = await http(base, 'POST', '/api/v1/session', { body: { name, password: PASSWORD } });
  if (r.status !== 200) throw new Error(`login of ${name} through the API: ${r.status} ${r.text}`);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  return { cookie, 'X-CSRF-Token': r.json.csrf_token };
}

let feedToken = '';
async function ingest(base, instruction) {
  const r = await http(base, 'POST', '/api/v1/instructions', { body: instruction, headers: { Authorization: `Bearer ${feedToken}` } });
  if (r.status !== 200 || r.json.results[0].status !== 'created') throw new Error(`ingest: ${r.status} ${r.text}`);
  return r.json.results[0].case_id;
}

function instruction(id, lon, lat, extra = {}) {
  return {
    id, issued_at: new Date().toISOString(), source: 'national', trigger: 'completed_transfer',
    scam_type: 'click_farming_rebate', subject: { phone: '13800138000', name: '何某', age: 34, gender: 'M' },
    location: { lat, lon, crs: 'gcj02', address: '江北区石门路 1 号' },
    funds: { at_risk_cny: 5000, transferred_cny: 300, victim_account: { bank: '某银行', number: '6222020000001234' } },
    ...extra,
  };
}

// A station's own point (inside its area, GCJ-02) from the jurisdictions the server serves.
async function stationPoint(base, code) {
  const geo = (await http(base, 'GET', '/geo/jurisdictions.json')).json;
  const f = geo.features.find((x) => x.properties.kind === 'station' && x.properties.code === code);
  if (!f) throw new Error(`no station ${code} in /geo/jurisdictions.json`);
  return f.properties.point;  // [lon, lat]
}

// --- the browser ----------------------------------------------------------------------------

// Chromium is started here, not by playwright, so that its PID is ours to stop on every exit.
async function launch() {
  const profile = mkdtempSync(path.join(tmpdir(), 'quanzu-chromium-'));
  chromiumProcess = spawn(CHROMIUM, [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage',
    '--no-first-run', '--no-default-browser-check', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank',
  ], { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  chromiumProcess.profile = profile;
  const ws = await new Promise((resolve, reject) => {
    let err = '';
    chromiumProcess.stderr.on('data', (chunk) => {
      err += chunk;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    chromiumProcess.on('exit', (code) => reject(new Error(`chromium exited (${code}): ${err.slice(-500)}`)));
  });
  browser = await chromium.connectOverCDP(ws);
}

async function newPage(base, options = {}) {
  const context = await browser.newContext({ baseURL: base, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...options });
  const page = await context.newPage();
  page.setDefaultTimeout(15000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.errors = errors;
  return page;
}

async function login(page, name) {
  await page.goto('/');
  await page.fill('#login-name', name);
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#who');
  await page.waitForFunction(() => document.getElementById('who')?.textContent.length > 0);
}

async function text(page, selector) {
  return (await page.textContent(selector))?.trim() ?? '';
}

function number(s) { return Number(String(s).replace(/[^0-9.]/g, '')) || 0; }

// --- scenarios --------------------------------------------------------------------------------

const STATION = '500105-01';
const OTHER_STATION = '500105-02';
const RESPONDER = 'R-E2E-1';

async function flow(base) {
  addUser('zhang', 'station', { station: STATION });
  addUser('centre', 'centre');
  addUser('admin', 'admin');
  addUser('xiaozhang', 'responder', { station: STATION, responder: RESPONDER });
  const admin = await apiLogin(base, 'admin');
  const reg = await http(base, 'POST', '/api/v1/responders', {
    body: { id: RESPONDER, name: '张思豪', station_code: STATION, phone: '13900000001', on_duty: false }, headers: admin,
  });
  check(reg.status === 200, `responder ${RESPONDER} registered (${reg.status} ${reg.text.slice(0, 200)})`);
  const [lon, lat] = await stationPoint(base, STATION);
  await launch();

  // 1. The station operator logs in and watches the queue.
  const station = await newPage(base, { viewport: { width: 1366, height: 900 } });
  await login(station, 'zhang');
  await station.waitForSelector('#queue-table');
  check((await text(station, '#who')).includes('zhang'), 'station user logged in and sees the queue');
  check(await station.locator('#nav-rules').count() === 0, 'a station user is not offered the rules page');
  await station.waitForFunction(() => document.getElementById('live')?.classList.contains('up'));
  await screenshot(station, 'station-queue-empty');

  // 2. The responder goes on duty from a phone; the browser gives its position.
  const phone = await newPage(base, {
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
    geolocation: { latitude: lat - 0.0026, longitude: lon - 0.0052 }, permissions: ['geolocation'],
  });
  await login(phone, 'xiaozhang');
  await phone.waitForSelector('#responder-view #resp-duty');
  check(await phone.locator('#nav-queue').count() === 0, 'a responder sees only the responder page');
  await phone.tap('#resp-on');
  await phone.waitForFunction(() => document.getElementById('resp-duty')?.classList.contains('on'));
  await phone.waitForFunction(() => /已上报/.test(document.getElementById('resp-position')?.textContent || ''));
  check(true, 'responder on duty, position sent from the browser');
  await screenshot(phone, 'responder-on-duty');

  // 3. The centre's dashboard, before.
  const centre = await newPage(base, { viewport: { width: 1440, height: 1000 } });
  await login(centre, 'centre');
  await centre.goto('/#/dashboard');
  await centre.waitForSelector('#dash-map .leaflet-overlay-pane canvas');
  await centre.waitForFunction(() => document.getElementById('dash-processed-total')?.textContent !== '—');
  const processedBefore = number(await text(centre, '#dash-processed-total'));
  const dissuadedBefore = number(await text(centre, '#dash-dissuaded-total'));
  const protectedBefore = number(await text(centre, '#dash-protected-total'));

  // 4. A 特危 instruction arrives: live in the queue, with the banner.
  const caseId = await ingest(base, instruction('CQ-E2E-0001', lon, lat));
  await station.waitForSelector(`#queue-body tr[data-case="${caseId}"]`);
  check((await text(station, `#queue-body tr[data-case="${caseId}"] .badge`)) === '特危', 'the new case arrived live in the queue as 特危');
  await station.waitForSelector(`#alert .alert-item[data-case="${caseId}"]`, { state: 'visible' });
  const animation = await station.evaluate(() => getComputedStyle(document.getElementById('alert')).animationName);
  check(animation === 'flash', 'a flashing 特危 banner announces it');
  check(/剩余|超时/.test(await text(station, `#queue-body tr[data-case="${caseId}"] td.due`)), 'the row shows an SLA countdown');
  await screenshot(station, 'station-queue-extreme-alert');

  // 5. The operator calls; the person hangs up: the plan sends a responder to the door.
  await station.click(`#alert .alert-item[data-case="${caseId}"] .alert-open`);
  await station.waitForSelector('#case-view #form-call');
  check((await text(station, '#case-reasons')).length > 0, 'the case shows the reasons of its grade');
  await station.selectOption('#form-call select[name=result]', 'hung_up');
  await station.click('#form-call button[type=submit]');
  // The page redraws when the answer (and then the plan's reaction) arrives: wait for the
  // text itself, not just the section, which may still show the automatic attempts.
  const shows = (id, words) => station.waitForFunction(([i, w]) => (document.getElementById(i)?.textContent || '').includes(w),
    [id, words], { timeout: 20000 }).catch(() => {});
  await shows('attempts', '挂断');
  check((await text(station, '#attempts')).includes('挂断'), 'the call result is on the case');
  await shows('visits', RESPONDER);
  check((await text(station, '#visits')).includes(RESPONDER), `the failed call escalated to a door visit by ${RESPONDER}`);
  await screenshot(station, 'case-escalated-to-visit');

  // 6. The responder takes it, rides there and closes it as dissuaded.
  await phone.waitForSelector('#resp-visit', { timeout: 20000 });
  check((await text(phone, '#resp-address')).includes('石门路'), 'the responder sees the address of the visit');
  await phone.waitForSelector('#resp-map .leaflet-overlay-pane svg');
  await screenshot(phone, 'responder-visit-assigned');
  for (const step of ['acknowledged', 'en_route', 'on_scene']) {
    await phone.tap(`#resp-step-${step}`);
    await phone.waitForFunction((s) => !document.getElementById(`resp-step-${s}`), step);
  }
  await phone.waitForSelector('#resp-result-form');
  await phone.selectOption('#resp-result', 'met');
  await phone.selectOption('#resp-outcome', 'dissuaded');
  await phone.fill('#resp-amount', '300');
  await screenshot(phone, 'responder-result-form');
  await phone.tap('#resp-result-form button[type=submit]');
  await phone.waitForSelector('#resp-no-visit');
  check(/任务已完成/.test(await text(phone, '#resp-status')), 'the responder closed the visit');
  await screenshot(phone, 'responder-done');

  const closed = await http(base, 'GET', `/api/v1/cases/${caseId}`, { headers: await apiLogin(base, 'centre') });
  check(closed.json.status === 'closed' && closed.json.outcome === 'dissuaded' && closed.json.amount_protected_cny === 300,
    `the case is closed as dissuaded with 300 元 protected (${closed.json.status}, ${closed.json.outcome})`);

  // 7. The dashboard's counters follow.
  await centre.waitForFunction(([p, d, m]) => {
    const n = (id) => Number((document.getElementById(id)?.textContent || '').replace(/[^0-9.]/g, '')) || 0;
    return n('dash-processed-total') > p && n('dash-dissuaded-total') > d && n('dash-protected-total') >= m + 300;
  }, [processedBefore, dissuadedBefore, protectedBefore], { timeout: 15000 });
  check(true, 'the dashboard counters rose: processed, dissuaded, money protected');
  await centre.waitForFunction(() => document.querySelectorAll('#dash-stations tr').length > 0);
  await screenshot(centre, 'dashboard');

  // 8. The case page tells the whole story.
  await station.reload();
  await station.waitForSelector('#case-outcome');
  check((await text(station, '#case-outcome')).includes('劝阻成功'), 'the station sees the outcome 劝阻成功');
  await screenshot(station, 'case-closed');
  // "Failed to load resource: 401/404" are answers the console expects (no session yet before
  // login; the responder's finished visit); anything else is a script error.
  for (const [name, p] of [['station', station], ['responder', phone], ['centre', centre]]) {
    const real = p.errors.filter((e) => !/Failed to load resource.*\b(401|404)\b/.test(e));
    check(real.length === 0, `no script errors in the ${name}'s page (${real.join(' | ')})`);
  }
}

async function scoping(base) {
  addUser('zhang', 'station', { station: STATION });
  addUser('wang', 'station', { station: OTHER_STATION });
  const [lon, lat] = await stationPoint(base, OTHER_STATION);
  const otherCase = await ingest(base, instruction('CQ-E2E-0002', lon, lat, { trigger: 'fraud_url_visit', scam_type: 'prize' }));
  await launch();
  const page = await newPage(base, { viewport: { width: 1280, height: 800 } });

  // Static files: the policy that forbids inline script, and no way out of web/.
  const index = await http(base, 'GET', '/');
  check(index.status === 200 && /script-src 'self'/.test(index.headers.get('content-security-policy') || ''), 'the console is served with its Content-Security-Policy');
  for (const p of ['/..%2f..%2fCMakeLists.txt', '/vendor/leaflet/../package.json', '/%2e%2e/package.json']) {
    const r = await http(base, 'GET', p);
    check(r.status === 404, `${p} is not served (${r.status})`);
  }

  // A wrong password is refused with one message.
  await page.goto('/');
  await page.fill('#login-name', 'zhang');
  await page.fill('#login-password', 'wrong-password-123');
  await page.click('#login-submit');
  await page.waitForFunction(() => document.getElementById('login-error')?.textContent.length > 0);
  check((await text(page, '#login-error')) === '用户名或密码错误', 'a wrong password is refused');
  await screenshot(page, 'login-refused');

  // Station zhang does not see station wang's case, in the queue or by its address.
  await page.fill('#login-password', PASSWORD);
  await page.click('#login-submit');
  await page.waitForSelector('#queue-table');
  await page.waitForFunction(() => document.getElementById('queue-count')?.textContent.length > 0);
  check(await page.locator(`#queue-body tr[data-case="${otherCase}"]`).count() === 0, "another station's case is not in the queue");
  await page.goto(`/#/case/${encodeURIComponent(otherCase)}`);
  await page.waitForSelector('#case-error');
  check((await text(page, '#case-error')).includes('未找到'), "another station's case cannot be opened");
  await screenshot(page, 'other-station-case-refused');
  const direct = await page.evaluate(async (id) => (await fetch(`/api/v1/cases/${encodeURIComponent(id)}`)).status, otherCase);
  check(direct === 404, `the API answers 404 for it too (${direct})`);

  // Station wang does see it.
  const wang = await newPage(base, { viewport: { width: 1280, height: 800 } });
  await login(wang, 'wang');
  await wang.waitForSelector(`#queue-body tr[data-case="${otherCase}"]`);
  check((await text(wang, `#queue-body tr[data-case="${otherCase}"]`)).includes('中奖'), 'its own station sees it, scam type in Chinese');
  await screenshot(wang, 'own-station-queue');

  // English, remembered.
  await page.click('#lang');
  await page.waitForFunction(() => document.getElementById('nav-queue')?.textContent === 'Queue');
  await page.reload();
  await page.waitForFunction(() => document.getElementById('nav-queue')?.textContent === 'Queue');
  check(true, 'the English switch is remembered across a reload');
  await page.goto('/#/queue');
  await page.waitForSelector('#queue-table');
  await screenshot(page, 'queue-english');

  // Logged out, the API refuses and the console asks for a login again.
  await page.click('#logout');
  await page.waitForSelector('#login-form');
  const after = await page.evaluate(async () => (await fetch('/api/v1/cases')).status);
  check(after === 401, `after logout the API answers 401 (${after})`);
  for (const p of [page, wang]) check(p.errors.filter((e) => !/Failed to load resource.*\b(401|404)\b/.test(e)).length === 0, `no script errors (${p.errors.join(' | ')})`);
}

try {
  const base = await startServer();
  console.log(`# quanzu serve at ${base}, data ${dataDir}, screenshots in ${ARTIFACTS}`);
  feedToken = quanzu('token', 'create', '--data', dataDir, '--name', 'feed', '--scope', 'ingest');
  await (SCENARIO === 'scoping' ? scoping(base) : flow(base));
  clearTimeout(timer);
  console.log(`PASS ${SCENARIO}`);
  process.exit(0);
} catch (e) {
  console.error(`FAIL: ${e.stack || e}`);
  try {
    const pages = browser ? browser.contexts().flatMap((c) => c.pages()) : [];
    for (const [i, p] of pages.entries()) await p.screenshot({ path: path.join(ARTIFACTS, `failure-${i}.png`) });
  } catch { /* best effort */ }
  process.exit(1);
}
