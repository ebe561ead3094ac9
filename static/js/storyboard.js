// Storyboard page: follows running jobs and the assembly live over the studio socket
// (site.js opens it), and reloads when one of them finishes; polls the state as a fallback.
// A reload would wipe what the user is typing, so while a form holds unsaved input the
// page only says the results are ready, and reloads on request or once nothing is unsaved.
(function () {
  "use strict";
  var board = document.getElementById("storyboard");
  if (!board) return;
  var running = (board.dataset.running || "").split(",").filter(Boolean);
  // Assembling until the new video is also probed (the submit button needs the probe).
  var assembling = board.dataset.assembling === "1" ||
    ["pending", "running"].indexOf(board.dataset.probe) !== -1;
  var reloading = false;
  var waiting = false;  // results are ready, the reload waits for unsaved input
  var notice = null;

  function t(s) { return (window.MANJU_STORYBOARD_TEXT || {})[s] || s; }

  var NOT_TYPED = ["button", "submit", "reset", "hidden", "image", "checkbox", "radio",
    "file", "range", "color"];

  function isTextField(el) {
    if (!el || !el.tagName) return false;
    if (el.tagName === "TEXTAREA") return !el.readOnly && !el.disabled;
    if (el.tagName !== "INPUT") return el.isContentEditable;
    return NOT_TYPED.indexOf(el.type) === -1 && !el.readOnly && !el.disabled;
  }

  function selectChanged(select) {
    var options = Array.prototype.slice.call(select.options);
    if (select.multiple) {
      return options.some(function (o) { return o.selected !== o.defaultSelected; });
    }
    // A single select without a selected option shows (and sends) its first one.
    var chosen = -1;
    options.forEach(function (o, i) { if (o.defaultSelected) chosen = i; });
    return select.selectedIndex !== (chosen === -1 ? 0 : chosen);
  }

  function fieldChanged(el) {
    if (el.disabled) return false;
    if (el.tagName === "SELECT") return selectChanged(el);
    if (el.tagName === "TEXTAREA") return el.value !== el.defaultValue;
    if (el.tagName !== "INPUT") return false;
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (["button", "submit", "reset", "hidden", "image"].indexOf(el.type) !== -1) return false;
    return el.value !== el.defaultValue;  // a file input: a file is chosen, not yet sent
  }

  // Unsaved: a field changed since the page came, focus in a text field (typing may be
  // about to start), or a refused form the page brought back with what was typed.
  function unsaved() {
    if (isTextField(document.activeElement)) return true;
    return Array.prototype.some.call(document.forms, function (form) {
      if (form.hasAttribute("data-unsaved")) return true;
      return Array.prototype.some.call(form.elements, fieldChanged);
    });
  }

  function go() {
    reloading = true;
    // A refused form's page answers a POST: load the storyboard's own address instead of
    // sending that form again.
    var url = board.dataset.boardUrl;
    if (url && window.location.pathname !== url) window.location.replace(url + window.location.hash);
    else window.location.reload();
  }

  function showNotice() {
    if (notice) return;
    notice = document.createElement("div");
    notice.className = "reload-notice";
    notice.setAttribute("role", "status");
    notice.dataset.testid = "reload-notice";
    document.body.appendChild(notice);
    // Filled once it is in the page, so that screen readers announce it.
    setTimeout(function () {
      var text = document.createElement("span");
      text.textContent = t("New results are ready. Reloading now would lose what you have typed but not saved.");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button small";
      button.dataset.testid = "reload";
      button.textContent = t("Reload");
      button.addEventListener("click", go);
      notice.appendChild(text);
      notice.appendChild(button);
    }, 50);
  }

  function reload() {
    if (reloading) return;
    if (unsaved()) {
      waiting = true;
      showNotice();
      return;
    }
    go();
  }

  // Once the input is saved away or put back, the waiting reload happens after all; a
  // moment later, so a click that moved focus onto a button can send its form first.
  var settle = null;
  function recheck() {
    if (!waiting || reloading) return;
    clearTimeout(settle);
    settle = setTimeout(function () { if (!reloading && !unsaved()) go(); }, 400);
  }
  ["input", "change", "focusout", "reset"].forEach(function (type) {
    document.addEventListener(type, recheck);
  });
  // A form on its way to the server brings the new page itself.
  document.addEventListener("submit", function (e) {
    if (!e.defaultPrevented) reloading = true;
  });

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
