#!/usr/bin/env bash
# `quanzu demo` with real protocol peers on loopback instead of the simulated phone network:
# the SMSC simulator of the tests (SMPP 3.4, node) receives the warning SMS and answers with
# delivery receipts, and sipp (Debian sip-tester) answers every robocall and echoes its audio.
# Watch them happen:
#   tail -f $DIR/smsc.jsonl          every bind, submit_sm and reassembled message (UCS-2 decoded)
#   tail -f $DIR/sipp-messages.log   every SIP message of the calls
#   the demo's own log               "quanzu: robocall <ref>: answered (27 s)"
# Usage (after ./build.sh demo has built once): scripts/demo-with-peers.sh [quanzu demo options]
# Ctrl-C stops the demo and both peers.
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${QUANZU_BINARY:-build/release/src/app/quanzu}
[[ -x "$binary" ]] || { echo "build it first: ./build.sh demo (or set QUANZU_BINARY)" >&2; exit 1; }
dir=$(mktemp -d /tmp/quanzu-peers.XXXXXX)
sms_port=${SMS_PORT:-2775}
sip_port=${SIP_PORT:-5070}

tests/integration/smsc/ensure.sh
node tests/integration/smsc/smsc.js --port "$sms_port" --log "$dir/smsc.jsonl" --system-id quanzu \
  --password secret >"$dir/smsc.out" 2>&1 &
smsc=$!
sipp -sf tests/integration/sip/uas_answer.xml -i 127.0.0.1 -p "$sip_port" -mi 127.0.0.1 -mp 6000 \
  -rtp_echo -nostdin -trace_msg -message_file "$dir/sipp-messages.log" >"$dir/sipp.out" 2>&1 &
sipp=$!
trap 'kill $smsc $sipp 2>/dev/null || true' EXIT

echo secret >"$dir/smpp.password"
cat >"$dir/quanzu.toml" <<TOML
[sms]
smsc = "127.0.0.1:$sms_port"
system_id = "quanzu"
password_file = "$dir/smpp.password"
[voice]
trunk = "127.0.0.1:$sip_port"
local_ip = "127.0.0.1"
TOML
echo "peers: SMSC simulator on :$sms_port (log $dir/smsc.jsonl), sipp on :$sip_port (log $dir/sipp-messages.log)"
"$binary" demo --config "$dir/quanzu.toml" "$@"
