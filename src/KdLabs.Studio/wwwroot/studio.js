// KdLabs Studio page: every control change submits a run; progress arrives as server-sent events.
// The softened-distribution chart is computed here from shipped logits, so it follows the T slider instantly.
'use strict';
(function () {
  const $ = id => document.getElementById(id);
  const state = {
    config: null, session: newSession(), source: null, runTimer: null, runId: null,
    studentLogits: null, baselineLogits: null, seq: 0, submitting: Promise.resolve(), lastDone: null, eventCount: 0, softenLatencies: [],
  };
  window.kdStudio = state;
  const plotConfig = { responsive: true, displaylogo: false };
  const fields = { alpha: 'alpha', temperature: 'temperature', student: 'student', epochs: 'epochs', trainSize: 'train-size', seed: 'seed', dataset: 'dataset', method: 'method' };

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

  function showError(message, field) {
    const box = $('error');
    box.textContent = message;
    box.hidden = false;
    document.querySelectorAll('.invalid').forEach(e => e.classList.remove('invalid'));
    if (field && fields[field]) { $(fields[field]).classList.add('invalid'); }
  }

  function clearError() {
    $('error').hidden = true;
    $('error').textContent = '';
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
      epochs: readNumber('epochs'), trainSize: readNumber('train-size'), seed: readNumber('seed'), dataset: $('dataset').value, method: $('method').value,
    };
  }

  function pct(v) { return (100 * v).toFixed(2) + '%'; }

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

  // ---- learning curve and accuracy ----
  function resetCurve() {
    const layout = {
      margin: { t: 10, r: 10, b: 40, l: 50 }, legend: { orientation: 'h', y: -0.25 },
      xaxis: { title: { text: 'training images seen' } }, yaxis: { title: { text: 'accuracy' }, range: [0, 1] },
    };
    const traces = [
      { name: 'KD: running train accuracy', x: [], y: [], mode: 'lines', line: { color: '#2680c2' } },
      { name: 'no KD: running train accuracy', x: [], y: [], mode: 'lines', line: { color: '#f0b429' } },
      { name: 'KD: test accuracy', x: [], y: [], mode: 'markers', marker: { color: '#2680c2', size: 10, symbol: 'diamond' } },
      { name: 'no KD: test accuracy', x: [], y: [], mode: 'markers', marker: { color: '#f0b429', size: 10, symbol: 'diamond' } },
    ];
    return Plotly.react('curve', traces, layout, plotConfig);
  }

  function drawAccuracy(done) {
    const labels = ['no KD (same seed, budget)', `KD α=${done.alpha}, T=${done.temperature}`];
    const values = [done.baselineAccuracy, done.accuracy];
    const lo = Math.max(0, Math.min(...values) - 0.02), hi = Math.min(1, Math.max(...values) + 0.01);
    Plotly.react('accuracy', [{
      type: 'bar', x: labels, y: values, text: values.map(pct), textposition: 'outside', marker: { color: ['#f0b429', '#2680c2'] },
    }], {
      margin: { t: 20, r: 10, b: 40, l: 50 }, yaxis: { title: { text: 'test accuracy' }, range: [lo, hi], tickformat: '.1%' },
      annotations: [{ xref: 'paper', yref: 'paper', x: 0.5, y: 1.05, showarrow: false, text: `${done.gainPoints >= 0 ? '+' : ''}${done.gainPoints.toFixed(2)} points` }],
    }, plotConfig);
    $('accuracy').dataset.accuracy = String(done.accuracy);
  }

  // ---- α × T grid ----
  function gridQuery() {
    const r = request();
    return `student=${encodeURIComponent(r.student)}&epochs=${r.epochs}&trainSize=${r.trainSize}&seed=${r.seed}`;
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
      return c && c.baselineAccuracy != null ? 100 * (c.accuracy - c.baselineAccuracy) : null;
    }));
    const text = temps.map(t => alphas.map(a => {
      const c = cells.find(x => x.alpha === a && x.temperature === t);
      return c ? pct(c.accuracy) : '';
    }));
    Plotly.react('grid', [{
      type: 'heatmap', x: alphas.map(String), y: temps.map(String), z, text, texttemplate: '%{text}', colorscale: 'RdBu', zmid: 0,
      hovertemplate: 'α=%{x}, T=%{y}<br>%{text}<br>%{z:.2f} points vs no KD<extra></extra>', colorbar: { title: { text: 'points' } },
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
    source.addEventListener('started', mine(d => setStatus(d.cached ? 'Replaying the cached result…' : `Training: KD α=${d.alpha}, T=${d.temperature}, ${d.student}, ${d.trainSize} images × ${d.epochs} epoch(s)…`)));
    source.addEventListener('progress', mine(d => {
      Plotly.extendTraces('curve', { x: [[d.images]], y: [[d.accuracy]] }, [d.phase === 'kd' ? 0 : 1]);
      setStatus(`${d.phase === 'kd' ? 'KD student' : 'no-KD baseline'}: epoch ${d.epoch}/${d.epochs}, step ${d.step}/${d.steps}, running accuracy ${pct(d.accuracy)}, ${d.seconds.toFixed(1)} s`);
    }));
    source.addEventListener('epoch', mine(d => {
      if (Number.isFinite(d.testAccuracy)) {
        Plotly.extendTraces('curve', { x: [[d.images]], y: [[d.testAccuracy]] }, [d.phase === 'kd' ? 2 : 3]);
      }
    }));
    source.addEventListener('done', mine(d => {
      finish();
      state.lastDone = d;
      state.studentLogits = d.shownLogits;
      state.baselineLogits = d.baselineShownLogits;
      drawAccuracy(d);
      drawSoft();
      drawGrid();
      setStatus(`Done${d.cached ? ' (cached)' : ''}: KD ${pct(d.accuracy)} vs no KD ${pct(d.baselineAccuracy)} (${d.gainPoints >= 0 ? '+' : ''}${d.gainPoints.toFixed(2)} points), ${d.totalSeconds.toFixed(1)} s.`);
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
    const c = await (await fetch('/api/config')).json();
    state.config = c;
    $('teacher').textContent = `Teacher ${c.teacher.model} (${pct(c.teacher.accuracy)} test accuracy, weights ${c.teacher.id.slice(0, 12)}…), students scored on ${c.limits.testSize.toLocaleString('en')} test images.`;
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
    $('digit').max = c.shown.labels.length - 1;
    pairUp('alpha-range', 'alpha');
    pairUp('temperature-range', 'temperature', ev => drawSoft(ev.timeStamp));
    pairUp('train-size-range', 'train-size');
    for (const id of ['student', 'epochs', 'seed', 'dataset', 'method']) {
      $(id).addEventListener('change', () => { scheduleRun(); drawGrid(); });
    }
    $('digit').addEventListener('input', () => { drawDigit(); drawSoft(); });
    $('controls').addEventListener('submit', ev => { ev.preventDefault(); clearTimeout(state.runTimer); startRun(); });
    drawDigit();
    await Promise.all([drawSoft(), resetCurve(), drawGrid()]);
    Plotly.react('accuracy', [], { margin: { t: 20, r: 10, b: 40, l: 50 }, annotations: [{ text: 'Runs appear here', showarrow: false, xref: 'paper', yref: 'paper', x: 0.5, y: 0.5 }] }, plotConfig);
    document.body.dataset.ready = 'true';
    startRun();
  }

  init().catch(e => showError('The studio could not load its settings: ' + e.message));
})();
