// The episode page: shows the probe's progress live (studio events) and its result.
(function () {
  "use strict";

  var box, timer = null;

  function render(p) {
    var video = document.querySelector("[data-testid=episode-video]");
    if (p.video) { video.hidden = false; if (video.getAttribute("src") !== p.video) video.src = p.video; }
    if (p.poster) video.poster = p.poster;
    var poster = document.querySelector("[data-testid=episode-poster]");
    if (p.poster) { poster.src = p.poster; poster.hidden = false; }
    var cover = document.querySelector("[data-testid=episode-cover]");
    if (p.cover) { cover.src = p.cover; cover.hidden = false; }
    var none = document.querySelector("[data-testid=no-images]");
    if (none) none.hidden = Boolean(p.poster || p.cover);
    var dl = document.querySelector("[data-testid=probe-result]");
    dl.dataset.state = p.state || "";
    // The summary's texts are in the page's language; a figure not known yet reads "—".
    dl.querySelector("[data-field=duration]").textContent = p.duration_text || "—";
    dl.querySelector("[data-field=resolution]").textContent = p.width ? p.width + "×" + p.height : "—";
    dl.querySelector("[data-field=fps]").textContent = p.fps_text || "—";
    dl.querySelector("[data-field=codec]").textContent = p.codec || "—";
    progress(p.state, p.progress);
    // What still keeps the episode from review, in the page's language, as it is now.
    var missing = document.querySelector("[data-testid=missing]");
    if (missing && typeof p.missing === "string") {
      missing.querySelector("[data-role=missing-list]").textContent = p.missing;
      missing.hidden = !p.missing;
    }
    var err = document.querySelector("[data-testid=probe-error]");
    err.textContent = p.error || "";
    err.hidden = !p.error;
  }

  function progress(state, pct) {
    var bar = document.querySelector("[data-testid=probe-progress]");
    bar.hidden = !(state === "pending" || state === "running");
    bar.querySelector(".bar").style.width = (pct || 0) + "%";
  }

  // Fetches the summary; keeps polling slowly while the probe runs, in case an event
  // was sent before this page's socket was open.
  function refresh() {
    clearTimeout(timer);
    fetch(box.dataset.probeUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        render(p);
        if (p.state === "pending" || p.state === "running") timer = setTimeout(refresh, 2000);
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    box = document.getElementById("episode-media");
    if (!box) return;
    var state = document.querySelector("[data-testid=probe-result]").dataset.state;
    if (state === "pending" || state === "running") refresh();
  });

  document.addEventListener("manju:studio-event", function (e) {
    var ev = e.detail;
    if (!box || ev.type !== "episode.probe" || String(ev.episode) !== box.dataset.episodeId) return;
    if (ev.state === "running") progress("running", ev.progress);
    else refresh();
  });

  document.addEventListener("manju:upload-done", function (e) {
    if (e.detail.episode) render(e.detail.episode);
    refresh();
  });
})();
