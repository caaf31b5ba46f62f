// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (toggle) {
      var bar = toggle.closest(".sidebar");
      var open = bar.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    }
    // Buttons with data-copy put the text of the element it names on the clipboard.
    var copy = event.target.closest("[data-copy]");
    if (copy && navigator.clipboard) {
      var source = document.querySelector(copy.dataset.copy);
      navigator.clipboard.writeText(source ? source.textContent : "").then(function () {
        copy.textContent = copy.dataset.copied || copy.textContent;
      });
    }
  });
  // A form sent back with mistakes: bring the first one into view (on a phone it may be
  // several screens down) and put the cursor in its field.
  document.addEventListener("DOMContentLoaded", function () {
    var wrong = document.querySelector("main form .alert.danger, main .field.has-error, main [aria-invalid=true]");
    if (!wrong) return;
    wrong.scrollIntoView({ block: "center" });
    var field = wrong.matches("input, select, textarea") ? wrong : wrong.querySelector("input, select, textarea");
    if (field) field.focus({ preventScroll: true });
  });
  // Chat boxes marked data-stick-bottom show their newest message, on load and after
  // each answer swapped in.
  function toBottom() {
    document.querySelectorAll("[data-stick-bottom]").forEach(function (box) {
      box.scrollTop = box.scrollHeight;
    });
  }
  document.addEventListener("DOMContentLoaded", toBottom);
  document.addEventListener("htmx:afterSwap", toBottom);
  document.addEventListener("htmx:afterSettle", toBottom);
  // Buttons with data-confirm ask before submitting their form.
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var message = (button && button.dataset.confirm) || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });
})();

// Live team inbox: the badge of conversations waiting for a human, a notification
// (and an optional sound) when a shopper waits for the team, and the inbox list or the
// open conversation refreshed in place when it changes.
(function () {
  "use strict";
  if (!window.EventSource || !document.querySelector("[data-waiting]")) return;
  var badge = document.querySelector("[data-waiting]");
  var sound = document.querySelector("[data-sound]");
  var setup = document.querySelector("[data-notify-setup]");
  var notified = {};

  if (sound) {
    sound.checked = localStorage.getItem("comptoir.sound") === "1";
    sound.addEventListener("change", function () {
      localStorage.setItem("comptoir.sound", sound.checked ? "1" : "0");
    });
  }
  if (setup && window.Notification && Notification.permission === "default") {
    setup.hidden = false;
    setup.addEventListener("click", function () {
      Notification.requestPermission().then(function () { setup.hidden = true; });
    });
  }

  function showWaiting(n) {
    badge.textContent = n > 0 ? String(n) : "";
    badge.hidden = !(n > 0);
    badge.setAttribute("aria-label", n + " en attente d'un humain");
  }
  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator();
      var gain = ctx.createGain();
      osc.frequency.value = 880;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(ctx.destination);
      osc.start();
      osc.stop(ctx.currentTime + 0.18);
    } catch (e) { /* no audio: the badge and notification remain */ }
  }
  function alertTeam(news) {
    if (notified[news.conversation] === news.message) return;
    notified[news.conversation] = news.message;
    if (sound && sound.checked) beep();
    if (window.Notification && Notification.permission === "granted" && document.hidden) {
      var n = new Notification(news.title, { body: news.body, tag: "conversation-" + news.conversation });
      n.onclick = function () { window.focus(); location.href = "/inbox/" + news.conversation; };
    }
  }

  // Swaps the parts marked data-live with the same parts of a fresh copy.
  // One fetch at a time; news arriving meanwhile asks for one more afterwards.
  var pending = null, again = false;
  function refresh(url) {
    if (pending) { again = true; return; }
    pending = fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        pending = null;
        if (again) { again = false; refresh(url); }
        if (!html) return;
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (part) {
          var next = part.id && fresh.getElementById(part.id);
          if (next) part.replaceWith(next);
        });
        document.querySelectorAll(".tabs .count[data-tab]").forEach(function (count) {
          var next = fresh.querySelector(".tabs .count[data-tab='" + count.dataset.tab + "']");
          if (next) count.textContent = next.textContent;
        });
      })
      .catch(function () { pending = null; });
  }

  var open = document.querySelector("[data-conversation]");
  var list = document.getElementById("conversation-list");
  var stream = new EventSource("/inbox/events");
  // A page left (or kept in the back-forward cache) must not hold its stream: browsers
  // give a site six connections, and stale streams would leave the next page waiting.
  window.addEventListener("pagehide", function () { stream.close(); });
  stream.addEventListener("waiting", function (e) { showWaiting(JSON.parse(e.data).waiting); });
  stream.addEventListener("changed", function (e) {
    var news = JSON.parse(e.data);
    showWaiting(news.waiting);
    if (news.notify) alertTeam(news);
    if (open && (news.conversation === 0 || String(news.conversation) === open.dataset.conversation)) {
      refresh("/inbox/" + open.dataset.conversation + "/live");
    } else if (list) {
      refresh(location.href);
    }
  });
})();

// Saved replies and product lines go into the reply box where the cursor is, without
// leaving the page (the links and buttons work without script too).
(function () {
  "use strict";
  var box = document.getElementById("reply-body");
  if (!box) return;
  function insert(text) {
    var start = box.selectionStart || 0, end = box.selectionEnd || 0;
    box.value = box.value.slice(0, start) + text + box.value.slice(end);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[data-insert]");
    var saved = event.target.closest("[data-insert-saved]");
    if (link) {
      event.preventDefault();
      insert(link.dataset.insert);
    } else if (saved) {
      event.preventDefault();
      var select = document.getElementById("template");
      insert(select.options[select.selectedIndex].dataset.insert);
    }
  });
})();

// The setup wizard's test box: once a message is answered, the field is emptied for
// the next one.
document.addEventListener("htmx:afterRequest", function (event) {
  var form = event.target.closest && event.target.closest("form[data-reset-after-send]");
  if (form && event.detail.successful) {
    form.reset();
    var field = form.querySelector("input[name=message]");
    if (field) field.focus();
  }
});

// A link to a folded part (Analytiques' "Apprendre à l'assistant") opens it.
(function () {
  if (!location.hash) return;
  var target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (target && target.tagName === "DETAILS") {
    target.open = true;
    target.scrollIntoView({ block: "center" });
  }
})();

// Analytiques: choosing dates means "Dates choisies".
document.addEventListener("change", function (e) {
  var form = e.target.closest && e.target.closest("form.report-filters");
  if (!form || e.target.type !== "date") return;
  var preset = form.querySelector("select[name=preset]");
  if (preset) preset.value = "custom";
});
