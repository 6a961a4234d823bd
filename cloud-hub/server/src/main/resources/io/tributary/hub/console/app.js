'use strict';
// The hub console: polls the hub's JSON API (/api/...) every two seconds and redraws. The selected stream is the
// page's #fragment (its name, percent-encoded). Values reach the page only through TC.el / TC.table (text, never markup).
(() => {
  const {el, get, table, Pager, fmt, Rates, Chart} = TC;
  const $ = id => document.getElementById(id);
  const section = id => ({body: $(id).querySelector('.body'), pager: $(id).querySelector('.pager')});
  const poll = () => refresh().catch(e => TC.status(e.message));
  const pagers = {streams: new Pager(50, poll), groups: new Pager(50, poll), replication: new Pager(20, poll), edges: new Pager(100, poll)};
  const throughput = new Chart($('chart-throughput'), 'Ingest per shard', 'records/s');
  const lag = new Chart($('chart-lag'), 'Lag: consumer groups and replicas', 'records');
  const rates = new Rates();
  let selected = decodeURIComponent(location.hash.slice(1)) || null;
  let shown = null;

  window.addEventListener('hashchange', () => { selected = decodeURIComponent(location.hash.slice(1)) || null; poll(); });

  function overview(o) {
    $('hub-id').textContent = o.hub;
    $('hub-region').textContent = o.region;
    $('hub-store').textContent = o.store;
    const h = $('hub-health');
    h.textContent = o.health.status;
    h.className = o.health.status === 'ok' ? 'state-ok' : 'state-bad';
  }

  function streams(page) {
    const s = section('streams');
    table(s.body, [
      {title: 'stream', value: r => el('button', {class: 'link', text: r.name, 'data-stream': r.name, onclick: () => { location.hash = encodeURIComponent(r.name); }})},
      {title: 'shards (open)', value: r => `${r.shards} (${r.open_shards})`, num: true},
      {title: 'offline', value: r => r.offline_shards, num: true},
      {title: 'records retained', value: r => fmt.n(r.records), num: true},
      {title: 'bytes', value: r => fmt.bytes(r.retained_bytes), num: true},
      {title: 'home region', value: r => r.home_region || '(single region)'},
      {title: 'replicas', value: r => r.replica_regions.join(', ')},
    ], page.items, 'no streams yet: ./tributary admin --hub HOST:PORT streams create NAME --shards 4');
    pagers.streams.render(s.pager, page);
  }

  function stream(d) {
    if (shown !== d.name) { shown = d.name; throughput.reset(); lag.reset(); }
    $('stream-name').textContent = d.name;
    const regions = d.regions.map(r => `${r.region} (${r.endpoint})`).join(', ');
    $('stream-meta').replaceChildren(el('span', {text:
      `key mode ${d.key_mode} · retention ${d.retention_ms ? fmt.ms(d.retention_ms) : 'no time limit'}${d.retention_bytes ? ` / ${fmt.bytes(d.retention_bytes)}` : ''} · created ${fmt.time(d.created_ms)}`
      + (d.home_region ? ` · home ${d.home_region}, generation ${d.generation}, ack ${d.ack} · regions ${regions}` : '')}));
    // hash ranges of the open shards as a bar: each shard's width is its share of the 64-bit hash space
    const open = d.shards.filter(s => s.open);
    $('ranges').replaceChildren(...open.map(s => {
      const share = Number(BigInt(s.end_hash) - BigInt(s.start_hash) + 1n) / 2 ** 64;
      const div = el('div', {title: `${s.id}: ${s.start_hash}–${s.end_hash}`, text: s.id});
      div.style.width = `${(share * 100).toFixed(3)}%`;
      return div;
    }));
    const perShard = {};
    for (const s of d.shards) {
      const r = rates.rate(`${d.name}/${s.id}`, s.next_sequence, d.time_ms);
      s.rate = r;
      if (s.open || r) perShard[s.id] = r == null ? null : Math.round(r);
    }
    throughput.push(d.time_ms, perShard);
    table($('shards'), [
      {title: 'shard', value: s => s.id},
      {title: 'hash range', value: s => `${s.start_hash} – ${s.end_hash}`},
      {title: 'parents', value: s => s.parents.join(', ')},
      {title: 'state', value: s => (s.open ? 'open' : `closed ${fmt.time(s.closed_ms)}`)},
      {title: 'status', value: s => el('span', {class: s.status === 'online' ? 'state-ok' : 'state-bad', text: s.status})},
      {title: 'oldest seq', value: s => fmt.n(s.oldest_sequence), num: true},
      {title: 'next seq', value: s => fmt.n(s.next_sequence), num: true},
      {title: 'records/s', value: s => (s.rate == null ? '' : fmt.n(s.rate)), num: true},
      {title: 'bytes', value: s => fmt.bytes(s.retained_bytes), num: true},
      {title: 'replicas', value: s => s.replicas.map(r => `${r.region}: ${fmt.n(r.lag_records)} behind, ${r.state}`).join('; ')},
    ], d.shards);
  }

  function groups(page, d) {
    const s = section('groups');
    const rows = [];
    for (const g of page.items) {
      if (g.error) { rows.push({stream: g.stream, group: g.group, shard: '', owner: g.error}); continue; }
      for (const sh of g.shards) rows.push({stream: g.stream, group: g.group, ...sh});
    }
    table(s.body, [
      {title: 'stream', value: r => r.stream}, {title: 'group', value: r => r.group}, {title: 'shard', value: r => r.shard},
      {title: 'lease owner', value: r => r.owner || '(none)'},
      {title: 'checkpoint', value: r => (r.checkpoint == null || r.checkpoint < 0 ? '' : fmt.n(r.checkpoint)), num: true},
      {title: 'lag records', value: r => fmt.n(r.lag_records), num: true},
      {title: 'lag', value: r => (r.lag_ms == null ? '' : fmt.ms(r.lag_ms)), num: true},
    ], rows, 'no consumer group has a lease or checkpoint on this hub');
    pagers.groups.render(s.pager, page);
    const series = {};
    for (const g of page.items) if (!g.error && g.stream === d.name) series[`group ${g.group}`] = g.lag_records;
    const byRegion = {};
    for (const sh of d.shards) for (const r of sh.replicas) byRegion[r.region] = (byRegion[r.region] || 0) + r.lag_records;
    for (const [region, n] of Object.entries(byRegion)) series[`replica ${region}`] = n;
    lag.push(d.time_ms, series);
  }

  function replication(page) {
    const s = section('replication');
    const rows = [];
    for (const st of page.items) for (const sh of st.shards) for (const r of sh.replicas) rows.push({stream: st.stream, home: st.home_region, gen: st.generation, ack: st.ack, shard: sh.id, ...r});
    table(s.body, [
      {title: 'stream', value: r => r.stream}, {title: 'home', value: r => r.home}, {title: 'gen', value: r => r.gen, num: true},
      {title: 'ack', value: r => r.ack}, {title: 'shard', value: r => r.shard}, {title: 'region', value: r => r.region},
      {title: 'state', value: r => el('span', {class: r.state === 'following' ? 'state-ok' : 'state-bad', text: r.state})},
      {title: 'lag records', value: r => fmt.n(r.lag_records), num: true}, {title: 'lag', value: r => fmt.ms(r.lag_ms), num: true},
      {title: 'bytes/s', value: r => fmt.bytes(r.bytes_per_second), num: true},
    ], rows, 'no replicated streams');
    pagers.replication.render(s.pager, page);
  }

  function edges(page) {
    const s = section('edges');
    table(s.body, [
      {title: 'id', value: r => r.id}, {title: 'role', value: r => r.role}, {title: 'client', value: r => r.client},
      {title: 'address', value: r => r.remote}, {title: 'epoch grant', value: r => r.grant},
      {title: 'connected since', value: r => fmt.time(r.connected_ms)},
    ], page.items, 'no edge agent or producer connected');
    pagers.edges.render(s.pager, page);
  }

  async function refresh() {
    overview(await get('/api/overview'));
    const list = await get(`/api/streams?${pagers.streams.query()}`);
    streams(list);
    if (!selected && list.items.length) selected = list.items[0].name;
    for (const b of document.querySelectorAll('#streams tbody tr')) {
      b.classList.toggle('selected', b.querySelector('button').getAttribute('data-stream') === selected);
    }
    if (selected) {
      let d;
      try {
        d = await get(`/api/streams/${encodeURIComponent(selected)}`);
      } catch (e) {
        if (e.status !== 404) throw e;
        // deleted, or a stale link: show the first stream instead
        selected = list.items.length ? list.items[0].name : null;
        if (!selected) return;
        d = await get(`/api/streams/${encodeURIComponent(selected)}`);
      }
      stream(d);
      groups(await get(`/api/groups?stream=${encodeURIComponent(selected)}&${pagers.groups.query()}`), d);
    }
    replication(await get(`/api/replication?${pagers.replication.query()}`));
    edges(await get(`/api/edges?${pagers.edges.query()}`));
  }

  TC.every(2000, refresh);
})();
