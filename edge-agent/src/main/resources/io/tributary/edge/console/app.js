'use strict';
// The edge console: polls the agent's JSON API (/api/...) every two seconds and redraws. Values reach the page only
// through TC.el / TC.table (text, never markup): lane names and MQTT client ids are chosen by devices.
(() => {
  const {el, get, table, Pager, fmt, Rates, Chart} = TC;
  const $ = id => document.getElementById(id);
  const poll = () => refresh().catch(e => TC.status(e.message));
  const pagers = {lanes: new Pager(100, poll), mqtt: new Pager(100, poll)};
  const rateChart = new Chart($('chart-rates'), 'Stored and forwarded', 'records/s');
  const depthChart = new Chart($('chart-depth'), 'Buffer depth', 'records');
  const rates = new Rates();

  // a two-column table of [name, value] pairs
  const kv = pairs => el('table', null, el('tbody', null,
    ...pairs.map(([k, v]) => el('tr', null, el('th', {text: k}), el('td', null, v)))));

  function overview(o) {
    $('agent').textContent = o.agent;
    $('stream').textContent = o.stream;
    const h = $('health');
    h.textContent = o.status;
    h.className = o.status === 'ok' ? 'state-ok' : 'state-bad';
    $('link').querySelector('.body').replaceChildren(kv([
      ['state', el('span', {class: o.link.state === 'UP' ? 'state-ok' : 'state-bad', text: o.link.state})],
      ['hub', o.link.hub || '(none)'],
      ['last error', o.link.last_error || '(none)'],
      ['lanes refused by the hub', o.link.lanes_refused.join(', ') || '(none)'],
    ]));
    const b = o.buffer;
    const used = b.quota_bytes > 0 ? ` (${(100 * b.bytes / b.quota_bytes).toFixed(1)} % of the quota)` : '';
    const losses = Object.entries(o.losses).filter(([, n]) => n > 0).map(([k, n]) => `${k}: ${fmt.n(n)}`).join(', ');
    $('buffer').querySelector('.body').replaceChildren(kv([
      ['records stored', fmt.n(b.records)],
      ['bytes stored', `${fmt.bytes(b.bytes)}${used}`],
      ['quota', `${fmt.bytes(b.quota_bytes)}, when full: ${b.overflow_policy}`],
      ['oldest unsent', fmt.ms(b.oldest_unsent_age_ms)],
      ['epoch / grant', `${b.epoch} / ${b.epoch_grant}`],
      ['damaged on open', b.damaged ? el('span', {class: 'state-bad', text: 'yes: see the log'}) : 'no'],
      ['records lost', losses || 'none'],
    ]));
    const stored = rates.rate('stored', o.counters.stored, o.time_ms);
    const forwarded = rates.rate('forwarded', o.counters.forwarded, o.time_ms);
    rateChart.push(o.time_ms, {stored, forwarded});
    depthChart.push(o.time_ms, {'records stored': b.records});
    $('mqtt').querySelector('.summary').replaceChildren(el('p', {text:
      `${o.mqtt.connections} connected · listening on ${o.mqtt.plain || '(no plain listener)'}`
      + (o.mqtt.tls ? `, TLS ${o.mqtt.tls}` : '')}));
  }

  async function refresh() {
    overview(await get('/api/overview'));
    const lanes = await get(`/api/lanes?${pagers.lanes.query()}`);
    table($('lanes').querySelector('.body'), [
      {title: 'lane', value: l => l.lane},
      {title: 'records', value: l => fmt.n(l.records), num: true},
      {title: 'bytes', value: l => fmt.bytes(l.bytes), num: true},
      {title: 'oldest', value: l => fmt.ms(l.oldest_age_ms), num: true},
      {title: 'hub', value: l => (l.refused ? el('span', {class: 'state-bad', text: 'refused'}) : '')},
    ], lanes.items, 'nothing stored: every record is forwarded');
    pagers.lanes.render($('lanes').querySelector('.pager'), lanes);
    const clients = await get(`/api/mqtt?${pagers.mqtt.query()}`);
    table($('mqtt').querySelector('.body'), [
      {title: 'client id', value: c => c.client_id}, {title: 'address', value: c => c.remote},
    ], clients.items, 'no MQTT client connected');
    pagers.mqtt.render($('mqtt').querySelector('.pager'), clients);
  }

  TC.every(2000, refresh);
})();
