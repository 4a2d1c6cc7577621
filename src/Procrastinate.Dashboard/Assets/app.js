// Procrastinate dashboard: a small single-page app over the JSON API (api/...). No framework, no CDN.
(function () {
  'use strict';

  const base = document.baseURI;
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const readOnly = document.querySelector('meta[name="read-only"]').content === 'true';
  const main = document.getElementById('main');
  const STATUSES = ['todo', 'doing', 'succeeded', 'failed', 'cancelled', 'aborting', 'aborted'];
  const FILTERS = ['status', 'queue', 'task', 'lock', 'queueing_lock', 'id'];
  let config = { poll_seconds: 3, page_size: 50 };
  let current = null; // { key, rows }
  let refreshing = false;
  let again = false;
  let renders = 0; // renders started: only the latest one may draw, so a slow answer never replaces a newer page
  let shownKey = null; // the address whose content the page shows

  // ---- DOM helpers (text is always set as text, never parsed as HTML) ----
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }
  const svgNs = 'http://www.w3.org/2000/svg';
  function s(tag, attrs) {
    const el = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    return el;
  }
  const fmt = (n) => Number(n).toLocaleString('en-US');
  function time(t) {
    if (!t) return '—';
    const d = new Date(t);
    return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace('Z', ' UTC');
  }
  function ago(t) {
    const sec = Math.round((Date.now() - new Date(t).getTime()) / 1000);
    if (Math.abs(sec) < 60) return sec + ' s ago';
    if (Math.abs(sec) < 3600) return Math.round(sec / 60) + ' min ago';
    return Math.round(sec / 3600) + ' h ago';
  }
  const badge = (status) => h('span', { class: 'badge ' + status, 'data-status': status }, status);
  const link = (href, text) => h('a', { href, 'data-link': true }, text);
  function toast(message, error) {
    const t = document.getElementById('toast');
    t.textContent = message;
    t.className = 'toast show' + (error ? ' error' : '');
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { t.className = 'toast'; }, 3500);
  }

  // ---- API ----
  async function get(path) {
    const r = await fetch(new URL(path, base), { headers: { Accept: 'application/json' } });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
  async function post(path) {
    const r = await fetch(new URL(path, base), {
      method: 'POST',
      headers: { 'X-Procrastinate-Csrf': csrf, Accept: 'application/json', 'Content-Type': 'application/json' },
      body: '{}',
    });
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || r.statusText);
    return body;
  }
  async function act(path, what) {
    try {
      const result = await post(path);
      toast(what + ': ' + result.done + ' job' + (result.done === 1 ? '' : 's') + (result.skipped ? ', ' + result.skipped + ' left as they were' : ''));
    } catch (e) {
      toast(e.message, true);
    }
    refresh();
  }
  function actionButtons(job) {
    if (readOnly) return [];
    const buttons = [];
    const add = (action, label, cls) => buttons.push(h('button', {
      class: 'small ' + (cls || ''), 'data-action': action, onclick: (e) => { e.preventDefault(); e.stopPropagation(); act('api/jobs/' + job.id + '/' + action, label); },
    }, label));
    if (job.status === 'failed') add('retry', 'Retry');
    if (job.status === 'todo') add('cancel', 'Cancel');
    if (job.status === 'doing' || job.status === 'todo') add('abort', 'Abort', 'danger');
    if (['succeeded', 'failed', 'cancelled', 'aborted'].includes(job.status)) add('delete', 'Delete', 'danger');
    return buttons;
  }

  // ---- views ----
  const views = {
    async overview() {
      const stats = await get('api/stats');
      const t = stats.totals;
      const cards = h('div', { class: 'cards' },
        h('a', { class: 'card', href: 'jobs', 'data-link': true }, h('div', { class: 'label' }, 'All jobs'), h('div', { class: 'value', id: 'total-all' }, fmt(t.total))),
        STATUSES.filter((st) => st !== 'aborting').map((st) => h('a', { class: 'card', href: 'jobs?status=' + st, 'data-link': true },
          h('div', { class: 'label' }, st), h('div', { class: 'value', id: 'total-' + st }, fmt(t[st])))),
        h('a', { class: 'card', href: 'workers', 'data-link': true }, h('div', { class: 'label' }, 'Workers alive'),
          h('div', { class: 'value', id: 'workers-alive' }, stats.workers_alive + ' / ' + stats.workers)));
      const chart = h('div', { class: 'panel chart' }, h('h2', {}, 'Last hour, per minute'), drawChart(stats.minutes, stats.now),
        h('div', { class: 'legend' }, h('span', { class: 'deferred' }, 'deferred'), h('span', { class: 'succeeded' }, 'succeeded'), h('span', { class: 'failed' }, 'failed')));
      return [h('h1', {}, 'Overview'), cards, chart, h('div', { class: 'panel' }, h('h2', {}, 'Queues'), countsTable(stats.queues, 'queue'))];
    },

    async jobs(params) {
      const filters = {};
      for (const f of FILTERS) if (params.get(f)) filters[f] = params.get(f);
      const shown = Math.min(Math.max(current && current.rows || 0, config.page_size), 500);
      const query = new URLSearchParams(filters);
      query.set('limit', String(shown));
      const page = await get('api/jobs?' + query);
      const rows = page.jobs.slice();
      let next = page.next_before;
      const tbody = h('tbody');
      const renderRows = (jobs) => jobs.forEach((job) => tbody.append(jobRow(job)));
      renderRows(rows);
      if (current) current.rows = rows.length;
      const more = h('button', {
        id: 'load-more', hidden: next === null ? true : null, onclick: async () => {
          const q = new URLSearchParams(filters);
          q.set('before', String(next));
          const p = await get('api/jobs?' + q);
          renderRows(p.jobs);
          rows.push(...p.jobs);
          if (current) current.rows = rows.length;
          next = p.next_before;
          more.hidden = next === null;
        },
      }, 'Load more');
      const form = filterForm(filters);
      const bulk = readOnly ? h('span') : h('div', { class: 'actions' },
        ['retry', 'cancel', 'abort', 'delete'].map((action) => h('button', {
          class: 'small' + (action === 'abort' || action === 'delete' ? ' danger' : ''), 'data-bulk': action,
          onclick: () => {
            const what = Object.keys(filters).length ? 'the selected jobs' : 'ALL jobs';
            if (confirm(action[0].toUpperCase() + action.slice(1) + ' ' + what + ' where it applies?')) act('api/jobs/bulk/' + action + '?' + new URLSearchParams(filters), 'Bulk ' + action);
          },
        }, action[0].toUpperCase() + action.slice(1) + ' selection')));
      const table = h('table', { id: 'jobs-table' },
        h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Id'), h('th', {}, 'Task'), h('th', {}, 'Queue'), h('th', {}, 'Status'),
          h('th', { class: 'num' }, 'Attempts'), h('th', {}, 'Lock'), h('th', {}, 'Scheduled'), h('th', {}, ''))), tbody);
      return [h('h1', {}, 'Jobs'), form, h('div', { class: 'panel' },
        h('div', { class: 'toolbar' }, h('span', { class: 'muted' }, 'Newest first'), bulk),
        rows.length ? table : h('div', { class: 'empty' }, 'No job matches.'), h('div', { class: 'toolbar' }, h('span'), more))];
    },

    async job(params, id) {
      const detail = await get('api/jobs/' + id);
      const j = detail.job;
      const field = (k, v) => [h('dt', {}, k), h('dd', { 'data-field': k }, v)];
      const fields = h('dl', { class: 'fields' },
        field('Status', badge(j.status)), field('Task', link('jobs?task=' + encodeURIComponent(j.task), j.task)),
        field('Queue', link('jobs?queue=' + encodeURIComponent(j.queue), j.queue)), field('Priority', String(j.priority)),
        field('Attempts', String(j.attempts)), field('Lock', j.lock || '—'), field('Queueing lock', j.queueing_lock || '—'),
        field('Scheduled at', time(j.scheduled_at)), field('Abort requested', j.abort_requested ? 'yes' : 'no'),
        field('Worker', j.worker_id === null ? '—' : String(j.worker_id)));
      const events = h('ol', { class: 'timeline', id: 'events' }, detail.events.map((e) => h('li', { 'data-event': e.type }, h('time', {}, time(e.at)), h('span', {}, e.type))));
      const errors = detail.errors.map((e) => h('div', { class: 'panel attempt-error', 'data-attempt': e.attempt },
        h('div', { class: 'muted' }, 'Attempt ' + e.attempt + ' · ' + time(e.at)), h('div', { class: 'error-type' }, e.type + ': ' + e.message),
        e.details ? h('details', { 'data-key': 'attempt-' + e.attempt }, h('summary', {}, 'Details'), h('pre', {}, e.details)) : null));
      if (detail.errors_note || !errors.length) errors.push(h('div', { class: 'note', id: 'errors-note' }, detail.errors_note || 'This job has no failed attempt.'));
      return [h('div', { class: 'toolbar' }, h('h1', {}, 'Job #' + j.id), h('div', { class: 'actions', id: 'job-actions' }, actionButtons(j))),
        h('div', { class: 'grid2' }, h('div', { class: 'panel' }, h('h2', {}, 'Fields'), fields),
          h('div', { class: 'panel' }, h('h2', {}, 'Arguments'), h('pre', { id: 'args' }, JSON.stringify(j.args, null, 2)))),
        h('div', { class: 'panel' }, h('h2', {}, 'Events'), detail.events.length ? events : h('div', { class: 'empty' }, 'No event.')),
        h('div', { class: 'panel' }, h('h2', { id: 'errors-title' }, 'Errors'), errors)];
    },

    async queues() {
      return [h('h1', {}, 'Queues'), h('div', { class: 'panel' }, countsTable(await get('api/queues'), 'queue'))];
    },

    async locks() {
      return [h('h1', {}, 'Locks'), h('div', { class: 'panel' }, countsTable(await get('api/locks'), 'lock'))];
    },

    async workers() {
      const workers = await get('api/workers');
      const body = workers.map((w) => h('tr', { 'data-worker': w.id }, h('td', { class: 'num' }, String(w.id)),
        h('td', {}, w.alive ? h('span', { class: 'badge succeeded' }, 'alive') : h('span', { class: 'badge failed' }, 'stalled')),
        h('td', {}, time(w.last_heartbeat), h('div', { class: 'muted' }, ago(w.last_heartbeat))),
        h('td', {}, w.running_jobs.length ? w.running_jobs.map((j) => h('div', {}, link('jobs/' + j.id, '#' + j.id), ' ' + j.task + ' on ' + j.queue)) : h('span', { class: 'muted' }, 'idle'))));
      return [h('h1', {}, 'Workers'), h('div', { class: 'panel' }, workers.length
        ? h('table', {}, h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Id'), h('th', {}, 'State'), h('th', {}, 'Last heartbeat'), h('th', {}, 'Running jobs'))), h('tbody', {}, body))
        : h('div', { class: 'empty' }, 'No worker is registered.'))];
    },

    async periodic() {
      const rows = await get('api/periodic');
      return [h('h1', {}, 'Periodic tasks'), h('div', { class: 'panel' }, rows.length
        ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Task'), h('th', {}, 'Schedule'), h('th', {}, 'Time zone'), h('th', {}, 'Last tick'), h('th', {}, 'Next tick'))),
          h('tbody', {}, rows.map((p) => h('tr', {}, h('td', {}, p.task, p.periodic_id ? h('div', { class: 'muted' }, p.periodic_id) : null),
            h('td', {}, h('code', {}, p.cron)), h('td', {}, p.time_zone || 'UTC'),
            h('td', {}, p.last_tick ? [time(p.last_tick), ' ', p.last_job_id ? link('jobs/' + p.last_job_id, '#' + p.last_job_id) : null] : h('span', { class: 'muted' }, 'never')),
            h('td', {}, time(p.next_tick))))))
        : h('div', { class: 'empty' }, 'This app registers no periodic task.'))];
    },

    async tasks() {
      const [tasks, counts] = await Promise.all([get('api/tasks'), get('api/tasks/counts')]);
      const byName = Object.fromEntries(counts.map((c) => [c.name, c]));
      return [h('h1', {}, 'Tasks'), h('div', { class: 'panel' }, tasks.length
        ? h('table', {}, h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Queue'), h('th', { class: 'num' }, 'Priority'), h('th', {}, 'Lock'),
          h('th', {}, 'Queueing lock'), h('th', {}, 'Retry'), h('th', {}, 'Periodic'), h('th', { class: 'num' }, 'Jobs'))),
          h('tbody', {}, tasks.map((t) => h('tr', {}, h('td', {}, link('jobs?task=' + encodeURIComponent(t.name), t.name), t.aliases.length ? h('div', { class: 'muted' }, 'aliases: ' + t.aliases.join(', ')) : null),
            h('td', {}, t.queue), h('td', { class: 'num' }, String(t.priority)), h('td', {}, t.lock || '—'), h('td', {}, t.queueing_lock || '—'),
            h('td', {}, t.retry || 'no'), h('td', {}, t.periodic.length ? t.periodic.map((p) => h('div', {}, h('code', {}, p))) : '—'),
            h('td', { class: 'num' }, fmt(byName[t.name] ? byName[t.name].total : 0))))))
        : h('div', { class: 'empty' }, 'This app registers no task.'))];
    },
  };

  function jobRow(job) {
    return h('tr', { 'data-id': job.id },
      h('td', { class: 'num' }, link('jobs/' + job.id, '#' + job.id)), h('td', {}, job.task), h('td', {}, job.queue),
      h('td', {}, badge(job.status)), h('td', { class: 'num' }, String(job.attempts)), h('td', {}, job.lock || ''),
      h('td', {}, job.scheduled_at ? time(job.scheduled_at) : ''), h('td', {}, h('div', { class: 'actions' }, actionButtons(job))));
  }

  function countsTable(rows, kind) {
    if (!rows.length) return h('div', { class: 'empty' }, 'Nothing to show.');
    return h('table', { id: kind + 's-table' },
      h('thead', {}, h('tr', {}, h('th', {}, kind[0].toUpperCase() + kind.slice(1)), STATUSES.filter((st) => st !== 'aborting').map((st) => h('th', { class: 'num' }, st)), h('th', { class: 'num' }, 'total'))),
      h('tbody', {}, rows.map((r) => h('tr', { 'data-name': r.name }, h('td', {}, link('jobs?' + kind + '=' + encodeURIComponent(r.name), r.name)),
        STATUSES.filter((st) => st !== 'aborting').map((st) => h('td', { class: 'num' }, r[st] ? link('jobs?' + kind + '=' + encodeURIComponent(r.name) + '&status=' + st, fmt(r[st])) : '0')),
        h('td', { class: 'num' }, fmt(r.total))))));
  }

  function filterForm(filters) {
    const input = (name, label) => h('label', {}, label, h('input', { name, value: filters[name] || '', placeholder: 'any' }));
    const status = h('select', { name: 'status' }, h('option', { value: '' }, 'any'), STATUSES.map((st) => h('option', { value: st, selected: filters.status === st }, st)));
    const form = h('form', { class: 'filters', id: 'filters', onsubmit: (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      for (const [k, v] of new FormData(form)) if (String(v).trim()) q.set(k, String(v).trim());
      current.rows = 0;
      navigate('jobs' + (q.toString() ? '?' + q : ''));
    } }, h('label', {}, 'Status', status), input('queue', 'Queue'), input('task', 'Task'), input('lock', 'Lock'),
    input('queueing_lock', 'Queueing lock'), input('id', 'Id'), h('button', { class: 'primary', type: 'submit' }, 'Filter'),
    h('button', { type: 'button', onclick: () => { current.rows = 0; navigate('jobs'); } }, 'Clear'));
    return form;
  }

  function drawChart(minutes, now) {
    const width = 960, height = 200, pad = 28;
    const end = Math.floor(new Date(now).getTime() / 60000) * 60000;
    const slots = [];
    const byMinute = Object.fromEntries(minutes.map((m) => [new Date(m.minute).getTime(), m]));
    for (let i = 59; i >= 0; i--) slots.push(byMinute[end - i * 60000] || { deferred: 0, succeeded: 0, failed: 0 });
    const max = Math.max(1, ...slots.map((m) => Math.max(m.deferred, m.succeeded, m.failed)));
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Jobs per minute over the last hour', id: 'chart' });
    const x = (i) => pad + (i * (width - pad - 8)) / 59;
    const y = (v) => height - pad - (v * (height - 2 * pad)) / max;
    for (const f of [0, 0.5, 1]) {
      svg.append(s('line', { x1: pad, x2: width - 8, y1: y(max * f), y2: y(max * f), stroke: '#e5e7eb' }));
      const label = s('text', { x: 2, y: y(max * f) + 4, 'font-size': 11, fill: '#6b7280' });
      label.textContent = String(Math.round(max * f));
      svg.append(label);
    }
    [['-60 min', 0], ['-30 min', 30], ['now', 59]].forEach(([t, i]) => {
      const label = s('text', { x: x(i) - (i === 59 ? 20 : 0), y: height - 8, 'font-size': 11, fill: '#6b7280' });
      label.textContent = t;
      svg.append(label);
    });
    [['deferred', '#2563eb'], ['succeeded', '#059669'], ['failed', '#dc2626']].forEach(([k, color]) => {
      svg.append(s('polyline', { points: slots.map((m, i) => x(i) + ',' + y(m[k])).join(' '), fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round' }));
    });
    return svg;
  }

  // ---- routing ----
  function route() {
    const url = new URL(location.href);
    const rel = url.pathname.slice(new URL(base).pathname.length).replace(/\/$/, '');
    const m = rel.match(/^jobs\/(\d+)$/);
    if (m) return { name: 'job', id: m[1], params: url.searchParams, nav: 'jobs' };
    const name = rel === '' ? 'overview' : rel;
    return { name: views[name] ? name : 'overview', params: url.searchParams, nav: name };
  }

  // A navigation (full) always draws its page. A live refresh of the page already shown draws only when the user is
  // not in the filter form, and keeps that form as it is (a filter chosen but not yet applied survives the refresh).
  // Renders overlap (a refresh may be waiting for its answer when the user navigates): only the latest one draws.
  async function render(full) {
    const mine = ++renders;
    const r = route();
    const key = location.href;
    if (full || !current || current.key !== key) current = { key, rows: 0 };
    for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.view === r.nav);
    let content;
    try {
      content = (await views[r.name](r.params, r.id)).flat();
    } catch (e) {
      content = [h('h1', {}, 'Error'), h('div', { class: 'note' }, e.message)];
    }
    if (mine !== renders || key !== location.href) return;
    const form = document.getElementById('filters');
    if (!full && shownKey === key && form) {
      if (document.activeElement && form.contains(document.activeElement)) return;
      const at = content.findIndex((node) => node.id === 'filters');
      if (at >= 0) content[at] = form;
    }
    // A refresh of the same page keeps open what the user opened (details[data-key]).
    const opened = !full && shownKey === key ? [...main.querySelectorAll('details[open][data-key]')].map((d) => d.dataset.key) : [];
    main.replaceChildren(...content);
    for (const d of main.querySelectorAll('details[data-key]')) if (opened.includes(d.dataset.key)) d.open = true;
    shownKey = key;
    document.title = 'Procrastinate · ' + (r.name === 'job' ? 'Job #' + r.id : r.name[0].toUpperCase() + r.name.slice(1));
  }

  async function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    try { await render(false); } finally {
      refreshing = false;
      if (again) { again = false; refresh(); }
    }
  }

  function navigate(href) {
    history.pushState(null, '', new URL(href, base));
    current = null;
    render(true);
  }

  document.addEventListener('click', (e) => {
    const a = e.target.closest('a[data-link]');
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(a.getAttribute('href'));
  });
  window.addEventListener('popstate', () => { current = null; render(true); });

  // ---- live updates: server-sent events, polling when they do not come ----
  const live = document.getElementById('live');
  let lastEvent = Date.now();
  function connect() {
    if (!window.EventSource) return;
    const source = new EventSource(new URL('api/live', base));
    source.addEventListener('hello', () => { live.className = 'live on'; live.textContent = 'live'; lastEvent = Date.now(); });
    source.addEventListener('change', () => { lastEvent = Date.now(); live.className = 'live on'; live.textContent = 'live'; refresh(); });
    source.onerror = () => { live.className = 'live polling'; live.textContent = 'polling'; };
  }
  setInterval(() => {
    if (Date.now() - lastEvent > config.poll_seconds * 2000) {
      live.className = 'live polling';
      live.textContent = 'polling';
      refresh();
    }
  }, 1000);

  (async () => {
    try { config = await get('api/config'); } catch (e) { /* defaults */ }
    if (readOnly) document.getElementById('mode').textContent = 'read-only';
    await render(true);
    connect();
  })();
})();
