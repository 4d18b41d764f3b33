//! One-shot CLI commands that work on the database directly (no server needed).

use std::path::Path;

use anyhow::Context;
use breadbox::service::api_keys as keys_svc;
use breadbox::service::auth::Scope;
use breadbox::store::{Db, api_keys, users};

fn open(data_dir: &Path) -> anyhow::Result<Db> {
    Db::open_in(data_dir).with_context(|| format!("opening the database in {}", data_dir.display()))
}

/// Mints a key and prints only the key.
pub fn keys_create(data_dir: &Path, name: &str, scope: &str) -> anyhow::Result<()> {
    let db = open(data_dir)?;
    let scope = Scope::parse(scope).context("scope must be full_access or read_only")?;
    let minted = keys_svc::prepare(name, scope)?;
    db.write_blocking(|tx| keys_svc::store(tx, &minted))?;
    println!("{}", minted.key);
    Ok(())
}

/// Prints every key as a table (no secrets).
pub fn keys_list(data_dir: &Path) -> anyhow::Result<()> {
    let db = open(data_dir)?;
    println!(
        "{:<36}  {:<11}  {:<11}  {:<20}  NAME",
        "ID", "PREFIX", "SCOPE", "REVOKED"
    );
    let mut after = None;
    loop {
        let page = db.read_blocking(|c| api_keys::page(c, 500, after.as_ref()))?;
        for k in &page.items {
            let revoked = k
                .revoked_at
                .map_or_else(|| "-".to_owned(), breadbox::time::rfc3339);
            println!(
                "{:<36}  {:<11}  {:<11}  {:<20}  {}",
                k.id, k.key_prefix, k.scope, revoked, k.name
            );
        }
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(()),
        }
    }
}

/// Revokes a key by id.
pub fn keys_revoke(data_dir: &Path, id: &str) -> anyhow::Result<()> {
    let id = uuid::Uuid::parse_str(id)
        .context("the id must be a key's UUID (see `breadbox keys list`)")?;
    let db = open(data_dir)?;
    db.write_blocking(|tx| keys_svc::revoke(tx, id))?;
    eprintln!("revoked {id}");
    Ok(())
}

/// Adds a user and prints its id.
pub fn users_add(data_dir: &Path, name: &str, email: Option<&str>) -> anyhow::Result<()> {
    let name = breadbox::service::users::valid_name(name)?;
    let email = email
        .map(breadbox::service::users::valid_email)
        .transpose()?;
    let db = open(data_dir)?;
    let user =
        db.write_blocking(|tx| users::insert(tx, &name, email.as_deref(), breadbox::time::now()))?;
    println!("{}", user.id);
    Ok(())
}
