// Resumable chunked upload: each .uploader sends its file in chunks at the server's offset,
// survives dropped connections (retries) and reloads (the upload id is kept in
// localStorage under the file's name, size and date, and the server says where to resume).
(function () {
  "use strict";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; }
    catch (e) { return ""; }
  }

  function request(method, url, body, contentType) {
    var headers = { "X-CSRFToken": csrfToken(), "Accept": "application/json" };
    if (contentType) headers["Content-Type"] = contentType;
    return fetch(url, { method: method, body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        // Sent on to a page (the login form, once the session has ended) instead of an
        // answer: nothing was taken, whatever that page's status says.
        var json = (response.headers.get("Content-Type") || "").indexOf("application/json") === 0;
        if (response.redirected || response.status === 401) {
          return { status: 401, data: { error: gettext("Your session has ended: log in again in another tab, then choose the file again to go on where it stopped.") } };
        }
        if (!json && response.status >= 500) {
          return { status: response.status, data: { error: gettext("The server did not answer; try again in a moment.") } };
        }
        return response.json().catch(function () { return {}; }).then(function (data) {
          return { status: response.status, data: data };
        });
      });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  function Uploader(box) {
    this.box = box;
    this.kind = box.dataset.kind;
    this.bar = box.querySelector(".progress .bar");
    this.state = box.querySelector(".upload-state");
    var self = this;
    this.input = box.querySelector("input[type=file]");
    this.input.addEventListener("change", function (e) {
      if (e.target.files.length) self.start(e.target.files[0]);
    });
  }

  Uploader.prototype.say = function (text, kind) {
    this.state.textContent = text;
    this.state.className = "upload-state " + (kind || "muted");
    this.box.dataset.state = kind || "";
  };

  Uploader.prototype.key = function (file) {
    return ["manju-upload", this.box.dataset.createUrl, this.kind, file.name, file.size,
            file.lastModified].join("|");
  };

  Uploader.prototype.show = function (offset, size) {
    this.bar.style.width = (size ? Math.floor(100 * offset / size) : 0) + "%";
    this.bar.parentNode.classList.remove("failed");
    this.box.dataset.offset = offset;
  };

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0) + " MB";
  }

  function sent(offset, size) {
    return Math.floor(100 * offset / Math.max(size, 1)) + "% (" + megabytes(offset) + " / " +
      megabytes(size) + ")";
  }

  // A refused file empties the bar (nothing of it was kept) and frees the file input, so
  // choosing the same file again, once fixed, starts a new upload.
  Uploader.prototype.fail = function (text) {
    this.busy = false;
    this.bar.style.width = "0%";
    this.bar.parentNode.classList.add("failed");
    this.input.value = "";
    this.say(text, "error");
  };

  // The upload id to continue with and the server's offset, or a new upload.
  Uploader.prototype.open = function (file) {
    var self = this, key = this.key(file), known = localStorage.getItem(key);
    var resume = known ? request("GET", this.box.dataset.uploadBase + known + "/") :
      Promise.resolve({ status: 404 });
    return resume.then(function (r) {
      if (r.status === 200 && r.data.status === "receiving") {
        self.box.dataset.resumedFrom = r.data.offset;
        self.say(gettext("Resuming at") + " " + sent(r.data.offset, file.size));
        return r.data;
      }
      localStorage.removeItem(key);
      return request("POST", self.box.dataset.createUrl, JSON.stringify({
        kind: self.kind, filename: file.name, size: file.size
      }), "application/json").then(function (c) {
        if (c.status !== 201) throw new Error(c.data.error || ("HTTP " + c.status));
        localStorage.setItem(key, c.data.id);
        localStorage.setItem("manju-upload-chunk|" + c.data.id, c.data.chunk_max);
        return c.data;
      });
    });
  };

  Uploader.prototype.start = function (file) {
    var self = this;
    if (this.busy) return;
    this.busy = true;
    this.box.dataset.state = "uploading";
    this.say(gettext("Uploading…"));
    this.open(file).then(function (upload) {
      return self.send(file, upload);
    }).then(function (result) {
      localStorage.removeItem(self.key(file));
      self.busy = false;
      if (result.status === 200) {
        self.say(gettext("Upload complete."), "ok");
        document.dispatchEvent(new CustomEvent("manju:upload-done", {
          detail: { kind: self.kind, episode: result.data.episode }
        }));
      } else {
        self.fail(result.data.error || ("HTTP " + result.status));
      }
    }).catch(function (error) {
      self.fail(error.message);
    });
  };

  Uploader.prototype.send = async function (file, upload) {
    var base = this.box.dataset.uploadBase + upload.id + "/";
    var chunk = Number(upload.chunk_max || localStorage.getItem("manju-upload-chunk|" + upload.id)
                       || 8 * 1024 * 1024);
    var offset = upload.offset, delay = 500;
    this.show(offset, file.size);
    while (offset < file.size) {
      var r;
      try {
        r = await request("PUT", base + "?offset=" + offset,
                          file.slice(offset, offset + chunk), "application/octet-stream");
      } catch (networkError) {
        // The connection dropped: wait, ask the server where it stands, go on from there.
        this.say(gettext("Connection lost; retrying…"), "warn");
        await sleep(delay);
        delay = Math.min(delay * 2, 8000);
        try {
          var s = await request("GET", base);
          if (s.status === 200) offset = s.data.offset;
        } catch (stillDown) { /* try again */ }
        continue;
      }
      delay = 500;
      if (r.status === 200 || (r.status === 409 && r.data.offset !== undefined)) {
        offset = r.data.offset;
        this.show(offset, file.size);
        this.say(gettext("Uploading…") + " " + sent(offset, file.size));
      } else {
        return r;
      }
    }
    this.say(gettext("Checking the file…"));
    return request("POST", base + "finalize/");
  };

  if (typeof window.gettext !== "function") {
    window.gettext = function (s) { return (window.MANJU_UPLOAD_TEXT || {})[s] || s; };
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".uploader").forEach(function (box) { box.uploader = new Uploader(box); });
  });
})();
