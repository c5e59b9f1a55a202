// coordcheck report script: decodes the page's JSON blocks and draws the timeline and plots on
// canvases. Every value from a history is shown with textContent, never as HTML.
(function () {
  'use strict';
  var doc = document;

  function $(id) { return doc.getElementById(id); }
  function readJson(id) {
    var node = $(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function el(tag, cls, text) {
    var e = doc.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  var OUTCOMES = ['ok', 'fail', 'info', 'never completed'];
  var OUTCOME_COLOR = ['#3fa34d', '#d9534f', '#f0ad4e', '#a0a0a0'];
  var NEMESIS_COLOR = '#7e57c2';
  var PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2',
    '#7f7f7f', '#bcbd22', '#17becf'];
  var QUANTILES = ['p50', 'p95', 'p99', 'max'];
  var QUANTILE_DASH = [[], [6, 3], [2, 3], [8, 3, 2, 3]];
  var OUTCOME_DASH = [[], [6, 3], [2, 3]];

  function fmtS(us) { return (us / 1e6).toFixed(3) + ' s'; }
  function fmtDur(us) {
    if (us < 1000) return us.toFixed(0) + ' \u00b5s';
    if (us < 1e6) return (us / 1000).toFixed(1) + ' ms';
    return (us / 1e6).toFixed(2) + ' s';
  }
  function fmtNum(v) {
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1e6 || a < 0.01) return v.toPrecision(3).replace(/\.?0+e/, 'e');
    return String(Math.round(v * 1000) / 1000);
  }
  // A duration in ms for an axis: "10 s", "250 ms", "5 \u00b5s".
  function fmtMs(v) {
    var a = Math.abs(v);
    if (a === 0) return '0';
    if (a >= 1000) return fmtNum(v / 1000) + ' s';
    if (a >= 1) return fmtNum(v) + ' ms';
    return fmtNum(v * 1000) + ' \u00b5s';
  }
  function colorOfF(f) { return PALETTE[f % PALETTE.length]; }

  // ---- data ---------------------------------------------------------------------------

  var data = readJson('report-data');
  // Each fault family's colour, from the fault catalogue (nemesis/families.h).
  var FAULT_COLOR = (data && data.fault_colours) || {};
  var values = readJson('op-values') || {};
  var T = decodeTimeline(readJson('timeline-data'));

  // The client ops as columns (see reports/history_view.h, EncodeTimeline).
  function decodeTimeline(tl) {
    var n = tl ? tl.n : 0;
    var cols = {
      n: n, idx: new Float64Array(n), comp: new Float64Array(n), lane: new Int32Array(n),
      start: new Float64Array(n), end: new Float64Array(n), outcome: new Uint8Array(n),
      f: new Int32Array(n)
    };
    if (!n) return cols;
    var bin = atob(tl.b64);
    var p = 0;
    function next() {
      var r = 0, s = 1, b;
      do {
        b = bin.charCodeAt(p++);
        r += (b & 127) * s;
        s *= 128;
      } while (b & 128);
      return r;
    }
    var invoke = 0, start = 0;
    for (var i = 0; i < n; i++) {
      invoke += next();
      cols.idx[i] = invoke;
      cols.lane[i] = next();
      start += next();
      cols.start[i] = start;
      cols.end[i] = start + next();
      var code = next();
      cols.outcome[i] = code & 3;
      cols.f[i] = Math.floor(code / 4);
      var cd = next();
      cols.comp[i] = cd ? invoke + cd : -1;
    }
    return cols;
  }

  // Per lane, its ops' positions in T (sorted by start; disjoint, so by end too).
  function buildLanes(count) {
    var sizes = new Int32Array(count), lanes = [], i;
    for (i = 0; i < T.n; i++) sizes[T.lane[i]]++;
    for (i = 0; i < count; i++) lanes.push(new Int32Array(sizes[i]));
    var fill = new Int32Array(count);
    for (i = 0; i < T.n; i++) lanes[T.lane[i]][fill[T.lane[i]]++] = i;
    return lanes;
  }

  // Per lane, cumulative counts of fail, info and pending ops: cum[k][i] = ops of outcome k + 1
  // among the lane's first i ops (for drawing many ops per pixel).
  function buildCounts(lanes) {
    return lanes.map(function (arr) {
      var cum = [new Int32Array(arr.length + 1), new Int32Array(arr.length + 1), new Int32Array(arr.length + 1)];
      for (var i = 0; i < arr.length; i++) {
        var o = T.outcome[arr[i]];
        for (var k = 0; k < 3; k++) cum[k][i + 1] = cum[k][i] + (o === k + 1 ? 1 : 0);
      }
      return cum;
    });
  }

  // First position in `arr` at or after `from` whose op starts at or after t.
  function firstStartingAfter(arr, t, from) {
    var lo = from, hi = arr.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (T.start[arr[mid]] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // First position in `arr` whose op ends at or after t.
  function firstEndingAfter(arr, t) {
    var lo = 0, hi = arr.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (T.end[arr[mid]] < t) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  // Position in T of the client op named `op` (its invoke index), or -1.
  function clientPos(op) {
    var lo = 0, hi = T.n - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (T.idx[mid] === op) return mid;
      if (T.idx[mid] < op) lo = mid + 1; else hi = mid - 1;
    }
    return -1;
  }
  function nemesisOp(op) {
    var list = data.nemesis;
    for (var i = 0; i < list.length; i++) if (list[i][0] === op) return list[i];
    return null;
  }

  // ---- the shared time window ---------------------------------------------------------

  var view = { t0: 0, t1: 1, max: 1 };
  var drawers = [];
  var pending = false;
  function redrawAll() {
    for (var i = 0; i < drawers.length; i++) drawers[i]();
    var range = $('tl-range');
    if (range) range.textContent = fmtS(view.t0) + ' \u2013 ' + fmtS(view.t1) + ' (' + fmtDur(view.t1 - view.t0) + ')';
  }
  function scheduleRedraw() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; redrawAll(); });
  }
  function setView(t0, t1) {
    var w = Math.min(Math.max(t1 - t0, 10), view.max);
    t0 = Math.max(0, Math.min(t0, view.max - w));
    view.t0 = t0;
    view.t1 = t0 + w;
    scheduleRedraw();
  }
  function zoomAt(t, factor) {
    setView(t - (t - view.t0) * factor, t + (view.t1 - t) * factor);
  }

  // ---- canvas helpers -----------------------------------------------------------------

  function prepare(canvas, height) {
    var dpr = window.devicePixelRatio || 1;
    var width = canvas.clientWidth || (canvas.parentNode && canvas.parentNode.clientWidth) || 900;
    canvas.style.height = height + 'px';
    canvas.width = Math.max(1, Math.round(width * dpr));
    canvas.height = Math.max(1, Math.round(height * dpr));
    var ctx = canvas.getContext('2d');
    if (!ctx) return null;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    return { ctx: ctx, w: width, h: height };
  }

  function niceStep(span, target) {
    var raw = span / Math.max(1, target), p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  function drawTimeAxis(ctx, X, left, right, y, tickTop, tickBottom) {
    var step = niceStep(view.t1 - view.t0, Math.max(2, (right - left) / 110));
    var decimals = Math.max(0, Math.min(6, -Math.floor(Math.log10(step / 1e6) + 1e-9)));
    ctx.fillStyle = '#6b6b70';
    ctx.strokeStyle = '#e6e6ea';
    ctx.lineWidth = 1;
    ctx.textAlign = 'center';
    for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      var x = Math.round(X(t)) + 0.5;
      if (x < left || x > right) continue;
      ctx.beginPath();
      ctx.moveTo(x, tickTop);
      ctx.lineTo(x, tickBottom);
      ctx.stroke();
      ctx.fillText((t / 1e6).toFixed(decimals) + ' s', x, y);
    }
    ctx.textAlign = 'left';
  }

  function drawFaults(ctx, X, left, right, top, bottom, alpha) {
    var faults = data.faults;
    for (var i = 0; i < faults.length; i++) {
      var f = faults[i];
      if (f.e < view.t0 || f.s > view.t1) continue;
      ctx.fillStyle = FAULT_COLOR[f.family] || '#999';
      if (f.mark) {
        var xm = X(f.s);
        if (xm < left || xm > right) continue;
        ctx.globalAlpha = 0.8;
        ctx.fillRect(Math.round(xm) - 1, top, 2, bottom - top);
      } else {
        var x0 = Math.max(left, X(f.s)), x1 = Math.min(right, X(f.e));
        ctx.globalAlpha = alpha;
        ctx.fillRect(x0, top, Math.max(1, x1 - x0), bottom - top);
      }
    }
    ctx.globalAlpha = 1;
  }

  // Stretches of the run that checkers marked (their details' timeline_bands; see
  // reports/checker_sections.h), e.g. windows of unavailability.
  var BAND_COLOR = '#455a64';
  function drawBands(ctx, X, left, right, top, bottom, alpha) {
    var bands = data.bands || [];
    ctx.fillStyle = BAND_COLOR;
    ctx.globalAlpha = alpha;
    for (var i = 0; i < bands.length; i++) {
      var b = bands[i];
      if (b.e < view.t0 || b.s > view.t1) continue;
      var x0 = Math.max(left, X(b.s)), x1 = Math.min(right, X(b.e));
      ctx.fillRect(x0, top, Math.max(1, x1 - x0), bottom - top);
    }
    ctx.globalAlpha = 1;
  }

  // Wheel zoom, drag pan, click and hover on a canvas whose time axis spans [left, width-right].
  function attachZoomPan(canvas, left, right, onClick, onHover) {
    var drag = null;
    function timeAt(x) {
      var w = canvas.clientWidth - left - right;
      return view.t0 + (x - left) / Math.max(1, w) * (view.t1 - view.t0);
    }
    function pos(e) {
      var r = canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top };
    }
    canvas.addEventListener('wheel', function (e) {
      e.preventDefault();
      var p = pos(e);
      zoomAt(timeAt(p.x), e.deltaY > 0 ? 1.25 : 0.8);
    }, { passive: false });
    canvas.addEventListener('mousedown', function (e) {
      var p = pos(e);
      drag = { x: p.x, t0: view.t0, t1: view.t1, moved: false };
    });
    window.addEventListener('mousemove', function (e) {
      if (!drag) return;
      var p = pos(e);
      if (Math.abs(p.x - drag.x) > 3) drag.moved = true;
      var w = canvas.clientWidth - left - right;
      var dt = (p.x - drag.x) / Math.max(1, w) * (drag.t1 - drag.t0);
      if (drag.moved) setView(drag.t0 - dt, drag.t1 - dt);
    });
    window.addEventListener('mouseup', function (e) {
      if (!drag) return;
      var d = drag;
      drag = null;
      if (!d.moved && onClick) {
        var p = pos(e);
        onClick(p.x, p.y, timeAt(p.x));
      }
    });
    if (onHover) {
      canvas.addEventListener('mousemove', function (e) {
        if (drag) return;
        var p = pos(e);
        onHover(p.x, p.y, timeAt(p.x), e.clientX, e.clientY);
      });
      canvas.addEventListener('mouseleave', function () { hideTooltip(); });
    }
  }

  var tooltip = $('tooltip');
  function showTooltip(text, cx, cy) {
    if (!tooltip) return;
    tooltip.textContent = text;
    tooltip.hidden = false;
    tooltip.style.left = Math.min(cx + 14, window.innerWidth - 470) + 'px';
    tooltip.style.top = (cy + 14) + 'px';
  }
  function hideTooltip() { if (tooltip) tooltip.hidden = true; }

  // ---- op details ---------------------------------------------------------------------

  var selected = -1;  // the op (invoke index) outlined on the timeline

  function valueText(entry, full, cut, line) {
    if (!entry) return 'not embedded; history.jsonl line ' + line;
    if (Object.prototype.hasOwnProperty.call(entry, full)) {
      var compact = JSON.stringify(entry[full]);
      return compact.length <= 100 ? compact : JSON.stringify(entry[full], null, 1);
    }
    if (Object.prototype.hasOwnProperty.call(entry, cut)) {
      return entry[cut] + '\n(cut; the whole value is on history.jsonl line ' + line + ')';
    }
    return null;
  }

  function describeOp(op) {
    var j = clientPos(op), lines = [];
    if (j >= 0) {
      var lane = data.lanes[T.lane[j]];
      var entry = values[String(op)];
      lines.push('op #' + op + ' \u00b7 ' + data.f_names[T.f[j]] + ' \u00b7 ' + OUTCOMES[T.outcome[j]] +
        (lane ? ' \u00b7 lane ' + lane.label : ''));
      lines.push('invoked ' + fmtS(T.start[j]) + (T.comp[j] >= 0 ? ', completed ' + fmtS(T.end[j]) +
        ' (' + fmtDur(T.end[j] - T.start[j]) + ')' : ', never completed'));
      if (entry && Object.prototype.hasOwnProperty.call(entry, 'v')) lines.push('value ' + JSON.stringify(entry.v).slice(0, 200));
      if (entry && Object.prototype.hasOwnProperty.call(entry, 'r')) lines.push('result ' + JSON.stringify(entry.r).slice(0, 200));
      if (!entry) lines.push('value not embedded; history.jsonl line ' + (op + 1));
      return lines.join('\n');
    }
    var n = nemesisOp(op);
    if (!n) return 'op #' + op;
    return 'op #' + op + ' \u00b7 nemesis ' + n[4] + '\n' + fmtS(n[2]) + ' \u2013 ' + fmtS(n[3]);
  }

  function showOp(op) {
    var box = $('op-details');
    if (!box) return;
    box.textContent = '';
    box.hidden = false;
    var j = clientPos(op), n = j < 0 ? nemesisOp(op) : null;
    var entry = values[String(op)];
    var dl = el('dl');
    function row(k, v) {
      if (v === null || v === undefined) return;
      dl.appendChild(el('dt', null, k));
      dl.appendChild(el('dd', null, v));
    }
    if (j >= 0) {
      var lane = data.lanes[T.lane[j]];
      box.appendChild(el('h4', null, 'op #' + op + ' \u2014 ' + data.f_names[T.f[j]] + ' (' + OUTCOMES[T.outcome[j]] + ')'));
      row('lane', lane ? lane.label + (lane.processes.length > 1 ? ' (processes ' + lane.processes.join(', ') +
        (lane.more ? ', \u2026' : '') + ')' : '') : '');
      row('invoked', fmtS(T.start[j]) + ' \u2014 history.jsonl line ' + (op + 1));
      if (T.comp[j] >= 0) {
        row('completed', fmtS(T.end[j]) + ' \u2014 line ' + (T.comp[j] + 1) + '; latency ' + fmtDur(T.end[j] - T.start[j]));
      } else {
        row('completed', 'never (pending at the end of the history)');
      }
      if (entry && entry.n !== undefined) row('node', entry.n);
      if (entry && (entry.k !== undefined || entry.kt !== undefined)) row('key', valueText(entry, 'k', 'kt', op + 1));
      row('value', valueText(entry, 'v', 'vt', op + 1) || 'null');
      if (T.comp[j] >= 0) {
        row('result', valueText(entry, 'r', 'rt', T.comp[j] + 1) || 'null');
        if (entry) row('error', valueText(entry, 'e', 'et', T.comp[j] + 1));
      }
    } else if (n) {
      box.appendChild(el('h4', null, 'op #' + op + ' \u2014 nemesis ' + n[4]));
      row('invoked', fmtS(n[2]) + ' \u2014 history.jsonl line ' + (op + 1));
      if (n[1] >= 0) row('completed', fmtS(n[3]) + ' \u2014 line ' + (n[1] + 1));
      row('value', valueText(entry, 'v', 'vt', op + 1));
      row('result', valueText(entry, 'r', 'rt', (n[1] >= 0 ? n[1] : op) + 1));
      if (entry) row('error', valueText(entry, 'e', 'et', (n[1] >= 0 ? n[1] : op) + 1));
      if (entry) row('extra', valueText(entry, 'x', 'xt', (n[1] >= 0 ? n[1] : op) + 1));
    } else {
      box.appendChild(el('h4', null, 'op #' + op + ' is not on the timeline'));
      box.appendChild(el('p', 'muted', 'history.jsonl line ' + (op + 1)));
    }
    box.appendChild(dl);
  }

  // Zooms the timeline to op `op`, outlines it and shows its details.
  function focusOp(op, scroll) {
    var j = clientPos(op), s, e;
    if (j >= 0) {
      s = T.start[j];
      e = T.end[j];
    } else {
      var n = nemesisOp(op);
      if (!n) {
        showOp(op);
        return;
      }
      s = n[2];
      e = n[3];
    }
    selected = op;
    var w = Math.max((e - s) * 6, Math.min(50000, view.max));
    setView((s + e) / 2 - w / 2, (s + e) / 2 + w / 2);
    showOp(op);
    var section = $('timeline-section');
    if (scroll && section && section.scrollIntoView) section.scrollIntoView({ block: 'start' });
  }

  // ---- the timeline -------------------------------------------------------------------

  function setupTimeline() {
    var canvas = $('timeline');
    if (!canvas) return;
    var LEFT = 74, RIGHT = 8, AXIS = 20, NEM = 14, GAP = 4;
    var BAND = (data.bands || []).length ? 14 : 0;  // the strip of checkers' bands, if any
    var laneCount = data.lanes.length;
    var laneOps = buildLanes(laneCount);
    var laneCounts = buildCounts(laneOps);
    var laneH = Math.max(4, Math.min(18, Math.floor(480 / Math.max(1, laneCount))));
    var top = AXIS + NEM + GAP + BAND;
    var height = top + laneCount * laneH + 8;
    var referenced = [];
    data.referenced.forEach(function (op) {
      var j = clientPos(op);
      if (j >= 0) referenced.push(j);
    });

    function geometry(width) {
      var k = (width - LEFT - RIGHT) / Math.max(1e-9, view.t1 - view.t0);
      return { k: k, X: function (t) { return LEFT + (t - view.t0) * k; } };
    }

    function draw() {
      var c = prepare(canvas, height);
      if (!c) return;
      var ctx = c.ctx, right = c.w - RIGHT, g = geometry(c.w), X = g.X;
      drawFaults(ctx, X, LEFT, right, AXIS, AXIS + NEM, 0.55);
      drawFaults(ctx, X, LEFT, right, top, height - 4, 0.13);
      if (BAND) {
        drawBands(ctx, X, LEFT, right, AXIS + NEM + GAP, top - 2, 0.7);
        drawBands(ctx, X, LEFT, right, top, height - 4, 0.08);
      }
      ctx.fillStyle = 'rgba(0,0,0,0.025)';
      for (var l = 1; l < laneCount; l += 2) ctx.fillRect(LEFT, top + l * laneH, right - LEFT, laneH);
      var barH = laneH > 6 ? laneH - 2 : laneH - 1, visible = 0, labels = [];
      for (l = 0; l < laneCount; l++) {
        var arr = laneOps[l], y = top + l * laneH + (laneH - barH) / 2;
        var from = firstEndingAfter(arr, view.t0), to = firstStartingAfter(arr, view.t1 + 1e-9, from);
        if (to - from > (right - LEFT) / 2) {
          visible += to - from;
          drawDense(ctx, arr, laneCounts[l], from, LEFT, right, g, y, barH);
          continue;
        }
        var runColor = -1, runX0 = 0, runX1 = 0;
        for (var i = from; i < arr.length; i++) {
          var o = arr[i], s = T.start[o];
          if (s > view.t1) break;
          visible++;
          var x0 = Math.max(LEFT - 1, X(s)), x1 = Math.min(right + 1, X(T.end[o]));
          if (x1 - x0 < 1) x1 = x0 + 1;
          var col = T.outcome[o];
          if (col === runColor && x0 <= runX1 + 0.5) {
            if (x1 > runX1) runX1 = x1;
          } else {
            if (runColor >= 0) {
              ctx.fillStyle = OUTCOME_COLOR[runColor];
              ctx.fillRect(runX0, y, runX1 - runX0, barH);
            }
            runColor = col;
            runX0 = x0;
            runX1 = x1;
          }
          if (barH >= 11 && x1 - x0 > 30 && labels.length < 4000) labels.push([o, x0, x1, y]);
        }
        if (runColor >= 0) {
          ctx.fillStyle = OUTCOME_COLOR[runColor];
          ctx.fillRect(runX0, y, runX1 - runX0, barH);
        }
      }
      ctx.fillStyle = '#fff';
      for (i = 0; i < labels.length; i++) {
        var lb = labels[i], text = data.f_names[T.f[lb[0]]];
        if (ctx.measureText(text).width < lb[2] - lb[1] - 4) ctx.fillText(text, lb[1] + 3, lb[3] + barH - 3);
      }
      // Ops a checker names, and the selected op.
      ctx.strokeStyle = '#111';
      ctx.lineWidth = 1.5;
      for (i = 0; i < referenced.length; i++) {
        var r = referenced[i];
        if (T.end[r] < view.t0 || T.start[r] > view.t1) continue;
        var rx0 = X(T.start[r]), rx1 = Math.max(X(T.end[r]), rx0 + 2);
        ctx.strokeRect(rx0 - 1, top + T.lane[r] * laneH, rx1 - rx0 + 2, laneH);
      }
      var sj = selected >= 0 ? clientPos(selected) : -1;
      if (sj >= 0) {
        var sx0 = X(T.start[sj]), sx1 = Math.max(X(T.end[sj]), sx0 + 2);
        ctx.strokeStyle = '#1565c0';
        ctx.lineWidth = 3;
        ctx.strokeRect(sx0 - 2, top + T.lane[sj] * laneH - 1, sx1 - sx0 + 4, laneH + 2);
      }
      // Nemesis ops.
      var nem = data.nemesis;
      for (i = 0; i < nem.length; i++) {
        var n = nem[i];
        if (n[3] < view.t0 || n[2] > view.t1) continue;
        var nx0 = X(n[2]), nx1 = Math.max(X(n[3]), nx0 + 2);
        ctx.fillStyle = NEMESIS_COLOR;
        ctx.fillRect(nx0, AXIS + 2, nx1 - nx0, NEM - 4);
        if (n[0] === selected) {
          ctx.strokeStyle = '#1565c0';
          ctx.lineWidth = 3;
          ctx.strokeRect(nx0 - 2, AXIS, nx1 - nx0 + 4, NEM);
        }
      }
      // Labels and axis over everything.
      ctx.fillStyle = '#fff';
      ctx.fillRect(0, 0, LEFT - 1, height);
      ctx.fillRect(0, 0, c.w, AXIS);
      ctx.fillStyle = '#6b6b70';
      ctx.fillText('nemesis', 4, AXIS + NEM - 3);
      if (BAND) ctx.fillText('checkers', 4, top - 4);
      if (laneH >= 9) {
        for (l = 0; l < laneCount; l++) ctx.fillText(data.lanes[l].label, 4, top + l * laneH + laneH - 3);
      } else {
        ctx.fillText(laneCount + ' lanes', 4, top + 12);
      }
      drawTimeAxis(ctx, X, LEFT, right, 13, 15, height);
      if (!T.n && !nem.length) {
        ctx.fillStyle = '#6b6b70';
        ctx.fillText('no ops in the history', LEFT + 10, top + 14);
      }
      canvas.dataset.visibleOps = String(visible);
    }

    // A lane with more ops than pixels: per pixel column, the share of each outcome among the
    // ops it covers, stacked (fail, info, pending from the bottom; ok above).
    function drawDense(ctx, arr, cum, from, left, right, g, y, barH) {
      var i = from;
      for (var px = Math.floor(left); px < right && i < arr.length; px++) {
        var tA = view.t0 + (px - left) / g.k, tB = tA + 1 / g.k;
        if (T.start[arr[i]] >= tB) {
          if (T.start[arr[i]] > view.t1) break;
          px = Math.floor(left + (T.start[arr[i]] - view.t0) * g.k) - 1;  // skip the gap
          continue;
        }
        var j = firstStartingAfter(arr, tB, i), n = j - i;
        var counts = [cum[0][j] - cum[0][i], cum[1][j] - cum[1][i], cum[2][j] - cum[2][i]];
        var yy = y + barH;
        for (var k = 0; k < 3; k++) {
          if (!counts[k]) continue;
          var h = Math.max(1, barH * counts[k] / n);
          ctx.fillStyle = OUTCOME_COLOR[k + 1];
          ctx.fillRect(px, yy - h, 1, h);
          yy -= h;
        }
        if (yy > y) {
          ctx.fillStyle = OUTCOME_COLOR[0];
          ctx.fillRect(px, y, 1, yy - y);
        }
        // The next column starts with the last op here if it reaches into it.
        i = j > i && T.end[arr[j - 1]] >= tB ? j - 1 : j;
      }
    }

    function hit(x, y, t) {
      var w = canvas.clientWidth, g = geometry(w), tol = 3 / Math.max(1e-9, g.k);
      if (y >= AXIS && y < AXIS + NEM + GAP) {
        var best = null;
        data.nemesis.forEach(function (n) { if (n[2] - tol <= t && t <= n[3] + tol) best = n; });
        return best ? best[0] : -1;
      }
      var l = Math.floor((y - top) / laneH);
      if (l < 0 || l >= laneCount) return -1;
      var arr = laneOps[l], i = firstEndingAfter(arr, t - tol);
      if (i < arr.length && T.start[arr[i]] <= t + tol) return T.idx[arr[i]];
      return -1;
    }

    attachZoomPan(canvas, LEFT, RIGHT, function (x, y, t) {
      var op = hit(x, y, t);
      if (op >= 0) {
        selected = op;
        showOp(op);
        scheduleRedraw();
      }
    }, function (x, y, t, cx, cy) {
      var op = hit(x, y, t);
      if (op >= 0) {
        showTooltip(describeOp(op), cx, cy);
        return;
      }
      if (BAND && y >= AXIS + NEM + GAP && y < top) {
        var marked = data.bands.filter(function (b) { return b.s <= t && b.e >= t; });
        if (marked.length) {
          showTooltip(marked.map(function (b) {
            return b.checker + ' ' + fmtS(b.s) + ' \u2013 ' + fmtS(b.e) + ': ' + b.label;
          }).join('\n'), cx, cy);
          return;
        }
      }
      if (y >= AXIS && y < AXIS + NEM + GAP) {
        var inForce = data.faults.filter(function (f) { return f.s <= t && (f.e >= t || f.mark); });
        if (inForce.length) {
          showTooltip(inForce.map(function (f) {
            return f.family + ' ' + fmtS(f.s) + (f.mark ? '' : ' \u2013 ' + fmtS(f.e)) + ': ' + f.label;
          }).join('\n'), cx, cy);
          return;
        }
      }
      hideTooltip();
    });
    bind('tl-zoom-in', function () { zoomAt((view.t0 + view.t1) / 2, 0.5); });
    bind('tl-zoom-out', function () { zoomAt((view.t0 + view.t1) / 2, 2); });
    bind('tl-reset', function () { setView(0, view.max); });
    drawers.push(draw);
  }

  function bind(id, fn) {
    var b = $(id);
    if (b) b.addEventListener('click', fn);
  }

  // ---- plots --------------------------------------------------------------------------

  // A legend of toggles. items: [{key, label, color, dash, on}]; onChange(key, on).
  function makeLegend(container, items, onChange) {
    if (!container) return;
    items.forEach(function (item) {
      var span = el('span', 'toggle' + (item.on === false ? ' off' : ''));
      var sw = el('i', 'swatch');
      sw.style.background = item.color || '#888';
      if (item.dash) sw.style.background = 'repeating-linear-gradient(90deg,' + (item.color || '#555') + ' 0 3px,transparent 3px 5px)';
      span.appendChild(sw);
      span.appendChild(doc.createTextNode(item.label));
      span.addEventListener('click', function () {
        var on = span.classList.toggle('off') === false;
        onChange(item.key, on);
        scheduleRedraw();
      });
      container.appendChild(span);
    });
  }

  // A plot frame: x = the shared window, y from yRange(); drawData(ctx, X, Y, frame).
  function makePlot(canvasId, options) {
    var canvas = $(canvasId);
    if (!canvas) return null;
    var LEFT = 64, RIGHT = 12, TOP = 8, BOTTOM = 22, height = options.height || 240;
    var last = null;
    function draw() {
      var c = prepare(canvas, height);
      if (!c) return;
      var ctx = c.ctx, right = c.w - RIGHT, bottom = height - BOTTOM;
      var k = (right - LEFT) / Math.max(1e-9, view.t1 - view.t0);
      var X = function (t) { return LEFT + (t - view.t0) * k; };
      var yr = options.yRange();
      var lo = yr[0], hi = yr[1], Y;
      if (options.log) {
        lo = Math.log10(lo);
        hi = Math.log10(hi);
        Y = function (v) { return bottom - (Math.log10(Math.max(v, 1e-9)) - lo) / (hi - lo) * (bottom - TOP); };
      } else {
        Y = function (v) { return bottom - (v - lo) / (hi - lo) * (bottom - TOP); };
      }
      drawFaults(ctx, X, LEFT, right, TOP, bottom, 0.12);
      // y grid
      ctx.strokeStyle = '#ececf0';
      ctx.fillStyle = '#6b6b70';
      ctx.lineWidth = 1;
      ctx.textAlign = 'right';
      var ticks = [];
      if (options.log) {
        for (var d = Math.floor(lo); d <= Math.ceil(hi); d++) ticks.push(Math.pow(10, d));
      } else {
        var step = niceStep(hi - lo, 5);
        for (var v = Math.ceil(lo / step) * step; v <= hi; v += step) ticks.push(v);
      }
      ticks.forEach(function (tv) {
        var y = Math.round(Y(tv)) + 0.5;
        if (y < TOP - 1 || y > bottom + 1) return;
        ctx.beginPath();
        ctx.moveTo(LEFT, y);
        ctx.lineTo(right, y);
        ctx.stroke();
        ctx.fillText(options.format ? options.format(tv) : fmtNum(tv) + (options.unit ? ' ' + options.unit : ''), LEFT - 4, y + 4);
      });
      ctx.textAlign = 'left';
      ctx.save();
      ctx.beginPath();
      ctx.rect(LEFT, TOP - 2, right - LEFT, bottom - TOP + 4);
      ctx.clip();
      options.drawData(ctx, X, Y, { left: LEFT, right: right, top: TOP, bottom: bottom });
      ctx.restore();
      ctx.strokeStyle = '#c8c8cc';
      ctx.strokeRect(LEFT + 0.5, TOP + 0.5, right - LEFT, bottom - TOP);
      drawTimeAxis(ctx, X, LEFT, right, height - 6, bottom, bottom + 4);
      last = { X: X, Y: Y };
    }
    attachZoomPan(canvas, LEFT, RIGHT, function (x, y) {
      if (options.onClick && last) options.onClick(x, y, last);
    }, null);
    drawers.push(draw);
    return { canvas: canvas };
  }

  // Draws a stepped series over buckets (null = gap).
  function bucketLine(ctx, X, Y, series, width, scale) {
    var first = Math.max(0, Math.floor(view.t0 / width) - 1);
    var lastB = Math.min(series.length - 1, Math.ceil(view.t1 / width) + 1);
    var open = false;
    ctx.beginPath();
    for (var b = first; b <= lastB; b++) {
      var v = series[b];
      if (v === null || v === undefined) {
        open = false;
        continue;
      }
      var y = Y(v * scale), x0 = X(b * width), x1 = X((b + 1) * width);
      if (!open) ctx.moveTo(x0, y); else ctx.lineTo(x0, y);
      ctx.lineTo(x1, y);
      open = true;
    }
    ctx.stroke();
  }

  function setupLatency() {
    var sc = data.scatter, n = sc.t.length;
    var t = new Float64Array(n), lat = new Float64Array(n), code = new Int32Array(n), idx = new Float64Array(n);
    var acc = 0, accI = 0, minL = Infinity, maxL = 0, i;
    for (i = 0; i < n; i++) {
      acc += sc.t[i];
      accI += sc.i[i];
      t[i] = acc;
      idx[i] = accI;
      lat[i] = Math.max(sc.l[i], 1) / 1000;
      code[i] = sc.c[i];
      if (lat[i] < minL) minL = lat[i];
      if (lat[i] > maxL) maxL = lat[i];
    }
    var bucketMax = 0;
    data.buckets.quantiles.forEach(function (q) {
      q.max.forEach(function (v) { if (v !== null && v / 1000 > bucketMax) bucketMax = v / 1000; });
    });
    maxL = Math.max(maxL, bucketMax);
    if (!isFinite(minL)) { minL = 1; maxL = 10; }
    var yLo = Math.pow(10, Math.floor(Math.log10(minL))), yHi = Math.pow(10, Math.ceil(Math.log10(maxL * 1.01)));
    if (yHi <= yLo) yHi = yLo * 10;
    var hiddenF = {}, hiddenO = {};
    var fs = {};
    for (i = 0; i < n; i++) fs[Math.floor(code[i] / 4)] = true;
    data.buckets.quantiles.forEach(function (q) { fs[q.f] = true; });
    var fList = Object.keys(fs).map(Number).sort(function (a, b) { return a - b; });
    makeLegend($('latency-legend'), fList.map(function (f) {
      return { key: 'f' + f, label: data.f_names[f], color: colorOfF(f) };
    }).concat([0, 1, 2].map(function (o) {
      return { key: 'o' + o, label: ['\u25a0 ok', '\u2715 fail', '\u25b3 info'][o], color: '#777' };
    })), function (key, on) {
      if (key[0] === 'f') hiddenF[key.slice(1)] = !on; else hiddenO[key.slice(1)] = !on;
    });
    makePlot('latency-scatter', {
      height: 260, log: true, format: fmtMs,
      yRange: function () { return [yLo, yHi]; },
      drawData: function (ctx, X, Y) {
        var lo = 0, hi = n;
        while (lo < hi) { var mid = (lo + hi) >> 1; if (t[mid] < view.t0) lo = mid + 1; else hi = mid; }
        ctx.lineWidth = 1.2;
        for (var k = lo; k < n && t[k] <= view.t1; k++) {
          var f = Math.floor(code[k] / 4), o = code[k] & 3;
          if (hiddenF[f] || hiddenO[o]) continue;
          var x = X(t[k]), y = Y(lat[k]);
          ctx.fillStyle = ctx.strokeStyle = colorOfF(f);
          if (o === 0) {
            ctx.fillRect(x - 1.5, y - 1.5, 3, 3);
          } else if (o === 1) {
            ctx.beginPath();
            ctx.moveTo(x - 3, y - 3); ctx.lineTo(x + 3, y + 3);
            ctx.moveTo(x + 3, y - 3); ctx.lineTo(x - 3, y + 3);
            ctx.stroke();
          } else {
            ctx.beginPath();
            ctx.moveTo(x, y - 3.5); ctx.lineTo(x + 3.5, y + 3); ctx.lineTo(x - 3.5, y + 3); ctx.closePath();
            ctx.stroke();
          }
        }
        if (sc.total > n) {
          ctx.fillStyle = '#6b6b70';
          ctx.fillText(n + ' of ' + sc.total + ' ops shown (sampled; each bucket\u2019s slowest kept)', 70, 20);
        }
      },
      onClick: function (x, y, g) {
        var best = -1, bestD = 64;
        for (var k = 0; k < n; k++) {
          if (t[k] < view.t0 || t[k] > view.t1) continue;
          var f = Math.floor(code[k] / 4), o = code[k] & 3;
          if (hiddenF[f] || hiddenO[o]) continue;
          var dx = g.X(t[k]) - x, dy = g.Y(lat[k]) - y, d = dx * dx + dy * dy;
          if (d < bestD) { bestD = d; best = k; }
        }
        if (best >= 0) focusOp(idx[best], true);
      }
    });

    // Quantiles.
    var qs = data.buckets.quantiles, width = data.buckets.bucket_us;
    var hideQ = {}, hideQF = {}, hideQO = { 1: true, 2: true };
    var qLegend = $('quantile-legend');
    makeLegend(qLegend, fList.map(function (f) {
      return { key: 'f' + f, label: data.f_names[f], color: colorOfF(f) };
    }), function (key, on) { hideQF[key.slice(1)] = !on; });
    makeLegend(qLegend, QUANTILES.map(function (q, k) {
      return { key: q, label: q, color: '#555', dash: k > 0 };
    }), function (key, on) { hideQ[key] = !on; });
    makeLegend(qLegend, [0, 1, 2].map(function (o) {
      return { key: o, label: OUTCOMES[o] + ' ops', color: '#777', on: o === 0 };
    }), function (key, on) { hideQO[key] = !on; });
    makePlot('latency-quantiles', {
      height: 260, log: true, format: fmtMs,
      yRange: function () { return [yLo, yHi]; },
      drawData: function (ctx, X, Y) {
        ctx.lineWidth = 1.5;
        qs.forEach(function (s) {
          if (hideQF[s.f] || hideQO[s.outcome]) return;
          QUANTILES.forEach(function (q, k) {
            if (hideQ[q]) return;
            ctx.strokeStyle = colorOfF(s.f);
            ctx.setLineDash(QUANTILE_DASH[k]);
            bucketLine(ctx, X, Y, s[q], width, 1 / 1000);
          });
        });
        ctx.setLineDash([]);
      }
    });
  }

  function setupThroughput() {
    var series = data.buckets.throughput, width = data.buckets.bucket_us, perSecond = 1e6 / width;
    var hideF = {}, hideO = {};
    var fs = {};
    series.forEach(function (s) { fs[s.f] = true; });
    var legend = $('throughput-legend');
    makeLegend(legend, Object.keys(fs).map(Number).map(function (f) {
      return { key: f, label: data.f_names[f], color: colorOfF(f) };
    }), function (key, on) { hideF[key] = !on; });
    makeLegend(legend, [0, 1, 2].map(function (o) {
      return { key: o, label: OUTCOMES[o], color: '#555', dash: o > 0 };
    }), function (key, on) { hideO[key] = !on; });
    var max = 1;
    series.forEach(function (s) { s.counts.forEach(function (c) { if (c * perSecond > max) max = c * perSecond; }); });
    makePlot('throughput', {
      height: 220, unit: '/s',
      yRange: function () { return [0, max * 1.08]; },
      drawData: function (ctx, X, Y) {
        ctx.lineWidth = 1.5;
        series.forEach(function (s) {
          if (hideF[s.f] || hideO[s.outcome]) return;
          ctx.strokeStyle = colorOfF(s.f);
          ctx.setLineDash(OUTCOME_DASH[s.outcome] || []);
          bucketLine(ctx, X, Y, s.counts, width, perSecond);
        });
        ctx.setLineDash([]);
      }
    });
  }

  function setupClock() {
    var clock = data.clock;
    if (!clock || !$('clock-plot')) return;
    var nodes = Object.keys(clock.nodes).concat(Object.keys(clock.target).filter(function (k) {
      return !Object.prototype.hasOwnProperty.call(clock.nodes, k);
    })).sort();
    var hidden = {}, lo = 0, hi = 0;
    function see(v) { if (v < lo) lo = v; if (v > hi) hi = v; }
    nodes.forEach(function (node) {
      (clock.nodes[node] || []).forEach(function (p) { see(p[1]); });
      (clock.target[node] || []).forEach(function (p) { see(p[1] - p[2]); see(p[1] + p[2]); });
    });
    var pad = Math.max(1, (hi - lo) * 0.08);
    var items = [];
    nodes.forEach(function (node, k) {
      items.push({ key: node, label: node, color: PALETTE[k % PALETTE.length] });
      if (clock.target[node] && clock.target[node].length) {
        items.push({ key: node + ' target', label: '\u25cb ' + node + ' target (' + (clock.methods[node] || 'own clock') + ')',
          color: PALETTE[k % PALETTE.length], dash: true });
      }
    });
    makeLegend($('clock-legend'), items, function (key, on) { hidden[key] = !on; });
    makePlot('clock-plot', {
      height: 220, format: fmtMs,
      yRange: function () { return [lo - pad, hi + pad]; },
      drawData: function (ctx, X, Y) {
        nodes.forEach(function (node, k) {
          var color = PALETTE[k % PALETTE.length], pts = clock.nodes[node] || [];
          ctx.strokeStyle = ctx.fillStyle = color;
          ctx.lineWidth = 1.8;
          if (!hidden[node] && pts.length) {
            ctx.beginPath();
            pts.forEach(function (p, i) {
              var x = X(p[0]), y = Y(p[1]);
              if (i === 0) {
                ctx.moveTo(x, y);
              } else {
                ctx.lineTo(x, Y(pts[i - 1][1]));
                ctx.lineTo(x, y);
              }
            });
            ctx.lineTo(X(view.max), Y(pts[pts.length - 1][1]));
            ctx.stroke();
            pts.forEach(function (p) { ctx.fillRect(X(p[0]) - 2, Y(p[1]) - 2, 4, 4); });
          }
          var tp = clock.target[node] || [];
          if (!hidden[node + ' target'] && tp.length) {
            ctx.lineWidth = 1.2;
            tp.forEach(function (p) {
              var x = X(p[0]) + 3, y = Y(p[1]);
              ctx.beginPath();
              ctx.moveTo(x, Y(p[1] - p[2]));
              ctx.lineTo(x, Y(p[1] + p[2]));
              ctx.moveTo(x - 3, Y(p[1] - p[2]));
              ctx.lineTo(x + 3, Y(p[1] - p[2]));
              ctx.moveTo(x - 3, Y(p[1] + p[2]));
              ctx.lineTo(x + 3, Y(p[1] + p[2]));
              ctx.stroke();
              ctx.beginPath();
              ctx.arc(x, y, 3.5, 0, 2 * Math.PI);
              ctx.stroke();
            });
          }
        });
      }
    });
  }

  // ---- links to ops -------------------------------------------------------------------

  function wireOpLinks() {
    // An anomaly's interval (data-start-us / data-end-us): zoom the timeline to it.
    doc.addEventListener('click', function (e) {
      var a = e.target && e.target.closest ? e.target.closest('a[data-start-us]') : null;
      if (!a || !data) return;
      var s = Number(a.getAttribute('data-start-us')), t = Number(a.getAttribute('data-end-us'));
      var pad = Math.max((t - s) / 4, 1000);
      setView(s - pad, t + pad);
    });
    doc.addEventListener('click', function (e) {
      var a = e.target && e.target.closest ? e.target.closest('a[data-op]') : null;
      if (!a || !data) return;
      e.preventDefault();
      var op = Number(a.getAttribute('data-op'));
      try { window.history.replaceState(null, '', '#op-' + op); } catch (err) { /* file: URLs may refuse */ }
      focusOp(op, true);
    });
    function fromHash() {
      var m = /^#op-(\d+)$/.exec(window.location.hash);
      if (m && data) focusOp(Number(m[1]), true);
    }
    window.addEventListener('hashchange', fromHash);
    fromHash();
  }

  // ---- start --------------------------------------------------------------------------

  try {
    if (data) {
      view.max = Math.max(1, data.t_end_us);
      view.t0 = 0;
      view.t1 = view.max;
      setupTimeline();
      setupLatency();
      setupThroughput();
      setupClock();
      wireOpLinks();
      window.addEventListener('resize', scheduleRedraw);
      redrawAll();
    }
  } finally {
    doc.documentElement.dataset.reportReady = '1';
  }
})();
