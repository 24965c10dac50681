// Broadcasts: a live SMS segment counter per language (as locales/segments.py counts), the
// preview (audience, SMS, cost) as the form is filled, and a broadcast's progress refreshed
// every few seconds.
(function () {
  "use strict";
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "^{}\\[~]|€\f";
  var MAX_SEGMENTS = 3;

  function isGsm7(text) {
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (BASIC.indexOf(ch) < 0 && EXTENSION.indexOf(ch) < 0) return false;
    }
    return true;
  }

  // Septets (GSM-7, extension characters count twice) or UTF-16 code units (UCS-2).
  function units(text) {
    if (!isGsm7(text)) return text.length;
    var n = text.length;
    for (var i = 0; i < text.length; i++) if (EXTENSION.indexOf(text.charAt(i)) >= 0) n++;
    return n;
  }

  function segments(text) {
    var gsm = isGsm7(text), n = units(text);
    var single = gsm ? 160 : 70, part = gsm ? 153 : 67;
    return n <= single ? 1 : Math.ceil(n / part);
  }

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, function (_, key) { return values[key]; });
  }

  function counter(textarea) {
    var out = document.getElementById(textarea.getAttribute("data-counter"));
    if (!out) return;
    function update() {
      var text = textarea.value, count = segments(text);
      var line = fill(out.getAttribute("data-template"), {
        units: units(text), segments: count, encoding: isGsm7(text) ? "GSM-7" : "UCS-2"
      });
      var over = count > MAX_SEGMENTS;
      out.textContent = over ? line + " — " + out.getAttribute("data-too-long") : line;
      out.setAttribute("data-segments", String(count));
      out.classList.toggle("over", over);
    }
    textarea.addEventListener("input", update);
    update();
  }

  // The preview: recipients by language, SMS segments and cost of what the compose form
  // describes, as the server counts them (audience.json), refreshed as the form changes.
  function audience() {
    var form = document.getElementById("compose"), box = document.getElementById("audience");
    if (!form || !box) return;
    var out = document.getElementById("audience-count"), timer = null;
    function set(id, value) {
      var el = document.getElementById(id);
      if (el) el.textContent = value;
    }
    function cells(attribute, values) {
      document.querySelectorAll("[" + attribute + "]").forEach(function (el) {
        var value = values ? values[el.getAttribute(attribute)] : undefined;
        el.textContent = value === undefined ? "0" : String(value);
      });
    }
    function query() {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (key === "csrf_token" || key === "name" || key === "send_at") return;
        params.append(key, value);
      });
      return params.toString();
    }
    function update() {
      fetch(box.getAttribute("data-url") + "?" + query(),
            { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.error) {
            out.textContent = data.error;
            ["preview-count", "preview-messages", "preview-cost"].forEach(function (id) { set(id, "–"); });
            return;
          }
          out.textContent = String(data.recipients);
          cells("data-preview-recipients", data.languages);
          cells("data-preview-segments", data.segments);
          set("preview-count", data.shown ? data.shown.recipients : String(data.recipients));
          set("preview-messages", data.shown ? data.shown.messages : "–");
          set("preview-cost", data.shown ? data.shown.cost : "–");
        })
        .catch(function () { out.textContent = "–"; });
    }
    function later() { clearTimeout(timer); timer = setTimeout(update, 400); }
    form.querySelectorAll("[data-audience], textarea").forEach(function (el) {
      el.addEventListener("input", later);
      el.addEventListener("change", later);
    });
    update();
  }

  function progress() {
    var page = document.getElementById("broadcast");
    if (!page) return;
    var url = page.getAttribute("data-stats-url");
    function set(id, value) {
      var el = document.getElementById(id);
      if (el && el.textContent !== String(value)) el.textContent = String(value);
    }
    function poll() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          set("recipients-count", s.recipients);
          set("sent-count", s.sent);
          set("delivered-count", s.delivered);
          set("failed-count", s.failed);
          var status = document.getElementById("broadcast-status");
          if (status) { status.textContent = s.status_label; status.setAttribute("data-status", s.status); }
          var bar = document.getElementById("progress");
          if (bar) { bar.max = s.recipients || 1; bar.value = s.finished; }
          document.querySelectorAll("[data-recipients]").forEach(function (el) {
            el.textContent = String(s.by_status[el.getAttribute("data-recipients")] || 0);
          });
          document.querySelectorAll("[data-delivery]").forEach(function (el) {
            el.textContent = String(s.delivery[el.getAttribute("data-delivery")] || 0);
          });
        })
        .catch(function () {})
        .then(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 2000);
  }

  document.querySelectorAll("textarea[data-counter]").forEach(counter);
  audience();
  progress();
})();
