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
  // Every axis says what it counts and in which unit. containLabel leaves no room for an
  // axis name, so the x name sits under the labels and a y name starts at its axis.
  function xAxis(name, data) {
    return {type: "category", data: data, name: name, nameLocation: "middle", nameGap: 28};
  }
  function yAxis(name, align) {
    return {type: "value", name: name, nameTextStyle: {align: align || "left"}};
  }
  function draw(d) {
    var opt = {animation: false, tooltip: {trigger: "axis"}, grid: {left: 16, right: 16, bottom: 40, containLabel: true}};
    chart("chart-daily").setOption(Object.assign({}, opt, {
      xAxis: xAxis(L.lDate, d.daily.map(function (r) { return r.date; })),
      yAxis: yAxis(L.lRevenue),
      series: [{type: "line", name: L.lRevenue, data: d.daily.map(function (r) { return r.revenue; })}]
    }), true);
    table("table-daily", [L.lDate, L.lRevenue, L.lViews], d.daily.map(function (r) { return [r.date, r.revenue, r.views]; }));
    chart("chart-series").setOption(Object.assign({}, opt, {
      xAxis: xAxis(L.lSeries, d.by_series.map(function (r) { return r.series; })),
      yAxis: yAxis(L.lRevenue),
      series: [{type: "bar", name: L.lRevenue, data: d.by_series.map(function (r) { return r.revenue; })}]
    }), true);
    table("table-series", [L.lSeries, L.lRevenue, L.lViews], d.by_series.map(function (r) { return [r.series, r.revenue, r.views]; }));
    chart("chart-parts").setOption({animation: false, tooltip: {trigger: "item"},
      series: [{type: "pie", radius: "65%", data: d.parts.map(function (r) {
        return {name: partName("l" + r.part.charAt(0).toUpperCase() + r.part.slice(1)),
                value: r.amount}; })}]}, true);
    table("table-parts", [L.lPart, L.lAmount], d.parts.map(function (r) {
      return [partName("l" + r.part.charAt(0).toUpperCase() + r.part.slice(1)), r.amount]; }));
    chart("chart-per-minute").setOption(Object.assign({}, opt, {
      legend: {}, xAxis: xAxis(L.lSeries, d.per_minute.map(function (r) { return r.series; })),
      yAxis: [yAxis(L.lViewsPerMinute), yAxis(L.lRevenuePerMinute, "right")],
      series: [
        {type: "bar", name: L.lViewsPerMinute, data: d.per_minute.map(function (r) { return r.views_per_minute; })},
        {type: "bar", name: L.lRevenuePerMinute, yAxisIndex: 1, data: d.per_minute.map(function (r) { return r.revenue_per_minute; })}
      ]
    }), true);
    table("table-per-minute", [L.lSeries, L.lMinutes, L.lViewsPerMinute, L.lRevenuePerMinute],
      d.per_minute.map(function (r) { return [r.series, r.content_minutes, r.views_per_minute, r.revenue_per_minute]; }));
    root.setAttribute("data-ready", d.days);
  }
  function load(days) {
    fetch(root.dataset.url + "?days=" + days, {credentials: "same-origin"})
      .then(function (r) { return r.json(); }).then(draw);
  }
  document.querySelectorAll("[data-days]").forEach(function (b) {
    b.addEventListener("click", function () { load(b.dataset.days); });
  });
  window.addEventListener("resize", function () { Object.values(charts).forEach(function (c) { c.resize(); }); });
  load(30);
})();
