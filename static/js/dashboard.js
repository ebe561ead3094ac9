// Draws the dashboard's charts with the vendored ECharts from the studio's JSON endpoint,
// and fills the table under each chart with the same figures.
(function () {
  "use strict";
  var root = document.getElementById("charts");
  if (!root || !window.echarts) return;
  var charts = {};
  // Labels come translated from the page (data-l-* on #charts), so the charts speak the
  // page's language.
  var L = root.dataset;
  function partName(code) { return L[code] || code; }
  function chart(id) {
    if (!charts[id]) charts[id] = echarts.init(document.getElementById(id), null, {renderer: "canvas"});
    return charts[id];
  }
  function table(id, head, rows) {
    var t = document.getElementById(id);
    var html = "<thead><tr>" + head.map(function (h, i) {
      return "<th" + (i ? ' class="num"' : "") + ">" + h + "</th>";
    }).join("") + "</tr></thead><tbody>";
    rows.forEach(function (r) {
      html += "<tr>" + r.map(function (c, i) {
        var td = document.createElement("td");
        td.textContent = c == null ? "—" : String(c);
        return "<td" + (i ? ' class="num"' : "") + ">" + td.innerHTML + "</td>";
      }).join("") + "</tr>";
    });
    t.innerHTML = html + "</tbody>";
  }
  // Numbers are written the way the server's pages write them (revenue/templatetags/
  // money.py): money as ¥ with thousands separators to the fen (¥6,398.70), a count of
  // views as a whole number with separators (481,000), minutes to two decimals. The JSON
  // carries exact decimal strings; they are rounded here as text, half up, never through
  // a float, so a table says what the statement says.
  function grouped(digits) { return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ","); }
  function fixed(value, places) {
    if (value == null || value === "") return null;
    var text = String(value).trim();
    var m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
    if (!m || (m[2] === "" && !m[3])) return text;  // not a plain decimal: shown as it is
    var frac = (m[3] || "") + new Array(places + 2).join("0");
    var n = BigInt((m[2] || "0") + frac.slice(0, places));
    if (frac.charAt(places) >= "5") n += BigInt(1);
    var digits = n.toString();
    while (digits.length <= places) digits = "0" + digits;
    var whole = digits.slice(0, digits.length - places), part = digits.slice(digits.length - places);
    var sign = m[1] === "-" && /[1-9]/.test(digits) ? "-" : "";
    return {sign: sign, text: grouped(whole) + (places ? "." + part : "")};
  }
  function number(value, places) {
    var f = fixed(value, places);
    return f == null || typeof f === "string" ? f : f.sign + f.text;
  }
  var fmt = {
    money: function (v) { var f = fixed(v, 2); return f == null || typeof f === "string" ? f : f.sign + "¥" + f.text; },
    views: function (v) { return number(v, 0); },
    minutes: function (v) { return number(v, 2); }
  };
  // An axis's labels: the tick values ECharts hands over are floats of our own round
  // steps, so toFixed gives back the exact step before it is grouped.
  var tick = {
    money: function (v) { return fmt.money(Math.abs(v) < 5e-3 ? "0" : v.toFixed(2)); },
    views: function (v) { return fmt.views(Math.round(v).toString()); }
  };
  // Honest value axes: each starts at zero and climbs in round steps (1, 2, 2.5 or 5 ×
  // 10^k, never finer than the unit: a fen, one view) to just above its largest value.
  // The axes of one chart share their number of steps (4 to 6, whichever wastes least
  // room), so every grid line reads a round value on both axes and neither scale is
  // stretched to make its bars look like the other's.
  function roundStep(raw, smallest) {
    if (!(raw > smallest)) return smallest;
    var p = Math.pow(10, Math.floor(Math.log10(raw)));
    var m = raw / p;
    var quarter = Math.abs(2.5 * p / smallest - Math.round(2.5 * p / smallest)) < 1e-6;
    var step = (m <= 1 ? 1 : m <= 2 ? 2 : (m <= 2.5 && quarter) ? 2.5 : m <= 5 ? 5 : 10) * p;
    return Math.max(smallest, Number(step.toPrecision(12)));
  }
  function fit(values, smallest, steps) {
    var nums = values.map(Number).filter(function (v) { return isFinite(v); });
    var hi = Math.max.apply(null, nums.concat([0]));
    var lo = Math.min.apply(null, nums.concat([0]));
    var step = roundStep((hi - lo) / steps, smallest), below;
    // Negative values (a reversal) take whole steps below zero out of the same count.
    for (;;) {
      below = Math.ceil(-lo / step - 1e-9);
      if (below + Math.ceil(hi / step - 1e-9) <= steps) break;
      step = roundStep(step * 1.01, smallest);
    }
    var min = Number((-below * step).toPrecision(12)) || 0;
    var max = Number((min + steps * step).toPrecision(12));
    return {min: min, max: max, interval: step, waste: (max - min - (hi - lo)) / (max - min)};
  }
  function scales(axes) {  // axes: [[values, smallest], ...] → one {min, max, interval} each
    var best = null;
    [5, 4, 6].forEach(function (steps) {
      var s = axes.map(function (a) { return fit(a[0], a[1], steps); });
      var waste = s.reduce(function (t, x) { return t + x.waste; }, 0);
      if (!best || waste < best.waste - 1e-9) best = {waste: waste, s: s};
    });
    return best.s.map(function (x) { return {min: x.min, max: x.max, interval: x.interval}; });
  }
  var SMALLEST = {money: 0.01, views: 1};
  // Every axis says what it counts and in which unit. containLabel leaves no room for an
  // axis name, so the x name sits under the labels and a y name starts at its axis.
  function xAxis(name, data, every) {
    var axis = {type: "category", data: data, name: name, nameLocation: "middle", nameGap: 28};
    // Every series is named (a phone's narrow chart dropped every other title), its title
    // broken over lines where it is long.
    if (every) axis.axisLabel = {interval: 0, width: 120, overflow: "break"};
    return axis;
  }
  function yAxis(name, kind, range, align) {
    return Object.assign({type: "value", name: name, nameTextStyle: {align: align || "left"},
                          axisLabel: {formatter: tick[kind]}}, range);
  }
  function draw(d) {
    var opt = {animation: false, tooltip: {trigger: "axis"}, grid: {left: 16, right: 16, bottom: 40, containLabel: true}};
    var daily = d.daily.map(function (r) { return r.revenue; });
    chart("chart-daily").setOption(Object.assign({}, opt, {
      xAxis: xAxis(L.lDate, d.daily.map(function (r) { return r.date; })),
      yAxis: yAxis(L.lRevenue, "money", scales([[daily, SMALLEST.money]])[0]),
      series: [{type: "line", name: L.lRevenue, data: daily, tooltip: {valueFormatter: fmt.money}}]
    }), true);
    table("table-daily", [L.lDate, L.lRevenue, L.lViews], d.daily.map(function (r) {
      return [r.date, fmt.money(r.revenue), fmt.views(r.views)]; }));
    var bySeries = d.by_series.map(function (r) { return r.revenue; });
    chart("chart-series").setOption(Object.assign({}, opt, {
      xAxis: xAxis(L.lSeries, d.by_series.map(function (r) { return r.series; }), true),
      yAxis: yAxis(L.lRevenue, "money", scales([[bySeries, SMALLEST.money]])[0]),
      series: [{type: "bar", name: L.lRevenue, data: bySeries, tooltip: {valueFormatter: fmt.money}}]
    }), true);
    table("table-series", [L.lSeries, L.lRevenue, L.lViews], d.by_series.map(function (r) {
      return [r.series, fmt.money(r.revenue), fmt.views(r.views)]; }));
    chart("chart-parts").setOption({animation: false, tooltip: {trigger: "item", valueFormatter: fmt.money},
      series: [{type: "pie", radius: "60%", label: {width: 72, overflow: "break"}, data: d.parts.map(function (r) {
        return {name: partName("l" + r.part.charAt(0).toUpperCase() + r.part.slice(1)),
                value: r.amount}; })}]}, true);
    table("table-parts", [L.lPart, L.lAmount], d.parts.map(function (r) {
      return [partName("l" + r.part.charAt(0).toUpperCase() + r.part.slice(1)), fmt.money(r.amount)]; }));
    var perViews = d.per_minute.map(function (r) { return r.views_per_minute; });
    var perRevenue = d.per_minute.map(function (r) { return r.revenue_per_minute; });
    var ranges = scales([[perViews, SMALLEST.views], [perRevenue, SMALLEST.money]]);
    var right = yAxis(L.lRevenuePerMinute, "money", ranges[1], "right");
    right.splitLine = {show: false};  // its ticks fall on the left axis's grid lines
    chart("chart-per-minute").setOption(Object.assign({}, opt, {
      legend: {}, xAxis: xAxis(L.lSeries, d.per_minute.map(function (r) { return r.series; }), true),
      yAxis: [yAxis(L.lViewsPerMinute, "views", ranges[0]), right],
      series: [
        {type: "bar", name: L.lViewsPerMinute, data: perViews, tooltip: {valueFormatter: fmt.views}},
        {type: "bar", name: L.lRevenuePerMinute, yAxisIndex: 1, data: perRevenue, tooltip: {valueFormatter: fmt.money}}
      ]
    }), true);
    table("table-per-minute", [L.lSeries, L.lMinutes, L.lViewsPerMinute, L.lRevenuePerMinute],
      d.per_minute.map(function (r) {
        return [r.series, fmt.minutes(r.content_minutes), fmt.views(r.views_per_minute),
                fmt.money(r.revenue_per_minute)]; }));
    root.setAttribute("data-ready", d.days);
  }
  // For the tests: the formats and the scale, as the page uses them.
  window.manjuDashboard = {fmt: fmt, tick: tick, scales: scales};
  // What the charts are doing, said above them: loading, failed (with a way to try
  // again), or nothing in the chosen days; the pressed range button shows which is drawn.
  var status = document.getElementById("charts-status");
  function say(text, retryDays) {
    if (!status) return;
    status.textContent = text || "";
    status.hidden = !text;
    if (retryDays) {
      var again = document.createElement("button");
      again.type = "button";
      again.className = "button small ghost";
      again.textContent = L.lRetry;
      again.addEventListener("click", function () { load(retryDays); });
      status.appendChild(document.createTextNode(" "));
      status.appendChild(again);
    }
  }
  var drawn = null;  // the range the charts show
  function press(days) {
    document.querySelectorAll("[data-days]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.days === String(days)));
    });
  }
  function load(days) {
    press(days);
    root.setAttribute("aria-busy", "true");
    say(L.lLoading);
    fetch(root.dataset.url + "?days=" + days, {credentials: "same-origin"})
      .then(function (r) {
        if (!r.ok) throw new Error("HTTP " + r.status);
        return r.json();
      })
      .then(function (d) {
        draw(d);
        drawn = days;
        var any = d.daily.some(function (r) { return Number(r.revenue) !== 0; });
        root.classList.toggle("empty", !any);  // no axes of ¥0.00 and header-only tables
        say(any ? "" : L.lEmpty);
      })
      .catch(function () {
        if (drawn !== null) press(drawn);  // the charts still show the range drawn before
        say(L.lFailed, days);
      })
      .then(function () { root.removeAttribute("aria-busy"); });
  }
  document.querySelectorAll("[data-days]").forEach(function (b) {
    b.addEventListener("click", function () { load(b.dataset.days); });
  });
  window.addEventListener("resize", function () { Object.values(charts).forEach(function (c) { c.resize(); }); });
  load(30);
})();
