// The console's own script (the CSP allows no inline script): the CSRF header for htmx,
// live updates over server-sent events, and keyboard shortcuts.
(function () {
  "use strict";
  var csrf = document.body.dataset.csrf;
  document.body.addEventListener("htmx:configRequest", function (event) {
    if (csrf) { event.detail.headers["X-CSRF-Token"] = csrf; }
  });
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    // a refused fragment still shows its Russian message in place
    if (event.detail.xhr.status >= 400) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  // live: a queue asks for its rows again when an appeal of the municipality changes
  // (at most once a second); a card says that it changed
  var worklist = document.getElementById("worklist");
  var card = document.querySelector("article.card");
  if (csrf && (worklist || card) && window.EventSource) {
    var url = "/live" + (card ? "?appeal=" + encodeURIComponent(card.dataset.appeal) : "");
    var source = new EventSource(url);
    var pending = null;
    source.addEventListener("changed", function () {
      if (!worklist || pending) { return; }
      pending = setTimeout(function () {
        pending = null;
        var filters = document.getElementById("filters");
        var query = filters ? new URLSearchParams(new FormData(filters)).toString() : "";
        var page = new URLSearchParams(window.location.search).get("page");
        if (page) { query += (query ? "&" : "") + "page=" + page; }
        htmx.ajax("GET", "/queue?" + query, {target: "#worklist", swap: "innerHTML",
                                             headers: {"HX-Target": "worklist"}});
      }, 300);
    });
    source.addEventListener("appeal", function () {
      var note = document.getElementById("changed-note");
      if (note) { note.hidden = false; }
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  }

  // a template fills the draft's text (the service filled its placeholders for this appeal)
  document.querySelectorAll("select[data-fill]").forEach(function (choice) {
    choice.addEventListener("change", function () {
      var option = choice.options[choice.selectedIndex];
      var target = document.getElementById(choice.dataset.fill);
      if (target && option && option.dataset.text) { target.value = option.dataset.text; target.focus(); }
    });
  });

  // shortcuts: "/" search, "j"/"k" move between rows, Enter opens the row
  document.addEventListener("keydown", function (event) {
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "/") {
      var search = document.querySelector("input[name=q]");
      if (search) { event.preventDefault(); search.focus(); }
    }
    if (event.key === "j" || event.key === "k") {
      var links = Array.prototype.slice.call(document.querySelectorAll("a.appeal-link"));
      if (!links.length) { return; }
      var at = links.indexOf(document.activeElement);
      var next = event.key === "j" ? Math.min(links.length - 1, at + 1) : Math.max(0, at - 1);
      links[next].focus();
      event.preventDefault();
    }
  });
})();

// the dashboard's charts: Apache ECharts from the data the page carries
(function () {
  "use strict";
  var holder = document.getElementById("chart-data");
  if (!holder || !window.echarts) { return; }
  var charts = JSON.parse(holder.textContent);
  var colours = ["#1f5fa8", "#8e44ad", "#b3261e", "#7f8c8d"];
  document.querySelectorAll("[data-chart]").forEach(function (box) {
    var spec = charts[Number(box.dataset.chart)];
    var chart = echarts.init(box, null, {renderer: "svg"});
    if (spec.kind === "bars") {
      chart.setOption({
        color: colours, animation: false,
        tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
        legend: {top: 0},
        grid: {left: 8, right: 16, top: 30, bottom: 8, containLabel: true},
        xAxis: {type: "value", minInterval: 1},
        yAxis: {type: "category", data: spec.labels, axisLabel: {width: 190, overflow: "truncate"}},
        series: spec.series.map(function (s) { return {name: s.name, type: "bar", stack: "all", data: s.data}; })
      });
    } else if (spec.kind === "heat") {
      chart.setOption({
        animation: false,
        tooltip: {formatter: function (p) {
          var growth = p.data[3] === null || p.data[3] === undefined ? "нет прошлой недели" : "рост " + Math.round(p.data[3] * 100) + " %";
          return spec.y[p.data[1]] + " — " + spec.x[p.data[0]] + ": " + p.data[2] + " (" + growth + ")";
        }},
        grid: {left: 8, right: 16, top: 8, bottom: 60, containLabel: true},
        xAxis: {type: "category", data: spec.x, axisLabel: {rotate: 30, width: 120, overflow: "truncate"}},
        yAxis: {type: "category", data: spec.y, axisLabel: {width: 190, overflow: "truncate"}},
        visualMap: {min: 0, max: Math.max(1, spec.max), dimension: 2, orient: "horizontal", left: "center", bottom: 0, calculable: true,
                    inRange: {color: ["#eef4fb", "#1f5fa8"]}},
        series: [{type: "heatmap", data: spec.cells, label: {show: true}}]
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
