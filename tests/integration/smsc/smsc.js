// An SMSC simulator for Quanzu's SMPP tests: a real SMPP 3.4 server (npm `smpp`) on loopback.
//
//   node smsc.js --log FILE [--port 0] [--system-id quanzu] [--password secret]
//                [--receipt NUMBER=STAT ...] [--receipt-delay-ms 20] [--kill-after N]
//                [--resp-delay-ms 0] [--enquire-every-ms 0] [--early-receipts on]
//                [--refuse NUMBER ...]   (answers ESME_RINVDSTADR for that destination)
//
// It checks bind_transceiver credentials, decodes each part's UCS-2 on its own (as a handset
// does, so a surrogate pair split across parts shows up as U+FFFD), reassembles concatenated
// parts (UDH IEI 0x00, 8-bit reference), answers submit_sm_resp with a message id, and sends
// a delivery receipt (deliver_sm, esm_class 0x04) per part: DELIVRD unless --receipt gives
// another stat for the destination ("none" sends none). Receipts for a link that is gone wait
// for the next bind, as an SMSC's store does; --early-receipts on sends each receipt just
// before the submit_sm_resp, as some SMSCs do. --kill-after N closes the link cleanly right
// after answering the Nth submit_sm (once); submits that reach it after that are not
// answered and not recorded. Every event is one JSON line appended to --log; the first is
// {"event":"listening","port":N}.
'use strict';
const fs = require('fs');
const smpp = require('smpp');

const args = { port: 0, systemId: 'quanzu', password: 'secret', receipts: {}, receiptDelayMs: 20,
               killAfter: 0, respDelayMs: 0, enquireEveryMs: 0, earlyReceipts: false, log: null };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const [key, value] = [argv[i], argv[i + 1]];
  if (key === '--port') args.port = Number(value);
  else if (key === '--system-id') args.systemId = value;
  else if (key === '--password') args.password = value;
  else if (key === '--receipt') { const [n, s] = value.split('='); args.receipts[n] = s; }
  else if (key === '--receipt-delay-ms') args.receiptDelayMs = Number(value);
  else if (key === '--kill-after') args.killAfter = Number(value);
  else if (key === '--resp-delay-ms') args.respDelayMs = Number(value);
  else if (key === '--enquire-every-ms') args.enquireEveryMs = Number(value);
  else if (key === '--log') args.log = value;
  else if (key === '--early-receipts') args.earlyReceipts = value === 'on';
  else if (key === '--refuse') args.refuse = (args.refuse || []).concat([value]);
  else { console.error('unknown option ' + key); process.exit(2); }
}
if (!args.log) { console.error('--log FILE is required'); process.exit(2); }

function record(event) {
  event.at_ms = Date.now();
  fs.appendFileSync(args.log, JSON.stringify(event) + '\n');
}

let submits = 0;        // submit_sm answered, over all links
let killed = false;     // --kill-after has fired
let nextId = 0x5a000;
let outstanding = 0;    // submit_sm received and not yet answered
let maxOutstanding = 0;
let bound = null;       // the session receipts go to
const pendingReceipts = [];
const assembling = new Map();  // "dest/ref" -> {total, parts: [], ids: []}

// A handset shows each part on its own terms: a lone surrogate half (a pair split between
// parts) is not a character and becomes U+FFFD.
function asHandsetShows(text) {
  return text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

function stamp(d) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getFullYear() % 100) + p(d.getMonth() + 1) + p(d.getDate()) + p(d.getHours()) + p(d.getMinutes());
}

function sendReceipts() {
  while (bound && pendingReceipts.length > 0) {
    const r = pendingReceipts.shift();
    const now = stamp(new Date());
    const text = `id:${r.id} sub:001 dlvrd:${r.stat === 'DELIVRD' ? '001' : '000'} submit date:${now} ` +
                 `done date:${now} stat:${r.stat} err:${r.stat === 'DELIVRD' ? '000' : '001'} text:`;
    const states = { DELIVRD: 2, EXPIRED: 3, DELETED: 4, UNDELIV: 5, UNKNOWN: 7, REJECTD: 8 };
    const session = bound;
    session.deliver_sm({
      source_addr: r.dest, source_addr_ton: 0, source_addr_npi: 1,
      destination_addr: r.source, esm_class: 0x04, data_coding: 0,
      short_message: Buffer.from(text, 'latin1'),
      receipted_message_id: r.id, message_state: states[r.stat] || 7,
    }, (resp) => record({ event: 'deliver_sm_resp', message_id: r.id, status: resp.command_status }));
    record({ event: 'receipt_sent', message_id: r.id, stat: r.stat, dest: r.dest });
  }
}

const server = smpp.createServer((session) => {
  session.bound = false;
  session.on('error', (e) => record({ event: 'session_error', message: String(e && e.message) }));
  session.on('close', () => {
    record({ event: 'closed' });
    if (bound === session) bound = null;
  });
  session.on('bind_transceiver', (pdu) => {
    const ok = pdu.system_id === args.systemId && pdu.password === args.password;
    record({ event: 'bind', system_id: pdu.system_id, system_type: pdu.system_type, ok });
    if (!ok) {
      const status = pdu.system_id === args.systemId ? smpp.ESME_RINVPASWD : smpp.ESME_RINVSYSID;
      session.send(pdu.response({ command_status: status }));
      return;
    }
    session.bound = true;
    bound = session;
    session.send(pdu.response({ system_id: 'quanzu-smsc-sim' }));
    if (args.enquireEveryMs > 0) {
      const timer = setInterval(() => {
        if (!session.bound || session.killed) return clearInterval(timer);
        session.enquire_link({}, (resp) => record({ event: 'enquire_link_resp', status: resp.command_status }));
      }, args.enquireEveryMs);
      session.on('close', () => clearInterval(timer));
    }
    setTimeout(sendReceipts, args.receiptDelayMs);
  });
  session.on('enquire_link', (pdu) => {
    if (session.killed) return;
    record({ event: 'enquire_link' });
    session.send(pdu.response());
  });
  session.on('unbind', (pdu) => {
    record({ event: 'unbind' });
    session.send(pdu.response());
    session.close();
  });
  session.on('submit_sm', (pdu) => {
    if (session.killed) return record({ event: 'ignored_after_kill', dest: pdu.destination_addr });
    if (!session.bound) {
      session.send(pdu.response({ command_status: smpp.ESME_RINVBNDSTS }));
      return;
    }
    outstanding += 1;
    maxOutstanding = Math.max(maxOutstanding, outstanding);
    setTimeout(() => answer(session, pdu), args.respDelayMs);
  });
});

function answer(session, pdu) {
  outstanding -= 1;
  if (session.killed) return record({ event: 'ignored_after_kill', dest: pdu.destination_addr });
  if ((args.refuse || []).includes(pdu.destination_addr)) {
    record({ event: 'refused', dest: pdu.destination_addr });
    session.send(pdu.response({ command_status: smpp.ESME_RINVDSTADR }));
    return;
  }
  const id = (nextId++).toString(16);
  const sm = pdu.short_message;  // {udh: [Buffer], message: string} decoded by data_coding
  const text = asHandsetShows(sm.message);
  let ref = null, total = 1, seq = 1;
  for (const udh of sm.udh || []) {
    if (udh[0] === 0x00 && udh[1] === 3) { ref = udh[2]; total = udh[3]; seq = udh[4]; }
  }
  submits += 1;
  record({ event: 'submit', dest: pdu.destination_addr, source: pdu.source_addr, message_id: id,
           data_coding: pdu.data_coding, esm_class: pdu.esm_class,
           registered_delivery: pdu.registered_delivery, ref, total, seq, text,
           max_outstanding: maxOutstanding, n: submits });
  const stat = args.receipts[pdu.destination_addr] || 'DELIVRD';
  const receipt = { id, stat, dest: pdu.destination_addr, source: pdu.source_addr };
  const wantReceipt = stat !== 'none' && (pdu.registered_delivery & 1);
  if (wantReceipt && args.earlyReceipts) {
    pendingReceipts.push(receipt);
    sendReceipts();
  }
  session.send(pdu.response({ message_id: id }));
  if (pdu.data_coding !== 8) record({ event: 'error', message: 'data_coding is not UCS-2 (8)' });
  if (pdu.registered_delivery !== 1) record({ event: 'error', message: 'registered_delivery is not 1' });

  const key = pdu.destination_addr + '/' + (ref === null ? 'single-' + id : ref);
  const m = assembling.get(key) || { total, parts: new Array(total).fill(null), ids: [] };
  m.parts[seq - 1] = text;
  m.ids.push(id);
  assembling.set(key, m);
  if (m.parts.every((p) => p !== null)) {
    assembling.delete(key);
    record({ event: 'message', dest: pdu.destination_addr, text: m.parts.join(''), parts: total, message_ids: m.ids });
  }

  if (wantReceipt && !args.earlyReceipts) {
    setTimeout(() => {
      pendingReceipts.push(receipt);
      sendReceipts();
    }, args.receiptDelayMs);
  }

  if (args.killAfter > 0 && submits === args.killAfter && !killed) {
    killed = true;
    session.killed = true;
    session.bound = false;
    if (bound === session) bound = null;
    record({ event: 'killed', after: submits });
    session.close();  // FIN after the answer above; what the client sends now is ignored
  }
}

server.listen(args.port, '127.0.0.1', () => record({ event: 'listening', port: server.address().port }));
const stop = () => { record({ event: 'stopping' }); process.exit(0); };
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
