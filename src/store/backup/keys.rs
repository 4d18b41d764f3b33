//! The key must fit the data: before `serve` uses the encryption key it tries it on one
//! stored credential, so a database restored without its key, or a changed
//! `BREADBOX_ENCRYPTION_KEY`, stops the start with the cause named instead of failing
//! every sync later (and a lost key file is never silently replaced by a new key).

use std::path::Path;

use crate::credentials::{CredentialCipher, KEY_FILE};
use crate::store::{Db, connections};

/// Like [`CredentialCipher::load`], but first checks the key against one stored credential of
/// `db`: a missing key file is not replaced by a new key while credentials exist, and a
/// key that does not open them is refused with the cause named.
pub fn load_checked(
    db: &Db,
    data_dir: &Path,
    configured: Option<&str>,
) -> anyhow::Result<CredentialCipher> {
    let sample = db.read_blocking(connections::first_sealed)?;
    let key_path = data_dir.join(KEY_FILE);
    let source = if configured.is_some() {
        "BREADBOX_ENCRYPTION_KEY (--encryption-key)".to_owned()
    } else {
        key_path.display().to_string()
    };
    if let Some((id, _)) = &sample {
        anyhow::ensure!(
            configured.is_some() || key_path.exists(),
            "{source} is missing, but connection {id} has provider credentials sealed with \
             a key; restore the encryption.key that belongs to this database (a backup made \
             by `breadbox backup` carries it) or set BREADBOX_ENCRYPTION_KEY"
        );
    }
    let secrets = CredentialCipher::load(data_dir, configured)?;
    if let Some((id, sealed)) = sample {
        anyhow::ensure!(
            secrets.open(&sealed).is_ok(),
            "the encryption key from {source} does not open the stored credentials of \
             connection {id}: it is not the key they were sealed with. Use the key that \
             belongs to this database (the encryption.key restored from the same backup, or \
             the original BREADBOX_ENCRYPTION_KEY)"
        );
    }
    Ok(secrets)
}
