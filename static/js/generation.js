// Live job cards: each unfinished job listens on ws/jobs/<id>/. The consumer sends the
// current state first (so a reloaded page reattaches), then every event in order.
(function () {
  "use strict";
  const TERMINAL = ["succeeded", "failed", "canceled"];
  const STATE_LABELS = {};

  function el(card, role) { return card.querySelector('[data-role="' + role + '"]'); }

  // The server's fresh copy of a part of this page (found by selector), handed to
  // `use(fresh, current)` while the page still has that part; nothing when either is gone.
  function withFreshCopy(selector, use) {
    if (!document.querySelector(selector)) return;
    fetch(location.href, {credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (!html) return;
        const fresh = new DOMParser().parseFromString(html, "text/html").querySelector(selector);
        const current = document.querySelector(selector);
        if (fresh && current) use(fresh, current);
      })
      .catch(function () {});
  }

  // The job page's provenance table (outside the card) was rendered before the job ran:
  // once it ends, the server's fresh copy replaces it (worker, attempt, timings, in the
  // page's language).
  function fillProvenance(jobId) {
    withFreshCopy('[data-provenance-of="' + jobId + '"]', function (fresh, table) {
      table.replaceWith(fresh);
    });
  }

  // A keyframe that finishes can start (or end) a shot: the shot form takes the server's
  // fresh list of keyframes without a reload, keeping what the user has typed and chosen.
  function refreshShotForm() {
    withFreshCopy('[data-testid="shot-form"]', function (fresh, current) {
      if (!current.querySelector("select[name=first_job]")) { current.replaceWith(fresh); return; }
      ["first_job", "last_job"].forEach(function (name) {
        const mine = current.querySelector("select[name=" + name + "]");
        const theirs = fresh.querySelector("select[name=" + name + "]");
        if (!mine || !theirs) return;
        const chosen = mine.value;
        mine.innerHTML = theirs.innerHTML;
        if (mine.querySelector('option[value="' + chosen + '"]')) mine.value = chosen;
      });
    });
  }

  function renderOutputs(card, outputs) {
    const box = el(card, "outputs");
    if (!box || !outputs || !outputs.length || box.children.length) return;
    outputs.forEach(function (out) {
      const media = document.createElement(out.media === "video" ? "video" : "img");
      media.src = out.url;
      media.className = "job-output";
      media.dataset.testid = "output";
      if (out.media === "video") { media.controls = true; media.loop = true; media.muted = true; }
      box.appendChild(media);
    });
  }

  function apply(card, ev) {
    if (ev.type !== "job") return;
    const last = Number(card.dataset.step || 0);
    if (ev.state) {
      card.dataset.state = ev.state;
      const badge = el(card, "state");
      if (badge) {
        badge.textContent = STATE_LABELS[ev.state] || ev.state;
        badge.className = "badge " + (ev.state === "succeeded" ? "ok"
          : (ev.state === "failed" || ev.state === "canceled") ? "bad" : "warn");
      }
    }
    if (typeof ev.step === "number" && ev.total && (ev.step >= last || ev.snapshot)) {
      card.dataset.step = ev.step;
      const pct = Math.round(100 * ev.step / ev.total);
      el(card, "bar").style.width = pct + "%";
      card.querySelector(".progress").setAttribute("aria-valuenow", ev.step);
      el(card, "step").textContent = ev.step + "/" + ev.total;
    }
    const queue = el(card, "queue");
    if (queue) {
      queue.textContent = (ev.state === "queued" && ev.queue_position)
        ? queue.dataset.template.replace("N", ev.queue_position) : "";
    }
    // Loading the model counts no steps: the bar runs striped with words saying why,
    // until the first step (or the worker saying it is rendering) replaces them.
    const loading = ev.state === "running" && (ev.phase === "loading"
      || (card.classList.contains("waiting") && !ev.phase && !ev.step));
    card.classList.toggle("waiting", loading);
    if (loading) el(card, "bar").style.width = "100%";
    else if (ev.phase === "rendering" && !ev.step) el(card, "bar").style.width = "0%";
    const eta = el(card, "eta");
    if (eta) eta.textContent = loading ? (eta.dataset.loading || "")
      : (ev.state === "running" && ev.eta_s !== undefined)
        ? eta.dataset.template.replace("N", ev.eta_s.toFixed(1)) : "";
    if (ev.preview) {
      const img = el(card, "preview");
      img.src = ev.preview;
      img.hidden = false;
      card.dataset.previews = Number(card.dataset.previews || 0) + 1;
    }
    if (ev.error) { const err = el(card, "error"); err.textContent = ev.error; err.hidden = false; }
    if (TERMINAL.indexOf(ev.state) >= 0) {
      if (ev.state === "succeeded") {
        el(card, "bar").style.width = "100%";
        const img = el(card, "preview"); if (img) img.hidden = true;
        if (card.dataset.kind === "keyframe") refreshShotForm();
      }
      renderOutputs(card, ev.outputs);
      fillProvenance(card.dataset.jobId);
      const cancel = el(card, "cancel"); if (cancel) cancel.remove();
      card.removeAttribute("data-live");
      return true;
    }
    return false;
  }

  function attach(card) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/ws/jobs/" + card.dataset.jobId + "/");
    let done = false;
    let watchdog = null;
    // If events stop (a message dropped under load), ask the server for the state.
    function rearm() {
      clearTimeout(watchdog);
      watchdog = setTimeout(function () {
        fetch("/generation/jobs/" + card.dataset.jobId + "/?format=json", {credentials: "same-origin"})
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (ev) {
            if (ev && apply(card, ev)) { done = true; socket.close(); } else if (!done) rearm();
          }).catch(rearm);
      }, 8000);
    }
    rearm();
    socket.onmessage = function (msg) {
      if (apply(card, JSON.parse(msg.data))) { done = true; clearTimeout(watchdog); socket.close(); }
      else rearm();
    };
    socket.onclose = function (e) {
      clearTimeout(watchdog);
      if (e.code === 4403) return;  // no longer (or never) allowed: retrying will not help
      if (!done && card.isConnected) setTimeout(function () { attach(card); }, 1000);
    };
  }

  function init() {
    const labels = document.getElementById("generation-labels");
    if (labels) Object.assign(STATE_LABELS, JSON.parse(labels.textContent));
    document.querySelectorAll("[data-job-id][data-live]").forEach(attach);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
