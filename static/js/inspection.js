// On-site inspection pages: entries survive a lost connection, signatures are drawn on screen.
// No inline scripts (the CSP forbids them); everything hangs off data- attributes.
(function () {
  "use strict";
  var PREFIX = "pe-draft:";
  var pending = [];

  function storageOk() {
    try { return !!window.localStorage; } catch (e) { return false; }
  }

  // --- drafts: every form with data-draft keeps its values in this browser until sent --------
  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "file" && el.type !== "submit" &&
        el.type !== "button" && !el.disabled;
    });
  }

  function save(form) {
    if (!storageOk()) { return; }
    var values = {};
    fieldsOf(form).forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") {
        values[el.name] = values[el.name] || [];
        if (el.checked) { values[el.name].push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        values[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[el.name] = el.value;
      }
    });
    localStorage.setItem(PREFIX + form.getAttribute("data-draft"),
      JSON.stringify({ saved: Date.now(), values: values }));
    mark(form, true);
  }

  function restore(form) {
    if (!storageOk()) { return; }
    var raw = localStorage.getItem(PREFIX + form.getAttribute("data-draft"));
    if (!raw) { return; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return; }
    var values = draft.values || {};
    fieldsOf(form).forEach(function (el) {
      if (!(el.name in values)) { return; }
      var value = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = value.indexOf(el.value) !== -1;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) !== -1; });
      } else {
        el.value = value;
      }
    });
    mark(form, true);
    toggleFail(form);
  }

  function clear(form) {
    if (storageOk()) { localStorage.removeItem(PREFIX + form.getAttribute("data-draft")); }
    mark(form, false);
  }

  function mark(form, unsent) {
    var badge = form.querySelector(".draft-badge");
    if (badge) { badge.classList.toggle("d-none", !unsent); }
  }

  function banner(show) {
    document.querySelectorAll("[data-offline-banner], [data-offline-status]").forEach(function (el) {
      el.classList.toggle("d-none", !show);
      if (show && el.hasAttribute("data-offline-status")) {
        el.textContent = el.getAttribute("data-message") ||
          (document.documentElement.lang === "en"
            ? "Offline: your entries are kept on this device and will be sent when the connection returns."
            : "网络已断开：填写的内容保存在本机，恢复连接后自动发送。");
      }
    });
  }

  function queue(form) {
    if (pending.indexOf(form) === -1) { pending.push(form); }
    save(form);
    banner(true);
  }

  function resend() {
    banner(false);
    var forms = pending.slice();
    pending = [];
    forms.forEach(function (form) {
      if (!document.body.contains(form)) { return; }
      if (form.hasAttribute("hx-post") && window.htmx) { window.htmx.trigger(form, "submit"); }
      else if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
    });
  }

  function bind(root) {
    root.querySelectorAll("form[data-draft]").forEach(function (form) {
      if (form.__draftBound) { return; }
      form.__draftBound = true;
      restore(form);
      form.addEventListener("input", function () { save(form); });
      form.addEventListener("change", function () { save(form); toggleFail(form); });
      if (!form.hasAttribute("hx-post")) {
        // a plain form: keep it while offline, send it when the connection is back
        form.addEventListener("submit", function (event) {
          if (navigator.onLine === false) { event.preventDefault(); queue(form); }
          else { clear(form); }
        });
      }
    });
    root.querySelectorAll("[data-signature-pad]").forEach(pad);
    root.querySelectorAll("[data-signer-select]").forEach(signer);
  }

  // htmx forms: cancel while offline, keep on a network error, forget once the server answered
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("form[data-draft]") && navigator.onLine === false) {
      event.preventDefault();
      queue(form);
    }
  });
  document.addEventListener("htmx:sendError", function (event) {
    var form = event.detail.elt;
    if (form && form.matches && form.matches("form[data-draft]")) { queue(form); }
  });
  // the server took it: forget the draft before the answer replaces the form (a replaced form
  // is detached, and events on it no longer reach this document)
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    var xhr = event.detail.xhr;
    if (form && form.matches && form.matches("form[data-draft]") && xhr && xhr.status >= 200 &&
        xhr.status < 400) {
      clear(form);
    }
  });
  // …and when the answer is a redirect (HX-Redirect: no swap), the form is still here
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    var xhr = event.detail.xhr;
    if (form && form.matches && form.matches("form[data-draft]") && xhr && xhr.status >= 200 &&
        xhr.status < 400) {
      clear(form);
    }
  });
  document.addEventListener("htmx:load", function (event) { bind(event.detail.elt); });
  window.addEventListener("online", resend);
  window.addEventListener("offline", function () { banner(true); });

  // a failed checklist item shows its deadline and measures
  function toggleFail(form) {
    var checked = form.querySelector("input[name=result]:checked");
    form.querySelectorAll("[data-show-when]").forEach(function (el) {
      el.classList.toggle("d-none", !checked || checked.value !== el.getAttribute("data-show-when"));
    });
  }

  // --- signatures ------------------------------------------------------------------------------
  function pad(canvas) {
    if (canvas.__padBound) { return; }
    canvas.__padBound = true;
    var form = canvas.closest("form");
    var input = form.querySelector("input[name=image]");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    ctx.lineWidth = 3;
    ctx.lineCap = "round";
    ctx.strokeStyle = "#111";

    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: (event.clientX - rect.left) * canvas.width / rect.width,
               y: (event.clientY - rect.top) * canvas.height / rect.height };
    }
    canvas.addEventListener("pointerdown", function (event) {
      drawing = true;
      canvas.setPointerCapture(event.pointerId);
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 0.1, p.y + 0.1);
      ctx.stroke();
      inked = true;
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      var p = point(event);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      event.preventDefault();
    });
    function end() {
      if (!drawing) { return; }
      drawing = false;
      input.value = inked ? canvas.toDataURL("image/png") : "";
    }
    canvas.addEventListener("pointerup", end);
    canvas.addEventListener("pointercancel", end);
    var clearButton = form.querySelector("[data-signature-clear]");
    if (clearButton) {
      clearButton.addEventListener("click", function () {
        ctx.clearRect(0, 0, canvas.width, canvas.height);
        inked = false;
        input.value = "";
      });
    }
  }

  function signer(select) {
    if (select.__signerBound) { return; }
    select.__signerBound = true;
    var form = select.closest("form");
    function update() {
      var role = select.value.split(":")[0];
      var nameField = form.querySelector("[data-name-field]");
      var refuseField = form.querySelector("[data-refuse-field]");
      if (nameField) { nameField.classList.toggle("d-none", role !== "representative" && role !== "witness"); }
      if (refuseField) { refuseField.classList.toggle("d-none", role !== "representative"); }
      var nameInput = form.querySelector("input[name=name]");
      if (nameInput && role === "witness" && nameInput.getAttribute("data-for") !== "witness") {
        nameInput.value = "";
        nameInput.setAttribute("data-for", "witness");
      }
    }
    select.addEventListener("change", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    bind(document);
    if (navigator.onLine === false) { banner(true); }
  });
})();
