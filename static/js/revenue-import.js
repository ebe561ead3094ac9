// The revenue import form: the file goes up with a progress bar, then the bar waits while
// the server checks and stores every row. Without JavaScript the form posts as usual; with
// it, the server's answer (the page with its message or the refused rows) replaces this one.
(function () {
  "use strict";
  var form = document.querySelector("form[data-import-form]");
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var box = form.querySelector("[data-role=import-progress]");
  var bar = box.querySelector(".bar");
  var label = box.querySelector("[data-role=import-label]");
  var button = form.querySelector("button[type=submit]");

  function show(text, percent) {
    box.hidden = false;
    label.textContent = text;
    box.setAttribute("aria-valuenow", String(percent));
    bar.style.width = percent + "%";
  }

  form.addEventListener("submit", function (e) {
    var file = form.querySelector("input[type=file]");
    if (!file || !file.files.length) return;  // the server says what is missing
    e.preventDefault();
    button.disabled = true;
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || location.href);
    xhr.upload.addEventListener("progress", function (ev) {
      if (!ev.lengthComputable) return;
      var percent = Math.floor(100 * ev.loaded / ev.total);
      show(box.dataset.uploading + " " + percent + "%", percent);
    });
    xhr.upload.addEventListener("load", function () {
      show(box.dataset.checking, 100);
      box.classList.add("waiting");
    });
    xhr.addEventListener("load", function () {
      // After a success the server redirected to this page; its message is in the body.
      if (xhr.responseURL) history.replaceState(null, "", xhr.responseURL);
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () {
      button.disabled = false;
      box.classList.remove("waiting");
      show(box.dataset.failed, 0);
    });
    xhr.send(new FormData(form));
  });
})();
