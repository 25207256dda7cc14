// Every string of the console, one dictionary per language. Chinese first; the English
// switch is remembered in localStorage ("quanzu.lang").

const zh = {
  app_title: '劝阻 · 预警劝阻平台',
  brand: '劝阻',
  lang_switch: 'English',
  nav_queue: '处置队列',
  nav_dashboard: '指挥看板',
  nav_rules: '研判规则',
  nav_responder: '冲锋队员',
  nav_audit: '审计',
  logout: '退出',
  login_title: '登录',
  login_name: '用户名',
  login_password: '密码',
  login_submit: '登录',
  login_failed: '用户名或密码错误',
  login_throttled: '尝试次数过多，请稍后再试',
  session_expired: '登录已过期，请重新登录',
  role_centre: '智侦中心', role_station: '派出所', role_responder: '冲锋队员',
  role_supervisor: '督导', role_auditor: '审计员', role_admin: '管理员',
  loading: '加载中…',
  error: '出错了',
  forbidden: '无权访问',
  not_found: '未找到该预警（或不在本辖区）',
  live_on: '实时', live_off: '连接中断，重连中…',
  // queue
  queue_title: '预警处置队列',
  queue_empty: '暂无待处置预警',
  filter_level: '等级', filter_status: '状态', filter_station: '派出所代码', filter_search: '搜索（编号、电话、派出所）',
  filter_all: '全部', filter_overdue: '只看超时',
  col_level: '等级', col_case: '编号', col_scam: '诈骗类型', col_trigger: '触发', col_station: '派出所',
  col_subject: '当事人', col_status: '状态', col_due: '时限', col_created: '接收时间', col_task: '当前',
  due_left: '剩余 {t}', due_over: '超时 {t}', due_none: '—',
  alert_extreme: '新特危预警', alert_open: '立即处置', alert_ack: '知道了',
  alert_body: '{id} · {station} · {scam} · 风险金额 {amount} 元',
  task_call: '待电话劝阻', task_visit_needed: '待派警上门', task_visit: '上门：{status}', task_stop: '建议止付',
  count_cases: '{n} 条',
  // case
  case_title: '预警 {id}',
  back: '返回队列',
  sec_instruction: '预警指令', sec_grade: '分级研判', sec_timeline: '处置时间线', sec_attempts: '劝阻记录',
  sec_actions: '处置操作', sec_visits: '上门劝阻', sec_stop: '保护性止付', sec_links: '关联预警（由点及面）',
  f_source: '来源', f_issued: '下发时间', f_trigger: '触发', f_scam: '诈骗类型', f_phone: '电话', f_name: '姓名',
  f_age: '年龄', f_address: '地址', f_at_risk: '风险金额', f_transferred: '已转账', f_indicators: '涉诈线索',
  f_level: '等级', f_reasons: '研判依据', f_rules_version: '规则版本', f_routing: '推送方式', f_station: '派出所',
  f_status: '状态', f_outcome: '处置结果', f_protected: '挽损金额',
  f_channel: '方式', f_result: '结果', f_at: '时间', f_actor: '操作人', f_kind: '事件',
  act_call: '记录电话结果', act_call_submit: '记录',
  act_dispatch: '派警上门', act_dispatch_reason: '派警原因', act_dispatch_submit: '派警',
  act_reroute: '改派辖区', act_reroute_station: '目标派出所代码', act_reroute_reason: '改派原因', act_reroute_submit: '改派',
  act_stop: '申请保护性止付', act_stop_bank: '开户银行', act_stop_account: '账号', act_stop_reason: '理由', act_stop_submit: '申请止付',
  act_close: '结案', act_close_outcome: '处置结果', act_close_amount: '挽损金额（元）', act_close_submit: '结案',
  act_note: '备注', act_note_submit: '添加备注',
  act_reopen: '重新打开', act_reopen_reason: '原因',
  act_approve: '批准解除止付',
  act_done: '已记录',
  no_attempts: '暂无劝阻记录',
  visit_responder: '队员', visit_distance: '距离 {km} 公里，约 {min} 分钟',
  // responder
  resp_title: '冲锋队员',
  resp_on_duty: '在岗', resp_off_duty: '不在岗',
  resp_go_on: '上岗', resp_go_off: '下岗',
  resp_position: '位置', resp_position_none: '尚未定位', resp_position_sent: '已上报 {t}',
  resp_position_denied: '无法获取位置（请允许定位）',
  resp_no_visit: '暂无上门任务',
  resp_visit: '上门任务', resp_address: '地址',
  step_acknowledged: '接受任务', step_declined: '拒绝', step_en_route: '出发', step_on_scene: '已到达',
  resp_result: '上门结果', resp_result_submit: '提交结果',
  resp_outcome: '劝阻结果', resp_amount: '挽损金额（元）',
  resp_finished: '任务已完成',
  resp_pick: '选择队员编号',
  // dashboard
  dash_title: '指挥看板',
  dash_today: '今日', dash_month: '本月', dash_total: '累计',
  dash_processed: '处理预警', dash_dissuaded: '成功劝阻（人）', dash_protected: '挽损金额（元）',
  dash_trend: '高危/特危预警日趋势（30 天）', dash_levels: '等级构成', dash_scams: '诈骗类型构成',
  dash_stations: '派出所工作量与时限达标', dash_map: '辖区态势',
  dash_station: '派出所', dash_cases: '预警数', dash_sla_first: '首次劝阻达标率', dash_sla_door: '上门达标率',
  dash_overdue: '超时未处置',
  dash_open_cases: '在办预警 {n}', dash_responders: '在岗队员 {n}',
  // rules
  rules_title: '研判规则', rules_version: '版本 {v}', rules_whatif: '模拟（近 30 天）', rules_save: '保存并启用',
  rules_saved: '已启用版本 {v}', rules_report: '模拟结果',
  rules_cases: '复核 {n} 条，变化 {c} 条（升 {r} / 降 {l}）',
  rules_before: '原等级', rules_after: '新等级',
  audit_title: '审计日志',
};

const en = {
  app_title: 'Quanzu · early warning and dissuasion',
  brand: 'Quanzu',
  lang_switch: '中文',
  nav_queue: 'Queue', nav_dashboard: 'Dashboard', nav_rules: 'Rules', nav_responder: 'Responder', nav_audit: 'Audit',
  logout: 'Log out',
  login_title: 'Log in', login_name: 'User name', login_password: 'Password', login_submit: 'Log in',
  login_failed: 'Wrong user name or password', login_throttled: 'Too many attempts; try again later',
  session_expired: 'Your session has ended; please log in again',
  role_centre: 'Centre', role_station: 'Station', role_responder: 'Responder',
  role_supervisor: 'Supervisor', role_auditor: 'Auditor', role_admin: 'Administrator',
  loading: 'Loading…', error: 'Error', forbidden: 'Not allowed',
  not_found: 'No such case (or not in your jurisdiction)',
  live_on: 'Live', live_off: 'Disconnected, reconnecting…',
  queue_title: 'Warning queue', queue_empty: 'Nothing to handle',
  filter_level: 'Level', filter_status: 'Status', filter_station: 'Station code', filter_search: 'Search (id, phone, station)',
  filter_all: 'All', filter_overdue: 'Overdue only',
  col_level: 'Level', col_case: 'Case', col_scam: 'Scam type', col_trigger: 'Trigger', col_station: 'Station',
  col_subject: 'Person', col_status: 'Status', col_due: 'Due', col_created: 'Received', col_task: 'Now',
  due_left: '{t} left', due_over: '{t} overdue', due_none: '—',
  alert_extreme: 'New EXTREME warning', alert_open: 'Handle now', alert_ack: 'Dismiss',
  alert_body: '{id} · {station} · {scam} · at risk {amount} CNY',
  task_call: 'Call the person', task_visit_needed: 'Door visit needed', task_visit: 'Visit: {status}', task_stop: 'Stop-payment proposed',
  count_cases: '{n} cases',
  case_title: 'Case {id}', back: 'Back to the queue',
  sec_instruction: 'Instruction', sec_grade: 'Grade', sec_timeline: 'Timeline', sec_attempts: 'Attempts',
  sec_actions: 'Actions', sec_visits: 'Door visits', sec_stop: 'Protective stop-payment', sec_links: 'Linked cases',
  f_source: 'Source', f_issued: 'Issued', f_trigger: 'Trigger', f_scam: 'Scam type', f_phone: 'Phone', f_name: 'Name',
  f_age: 'Age', f_address: 'Address', f_at_risk: 'At risk', f_transferred: 'Transferred', f_indicators: 'Indicators',
  f_level: 'Level', f_reasons: 'Reasons', f_rules_version: 'Rules version', f_routing: 'Routing', f_station: 'Station',
  f_status: 'Status', f_outcome: 'Outcome', f_protected: 'Protected',
  f_channel: 'Channel', f_result: 'Result', f_at: 'Time', f_actor: 'By', f_kind: 'Event',
  act_call: 'Record a call result', act_call_submit: 'Record',
  act_dispatch: 'Dispatch to the door', act_dispatch_reason: 'Reason', act_dispatch_submit: 'Dispatch',
  act_reroute: 'Re-route', act_reroute_station: 'Target station code', act_reroute_reason: 'Reason', act_reroute_submit: 'Re-route',
  act_stop: 'Request a stop-payment', act_stop_bank: 'Bank', act_stop_account: 'Account', act_stop_reason: 'Reason', act_stop_submit: 'Request',
  act_close: 'Close', act_close_outcome: 'Outcome', act_close_amount: 'Amount protected (CNY)', act_close_submit: 'Close',
  act_note: 'Note', act_note_submit: 'Add note',
  act_reopen: 'Reopen', act_reopen_reason: 'Reason',
  act_approve: 'Approve release',
  act_done: 'Recorded',
  no_attempts: 'No attempts yet',
  visit_responder: 'Responder', visit_distance: '{km} km, about {min} min',
  resp_title: 'Responder', resp_on_duty: 'On duty', resp_off_duty: 'Off duty', resp_go_on: 'Go on duty', resp_go_off: 'Go off duty',
  resp_position: 'Position', resp_position_none: 'Not located yet', resp_position_sent: 'Sent {t}',
  resp_position_denied: 'No position (allow location access)',
  resp_no_visit: 'No visit assigned', resp_visit: 'Door visit', resp_address: 'Address',
  step_acknowledged: 'Accept', step_declined: 'Decline', step_en_route: 'On my way', step_on_scene: 'Arrived',
  resp_result: 'Result of the visit', resp_result_submit: 'Submit',
  resp_outcome: 'Outcome', resp_amount: 'Amount protected (CNY)', resp_finished: 'Visit finished',
  resp_pick: 'Responder id',
  dash_title: 'Dashboard', dash_today: 'Today', dash_month: 'This month', dash_total: 'Since start',
  dash_processed: 'Warnings processed', dash_dissuaded: 'People dissuaded', dash_protected: 'Protected (CNY)',
  dash_trend: 'High / extreme warnings per day (30 days)', dash_levels: 'Levels', dash_scams: 'Scam types',
  dash_stations: 'Station workload and SLA', dash_map: 'Jurisdiction map',
  dash_station: 'Station', dash_cases: 'Cases', dash_sla_first: 'First attempt on time', dash_sla_door: 'Door on time',
  dash_overdue: 'Open overdue',
  dash_open_cases: '{n} open cases', dash_responders: '{n} responders on duty',
  rules_title: 'Grading rules', rules_version: 'Version {v}', rules_whatif: 'What-if (30 days)', rules_save: 'Save and activate',
  rules_saved: 'Version {v} is active', rules_report: 'What-if report',
  rules_cases: '{n} cases re-graded, {c} changed ({r} up / {l} down)',
  rules_before: 'Before', rules_after: 'After',
  audit_title: 'Audit log',
};

// Domain words (SPEC.md): levels, scam types, triggers, outcomes, channels, results, statuses.
const words = {
  zh: {
    level: { low: '低危', medium: '中危', high: '高危', extreme: '特危' },
    scam: {
      click_farming_rebate: '刷单返利', fake_investment: '虚假投资理财', fake_customer_service: '冒充电商物流客服',
      fake_loan: '虚假贷款', fake_credit_record: '注销校园贷/征信', impersonate_acquaintance: '冒充领导熟人',
      impersonate_police_gov: '冒充公检法', romance: '网络交友诱导', fake_game_trade: '网游虚假交易', prize: '中奖',
      other: '其他', unknown: '未知',
    },
    trigger: {
      fraud_url_visit: '访问涉诈网站', fraud_app_install: '安装涉诈APP', fraud_contact: '与涉诈号码联系',
      pending_transfer: '准备转账', completed_transfer: '已转账', cash_withdrawal_booked: '预约取现', other: '其他',
    },
    outcome: {
      dissuaded: '劝阻成功', warned: '已预警', already_defrauded: '已被骗（转立案）', not_fraud: '非诈骗',
      unreachable: '无法联系', handed_off: '已移交', duplicate: '重复',
    },
    channel: { sms: '短信', robocall: '预警电话', manual_call: '人工电话', visit: '上门', family: '亲属' },
    result: {
      answered: '接通', hung_up: '挂断', unreachable: '无法接通', no_answer: '无人接听', rejected: '拒接', busy: '占线',
      delivered: '已送达', failed: '发送失败', expired: '已过期', met: '见到本人', not_home: '不在家', refused: '拒绝劝阻',
      not_found: '地址有误',
    },
    status: { unrouted: '未分配', open: '待处置', in_progress: '处置中', closed: '已结案' },
    visit: {
      dispatched: '已派警', acknowledged: '已接受', en_route: '途中', on_scene: '已到达', declined: '已拒绝',
      timed_out: '未响应', done: '已完成', cancelled: '已取消',
    },
    stop: {
      requested: '已申请', active: '生效中', rejected: '银行拒绝', release_requested: '申请解除', released: '已解除',
      expired: '已到期',
    },
    source: {
      national: '国家反诈中心', provincial: '省厅', municipal: '市局', district: '分局', bank: '银行', carrier: '运营商',
      hotline: '96110',
    },
    event: {
      created: '接收并研判', attempt: '劝阻尝试', note: '备注', outcome: '结案', reroute: '改派', reopen: '重新打开',
      routing_note: '推送', call_task: '电话任务', visit: '上门', visit_needed: '需上门', dispatch: '派警',
      stop_payment: '止付', overdue: '超时', level_raised: '等级上调', cluster_linked: '关联', outbound: '自动预警',
      attempt_placed: '自动预警已发出', visit_step: '上门进展', stop_payment_proposed: '建议止付',
    },
  },
  en: {
    level: { low: 'Low', medium: 'Medium', high: 'High', extreme: 'Extreme' },
    scam: {
      click_farming_rebate: 'Click farming', fake_investment: 'Fake investment', fake_customer_service: 'Fake customer service',
      fake_loan: 'Fake loan', fake_credit_record: 'Fake credit record', impersonate_acquaintance: 'Impersonated acquaintance',
      impersonate_police_gov: 'Impersonated police', romance: 'Romance', fake_game_trade: 'Fake game trade', prize: 'Prize',
      other: 'Other', unknown: 'Unknown',
    },
    trigger: {
      fraud_url_visit: 'Fraud site visit', fraud_app_install: 'Fraud app', fraud_contact: 'Fraud contact',
      pending_transfer: 'Pending transfer', completed_transfer: 'Completed transfer', cash_withdrawal_booked: 'Cash withdrawal', other: 'Other',
    },
    outcome: {
      dissuaded: 'Dissuaded', warned: 'Warned', already_defrauded: 'Already defrauded', not_fraud: 'Not fraud',
      unreachable: 'Unreachable', handed_off: 'Handed off', duplicate: 'Duplicate',
    },
    channel: { sms: 'SMS', robocall: 'Robocall', manual_call: 'Manual call', visit: 'Visit', family: 'Family' },
    result: {
      answered: 'Answered', hung_up: 'Hung up', unreachable: 'Unreachable', no_answer: 'No answer', rejected: 'Rejected', busy: 'Busy',
      delivered: 'Delivered', failed: 'Failed', expired: 'Expired', met: 'Met the person', not_home: 'Not at home', refused: 'Refused',
      not_found: 'Address not found',
    },
    status: { unrouted: 'Unrouted', open: 'Open', in_progress: 'In progress', closed: 'Closed' },
    visit: {
      dispatched: 'Dispatched', acknowledged: 'Acknowledged', en_route: 'En route', on_scene: 'On scene', declined: 'Declined',
      timed_out: 'Timed out', done: 'Done', cancelled: 'Cancelled',
    },
    stop: {
      requested: 'Requested', active: 'Active', rejected: 'Rejected', release_requested: 'Release requested', released: 'Released',
      expired: 'Expired',
    },
    source: {
      national: 'National centre', provincial: 'Province', municipal: 'City', district: 'District', bank: 'Bank', carrier: 'Carrier',
      hotline: '96110',
    },
    event: {},
  },
};

const dictionaries = { zh, en };
let lang = localStorage.getItem('quanzu.lang') === 'en' ? 'en' : 'zh';

export function currentLang() { return lang; }

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  localStorage.setItem('quanzu.lang', lang);
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
}

// The string for `key` with {name} placeholders filled from `params`.
export function t(key, params = {}) {
  const text = dictionaries[lang][key] ?? zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => (params[name] ?? ''));
}

// The name of a domain value, e.g. word('level', 'extreme') -> 特危; the value itself when unknown.
export function word(kind, value) {
  if (value === null || value === undefined || value === '') return '—';
  return words[lang][kind]?.[value] ?? words.zh[kind]?.[value] ?? String(value);
}

export function wordList(kind) {
  return Object.keys(words.zh[kind]);
}

document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
