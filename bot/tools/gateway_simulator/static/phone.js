// The development SMS phone page: sends MO SMS through the simulator and shows the thread.
// Texts are inserted as text (never HTML). Polls /_sim/state once a second.
(function () {
  "use strict";
  var select = document.getElementById("phone-select");
  var hint = document.getElementById("phone-hint");
  var failure = document.getElementById("failure-select");
  var thread = document.getElementById("thread");
  var form = document.getElementById("compose");
  var input = document.getElementById("message");
  var status = document.getElementById("status");
  var shown = "";

  function json(url, body) {
    var options = body === undefined ? {} : {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    };
    return fetch(url, options).then(function (r) { return r.json(); });
  }

  function describe(m) {
    var parts = [new Date(m.time * 1000).toLocaleTimeString("da-DK"), m.encoding === "UCS2" ? "UCS-2" : "GSM 03.38",
      m.segments + (m.segments === 1 ? " SMS-del" : " SMS-dele")];
    if (m.direction === "mt") { parts.push("status: " + m.status); }
    if (m.direction === "mo" && m.bot_answer) { parts.push("webhook: HTTP " + m.bot_answer); }
    return parts.join(" · ");
  }

  function render(messages) {
    var key = JSON.stringify(messages);
    if (key === shown) { return; }
    shown = key;
    thread.textContent = "";
    messages.forEach(function (m) {
      var item = document.createElement("li");
      item.className = "bubble bubble--" + m.direction;
      item.appendChild(document.createTextNode(m.text));
      var meta = document.createElement("span");
      meta.className = "meta";
      meta.textContent = describe(m);
      item.appendChild(meta);
      (m.warnings || []).forEach(function (w) {
        var warn = document.createElement("span");
        warn.className = "meta warning";
        warn.textContent = w;
        item.appendChild(warn);
      });
      thread.appendChild(item);
    });
    thread.scrollTop = thread.scrollHeight;
  }

  function refresh() {
    if (!select.value) { return; }
    json("/_sim/state?msisdn=" + encodeURIComponent(select.value)).then(function (state) {
      render(state.messages);
      failure.value = state.failure.mode;
    }).catch(function () { status.textContent = "Simulatoren svarer ikke."; });
  }

  json("/_sim/state").then(function (state) {
    state.phones.forEach(function (p) {
      var option = document.createElement("option");
      option.value = p.msisdn;
      option.textContent = p.name + " (" + p.shown + ")";
      select.appendChild(option);
    });
    hint.textContent = "Et registreret nummer får svar om sin egen sag; et ukendt nummer får kun generelle svar.";
    refresh();
  });

  select.addEventListener("change", function () { shown = ""; refresh(); });
  failure.addEventListener("change", function () {
    json("/_sim/failure", { mode: failure.value, status: 503, delay_s: 5 }).then(function () {
      status.textContent = "Gatewayens tilstand er ændret.";
    });
  });
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    status.textContent = "Sender ...";
    json("/_sim/mo", { msisdn: select.value, message: text }).then(function (r) {
      status.textContent = r.bot_status === 200 ? "Modtaget af Mødeklar." : "Mødeklar svarede HTTP " + r.bot_status + ".";
      refresh();
    });
  });
  setInterval(refresh, 1000);
}());
