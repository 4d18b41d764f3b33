//! A fake Plaid on loopback: the endpoints Breadbox calls, answering with bodies Plaid's
//! OpenAPI description accepts and failing in the PlaidError shape. Tests script it
//! through methods (add an Item, push transaction changes, queue errors, sign webhooks)
//! and read back what Breadbox sent.

#![allow(dead_code)]

pub mod data;
mod endpoints;
pub mod link_js;
pub mod signing;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::sync::watch;

pub use data::Txn;
use signing::SigningKey;

pub const CLIENT_ID: &str = "fake-client-id";
pub const SECRET: &str = "fake-secret-never-logged";

/// One change in an Item's transaction history (what `/transactions/sync` pages through).
#[derive(Debug, Clone)]
pub enum Change {
    Added(Value),
    Modified(Value),
    Removed {
        transaction_id: String,
        account_id: String,
    },
}

/// One linked Item.
#[derive(Debug, Clone)]
#[allow(clippy::struct_field_names)]
pub struct Item {
    pub item_id: String,
    pub access_token: String,
    pub institution_id: String,
    pub institution_name: String,
    pub accounts: Vec<Value>,
    pub changes: Vec<Change>,
    pub login_required: bool,
    pub removed: bool,
    /// `/transactions/sync` answers "not ready yet" (empty cursor) while set.
    pub not_ready: bool,
}

/// A queued failure for the next calls of one path.
#[derive(Debug, Clone)]
pub struct Failure {
    pub status: u16,
    pub error_type: String,
    pub code: String,
}

/// `TRANSACTIONS_SYNC_MUTATION_DURING_PAGINATION` after `after_pages` more pages, with
/// `changes` appended to the Item at that moment.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub after_pages: usize,
    pub changes: Vec<Change>,
}

#[derive(Default)]
pub struct State {
    pub items: HashMap<String, Item>,
    /// public_token → item_id (consumed by an exchange).
    pub public_tokens: HashMap<String, String>,
    pub keys: Vec<SigningKey>,
    /// Every call: (path, body without the secret).
    pub calls: Vec<(String, Value)>,
    pub failures: HashMap<String, VecDeque<Failure>>,
    pub mutation: Option<Mutation>,
    /// `/transactions/sync` pages answered so far.
    pub sync_pages: usize,
    /// The last link token `/link/token/create` issued.
    pub last_link_token: String,
    /// How the Link stand-in (`GET /link-initialize.js`) ends.
    pub link_script: link_js::LinkScript,
    /// Hold the sync page with this number (1-based, counted over the fake's life) until
    /// released.
    pub hold_page: Option<usize>,
    next_id: u64,
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!(
            "{prefix}-{}-{}",
            self.next_id,
            uuid::Uuid::new_v4().simple()
        )
    }
}

/// A running fake Plaid.
#[derive(Clone)]
pub struct FakePlaid {
    pub url: String,
    state: Arc<Mutex<State>>,
    release: Arc<watch::Sender<bool>>,
}

impl FakePlaid {
    /// Starts on 127.0.0.1 in the current runtime.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let mut state = State::default();
        state.keys.push(SigningKey::generate("key-1"));
        let (release, _) = watch::channel(false);
        let fake = Self {
            url,
            state: Arc::new(Mutex::new(state)),
            release: Arc::new(release),
        };
        let app = endpoints::routes(fake.clone());
        let acceptor = poem::listener::TcpAcceptor::from_tokio(listener).expect("acceptor");
        tokio::spawn(async move {
            let _ = poem::Server::new_with_acceptor(acceptor).run(app).await;
        });
        fake
    }

    /// Starts on its own thread and runtime (for tests that are not async).
    pub fn start_in_thread() -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Runtime::new().expect("runtime");
            rt.block_on(async move {
                tx.send(Self::start().await).expect("send");
                std::future::pending::<()>().await;
            });
        });
        rx.recv().expect("fake started")
    }

    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A Plaid config pointing at this fake, with quick rate-limit retries.
    pub fn config(&self) -> breadbox::providers::plaid::PlaidConfig {
        let mut c = breadbox::providers::plaid::PlaidConfig::new(CLIENT_ID, SECRET);
        c.base_url = Some(self.url.clone());
        c.retry_base = std::time::Duration::from_millis(5);
        c.rate_limit_retries = 2;
        c
    }

    /// Creates an Item with a checking and a credit-card account; returns
    /// (public_token, item_id).
    pub fn add_item(&self, institution_name: &str) -> (String, String) {
        let mut s = self.state();
        let item_id = s.id("item");
        let access_token = s.id("access-sandbox");
        let public_token = s.id("public-sandbox");
        let accounts = vec![
            data::account(
                &format!("{item_id}-chk"),
                "Plaid Checking",
                "depository",
                "checking",
                "110.94",
                "USD",
            ),
            data::account(
                &format!("{item_id}-cc"),
                "Plaid Credit Card",
                "credit",
                "credit card",
                "410.25",
                "USD",
            ),
        ];
        s.items.insert(
            item_id.clone(),
            Item {
                item_id: item_id.clone(),
                access_token,
                institution_id: "ins_109508".into(),
                institution_name: institution_name.into(),
                accounts,
                changes: Vec::new(),
                login_required: false,
                removed: false,
                not_ready: false,
            },
        );
        s.public_tokens
            .insert(public_token.clone(), item_id.clone());
        (public_token, item_id)
    }

    /// A fresh public token for an existing Item (what update mode's `onSuccess` gives).
    pub fn public_token_for(&self, item_id: &str) -> String {
        let mut s = self.state();
        let token = s.id("public-sandbox");
        s.public_tokens.insert(token.clone(), item_id.into());
        token
    }

    pub fn item(&self, item_id: &str) -> Item {
        self.state().items[item_id].clone()
    }

    pub fn with_item(&self, item_id: &str, f: impl FnOnce(&mut Item)) {
        f(self.state().items.get_mut(item_id).expect("item"));
    }

    pub fn push(&self, item_id: &str, changes: impl IntoIterator<Item = Change>) {
        self.with_item(item_id, |i| i.changes.extend(changes));
    }

    pub fn add(&self, item_id: &str, txns: &[Txn]) {
        self.push(item_id, txns.iter().map(|t| Change::Added(t.json())));
    }

    /// Queues `times` failures of `path`.
    pub fn fail(&self, path: &str, times: usize, status: u16, error_type: &str, code: &str) {
        let mut s = self.state();
        let q = s.failures.entry(path.into()).or_default();
        for _ in 0..times {
            q.push_back(Failure {
                status,
                error_type: error_type.into(),
                code: code.into(),
            });
        }
    }

    pub fn mutate_during_pagination(&self, after_pages: usize, changes: Vec<Change>) {
        self.state().mutation = Some(Mutation {
            after_pages,
            changes,
        });
    }

    /// Where the Link stand-in is served.
    pub fn link_url(&self) -> String {
        format!("{}/link-initialize.js", self.url)
    }

    /// Makes the next Link session end with `public_token` for "First Platypus Bank".
    pub fn link_succeeds_with(&self, public_token: &str, oauth: bool) {
        self.state().link_script = link_js::LinkScript {
            public_token: public_token.into(),
            institution_name: "First Platypus Bank".into(),
            institution_id: "ins_109508".into(),
            oauth,
        };
    }

    /// Bodies Breadbox sent to `path`, oldest first.
    pub fn calls(&self, path: &str) -> Vec<Value> {
        self.state()
            .calls
            .iter()
            .filter(|(p, _)| p == path)
            .map(|(_, b)| b.clone())
            .collect()
    }

    /// Holds sync page number `page` (1-based over the fake's life) until `release`.
    pub fn hold_page(&self, page: usize) {
        self.state().hold_page = Some(page);
    }

    pub fn release(&self) {
        self.state().hold_page = None;
        let _ = self.release.send(true);
    }

    pub fn sync_pages(&self) -> usize {
        self.state().sync_pages
    }

    /// Signs `body` with the current key (the newest), issued `age_secs` ago.
    pub fn sign(&self, body: &[u8], age_secs: i64) -> String {
        let now = jiff::Timestamp::now().as_second();
        self.state()
            .keys
            .last()
            .expect("a key")
            .sign(body, now - age_secs)
    }

    /// Adds a new signing key (Plaid rotating keys); returns its kid.
    pub fn rotate_key(&self, kid: &str) -> String {
        self.state().keys.push(SigningKey::generate(kid));
        kid.into()
    }
}
