// Progressive enhancement only: every form works without this file.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("select[data-autosubmit]")) { el.form.submit(); }
});
// Banner carousels with autoplay: scroll to the next slide every N seconds.
document.querySelectorAll("[data-carousel][data-autoplay]").forEach(function (carousel) {
  var strip = carousel.querySelector(".slides");
  var seconds = Math.max(2, parseInt(carousel.getAttribute("data-autoplay"), 10) || 4);
  if (!strip || strip.children.length < 2) { return; }
  setInterval(function () {
    var next = strip.scrollLeft + strip.clientWidth;
    strip.scrollTo({ left: next >= strip.scrollWidth - 2 ? 0 : next, behavior: "smooth" });
  }, seconds * 1000);
});
// Hold countdowns: "mm:ss left", from the hold's end time printed by the server.
document.querySelectorAll("[data-countdown]").forEach(function (el) {
  var end = Date.parse(el.getAttribute("data-countdown"));
  var lang = document.documentElement.lang;
  function tick() {
    var left = Math.max(0, Math.round((end - Date.now()) / 1000));
    var text = String(Math.floor(left / 60)).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0");
    // Pages may say what the countdown is for (data-label with {t}, data-ended); holds by default.
    var label = el.getAttribute("data-label"), ended = el.getAttribute("data-ended");
    el.textContent = left ? (label ? label.replace("{t}", text) : (lang === "en" ? "Held for " + text : "保留剩余 " + text))
                          : (ended || (lang === "en" ? "The hold has ended" : "保留已结束，请重新选号"));
    if (left) { setTimeout(tick, 1000); }
  }
  tick();
});
