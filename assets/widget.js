/* Comptoir web chat widget. Paste on the shop's site:
 *   <script src="https://COMPTOIR/assets/widget.js" data-position="right"
 *           data-color="#7a2e4d" data-cookie-days="30" defer></script>
 * Options (data-*): position (right|left), color, title, lang (fr|en; default: the
 * page's, then the browser's), cookie-days, consent
 * ("required": the visitor id is kept in a cookie only once window.comptoirConsent is
 * true; until then it lives for the tab only). No framework, no dependency. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__comptoirWidget) return;
  window.__comptoirWidget = true;
  var base = new URL(script.src).origin;
  var opt = script.dataset;
  var color = /^#[0-9a-fA-F]{3,8}$/.test(opt.color || "") ? opt.color : "#7a2e4d";
  var left = opt.position === "left";
  var days = parseInt(opt.cookieDays || "30", 10) || 30;
  // The widget's own words in the visitor's language; once the assistant has replied,
  // the conversation's language wins (a visitor may write English on a French page).
  var WORDS = {
    fr: {
      chips: ["Vérifier un stock", "Suivre ma commande", "Horaires", "Parler à quelqu'un"],
      open: "Discuter avec la boutique", dialog: "Discussion", title: "Une question ? On vous répond",
      placeholder: "Votre message…", message: "Votre message", send: "Envoyer",
      email: "Votre e-mail, pour vous répondre", emailLabel: "Votre e-mail",
      emailAsk: "L'équipe vous répond dès que possible. Laissez votre e-mail pour recevoir la réponse :",
      emailThanks: "Merci ! L'équipe vous répondra à ", refused: "Adresse refusée.",
      notSent: "Message non envoyé.", offline: "Connexion impossible, réessayez."
    },
    en: {
      chips: ["Check stock", "Track my order", "Opening hours", "Talk to someone"],
      open: "Chat with the shop", dialog: "Chat", title: "A question? We're here",
      placeholder: "Your message…", message: "Your message", send: "Send",
      email: "Your e-mail, so we can reply", emailLabel: "Your e-mail",
      emailAsk: "The team will reply as soon as possible. Leave your e-mail to get the answer:",
      emailThanks: "Thank you! The team will reply to ", refused: "Address refused.",
      notSent: "Message not sent.", offline: "Cannot connect, please try again."
    }
  };
  function pickLang(code) {
    code = (code || "").toLowerCase();
    return code.indexOf("fr") === 0 ? "fr" : code ? "en" : null;
  }
  var lang = pickLang(opt.lang) || pickLang(document.documentElement.lang) ||
    pickLang(navigator.language) || "fr";
  function t(key) { return WORDS[lang][key]; }
  var COOKIE = "comptoir_visitor";

  function randomId() {
    var bytes = new Uint8Array(12);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function readCookie() {
    var m = document.cookie.match(/(?:^|; )comptoir_visitor=([A-Za-z0-9-]{8,64})/);
    return m ? m[1] : null;
  }
  function mayKeep() {
    return opt.consent !== "required" || window.comptoirConsent === true;
  }
  function visitorId() {
    var id = readCookie() || sessionStorage.getItem(COOKIE) || randomId();
    if (mayKeep()) {
      document.cookie = COOKIE + "=" + id + "; max-age=" + days * 86400 + "; path=/; SameSite=Lax" +
        (location.protocol === "https:" ? "; Secure" : "");
    } else {
      sessionStorage.setItem(COOKIE, id);
    }
    return id;
  }
  var visitor = visitorId();
  var lastId = 0;
  var seq = 0;
  // The visitor's messages shown as sent, not yet come back from the server.
  var sentMine = [];

  var host = document.createElement("div");
  host.setAttribute("data-comptoir", "");
  var root = host.attachShadow({ mode: "open" });
  var side = left ? "left" : "right";
  root.innerHTML =
    "<style>" +
    ":host{all:initial}*{box-sizing:border-box;font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif}" +
    ".bubble{position:fixed;bottom:20px;" + side + ":20px;width:56px;height:56px;border-radius:50%;border:0;cursor:pointer;" +
    "background:" + color + ";color:#fff;font-size:26px;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000}" +
    ".panel{position:fixed;bottom:88px;" + side + ":20px;width:min(360px,calc(100vw - 40px));height:min(520px,calc(100vh - 120px));" +
    "background:#fff;border-radius:14px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:none;flex-direction:column;overflow:hidden;z-index:2147483000}" +
    ".panel.open{display:flex}.head{background:" + color + ";color:#fff;padding:14px 16px;font-weight:600}" +
    ".log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px;background:#faf7f8}" +
    ".msg{max-width:85%;padding:8px 12px;border-radius:12px;line-height:1.35;font-size:14px;white-space:pre-wrap;word-wrap:break-word}" +
    ".me{align-self:flex-end;background:" + color + ";color:#fff}.them{align-self:flex-start;background:#fff;border:1px solid #eadde2;color:#222}" +
    ".chips{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px}.chip{border:1px solid " + color + ";color:" + color +
    ";background:#fff;border-radius:16px;padding:5px 10px;font-size:13px;cursor:pointer}" +
    "form{display:flex;gap:6px;padding:10px;border-top:1px solid #eee}input{flex:1;padding:9px 10px;border:1px solid #ccc;border-radius:8px;font-size:14px}" +
    "button.send{background:" + color + ";color:#fff;border:0;border-radius:8px;padding:0 14px;cursor:pointer}" +
    ".err{color:#a11;font-size:12px;padding:0 12px 6px}" +
    "</style>" +
    "<button class='bubble' aria-expanded='false'>💬</button>" +
    "<section class='panel' role='dialog'>" +
    "<div class='head'></div><div class='log' aria-live='polite'></div><div class='chips'></div>" +
    "<div class='err' role='alert'></div>" +
    "<form class='say'><input name='text' maxlength='1000' autocomplete='off'>" +
    "<button class='send' type='submit'></button></form></section>";
  document.body.appendChild(host);

  var bubble = root.querySelector(".bubble");
  var panel = root.querySelector(".panel");
  var log = root.querySelector(".log");
  var chips = root.querySelector(".chips");
  var err = root.querySelector(".err");
  var form = root.querySelector("form.say");
  root.querySelector(".head").textContent = opt.title || t("title");
  bubble.setAttribute("aria-label", t("open"));
  panel.setAttribute("aria-label", t("dialog"));
  var said = form.querySelector("input");
  said.placeholder = t("placeholder");
  said.setAttribute("aria-label", t("message"));
  form.querySelector("button").textContent = t("send");

  function show(text, mine) {
    var m = document.createElement("div");
    m.className = "msg " + (mine ? "me" : "them");
    m.textContent = text;
    log.appendChild(m);
    log.scrollTop = log.scrollHeight;
  }
  t("chips").forEach(function (label) {
    var c = document.createElement("button");
    c.type = "button";
    c.className = "chip";
    c.textContent = label;
    c.addEventListener("click", function () { send(label); });
    chips.appendChild(c);
  });

  function askEmail() {
    if (root.querySelector("form.email")) return;
    show(t("emailAsk"), false);
    var f = document.createElement("form");
    f.className = "email";
    f.innerHTML = "<input type='email' required><button class='send' type='submit'>OK</button>";
    var input = f.querySelector("input");
    input.placeholder = t("email");
    input.setAttribute("aria-label", t("emailLabel"));
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var email = f.querySelector("input").value;
      post("/widget/contact", { visitor: visitor, email: email }).then(function (r) {
        if (r.ok) { f.remove(); show(t("emailThanks") + email + ".", false); }
        else { r.json().then(function (b) { err.textContent = b.error || t("refused"); }); }
      });
    });
    log.appendChild(f);
  }

  function post(path, body) {
    return fetch(base + path, {
      method: "POST", headers: { "Content-Type": "application/json", "Accept-Language": lang },
      body: JSON.stringify(body)
    });
  }
  function send(text) {
    text = text.trim();
    if (!text) return;
    err.textContent = "";
    show(text, true);
    sentMine.push(text);
    seq += 1;
    post("/widget/messages", { visitor: visitor, text: text, id: Date.now().toString(36) + "-" + seq })
      .then(function (r) { return r.json().then(function (b) { return [r.ok, b]; }); })
      .then(function (res) {
        if (!res[0]) { err.textContent = res[1].error || t("notSent"); return; }
        if (WORDS[res[1].lang]) lang = res[1].lang;
        if (res[1].handoff) askEmail();
        follow();
      })
      .catch(function () { err.textContent = t("offline"); });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var input = form.querySelector("input");
    send(input.value);
    input.value = "";
  });

  // Replies and the team's answers arrive live (Server-Sent Events, or long-polling).
  var following = false;
  function receive(m) {
    if (m.id <= lastId) return;
    lastId = m.id;
    var mine = m.author === "shopper";
    if (mine && sentMine.length && sentMine[0] === m.body) { sentMine.shift(); return; }
    show(m.body, mine);
  }
  function follow() {
    if (following) return;
    following = true;
    if (window.EventSource) {
      var es = new EventSource(base + "/widget/stream?visitor=" + visitor + "&after=" + lastId);
      es.addEventListener("message", function (e) { receive(JSON.parse(e.data)); });
      es.onerror = function () { es.close(); following = false; setTimeout(follow, 3000); };
      // A page left must not hold its stream (browsers give a site six connections).
      window.addEventListener("pagehide", function () { es.close(); });
    } else {
      (function poll() {
        fetch(base + "/widget/messages?visitor=" + visitor + "&after=" + lastId)
          .then(function (r) { return r.json(); })
          .then(function (b) { (b.messages || []).forEach(receive); poll(); })
          .catch(function () { setTimeout(poll, 3000); });
      })();
    }
  }

  bubble.addEventListener("click", function () {
    var open = panel.classList.toggle("open");
    bubble.setAttribute("aria-expanded", String(open));
    if (open) { form.querySelector("input").focus(); follow(); }
  });
})();
