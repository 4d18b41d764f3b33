//! Household members: validation and the writes behind `/api/v1/users`.

use crate::error::{Error, Result};
use crate::ids::IdRef;
use crate::store::{
    Db, link_sessions,
    users::{self, UserRow},
};

/// A change to a user: `None` leaves a field alone; `Some(None)` clears the email.
#[derive(Debug, Default)]
pub struct UserPatch {
    pub name: Option<String>,
    pub email: Option<Option<String>>,
}

/// Trims and checks a display name (1–200 characters).
pub fn valid_name(name: &str) -> Result<String> {
    let name = name.trim();
    let len = name.chars().count();
    if len == 0 || len > 200 {
        return Err(Error::Validation(
            "name: must be 1-200 characters after trimming".into(),
        ));
    }
    Ok(name.to_owned())
}

/// Trims and checks an email address (a plausible `local@domain`, at most 254 characters).
pub fn valid_email(email: &str) -> Result<String> {
    let email = email.trim();
    let plausible = email.chars().count() <= 254
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if !plausible {
        return Err(Error::Validation("email: not a valid email address".into()));
    }
    Ok(email.to_owned())
}

/// Creates a user.
pub async fn create(db: &Db, name: &str, email: Option<&str>) -> Result<UserRow> {
    let name = valid_name(name)?;
    let email = email.map(valid_email).transpose()?;
    db.write(move |tx| users::insert(tx, &name, email.as_deref(), crate::time::now()))
        .await
}

/// Fetches a user or `NotFound`.
pub async fn get(db: &Db, id: IdRef) -> Result<UserRow> {
    db.lookup(move |c| users::get(c, &id))
        .await?
        .ok_or(Error::NotFound("user"))
}

/// Applies a patch.
pub async fn update(db: &Db, id: IdRef, patch: UserPatch) -> Result<UserRow> {
    let name = patch.name.as_deref().map(valid_name).transpose()?;
    let email = match patch.email {
        Some(Some(e)) => Some(Some(valid_email(&e)?)),
        other => other,
    };
    db.write(move |tx| {
        let mut user = users::get(tx, &id)?.ok_or(Error::NotFound("user"))?;
        if let Some(name) = name {
            user.name = name;
        }
        if let Some(email) = email {
            user.email = email;
        }
        user.updated_at = crate::time::now();
        users::update(tx, &user)?;
        Ok(user)
    })
    .await
}

/// Deletes a user that owns no connections.
pub async fn delete(db: &Db, id: IdRef) -> Result<()> {
    db.write(move |tx| {
        let user = users::get(tx, &id)?.ok_or(Error::NotFound("user"))?;
        if users::owns_connections(tx, user.id)? {
            return Err(Error::Conflict(
                "user still owns connections; delete them first".into(),
            ));
        }
        let open = link_sessions::usable_for_user(tx, user.id, crate::time::now())?;
        if open > 0 {
            return Err(Error::Conflict(format!(
                "user has {open} hosted-link session(s) that can still be used; \
                 let them expire or finish them first"
            )));
        }
        // Finished sessions are this person's history: they go with the person.
        link_sessions::delete_for_user(tx, user.id)?;
        users::delete(tx, user.id)?;
        Ok(())
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(valid_name("  Ada ").unwrap(), "Ada");
        assert!(valid_name("   ").is_err());
        assert!(valid_name(&"x".repeat(201)).is_err());
        assert!(valid_name(&"é".repeat(200)).is_ok());
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(valid_email(" a@b.co ").unwrap(), "a@b.co");
        for bad in ["", "a", "@b.co", "a@b", "a b@c.de", "a@.co"] {
            assert!(valid_email(bad).is_err(), "{bad}");
        }
    }
}
