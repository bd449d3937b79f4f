// Analyses pages: the PLS-SEM set-up (constructs, paths, the path diagram redrawn as the model
// is typed, minimum sample sizes) and the run page's progress (polled, so it survives a reload).
// A static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  // z(0.95) + z(0.80): one-tailed 5 % significance with 80 % power (Kock & Hadaya 2018).
  var Z_SUM = 1.6448536269514722 + 0.8416212335729143;

  function parseModel(text) {
    var constructs = [], modes = {}, items = {}, paths = [];
    text.split("\n").forEach(function (raw) {
      var line = raw.replace(/#.*/, "").trim(), m;
      if (!line) { return; }
      if ((m = line.match(/^([^=<~\s]+)\s*(=~|<~)\s*(.+)$/))) {
        if (constructs.indexOf(m[1]) < 0) { constructs.push(m[1]); }
        modes[m[1]] = m[2] === "=~" ? "A" : "B";
        items[m[1]] = m[3].split("+").map(function (s) { return s.trim(); }).filter(Boolean);
      } else if ((m = line.match(/^([^=<~\s]+)\s*~\s*(.+)$/))) {
        m[2].split("+").map(function (s) { return s.trim(); }).filter(Boolean).forEach(function (src) {
          paths.push([src, m[1]]);
        });
      }
    });
    paths.forEach(function (p) {
      p.forEach(function (name) { if (constructs.indexOf(name) < 0) { constructs.push(name); } });
    });
    return { constructs: constructs, modes: modes, items: items, paths: paths };
  }

  function depths(model) {
    var depth = {}, changed = true, guard = 0;
    model.constructs.forEach(function (c) { depth[c] = 0; });
    while (changed && guard < 50) {
      changed = false; guard += 1;
      model.paths.forEach(function (p) {
        if (depth[p[1]] < depth[p[0]] + 1) { depth[p[1]] = depth[p[0]] + 1; changed = true; }
      });
    }
    return depth;
  }

  function el(name, attrs, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function draw(svg, model) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var depth = depths(model), layers = [];
    model.constructs.forEach(function (c) {
      var d = Math.min(depth[c], 20);
      (layers[d] = layers[d] || []).push(c);
    });
    layers = layers.filter(Boolean);
    var colW = 150, rowH = 80, rx = 55, ry = 24;
    var tallest = Math.max.apply(null, layers.map(function (l) { return l.length; }).concat([1]));
    var width = Math.max(layers.length, 1) * colW + 20, height = tallest * rowH + 20;
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    var defs = el("defs", {}), marker = el("marker", {
      id: "setup-arrow", viewBox: "0 0 10 10", refX: "10", refY: "5",
      markerWidth: "8", markerHeight: "8", orient: "auto-start-reverse"
    });
    marker.appendChild(el("path", { d: "M0,0 L10,5 L0,10 z", fill: "#334e68" }));
    defs.appendChild(marker); svg.appendChild(defs);
    var centre = {};
    layers.forEach(function (layer, d) {
      layer.forEach(function (c, i) {
        centre[c] = [10 + d * colW + colW / 2, (height - layer.length * rowH) / 2 + i * rowH + rowH / 2];
      });
    });
    model.paths.forEach(function (p) {
      var a = centre[p[0]], b = centre[p[1]];
      if (!a || !b || p[0] === p[1]) { return; }
      var angle = Math.atan2(b[1] - a[1], b[0] - a[0]);
      svg.appendChild(el("line", {
        x1: a[0] + rx * Math.cos(angle), y1: a[1] + ry * Math.sin(angle),
        x2: b[0] - rx * Math.cos(angle), y2: b[1] - ry * Math.sin(angle),
        stroke: "#334e68", "stroke-width": "2", "marker-end": "url(#setup-arrow)", "class": "path-arrow",
        "data-path": p[0] + " -> " + p[1]
      }));
    });
    model.constructs.forEach(function (c) {
      var xy = centre[c], known = model.items[c] !== undefined;
      svg.appendChild(el("ellipse", {
        cx: xy[0], cy: xy[1], rx: rx, ry: ry, "stroke-width": "1.5",
        fill: !known ? "#fde2e2" : model.modes[c] === "B" ? "#fce8d5" : "#d9e2ec",
        stroke: known ? "#334e68" : "#b3261e", "class": "construct-node", "data-construct": c
      }));
      svg.appendChild(el("text", { x: xy[0], y: xy[1] + 5, "text-anchor": "middle", "font-size": "13" }, c));
    });
  }

  function sampleSizes(form, model) {
    var box = document.getElementById("sample-size");
    if (!box) { return; }
    var arrows = {};
    model.paths.forEach(function (p) { arrows[p[1]] = (arrows[p[1]] || 0) + 1; });
    Object.keys(model.modes).forEach(function (c) {
      if (model.modes[c] === "B") { arrows[c] = Math.max(arrows[c] || 0, model.items[c].length); }
    });
    var most = 0;
    Object.keys(arrows).forEach(function (c) { most = Math.max(most, arrows[c]); });
    var pInput = document.getElementById("id_p_min"), p = Math.abs(parseFloat(pInput && pInput.value));
    var n = parseInt(form.getAttribute("data-rows"), 10);
    var ten = 10 * most, inverse = p > 0 && p < 1 ? Math.ceil(Math.pow(Z_SUM / p, 2)) : NaN;
    document.getElementById("ten-times").textContent = String(ten);
    document.getElementById("inverse-root").textContent = isNaN(inverse) ? "—" : String(inverse);
    document.getElementById("ten-times-warning").hidden = !(n < ten);
    document.getElementById("inverse-root-warning").hidden = !(n < inverse);
  }

  function setupPls(form) {
    var area = document.getElementById("id_model_syntax"), svg = document.getElementById("diagram");
    function redraw() {
      var model = parseModel(area.value);
      draw(svg, model);
      sampleSizes(form, model);
    }
    form.querySelectorAll("input.construct").forEach(function (box) {
      box.addEventListener("change", function () {
        var keep = area.value.split("\n").filter(function (line) {
          var m = line.match(/^\s*([^=<~\s]+)\s*(=~|<~)/);
          return !(m && form.querySelector('input.construct[value="' + CSS.escape(m[1]) + '"]'));
        });
        var measurement = [];
        form.querySelectorAll("input.construct:checked").forEach(function (c) {
          measurement.push(c.value + " =~ " + c.getAttribute("data-items").split(" ").join(" + "));
        });
        area.value = measurement.concat(keep.filter(function (l) { return l.trim(); })).join("\n") + "\n";
        redraw();
      });
    });
    document.getElementById("add-path").addEventListener("click", function () {
      var from = document.getElementById("path-from").value, to = document.getElementById("path-to").value;
      if (!from || !to || from === to) { return; }
      var line = to + " ~ " + from;
      var exists = parseModel(area.value).paths.some(function (p) { return p[0] === from && p[1] === to; });
      if (!exists) {
        area.value = area.value.replace(/\s*$/, "\n") + line + "\n";
        redraw();
      }
    });
    area.addEventListener("input", redraw);
    var pInput = document.getElementById("id_p_min");
    if (pInput) { pInput.addEventListener("input", redraw); }
    redraw();
  }

  function pollRun(section) {
    var url = section.getAttribute("data-url");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (job) {
          var bar = document.getElementById("progress-bar");
          bar.max = Math.max(job.total, 1); bar.value = job.done;
          document.getElementById("progress-done").textContent = job.done;
          document.getElementById("progress-total").textContent = job.total;
          document.getElementById("progress-message").textContent = job.message;
          document.getElementById("run-status").textContent = job.status_label;
          if (job.finished) { window.location.reload(); } else { window.setTimeout(tick, 700); }
        })
        .catch(function () { window.setTimeout(tick, 3000); });
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("pls-form");
    if (form) { setupPls(form); }
    var section = document.getElementById("run-progress");
    if (section && !section.hidden) { pollRun(section); }
  });
})();
