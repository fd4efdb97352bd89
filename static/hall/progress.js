/* The "generate codes" progress bar: polls the batch's JSON (issued against target) until done.
   A static file and a <progress> element: no inline script or style, so the strict CSP holds. */
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) { return; }
  function set(selector, text) { var el = box.querySelector(selector); if (el) { el.textContent = text; } }
  function poll() {
    fetch(box.getAttribute("data-progress-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        box.querySelector("[data-progress-bar]").value = data.percent;
        set("[data-progress-percent]", data.percent + "%");
        set("[data-progress-issued]", data.issued);
        set("[data-progress-target]", data.target);
        var error = box.querySelector("[data-progress-error]");
        if (data.error) { error.textContent = data.error; error.hidden = false; }
        if (data.done) { box.querySelector("[data-progress-done]").hidden = false; return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
