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
    var text = String(Math.floor(left / 60) % 60).padStart(2, "0") + ":" + String(left % 60).padStart(2, "0");
    // Sales count down days and hours (holds never last an hour): "2天 03:04:05", "03:04:05".
    if (left >= 3600) { text = String(Math.floor(left / 3600) % 24).padStart(2, "0") + ":" + text; }
    if (left >= 86400) { text = Math.floor(left / 86400) + (lang === "en" ? "d " : "天 ") + text; }
    // Pages may say what the countdown is for (data-label with {t}, data-ended); holds by default.
    var label = el.getAttribute("data-label"), ended = el.getAttribute("data-ended");
    el.textContent = left ? (label ? label.replace("{t}", text) : (lang === "en" ? "Held for " + text : "保留剩余 " + text))
                          : (ended || (lang === "en" ? "The hold has ended" : "保留已结束，请重新选号"));
    if (left) { setTimeout(tick, 1000); }
  }
  tick();
});
// Real-name liveness step: with a camera, take the portrait from a short live capture (the
// frames and duration go along as liveness evidence); without one, the file input (which opens
// the front camera on phones) is the fallback.
function liveness(form) {
  var evidence = form.querySelector("input[name=liveness]");
  var input = form.querySelector("input[type=file]");
  var button = form.querySelector("[data-camera]");
  var video = form.querySelector("video");
  var note = form.querySelector("[data-camera-note]");
  function noCamera() {  // say why, rather than a button that silently does nothing
    if (button) { button.hidden = true; }
    if (note) { note.hidden = false; }
  }
  if (!button || !(navigator.mediaDevices && navigator.mediaDevices.getUserMedia) || !window.DataTransfer) {
    noCamera();
    return;
  }
  button.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "user" } }).then(function (stream) {
      var frames = 0, started = Date.now();
      video.hidden = false;
      video.srcObject = stream;
      video.play();
      var counter = setInterval(function () { frames += 1; }, 200);
      setTimeout(function () {
        clearInterval(counter);
        var canvas = document.createElement("canvas");
        canvas.width = video.videoWidth;
        canvas.height = video.videoHeight;
        canvas.getContext("2d").drawImage(video, 0, 0);
        stream.getTracks().forEach(function (track) { track.stop(); });
        video.hidden = true;
        canvas.toBlob(function (blob) {
          var files = new DataTransfer();
          files.items.add(new File([blob], "portrait.jpg", { type: "image/jpeg" }));
          input.files = files.files;
          evidence.value = JSON.stringify({ method: "camera", frames: frames, duration_ms: Date.now() - started });
        }, "image/jpeg", 0.9);
      }, 2500);
    }).catch(noCamera);
  });
}
document.querySelectorAll("[data-liveness]").forEach(liveness);
// The order page follows its order: every few seconds it asks for the status and timeline and
// redraws them (text only) until the order reaches an end state. Every other live section
// (verification, monthly returns, after-sales choices…) carries a fingerprint; when one changes,
// the page fetches itself and swaps that section in, unless the subscriber is filling in a form
// there (then it waits for the next round).
document.querySelectorAll("[data-refresh]").forEach(function (list) {
  var url = list.getAttribute("data-refresh");
  var chip = document.querySelector("[data-testid=order-status]");
  var verification = document.querySelector("[data-testid=verification-status]");
  var ended = ["completed", "cancelled", "closed_unpaid", "refunded"];
  function redraw(data) {
    if (chip) { chip.textContent = data.status_label; chip.className = "chip status-" + data.status; }
    if (verification && data.verification) { verification.textContent = data.verification; }
    if (data.events.length === list.children.length) { return; }
    list.textContent = "";
    data.events.forEach(function (event) {
      var item = document.createElement("li");
      var time = document.createElement("time");
      time.textContent = event.at;
      item.appendChild(time);
      item.appendChild(document.createTextNode(" " + event.label + (event.reason ? " — " + event.reason : "")));
      list.appendChild(item);
    });
  }
  var touched = new WeakSet();
  document.querySelectorAll("[data-live]").forEach(function (section) {
    section.addEventListener("input", function () { touched.add(section); });
    section.addEventListener("change", function () { touched.add(section); });
  });
  function swapSections(signatures) {
    var stale = [];
    document.querySelectorAll("[data-live]").forEach(function (section) {
      var name = section.getAttribute("data-live");
      if (signatures[name] !== undefined && signatures[name] !== section.getAttribute("data-live-sig")
          && !touched.has(section)) { stale.push(section); }
    });
    if (!stale.length) { return; }
    // the order page's own address: this page may be the answer to a form posted elsewhere
    fetch(list.getAttribute("data-page") || location.pathname, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        stale.forEach(function (section) {
          var name = section.getAttribute("data-live");
          var replacement = fresh.querySelector('[data-live="' + name + '"]');
          if (!replacement || touched.has(section)) { return; }
          section.innerHTML = replacement.innerHTML;
          section.setAttribute("data-live-sig", replacement.getAttribute("data-live-sig"));
          section.querySelectorAll("[data-liveness]").forEach(liveness);
        });
        chip = document.querySelector("[data-testid=order-status]");
        verification = document.querySelector("[data-testid=verification-status]");
      });
  }
  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        redraw(data);
        if (data.sections) { swapSections(data.sections); }
        if (ended.indexOf(data.status) === -1) { setTimeout(poll, 4000); }
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 4000);
});
// Clicks on a decorated page's blocks are counted (block id, page, published version), sent as
// a beacon so following the link is never delayed. Do-Not-Track: nothing is sent.
document.querySelectorAll("[data-click-url]").forEach(function (page) {
  if (navigator.doNotTrack === "1" || !navigator.sendBeacon) { return; }
  page.addEventListener("click", function (event) {
    var link = event.target.closest("a");
    var block = link && link.closest("[data-block-id]");
    if (!block) { return; }
    var data = new FormData();
    data.append("block", block.getAttribute("data-block-id"));
    data.append("page_type", page.getAttribute("data-page-type"));
    data.append("page_id", page.getAttribute("data-page-id"));
    data.append("version", page.getAttribute("data-page-version"));
    navigator.sendBeacon(page.getAttribute("data-click-url"), data);
  });
});
// The code step's "Send again (60 s)": counts down, then enables itself (the server checks too).
document.querySelectorAll("[data-countdown-enable]").forEach(function (button) {
  var end = parseFloat(button.getAttribute("data-countdown-enable")) * 1000;
  var lang = document.documentElement.lang;
  function tick() {
    var left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    if (!left) {
      button.disabled = false;
      button.textContent = lang === "en" ? "Send again" : "重新发送";
      return;
    }
    button.textContent = lang === "en" ? "Send again (" + left + " s)" : "重新发送（" + left + " 秒）";
    setTimeout(tick, 1000);
  }
  tick();
});
// Flash messages as toasts: the server renders them in the page; here they float under the
// header, and all but errors (role=alert, which stay until closed) go away after a few seconds.
document.querySelectorAll("[data-toasts]").forEach(function (stack) {
  stack.classList.add("floating");
  stack.querySelectorAll(".toast").forEach(function (toast) {
    var close = toast.querySelector("[data-toast-close]");
    var timer = null;
    function dismiss() {
      toast.classList.add("leaving");
      setTimeout(function () {
        toast.remove();
        if (!stack.querySelector(".toast")) { stack.remove(); }
      }, 300);
    }
    if (close) { close.hidden = false; close.addEventListener("click", dismiss); }
    if (toast.getAttribute("role") === "alert") { return; }
    function later() { timer = setTimeout(dismiss, 4000); }
    // Reading (hover or focus) holds the toast; leaving starts the count again.
    toast.addEventListener("pointerenter", function () { clearTimeout(timer); });
    toast.addEventListener("pointerleave", later);
    later();
  });
});
// Top-up: typing an amount picks "other amount", picking a tile clears the typed amount, and the
// number's balance shows once 11 digits are in (the server renders it for a pre-filled number).
document.querySelectorAll("[data-top-up]").forEach(function (form) {
  var custom = form.querySelector("input[name=custom]");
  var other = form.querySelector("input[name=amount][value=other]");
  var number = form.querySelector("input[name=number]");
  var balance = form.querySelector("[data-testid=balance]");
  var amount = balance && balance.querySelector("[data-balance-amount]");
  form.addEventListener("change", function (event) {
    if (event.target.name === "amount" && event.target.value !== "other" && custom) { custom.value = ""; }
  });
  if (custom && other) {
    custom.addEventListener("input", function () { if (custom.value) { other.checked = true; } });
    other.addEventListener("change", function () { custom.focus(); });
  }
  if (!number || !balance || !window.fetch) { return; }
  var asked = number.value;
  number.addEventListener("input", function () {
    var value = number.value.replace(/\s/g, "");
    if (!/^1\d{10}$/.test(value)) { balance.hidden = true; asked = ""; return; }
    if (value === asked) { return; }
    asked = value;
    fetch(form.getAttribute("data-balance-url") + "?number=" + encodeURIComponent(value),
          { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { balance: null }; })
      .then(function (data) {
        if (asked !== value) { return; }
        balance.hidden = !data.balance;
        amount.textContent = data.balance || "";
      })
      .catch(function () { balance.hidden = true; });
  });
});
// Checkout's address: the free-text city and district become lists that follow the province
// (from the same divisions file the server checks against); without script they stay text.
document.querySelectorAll("[data-divisions]").forEach(function (section) {
  var province = section.querySelector("select[name=province]");
  var cityInput = section.querySelector("input[name=city]");
  var districtInput = section.querySelector("input[name=district]");
  if (!province || !cityInput || !districtInput || !window.fetch) { return; }
  var lang = document.documentElement.lang;
  fetch(section.getAttribute("data-divisions"), { credentials: "same-origin" })
    .then(function (response) { return response.ok ? response.json() : null; })
    .then(function (data) {
      if (!data) { return; }
      function swap(input) {
        var select = document.createElement("select");
        select.name = input.name;
        select.required = input.required;
        select.setAttribute("data-testid", "picker-" + input.name);
        input.parentNode.insertBefore(select, input);
        input.disabled = true;  // not posted; the list's choice is
        input.hidden = true;
        return select;
      }
      var city = swap(cityInput), district = swap(districtInput);
      function fill(select, names, keep) {
        select.textContent = "";
        var blank = document.createElement("option");
        blank.value = "";
        blank.textContent = lang === "en" ? "Choose" : "请选择";
        select.appendChild(blank);
        names.forEach(function (name) {
          var option = document.createElement("option");
          option.value = option.textContent = name;
          select.appendChild(option);
        });
        select.value = names.indexOf(keep) >= 0 ? keep : "";
        select.disabled = !names.length;
      }
      function districts(keep) { fill(district, (data[province.value] || {})[city.value] || [], keep); }
      function cities(keepCity, keepDistrict) {
        fill(city, Object.keys(data[province.value] || {}), keepCity);
        districts(keepDistrict);
      }
      province.addEventListener("change", function () { cities("", ""); });
      city.addEventListener("change", function () { districts(""); });
      cities(cityInput.value, districtInput.value);  // what the server had (a last address, a refused post)
    });
});
// Required ticks (the SIM agreements) are checked before sending, though the form leaves other
// checks to the server (novalidate): the browser says which box is missing.
document.querySelectorAll("form[novalidate]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    var missing = form.querySelector("input[type=checkbox][required]:not(:checked)");
    if (missing) {
      event.preventDefault();
      missing.setCustomValidity(document.documentElement.lang === "en"
        ? "Tick this box to continue." : "请勾选同意后再提交。");
      missing.reportValidity();
      missing.addEventListener("change", function () { missing.setCustomValidity(""); }, { once: true });
    }
  });
});
