// Charts drawn from the tables beside them: every chart's numbers are in its table, which stays
// on the page for screen readers and for anyone without JavaScript. A <figure class="chart"
// data-chart="bar|trend"> holds a <canvas> and a <table>; the header cells marked data-series
// name the series, each body row is a label (th) and its values (td data-value; empty for none).
(function () {
  "use strict";
  if (!window.Chart) { return; }
  var colours = ["#1f6f8b", "#e07a2f", "#6a994e", "#8d6a9f", "#c44536", "#7f7f7f"];

  function readTable(table) {
    var names = Array.prototype.map.call(
      table.querySelectorAll("thead th[data-series]"), function (th) { return th.textContent.trim(); }
    );
    var labels = [];
    var series = names.map(function () { return []; });
    Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (row) {
      labels.push(row.querySelector("th").textContent.trim());
      Array.prototype.forEach.call(row.querySelectorAll("td[data-value]"), function (cell, i) {
        var text = cell.getAttribute("data-value");
        series[i].push(text === "" ? null : Number(text));
      });
    });
    return {labels: labels, names: names, series: series};
  }

  function draw(figure) {
    var canvas = figure.querySelector("canvas");
    var data = readTable(figure.querySelector("table"));
    var trend = figure.getAttribute("data-chart") === "trend";
    var datasets = data.names.map(function (name, i) {
      var line = trend && i > 0;
      return {
        label: name,
        data: data.series[i],
        type: line ? "line" : "bar",
        backgroundColor: colours[i % colours.length],
        borderColor: colours[i % colours.length],
        borderDash: line && i > 1 ? [6, 4] : [],
        pointRadius: line ? 0 : undefined,
        spanGaps: true
      };
    });
    // right-to-left pages mirror the chart: time and bars run from the right, the value axis
    // and the legend stand on the right; figures are formatted in the page's language
    var rtl = document.documentElement.dir === "rtl";
    new window.Chart(canvas, {
      type: "bar",
      data: {labels: data.labels, datasets: datasets},
      options: {
        animation: false,
        maintainAspectRatio: false,
        locale: document.documentElement.lang || "en",
        indexAxis: figure.getAttribute("data-axis") === "y" ? "y" : "x",
        plugins: {legend: {display: data.names.length > 1, rtl: rtl}, tooltip: {rtl: rtl}},
        scales: {
          x: {beginAtZero: true, reverse: rtl},
          y: {
            beginAtZero: true,
            position: rtl ? "right" : "left",
            title: {display: true, text: figure.getAttribute("data-unit") || ""}
          }
        }
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("figure.chart"), draw);
})();
