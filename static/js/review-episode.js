// The episode page: show a review decision the moment it arrives on the studio's socket.
(function () {
  "use strict";
  document.addEventListener("manju:studio-event", function (e) {
    var event = e.detail || {};
    var box = document.getElementById("review-decisions");
    if (event.type !== "review.decision" || !box) return;
    if (String(event.episode) !== box.dataset.episodeId) return;
    var live = box.querySelector(".review-live");
    live.textContent = event.message;
    live.hidden = false;
  });
})();
