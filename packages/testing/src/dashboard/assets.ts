// The dashboard page: HTML, CSS and script served as they are written here (no build step, no
// external asset, nothing inline so the Content-Security-Policy can forbid inline code). The
// script builds every node with textContent: hit data (URLs, titles, metadata) is never markup.

/** Panels of breakdown tables: id, title, and the columns the script fills in. */
const PANELS: ReadonlyArray<readonly [id: string, title: string]> = [
  ['pages', 'Top pages'],
  ['entry-pages', 'Entry pages'],
  ['exit-pages', 'Exit pages'],
  ['referrers', 'Referrers'],
  ['channels', 'Channels'],
  ['utm', 'UTM parameters'],
  ['browsers', 'Browsers'],
  ['os', 'Operating systems'],
  ['platforms', 'Platforms'],
  ['countries', 'Countries'],
  ['languages', 'Languages'],
  ['events', 'Events'],
  ['tags', 'Tags'],
];

const panel = ([id, title]: readonly [string, string]) => `
      <section class="panel" aria-labelledby="${id}-title">
        <h2 id="${id}-title">${title}</h2>
        <div id="${id}" class="rows"><p class="empty">Nothing yet.</p></div>
      </section>`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Pirsch emulator dashboard</title>
  <link rel="icon" href="/_dashboard/icon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/_dashboard/app.css">
  <script src="/_dashboard/app.js" defer></script>
</head>
<body>
  <a class="skip" href="#main">Skip to the statistics</a>
  <header class="top">
    <div>
      <h1>Pirsch emulator</h1>
      <p class="sub">What your app sent, as Pirsch would show it. Local only: nothing leaves this machine.</p>
    </div>
    <div class="controls">
      <label for="range">Period</label>
      <select id="range">
        <option value="today">Today (UTC, by hour)</option>
        <option value="7d">Last 7 days</option>
        <option value="30d">Last 30 days</option>
      </select>
      <span id="connection" class="connection" role="status">Connecting…</span>
    </div>
  </header>
  <main id="main">
    <section class="panel faults" aria-labelledby="faults-title">
      <h2 id="faults-title">API faults</h2>
      <p class="hint">Switch the emulated API into a fault and watch your app's client retry, then catch up once it is back.</p>
      <div class="switches" role="group" aria-labelledby="faults-title">
        <button type="button" class="switch" data-mode="none" aria-pressed="true">Normal</button>
        <button type="button" class="switch" data-mode="fail" aria-pressed="false">Fail</button>
        <button type="button" class="switch" data-mode="hang" aria-pressed="false">Hang</button>
        <button type="button" class="switch" data-mode="unavailable" aria-pressed="false">Unavailable</button>
        <label class="status-pick" for="fail-status">Fail with</label>
        <select id="fail-status">
          <option value="503">503 Service Unavailable</option>
          <option value="500">500 Internal Server Error</option>
          <option value="502">502 Bad Gateway</option>
          <option value="504">504 Gateway Timeout</option>
          <option value="429">429 Too Many Requests</option>
        </select>
      </div>
      <p id="fault-state" class="fault-state" role="status">The API answers normally.</p>
    </section>

    <section class="totals" aria-label="Totals">
      <div class="total"><span class="label">Visitors</span><span class="value" id="total-visitors">0</span></div>
      <div class="total"><span class="label">Page views</span><span class="value" id="total-views">0</span></div>
      <div class="total"><span class="label">Sessions</span><span class="value" id="total-sessions">0</span></div>
      <div class="total"><span class="label">Bounce rate</span><span class="value" id="total-bounce">0%</span></div>
      <div class="total"><span class="label">Received</span><span class="value small" id="received">0 hits, 0 events</span></div>
    </section>

    <section class="panel chart-panel" aria-labelledby="chart-title">
      <h2 id="chart-title">Visitors and page views</h2>
      <div id="chart" class="chart"></div>
      <p class="legend"><span class="key visitors"></span> Visitors <span class="key views"></span> Page views</p>
    </section>

    <section class="panel feed-panel" aria-labelledby="feed-title">
      <h2 id="feed-title">Live feed</h2>
      <ol id="feed" class="feed" aria-live="polite" aria-relevant="additions"></ol>
      <p id="feed-empty" class="empty">Waiting for hits and events…</p>
    </section>

    <div class="grid">${PANELS.map(panel).join('')}
    </div>
  </main>
  <footer class="foot">@pirsch-node/testing · statistics computed by the emulator's own statistics API</footer>
</body>
</html>
`;

export const DASHBOARD_CSS = `:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #ffffff; --text: #1b1f24; --muted: #4a5561; --line: #d5dae0;
  --accent: #1f5fbf; --accent-2: #0b7a55; --bar: #dbe7fb; --warn: #9a2c00; --focus: #c24d00;
}
@media (prefers-color-scheme: dark) {
  :root { --bg: #121418; --panel: #1c1f25; --text: #eceff3; --muted: #b3bcc6; --line: #343a44;
    --accent: #7fb0ff; --accent-2: #5fd3a6; --bar: #24344f; --warn: #ffab80; --focus: #ffb454; }
}
* { box-sizing: border-box; }
html { font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
body { margin: 0; background: var(--bg); color: var(--text); }
h1 { font-size: 1.4rem; margin: 0; }
h2 { font-size: 1rem; margin: 0 0 .6rem; }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: .5rem; background: var(--panel); padding: .4rem .8rem; }
.skip:focus { left: .5rem; }
.top { display: flex; flex-wrap: wrap; gap: 1rem; justify-content: space-between; align-items: end;
  padding: 1rem clamp(.75rem, 3vw, 2rem); border-bottom: 1px solid var(--line); background: var(--panel); }
.sub, .hint, .foot, .empty { color: var(--muted); margin: .2rem 0 0; font-size: .9rem; }
.controls { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
select, button { font: inherit; color: var(--text); background: var(--panel); border: 1px solid var(--muted);
  border-radius: 6px; padding: .35rem .7rem; min-height: 2.25rem; }
button { cursor: pointer; }
button[aria-pressed="true"] { background: var(--accent); border-color: var(--accent); color: var(--panel); font-weight: 600; }
.connection { font-size: .85rem; color: var(--muted); }
.connection.live { color: var(--accent-2); }
main { padding: 1rem clamp(.75rem, 3vw, 2rem) 2rem; display: grid; gap: 1rem;
  grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 1rem; min-width: 0; }
.faults, .totals, .grid { grid-column: 1 / -1; }
.switches { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin-top: .6rem; }
.status-pick { margin-left: .5rem; }
.fault-state { margin: .6rem 0 0; font-weight: 600; }
.fault-state.down { color: var(--warn); }
.totals { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(9rem, 1fr)); }
.total { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: .8rem 1rem; }
.total .label { display: block; color: var(--muted); font-size: .85rem; }
.total .value { font-size: 1.6rem; font-weight: 700; }
.total .value.small { font-size: 1rem; }
.chart svg { width: 100%; height: auto; display: block; }
.chart .grid-line { stroke: var(--line); stroke-width: 1; }
.chart .axis { fill: var(--muted); font-size: 11px; }
.chart .bar-visitors { fill: var(--accent); }
.chart .line-views { fill: none; stroke: var(--accent-2); stroke-width: 2.5; }
.chart .dot-views { fill: var(--accent-2); }
.legend { font-size: .85rem; color: var(--muted); margin: .4rem 0 0; }
.key { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; vertical-align: -1px; margin-left: .6rem; }
.key.visitors { background: var(--accent); margin-left: 0; }
.key.views { background: var(--accent-2); }
.feed { list-style: none; margin: 0; padding: 0; max-height: 22rem; overflow-y: auto; font-size: .9rem; }
.feed li { padding: .35rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.feed time { color: var(--muted); font-variant-numeric: tabular-nums; margin-right: .4rem; }
.feed .kind { display: inline-block; min-width: 5.5rem; font-weight: 600; }
.feed .kind-event { color: var(--accent-2); }
.feed .kind-refused { color: var(--warn); }
.feed .who { color: var(--muted); display: block; font-size: .8rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fill, minmax(min(100%, 21rem), 1fr)); }
table { width: 100%; border-collapse: collapse; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .4rem 0 .2rem; }
th { text-align: left; color: var(--muted); font-weight: 600; font-size: .8rem; border-bottom: 1px solid var(--line); padding: .2rem .3rem; }
td { padding: .3rem; border-bottom: 1px solid var(--line); vertical-align: top; }
td.name { position: relative; overflow-wrap: anywhere; }
td.name .fill { position: absolute; inset: 2px auto 2px 0; background: var(--bar); border-radius: 3px; z-index: 0; }
td.name .text { position: relative; z-index: 1; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.meta { color: var(--muted); font-size: .8rem; }
.foot { padding: 0 clamp(.75rem, 3vw, 2rem) 1.5rem; }
@media (max-width: 760px) {
  main { grid-template-columns: minmax(0, 1fr); }
  .top { align-items: start; }
  h1 { font-size: 1.2rem; }
}
`;

export const DASHBOARD_ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f5fbf"/><path d="M3 12V8h2v4zm4 0V4h2v8zm4 0V6h2v6z" fill="#fff"/></svg>`;

// The page's script: plain ES2020, no template literals (it lives in one here), no innerHTML.
export const DASHBOARD_JS = String.raw`'use strict';
(function () {
  var SVG = 'http://www.w3.org/2000/svg';
  var FEED_MAX = 100;
  var byId = function (id) { return document.getElementById(id); };
  var range = 'today';
  var refreshing = false;
  var again = false;
  var timer = 0;
  var lastRefresh = 0;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  }
  function svg(tag, attributes) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, String(attributes[name])); });
    return node;
  }
  function int(value) { return (Number(value) || 0).toLocaleString('en-US'); }
  function percent(value) { return Math.round((Number(value) || 0) * 1000) / 10 + '%'; }
  function clock(time) {
    var date = new Date(time);
    if (isNaN(date.getTime())) return String(time);
    return [date.getHours(), date.getMinutes(), date.getSeconds()].map(function (n) { return String(n).padStart(2, '0'); }).join(':');
  }

  // --- tables ----------------------------------------------------------------------------------
  /** columns: [{ title, value(row), num?: true }]; the first column is the name, with a share bar. */
  function table(rows, columns, share, caption) {
    var t = el('table');
    if (caption) t.appendChild(el('caption', '', caption));
    var head = el('thead');
    var headRow = el('tr');
    columns.forEach(function (column) {
      var th = el('th', column.num ? 'num' : '', column.title);
      th.scope = 'col';
      headRow.appendChild(th);
    });
    head.appendChild(headRow);
    t.appendChild(head);
    var body = el('tbody');
    rows.forEach(function (row) {
      var tr = el('tr');
      columns.forEach(function (column, index) {
        var td = el('td', column.num ? 'num' : 'name');
        if (index === 0) {
          var fill = el('span', 'fill');
          fill.style.width = Math.max(0, Math.min(100, (Number(share(row)) || 0) * 100)) + '%';
          td.appendChild(fill);
          td.appendChild(el('span', 'text', column.value(row)));
        } else {
          td.textContent = column.value(row);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    t.appendChild(body);
    return t;
  }
  function fill(id, nodes) {
    var box = byId(id);
    box.replaceChildren.apply(box, nodes.length ? nodes : [el('p', 'empty', 'Nothing yet.')]);
  }
  function named(field, fallback) {
    return function (row) { return row[field] === '' || row[field] === undefined || row[field] === null ? fallback : String(row[field]); };
  }
  var visitors = { title: 'Visitors', num: true, value: function (row) { return int(row.visitors); } };
  var views = { title: 'Views', num: true, value: function (row) { return int(row.views); } };
  var relative = function (row) { return row.relative_visitors; };
  function simple(id, rows, field, title, fallback) {
    fill(id, rows.length ? [table(rows, [{ title: title, value: named(field, fallback) }, visitors], relative)] : []);
  }

  function render(data) {
    byId('total-visitors').textContent = int(data.total.visitors);
    byId('total-views').textContent = int(data.total.views);
    byId('total-sessions').textContent = int(data.total.sessions);
    byId('total-bounce').textContent = percent(data.total.bounce_rate);
    byId('received').textContent = int(data.received.hits) + ' hits, ' + int(data.received.events) + ' events';
    chart(data.series, data.scale);

    var pageShare = function (row) { return row.relative_visitors; };
    fill('pages', data.pages.length ? [table(data.pages, [{ title: 'Path', value: named('path', '/') }, visitors, views], pageShare)] : []);
    fill('entry-pages', data.entryPages.length ? [table(data.entryPages, [{ title: 'Path', value: named('path', '/') }, { title: 'Entries', num: true, value: function (row) { return int(row.entries); } }], function (row) { return row.entry_rate; })] : []);
    fill('exit-pages', data.exitPages.length ? [table(data.exitPages, [{ title: 'Path', value: named('path', '/') }, { title: 'Exits', num: true, value: function (row) { return int(row.exits); } }], function (row) { return row.exit_rate; })] : []);
    fill('referrers', data.referrers.length ? [table(data.referrers, [{ title: 'Referrer', value: function (row) { return row.referrer_name || row.referrer; } }, visitors], relative)] : []);
    fill('channels', data.channels.length ? [table(data.channels, [{ title: 'Channel', value: named('channel', '(unknown)') }, visitors], relative)] : []);
    var utm = [];
    [['source', 'utm_source'], ['medium', 'utm_medium'], ['campaign', 'utm_campaign'], ['content', 'utm_content'], ['term', 'utm_term']].forEach(function (pair) {
      var rows = data.utm[pair[0]] || [];
      if (rows.length) utm.push(table(rows, [{ title: pair[1], value: named(pair[1], '') }, visitors], relative, pair[1]));
    });
    fill('utm', utm);
    simple('browsers', data.browsers, 'browser', 'Browser', '(unknown)');
    simple('os', data.os, 'os', 'Operating system', '(unknown)');
    var p = data.platforms;
    var platformRows = [['Desktop', 'platform_desktop'], ['Mobile', 'platform_mobile'], ['Unknown', 'platform_unknown']]
      .map(function (pair) { return { name: pair[0], visitors: p[pair[1]] || 0, relative_visitors: p['relative_' + pair[1]] || 0 }; })
      .filter(function (row) { return row.visitors > 0; });
    simple('platforms', platformRows, 'name', 'Platform', '');
    simple('countries', data.countries, 'country_code', 'Country', '(unknown)');
    simple('languages', data.languages, 'language', 'Language', '(unknown)');
    var eventNodes = [];
    if (data.events.length) {
      eventNodes.push(table(data.events, [{ title: 'Event', value: named('name', '') }, visitors, { title: 'Count', num: true, value: function (row) { return int(row.views); } }, { title: 'Conversion', num: true, value: function (row) { return percent(row.cr); } }], function (row) { return row.cr; }));
      data.events.forEach(function (event) {
        (event.metadata || []).forEach(function (meta) {
          if (!meta.values.length) return;
          eventNodes.push(table(meta.values, [{ title: 'Value', value: named('meta_value', '(empty)') }, { title: 'Count', num: true, value: function (row) { return int(row.views); } }], function (row) { return row.cr; }, event.name + ' · ' + meta.key));
        });
      });
    }
    fill('events', eventNodes);
    fill('tags', data.tags.length ? [table(data.tags, [{ title: 'Tag', value: function (row) { return row.key + ' = ' + row.value; } }, visitors, views], relative)] : []);
    showFaults(data.faults);
  }

  // --- the chart: visitors as bars, page views as a line ---------------------------------------
  function chart(series, scale) {
    var box = byId('chart');
    var width = 720, height = 220, left = 36, right = 8, top = 10, bottom = 26;
    var max = Math.max(1, Math.max.apply(null, series.map(function (p) { return Math.max(p.visitors, p.views); })));
    var step = Math.pow(10, Math.floor(Math.log10(max)));
    var ceiling = Math.ceil(max / step) * step;
    var plotW = width - left - right, plotH = height - top - bottom;
    var slot = plotW / Math.max(1, series.length);
    var y = function (value) { return top + plotH - (value / ceiling) * plotH; };
    var total = series.reduce(function (sum, p) { return sum + p.views; }, 0);
    var root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, role: 'img', 'aria-labelledby': 'chart-title chart-summary' });
    var summary = svg('desc', { id: 'chart-summary' });
    summary.textContent = series.length + (scale === 'hour' ? ' hours' : ' days') + ', ' + total + ' page views in all';
    root.appendChild(summary);
    [0, 0.5, 1].forEach(function (f) {
      var value = Math.round(ceiling * f);
      root.appendChild(svg('line', { class: 'grid-line', x1: left, x2: width - right, y1: y(value), y2: y(value) }));
      var label = svg('text', { class: 'axis', x: left - 6, y: y(value) + 4, 'text-anchor': 'end' });
      label.textContent = String(value);
      root.appendChild(label);
    });
    var points = [];
    var every = Math.ceil(series.length / 8);
    series.forEach(function (p, i) {
      var x = left + i * slot;
      var bar = svg('rect', { class: 'bar-visitors', x: x + slot * 0.15, width: Math.max(1, slot * 0.7), y: y(p.visitors), height: Math.max(0, top + plotH - y(p.visitors)),
        'data-label': p.label, 'data-visitors': p.visitors, 'data-views': p.views });
      var title = svg('title', {});
      title.textContent = p.label + ': ' + p.visitors + ' visitors, ' + p.views + ' page views';
      bar.appendChild(title);
      root.appendChild(bar);
      points.push((x + slot / 2) + ',' + y(p.views));
      if (i % every === 0) {
        var tick = svg('text', { class: 'axis', x: x + slot / 2, y: height - 8, 'text-anchor': 'middle' });
        tick.textContent = scale === 'hour' ? p.label.slice(0, 2) : p.label.slice(5);
        root.appendChild(tick);
      }
    });
    root.appendChild(svg('polyline', { class: 'line-views', points: points.join(' ') }));
    series.forEach(function (p, i) {
      if (p.views > 0) root.appendChild(svg('circle', { class: 'dot-views', cx: left + i * slot + slot / 2, cy: y(p.views), r: 3 }));
    });
    box.replaceChildren(root);
  }

  // --- the live feed ---------------------------------------------------------------------------
  function feedItem(type, data) {
    var li = el('li', 'item-' + type);
    li.appendChild(el('time', '', clock(data.time)));
    var what;
    if (type === 'hit') {
      li.appendChild(el('span', 'kind kind-hit', 'page view'));
      what = data.path + (data.title ? '  "' + data.title + '"' : '');
    } else if (type === 'event') {
      li.appendChild(el('span', 'kind kind-event', 'event'));
      var meta = data.meta && Object.keys(data.meta).length ? ' ' + JSON.stringify(data.meta) : '';
      what = data.name + meta + ' on ' + data.path;
    } else if (type === 'session') {
      li.appendChild(el('span', 'kind kind-session', 'session'));
      what = data.path || '(keep-alive)';
    } else {
      li.appendChild(el('span', 'kind kind-refused', 'refused'));
      what = data.method + ' ' + data.path + ' → ' + (data.status === 0 ? 'no answer (fault)' : data.status);
    }
    li.appendChild(el('span', 'what', what));
    if (data.agent !== undefined) li.appendChild(el('span', 'who', (data.bot ? 'bot, not counted: ' : '') + data.agent + (data.ip ? ' · ' + data.ip : '')));
    var feed = byId('feed');
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > FEED_MAX) feed.removeChild(feed.lastChild);
    byId('feed-empty').hidden = true;
  }

  // --- faults ----------------------------------------------------------------------------------
  var FAULT_TEXT = {
    none: 'The API answers normally.',
    fail: 'Failing: every API request is answered with ',
    hang: 'Hanging: every API request is read and never answered (your client times out).',
    unavailable: 'Unavailable: every API connection is reset (the dashboard stays up).',
  };
  function showFaults(state) {
    if (!state) return;
    document.querySelectorAll('.switch').forEach(function (button) {
      button.setAttribute('aria-pressed', String(button.getAttribute('data-mode') === state.mode));
    });
    byId('fail-status').value = String(state.status);
    var text = FAULT_TEXT[state.mode] + (state.mode === 'fail' ? state.status + '.' : '');
    if (state.pendingFaults > 0) text += ' (' + state.pendingFaults + ' scripted faults pending)';
    var line = byId('fault-state');
    line.textContent = text;
    line.className = 'fault-state' + (state.mode === 'none' ? '' : ' down');
  }
  function switchTo(mode) {
    fetch('/_dashboard/faults', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: mode, status: Number(byId('fail-status').value) }),
    }).then(function (response) { return response.json(); }).then(showFaults).catch(function () {
      byId('fault-state').textContent = 'Could not reach the emulator.';
    });
  }

  // --- refreshing ------------------------------------------------------------------------------
  function refresh() {
    timer = 0;
    if (refreshing) { again = true; return; }
    refreshing = true;
    lastRefresh = Date.now();
    fetch('/_dashboard/stats?range=' + encodeURIComponent(range))
      .then(function (response) { return response.json(); })
      .then(function (data) { render(data); document.body.setAttribute('data-updated', String(Date.now())); })
      .catch(function () { byId('connection').textContent = 'Could not read the statistics.'; })
      .then(function () {
        refreshing = false;
        if (again) { again = false; refresh(); }
      });
  }
  // Soon after something arrives, and at most once a second while it keeps arriving.
  function soon() { if (!timer) timer = setTimeout(refresh, Math.max(150, lastRefresh + 1000 - Date.now())); }

  function connect() {
    var source = new EventSource('/_dashboard/feed');
    var status = byId('connection');
    source.onopen = function () { status.textContent = 'Live'; status.className = 'connection live'; soon(); };
    source.onerror = function () { status.textContent = 'Reconnecting…'; status.className = 'connection'; };
    ['hit', 'event', 'session', 'refused'].forEach(function (type) {
      source.addEventListener(type, function (message) {
        feedItem(type, JSON.parse(message.data));
        if (type !== 'refused') soon();
      });
    });
    source.addEventListener('state', function (message) { showFaults(JSON.parse(message.data)); });
  }

  document.addEventListener('DOMContentLoaded', function () {
    byId('range').addEventListener('change', function (e) { range = e.target.value; refresh(); });
    document.querySelectorAll('.switch').forEach(function (button) {
      button.addEventListener('click', function () { switchTo(button.getAttribute('data-mode')); });
    });
    byId('fail-status').addEventListener('change', function () {
      var pressed = document.querySelector('.switch[aria-pressed="true"]');
      if (pressed && pressed.getAttribute('data-mode') === 'fail') switchTo('fail');
    });
    refresh();
    connect();
  });
})();
`;
