// Cloudlet dashboard: live regions, actions posted with the CSRF token, and blob uploads in blocks.
// Plain browser JavaScript, no build step. Every text from the server is set with textContent or comes
// as HTML the server escaped.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var flash = document.getElementById("flash");
  var liveBox = document.getElementById("live-toggle");
  var INTERVAL = 2500;

  liveBox.checked = localStorage.getItem("cloudlet-live") !== "off";
  liveBox.addEventListener("change", function () {
    localStorage.setItem("cloudlet-live", liveBox.checked ? "on" : "off");
  });

  function say(message, ok) {
    flash.textContent = message;
    flash.className = ok ? "ok" : "error";
    flash.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { flash.hidden = true; }, ok ? 6000 : 15000);
  }

  var carried = sessionStorage.getItem("cloudlet-flash");
  if (carried) {
    sessionStorage.removeItem("cloudlet-flash");
    say(carried, true);
  }

  // Live regions: the page is fetched again and each [data-live] element takes its fresh copy. A refresh
  // asked for while one runs (after an action) runs again once that one is done.
  var running = null, again = false;
  function refresh() {
    if (!document.querySelector("[data-live]")) return Promise.resolve();
    if (running) { again = true; return running; }
    running = fetch(location.href, { headers: { "X-Cloudlet-Live": "1" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (text) {
        var fresh = new DOMParser().parseFromString(text, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (el) {
          if (el.contains(document.activeElement) && document.activeElement !== document.body) return;
          var next = fresh.getElementById(el.id);
          if (next) el.replaceWith(document.importNode(next, true));
        });
        document.body.dataset.refreshed = String(Date.now());
      })
      .catch(function () {})
      .then(function () {
        running = null;
        if (again) { again = false; return refresh(); }
      });
    return running;
  }
  // The next refresh waits at least four times as long as the last one took, so a slow page never
  // keeps the server busy.
  function tick() {
    var started = Date.now();
    var run = liveBox.checked && document.visibilityState === "visible" ? refresh() : Promise.resolve();
    run.then(function () {
      setTimeout(tick, Math.max(INTERVAL, 4 * (Date.now() - started)));
    });
  }
  setTimeout(tick, INTERVAL);

  // Actions: forms marked data-action are posted with fetch; the answer is shown, then live parts refresh.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches("form[data-action]")) return;
    event.preventDefault();
    var question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) return;
    var body = new URLSearchParams(new FormData(form));
    var button = form.querySelector("button[type=submit], button:not([type])");
    if (button) button.disabled = true;
    fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Cloudlet-CSRF": token, "Content-Type": "application/x-www-form-urlencoded" }
    })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        say(answer.message, answer.ok);
        if (answer.ok && answer.redirect) {
          sessionStorage.setItem("cloudlet-flash", answer.message);
          location.href = answer.redirect;
          return;
        }
        if (answer.ok && form.hasAttribute("data-reset")) form.reset();
        if (answer.ok) showResult(form, answer);
        return refresh();
      })
      .catch(function (err) { say("Request failed: " + err, false); })
      .then(function () { if (button) button.disabled = false; });
  });

  // An action that returns something to copy (a SAS URL, a chat answer) shows it next to its form.
  // data-result-html takes markup the server built with its escaping templates, never raw input.
  function showResult(form, answer) {
    var target = form.getAttribute("data-result");
    var box = target && document.getElementById(target);
    if (box && answer.result) { box.textContent = answer.result; box.hidden = false; }
    var htmlTarget = form.getAttribute("data-result-html");
    var htmlBox = htmlTarget && document.getElementById(htmlTarget);
    if (htmlBox && answer.html) { htmlBox.innerHTML = answer.html; htmlBox.hidden = false; }
  }

  // A [docN] reference in a chat answer opens its citation.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a.cite");
    if (!link) return;
    var cite = document.getElementById(link.getAttribute("href").slice(1));
    if (cite) { cite.open = true; }
  });

  // Blob uploads: each file goes up in 4 MiB blocks (Put Block), then one Put Block List commits them.
  var BLOCK = 4 * 1024 * 1024;
  function blockId(n) {
    return btoa("block-" + String(n).padStart(6, "0"));
  }
  function post(url, body, type) {
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Cloudlet-CSRF": token, "Content-Type": type }
    }).then(function (r) {
      return r.json().then(function (answer) {
        if (!answer.ok) throw new Error(answer.message);
        return answer;
      });
    });
  }
  function upload(zone, file) {
    var progress = document.getElementById("upload-progress");
    var name = (zone.dataset.prefix || "") + file.name;
    var ids = [];
    var count = Math.ceil(file.size / BLOCK);  // an empty file commits an empty block list
    var chain = Promise.resolve();
    for (var i = 0; i < count; i++) {
      (function (i) {
        var id = blockId(i);
        ids.push(id);
        chain = chain.then(function () {
          progress.textContent = name + ": block " + (i + 1) + " of " + count;
          var url = zone.dataset.upload + "?" + new URLSearchParams({ name: name, block: id });
          return post(url, file.slice(i * BLOCK, (i + 1) * BLOCK), "application/octet-stream");
        });
      })(i);
    }
    return chain.then(function () {
      var form = new URLSearchParams({ name: name, blocks: ids.join(","), content_type: file.type || "" });
      return post(zone.dataset.commit, form, "application/x-www-form-urlencoded");
    }).then(function (answer) {
      progress.textContent = "";
      say(answer.message, true);
    });
  }
  function uploadAll(zone, files) {
    var chain = Promise.resolve();
    Array.prototype.forEach.call(files, function (file) {
      chain = chain.then(function () { return upload(zone, file); });
    });
    return chain.catch(function (err) { say("Upload failed: " + err.message, false); }).then(refresh);
  }
  var zone = document.getElementById("dropzone");
  if (zone) {
    zone.addEventListener("dragover", function (e) { e.preventDefault(); zone.classList.add("over"); });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (e) {
      e.preventDefault();
      zone.classList.remove("over");
      uploadAll(zone, e.dataTransfer.files);
    });
    document.getElementById("upload-input").addEventListener("change", function (e) {
      uploadAll(zone, e.target.files).then(function () { e.target.value = ""; });
    });
  }

  window.cloudlet = { token: token, say: say, refresh: refresh };
})();
