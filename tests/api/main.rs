//! The one integration-test binary: every test spawns the real app on its own temp-file
//! database and talks HTTP to it, so the suite runs in parallel.

#![allow(clippy::unwrap_used)]

mod bank_fixture;
mod fake_plaid;
mod fake_upstream;
mod helpers;

mod accounts;
mod api_keys;
mod binary;
mod binary_backup;
mod connections;
mod crash;
mod errors;
mod hardening;
mod health;
mod import;
mod keys_at_rest;
mod layers;
mod link;
mod mcp;
mod openapi;
mod operations;
mod plaid;
mod provider_crash;
mod providers;
mod rate_limit;
mod simplefin;
mod slow_clients;
mod sync;
mod teller;
mod teller_webhooks;
mod transactions;
mod transactions_store;
mod users;
