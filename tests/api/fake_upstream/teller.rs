//! A fake Teller API over TLS that demands a client certificate from the test CA:
//! `GET /accounts`, `/accounts/{id}/balances`, `/accounts/{id}/transactions` (newest
//! first; `count`, `from_id`, `start_date`), `DELETE /accounts`; HTTP Basic with the access
//! token as user and an empty password; Teller's error bodies (`{"error":{code,message}}`)
//! for bad tokens, disconnected enrollments and scripted 429/502 answers.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use poem::http::StatusCode;
use poem::web::{Data, Json, Path, Query};
use poem::{EndpointExt as _, IntoResponse, Request, Response, Route, handler};
use serde_json::{Value, json};

use super::{Fake, Pki, serve_tls};

/// One transaction (`amount` signed from the account's view, as Teller does).
#[derive(Debug, Clone)]
pub struct Txn {
    pub id: String,
    pub date: String,
    pub amount: String,
    pub description: String,
    pub pending: bool,
    pub category: Option<String>,
    pub counterparty: Option<String>,
}

impl Txn {
    pub fn new(id: &str, date: &str, amount: &str, description: &str) -> Self {
        Self {
            id: id.into(),
            date: date.into(),
            amount: amount.into(),
            description: description.into(),
            pending: false,
            category: Some("groceries".into()),
            counterparty: Some(format!("{description} Co")),
        }
    }

    pub fn pending(mut self) -> Self {
        self.pending = true;
        self
    }
}

/// One account.
#[derive(Debug, Clone)]
pub struct Acct {
    pub id: String,
    pub name: String,
    /// `depository` or `credit`.
    pub kind: String,
    pub subtype: String,
    pub ledger: Option<String>,
    pub available: Option<String>,
    pub txns: Vec<Txn>,
}

impl Acct {
    pub fn new(id: &str, name: &str, kind: &str, subtype: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            kind: kind.into(),
            subtype: subtype.into(),
            ledger: Some("100.00".into()),
            available: Some("90.00".into()),
            txns: Vec::new(),
        }
    }
}

/// What the fake knows and how it should misbehave next.
#[derive(Default)]
pub struct State {
    /// Access token → enrollment id.
    pub tokens: HashMap<String, String>,
    pub revoked: HashSet<String>,
    pub accounts: Vec<Acct>,
    /// Answer every call with `404 enrollment.disconnected…` (the bank wants a sign-in).
    pub disconnected: bool,
    /// Statuses for the next calls, in order (429, 502, …).
    pub fail_next: VecDeque<u16>,
}

/// A running fake Teller.
pub struct Teller {
    pub fake: Fake,
    pub state: Arc<Mutex<State>>,
}

impl Teller {
    pub async fn start(pki: &Pki) -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let app = Route::new()
            .at("/accounts", poem::get(accounts).delete(revoke))
            .at("/accounts/:id/balances", poem::get(balances))
            .at("/accounts/:id/transactions", poem::get(transactions))
            .data(state.clone());
        let fake = serve_tls(app, pki, true).await;
        Self { fake, state }
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    /// Registers an enrollment's token.
    pub fn enroll(&self, token: &str, enrollment: &str) {
        self.with(|s| s.tokens.insert(token.into(), enrollment.into()));
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    Json(json!({"error": {"code": code, "message": message}}))
        .with_status(StatusCode::from_u16(status).unwrap())
        .into_response()
}

/// Teller's error answer: status, code, message.
type Refusal = (u16, &'static str, &'static str);

/// The token behind a request, or the error answer Teller gives.
fn check(req: &Request, s: &mut State) -> Result<String, Refusal> {
    let Some(basic) = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    else {
        return Err((401, "missing_access_token", "Missing access token"));
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(basic)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default();
    let Some((token, "")) = decoded.split_once(':') else {
        return Err((
            401,
            "bad_auth",
            "Use the access token as username, empty password",
        ));
    };
    if !s.tokens.contains_key(token) || s.revoked.contains(token) {
        return Err((
            403,
            "invalid_access_token",
            "The access token is invalid or revoked",
        ));
    }
    if let Some(status) = s.fail_next.pop_front() {
        return Err((status, "institution.unavailable", "Try again later"));
    }
    if s.disconnected {
        return Err((
            404,
            "enrollment.disconnected.user_action.mfa_required",
            "Enrollment is not healthy",
        ));
    }
    Ok(token.to_owned())
}

fn account_json(a: &Acct, enrollment: &str) -> Value {
    json!({
        "id": a.id, "enrollment_id": enrollment, "name": a.name, "type": a.kind,
        "subtype": a.subtype, "status": "open", "currency": "USD", "last_four": "4321",
        "institution": {"id": "fake_bank", "name": "Fake Bank"},
        "links": {
            "self": format!("/accounts/{}", a.id),
            "balances": format!("/accounts/{}/balances", a.id),
            "transactions": format!("/accounts/{}/transactions", a.id)
        }
    })
}

#[handler]
fn accounts(req: &Request, state: Data<&Arc<Mutex<State>>>) -> Response {
    let mut s = state.lock().unwrap();
    let token = match check(req, &mut s) {
        Ok(t) => t,
        Err((st, code, msg)) => return error(st, code, msg),
    };
    let enrollment = s.tokens[&token].clone();
    let list: Vec<Value> = s
        .accounts
        .iter()
        .map(|a| account_json(a, &enrollment))
        .collect();
    Json(Value::Array(list)).into_response()
}

#[handler]
fn revoke(req: &Request, state: Data<&Arc<Mutex<State>>>) -> Response {
    let mut s = state.lock().unwrap();
    match check(req, &mut s) {
        Ok(token) => {
            s.revoked.insert(token);
            StatusCode::NO_CONTENT.into_response()
        }
        Err((st, code, msg)) => error(st, code, msg),
    }
}

#[handler]
fn balances(req: &Request, Path(id): Path<String>, state: Data<&Arc<Mutex<State>>>) -> Response {
    let mut s = state.lock().unwrap();
    if let Err((st, code, msg)) = check(req, &mut s) {
        return error(st, code, msg);
    }
    match s.accounts.iter().find(|a| a.id == id) {
        Some(a) => Json(
            json!({"account_id": a.id, "ledger": a.ledger, "available": a.available,
            "links": {"self": "x", "account": "y"}}),
        )
        .into_response(),
        None => error(404, "not_found", "No such account"),
    }
}

#[handler]
fn transactions(
    req: &Request,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
    state: Data<&Arc<Mutex<State>>>,
) -> Response {
    let mut s = state.lock().unwrap();
    if let Err((st, code, msg)) = check(req, &mut s) {
        return error(st, code, msg);
    }
    let Some(a) = s.accounts.iter().find(|a| a.id == id) else {
        return error(404, "not_found", "No such account");
    };
    let mut rows: Vec<&Txn> = a
        .txns
        .iter()
        .filter(|t| {
            q.get("start_date")
                .is_none_or(|d| t.date.as_str() >= d.as_str())
        })
        .filter(|t| {
            q.get("end_date")
                .is_none_or(|d| t.date.as_str() <= d.as_str())
        })
        .collect();
    rows.sort_by(|x, y| (&y.date, &y.id).cmp(&(&x.date, &x.id)));
    if let Some(from) = q.get("from_id") {
        let Some(at) = rows.iter().position(|t| &t.id == from) else {
            return error(404, "not_found", "from_id not found");
        };
        rows.drain(..=at);
    }
    let count = q
        .get("count")
        .and_then(|c| c.parse().ok())
        .unwrap_or(usize::MAX);
    let page: Vec<Value> = rows
        .into_iter()
        .take(count)
        .map(|t| txn_json(t, &a.id))
        .collect();
    Json(Value::Array(page)).into_response()
}

fn txn_json(t: &Txn, account: &str) -> Value {
    json!({
        "id": t.id, "account_id": account, "amount": t.amount, "date": t.date,
        "description": t.description, "status": if t.pending { "pending" } else { "posted" },
        "type": "card_payment", "running_balance": null,
        "details": {"processing_status": "complete", "category": t.category,
                    "counterparty": {"name": t.counterparty, "type": "organization"}},
        "links": {"self": format!("/accounts/{account}/transactions/{}", t.id), "account": format!("/accounts/{account}")}
    })
}
