//! A stand-in for Plaid Link's script (`link-initialize.js`), served by the fake for browser
//! tests. It implements the documented surface the page uses — `Plaid.create({token,
//! onSuccess, onExit, receivedRedirectUri}).open()` — with a small overlay: "Continue"
//! calls `onSuccess(public_token, metadata)`, "Exit" calls `onExit(error, metadata)`.
//! In OAuth mode, `open()` first leaves for `/link/return` the way a bank's OAuth page
//! sends the browser back, and the re-created handler finishes once it gets
//! `receivedRedirectUri`.

use serde_json::json;

/// What the next Link session ends with.
#[derive(Debug, Clone, Default)]
pub struct LinkScript {
    pub public_token: String,
    pub institution_name: String,
    pub institution_id: String,
    /// Leave for `/link/return?oauth_state_id=…` before succeeding.
    pub oauth: bool,
}

const TEMPLATE: &str = r#"(function () {
  var cfg = __CONFIG__;
  function metadata() {
    return { institution: { name: cfg.institution_name, institution_id: cfg.institution_id },
             accounts: [], link_session_id: "fake-link-session", status: null };
  }
  window.Plaid = {
    create: function (opts) {
      if (!opts || typeof opts.onSuccess !== "function" || typeof opts.onExit !== "function") {
        throw new Error("Plaid.create needs token, onSuccess and onExit");
      }
      var valid = opts.token === cfg.link_token;
      return {
        open: function () {
          if (!valid) {
            opts.onExit({ error_type: "INVALID_INPUT", error_code: "INVALID_LINK_TOKEN",
              error_message: "link token invalid", display_message: null }, metadata());
            return;
          }
          if (cfg.oauth && !opts.receivedRedirectUri) {
            window.location.assign("/link/return?oauth_state_id=fake-oauth-state");
            return;
          }
          if (cfg.oauth) {
            if (opts.receivedRedirectUri.indexOf("oauth_state_id=fake-oauth-state") < 0) {
              opts.onExit({ error_type: "INVALID_INPUT", error_code: "INVALID_REDIRECT_URI",
                error_message: "receivedRedirectUri missing", display_message: null }, metadata());
              return;
            }
            opts.onSuccess(cfg.public_token, metadata());
            return;
          }
          var box = document.createElement("div");
          box.id = "fake-plaid";
          var ok = document.createElement("button");
          ok.id = "fake-plaid-continue";
          ok.textContent = "Continue (fake Plaid)";
          ok.onclick = function () { box.remove(); opts.onSuccess(cfg.public_token, metadata()); };
          var exit = document.createElement("button");
          exit.id = "fake-plaid-exit";
          exit.textContent = "Exit with an error (fake Plaid)";
          exit.onclick = function () {
            box.remove();
            opts.onExit({ error_type: "INSTITUTION_ERROR", error_code: "INSTITUTION_NOT_RESPONDING",
              error_message: "this institution is not currently responding to this request",
              display_message: "The bank is not responding. Please try again later." }, metadata());
          };
          box.appendChild(ok);
          box.appendChild(exit);
          document.body.appendChild(box);
        },
        exit: function () {},
        destroy: function () {}
      };
    }
  };
})();
"#;

/// The script for `link_token` (the one the page must pass to `Plaid.create`).
pub fn render(script: &LinkScript, link_token: &str) -> String {
    let config = json!({
        "link_token": link_token,
        "public_token": script.public_token,
        "institution_name": script.institution_name,
        "institution_id": script.institution_id,
        "oauth": script.oauth,
    });
    TEMPLATE.replace("__CONFIG__", &config.to_string())
}
