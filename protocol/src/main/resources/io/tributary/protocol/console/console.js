'use strict';
// Shared by the hub's and the edge's web console (served as /console/console.js; the page's own script is app.js).
// Every value the API returns goes into the page as text (textContent, text nodes, setAttribute on data-*), never
// as markup: a stream, lane or client name cannot inject anything. Charts are uPlot's (loaded before this file).
const TC = (() => {
  /** An element with properties ({class, text, title, onclick, data-*}) and children (nodes or text). */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'onclick') e.addEventListener('click', v);
      else e.setAttribute(k, String(v));
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c == null ? '' : String(c)));
    return e;
  }

  /** GETs a JSON API path; throws an Error naming the path, status and the API's error message (and with .status). */
  async function get(path) {
    const r = await fetch(path, {credentials: 'same-origin', headers: {Accept: 'application/json'}});
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw Object.assign(new Error(`${path}: HTTP ${r.status} ${body.error || r.statusText}`), {status: r.status});
    return body;
  }

  /** Replaces the container's content with a table; columns: [{title, value: row => text or Node, num}]. */
  function table(container, columns, rows, empty) {
    if (!rows.length) {
      container.replaceChildren(el('p', {class: 'empty', text: empty || 'none'}));
      return;
    }
    const head = el('tr', null, ...columns.map(c => el('th', {text: c.title})));
    const body = rows.map(r => el('tr', null, ...columns.map(c => {
      const v = c.value(r);
      return el('td', c.num ? {class: 'num'} : null, v instanceof Node ? v : (v == null ? '' : String(v)));
    })));
    container.replaceChildren(el('table', null, el('thead', null, head), el('tbody', null, ...body)));
  }

  /** Paging state of one API list; render(container, answer) draws "a–b of n" with previous/next buttons. */
  class Pager {
    constructor(limit, onChange) { this.offset = 0; this.limit = limit; this.onChange = onChange; }
    query() { return `offset=${this.offset}&limit=${this.limit}`; }
    render(container, answer) {
      const last = answer.offset + answer.items.length;
      if (answer.total <= answer.limit && answer.offset === 0) { container.replaceChildren(); return; }
      const prev = el('button', {text: '‹ previous', onclick: () => { this.offset = Math.max(0, this.offset - this.limit); this.onChange(); }});
      const next = el('button', {text: 'next ›', onclick: () => { this.offset += this.limit; this.onChange(); }});
      prev.disabled = answer.offset === 0;
      next.disabled = last >= answer.total;
      container.replaceChildren(prev, el('span', {text: ` ${answer.offset + 1}–${last} of ${answer.total} `}), next);
    }
  }

  const fmt = {
    n: x => (x == null ? '' : Number(x).toLocaleString('en-US', {maximumFractionDigits: 1})),
    bytes: x => {
      const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
      let i = 0;
      for (x = Number(x); x >= 1024 && i < u.length - 1; i++) x /= 1024;
      return `${x.toLocaleString('en-US', {maximumFractionDigits: i ? 1 : 0})} ${u[i]}`;
    },
    ms: x => (x < 1000 ? `${x} ms` : x < 120e3 ? `${(x / 1e3).toFixed(1)} s` : x < 7200e3 ? `${(x / 60e3).toFixed(1)} min`
      : x < 172800e3 ? `${(x / 3600e3).toFixed(1)} h` : `${(x / 86400e3).toFixed(1)} d`),
    time: ms => (ms > 0 ? new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z') : ''),
  };

  /** Per-second rates of counters (by key) between two polls; null on the first sample or after a reset. */
  class Rates {
    constructor() { this.last = new Map(); }
    rate(key, value, timeMs) {
      const prev = this.last.get(key);
      this.last.set(key, {value, timeMs});
      if (!prev || value < prev.value || timeMs <= prev.timeMs) return null;
      return (value - prev.value) * 1000 / (timeMs - prev.timeMs);
    }
  }

  const COLORS = ['#2f6fdf', '#e0662b', '#2a9d5c', '#b03fb5', '#c9a227', '#1ca3b5', '#d43f5c', '#6a6a6a'];

  /**
   * A live uPlot line chart over the last `points` polls. push(timeMs, {seriesName: value}) adds a poll; a series
   * seen for the first time (a new shard, group or region) rebuilds the chart with it, earlier points as gaps.
   */
  class Chart {
    constructor(container, title, unit, points = 150) {
      this.container = container; this.title = title; this.unit = unit; this.points = points;
      this.names = []; this.xs = []; this.ys = new Map(); this.plot = null;
    }
    /** Forgets every point and series (another stream was selected). */
    reset() {
      this.names = []; this.xs = []; this.ys.clear();
      if (this.plot) { this.plot.destroy(); this.plot = null; }
    }
    push(timeMs, values) {
      let added = false;
      for (const name of Object.keys(values)) {
        if (!this.ys.has(name)) { this.ys.set(name, this.xs.map(() => null)); this.names.push(name); added = true; }
      }
      this.xs.push(timeMs / 1000);
      for (const name of this.names) this.ys.get(name).push(name in values ? values[name] : null);
      if (this.xs.length > this.points) { this.xs.shift(); for (const y of this.ys.values()) y.shift(); }
      const data = [this.xs, ...this.names.map(n => this.ys.get(n))];
      if (!this.names.length) {
        this.container.replaceChildren(el('p', {class: 'empty', text: `${this.title}: nothing to chart yet`}));
        return;
      }
      if (added || !this.plot) this.build(data); else this.plot.setData(data);
    }
    build(data) {
      if (this.plot) this.plot.destroy();
      this.container.replaceChildren();
      const width = Math.max(320, Math.min(900, this.container.clientWidth || 600));
      const series = [{}, ...this.names.map((n, i) => ({label: n, stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: false}))];
      this.plot = new uPlot({
        title: `${this.title} (${this.unit})`, width, height: 220, series,
        scales: {x: {time: true}}, axes: [{}, {size: 70}],
      }, data, this.container);
    }
  }

  /** Shows a problem (or clears it with ''): the last poll's error stays visible until a poll succeeds. */
  function status(message) {
    const s = document.getElementById('status');
    s.textContent = message ? `⚠ ${message}` : `updated ${new Date().toLocaleTimeString()}`;
    s.className = message ? 'bad' : 'ok';
  }

  /** Runs poll() now and every `everyMs` after the previous run ended (never two at once). */
  function every(everyMs, poll) {
    const run = async () => {
      try { await poll(); status(''); } catch (e) { status(e.message); }
      setTimeout(run, everyMs);
    };
    run();
  }

  return {el, get, table, Pager, fmt, Rates, Chart, status, every};
})();
