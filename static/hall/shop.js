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
