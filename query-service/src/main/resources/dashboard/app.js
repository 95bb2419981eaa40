// The Switchboard operators' dashboard: plain modern JavaScript, no build step. It reads the REST API
// (docs/openapi.yaml) with the operator's token, and the discovery and tracing WebSockets (docs/protocol.md) for
// live views. Every request carries the token; nothing is shared between tenants because the token decides.

const TOKEN_KEY = 'switchboard.token';
const view = document.getElementById('view');
let session = null;          // {tenant, role, subject, expiresAt} of the signed-in token
let cleanup = [];            // what the current view must close when another one opens

// ---------- small helpers ----------

function h(tag, attrs = {}, ...children) {
  const el = document.createElementNS(tag === 'svg' || attrs.svg ? 'http://www.w3.org/2000/svg' : 'http://www.w3.org/1999/xhtml', tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'svg' || v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
const s = (tag, attrs = {}, ...children) => h(tag, { ...attrs, svg: true }, ...children);

function ago(iso) {
  if (!iso) return '';
  const secs = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (secs < 60) return `${secs} s ago`;
  if (secs < 3600) return `${Math.round(secs / 60)} min ago`;
  return `${Math.round(secs / 3600)} h ago`;
}
const micros = (us) => us >= 1e6 ? `${(us / 1e6).toFixed(2)} s` : us >= 1000 ? `${(us / 1000).toFixed(1)} ms` : `${us} µs`;
const percent = (x) => `${(100 * (x || 0)).toFixed(1)}%`;
const timeOf = (tsMicros) => new Date(tsMicros / 1000).toISOString().replace('T', ' ').replace('Z', '');

function banner(message) {
  const b = document.getElementById('banner');
  b.textContent = message || '';
  b.hidden = !message;
}

// ---------- the token ----------

const AUTH_MESSAGES = {
  missing_token: 'Paste an operator token to sign in.',
  malformed_token: 'That is not a token Switchboard can read: a token is a JWT, three dot-separated parts.',
  bad_signature: 'That token was not signed with this Switchboard\'s key. Get one from this installation (./switchboard token --tenant YOURS --role operator).',
  token_expired: 'Your token has expired. Get a fresh one (./switchboard token --tenant YOURS --role operator) and sign in again.',
  missing_claim: 'That token lacks a claim Switchboard needs (tenant, role or exp).',
  invalid_claim: 'That token has a claim Switchboard cannot accept.',
  forbidden: 'That token may not read this: the dashboard needs an operator token.',
};

class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code;
    this.field = error?.field;
  }
}

async function api(path, options = {}) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    ...options,
    headers: { Authorization: `Bearer ${token}`, ...(options.body ? { 'Content-Type': 'application/json' } : {}) },
  });
  const body = await response.json().catch(() => null);
  if (response.status === 401) {
    signOut(AUTH_MESSAGES[body?.error?.code] || body?.error?.message || 'Your session ended; sign in again.');
    throw new ApiError(401, body?.error);
  }
  if (!response.ok) throw new ApiError(response.status, body?.error);
  return body;
}

function takeTokenFromUrl() {
  const url = new URL(location.href);
  let token = url.searchParams.get('token');
  let hash = location.hash;
  const inHash = hash.match(/[#&]token=([^&]+)/);
  if (inHash) {
    token = decodeURIComponent(inHash[1]);
    hash = '#/services';
  }
  if (token) {
    sessionStorage.setItem(TOKEN_KEY, token);
    url.searchParams.delete('token');
    // The token leaves the address bar (and the history) once it is remembered for this session.
    history.replaceState(null, '', url.pathname + url.search + hash);
  }
}

async function start() {
  takeTokenFromUrl();
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token) return showSignIn();
  try {
    await checkToken(token);
  } catch (e) {
    return showSignIn(e.message);
  }
  route();
}

async function checkToken(token) {
  const response = await fetch('/api/v1/session', { headers: { Authorization: `Bearer ${token}` } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Error(AUTH_MESSAGES[body?.error?.code] || body?.error?.message || `Sign-in failed (HTTP ${response.status}).`);
  }
  if (body.role !== 'operator') {
    sessionStorage.removeItem(TOKEN_KEY);
    throw new Error(`That is a ${body.role} token of tenant ${body.tenant}; the dashboard needs an operator token.`);
  }
  session = body;
  const who = document.getElementById('who');
  who.replaceChildren(h('span', { id: 'tenant' }, `tenant ${body.tenant}`),
    h('button', { class: 'secondary', onclick: () => signOut() }, 'Sign out'));
  document.getElementById('nav').hidden = false;
  const left = Date.parse(body.expiresAt) - Date.now();
  if (left > 0 && left < 2 ** 31) setTimeout(() => signOut(AUTH_MESSAGES.token_expired), left);
}

function signOut(message) {
  sessionStorage.removeItem(TOKEN_KEY);
  session = null;
  showSignIn(message);
}

function showSignIn(message) {
  closeView();
  document.getElementById('nav').hidden = true;
  document.getElementById('who').replaceChildren();
  banner(null);
  const input = h('textarea', { id: 'token-input', placeholder: 'eyJhbGciOi...', spellcheck: 'false' });
  const error = h('div', { id: 'signin-error', class: 'error-text', role: 'alert' }, message || '');
  const form = h('form', {
    class: 'panel signin', id: 'signin',
    onsubmit: async (e) => {
      e.preventDefault();
      const token = input.value.trim();
      if (!token) { error.textContent = AUTH_MESSAGES.missing_token; return; }
      try {
        await checkToken(token);
        sessionStorage.setItem(TOKEN_KEY, token);
        if (!location.hash || location.hash === '#/') location.hash = '#/services'; else route();
      } catch (err) {
        error.textContent = err.message;
      }
    },
  },
  h('h2', {}, 'Sign in with an operator token'),
  h('p', { class: 'muted' }, 'Paste a token, or open the dashboard with ?token=... once. Standalone prints one at start-up; ',
    h('code', {}, './switchboard token --tenant dev --role operator'), ' makes another. It is kept for this browser tab only.'),
  input, h('div', { style: 'margin-top:10px' }, h('button', { type: 'submit', id: 'signin-button' }, 'Sign in')), error);
  view.replaceChildren(form);
}

// ---------- routing between views ----------

function closeView() {
  cleanup.forEach((f) => { try { f(); } catch (e) { /* already closed */ } });
  cleanup = [];
}

function route() {
  if (!session) return showSignIn();
  closeView();
  banner(null);
  const [, name, arg] = (location.hash || '#/services').match(/^#\/([a-z]+)\/?(.*)$/) || [null, 'services', ''];
  document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', a.dataset.view === name || (name === 'trace' && a.dataset.view === 'logs') || (name === 'canary' && a.dataset.view === 'routing')));
  const views = { services: servicesView, health: healthView, graph: graphView, logs: logsView, trace: traceView, routing: routingView, canary: canaryView };
  (views[name] || servicesView)(decodeURIComponent(arg || ''));
}

window.addEventListener('hashchange', route);

function failed(e, what) {
  if (e.status === 401) return;
  banner(e.status === 503 ? `${what}: a store behind Switchboard is unreachable; it retries by itself, try again shortly.`
    : `${what}: ${e.message}`);
}

// ---------- WebSockets (protocol v1) ----------

function socket(path, onOpen, onFrame) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  let ws;
  let closed = false;
  let retry = 500;
  const connect = () => {
    ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}?token=${encodeURIComponent(token)}`);
    ws.onopen = () => ws.send(JSON.stringify({ type: 'open', protocol: 1, client: 'switchboard-dashboard' }));
    ws.onmessage = (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === 'open') { retry = 500; onOpen(ws); } else onFrame(frame);
    };
    ws.onclose = (event) => {
      if (closed) return;
      if (event.code === 4001) return signOut(AUTH_MESSAGES.token_expired);
      setTimeout(() => { if (!closed) connect(); }, retry);
      retry = Math.min(retry * 2, 10000);
    };
  };
  connect();
  const handle = { send: (frame) => ws.readyState === 1 && ws.send(JSON.stringify(frame)), close: () => { closed = true; ws.close(1000); } };
  cleanup.push(handle.close);
  return handle;
}

// ---------- Services: live through the discovery WebSocket ----------

function servicesView() {
  const nodes = new Map();      // id -> node
  const policies = new Map();   // service -> routing policy
  const details = new Map();    // id -> {lastSeen, state} from GET /api/v1/services
  const table = h('table', { id: 'services-table' });
  const status = h('span', { class: 'muted', id: 'services-status' }, 'connecting...');
  view.replaceChildren(h('div', { class: 'panel' },
    h('h2', {}, 'Services ', status), table,
    h('p', { class: 'muted' }, 'Nodes appear and leave live (discovery WebSocket). Standing and circuit come from the routing service: ',
      'an ejected node has its circuit open for every client.')));

  const render = () => {
    const byService = new Map();
    for (const n of nodes.values()) {
      if (!byService.has(n.service)) byService.set(n.service, []);
      byService.get(n.service).push(n);
    }
    const rows = [h('tr', {}, ...['node', 'version', 'environment', 'address', 'last seen', 'standing', 'error rate', 'circuit'].map((t) => h('th', {}, t)))];
    for (const service of [...byService.keys()].sort()) {
      const list = byService.get(service).sort((a, b) => a.id.localeCompare(b.id));
      const policy = policies.get(service);
      const versions = [...new Set(list.map((n) => n.version))].sort().join(', ');
      const envs = [...new Set(list.map((n) => n.environment))].sort();
      const strategies = envs.map((e) => `${e}: ${policy?.strategies?.[e]?.strategy || 'round-robin'}`).join(', ');
      rows.push(h('tr', { class: 'service-row', 'data-service': service },
        h('td', { colspan: 8 }, `${service}  `, h('span', { class: 'muted' }, `${list.length} node${list.length === 1 ? '' : 's'} · versions ${versions} · ${strategies}`))));
      for (const n of list) {
        const p = policy?.nodes?.[n.id];
        const standing = p?.ejected ? 'ejected' : p && p.errorRate > 0.3 ? 'degraded' : 'healthy';
        const d = details.get(n.id);
        rows.push(h('tr', { 'data-node-id': n.id },
          h('td', { class: 'mono' }, n.id), h('td', {}, n.version), h('td', {}, n.environment), h('td', { class: 'mono' }, n.address),
          h('td', { title: d?.lastSeen || '' }, d ? ago(d.lastSeen) : 'just now'),
          h('td', {}, h('span', { class: `badge ${standing}` }, standing)),
          h('td', {}, p ? percent(p.errorRate) : '-'),
          h('td', {}, h('span', { class: `badge ${p?.ejected ? 'open' : 'closed'}` }, p?.ejected ? 'open' : 'closed'))));
      }
    }
    if (nodes.size === 0) rows.push(h('tr', {}, h('td', { colspan: 8, class: 'muted' }, 'No live nodes yet: they appear here as soon as a client registers one.')));
    table.replaceChildren(...rows);
  };

  const refreshDetails = async () => {
    try {
      const body = await api('/api/v1/services');
      for (const svc of body.services) for (const n of svc.nodes) details.set(n.id, n);
      render();
    } catch (e) { failed(e, 'Node details'); }
  };

  socket('/v1/discovery', (ws) => ws.send(JSON.stringify({ type: 'subscribe', id: 'dashboard' })), (frame) => {
    if (frame.type === 'snapshot') {
      nodes.clear();
      frame.nodes.forEach((n) => nodes.set(n.id, n));
      policies.clear();
      Object.entries(frame.policies || {}).forEach(([k, v]) => policies.set(k, v));
      status.textContent = 'live';
      refreshDetails();
    } else if (frame.type === 'changes') {
      frame.upserted.forEach((n) => { nodes.set(n.id, n); details.delete(n.id); });
      frame.removed.forEach((r) => nodes.delete(r.id));
      Object.entries(frame.policies || {}).forEach(([k, v]) => (v ? policies.set(k, v) : policies.delete(k)));
    } else if (frame.type === 'error') {
      banner(`Discovery: ${frame.message}`);
    }
    render();
  });
  // Last-seen times move with heartbeats, which are not pushed; they are re-read every 15 s. Everything else is live.
  const timer = setInterval(refreshDetails, 15000);
  cleanup.push(() => clearInterval(timer));
  render();
}

// ---------- Health over time ----------

const WINDOWS = ['15m', '1h', '6h', '24h'];
const BUCKETS = { '15m': '15s', '1h': '1m', '6h': '5m', '24h': '20m' };

function lineChart(title, series, format) {
  const width = 420;
  const height = 150;
  const pad = { l: 52, r: 8, t: 8, b: 20 };
  const all = series.flatMap((x) => x.points.map((p) => p[1])).filter((v) => v !== null && v !== undefined);
  const times = series.flatMap((x) => x.points.map((p) => p[0]));
  const max = Math.max(1e-9, ...all);
  const t0 = Math.min(...times);
  const t1 = Math.max(t0 + 1, ...times);
  const x = (t) => pad.l + ((t - t0) / (t1 - t0)) * (width - pad.l - pad.r);
  const y = (v) => height - pad.b - (v / max) * (height - pad.t - pad.b);
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
  [0, 0.5, 1].forEach((f) => {
    svg.append(s('line', { x1: pad.l, x2: width - pad.r, y1: y(max * f), y2: y(max * f), stroke: '#e6e9ee' }));
    svg.append(s('text', { x: 4, y: y(max * f) + 4, 'font-size': 10, fill: '#677283' }, format(max * f)));
  });
  if (times.length) {
    svg.append(s('text', { x: pad.l, y: height - 4, 'font-size': 10, fill: '#677283' }, new Date(t0).toLocaleTimeString()));
    svg.append(s('text', { x: width - pad.r, y: height - 4, 'font-size': 10, fill: '#677283', 'text-anchor': 'end' }, new Date(t1).toLocaleTimeString()));
  }
  for (const line of series) {
    const pts = line.points.filter((p) => p[1] !== null && p[1] !== undefined);
    if (!pts.length) continue;
    if (pts.length === 1) svg.append(s('circle', { cx: x(pts[0][0]), cy: y(pts[0][1]), r: 3, fill: line.color }));
    svg.append(s('polyline', { fill: 'none', stroke: line.color, 'stroke-width': 1.8, points: pts.map((p) => `${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join(' ') }));
  }
  return h('div', { class: 'chart' }, h('h3', {}, title), svg,
    series.length > 1 ? h('div', { class: 'legend' }, series.map((l) => h('span', { style: `color:${l.color}` }, `■ ${l.name}`))) : null);
}

function healthView() {
  const windowSelect = h('select', { id: 'health-window' }, WINDOWS.map((w) => h('option', { value: w, selected: w === '15m' }, `last ${w}`)));
  const serviceSelect = h('select', { id: 'health-service' }, h('option', { value: '' }, 'every service'));
  const out = h('div', { id: 'health-charts' }, h('p', { class: 'muted' }, 'loading...'));
  const load = async () => {
    const params = new URLSearchParams({ since: windowSelect.value, interval: BUCKETS[windowSelect.value] });
    if (serviceSelect.value) params.set('service', serviceSelect.value);
    try {
      const body = await api(`/api/v1/stats?${params}`);
      if (serviceSelect.options.length === 1) {
        body.services.forEach((svc) => serviceSelect.append(h('option', { value: svc.service }, svc.service)));
      }
      const blocks = body.services.map((svc) => {
        const pts = (f) => svc.buckets.map((b) => [Date.parse(b.start), f(b)]);
        return h('div', { class: 'panel service-health', 'data-service': svc.service },
          h('h2', {}, svc.service, ' ', h('span', { class: 'muted' },
            `${svc.requests} requests · ${percent(svc.errorRate)} errors · p99 ${micros(svc.latencyMicros?.p99 || 0)}`)),
          h('div', { class: 'charts' },
            lineChart(`Throughput (requests per ${body.intervalSeconds} s)`, [{ name: 'requests', color: '#2f6fdf', points: pts((b) => b.requests) }], (v) => v.toFixed(0)),
            lineChart('Error rate', [{ name: 'errors', color: '#d64545', points: pts((b) => b.errorRate) }], (v) => percent(v)),
            lineChart('Latency', ['p50', 'p95', 'p99'].map((p, i) => ({ name: p, color: ['#1f9d55', '#d08a00', '#d64545'][i], points: pts((b) => b.latencyMicros?.[p] ?? null) })), (v) => micros(Math.round(v)))));
      });
      out.replaceChildren(...(blocks.length ? blocks : [h('p', { class: 'muted' }, 'No requests in this window yet.')]));
    } catch (e) { failed(e, 'Health'); }
  };
  windowSelect.onchange = load;
  serviceSelect.onchange = load;
  view.replaceChildren(h('div', { class: 'panel' }, h('form', { class: 'filters', onsubmit: (e) => { e.preventDefault(); load(); } },
    h('label', {}, 'Service', serviceSelect), h('label', {}, 'Window', windowSelect), h('button', { type: 'submit' }, 'Refresh'))), out);
  load();
}

// ---------- Dependency graph ----------

function graphView() {
  const windowSelect = h('select', { id: 'graph-window' }, WINDOWS.map((w) => h('option', { value: w, selected: w === '1h' }, `last ${w}`)));
  const out = h('div', { class: 'graph', id: 'graph' }, h('p', { class: 'muted' }, 'loading...'));
  const load = async () => {
    try {
      const body = await api(`/api/v1/dependencies?since=${windowSelect.value}`);
      out.replaceChildren(drawGraph(body.services, body.edges));
    } catch (e) { failed(e, 'Dependencies'); }
  };
  windowSelect.onchange = load;
  view.replaceChildren(h('div', { class: 'panel' }, h('h2', {}, 'Dependencies ', h('span', { class: 'muted' }, 'who calls whom, with volume and error rate')),
    h('form', { class: 'filters' }, h('label', {}, 'Window', windowSelect)), out));
  load();
}

function drawGraph(services, edges) {
  if (!edges.length) return h('p', { class: 'muted' }, 'No calls between services in this window yet.');
  // Layers: a service sits one column right of its deepest caller (cycles are cut where they close).
  const depth = new Map(services.map((sv) => [sv, 0]));
  for (let round = 0; round < services.length; round++) {
    for (const e of edges) if (e.from !== e.to && depth.get(e.to) <= depth.get(e.from) && depth.get(e.from) < services.length) depth.set(e.to, depth.get(e.from) + 1);
  }
  const columns = new Map();
  services.forEach((sv) => { const d = depth.get(sv); if (!columns.has(d)) columns.set(d, []); columns.get(d).push(sv); });
  const colCount = Math.max(...columns.keys()) + 1;
  const rowsMax = Math.max(...[...columns.values()].map((c) => c.length));
  const gap = 320;
  const width = 80 + (colCount - 1) * gap + 150;
  const height = Math.max(200, rowsMax * 100 + 40);
  const pos = new Map();
  for (const [d, list] of columns) {
    list.sort().forEach((sv, i) => pos.set(sv, { x: 40 + d * gap, y: (height / (list.length + 1)) * (i + 1) }));
  }
  const maxCalls = Math.max(...edges.map((e) => e.calls));
  const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, height, style: `max-width:${width * 1.4}px`, role: 'img', 'aria-label': 'dependency graph' });
  svg.append(s('defs', {}, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 10, markerHeight: 10, markerUnits: 'userSpaceOnUse', orient: 'auto-start-reverse' },
    s('path', { d: 'M 0 0 L 10 5 L 0 10 z', fill: '#8a94a3' }))));
  for (const e of edges) {
    const a = pos.get(e.from);
    const b = pos.get(e.to);
    if (!a || !b) continue;
    const bad = e.errorRate > 0.05;
    const x1 = a.x + 150;
    const x2 = b.x;
    const mid = (x1 + x2) / 2;
    svg.append(s('path', { class: 'edge', 'data-from': e.from, 'data-to': e.to, d: `M ${x1} ${a.y} C ${mid} ${a.y}, ${mid} ${b.y}, ${x2} ${b.y}`,
      fill: 'none', stroke: bad ? '#d64545' : '#8a94a3', 'stroke-width': 1 + 5 * (e.calls / maxCalls), 'marker-end': 'url(#arrow)' }));
    svg.append(s('text', { x: mid, y: (a.y + b.y) / 2 - 8, 'font-size': 11, 'text-anchor': 'middle', fill: bad ? '#d64545' : '#4a5463',
      stroke: '#fbfcfd', 'stroke-width': 4, 'paint-order': 'stroke' }, `${e.calls} calls · ${percent(e.errorRate)} errors`));
  }
  for (const [sv, p] of pos) {
    svg.append(s('g', { class: 'service-node', 'data-service': sv },
      s('rect', { x: p.x, y: p.y - 18, width: 150, height: 36, rx: 8, fill: '#fff', stroke: '#2f6fdf', 'stroke-width': 1.5 }),
      s('text', { x: p.x + 75, y: p.y + 5, 'text-anchor': 'middle', 'font-size': 13, fill: '#1d2530' }, sv)));
  }
  return svg;
}

// ---------- Logs: search and live tail ----------

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

function logsView() {
  const field = (name, attrs = {}) => h('input', { name, id: `logs-${name}`, ...attrs });
  const form = h('form', { class: 'filters', id: 'logs-form' },
    h('label', {}, 'Text', field('q', { placeholder: 'timeout', size: 24 })),
    h('label', {}, 'Service', field('service', { size: 12 })),
    h('label', {}, 'Minimum level', h('select', { name: 'level', id: 'logs-level' }, h('option', { value: '' }, 'any'), LEVELS.map((l) => h('option', { value: l }, l)))),
    h('label', {}, 'Environment', field('environment', { size: 10 })),
    h('label', {}, 'Node', field('node', { size: 12 })),
    h('label', {}, 'Trace id', field('traceId', { size: 32 })),
    h('label', {}, 'Since', field('since', { value: '1h', size: 5 })),
    h('label', {}, 'From', field('from', { type: 'datetime-local' })),
    h('label', {}, 'To', field('to', { type: 'datetime-local' })),
    h('label', {}, 'Order', h('select', { name: 'sort', id: 'logs-sort' }, h('option', { value: 'desc' }, 'newest first'), h('option', { value: 'asc' }, 'oldest first'))),
    h('label', {}, 'Page', h('select', { name: 'limit', id: 'logs-limit' }, [50, 100, 500, 1000].map((n) => h('option', { value: n, selected: n === 100 }, n)))),
    h('button', { type: 'submit', id: 'logs-search' }, 'Search'),
    h('label', { style: 'flex-direction:row;align-items:center;gap:6px' }, h('input', { type: 'checkbox', id: 'logs-tail' }), 'Live tail'));
  const status = h('div', { class: 'muted', id: 'logs-status' });
  const body = h('tbody', { id: 'logs-results' });
  const more = h('button', { class: 'secondary', id: 'logs-more', hidden: true }, 'Load more');
  view.replaceChildren(h('div', { class: 'panel' }, form), h('div', { class: 'panel' }, status,
    h('table', {}, h('thead', {}, h('tr', {}, ['time', 'level', 'service', 'node', 'message', 'trace'].map((t) => h('th', {}, t)))), body), more));
  // Losses happen only past a documented bound (the indexer gone longer than tracing.reader-grace): say so plainly.
  api('/api/v1/losses').then((loss) => {
    if (loss?.lostSlots > 0) {
      view.prepend(h('div', { class: 'panel losses', id: 'logs-losses' },
        `History is missing up to ${loss.lostSlots} of this tenant's events (buffer slots), last at ${loss.lastLostAt}: ` +
        'the indexer was unable to read the trace buffer for longer than tracing.reader-grace, and the buffer overwrote them.'));
    }
  }).catch(() => {});

  const row = (item) => h('tr', { class: 'log-row' },
    h('td', { class: 'mono' }, timeOf(item.timestamp)), h('td', { class: `level-${item.level}` }, item.level),
    h('td', {}, item.service), h('td', { class: 'mono' }, item.node || ''), h('td', {}, item.message),
    h('td', {}, item.traceId ? h('a', { class: 'trace-link', href: `#/trace/${item.traceId}` }, item.traceId.slice(0, 12) + '…') : ''));

  let cursor = null;
  let query = null;
  let generation = 0;   // a newer search makes the answers of older ones stale
  const params = () => {
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(form)) {
      if (!v) continue;
      if (k === 'from' || k === 'to') p.set(k, new Date(v).toISOString()); else p.set(k, v);
    }
    if (p.has('from')) p.delete('since');
    return p;
  };
  const page = async (append) => {
    const p = new URLSearchParams(query);
    if (append && cursor) p.set('cursor', cursor);
    const mine = append ? generation : ++generation;
    try {
      const result = await api(`/api/v1/logs?${p}`);
      if (mine !== generation) return;
      // Results stream into the table as each page arrives.
      result.items.forEach((item) => body.append(row(item)));
      cursor = result.next;
      more.hidden = !cursor || result.items.length < Number(p.get('limit') || 100);
      status.textContent = `${body.children.length} events${cursor && !more.hidden ? ' (more available)' : ''}`;
    } catch (e) {
      if (mine !== generation) return;
      status.textContent = e.status === 400 ? `${e.field ? e.field + ': ' : ''}${e.message}` : '';
      failed(e, 'Log search');
    }
  };
  form.onsubmit = (e) => { e.preventDefault(); body.replaceChildren(); cursor = null; query = params(); page(false); };
  more.onclick = () => page(true);

  let tail = null;
  document.getElementById('logs-tail').onchange = (e) => {
    if (tail) { tail.close(); tail = null; }
    if (!e.target.checked) { status.textContent = 'live tail stopped'; return; }
    const filter = {};
    const p = params();
    for (const k of ['service', 'level', 'environment', 'traceId']) if (p.get(k)) filter[k] = p.get(k);
    if (p.get('q')) filter.text = p.get('q');
    tail = socket('/v1/tracing', (ws) => ws.send(JSON.stringify({ type: 'tail', id: 'dash', from: 'now', filter })), (frame) => {
      if (frame.type === 'tailing') status.replaceChildren(h('span', { class: 'tail-on' }, '● live tail: new events appear at the top'));
      if (frame.type === 'events') {
        frame.items.filter((i) => i.kind === 'log').forEach((item) => body.prepend(row(item)));
        while (body.children.length > 2000) body.lastChild.remove();
      }
      if (frame.type === 'lagged') status.textContent = `live tail skipped ${frame.missed} events it could not keep up with`;
      if (frame.type === 'error') banner(`Live tail: ${frame.message}`);
    });
  };
  query = params();
  page(false);
}

// ---------- Trace waterfall ----------

async function traceView(traceId) {
  view.replaceChildren(h('div', { class: 'panel' }, h('p', { class: 'muted' }, `loading trace ${traceId}...`)));
  let trace;
  try {
    trace = await api(`/api/v1/traces/${encodeURIComponent(traceId)}`);
  } catch (e) {
    if (e.status === 404) view.replaceChildren(h('div', { class: 'panel' }, h('h2', {}, 'Trace not found'),
      h('p', {}, `No trace ${traceId} in the history (yet: events become searchable a few seconds after they are sent).`)));
    else failed(e, 'Trace');
    return;
  }
  const rows = [];
  const walk = (span, depth) => { rows.push([span, depth]); (span.children || []).sort((a, b) => a.timestamp - b.timestamp).forEach((c) => walk(c, depth + 1)); };
  trace.spans.sort((a, b) => a.timestamp - b.timestamp).forEach((sp) => walk(sp, 0));
  const start = Math.min(...rows.map(([sp]) => sp.timestamp));
  const total = Math.max(1, trace.durationMicros);
  const list = h('div', { class: 'waterfall', id: 'waterfall' });
  for (const [sp, depth] of rows) {
    const detail = h('div', { class: 'span-detail', hidden: true },
      h('div', { class: 'kv' }, ...Object.entries({ service: sp.service, node: sp.node, operation: sp.operation, kind: sp.spanKind, status: sp.status,
        'peer service': sp.peerService, 'span id': sp.spanId, start: timeOf(sp.timestamp), duration: micros(sp.durationMicros), ...(sp.attributes || {}) })
        .filter(([, v]) => v !== undefined && v !== null).flatMap(([k, v]) => [h('span', { class: 'muted' }, k), h('span', { class: 'mono' }, v)])),
      (sp.logs || []).length ? h('table', { style: 'margin-top:8px' }, sp.logs.map((l) => h('tr', {}, h('td', { class: 'mono' }, timeOf(l.timestamp)),
        h('td', { class: `level-${l.level}` }, l.level), h('td', {}, l.message)))) : h('p', { class: 'muted' }, 'no logs in this span'));
    const left = ((sp.timestamp - start) / total) * 100;
    const width = Math.max(0.3, (sp.durationMicros / total) * 100);
    list.append(h('div', { class: 'row span-row', 'data-span': sp.spanId, onclick: () => { detail.hidden = !detail.hidden; } },
      h('div', { style: `padding-left:${depth * 16}px` }, h('strong', {}, sp.service), ' ', sp.operation),
      h('div', { class: 'bar-track' }, h('div', { class: `bar ${sp.status === 'error' ? 'error' : ''}`, style: `left:${left}%;width:${width}%` })),
      h('div', { class: 'mono' }, micros(sp.durationMicros))), detail);
  }
  view.replaceChildren(h('div', { class: 'panel' },
    h('h2', {}, 'Trace ', h('span', { class: 'mono' }, trace.traceId)),
    h('p', { class: 'muted', id: 'trace-summary' }, `${trace.spanCount} spans · ${trace.services.join(', ')} · ${micros(trace.durationMicros)}`,
      trace.error ? ' · ' : '', trace.error ? h('span', { class: 'badge error' }, 'error') : '', trace.truncated ? ' · truncated' : ''),
    list,
    (trace.logs || []).length ? h('div', {}, h('h2', { style: 'margin-top:14px' }, 'Logs outside any span'),
      h('table', {}, trace.logs.map((l) => h('tr', {}, h('td', { class: 'mono' }, timeOf(l.timestamp)), h('td', {}, l.service), h('td', {}, l.message))))) : null));
}

// ---------- Routing ----------

async function routingView() {
  const out = h('div', { id: 'routing' }, h('p', { class: 'muted' }, 'loading...'));
  view.replaceChildren(h('div', { class: 'panel' }, h('h2', {}, 'Routing ', h('span', { class: 'muted' }, 'strategies per service and environment; every change is a version')), out));
  try {
    const [registry, routing] = await Promise.all([api('/api/v1/services'), api('/api/v1/routing')]);
    const pairs = new Set();
    registry.services.forEach((svc) => svc.environments.forEach((env) => pairs.add(`${svc.service}|${env}`)));
    routing.services.forEach((svc) => Object.keys(svc.strategies).forEach((env) => pairs.add(`${svc.service}|${env}`)));
    const table = h('table', { id: 'routing-table' }, h('tr', {}, ['service', 'environment', 'strategy', 'version', 'changed', ''].map((t) => h('th', {}, t))));
    for (const pair of [...pairs].sort()) {
      const [service, env] = pair.split('|');
      const current = await api(`/api/v1/routing/${encodeURIComponent(service)}?environment=${encodeURIComponent(env)}`);
      const detail = h('tr', { hidden: true }, h('td', { colspan: 6 }));
      table.append(h('tr', { class: 'routing-row', 'data-service': service, 'data-environment': env },
        h('td', {}, service), h('td', {}, env), h('td', { class: 'strategy' }, describeStrategy(current.strategy)),
        h('td', { class: 'version' }, current.version || 'default'), h('td', { class: 'muted' }, current.changedAt ? `${ago(current.changedAt)} by ${current.changedBy}` : ''),
        h('td', {}, h('button', { class: 'secondary history-button', onclick: () => toggleHistory(service, env, detail, describeStrategy) }, 'History'),
          current.strategy.strategy === 'progressive' ? h('a', { class: 'canary-link', href: `#/canary/${encodeURIComponent(service)}/${encodeURIComponent(env)}`, style: 'margin-left:8px' }, 'Canary') : null)), detail);
    }
    out.replaceChildren(pairs.size ? table : h('p', { class: 'muted' }, 'No services yet.'));
  } catch (e) { failed(e, 'Routing'); }
}

function describeStrategy(st) {
  if (st.strategy === 'progressive') {
    return `progressive ${st.baseline} → ${st.candidate} (step ${st.step + 1} of ${st.steps.length}: ${st.steps[st.step]}%${st.paused ? ', paused' : ''})`;
  }
  return st.strategy + (st.split ? ` (${Object.entries(st.split).map(([v, p]) => `${v}: ${p}%`).join(', ')})` : '');
}

// ---------- Canary: a progressive rollout, live ----------

async function canaryView(arg) {
  const [service, env] = arg.split('/').map(decodeURIComponent);
  const base = `/api/v1/routing/${encodeURIComponent(service)}`;
  const q = `environment=${encodeURIComponent(env)}`;
  const status = h('div', { id: 'canary-status' }, h('p', { class: 'muted' }, 'loading...'));
  const actions = h('div', { id: 'canary-actions', style: 'margin:8px 0' });
  const sides = h('div', { id: 'canary-sides' });
  const charts = h('div', { class: 'charts', id: 'canary-charts' });
  const moves = h('div', { id: 'canary-moves' });
  view.replaceChildren(h('div', { class: 'panel' },
    h('h2', {}, 'Canary ', h('span', { class: 'mono' }, `${service} in ${env}`), ' ', h('a', { href: '#/routing', class: 'muted' }, '← routing')),
    status, actions, sides, charts),
  h('div', { class: 'panel' }, h('h2', {}, 'Moves ', h('span', { class: 'muted' }, 'every step, promotion, rollback and operator action is a version')), moves));
  // Live series: each version's error rate and p99 over the last 30 s, sampled every 2 s while the view is open.
  const series = new Map();
  let rollout = null;
  let dueAt = 0;
  const act = (action, question) => h('button', {
    class: action === 'abort' ? 'danger' : action === 'promote' ? '' : 'secondary', id: `canary-${action}`,
    onclick: async () => {
      if (question && !confirm(question)) return;
      try {
        await api(`${base}/progressive/${action}?${q}`, { method: 'POST' });
        await refresh();
      } catch (e) { failed(e, `${action[0].toUpperCase()}${action.slice(1)}`); }
    },
  }, action[0].toUpperCase() + action.slice(1));
  const side = (label, health, version) => h('div', { class: 'canary-side', 'data-side': label },
    h('h3', {}, `${label} `, h('span', { class: 'mono' }, version)),
    health && health.calls ? h('div', { class: 'kv' },
      h('div', { class: 'muted' }, 'calls'), h('div', { class: 'calls' }, `${health.calls} (${health.callsPerSecond}/s)`),
      h('div', { class: 'muted' }, 'error rate'), h('div', { class: 'error-rate' }, percent(health.errorRate)),
      h('div', { class: 'muted' }, 'latency p50 / p95 / p99'), h('div', { class: 'mono' }, `${micros(health.latencyMicros.p50)} / ${micros(health.latencyMicros.p95)} / ${micros(health.latencyMicros.p99)}`))
      : h('p', { class: 'muted' }, 'no calls in this step yet'));
  const draw = () => {
    const colours = { baseline: '#2f6fdf', candidate: '#d08a00' };
    const lines = (pick) => [...series.entries()].map(([name, pts]) => ({ name, color: colours[name] || '#677283', points: pts.map((p) => [p.t, pick(p)]) }));
    charts.replaceChildren(
      lineChart('Error rate, last 30 s', lines((p) => p.errorRate), percent),
      lineChart('p99 latency, last 30 s', lines((p) => p.p99), micros),
      lineChart('Calls per second, last 30 s', lines((p) => p.rate), (v) => v.toFixed(1)));
  };
  const sample = async () => {
    if (!rollout) return;
    const health = await api(`${base}/versions?${q}&since=30s`);
    const now = Date.now();
    for (const [name, version] of [['baseline', rollout.baseline], ['candidate', rollout.candidate]]) {
      const v = health.versions.find((x) => x.version === version);
      const pts = series.get(name) || [];
      pts.push({ t: now, errorRate: v ? v.errorRate : null, p99: v ? v.latencyMicros.p99 : null, rate: v ? v.callsPerSecond : 0 });
      while (pts.length > 150) pts.shift();
      series.set(name, pts);
    }
    draw();
  };
  const showMoves = async () => {
    const history = await api(`${base}/history?${q}`);
    const noted = history.versions.filter((v) => v.note || v.strategy.strategy === 'progressive').slice(0, 30);
    moves.replaceChildren(noted.length ? h('table', { id: 'canary-moves-table' }, noted.map((v) => h('tr', { class: 'canary-move', 'data-event': v.note?.event || 'started' },
      h('td', {}, `v${v.version}`), h('td', {}, h('span', { class: `badge ${v.note?.event === 'rolled-back' || v.note?.event === 'aborted' ? 'error' : v.note?.event === 'promoted' ? 'healthy' : 'degraded'}` }, v.note?.event || 'started')),
      h('td', {}, v.note?.message || describeStrategy(v.strategy)), h('td', { class: 'muted' }, `${ago(v.changedAt)} by ${v.changedBy}`))))
      : h('p', { class: 'muted' }, 'No rollout yet.'));
  };
  const refresh = async () => {
    // Asked only when the current strategy is a rollout, so that an ended one costs no failed request.
    const current = await api(`${base}?${q}`);
    rollout = null;
    if (current.strategy.strategy === 'progressive') {
      try {
        rollout = await api(`${base}/progressive?${q}`);
      } catch (e) {
        if (e.status !== 404) throw e;
      }
    }
    await showMoves();
    if (!rollout) {
      status.replaceChildren(h('p', { id: 'canary-none' }, 'No progressive rollout is running here now; its moves are below.'));
      actions.replaceChildren();
      sides.replaceChildren();
      return;
    }
    dueAt = Date.parse(rollout.nextJudgementAt);
    const f = rollout.figures;
    status.replaceChildren(h('div', { class: 'canary-summary' },
      h('span', { class: 'mono', id: 'canary-versions' }, `${rollout.baseline} → ${rollout.candidate}`), ' · ',
      h('strong', { id: 'canary-step' }, `step ${rollout.step} of ${rollout.steps.length}: ${rollout.percent}% to the candidate`),
      rollout.paused ? h('span', { class: 'badge degraded', id: 'canary-paused', style: 'margin-left:8px' }, 'paused') : null, ' · ',
      h('span', { id: 'canary-due' }), ' · ',
      h('span', { id: 'canary-decision' }, `now: ${rollout.decisionNow.move} (${rollout.decisionNow.reason})`)));
    actions.replaceChildren(rollout.paused ? act('resume') : act('pause'),
      ' ', act('promote', `Send all of ${service}'s calls in ${env} to ${rollout.candidate} now?`),
      ' ', act('abort', `Send all of ${service}'s calls in ${env} back to ${rollout.baseline} now?`));
    sides.replaceChildren(h('div', { class: 'charts', style: 'grid-template-columns:1fr 1fr' },
      side('baseline', f.baseline, rollout.baseline), side('candidate', f.candidate, rollout.candidate)));
  };
  const tick = () => {
    const due = document.getElementById('canary-due');
    if (due && rollout) {
      const secs = Math.max(0, Math.round((dueAt - Date.now()) / 1000));
      due.textContent = rollout.paused ? 'judging paused' : secs > 0 ? `next judgement in ${secs} s` : 'judged every second now (waiting for enough calls)';
    }
  };
  try {
    await refresh();
    await sample();
    tick();
  } catch (e) { failed(e, 'Canary'); }
  const timers = [setInterval(() => refresh().catch((e) => failed(e, 'Canary')), 3000),
    setInterval(() => sample().catch(() => undefined), 2000), setInterval(tick, 1000)];
  cleanup.push(() => timers.forEach(clearInterval));
}

async function toggleHistory(service, env, detail, describe) {
  if (!detail.hidden) { detail.hidden = true; return; }
  const cell = detail.firstChild;
  const [history, standing] = await Promise.all([
    api(`/api/v1/routing/${encodeURIComponent(service)}/history?environment=${encodeURIComponent(env)}`),
    api(`/api/v1/routing/${encodeURIComponent(service)}/nodes`)]);
  const latest = history.versions[0]?.version;
  cell.replaceChildren(
    history.versions.length ? h('table', { class: 'history' }, history.versions.map((v) => h('tr', { 'data-version': v.version },
      h('td', {}, `v${v.version}`), h('td', {}, describe(v.strategy), v.note ? h('div', { class: 'muted note' }, `${v.note.event}: ${v.note.message}`) : null), h('td', { class: 'muted' }, `${v.changedAt} by ${v.changedBy}${v.rollbackOf ? ` (rollback to v${v.rollbackOf})` : ''}`),
      h('td', {}, v.version === latest ? h('span', { class: 'badge healthy' }, 'current') : h('button', {
        class: 'danger rollback-button', 'data-version': v.version,
        onclick: async () => {
          if (!confirm(`Make version ${v.version} (${describe(v.strategy)}) of ${service} in ${env} current again? Clients follow within seconds.`)) return;
          try {
            await api(`/api/v1/routing/${encodeURIComponent(service)}/rollback?environment=${encodeURIComponent(env)}&to=${v.version}`, { method: 'POST' });
            routingView();
          } catch (e) { failed(e, 'Rollback'); }
        },
      }, `Roll back to v${v.version}`)))))
      : h('p', { class: 'muted' }, 'Never changed: round robin.'),
    h('h2', { style: 'margin-top:12px' }, 'Nodes ', h('span', { class: 'muted' }, `over the last ${standing.lookbackSeconds} s`)),
    standing.nodes.length ? h('table', {}, h('tr', {}, ['node', 'standing', 'calls', 'failures', 'error rate', 'weight', 'ejected until'].map((t) => h('th', {}, t))),
      standing.nodes.map((n) => h('tr', {}, h('td', { class: 'mono' }, n.node), h('td', {}, h('span', { class: `badge ${n.standing}` }, n.standing)),
        h('td', {}, n.calls), h('td', {}, n.failures), h('td', {}, percent(n.errorRate)), h('td', {}, n.weight), h('td', {}, n.ejectedUntil || ''))))
      : h('p', { class: 'muted' }, 'No calls reported in that time.'));
  detail.hidden = false;
}

start();
