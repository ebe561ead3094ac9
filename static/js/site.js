// Site-wide behaviour: a studio's live notifications over its WebSocket, shown as toasts.
(function () {
  "use strict";

  function toast(text) {
    var box = document.querySelector(".toast-box");
    if (!box) {
      box = document.createElement("div");
      box.className = "toast-box";
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    var item = document.createElement("div");
    item.className = "toast";
    item.textContent = text;
    box.appendChild(item);
    setTimeout(function () { item.remove(); }, 8000);
  }

  // Reconnects with a growing delay so a restarted server is picked up without a reload.
  function liveSocket(path, onMessage) {
    var delay = 500;
    function open() {
      var proto = location.protocol === "https:" ? "wss://" : "ws://";
      var ws = new WebSocket(proto + location.host + path);
      ws.onopen = function () { delay = 500; document.body.dataset.live = "connected"; };
      ws.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
      ws.onclose = function (e) {
        document.body.dataset.live = "closed";
        if (e.code === 4403) return;  // not allowed: retrying will not help
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 10000);
      };
      return ws;
    }
    return open();
  }

  window.Manju = { toast: toast, liveSocket: liveSocket, studioEvents: [] };

  // A group of ticks with one option that excludes the rest (Worldwide among territories):
  // ticking it clears the others and ticking another clears it. The server refuses the mix
  // anyway; this only saves the round trip.
  document.addEventListener("change", function (e) {
    var box = e.target;
    if (!box.checked || !box.dataset || !box.dataset.sole || !box.form) return;
    var group = box.form.querySelectorAll('input[type=checkbox][name="' + box.name + '"]');
    group.forEach(function (other) {
      if (other === box) return;
      if (box.value === box.dataset.sole || other.value === box.dataset.sole) other.checked = false;
    });
  });

  // A form with data-confirm asks before it sends (an action that cannot be undone).
  document.addEventListener("submit", function (e) {
    // The question on the button pressed (one form's Reject, not its Approve), else the
    // form's own.
    var form = e.target, pressed = e.submitter;
    var question = (pressed && pressed.dataset && pressed.dataset.confirm) ||
      (form.dataset && form.dataset.confirm);
    if (question && !window.confirm(question)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  // A form whose work takes a while (settling a period) says it is under way and takes no
  // second press. After the submission has started: a button disabled before would leave
  // its name and value out of the form.
  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (e.defaultPrevented || !form.dataset || !form.dataset.busy) return;
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
      var note = form.querySelector("[data-role=busy]");
      if (!note) {
        note = document.createElement("p");
        note.className = "muted busy";
        note.setAttribute("role", "status");
        note.dataset.role = "busy";
        form.appendChild(note);
      }
      note.textContent = form.dataset.busy;
    }, 0);
  });

  // Folded sections that belong on paper (a statement's lines) open before printing.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details[data-print-open]").forEach(function (d) { d.open = true; });
  });

  document.addEventListener("DOMContentLoaded", function () {
    var live = document.getElementById("studio-live");
    if (!live) return;
    liveSocket(live.dataset.ws, function (event) {
      window.Manju.studioEvents.push(event);
      document.dispatchEvent(new CustomEvent("manju:studio-event", { detail: event }));
      if (event.message) toast(event.message);
    });
  });
})();
