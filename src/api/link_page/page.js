"use strict";
(function () {
  // `/link/return` is where a provider's OAuth bank sends the browser back (see `resume`).
  var RESUME_PATH = "/link/return";
  var RESUME_KEY = "breadbox.link.resume";
  var RESUME_MAX_AGE_MS = 30 * 60 * 1000;
  var resuming = location.pathname.replace(/\/+$/, "") === RESUME_PATH;
  var token = resuming ? "" : decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
  var steps = ["loading", "picker", "form", "progress", "success", "failure", "final"];
  var session = null;
  var provider = "";
  var BLOCKED = ["javascript:", "data:", "file:", "vbscript:", "about:", "blob:"];

  function $(id) { return document.getElementById(id); }
  function show(step) {
    steps.forEach(function (s) { $("step-" + s).hidden = s !== step; });
    var h = $("step-" + step).querySelector("h2");
    if (h) { h.setAttribute("tabindex", "-1"); h.focus(); }
  }
  function call(path, method, body) {
    return fetch("/_link/" + encodeURIComponent(token) + path, {
      method: method || "GET",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
      cache: "no-store"
    }).then(function (r) {
      return r.text().then(function (text) {
        var data = null;
        try { data = text ? JSON.parse(text) : null; } catch (e) { data = null; }
        if (!r.ok) {
          var err = (data && data.error) || {};
          throw { status: r.status, code: err.code || "ERROR", message: err.message || "Unexpected answer from the server." };
        }
        return data;
      });
    }, function () {
      throw { status: 0, code: "NETWORK", message: "Could not reach the server. Check your connection." };
    });
  }
  function safeRedirect(url) {
    if (!url) { return false; }
    var u;
    try { u = new URL(url); } catch (e) { return false; }
    if (BLOCKED.indexOf(u.protocol.toLowerCase()) !== -1) { return false; }
    window.location.assign(u.href);
    return true;
  }
  function finalScreen(title, text) {
    $("final-title").textContent = title;
    $("final-text").textContent = text;
    show("final");
  }
  function fatal(err) {
    if (err.status === 410 || err.status === 401) {
      var title = err.code === "EXPIRED" ? "This link has expired" :
        err.code === "CONSUMED" ? "This link has already been used" : "This link can no longer be used";
      finalScreen(title, err.message);
      return;
    }
    $("failure-message").textContent = err.message;
    show("failure");
  }

  function claim() {
    $("loading-text").textContent = "Loading…";
    show("loading");
    call("/session").then(function (s) {
      session = s;
      if (s.label) { $("label").textContent = s.label; $("label").hidden = false; }
      if (s.action === "relink") { $("title").textContent = "Reconnect your bank"; }
      if (s.provider) { start(s.provider); } else { picker(s.providers); }
    }, fatal);
  }

  function picker(list) {
    var ul = $("providers");
    ul.textContent = "";
    list.forEach(function (p) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = p.display_name;
      b.setAttribute("data-provider", p.name);
      b.addEventListener("click", function () { start(p.name); });
      li.appendChild(b);
      ul.appendChild(li);
    });
    if (!list.length) { fatal({ status: 0, message: "No bank provider is enabled on this server." }); return; }
    show("picker");
  }

  function start(name) {
    provider = name;
    show("loading");
    call("/providers/" + encodeURIComponent(name) + "/start", "POST").then(function (flow) {
      if (flow.kind === "script") { runScript(flow, ""); return; }
      $("form-title").textContent = "Sign in to " + flow.institution_name;
      renderFields(flow.fields);
      $("help").hidden = !flow.help_url;
      if (flow.help_url) { $("help-link").href = flow.help_url; }
      $("back").hidden = !!(session && session.provider);
      show("form");
    }, fatal);
  }

  // Providers whose own script runs the sign-in: each gets the flow's config and calls
  // done(credentials) or fail({code, message}). The server's CSP allows only that script's origin.
  var SCRIPT_FLOWS = {
    teller: function (config, done, fail) {
      if (!window.TellerConnect) { fail({ code: "SCRIPT_FAILED", message: "Teller Connect did not load." }); return; }
      var options = {
        applicationId: config.applicationId,
        environment: config.environment,
        products: config.products,
        onSuccess: function (enrollment) {
          var e = (enrollment && enrollment.enrollment) || {};
          done({
            access_token: enrollment && enrollment.accessToken,
            enrollment_id: e.id,
            institution_name: (e.institution && e.institution.name) || ""
          });
        },
        onExit: function () { fail({ code: "USER_EXIT", message: "Teller Connect was closed before the bank was connected." }); },
        onFailure: function (f) { fail({ code: "TELLER_FAILURE", message: (f && f.message) || "Teller Connect could not connect the bank." }); }
      };
      if (config.enrollmentId) { options.enrollmentId = config.enrollmentId; }
      window.TellerConnect.setup(options).open();
    }
  };

  function renderFields(fields) {
    var box = $("fields");
    box.textContent = "";
    fields.forEach(function (f) {
      var label = document.createElement("label");
      label.htmlFor = "field-" + f.name;
      label.textContent = f.label;
      var input;
      if (f.kind === "select") {
        input = document.createElement("select");
        f.options.forEach(function (o) {
          var opt = document.createElement("option");
          opt.value = o.value;
          opt.textContent = o.label;
          input.appendChild(opt);
        });
      } else {
        input = document.createElement("input");
        input.type = f.kind === "password" ? "password" : "text";
        input.autocomplete = f.kind === "password" ? "current-password" : (f.name === "username" ? "username" : "off");
      }
      input.id = "field-" + f.name;
      input.name = f.name;
      box.appendChild(label);
      box.appendChild(input);
    });
  }

  function submit(ev) {
    ev.preventDefault();
    var credentials = {};
    Array.prototype.forEach.call($("fields").querySelectorAll("input, select"), function (el) {
      if (el.name !== "password") { credentials[el.name] = el.value; }
    });
    finish(credentials);
  }

  // A provider's own flow (flow.kind "script"): load flow.script_url, call
  // window[config.global][config.factory](config.options + callbacks), then .open().
  // onSuccess's arguments are posted named by config.success_fields; onExit reports the
  // provider's error_code to /fail. config.resume_option receives the page's URL when an
  // OAuth bank sends the browser back to /link/return.
  function runScript(flow, resumeUrl) {
    var runner = SCRIPT_FLOWS[flow.provider];
    if (runner) {
      show("progress");
      loadScript(flow.script_url).then(function () {
        runner(flow.config || {}, finish, function (err) {
          exited({ error_code: err.code, display_message: err.message });
        });
      }, function () {
        exited({ error_code: "SCRIPT_FAILED", display_message: "Could not load the sign-in window. Check your connection and try again." });
      });
      return;
    }
    var cfg = flow.config || {};
    $("loading-text").textContent = "Opening " + flow.institution_name + "…";
    show("loading");
    if (cfg.resume_option && !resumeUrl) { remember(flow); }
    loadScript(flow.script_url).then(function () {
      var api = window[cfg.global];
      if (!api || typeof api[cfg.factory] !== "function") { throw new Error("missing " + cfg.global); }
      var options = {};
      Object.keys(cfg.options || {}).forEach(function (k) { options[k] = cfg.options[k]; });
      options.onSuccess = function () {
        var args = arguments;
        var credentials = {};
        (cfg.success_fields || []).forEach(function (f, i) { credentials[f] = args[i]; });
        forget();
        finish(credentials);
      };
      options.onExit = function (err) { forget(); exited(err); };
      if (resumeUrl && cfg.resume_option) { options[cfg.resume_option] = resumeUrl; }
      api[cfg.factory](options).open();
    }).catch(function () {
      exited({ error_code: "SCRIPT_UNAVAILABLE", display_message: "The bank's sign-in window could not be loaded. Try again in a moment." });
    });
  }

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var el = document.createElement("script");
      el.src = url;
      el.async = true;
      el.onload = resolve;
      el.onerror = reject;
      document.head.appendChild(el);
    });
  }

  function exited(err) {
    var code = (err && (err.error_code || err.code)) || "LINK_EXITED";
    var message = (err && (err.display_message || err.error_message || err.message)) ||
      "The sign-in window was closed before the bank was connected.";
    call("/fail", "POST", { code: String(code), message: String(message) }).then(function () {
      $("failure-message").textContent = message;
      show("failure");
    }, fatal);
  }

  function remember(flow) {
    try {
      localStorage.setItem(RESUME_KEY, JSON.stringify({ token: token, provider: provider, flow: flow, at: Date.now() }));
    } catch (e) { /* storage off: OAuth banks then need the link opened again */ }
  }
  function forget() {
    try { localStorage.removeItem(RESUME_KEY); } catch (e) { /* nothing stored */ }
  }
  function resume() {
    var saved = null;
    try { saved = JSON.parse(localStorage.getItem(RESUME_KEY) || "null"); } catch (e) { saved = null; }
    if (!saved || !saved.token || !saved.flow || Date.now() - saved.at > RESUME_MAX_AGE_MS) {
      forget();
      finalScreen("This link can no longer be used", "Open the link you were sent again to connect your bank.");
      return;
    }
    token = saved.token;
    provider = saved.provider;
    show("loading");
    call("/session").then(function (s) {
      session = s;
      runScript(saved.flow, location.href);
    }, function (err) { forget(); fatal(err); });
  }

  function finish(credentials) {
    show("progress");
    call("/connections", "POST", { provider: provider, credentials: credentials }).then(success, function (err) {
      if (err.status === 410 || err.status === 401) { fatal(err); return; }
      $("failure-message").textContent = err.message;
      show("failure");
    });
  }

  function success(res) {
    session = res.session;
    $("institution").textContent = (res.institution_name || "Your bank") + " is connected.";
    var ul = $("accounts");
    ul.textContent = "";
    res.accounts.forEach(function (a) {
      var li = document.createElement("li");
      var name = document.createElement("span");
      name.textContent = a.name + (a.mask ? " ••" + a.mask : "");
      var cur = document.createElement("span");
      cur.className = "muted";
      cur.textContent = a.iso_currency_code;
      li.appendChild(name);
      li.appendChild(cur);
      ul.appendChild(li);
    });
    var finished = session.status === "consumed";
    $("add-another").hidden = finished;
    $("done").hidden = finished;
    show("success");
    if (finished) { leave(); }
  }

  function leave() {
    var url = session && session.redirect_url;
    if (url) {
      $("redirect-note").textContent = "Taking you back…";
      setTimeout(function () {
        if (!safeRedirect(url)) { $("redirect-note").textContent = "All done. You can close this page."; }
      }, 1200);
    } else {
      $("redirect-note").textContent = "All done. You can close this page.";
    }
  }

  function done() {
    call("/complete", "POST").then(function () {
      if (session && session.redirect_url) { show("success"); $("add-another").hidden = true; $("done").hidden = true; leave(); }
      else { finalScreen("All done", "Your banks are connected. You can close this page."); }
    }, fatal);
  }

  $("signin").addEventListener("submit", submit);
  $("retry").addEventListener("click", claim);
  $("add-another").addEventListener("click", claim);
  $("done").addEventListener("click", done);
  $("back").addEventListener("click", function () { picker(session.providers); });
  if (resuming) { resume(); } else { claim(); }
})();
