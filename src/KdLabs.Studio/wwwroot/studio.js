// KdLabs Studio page: it answers at once and shows the teacher's progress (/api/status) until the server is ready; then
// every control change submits a run (a KD student and its no-KD baseline per seed); progress arrives as server-sent events.
// The softened-distribution chart is computed here from shipped logits, so it follows the T slider instantly.
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const state = {
    config: null, session: newSession(), source: null, runTimer: null, runId: null,
    studentLogits: null, baselineLogits: null, seq: 0, submitting: Promise.resolve(), lastDone: null, eventCount: 0, softenLatencies: [],
    teacher: null, teacherPolls: 0, curve: null, curveFrame: 0, current: null, seedRows: [],
  };
  window.kdStudio = state;
  const plotConfig = { responsive: true, displaylogo: false };
  const fields = { alpha: 'alpha', temperature: 'temperature', student: 'student', epochs: 'epochs', trainSize: 'train-size', seed: 'seed', seeds: 'seeds', dataset: 'dataset', method: 'method' };

  function newSession() {
    return (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Math.random()).slice(2);
  }

  function softmax(logits, t) {
    const z = logits.map(v => v / t);
    const m = Math.max(...z);
    const e = z.map(v => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map(v => v / s);
  }

  function showError(message, field, detail) {
    const box = $('error');
    box.textContent = message;
    box.hidden = false;
    $('error-detail').textContent = detail || '';
    $('error-detail').hidden = !detail;
    document.querySelectorAll('.invalid').forEach(e => e.classList.remove('invalid'));
    if (field && fields[field]) { $(fields[field]).classList.add('invalid'); }
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
    $('error-detail').hidden = true;
    document.querySelectorAll('.invalid').forEach(e => e.classList.remove('invalid'));
  }

  function setStatus(text) { $('status').textContent = text; }

  function readNumber(id) {
    const raw = $(id).value.trim();
    const n = Number(raw);
    // Unreadable text goes to the server as text, so its validation (not a silent default) answers it.
    return raw === '' || !Number.isFinite(n) ? raw : n;
  }

  function request() {
    return {
      session: state.session, alpha: readNumber('alpha'), temperature: readNumber('temperature'), student: $('student').value,
      epochs: readNumber('epochs'), trainSize: readNumber('train-size'), seed: readNumber('seed'), seeds: readNumber('seeds'), dataset: $('dataset').value, method: $('method').value,
    };
  }

  function pct(v) { return (100 * v).toFixed(2) + '%'; }
  function points(v) { return (v >= 0 ? '+' : '−') + Math.abs(v).toFixed(2); }
  function duration(seconds) {
    const s = Math.max(0, Math.round(seconds));
    if (s < 60) { return `${s} s`; }
    if (s < 3600) { return s % 60 === 0 ? `${s / 60} min` : `${Math.floor(s / 60)} min ${s % 60} s`; }
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  // ---- the teacher, before the studio is ready ----
  function teacherText(t) {
    if (t.state === 'training-teacher' && t.epoch) {
      const parts = [`Training the teacher: epoch ${t.epoch} of ${t.epochs}`];
      if (t.steps) { parts.push(`step ${t.step}/${t.steps}`); }
      if (t.trainAccuracy != null) { parts.push(`running accuracy ${pct(t.trainAccuracy)}`); }
      if (t.testAccuracy != null) { parts.push(`last test accuracy ${pct(t.testAccuracy)}`); }
      if (t.secondsLeft != null) { parts.push(`about ${duration(t.secondsLeft)} left`); }
      return parts.join(', ') + '.';
    }
    return `Starting: ${t.message}…`;
  }

  function showTeacher(t) {
    state.teacher = t;
    document.body.dataset.phase = t.state;
    $('teacher-progress').hidden = t.ready;
    $('teacher-status').textContent = teacherText(t);
    $('teacher-bar').value = t.epoch && t.epochs ? Math.min(1, ((t.epoch - 1) + (t.steps ? t.step / t.steps : 0)) / t.epochs) : 0;
    if (!t.ready && t.state !== 'failed') {
      setStatus('Training starts when the teacher is ready. ' + (t.notReady || ''));
    }
  }

  // Polls /api/status until the engine is up; a failed start is shown with its stack trace and polling stops.
  async function waitForTeacher() {
    for (;;) {
      let t = null;
      try {
        const res = await fetch('/api/status', { cache: 'no-store' });
        if (res.ok) { t = await res.json(); }
      } catch (e) { /* the server may be starting; try again */ }
      if (t) {
        state.teacherPolls++;
        showTeacher(t);
        if (t.ready) { return true; }
        if (t.state === 'failed' || t.state === 'stopped') {
          $('teacher').textContent = t.state === 'failed' ? 'The teacher could not be loaded or trained.' : 'The studio stopped.';
          showError(t.notReady || 'The studio could not start.', null, t.error);
          setStatus('Not started: the studio has no teacher.');
          return false;
        }
      }
      await new Promise(r => setTimeout(r, 700));
    }
  }

  // ---- softened distributions (client-side) ----
  function drawSoft(startTime) {
    const c = state.config;
    const i = Math.max(0, Math.min(c.shown.labels.length - 1, Math.round(Number($('digit').value) || 0)));
    const t = Number($('temperature').value);
    const temperature = Number.isFinite(t) && t > 0 ? t : c.defaults.temperature;
    const classes = [...Array(10).keys()].map(String);
    const traces = [{ type: 'bar', name: 'teacher', x: classes, y: softmax(c.shown.teacherLogits[i], temperature), marker: { color: '#243b53' } }];
    if (state.studentLogits) {
      traces.push({ type: 'bar', name: 'KD student', x: classes, y: softmax(state.studentLogits[i], temperature), marker: { color: '#2680c2' } });
    }
    if (state.baselineLogits) {
      traces.push({ type: 'bar', name: 'no-KD student', x: classes, y: softmax(state.baselineLogits[i], temperature), marker: { color: '#f0b429' } });
    }
    const layout = {
      barmode: 'group', margin: { t: 30, r: 10, b: 40, l: 50 }, legend: { orientation: 'h', y: -0.2 },
      title: { text: `digit #${i} (label ${c.shown.labels[i]}) at T = ${temperature}`, font: { size: 13 } },
      yaxis: { title: { text: 'probability' }, range: [0, 1] }, xaxis: { title: { text: 'class' } },
    };
    return Plotly.react('soft', traces, layout, plotConfig).then(() => {
      if (startTime !== undefined) {
        // Event time to the frame after the redraw: what the user waits for.
        requestAnimationFrame(() => state.softenLatencies.push(performance.now() - startTime));
      }
      $('soft').dataset.temperature = String(temperature);
    });
  }

  function drawDigit() {
    const c = state.config;
    const i = Math.max(0, Math.min(c.shown.labels.length - 1, Math.round(Number($('digit').value) || 0)));
    const px = c.shown.pixels[i];
    const canvas = $('digit-image');
    const ctx = canvas.getContext('2d');
    const img = ctx.createImageData(28, 28);
    for (let p = 0; p < 784; p++) {
      const v = Math.max(0, Math.min(255, Math.round(255 * (1 - px[p]))));
      img.data.set([v, v, v, 255], 4 * p);
    }
    const tmp = document.createElement('canvas');
    tmp.width = 28; tmp.height = 28;
    tmp.getContext('2d').putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(tmp, 0, 0, canvas.width, canvas.height);
  }

  // ---- learning curve (one line per student and seed) and accuracy over seeds ----
  const colors = { kd: '#2680c2', baseline: '#f0b429' };
  const names = { kd: 'KD', baseline: 'no KD' };

  function resetCurve() {
    state.curve = {
      lines: {},
      traces: [
        { name: 'KD: test accuracy', x: [], y: [], mode: 'markers', marker: { color: colors.kd, size: 10, symbol: 'diamond' } },
        { name: 'no KD: test accuracy', x: [], y: [], mode: 'markers', marker: { color: colors.baseline, size: 10, symbol: 'diamond' } },
      ],
    };
    return redrawCurve();
  }

  function curveLine(phase, seed) {
    const key = `${phase}-${seed}`;
    let line = state.curve.lines[key];
    if (!line) {
      const first = !Object.keys(state.curve.lines).some(k => k.startsWith(phase + '-'));
      line = { name: `${names[phase]}: running train accuracy`, legendgroup: phase, showlegend: first, x: [], y: [], mode: 'lines', line: { color: colors[phase], width: 1.5 }, meta: { phase, seed } };
      state.curve.lines[key] = line;
      state.curve.traces.push(line);
    }
    return line;
  }

  function redrawCurve() {
    const layout = {
      margin: { t: 10, r: 10, b: 40, l: 50 }, legend: { orientation: 'h', y: -0.25 },
      xaxis: { title: { text: 'training images seen (one line per student and seed)' } }, yaxis: { title: { text: 'accuracy' }, range: [0, 1] },
    };
    return Plotly.react('curve', state.curve.traces, layout, plotConfig);
  }

  // Replayed runs send hundreds of points at once: one redraw per frame.
  function scheduleCurve() {
    if (state.curveFrame) { return; }
    state.curveFrame = requestAnimationFrame(() => { state.curveFrame = 0; redrawCurve(); });
  }

  function mean(v) { return v.reduce((a, b) => a + b, 0) / v.length; }
  function std(v) { if (v.length < 2) { return null; } const m = mean(v); return Math.sqrt(v.reduce((a, b) => a + (b - m) * (b - m), 0) / (v.length - 1)); }

  function seedRow(d) {
    state.seedRows = state.seedRows.filter(r => r.seed !== d.seed).concat([d]).sort((a, b) => a.seed - b.seed);
    drawSeedTable();
  }

  function drawSeedTable(done) {
    const rows = state.seedRows;
    const body = $('seed-table').tBodies[0];
    body.replaceChildren(...rows.map(r => {
      const tr = document.createElement('tr');
      for (const text of [String(r.seed), pct(r.baselineAccuracy), pct(r.accuracy), points(r.gainPoints)]) {
        const td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
      }
      return tr;
    }));
    const foot = $('seed-table').tFoot;
    foot.replaceChildren();
    if (rows.length > 0) {
      const kd = rows.map(r => r.accuracy), base = rows.map(r => r.baselineAccuracy), gain = rows.map(r => r.gainPoints);
      const sd = v => { const s = std(v); return s == null ? '' : ` ± ${s.toFixed(2)}`; };
      const tr = document.createElement('tr');
      for (const text of ['mean ± std', `${(100 * mean(base)).toFixed(2)}${sd(base.map(x => 100 * x))} %`, `${(100 * mean(kd)).toFixed(2)}${sd(kd.map(x => 100 * x))} %`, `${points(mean(gain))}${sd(gain)}`]) {
        const td = document.createElement('td'); td.textContent = text; tr.appendChild(td);
      }
      foot.appendChild(tr);
    }
    $('seed-table').dataset.rows = String(rows.length);
  }

  function drawAccuracy(done) {
    const seeds = done.perSeed;
    const kd = seeds.map(r => r.accuracy), base = seeds.map(r => r.baselineAccuracy);
    const labels = ['no KD (same seeds, budget)', `KD α=${done.alpha}, T=${done.temperature}`];
    const means = [done.baselineAccuracy, done.accuracy];
    const stds = [done.baselineStd, done.accuracyStd].map(v => v == null ? 0 : v);
    const all = kd.concat(base);
    const lo = Math.max(0, Math.min(...all) - 0.02), hi = Math.min(1, Math.max(...all) + 0.015);
    const n = seeds.length;
    Plotly.react('accuracy', [
      {
        type: 'bar', name: 'mean ± std', x: labels, y: means, marker: { color: ['#f0b429', '#2680c2'], opacity: 0.55 },
        error_y: { type: 'data', array: stds, visible: n > 1, color: '#243b53', thickness: 2, width: 12 },
        text: means.map((m, i) => pct(m) + (n > 1 ? ` ± ${(100 * stds[i]).toFixed(2)}` : '')), textposition: 'outside', cliponaxis: false,
      },
      { type: 'scatter', mode: 'markers', name: 'one seed', x: base.map(() => labels[0]).concat(kd.map(() => labels[1])), y: base.concat(kd),
        text: seeds.map(r => `seed ${r.seed}`).concat(seeds.map(r => `seed ${r.seed}`)), marker: { color: '#102a43', size: 7 }, hovertemplate: '%{text}: %{y:.2%}<extra></extra>' },
    ], {
      margin: { t: 24, r: 10, b: 40, l: 50 }, showlegend: false, yaxis: { title: { text: 'test accuracy' }, range: [lo, hi], tickformat: '.1%' },
      annotations: [{ xref: 'paper', yref: 'paper', x: 0.5, y: 1.08, showarrow: false,
        text: `${points(done.gainPoints)}${done.gainStd != null ? ' ± ' + done.gainStd.toFixed(2) : ''} points over ${n} seed${n === 1 ? '' : 's'} (paired)` }],
    }, plotConfig);
    $('accuracy').dataset.accuracy = String(done.accuracy);
    $('accuracy').dataset.seeds = String(n);
    state.seedRows = seeds.map(r => ({ seed: r.seed, accuracy: r.accuracy, baselineAccuracy: r.baselineAccuracy, gainPoints: r.gainPoints }));
    drawSeedTable();
    $('verdict').textContent = done.verdictText;
    $('verdict').className = done.verdict;
  }

  // ---- α × T grid ----
  function gridQuery() {
    const r = request();
    return `student=${encodeURIComponent(r.student)}&epochs=${r.epochs}&trainSize=${r.trainSize}&seed=${r.seed}&seeds=${r.seeds}`;
  }

  async function drawGrid() {
    let cells = [];
    try {
      const res = await fetch('/api/grid?' + gridQuery());
      if (res.ok) { cells = (await res.json()).cells; }
    } catch (e) { /* the grid is optional; the next run redraws it */ }
    const alphas = [...new Set(cells.map(c => c.alpha))].sort((a, b) => a - b);
    const temps = [...new Set(cells.map(c => c.temperature))].sort((a, b) => a - b);
    const z = temps.map(t => alphas.map(a => {
      const c = cells.find(x => x.alpha === a && x.temperature === t);
      return c && c.gainPoints != null ? c.gainPoints : null;
    }));
    const text = temps.map(t => alphas.map(a => {
      const c = cells.find(x => x.alpha === a && x.temperature === t);
      return c ? `${pct(c.accuracy)} (${c.seeds.length})` : '';
    }));
    Plotly.react('grid', [{
      type: 'heatmap', x: alphas.map(String), y: temps.map(String), z, text, texttemplate: '%{text}', colorscale: 'RdBu', zmid: 0,
      hovertemplate: 'α=%{x}, T=%{y}<br>KD %{text} seeds<br>%{z:.2f} points vs no KD (mean over the seeds)<extra></extra>', colorbar: { title: { text: 'points' } },
    }], {
      margin: { t: 10, r: 10, b: 40, l: 50 }, xaxis: { title: { text: 'α' }, type: 'category' }, yaxis: { title: { text: 'T' }, type: 'category' },
    }, plotConfig);
    $('grid').dataset.cells = String(cells.length);
  }

  // ---- runs ----
  function scheduleRun() {
    clearTimeout(state.runTimer);
    state.runTimer = setTimeout(startRun, 250);
  }

  // Submissions go one after another, and only the newest one's stream is followed: a slow answer to an older
  // submission can never take the page back to a run that a newer one has already superseded.
  function startRun() {
    const seq = ++state.seq;
    state.submitting = state.submitting.then(() => submit(seq));
    return state.submitting;
  }

  async function submit(seq) {
    if (seq !== state.seq) { return; }
    const body = request();
    let res;
    try {
      res = await fetch('/api/runs', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    } catch (e) {
      showError('The studio server cannot be reached: is `kdlabs studio` still running?');
      return;
    }
    const answer = await res.json().catch(() => ({ error: `HTTP ${res.status}` }));
    if (!res.ok) {
      // The newest submission was refused, so the page follows no run: an older run's progress must not overwrite
      // the refusal (the server keeps that run going; its result is cached as usual).
      if (seq === state.seq && state.source) { state.source.close(); state.source = null; state.runId = null; }
      showError(answer.error || `HTTP ${res.status}`, answer.field);
      setStatus(res.status === 400 ? 'Not started: fix the highlighted value.' : 'Not started.');
      return;
    }
    if (seq !== state.seq) { return; }
    clearError();
    if (state.source) { state.source.close(); }
    state.runId = answer.runId;
    await resetCurve();
    setStatus(answer.cached ? 'From the cache…' : 'Queued…');
    follow(answer);
  }

  function follow(answer) {
    const source = new EventSource(answer.events);
    state.source = source;
    const mine = handler => ev => { if (state.source === source) { state.eventCount++; handler(JSON.parse(ev.data)); } };
    const finish = () => { source.close(); if (state.source === source) { state.source = null; } };
    source.addEventListener('started', mine(d => {
      state.seedRows = [];
      drawSeedTable();
      setStatus(d.cached ? 'Replaying the cached result…' : `Training: KD α=${d.alpha}, T=${d.temperature}, ${d.student}, ${d.trainSize} images × ${d.epochs} epoch(s), seeds ${d.seedList.join(', ')}, each with its no-KD baseline…`);
    }));
    source.addEventListener('student', mine(d => { state.current = d; curveLine(d.phase, d.seed); scheduleCurve(); }));
    source.addEventListener('progress', mine(d => {
      const c = state.current || { phase: d.phase, seed: 0, index: 0, count: 1 };
      const line = curveLine(d.phase, c.seed);
      line.x.push(d.images); line.y.push(d.accuracy);
      scheduleCurve();
      setStatus(`${d.phase === 'kd' ? 'KD student' : 'no-KD baseline'}, seed ${c.seed} (${c.index + 1} of ${c.count}): epoch ${d.epoch}/${d.epochs}, step ${d.step}/${d.steps}, running accuracy ${pct(d.accuracy)}, ${d.seconds.toFixed(1)} s`);
    }));
    source.addEventListener('epoch', mine(d => {
      if (Number.isFinite(d.testAccuracy)) {
        const t = state.curve.traces[d.phase === 'kd' ? 0 : 1];
        t.x.push(d.images); t.y.push(d.testAccuracy);
        scheduleCurve();
      }
    }));
    source.addEventListener('seed', mine(d => seedRow(d)));
    source.addEventListener('note', mine(d => setStatus(d.message)));
    source.addEventListener('done', mine(d => {
      finish();
      state.lastDone = d;
      state.studentLogits = d.shownLogits;
      state.baselineLogits = d.baselineShownLogits;
      drawAccuracy(d);
      drawSoft();
      drawGrid();
      const spread = d.gainStd != null ? ` ± ${d.gainStd.toFixed(2)}` : '';
      setStatus(`Done${d.cached ? ' (cached)' : ''}: over ${d.seeds} seed(s), KD ${pct(d.accuracy)} vs no KD ${pct(d.baselineAccuracy)} (${points(d.gainPoints)}${spread} points), ${d.totalSeconds.toFixed(1)} s.`);
    }));
    source.addEventListener('cancelled', mine(d => { finish(); setStatus(d.message); }));
    source.addEventListener('error', ev => {
      if (ev.data) {
        mine(d => { finish(); showError(d.message); setStatus('The run failed.'); })(ev);
      } else if (source.readyState === EventSource.CLOSED && state.source === source) {
        showError('The connection to the studio server was lost.');
      }
    });
  }

  // ---- controls ----
  function pairUp(rangeId, numberId, onInput) {
    const range = $(rangeId), number = $(numberId);
    range.addEventListener('input', ev => { number.value = range.value; if (onInput) { onInput(ev); } });
    range.addEventListener('change', scheduleRun);
    number.addEventListener('input', ev => { const v = Number(number.value); if (Number.isFinite(v)) { range.value = String(v); } if (onInput) { onInput(ev); } });
    number.addEventListener('change', scheduleRun);
  }

  async function init() {
    // The page is up before the teacher: its progress shows here until the server can train students.
    if (!(await waitForTeacher())) { return; }
    const c = await (await fetch('/api/config')).json();
    state.config = c;
    $('teacher').textContent = `Teacher ${c.teacher.model} (${pct(c.teacher.accuracy)} test accuracy, weights ${c.teacher.id.slice(0, 12)}…), students scored on ${c.limits.testSize.toLocaleString('en')} test images. Defaults: lesson 02's regime.`;
    for (const s of c.students) { $('student').add(new Option(s, s)); }
    for (const d of c.datasets) { $('dataset').add(new Option(d.name, d.id)); }
    for (const m of c.methods) { $('method').add(new Option(m.name, m.id)); }
    const d = c.defaults;
    $('alpha').value = $('alpha-range').value = d.alpha;
    $('temperature').value = $('temperature-range').value = d.temperature;
    $('student').value = d.student;
    $('epochs').value = d.epochs;
    $('epochs').max = c.limits.maxEpochs;
    $('train-size-range').max = c.limits.maxTrainSize;
    $('train-size-range').min = Math.min(1000, c.limits.maxTrainSize);
    $('train-size').value = $('train-size-range').value = d.trainSize;
    $('train-size').max = c.limits.maxTrainSize;
    $('seed').value = d.seed;
    $('seeds').value = d.seeds;
    $('seeds').max = c.limits.maxSeeds;
    $('digit').max = c.shown.labels.length - 1;
    pairUp('alpha-range', 'alpha');
    pairUp('temperature-range', 'temperature', ev => drawSoft(ev.timeStamp));
    pairUp('train-size-range', 'train-size');
    for (const id of ['student', 'epochs', 'seed', 'seeds', 'dataset', 'method']) {
      $(id).addEventListener('change', () => { scheduleRun(); drawGrid(); });
    }
    $('digit').addEventListener('input', () => { drawDigit(); drawSoft(); });
    $('controls').addEventListener('submit', ev => { ev.preventDefault(); clearTimeout(state.runTimer); startRun(); });
    drawDigit();
    await Promise.all([drawSoft(), resetCurve(), drawGrid()]);
    Plotly.react('accuracy', [], { margin: { t: 20, r: 10, b: 40, l: 50 }, annotations: [{ text: 'Runs appear here: each seed trains a KD student and its no-KD baseline', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] }, plotConfig);
    $('verdict').textContent = 'A gain smaller than the seed-to-seed spread is noise: the table below gives each seed\'s paired gain, and the verdict says which it is.';
    $('control-set').disabled = false;
    document.body.dataset.ready = 'true';
    startRun();
  }

  init().catch(e => showError('The studio could not load its settings: ' + e.message));
})();
