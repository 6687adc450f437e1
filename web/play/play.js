// contsim play: the student is the scheduler.
//
// The page keeps one thing, the list of CPU picks made so far. Every action
// (a step, undo, restart, jump, a level change) turns that list into a
// schedule token, asks the server for /api/state?level=N&schedule=TOKEN and
// draws what comes back; the server replays the scenario from scratch for
// each request, so the same token shows the same state anywhere. The token
// and the level live in the URL's hash (#level=0&schedule=a10b15a4): a reload
// or a shared link restores the state. No frameworks, no build step, nothing
// fetched from anywhere but the contsim play server.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);

  // ---- DOM helpers (text only: nothing from the server goes in as HTML) ----
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      e.append(k instanceof Node ? k : document.createTextNode(String(k)));
    }
    return e;
  }
  const clear = (e) => { while (e.firstChild) e.removeChild(e.firstChild); return e; };
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many || one + 'es'}`;

  // ---- schedule tokens: run-length encoded picks, CPU index as a letter ----
  // "a10b15a4" = CPU0 10 steps, CPU1 15, CPU0 4; the count is left out when 1.
  const MAX_PICKS = 1000000;

  function encodeToken(picks) {
    let s = '';
    for (let i = 0; i < picks.length;) {
      let j = i;
      while (j < picks.length && picks[j] === picks[i]) j++;
      s += String.fromCharCode(97 + picks[i]) + (j - i > 1 ? String(j - i) : '');
      i = j;
    }
    return s;
  }

  function decodeToken(token) {
    if (token === '' || token === '-') return [];
    if (!/^([a-z][0-9]*)+$/.test(token))
      throw new Error(`schedule token "${token}": expected CPU letters a-z, each followed by an optional step count (e.g. a10b15a4)`);
    const picks = [];
    for (const m of token.matchAll(/([a-z])([0-9]*)/g)) {
      const n = m[2] === '' ? 1 : Number(m[2]);
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`schedule token "${token}": run length ${m[2]} is not a positive count`);
      if (picks.length + n > MAX_PICKS) throw new Error(`schedule token: more than ${MAX_PICKS} steps`);
      const cpu = m[1].charCodeAt(0) - 97;
      for (let k = 0; k < n; k++) picks.push(cpu);
    }
    return picks;
  }

  // ---- the server ----
  // One request at a time: the server answers them in order on one worker,
  // and a second connection opened while the first is idle would wait for it.
  let queue = Promise.resolve();
  function api(path, params, stale) {
    const run = queue.then(() => {
      if (stale && stale()) throw new Error('stale');
      return request(path, params);
    });
    queue = run.catch(() => {});
    return run;
  }

  async function request(path, params) {
    const query = new URLSearchParams(params || {}).toString();
    let res;
    try {
      res = await fetch(`api/${path}${query ? '?' + query : ''}`, { cache: 'no-store' });
    } catch (e) {
      throw new Error('cannot reach the contsim play server (is it still running?)');
    }
    let body;
    try {
      body = await res.json();
    } catch (e) {
      throw new Error(`the server answered HTTP ${res.status} without JSON`);
    }
    // "--schedule: schedule token: ..." names the command line's option: here it is the token.
    if (!res.ok) throw new Error(body && body.error ? String(body.error).replace(/^--schedule: /, '') : `HTTP ${res.status}`);
    return body;
  }

  // ---- page state ----
  const S = {
    levels: [],      // /api/levels
    level: 0,        // index into levels
    info: null,      // /api/level
    fixes: [],       // the level's fixes, by name
    picks: [],       // the CPU picked at each step so far (what the state shows)
    state: null,     // /api/state for picks
    hintsShown: 0,
    busy: false,
    seq: 0,          // the newest state request; older answers are dropped
    graphSeq: 0,
    panels: [],      // per CPU: the elements that change
  };

  function setBusy(b) {
    S.busy = b;
    document.body.dataset.busy = b ? '1' : '0';
  }

  function showError(msg) {
    const e = $('error');
    e.textContent = msg || '';
    e.hidden = !msg;
    if (S.state) fitTimeline();
  }

  function writeHash() {
    const h = `#level=${S.level}&schedule=${encodeToken(S.picks)}`;
    if (location.hash !== h) history.replaceState(null, '', h);
  }

  function readHash() {
    const p = new URLSearchParams(location.hash.replace(/^#/, ''));
    const lv = p.get('level');
    return {
      level: lv !== null && /^[0-9]+$/.test(lv) ? Number(lv) : null,
      schedule: (p.get('schedule') || '').trim(),
    };
  }

  // ---- actions ----
  // Replays `picks` on the server and shows the result; on an error the page
  // keeps showing the last good state and says what went wrong.
  async function goTo(picks) {
    const seq = ++S.seq;
    setBusy(true);
    try {
      const st = await api('state', { level: S.level, schedule: encodeToken(picks) });
      if (seq !== S.seq) return;
      S.state = st;
      S.picks = decodeToken(st.token);
      showError('');
      render();
      writeHash();
      refreshGraph();
    } catch (e) {
      if (seq !== S.seq) return;
      showError(e.message);
      if (!S.state) {  // nothing shown yet (a bad link): start the level instead
        S.picks = [];
        try {
          S.state = await api('state', { level: S.level, schedule: '' });
          render();
          writeHash();
          refreshGraph();
        } catch (e2) {
          showError(`${e.message}; ${e2.message}`);
        }
      }
    } finally {
      if (seq === S.seq) setBusy(false);
    }
  }

  function step(cpu) {
    if (S.busy || !S.state) return;
    const c = S.state.cpus[cpu];
    if (!c) return;
    if (!c.can_step) {
      showError(`${c.cpu} cannot step: ${c.blocked || (c.finished ? 'finished' : 'not runnable')}`);
      return;
    }
    goTo(S.picks.concat([cpu]));
  }

  function undo() {
    if (S.busy || !S.picks.length) return;
    goTo(S.picks.slice(0, -1));
  }

  function restart() {
    if (S.busy) return;
    goTo([]);
  }

  function jump() {
    const raw = $('jump-token').value.trim().replace(/^--schedule[ =]/, '').trim();
    let picks;
    try {
      picks = decodeToken(raw);
    } catch (e) {
      showError(e.message);
      return;
    }
    goTo(picks);
  }

  async function loadLevel(n, token) {
    const seq = ++S.seq;
    setBusy(true);
    try {
      const info = await api('level', { level: n });
      if (seq !== S.seq) return;
      S.level = n;
      S.info = info;
      S.fixes = (info.fixes || '').split(',').map((s) => s.trim()).filter(Boolean);
      S.state = null;
      S.picks = [];
      S.hintsShown = 0;
      $('level-select').value = String(n);
      renderLevel();
    } catch (e) {
      if (seq === S.seq) {
        showError(e.message);
        $('level-select').value = String(S.level);  // still showing the old one
        setBusy(false);
      }
      return;
    }
    let picks = [];
    let bad = '';
    try {
      picks = decodeToken(token || '');
    } catch (e) {
      bad = e.message;
    }
    setBusy(false);
    await goTo(picks);
    if (bad) showError(bad);
  }

  // ---- the level's fixed part ----
  function renderLevel() {
    const info = S.info;
    document.title = `contsim play: ${info.title || info.name}`;
    $('level-title').textContent = info.title || info.name;
    clear($('level-meta')).append(
      el('span', { class: 'kv' }, 'kernel ', el('code', { text: info.kernel })),
      el('span', { class: 'kv' }, info.fixes ? ['fixes ', el('code', { text: info.fixes })] : 'no fixes'),
      info.source ? el('span', { class: 'kv source', title: info.source, text: info.source }) : null,
    );
    $('level-goal').textContent = info.goal || 'Free play: this scenario has no goal. Explore the interleavings.';
    $('level-par').textContent = info.par !== null && info.par !== undefined
      ? `par ${plural(info.par, 'switch')}` : '';
    $('level-par').hidden = info.par === null || info.par === undefined;
    renderHints();

    // One panel per CPU, built once per level so buttons keep their focus.
    const box = clear($('cpus'));
    box.style.setProperty('--ncpu', String(Math.max(1, info.cpus.length)));
    S.panels = info.cpus.map((c, i) => {
      const p = {
        name: el('span', { class: 'cpu-name', text: c.cpu }),
        task: el('span', { class: 'task' }),
        badge: el('span', { class: 'badge' }),
        ops: el('ol', { class: 'ops' }),
        fn: el('div', { class: 'fn' }),
        src: el('ol', { class: 'src' }),
        btn: el('button', {
          id: `step-${i}`, type: 'button', class: 'step',
          title: i < 10 ? `Run one step on ${c.cpu} (key ${i})` : `Run one step on ${c.cpu}`,
          onclick: () => step(i),
        }, `Step ${c.cpu}`, i < 10 ? el('kbd', { text: String(i) }) : null),
        reason: el('span', { class: 'reason', id: `reason-${i}` }),
        holds: el('div', { class: 'holds' }),
      };
      p.root = el('section', { class: `cpu cpu-c${i % 8}`, id: `cpu-${i}` },
        el('header', {}, p.name, p.task, p.badge),
        p.ops, p.fn, p.src,
        el('div', { class: 'step-row' }, p.btn, p.reason),
        p.holds);
      box.append(p.root);
      return p;
    });
    $('graph').textContent = '';
  }

  function renderHints() {
    const hints = (S.info && S.info.hints) || [];
    const list = clear($('hints'));
    hints.slice(0, S.hintsShown).forEach((h) => list.append(el('li', { text: h })));
    list.hidden = S.hintsShown === 0;
    const b = $('hint');
    b.hidden = hints.length === 0;
    b.disabled = S.hintsShown >= hints.length;
    b.textContent = S.hintsShown >= hints.length
      ? (hints.length === 1 ? 'No more hints' : `All ${hints.length} hints shown`)
      : `Show hint ${S.hintsShown + 1} of ${hints.length}`;
    if (S.state) fitTimeline();
  }

  // ---- the state after the picks ----
  function cpuName(i) {
    const c = S.state && S.state.cpus[i];
    return c ? c.cpu : `CPU${i}`;
  }

  function render() {
    const st = S.state;
    document.body.dataset.token = encodeToken(S.picks);
    document.body.dataset.step = String(st.step);
    document.body.dataset.goalMet = st.goal_met ? '1' : '0';
    renderStatus(st);
    renderBanners(st);
    st.cpus.forEach((c, i) => renderCpu(c, i));
    renderCounts(st);
    renderLocks(st);
    renderFreed(st);
    renderFinal(st);
    renderTimeline(st);
    $('undo').disabled = S.picks.length === 0;
    $('restart').disabled = S.picks.length === 0;
    afterLayout.splice(0).forEach((f) => f());
    fitTimeline();
  }

  const afterLayout = [];  // scroll positions to set once the new state is in the DOM

  function renderStatus(st) {
    const par = S.info.par;
    const parts = [
      el('span', { class: 'stat' }, 'step ', el('b', { id: 'step-count', text: String(st.step) })),
      el('span', { class: 'stat' }, el('b', { id: 'switch-count', text: String(st.switches) }),
        st.switches === 1 ? ' switch' : ' switches',
        par !== null && par !== undefined ? ` (par ${par})` : ''),
      el('span', { class: 'stat token' }, 'token ', el('code', { id: 'token', text: encodeToken(S.picks) || '(start)' })),
    ];
    if (st.done) parts.push(el('span', { class: 'stat done', text: 'every CPU finished' }));
    clear($('status')).append(...parts);
  }

  function stepLink(n) {
    return el('a', {
      href: '#', class: 'step-link', title: `show step ${n} in the timeline`,
      onclick: (e) => { e.preventDefault(); showStep(n); },
    }, `step ${n}`);
  }

  function renderBanners(st) {
    const fb = clear($('finding-banner'));
    fb.hidden = st.findings.length === 0;
    if (st.findings.length) {
      fb.append(el('div', { class: 'banner-title' }, '⚠ Invariant broken'));
      const list = el('div', { class: 'findings' });
      fb.append(list);
      for (const f of st.findings) {
        const why = [];
        if (f.step > 0) {
          why.push('at ', stepLink(f.step));
          if (f.related && f.related.length) {
            why.push(', with ');
            f.related.forEach((r, k) => why.push(k ? ', ' : '', stepLink(r)));
          }
        } else {
          why.push('at the end of the run');
        }
        list.append(el('div', { class: 'finding', 'data-kind': f.kind },
          el('span', { class: 'kind', text: f.kind }),
          el('span', { class: 'message', text: f.message }),
          el('span', { class: 'steps' }, '(', why, ')')));
      }
    }

    const db = $('done-banner');
    db.hidden = !(st.done && !st.goal_met && S.info.goal);
    db.textContent = 'Every CPU has finished and the goal was not met. Undo a few steps, or Restart, and try another order.';

    const wb = clear($('win-banner'));
    wb.hidden = !st.goal_met;
    if (st.goal_met) {
      const par = S.info.par;
      const sw = st.switches;
      let verdict = '';
      if (par !== null && par !== undefined) {
        if (sw === par) verdict = 'par!';
        else if (sw < par) verdict = `par ${par}, ${par - sw} under par!`;
        else verdict = `par ${par}, ${sw - par} over par`;
      }
      wb.dataset.switches = String(sw);
      wb.dataset.par = par === null || par === undefined ? '' : String(par);
      const next = S.level + 1 < S.levels.length && S.levels[S.level + 1].goal ? S.level + 1 : null;
      wb.append(
        el('div', { class: 'win-head' },
          el('span', { class: 'banner-title' }, '★ Goal met'),
          el('span', { class: 'score' }, plural(sw, 'switch'), verdict ? [': ', el('b', { text: verdict })] : '')),
        el('div', { class: 'win-foot' },
          el('span', { class: 'message', text: S.info.goal || '' }),
          next === null ? null : el('button', {
            type: 'button', id: 'next-level', title: S.levels[next].title, onclick: () => changeLevel(next),
          }, 'Next level →')));
    }
  }

  const FIX_RE = /\/\*\s*fix ([a-z0-9-]+)\s*\*\//;

  function renderCpu(c, i) {
    const p = S.panels[i];
    if (!p) return;
    const info = S.info.cpus[i] || { ops: [] };
    p.task.textContent = `${c.name} (pid ${c.task})`;
    const status = c.finished ? 'finished' : c.blocked ? 'blocked' : c.can_step ? 'runnable' : 'waiting';
    p.root.classList.toggle('is-finished', !!c.finished);
    p.root.classList.toggle('is-blocked', !c.finished && !c.can_step);
    p.badge.textContent = status;
    p.badge.className = `badge ${status}`;

    // Its ops: done ones with their return value, the current one marked.
    clear(p.ops);
    info.ops.forEach((op, k) => {
      const done = k < c.op;
      const current = k === c.op && !c.finished;
      p.ops.append(el('li', { class: done ? 'done' : current ? 'current' : 'todo' },
        el('span', { class: 'op-mark', text: done ? '✓' : current ? '▶' : '·' }),
        el('code', { text: op }),
        done ? el('span', { class: 'ret' }, '→ ', el('code', { text: String(c.returns[k]) })) : null));
    });

    // The C function it is in, the next line marked.
    clear(p.src);
    p.src.hidden = !(c.source && c.next);
    if (c.source && c.next) {
      p.fn.textContent = '';
      p.fn.append('in ', el('code', { text: `${c.source.function}()` }),
        el('span', { class: 'label', text: c.next.label }));
      c.source.lines.forEach((line, k) => {
        const fix = FIX_RE.exec(line);
        const off = fix && !S.fixes.includes(fix[1]);
        const cur = k === c.source.current;
        p.src.append(el('li', {
          class: [cur ? (c.can_step ? 'current' : 'current stuck') : '', off ? 'off-fix' : ''].join(' ').trim() || null,
          title: off ? `runs only with the fix ${fix[1]}` : null,
        }, el('span', { class: 'src-mark', text: cur ? (c.can_step ? '▶' : '‖') : '' }), el('code', { text: line })));
      });
      const cur = p.src.children[c.source.current];
      if (cur) afterLayout.push(() => {  // centre the next line (read after every write: one layout)
        const top = cur.offsetTop - p.src.clientHeight / 2 + cur.offsetHeight / 2;
        p.src.scrollTop = Math.max(0, top);
      });
    } else {
      p.fn.textContent = c.finished ? 'finished: every op has returned' : 'no next step';
    }

    p.btn.disabled = !c.can_step;
    p.reason.textContent = c.can_step ? '' : c.blocked || (c.finished ? 'finished' : 'cannot run now');
    p.reason.className = `reason ${c.blocked ? 'blocked' : c.finished ? 'finished' : ''}`;

    clear(p.holds);
    if (c.holds.length) {
      p.holds.append(el('span', { class: 'holds-tag', text: 'holds' }));
      for (const h of c.holds)
        p.holds.append(el('span', { class: 'lock', title: h.label ? `taken at ${h.label}` : null },
          el('code', { text: h.lock }), el('small', { text: ` since step ${h.since}` })));
    }
  }

  function renderCounts(st) {
    const box = clear($('counts'));
    if (!st.counts.length) {
      box.append(el('p', { class: 'empty', text: 'No count has changed yet.' }));
      return;
    }
    for (const c of st.counts) {
      const hist = el('span', { class: 'history' });
      c.history.forEach((h, k) => {
        const last = k === c.history.length - 1;
        if (k) hist.append(el('span', { class: 'arrow', text: ' → ' }));
        hist.append(el('span', {
          class: ['v', h.value < 0 ? 'neg' : '', last ? 'last' : ''].join(' ').trim(),
          title: k ? `at step ${h.step}` : `before step ${h.step + 1}`,
        }, String(h.value), k ? el('sub', { text: `@${h.step}` }) : null));
      });
      const bad = c.history.some((h) => h.value < 0);
      box.append(el('div', { class: `count${bad ? ' bad' : ''}` }, el('code', { class: 'cell', text: c.cell }), hist));
    }
  }

  function renderLocks(st) {
    const box = clear($('locks'));
    let any = false;
    st.cpus.forEach((c) => {
      if (c.holds.length) {
        any = true;
        box.append(el('div', { class: 'lockline' },
          el('b', { text: c.cpu }), ' holds ',
          c.holds.map((h, k) => [k ? ', ' : '', el('code', { text: h.lock }), el('small', { text: ` (since ${h.since})` })])));
      }
      if (c.blocked) {
        any = true;
        box.append(el('div', { class: 'lockline waiting', text: `‖ ${c.blocked}` }));
      }
    });
    if (!any) box.append(el('p', { class: 'empty', text: 'No lock held, nobody waiting.' }));
  }

  function renderFreed(st) {
    const box = clear($('freed'));
    if (!st.freed.length) {
      box.append(el('p', { class: 'empty', text: 'Nothing freed yet.' }));
      return;
    }
    for (const f of st.freed)
      box.append(el('div', { class: 'freedline' }, el('code', { text: f.object }), el('small', { text: ` at step ${f.step}` })));
  }

  function renderFinal(st) {
    const sec = $('final-section');
    const list = clear($('final'));
    sec.hidden = !st.final;
    (st.final || []).forEach((l) => list.append(el('li', {}, el('code', { text: l }))));
  }

  function renderTimeline(st) {
    const body = clear($('timeline').tBodies[0]);
    const findingAt = new Map();
    const related = new Set();
    for (const f of st.findings) {
      if (f.step > 0) {
        if (!findingAt.has(f.step)) findingAt.set(f.step, []);
        findingAt.get(f.step).push(f.kind);
      }
      (f.related || []).forEach((r) => related.add(r));
    }
    const waits = st.waits.slice().sort((a, b) => a.after - b.after);
    let w = 0;
    const waitRow = (x) => el('tr', { class: 'wait' },
      el('td', { class: 'num' }), el('td', { colspan: 4 },
        `‖ ${x.cpu} ${x.text}`, x.until ? ` (until step ${x.until})` : ' (still waiting)'));
    while (w < waits.length && waits[w].after <= 0) body.append(waitRow(waits[w++]));
    if (!st.trace.length)
      body.append(el('tr', { class: 'empty' }, el('td', { colspan: 5, text: 'No steps yet: pick a CPU to run.' })));
    for (const e of st.trace) {
      const kinds = findingAt.get(e.step);
      const cls = [`cpu-c${e.cpu % 8}`, kinds ? 'finding' : '', related.has(e.step) ? 'related' : ''];
      body.append(el('tr', { class: cls.join(' ').trim(), id: `t-${e.step}`, 'data-step': e.step },
        el('td', { class: 'num', text: String(e.step) }),
        el('td', { class: 'who' }, el('span', { class: 'cpu-tag', text: cpuName(e.cpu) })),
        el('td', { class: 'race', title: e.race ? 'racing access: another CPU touches this without a common lock' : null,
          text: e.race ? '◆' : '' }),
        el('td', { class: 'code' }, el('span', { class: 'fnname', text: e.function }), el('code', { text: e.c_line })),
        el('td', { class: 'note' }, e.note ? el('code', { text: e.note }) : null,
          kinds ? kinds.map((k) => el('span', { class: 'kind', text: k })) : null)));
      while (w < waits.length && waits[w].after <= e.step) body.append(waitRow(waits[w++]));
    }
    while (w < waits.length) body.append(waitRow(waits[w++]));
  }

  // The timeline ends where the window does (at least 180px tall), so the
  // latest steps show without scrolling the page; it keeps its latest row in view.
  function fitTimeline() {
    const sc = $('timeline-scroll');
    const top = sc.getBoundingClientRect().top + window.scrollY;
    sc.style.maxHeight = `${Math.max(180, Math.floor(window.innerHeight - top - 22))}px`;
    sc.scrollTop = sc.scrollHeight;
  }

  function showStep(n) {
    const row = $(`t-${n}`);
    if (!row) return;
    const sc = $('timeline-scroll');
    sc.scrollTop = row.offsetTop - sc.clientHeight / 2;
    row.scrollIntoView({ block: 'nearest' });
    row.classList.remove('flash');
    void row.offsetWidth;  // restart the animation
    row.classList.add('flash');
  }

  // ---- the object graph (only fetched while its panel is open) ----
  function sanitizeSvg(text) {
    const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
    const svg = doc.documentElement;
    if (!svg || svg.nodeName.toLowerCase() !== 'svg' || doc.getElementsByTagName('parsererror').length) return null;
    svg.querySelectorAll('script, foreignObject').forEach((n) => n.remove());
    for (const n of [svg, ...svg.querySelectorAll('*')])
      for (const a of Array.from(n.attributes))
        if (/^on/i.test(a.name) || (/href$/i.test(a.name) && /^\s*javascript:/i.test(a.value))) n.removeAttribute(a.name);
    return document.importNode(svg, true);
  }

  async function refreshGraph() {
    const panel = $('graph-panel');
    if (!panel.open || !S.state) return;
    const seq = ++S.graphSeq;
    const box = $('graph');
    box.classList.add('stale');
    try {
      const g = await api('graph', { level: S.level, schedule: encodeToken(S.picks) }, () => seq !== S.graphSeq);
      if (seq !== S.graphSeq) return;
      clear(box);
      const empty = /^\s*digraph\s+[^{]*\{\s*\}\s*$/.test(g.dot || '');
      const svg = !empty && g.svg ? sanitizeSvg(g.svg) : null;
      if (empty) box.append(el('p', { class: 'empty', text: `No objects to draw at step ${S.state.step}.` }));
      else if (svg) {
        svg.removeAttribute('height');
        svg.setAttribute('width', '100%');
        box.append(svg);
      } else {
        box.append(el('p', { class: 'empty', text: 'Graphviz (dot) is not available to the server: the graph as DOT text.' }),
          el('pre', { class: 'dot', text: g.dot }));
      }
    } catch (e) {
      if (seq === S.graphSeq) {
        clear(box).append(el('p', { class: 'error-text', text: `graph: ${e.message}` }));
      }
    } finally {
      if (seq === S.graphSeq) box.classList.remove('stale');
    }
  }

  // ---- wiring ----
  function changeLevel(n) {
    if (n === S.level && S.info) return;
    showError('');
    loadLevel(n, '');
  }

  function onKey(e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    if (/^[0-9]$/.test(e.key)) {
      e.preventDefault();
      step(Number(e.key));
    } else if (e.key === 'u' || e.key === 'U') {
      e.preventDefault();
      undo();
    } else if (e.key === 'r' || e.key === 'R') {
      e.preventDefault();
      restart();
    }
  }

  async function init() {
    $('undo').addEventListener('click', undo);
    $('restart').addEventListener('click', restart);
    $('jump').addEventListener('click', jump);
    $('jump-token').addEventListener('keydown', (e) => { if (e.key === 'Enter') jump(); });
    $('hint').addEventListener('click', () => { S.hintsShown++; renderHints(); });
    $('level-select').addEventListener('change', (e) => changeLevel(Number(e.target.value)));
    $('graph-panel').addEventListener('toggle', refreshGraph);
    document.addEventListener('keydown', onKey);
    window.addEventListener('resize', () => { if (S.state) fitTimeline(); });
    window.addEventListener('hashchange', () => {  // an edited or pasted link
      const h = readHash();
      const lv = h.level !== null && h.level < S.levels.length ? h.level : S.level;
      if (lv !== S.level) loadLevel(lv, h.schedule);
      else if (h.schedule !== encodeToken(S.picks)) {
        try {
          goTo(decodeToken(h.schedule));
        } catch (e) {
          showError(e.message);
        }
      }
    });

    try {
      S.levels = await api('levels');
    } catch (e) {
      showError(e.message);
      $('level-title').textContent = 'No levels';
      setBusy(false);
      return;
    }
    const sel = $('level-select');
    for (const l of S.levels)
      sel.append(el('option', { value: l.level }, `${l.level}. ${l.title || l.name}${l.goal ? '' : ' (free play)'}`));
    const h = readHash();
    let lv = h.level === null ? 0 : h.level;
    if (lv >= S.levels.length) {
      showError(`level ${lv} is past the last level (${S.levels.length - 1})`);
      lv = 0;
    }
    await loadLevel(lv, h.schedule);
  }

  init();
})();
