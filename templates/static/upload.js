// upload.js sends the upload forms (form.upload: a new document, a new
// version) with XMLHttpRequest, so the page can show a progress bar. The
// server answers like the API: 201 with the document as JSON, or a
// problem+json document whose detail is shown. The CSRF token comes from the
// form's data-csrf attribute and goes in the X-CSRF-Token header; the
// messages come from data-msg-* attributes, in the page's language.
// Everything is written with textContent: server text is never parsed as HTML.
(function () {
  "use strict";

  function setup(form) {
    var button = form.querySelector("button[type=submit]");
    var box = form.querySelector(".progress");
    var bar = box.querySelector("progress");
    var percent = box.querySelector(".percent");
    var result = form.querySelector(".result");
    var msg = form.dataset;

    function show(text, state) {
      result.textContent = text;
      result.className = "result" + (state ? " " + state : "");
    }

    function progress(p) {
      bar.value = p;
      percent.textContent = p + "%";
    }

    function busy(on) {
      button.disabled = on;
      form.classList.toggle("busy", on);
    }

    function fail(text) {
      busy(false);
      box.hidden = true;
      show(text, "error");
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var data = new FormData(form);
      var file = data.get("file");
      if (!file || !file.name) {
        show(msg.msgNofile, "error");
        return;
      }
      // Send the file last, so the server checks the other fields before
      // it receives what may be hundreds of megabytes.
      data.delete("file");
      data.append("file", file, file.name);

      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("action"));
      xhr.setRequestHeader("X-CSRF-Token", form.dataset.csrf);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable || e.total === 0) {
          return;
        }
        progress(Math.floor((e.loaded * 100) / e.total));
        if (e.loaded === e.total) {
          show(msg.msgSaving);
        }
      };
      xhr.onload = function () {
        var body = null;
        try {
          body = JSON.parse(xhr.responseText);
        } catch (e) {
          body = null;
        }
        if (xhr.status === 201 && body && typeof body.id === "string") {
          progress(100);
          show(msg.msgDone, "ok");
          window.location.assign("/documents/" + encodeURIComponent(body.id));
          return;
        }
        var detail = body && typeof body.detail === "string" && body.detail
          ? body.detail
          : msg.msgUnexpected + " (" + xhr.status + ")";
        fail(msg.msgFailed + detail);
      };
      xhr.onerror = function () {
        fail(msg.msgNetwork);
      };
      xhr.onabort = xhr.onerror;

      busy(true);
      progress(0);
      box.hidden = false;
      show(msg.msgUploading);
      xhr.send(data);
    });

    // The button stays disabled until this script runs: without it the
    // form cannot send the CSRF header (see the noscript note).
    button.disabled = false;
  }

  document.querySelectorAll("form.upload").forEach(setup);
})();
