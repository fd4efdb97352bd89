/* A festival's live dashboard: re-reads its figures every few seconds (data-poll-ms) and writes them
   into the tiles and the promotions table. A static file, text only: the strict CSP holds. */
(function () {
  "use strict";
  var box = document.querySelector("[data-testid=festival-dashboard][data-url]");
  if (!box) { return; }
  var every = parseInt(box.getAttribute("data-poll-ms"), 10) || 5000;
  function budgets(rows) {
    if (!rows.length) { return "—"; }
    return rows.map(function (b) { return (b.key ? b.key + ": " : "") + b.left + " / " + b.limit; }).join("; ");
  }
  function draw(data) {
    box.querySelectorAll("[data-field]").forEach(function (el) {
      var key = el.getAttribute("data-field");
      if (key in data) { el.textContent = data[key]; }
    });
    data.promotions.forEach(function (p) {
      var row = box.querySelector('[data-promotion="' + p.id + '"]');
      if (!row) { return; }
      row.querySelector("[data-col=status_label]").textContent = p.status_label;
      row.querySelector("[data-col=orders]").textContent = p.orders;
      row.querySelector("[data-col=subsidy_text]").textContent = p.subsidy_text;
      row.querySelector("[data-col=budgets]").textContent = budgets(p.budgets);
    });
  }
  function poll() {
    if (document.hidden) { window.setTimeout(poll, every); return; }  // a background tab asks nothing
    fetch(box.getAttribute("data-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(draw)
      .catch(function () {})
      .then(function () { window.setTimeout(poll, every); });
  }
  window.setTimeout(poll, every);
})();
