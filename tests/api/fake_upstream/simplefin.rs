//! A fake SimpleFIN Bridge speaking the protocol: `POST /simplefin/claim/{token}` (a
//! one-time token → the access URL, 403 once used or unknown) and
//! `GET /simplefin/accounts` (HTTP Basic from the access URL; `start-date` inclusive,
//! `end-date` exclusive, epoch seconds; ranges over 90 days capped with a `gen.api` note;
//! `errors`/`errlist`; scripted 402/403/429/5xx answers).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use poem::http::StatusCode;
use poem::web::{Data, Path, Query};
use poem::{EndpointExt as _, IntoResponse, Request, Response, Route, handler};
use serde_json::{Value, json};

use super::{Fake, serve_http};

pub const DAY: i64 = 86_400;

/// One transaction at the Bridge (`amount`: positive = money in, as the protocol says).
#[derive(Debug, Clone)]
pub struct Txn {
    pub id: String,
    /// 0 while pending.
    pub posted: i64,
    pub amount: String,
    pub description: String,
    pub payee: Option<String>,
    pub pending: bool,
    pub transacted_at: i64,
}

impl Txn {
    pub fn posted(id: &str, at: i64, amount: &str, description: &str) -> Self {
        Self {
            id: id.into(),
            posted: at,
            amount: amount.into(),
            description: description.into(),
            payee: Some(format!("{description} Inc")),
            pending: false,
            transacted_at: at - 3600,
        }
    }

    pub fn pending(id: &str, at: i64, amount: &str, description: &str) -> Self {
        Self {
            posted: 0,
            pending: true,
            transacted_at: at,
            ..Self::posted(id, at, amount, description)
        }
    }

    /// When the Bridge files it for date filtering.
    fn when(&self) -> i64 {
        if self.posted > 0 {
            self.posted
        } else {
            self.transacted_at
        }
    }
}

/// One account at the Bridge.
#[derive(Debug, Clone)]
pub struct Acct {
    pub id: String,
    pub name: String,
    pub currency: String,
    pub balance: String,
    pub available: Option<String>,
    pub txns: Vec<Txn>,
}

impl Acct {
    pub fn new(id: &str, name: &str, balance: &str) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
            currency: "USD".into(),
            balance: balance.into(),
            available: None,
            txns: Vec::new(),
        }
    }
}

/// What the fake knows and how it should misbehave next.
#[derive(Default)]
pub struct State {
    /// Setup-token path part → claimed yet.
    pub tokens: HashMap<String, bool>,
    pub user: String,
    pub password: String,
    pub access_root: String,
    pub accounts: Vec<Acct>,
    /// v1 `errors` (strings) and v2 `errlist` entries, sent with every answer.
    pub errors: Vec<Value>,
    pub errlist: Vec<Value>,
    /// Statuses to answer the next `/accounts` calls with, in order.
    pub fail_next: VecDeque<u16>,
    /// `(start, end)` of each `/accounts` call that was answered 200.
    pub windows: Vec<(i64, i64)>,
}

/// A running fake Bridge.
pub struct Bridge {
    pub fake: Fake,
    pub state: Arc<Mutex<State>>,
}

impl Bridge {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State {
            user: "demo-user".into(),
            password: "s3cr3t/pass".into(),
            ..State::default()
        }));
        let app = Route::new()
            .at("/simplefin/claim/:token", poem::post(claim))
            .at("/simplefin/accounts", poem::get(accounts))
            .data(state.clone());
        let fake = serve_http(app).await;
        state.lock().unwrap().access_root = format!("{}/simplefin", fake.base);
        Self { fake, state }
    }

    /// Registers a one-time token and returns the setup token a person would paste.
    pub fn setup_token(&self, token: &str) -> String {
        self.state
            .lock()
            .unwrap()
            .tokens
            .entry(token.into())
            .or_insert(false);
        base64::engine::general_purpose::STANDARD
            .encode(format!("{}/simplefin/claim/{token}", self.fake.base))
    }

    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    pub fn windows(&self) -> Vec<(i64, i64)> {
        self.with(|s| s.windows.clone())
    }
}

#[handler]
fn claim(req: &Request, Path(token): Path<String>, state: Data<&Arc<Mutex<State>>>) -> Response {
    let mut s = state.lock().unwrap();
    let has_body = req
        .headers()
        .get("content-length")
        .is_some_and(|v| v != "0");
    match s.tokens.get(&token) {
        Some(false) if !has_body => {
            s.tokens.insert(token, true);
            let root = s.access_root.replacen(
                "://",
                &format!("://{}:{}@", s.user, s.password.replace('/', "%2F")),
                1,
            );
            root.into_response()
        }
        _ => StatusCode::FORBIDDEN.into_response(),
    }
}

fn authorised(req: &Request, s: &State) -> bool {
    let want =
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", s.user, s.password));
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Basic {want}"))
}

#[handler]
fn accounts(
    req: &Request,
    Query(q): Query<HashMap<String, String>>,
    state: Data<&Arc<Mutex<State>>>,
) -> Response {
    let mut s = state.lock().unwrap();
    if !authorised(req, &s) {
        return StatusCode::FORBIDDEN.into_response();
    }
    if let Some(status) = s.fail_next.pop_front() {
        return failure(status);
    }
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let start = num("start-date").unwrap_or(0);
    let mut end = num("end-date").unwrap_or(i64::MAX);
    let mut errlist = s.errlist.clone();
    if end - start > 90 * DAY {
        end = start + 90 * DAY;
        errlist.push(json!({"code": "gen.api", "msg": "Date range capped to 90 days"}));
    }
    let pending = q.get("pending").is_some_and(|v| v == "1");
    s.windows.push((start, end));
    let accounts: Vec<Value> = s
        .accounts
        .iter()
        .map(|a| account_json(a, start, end, pending))
        .collect();
    poem::web::Json(json!({"errors": s.errors, "errlist": errlist, "accounts": accounts}))
        .into_response()
}

fn account_json(a: &Acct, start: i64, end: i64, pending: bool) -> Value {
    let txns: Vec<Value> = a
        .txns
        .iter()
        .filter(|t| (start..end).contains(&t.when()) && (pending || !t.pending))
        .map(|t| {
            let mut v = json!({"id": t.id, "posted": t.posted, "amount": t.amount,
                "description": t.description, "transacted_at": t.transacted_at});
            if let Some(p) = &t.payee {
                v["payee"] = json!(p);
            }
            if t.pending {
                v["pending"] = json!(true);
            }
            v
        })
        .collect();
    let mut v = json!({
        "org": {"domain": "bank.example", "name": "Example Bank", "sfin-url": "https://bridge.example/simplefin"},
        "conn_id": "CON-1",
        "id": a.id, "name": a.name, "currency": a.currency, "balance": a.balance,
        "balance-date": 1_767_225_600, "transactions": txns
    });
    if let Some(av) = &a.available {
        v["available-balance"] = json!(av);
    }
    v
}

fn failure(status: u16) -> Response {
    let code = StatusCode::from_u16(status).unwrap();
    let body = match status {
        429 => {
            json!({"errors": ["Too many requests. SimpleFIN data is only refreshed once every 24 hours. Expected usage of this API is 24 requests per day."]})
        }
        402 => json!({"errors": ["Payment required"]}),
        _ => json!({"errors": ["Something went wrong"]}),
    };
    poem::web::Json(body).with_status(code).into_response()
}
