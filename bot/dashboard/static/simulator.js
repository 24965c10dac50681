// The phone simulator: SMS and IVR keys posted as JSON (with the CSRF token), replies shown
// as bubbles. Bot replies are ".bubble.bot"; the caller's own messages are ".bubble.me".
(function () {
  "use strict";
  var root = document.getElementById("simulator");
  if (!root) return;
  var t = root.dataset;
  var token = document.querySelector('meta[name="csrf-token"]').content;
  var thread = document.getElementById("sim-thread");
  var compose = document.getElementById("sim-compose");
  var input = document.getElementById("sim-input");
  var send = document.getElementById("sim-send");
  var keypad = document.getElementById("sim-keypad");
  var entered = document.getElementById("sim-digits");
  var wanted = document.getElementById("sim-wanted");
  var callButton = document.getElementById("sim-call");
  var keysSend = document.getElementById("sim-keys-send");
  var hangup = document.getElementById("sim-hangup");
  var keys = keypad.querySelectorAll("button.key");
  var smsTab = document.getElementById("sim-mode-sms");
  var voiceTab = document.getElementById("sim-mode-voice");
  var digitsWanted = null; // keys the current question takes; null: no call
  var busy = false;

  function bubble(kind, text, tag) {
    var p = document.createElement("p");
    p.className = "bubble " + kind;
    if (tag) {
      var span = document.createElement("span");
      span.className = "tag";
      span.textContent = tag;
      p.appendChild(span);
    }
    p.appendChild(document.createTextNode(text));
    thread.appendChild(p);
    thread.scrollTop = thread.scrollHeight;
    return p;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(body || {}),
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) throw new Error(data.error || t.tFailed);
        return data;
      });
    });
  }

  function failed(error) {
    bubble("error", (error && error.message) || t.tFailed);
  }

  // ---- SMS ----
  compose.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    busy = true;
    send.disabled = true;
    bubble("me", text);
    input.value = "";
    post(t.smsUrl, { body: text })
      .then(function (data) {
        data.replies.forEach(function (reply) { bubble("bot", reply); });
      })
      .catch(failed)
      .finally(function () {
        busy = false;
        send.disabled = false;
        input.focus();
      });
  });

  // ---- the IVR ----
  function setCall(digits) {
    digitsWanted = digits;
    var live = digits !== null;
    keys.forEach(function (key) { key.disabled = !live; });
    keysSend.disabled = !live;
    hangup.disabled = !live;
    callButton.disabled = live;
    entered.textContent = "";
    wanted.textContent = live ? t.tPress.replace("{n}", digits) : "";
  }

  function heard(data) {
    data.prompts.forEach(function (text) { bubble("bot voice", text, t.tHeard); });
    (data.sms || []).forEach(function (text) { bubble("bot sms-note", text, t.tSms); });
    if (data.ended) {
      bubble("note", t.tCallEnded);
      setCall(null);
    } else {
      setCall(data.digits);
    }
  }

  function sendKeys() {
    if (busy || digitsWanted === null) return;
    var digits = entered.textContent;
    busy = true;
    bubble("me", digits || t.tSilence, t.tPressed);
    entered.textContent = "";
    post(t.keysUrl, { digits: digits })
      .then(heard)
      .catch(function (error) { failed(error); setCall(null); })
      .finally(function () { busy = false; });
  }

  callButton.addEventListener("click", function () {
    if (busy) return;
    busy = true;
    callButton.disabled = true;
    bubble("note", t.tCalling);
    post(t.callUrl)
      .then(heard)
      .catch(function (error) { failed(error); setCall(null); })
      .finally(function () { busy = false; });
  });

  keys.forEach(function (key) {
    key.addEventListener("click", function () {
      if (digitsWanted === null || busy) return;
      entered.textContent += key.dataset.key;
      // Like Twilio's <Gather numDigits>: the answer goes when enough keys are pressed.
      if (entered.textContent.length >= digitsWanted) sendKeys();
    });
  });
  keysSend.addEventListener("click", sendKeys);

  hangup.addEventListener("click", function () {
    post(t.hangupUrl).catch(function () {});
    bubble("note", t.tCallEnded);
    setCall(null);
  });

  document.addEventListener("keydown", function (event) {
    if (keypad.hidden || digitsWanted === null) return;
    if (/^[0-9*#]$/.test(event.key)) {
      var key = keypad.querySelector('button.key[data-key="' + event.key + '"]');
      if (key) key.click();
    } else if (event.key === "Enter") {
      event.preventDefault();
      sendKeys();
    }
  });

  // ---- switching between SMS and the call ----
  function mode(voice) {
    smsTab.setAttribute("aria-selected", voice ? "false" : "true");
    voiceTab.setAttribute("aria-selected", voice ? "true" : "false");
    compose.hidden = voice;
    keypad.hidden = !voice;
    (voice ? (callButton.disabled ? keysSend : callButton) : input).focus();
  }
  smsTab.addEventListener("click", function () { mode(false); });
  voiceTab.addEventListener("click", function () { mode(true); });
  setCall(null);
  thread.scrollTop = thread.scrollHeight;
})();
