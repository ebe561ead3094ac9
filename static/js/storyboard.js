// Storyboard page: follows running jobs and the assembly live over the studio socket
// (site.js opens it), and reloads when one of them finishes; polls the state as a fallback.
(function () {
  "use strict";
  var board = document.getElementById("storyboard");
  if (!board) return;
  var running = (board.dataset.running || "").split(",").filter(Boolean);
  // Assembling until the new video is also probed (the submit button needs the probe).
  var assembling = board.dataset.assembling === "1" ||
    ["pending", "running"].indexOf(board.dataset.probe) !== -1;
  var reloading = false;

  function reload() {
    if (reloading) return;
    reloading = true;
    window.location.reload();
  }

  document.addEventListener("manju:studio-event", function (e) {
    var event = e.detail || {};
    if (event.type === "job" && running.indexOf(event.job) !== -1) {
      var row = document.querySelector('[data-job="' + event.job + '"]');
      if (row && event.step && event.total) {
        var bar = row.querySelector(".bar");
        if (bar) bar.style.width = Math.round(100 * event.step / event.total) + "%";
        var step = row.querySelector(".step");
        if (step) step.textContent = event.step + "/" + event.total;
      }
      if (["succeeded", "failed", "canceled"].indexOf(event.state) !== -1) reload();
    }
    if (event.type === "storyboard.assembly") {
      var bar2 = document.querySelector("#assemble .bar");
      if (bar2 && event.progress) bar2.style.width = event.progress + "%";
      if (assembling && (event.state === "succeeded" || event.state === "failed")) {
        setTimeout(reload, 300);
      }
    }
    if (event.type === "episode.probe" && event.state === "done" && assembling) reload();
  });

  if (running.length || assembling) {
    var timer = setInterval(function () {
      fetch(board.dataset.stateUrl, { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (state) {
          var still = state.running.filter(function (id) { return running.indexOf(id) !== -1; });
          var busy = (state.assembly && ["queued", "running"].indexOf(state.assembly.state) !== -1) ||
            ["pending", "running"].indexOf(state.episode.probe) !== -1;
          if (still.length < running.length || (assembling && !busy)) {
            clearInterval(timer);
            reload();
          }
        })
        .catch(function () {});
    }, 2000);
  }
})();
