// milterwatch dashboard: plain browser JavaScript, no build step, nothing from another origin.
// Every value from the API reaches the page as text (textContent / text nodes), never as HTML.
'use strict';

(() => {
  // Most urgent first: the order of the groups on the page.
  const STATES = ['REGRESSED', 'EXPOSED', 'SERVICE_DOWN', 'STALE', 'REMEDIATED', 'UNKNOWN', 'NOT_EXPOSED'];
  const TOKEN_KEY = 'milterwatch.token';
  const FEED_MAX = 200;
  const REFRESH_MS = 10000;
  const RETRY_MS = 5000;

  const model = {
    targets: [],
    summary: null,
    cursor: null,
    next: null,
    previous: [],
    failingCursor: null,
    failingNext: null,
    failingPrevious: [],
    alerts: [],
    alertIds: new Set(),
    fresh: new Set(),
    stateFilter: 'ALL',
    text: '',
    selected: null,
    history: null,
    open: new Set(),
    started: false,
  };

  const $ = (selector) => document.querySelector(selector);

  /** Builds an element; strings become text nodes, so data can never turn into markup. */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) {
        continue;
      }
      if (k === 'class') {
        e.className = v;
      } else if (k === 'dataset') {
        Object.assign(e.dataset, v);
      } else if (k.startsWith('on')) {
        e.addEventListener(k.slice(2), v);
      } else {
        e.setAttribute(k, v === true ? '' : String(v));
      }
    }
    for (const c of children.flat(Infinity)) {
      if (c !== null && c !== undefined && c !== false) {
        e.append(c instanceof Node ? c : String(c));
      }
    }
    return e;
  }

  function time(ms) {
    if (!ms) {
      return '-';
    }
    return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  }

  function badge(state) {
    return el('span', { class: 'badge state-' + state, dataset: { state } }, state);
  }

  // ------------------------------------------------------------------ token

  function token() {
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Fragment parameters (#token=...&target=...): never sent to the server, unlike a query. */
  function fragment() {
    return new URLSearchParams(location.hash.slice(1));
  }

  function setFragment(params) {
    const rest = params.toString();
    window.history.replaceState(null, '', location.pathname + location.search + (rest ? '#' + rest : ''));
  }

  /** Takes a token given once as #token=TOKEN into this tab's session storage and out of the address bar. */
  function takeTokenFromFragment() {
    const params = fragment();
    const given = params.get('token');
    if (given !== null) {
      if (given) {
        sessionStorage.setItem(TOKEN_KEY, given);
      }
      params.delete('token');
      setFragment(params);
    }
  }

  class Unauthorized extends Error {
  }

  async function api(path) {
    const headers = { Accept: 'application/json' };
    const t = token();
    if (t) {
      headers.Authorization = 'Bearer ' + t;
    }
    const r = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' });
    if (r.status === 401) {
      throw new Unauthorized(path);
    }
    const body = await r.json().catch(() => null);
    if (!r.ok) {
      throw new Error((body && body.error) || (path + ': HTTP ' + r.status));
    }
    return body;
  }

  function askForToken(refused) {
    stopLive();
    model.started = false;
    $('#login').hidden = false;
    showProblem(refused ? 'The token was refused; enter the one in processor.http.token.' : null);
    $('#token-input').focus();
  }

  function handle(e) {
    if (e instanceof Unauthorized) {
      const refused = token() !== null;
      sessionStorage.removeItem(TOKEN_KEY);
      askForToken(refused);
    } else {
      showProblem(e && e.message ? e.message : String(e));
    }
  }

  function showProblem(message) {
    const p = $('#problem');
    p.textContent = message || '';
    p.hidden = !message;
  }

  // ------------------------------------------------------------------ live feed (server-sent events)

  let source = null;
  let missed = false;
  let retry = null;

  function setStatus(status) {
    const s = $('#live-status');
    s.dataset.status = status;
    s.textContent = status;
  }

  function connectLive() {
    if (source || retry) {
      return;
    }
    const t = token();
    // EventSource cannot send headers: the token goes as a query parameter on this one endpoint.
    source = new EventSource('/api/transitions' + (t ? '?access_token=' + encodeURIComponent(t) : ''));
    setStatus('connecting');
    source.addEventListener('open', () => {
      setStatus('live');
      if (missed) {
        missed = false;
        loadAlerts().catch(handle);
        refreshOverview().catch(handle);
      }
    });
    source.addEventListener('transition', (ev) => {
      let alert;
      try {
        alert = JSON.parse(ev.data);
      } catch (e) {
        return;
      }
      addAlerts([alert], true);
      scheduleRefresh();
      if (model.selected === alert.key) {
        loadHistory(alert.key).catch(handle);
      }
    });
    source.addEventListener('error', () => {
      missed = true;
      if (source && source.readyState === EventSource.CLOSED) {
        // refused (a 401 ends the stream for good) or the server is gone: find out which, then retry
        source = null;
        setStatus('disconnected');
        retry = setTimeout(() => {
          retry = null;
          api('/api/alerts?limit=1').then(connectLive, handle);
        }, RETRY_MS);
      } else {
        setStatus('reconnecting');
      }
    });
  }

  function stopLive() {
    if (source) {
      source.close();
      source = null;
    }
    if (retry) {
      clearTimeout(retry);
      retry = null;
    }
    setStatus('disconnected');
  }

  // ------------------------------------------------------------------ alerts

  async function loadAlerts() {
    addAlerts(await api('/api/alerts?limit=100'), false);
  }

  function addAlerts(list, live) {
    let added = false;
    for (const a of list || []) {
      if (!a || !a.alertId || model.alertIds.has(a.alertId)) {
        continue;
      }
      model.alertIds.add(a.alertId);
      model.alerts.push(a);
      if (live) {
        model.fresh.add(a.alertId);
      }
      added = true;
    }
    if (!added) {
      return;
    }
    model.alerts.sort((x, y) => y.createdAtMs - x.createdAtMs);
    while (model.alerts.length > FEED_MAX) {
      const gone = model.alerts.pop();
      model.alertIds.delete(gone.alertId);
      model.fresh.delete(gone.alertId);
    }
    renderFeed();
  }

  function renderFeed() {
    const items = model.alerts.map((a) => el('li', {
      class: 'alert sev-' + a.severity + (model.fresh.has(a.alertId) ? ' fresh' : ''),
      dataset: { alertId: a.alertId, key: a.key, toState: a.toState },
    },
    el('div', { class: 'line' },
      el('time', null, time(a.createdAtMs)), ' ',
      el('span', { class: 'severity' }, a.severity), ' ',
      badge(a.toState), ' ',
      el('button', { type: 'button', class: 'link', onclick: () => openHistory(a.key) }, a.key),
      el('span', { class: 'muted' }, ' (was ', a.fromState, ')')),
    el('div', { class: 'summary' }, a.summary)));
    $('#feed').replaceChildren(...items);
  }

  // ------------------------------------------------------------------ endpoints: counts, one page, failing targets

  // Nothing here fetches the whole estate: counts come from /api/summary (counters), endpoints one page
  // at a time from /api/state?limit= (filtered and searched by the server), failing targets a page at a time.
  const PAGE_SIZE = 100;
  const FAILING_PAGE = 50;
  let refreshTimer = null;
  let searchTimer = null;

  function scheduleRefresh() {
    if (!refreshTimer) {
      refreshTimer = setTimeout(() => {
        refreshTimer = null;
        refreshOverview().catch(handle);
      }, 300);
    }
  }

  /** What is on screen, again: the counts, the page shown (same cursor, same filters) and the failing targets. */
  async function refreshOverview() {
    await Promise.all([loadSummary(), loadPage(), loadFailing()]);
  }

  async function loadSummary() {
    const body = await api('/api/summary');
    model.summary = body;
    $('#updated').textContent = 'updated ' + time(body.generatedAtMs);
    const problems = [];
    if ((body.unavailable || []).length) {
      problems.push('Not every instance answered: ' + body.unavailable.join('; '));
    }
    if (body.undecodableStoreValues) {
      problems.push('Degraded: ' + body.undecodableStoreValues + ' stored value(s) could not be decoded and went to the DLQ'
        + ' (see `milterwatch state`)');
    }
    showProblem(problems.length ? problems.join(' ') : null);
    $('#summary').textContent = body.endpoints + ' endpoint(s) of ' + body.targets + ' target(s); '
      + body.failingTargets + ' failing target(s)';
    renderStateFilter();
  }

  function pageQuery() {
    const q = new URLSearchParams();
    q.set('limit', String(PAGE_SIZE));
    if (model.cursor) {
      q.set('cursor', model.cursor);
    }
    if (model.stateFilter !== 'ALL') {
      q.set('state', model.stateFilter);
    }
    if (model.text.trim()) {
      q.set('q', model.text.trim());
    }
    return q.toString();
  }

  async function loadPage() {
    const asked = pageQuery();
    const body = await api('/api/state?' + asked);
    if (asked !== pageQuery()) {
      return; // the filters or the page changed while this one was on its way
    }
    model.targets = body.items || [];
    model.next = body.next;
    if ((body.unavailable || []).length) {
      showProblem('Not every instance answered; this page may miss endpoints: ' + body.unavailable.join('; '));
    }
    renderTargets();
    if (model.selected) {
      renderHistory();
    }
    if (window.milterwatchFirstPaintMs === undefined) {
      window.milterwatchFirstPaintMs = performance.now();
    }
  }

  /** A new filter or search: back to the first page. */
  function restart() {
    model.cursor = null;
    model.previous = [];
    loadPage().catch(handle);
  }

  function nextPage() {
    if (model.next) {
      model.previous.push(model.cursor);
      model.cursor = model.next;
      loadPage().catch(handle);
    }
  }

  function previousPage() {
    if (model.previous.length) {
      model.cursor = model.previous.pop();
      loadPage().catch(handle);
    }
  }

  function renderTargets() {
    const shown = model.targets;
    const present = [...new Set(shown.map((t) => t.state))];
    const groups = STATES.concat(present.filter((s) => !STATES.includes(s)))
      .map((state) => ({ state, items: shown.filter((t) => t.state === state) }))
      .filter((g) => g.items.length > 0)
      .map((g) => el('section', { class: 'group', dataset: { state: g.state } },
        el('h2', null, badge(g.state), ' ', el('span', { class: 'count' }, g.items.length), el('span', { class: 'muted' }, ' on this page')),
        g.items.map(card)));
    $('#targets').replaceChildren(...groups);
    const page = model.previous.length + 1;
    $('#page-info').textContent = 'page ' + page + (shown.length ? ': ' + shown[0].key + ' … ' + shown[shown.length - 1].key : '');
    $('#prev').disabled = model.previous.length === 0;
    $('#next').disabled = !model.next;
    const none = $('#no-targets');
    const filtered = model.stateFilter !== 'ALL' || model.text.trim();
    if (shown.length === 0 && !filtered && model.previous.length === 0) {
      none.textContent = 'No ip:port has a state yet: add a target (milterwatch targets add HOST:PORT) and wait for its first probe.';
    } else if (shown.length === 0) {
      none.textContent = model.next ? 'Nothing matches on this stretch of the estate; try the next page.' : 'Nothing matches the filter.';
    }
    none.hidden = shown.length > 0;
  }

  /** The state buttons: made once, then only their counts and pressed state change (a click never meets a replaced button). */
  function renderStateFilter() {
    const by = (model.summary && model.summary.byState) || {};
    const total = model.summary ? model.summary.endpoints : 0;
    const box = $('#state-filter');
    if (!box.children.length) {
      const button = (state, label) => el('button', {
        type: 'button',
        class: 'chip',
        dataset: { state },
        onclick: () => {
          model.stateFilter = model.stateFilter === state && state !== 'ALL' ? 'ALL' : state;
          renderStateFilter();
          restart();
        },
      }, label, ' ', el('span', { class: 'count' }, '0'));
      box.replaceChildren(button('ALL', 'all'), ...STATES.map((s) => button(s, s)));
    }
    for (const b of box.children) {
      const state = b.dataset.state;
      const n = state === 'ALL' ? total : (by[state] || 0);
      b.querySelector('.count').textContent = String(n);
      b.classList.toggle('empty', n === 0);
      b.setAttribute('aria-pressed', model.stateFilter === state ? 'true' : 'false');
    }
  }

  /** One page of failing targets at a time, following the server's cursor (however many there are). */
  async function loadFailing() {
    const q = new URLSearchParams({ failing: 'true', limit: String(FAILING_PAGE) });
    if (model.failingCursor) {
      q.set('cursor', model.failingCursor);
    }
    const body = await api('/api/targets?' + q.toString());
    const items = body.items || [];
    if (items.length === 0 && model.failingCursor) {
      // The page shown has emptied (its targets recovered): back to the first page.
      model.failingCursor = null;
      model.failingPrevious = [];
      return loadFailing();
    }
    model.failingNext = body.next || null;
    $('#failing').hidden = items.length === 0;
    $('#failing-count').textContent = model.summary ? String(model.summary.failingTargets) : String(items.length);
    $('#failing-more').hidden = !model.failingNext;
    $('#failing-prev').hidden = model.failingPrevious.length === 0;
    $('#failing-page').textContent = model.failingPrevious.length || model.failingNext
      ? 'page ' + (model.failingPrevious.length + 1) : '';
    $('#failing-list').replaceChildren(...items.map((t) => el('li', { class: 'failing-target', dataset: { id: t.id } },
      el('code', { class: 'target-id' }, t.id), ' ',
      (t.ports || []).length || (t.portRanges || []).length
        ? el('span', { class: 'muted' }, 'ports ', [...(t.ports || []), ...(t.portRanges || [])].join(','), ' ') : null,
      el('span', { class: 'error' }, t.error),
      el('span', { class: 'muted' }, ' · last probed ', time(t.lastProbedAtMs), ' · failing since ', time(t.failingSinceMs)))));
  }

  /** A details element whose open state survives the periodic re-render. */
  function details(id, summary, ...body) {
    const d = el('details', { open: model.open.has(id) }, el('summary', null, summary), ...body);
    d.addEventListener('toggle', () => (d.open ? model.open.add(id) : model.open.delete(id)));
    return d;
  }

  function card(t) {
    const vantages = Object.values(t.vantages || {}).sort((a, b) => a.vantage.localeCompare(b.vantage));
    const labels = Object.entries(t.labels || {});
    const lines = t.recentFirewallLines || [];
    return el('article', { class: 'target', dataset: { key: t.key, state: t.state } },
      el('header', null,
        el('h3', null, el('code', { class: 'key' }, t.key)), ' ',
        badge(t.state), ' ',
        t.product ? el('span', { class: 'product' }, t.product) : null,
        el('button', { type: 'button', class: 'history-button', onclick: () => openHistory(t.key) }, 'history')),
      el('p', { class: 'meta' },
        t.targetId && t.targetId !== t.key ? ['target ', el('code', { class: 'target-id' }, t.targetId), ' · '] : null,
        'since ', time(t.sinceMs), ' (was ', t.previousState, ') · last evidence ', time(t.lastSeenMs),
        ' · allowed zones ', (t.allowedZones || []).join(', ')),
      labels.length ? el('ul', { class: 'labels' }, labels.map(([k, v]) => el('li', { class: 'label' }, k, '=', v))) : null,
      t.lastAlert ? el('p', { class: 'last-alert' }, el('span', { class: 'severity' }, t.lastAlert.severity), ' ', t.lastAlert.summary) : null,
      vantages.length ? el('table', { class: 'vantages' },
        el('thead', null, el('tr', null, ['vantage', 'zone', 'last result', 'product', 'probed'].map((h) => el('th', null, h)))),
        el('tbody', null, vantages.map((v) => el('tr', { dataset: { vantage: v.vantage } },
          el('td', null, v.vantage), el('td', null, v.zone), el('td', { class: 'outcome outcome-' + v.outcome }, v.outcome),
          el('td', null, v.product || ''), el('td', null, time(v.probedAtMs)))))) : el('p', { class: 'muted' }, 'no probe result yet'),
      el('p', { class: 'firewall' },
        'firewall, from disallowed zones: ',
        el('span', { class: 'counter', dataset: { counter: 'allowedFromDisallowed' } }, t.allowedFromDisallowed), ' allowed, ',
        el('span', { class: 'counter', dataset: { counter: 'blockedFromDisallowed' } }, t.blockedFromDisallowed), ' blocked; from allowed zones: ',
        el('span', { class: 'counter', dataset: { counter: 'allowedFromAllowed' } }, t.allowedFromAllowed), ' allowed, ',
        el('span', { class: 'counter', dataset: { counter: 'blockedFromAllowed' } }, t.blockedFromAllowed), ' blocked',
        t.lateFirewallEvents ? ['; ', t.lateFirewallEvents, ' late'] : null),
      lines.length ? details(t.key + ' lines', lines.length + ' recent firewall line(s)', el('pre', { class: 'lines' }, lines.join('\n'))) : null,
      t.remediation ? details(t.key + ' remediation', 'remediation', el('pre', { class: 'remediation' }, t.remediation)) : null);
  }

  // ------------------------------------------------------------------ history of one ip:port

  async function openHistory(key) {
    model.selected = key;
    model.history = null;
    const params = fragment();
    params.set('target', key);
    setFragment(params);
    renderHistory();
    await loadHistory(key).catch(handle);
    $('#history').scrollIntoView({ block: 'nearest' });
  }

  function closeHistory() {
    model.selected = null;
    model.history = null;
    const params = fragment();
    params.delete('target');
    setFragment(params);
    renderHistory();
  }

  async function loadHistory(key) {
    const body = await api('/api/history/' + encodeURIComponent(key));
    if (model.selected === key) {
      model.history = body;
      renderHistory();
    }
  }

  function renderHistory() {
    const section = $('#history');
    const key = model.selected;
    if (!key) {
      section.hidden = true;
      section.replaceChildren();
      return;
    }
    const t = model.targets.find((x) => x.key === key);
    const h = model.history;
    const items = h ? h.alerts.map((a) => el('li', { class: 'transition sev-' + a.severity, dataset: { alertId: a.alertId, toState: a.toState } },
      el('div', { class: 'line' },
        el('span', { class: 'number' }, '#' + a.alertId.slice(a.alertId.lastIndexOf('#') + 1)), ' ',
        el('time', null, time(a.createdAtMs)), ' ',
        badge(a.fromState), ' → ', badge(a.toState), ' ',
        el('span', { class: 'severity' }, a.severity)),
      el('div', { class: 'summary' }, a.summary),
      a.evidence ? el('div', { class: 'evidence muted' }, 'probe: vantage ', a.evidence.vantage, ' (', a.evidence.zone, ') saw ', a.evidence.outcome,
        a.evidence.product ? [' (', a.evidence.product, ')'] : null, ' at ', time(a.evidence.probedAtMs)) : null,
      (a.firewallLines || []).length ? el('pre', { class: 'lines' }, a.firewallLines.join('\n')) : null,
      a.remediation ? details(a.alertId + ' remediation', 'remediation', el('pre', { class: 'remediation' }, a.remediation)) : null)) : [];
    section.replaceChildren(
      el('header', null,
        el('h2', null, 'History of ', el('code', { class: 'key' }, key)),
        t ? badge(t.state) : null,
        el('button', { type: 'button', class: 'close', onclick: closeHistory }, 'close')),
      !h ? el('p', { class: 'muted' }, 'loading...')
        : items.length ? el('ol', { id: 'transitions' }, items)
          : el('p', { class: 'muted', id: 'no-transitions' }, 'No transition of this ip:port is kept.'),
      h ? el('p', { class: 'muted' }, 'Oldest first; at most ', h.perKey, ' transitions are kept per ip:port',
        h.truncated ? ' (older ones of this ip:port were dropped)' : '',
        '. Transitions to NOT_EXPOSED raise no alert and are not listed.') : null);
    section.hidden = false;
  }

  // ------------------------------------------------------------------ start

  async function start() {
    try {
      await Promise.all([refreshOverview(), loadAlerts()]);
    } catch (e) {
      handle(e);
      return;
    }
    model.started = true;
    connectLive();
    const target = fragment().get('target');
    if (target) {
      openHistory(target);
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    takeTokenFromFragment();
    $('#search').addEventListener('input', (ev) => {
      model.text = ev.target.value;
      clearTimeout(searchTimer);
      searchTimer = setTimeout(restart, 250);
    });
    $('#next').addEventListener('click', nextPage);
    $('#prev').addEventListener('click', previousPage);
    $('#failing-more').addEventListener('click', () => {
      if (model.failingNext) {
        model.failingPrevious.push(model.failingCursor);
        model.failingCursor = model.failingNext;
        loadFailing().catch(handle);
      }
    });
    $('#failing-prev').addEventListener('click', () => {
      if (model.failingPrevious.length) {
        model.failingCursor = model.failingPrevious.pop();
        loadFailing().catch(handle);
      }
    });
    $('#login').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const input = $('#token-input');
      if (input.value) {
        sessionStorage.setItem(TOKEN_KEY, input.value);
      }
      input.value = '';
      $('#login').hidden = true;
      showProblem(null);
      start();
    });
    setInterval(() => {
      if (model.started) {
        refreshOverview().catch(handle);
      }
    }, REFRESH_MS);
    start();
  });
})();
