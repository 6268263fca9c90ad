// The staff dashboard: plain DOM and EventSource, no framework. Everything shown comes from the API with the
// signed-in staff member's scope; names are set with textContent only.
'use strict';

const main = document.getElementById('main');
const live = document.getElementById('live');
let stream = null;
let ticker = null;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) continue;
    if (key === 'class') node.className = value; else if (key === 'text') node.textContent = value; else node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

function setLive(state, text) { live.dataset.state = state; live.textContent = text; }

function minutesSince(iso) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60000));
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

function clock(iso) { return iso ? new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' }) : '–'; }

function closeStream() {
  if (stream) { stream.close(); stream = null; }
  if (ticker) { clearInterval(ticker); ticker = null; }
}

// An EventSource reconnects by itself and sends Last-Event-ID; a refusal (401/403) closes it for good.
function open(url, handlers) {
  closeStream();
  setLive('reconnecting', 'connecting…');
  const source = new EventSource(url);
  source.onopen = () => setLive('live', 'live');
  source.onerror = async () => {
    if (source.readyState === EventSource.CLOSED) {
      setLive('reconnecting', 'disconnected');
      const session = await fetch('/api/v1/session');
      if (session.status === 401) { showSignIn('Your session has ended; sign in again.'); return; }
      // Signed in, but this feed refused or failed: say so, and try again in a while.
      main.replaceChildren(el('h1', { text: 'Not available' }),
        el('p', { class: 'empty', id: 'notice', text: 'This feed is not available to you (not one of your branches), or the silo is busy. Retrying…' }),
        el('p', {}, el('a', { href: '#/', text: 'Back to your branches' })));
      setTimeout(() => { if (stream === source) route(); }, 5000);
    } else {
      setLive('reconnecting', 'reconnecting…');
    }
  };
  for (const [name, handler] of Object.entries(handlers)) {
    source.addEventListener(name, e => handler(JSON.parse(e.data)));
  }
  stream = source;
}

// ---- All branches -------------------------------------------------------------------------------------------

function sparkline(peaks, day) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', `0 0 ${peaks.length - 1} 10`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  const now = new Date();
  const isToday = day === now.toISOString().slice(0, 10);
  const upTo = isToday ? Math.min(peaks.length - 1, Math.floor((now.getUTCHours() * 60 + now.getUTCMinutes()) / (1440 / peaks.length))) : peaks.length - 1;
  const top = Math.max(1, ...peaks);
  const points = peaks.slice(0, upTo + 1).map((p, i) => `${i},${(10 - (p / top) * 9.5).toFixed(2)}`);
  svg.setAttribute('aria-label', `Peak today: ${Math.max(0, ...peaks)}`);
  if (points.length > 0) {
    const area = document.createElementNS(svg.namespaceURI, 'polygon');
    area.setAttribute('points', `0,10 ${points.join(' ')} ${upTo},10`);
    const line = document.createElementNS(svg.namespaceURI, 'polyline');
    line.setAttribute('points', points.length === 1 ? `0,${points[0].split(',')[1]} 1,${points[0].split(',')[1]}` : points.join(' '));
    svg.append(area, line);
  }
  return svg;
}

function showBranches() {
  document.getElementById('crumbs').replaceChildren();
  const branches = new Map();
  const grid = el('div', { class: 'grid', id: 'branches' });
  main.replaceChildren(el('h1', { text: 'Branches' }), grid);
  const render = () => {
    const cards = [...branches.values()].sort((a, b) => a.branchId.localeCompare(b.branchId)).map(b =>
      el('a', { class: 'card', href: `#/branch/${encodeURIComponent(b.branchId)}`, 'data-branch': b.branchId },
        el('div', { class: 'name', text: b.branchId }),
        el('div', {}, el('span', { class: 'count', text: String(b.occupancy) }), el('span', { class: 'unit', text: b.occupancy === 1 ? ' person inside' : ' people inside' })),
        sparkline(b.peakPerSlot, b.day)));
    grid.replaceChildren(...(cards.length ? cards : [el('p', { class: 'empty', text: 'No branch has reported anyone yet today.' })]));
  };
  open('/api/v1/branches/events', {
    snapshot: data => { branches.clear(); for (const b of data.branches) branches.set(b.branchId, b); render(); },
    branch: b => { branches.set(b.branchId, b); render(); },
  });
}

// ---- One branch ---------------------------------------------------------------------------------------------

const taskText = { pending: 'Task pending', delivered: 'Task assigned', failed: 'Task failed' };

function showBranch(branchId) {
  document.getElementById('crumbs').replaceChildren(el('a', { href: '#/', text: 'All branches' }), ' / ', branchId);
  const visitors = new Map();
  const cameras = new Map();
  const fresh = new Set();
  const heading = el('h1', { text: branchId });
  const people = el('div', { id: 'visitors' });
  const cameraList = el('div', { id: 'cameras' });
  main.replaceChildren(heading, el('h2', { text: 'In the branch now' }), people, el('h2', { text: 'Cameras' }), cameraList);

  const renderVisitors = () => {
    heading.textContent = `${branchId} · ${visitors.size} inside`;
    if (visitors.size === 0) { people.replaceChildren(el('p', { class: 'empty', text: 'Nobody is in the branch.' })); return; }
    const rows = [...visitors.values()].sort((a, b) => Date.parse(a.since) - Date.parse(b.since)).map(v =>
      el('tr', { 'data-visitor-id': v.visitorId, class: fresh.has(v.visitorId) ? 'fresh' : null },
        el('td', { 'data-label': 'Who' }, el('div', { class: 'visitor-label', text: v.label }),
          el('div', { class: 'kind', text: v.kind === 'customer' ? 'Customer' : 'Not enrolled' })),
        el('td', { 'data-label': 'In branch', class: 'since', 'data-since': v.since, text: minutesSince(v.since) }),
        el('td', { 'data-label': 'Last seen', text: `${v.lastCameraId ?? '–'} · ${clock(v.lastSeen)}` }),
        el('td', { 'data-label': 'Task' }, el('span', { class: `badge ${v.taskStatus}`, text: taskText[v.taskStatus] ?? v.taskStatus }))));
    fresh.clear();
    people.replaceChildren(el('table', { class: 'visitors' },
      el('thead', {}, el('tr', {}, ...['Who', 'In branch', 'Last seen by', 'Task'].map(h => el('th', { text: h })))),
      el('tbody', {}, ...rows)));
  };
  const renderCameras = () => {
    if (cameras.size === 0) { cameraList.replaceChildren(el('p', { class: 'empty', text: 'No camera has reported yet.' })); return; }
    cameraList.replaceChildren(el('div', { class: 'grid' }, ...[...cameras.values()].sort((a, b) => a.cameraId.localeCompare(b.cameraId)).map(c =>
      el('div', { class: 'card', 'data-camera-id': c.cameraId },
        el('div', { class: 'name', text: c.cameraId + (c.isExit ? ' (exit)' : '') }),
        el('span', { class: `badge ${c.health}`, text: c.health }),
        el('div', { class: 'muted', text: `${c.framesPerSecond.toFixed(1)} fps · heartbeat ${clock(c.lastHeartbeatAt)}` })))));
  };
  const upsert = v => { visitors.set(v.visitorId, v); fresh.add(v.visitorId); renderVisitors(); };
  open(`/api/v1/branches/${encodeURIComponent(branchId)}/events`, {
    snapshot: data => {
      visitors.clear(); cameras.clear();
      for (const v of data.visitors) visitors.set(v.visitorId, v);
      for (const c of data.cameras) cameras.set(c.cameraId, c);
      renderVisitors(); renderCameras();
    },
    'visit-opened': upsert,
    'visit-extended': upsert,
    'task-status': upsert,
    'visit-closed': data => { visitors.delete(data.visitorId); renderVisitors(); },
    camera: c => { cameras.set(c.cameraId, c); renderCameras(); },
  });
  renderVisitors(); renderCameras();
  ticker = setInterval(() => { for (const cell of people.querySelectorAll('td.since')) cell.textContent = minutesSince(cell.dataset.since); }, 15000);
}

// ---- Sign-in ------------------------------------------------------------------------------------------------

async function signIn(token) {
  const response = await fetch('/api/v1/session', { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) {
    showSignIn(response.status === 403 ? 'That token is not a staff token.' : 'That token was not accepted (expired, or from another silo?).');
    return false;
  }
  return true;
}

function showSignIn(message) {
  closeStream();
  setLive('idle', '');
  document.getElementById('who').textContent = '';
  document.getElementById('sign-out').hidden = true;
  const token = el('textarea', { id: 'token', 'aria-label': 'Staff token', placeholder: 'eyJ…', autocomplete: 'off', spellcheck: 'false' });
  const form = el('form', { class: 'sign-in' },
    el('p', {}, 'Open the sign-in link the silo printed (', el('code', { text: 'dotnet run --project silo -- --demo' }), ' prints one), or make one: ',
      el('code', { text: 'dotnet run --project silo -- tokens --role staff --branch <branch-id> --sign-in' }), '.'),
    el('label', { for: 'token', text: 'Or paste a staff token:' }), token,
    el('div', {}, el('button', { class: 'primary', type: 'submit', text: 'Sign in' })));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    if (await signIn(token.value.trim())) { location.replace('/#/'); start(); }
  });
  const provider = el('p', {});
  main.replaceChildren(el('h1', { text: 'Sign in' }), message ? el('p', { class: 'error', text: message }) : null, provider, form);
  // With the bank's provider (Auth:Mode=Oidc and Dashboard:OidcClientId set), the silo runs the code flow itself.
  fetch('/sign-in/options').then(r => r.ok ? r.json() : null).then(options => {
    if (options && options.providerSignIn) provider.replaceChildren(el('a', { class: 'button primary', href: '/sign-in/oidc', text: 'Sign in with your bank account' }));
  });
}

function route() {
  const match = location.hash.match(/^#\/branch\/([^/]+)$/);
  if (match) showBranch(decodeURIComponent(match[1])); else showBranches();
}

async function start() {
  // A sign-in link carries the token after '#', which browsers never send to a server: it is taken out of the
  // address at once and exchanged for the session cookie.
  if (location.pathname === '/sign-in') {
    const token = new URLSearchParams(location.hash.slice(1)).get('token');
    history.replaceState(null, '', '/');
    if (token && !(await signIn(token))) return;
    location.hash = '#/';
  }
  const session = await fetch('/api/v1/session');
  if (!session.ok) { showSignIn(session.status === 403 ? 'This token does not give access to the dashboard.' : ''); return; }
  const who = await session.json();
  document.getElementById('who').textContent = `${who.subject} · ${who.allBranches ? 'all branches' : who.branches.join(', ')}`;
  document.getElementById('sign-out').hidden = false;
  route();
}

document.getElementById('sign-out').addEventListener('click', async () => {
  await fetch('/api/v1/session', { method: 'DELETE' });
  showSignIn('Signed out.');
});
window.addEventListener('hashchange', () => { if (!document.getElementById('sign-out').hidden) route(); });
start();
