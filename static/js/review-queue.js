// The queue's filters: picking a studio narrows the series list to that studio's series at
// once (each option carries data-studio), instead of after a round trip that would refuse
// a series of another studio.
(function () {
  "use strict";
  function narrow(studio, series) {
    var chosen = studio.value;
    Array.prototype.forEach.call(series.options, function (option) {
      var other = chosen && option.dataset.studio && option.dataset.studio !== chosen;
      option.hidden = option.disabled = !!other;
    });
    var selected = series.options[series.selectedIndex];
    if (selected && selected.disabled) series.value = "";
  }
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-testid=filters]");
    if (!form) return;
    var studio = form.querySelector("select[name=studio]");
    var series = form.querySelector("select[name=series]");
    if (!studio || !series) return;
    studio.addEventListener("change", function () { narrow(studio, series); });
    narrow(studio, series);
  });
})();
