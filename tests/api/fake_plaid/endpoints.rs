//! The fake's HTTP side: one handler per Plaid endpoint Breadbox calls, each checking the
//! request as Plaid would (keys, required fields, `count` range, known tokens).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use poem::http::StatusCode;
use poem::web::{Data, Json};
use poem::{Endpoint, EndpointExt, IntoResponse, Request, Response, Route, handler};
use serde_json::{Value, json};

use super::{Change, FakePlaid, Item, State, data};

type Answer = Result<Value, (u16, Value)>;

pub fn routes(fake: FakePlaid) -> impl Endpoint {
    Route::new()
        .at("/link-initialize.js", poem::get(link_script))
        .at("/*path", poem::post(handle))
        .data(fake)
}

fn fail(status: u16, error_type: &str, code: &str, message: &str) -> (u16, Value) {
    (status, data::error(error_type, code, message, "req-fake"))
}

fn invalid_token() -> (u16, Value) {
    fail(
        400,
        "INVALID_INPUT",
        "INVALID_ACCESS_TOKEN",
        "provided access token is invalid",
    )
}

#[handler]
fn link_script(Data(fake): Data<&FakePlaid>) -> Response {
    let s = fake.state();
    super::link_js::render(&s.link_script, &s.last_link_token)
        .with_content_type("application/javascript")
        .into_response()
}

#[handler]
async fn handle(req: &Request, body: String, Data(fake): Data<&FakePlaid>) -> Response {
    let path = req.uri().path().to_owned();
    let answer = match serde_json::from_str::<Value>(&body) {
        Ok(body) => answer(fake, &path, body).await,
        Err(_) => Err(fail(
            400,
            "INVALID_REQUEST",
            "INVALID_BODY",
            "body could not be parsed as JSON",
        )),
    };
    let (status, body) = match answer {
        Ok(v) => (200, v),
        Err(e) => e,
    };
    Json(body)
        .with_status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .into_response()
}

async fn answer(fake: &FakePlaid, path: &str, mut body: Value) -> Answer {
    let page = {
        let mut s = fake.state();
        if body["client_id"] != super::CLIENT_ID || body["secret"] != super::SECRET {
            return Err(fail(
                400,
                "INVALID_INPUT",
                "INVALID_API_KEYS",
                "invalid client_id or secret provided",
            ));
        }
        if let Some(obj) = body.as_object_mut() {
            obj.remove("secret");
        }
        s.calls.push((path.to_owned(), body.clone()));
        if let Some(f) = s
            .failures
            .get_mut(path)
            .and_then(std::collections::VecDeque::pop_front)
        {
            return Err(fail(f.status, &f.error_type, &f.code, "scripted failure"));
        }
        if path == "/transactions/sync" {
            s.sync_pages += 1;
            Some(s.sync_pages)
        } else {
            None
        }
    };
    if let Some(n) = page {
        wait_if_held(fake, n).await;
    }
    let mut s = fake.state();
    match path {
        "/link/token/create" => link_token(&mut s, &body),
        "/item/public_token/exchange" => exchange(&mut s, &body),
        "/item/get" => item(&s, &body).map(|i| {
            json!({"item": item_json(i), "status": {"transactions": {"last_successful_update": null,
                "last_failed_update": null}, "last_webhook": null}, "request_id": "req-fake"})
        }),
        "/accounts/get" => accounts(&s, &body),
        "/transactions/sync" => sync(&mut s, &body),
        "/item/remove" => remove(&mut s, &body),
        "/webhook_verification_key/get" => key(&s, &body),
        _ => Err(fail(
            404,
            "INVALID_REQUEST",
            "NOT_FOUND",
            "unknown endpoint",
        )),
    }
}

async fn wait_if_held(fake: &FakePlaid, page: usize) {
    if fake.state().hold_page != Some(page) {
        return;
    }
    let mut rx = fake.release.subscribe();
    let _ = rx.wait_for(|released| *released).await;
}

fn item<'a>(s: &'a State, body: &Value) -> Result<&'a Item, (u16, Value)> {
    let token = body["access_token"].as_str().ok_or_else(|| {
        fail(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            "the following required fields are missing: access_token",
        )
    })?;
    s.items
        .values()
        .find(|i| i.access_token == token && !i.removed)
        .ok_or_else(invalid_token)
}

fn item_json(i: &Item) -> Value {
    json!({
        "item_id": i.item_id, "institution_id": i.institution_id,
        "institution_name": i.institution_name, "webhook": null, "auth_method": null,
        "error": null, "available_products": ["balance"], "billed_products": ["transactions"],
        "products": ["transactions"], "consented_products": ["transactions"],
        "consent_expiration_time": null, "update_type": "background",
        "created_at": "2024-01-01T00:00:00Z"
    })
}

fn login_required() -> (u16, Value) {
    fail(
        400,
        "ITEM_ERROR",
        "ITEM_LOGIN_REQUIRED",
        "the login details of this item have changed (credentials, MFA, or required user action) and a user login is required to update this information",
    )
}

fn link_token(s: &mut State, body: &Value) -> Answer {
    let missing: Vec<&str> = ["client_name", "language", "country_codes"]
        .into_iter()
        .filter(|f| body.get(*f).is_none_or(Value::is_null))
        .collect();
    if !missing.is_empty() {
        return Err(fail(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            &format!("missing: {}", missing.join(", ")),
        ));
    }
    if body["user"]["client_user_id"]
        .as_str()
        .is_none_or(str::is_empty)
    {
        return Err(fail(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            "missing: user.client_user_id",
        ));
    }
    if body.get("access_token").is_some() {
        item(s, body)?;
    } else if body["products"].as_array().is_none_or(Vec::is_empty) {
        return Err(fail(
            400,
            "INVALID_REQUEST",
            "MISSING_FIELDS",
            "products is required",
        ));
    }
    s.last_link_token = format!("link-sandbox-{}", uuid::Uuid::new_v4());
    Ok(json!({"link_token": s.last_link_token,
        "expiration": "2099-01-01T00:00:00Z", "request_id": "req-fake"}))
}

fn exchange(s: &mut State, body: &Value) -> Answer {
    let token = body["public_token"].as_str().unwrap_or_default();
    let item_id = s.public_tokens.remove(token).ok_or_else(|| {
        fail(400, "INVALID_INPUT", "INVALID_PUBLIC_TOKEN", "provided public token is expired. Public tokens expire 30 minutes after creation at which point they can no longer be exchanged")
    })?;
    let i = &s.items[&item_id];
    Ok(json!({"access_token": i.access_token, "item_id": i.item_id, "request_id": "req-fake"}))
}

fn accounts(s: &State, body: &Value) -> Answer {
    let i = item(s, body)?;
    if i.login_required {
        return Err(login_required());
    }
    Ok(json!({"accounts": i.accounts, "item": item_json(i), "request_id": "req-fake"}))
}

fn cursor_index(cursor: &str) -> Option<usize> {
    if cursor.is_empty() {
        return Some(0);
    }
    let raw = STANDARD.decode(cursor).ok()?;
    String::from_utf8(raw)
        .ok()?
        .strip_prefix("fake:")?
        .parse()
        .ok()
}

fn sync(s: &mut State, body: &Value) -> Answer {
    let count = body
        .get("count")
        .map_or(Some(100), Value::as_u64)
        .unwrap_or(0);
    if !(1..=500).contains(&count) {
        return Err(fail(
            400,
            "INVALID_REQUEST",
            "INVALID_FIELD",
            "count must be between 1 and 500",
        ));
    }
    let item_id = item(s, body)?.item_id.clone();
    if s.items[&item_id].login_required {
        return Err(login_required());
    }
    let start = cursor_index(body["cursor"].as_str().unwrap_or_default())
        .ok_or_else(|| fail(400, "INVALID_INPUT", "INVALID_FIELD", "cursor is invalid"))?;
    if let Some(m) = s.mutation.as_mut() {
        if m.after_pages == 0 {
            let changes = std::mem::take(&mut m.changes);
            s.mutation = None;
            s.items
                .get_mut(&item_id)
                .expect("item")
                .changes
                .extend(changes);
            return Err(fail(
                400,
                "TRANSACTIONS_ERROR",
                "TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION",
                "Underlying transaction data changed since last page was fetched. Please restart pagination from last update.",
            ));
        }
        m.after_pages -= 1;
    }
    Ok(page(
        &s.items[&item_id],
        start,
        usize::try_from(count).unwrap_or(500),
    ))
}

fn page(i: &Item, start: usize, count: usize) -> Value {
    if i.not_ready {
        return json!({"accounts": [], "added": [], "modified": [], "removed": [], "next_cursor": "",
            "has_more": false, "request_id": "req-fake", "transactions_update_status": "NOT_READY"});
    }
    let end = (start + count).min(i.changes.len());
    let (mut added, mut modified, mut removed) = (vec![], vec![], vec![]);
    for c in &i.changes[start.min(end)..end] {
        match c {
            Change::Added(t) => added.push(t.clone()),
            Change::Modified(t) => modified.push(t.clone()),
            Change::Removed {
                transaction_id,
                account_id,
            } => {
                removed.push(json!({"transaction_id": transaction_id, "account_id": account_id}));
            }
        }
    }
    json!({
        "accounts": i.accounts, "added": added, "modified": modified, "removed": removed,
        "next_cursor": STANDARD.encode(format!("fake:{end}")),
        "has_more": end < i.changes.len(), "request_id": "req-fake",
        "transactions_update_status": "HISTORICAL_UPDATE_COMPLETE"
    })
}

fn remove(s: &mut State, body: &Value) -> Answer {
    let item_id = item(s, body)?.item_id.clone();
    s.items.get_mut(&item_id).expect("item").removed = true;
    Ok(json!({"request_id": "req-fake"}))
}

fn key(s: &State, body: &Value) -> Answer {
    let kid = body["key_id"].as_str().unwrap_or_default();
    s.keys
        .iter()
        .find(|k| k.kid == kid)
        .map(|k| json!({"key": k.jwk(), "request_id": "req-fake"}))
        .ok_or_else(|| {
            fail(
                400,
                "INVALID_INPUT",
                "INVALID_WEBHOOK_VERIFICATION_KEY_ID",
                "invalid key_id provided",
            )
        })
}
