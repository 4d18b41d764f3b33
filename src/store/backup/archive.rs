//! The backup file format (see "Backups" in README.md): a gzip-compressed tar whose first
//! entry is `manifest.json`, followed by `breadbox.db` (a `VACUUM INTO` snapshot) and,
//! when the key was known, `encryption.key`. The manifest lists each file's size and
//! SHA-256. Reading accepts exactly those names as regular files, checks every size and
//! digest, and refuses anything else, so a truncated, corrupted or foreign file never
//! reaches the data directory. (The digests catch damage, not a deliberate forgery.)

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, bail, ensure};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// `format` of every manifest.
pub const FORMAT: &str = "breadbox-backup";
/// Version of the layout described above.
pub const FORMAT_VERSION: u32 = 1;
/// The manifest's entry name.
pub const MANIFEST: &str = "manifest.json";
/// The database snapshot's entry name.
pub const DB_ENTRY: &str = crate::store::DB_FILE;
/// The encryption key's entry name (base64 text, as in `DIR/encryption.key`).
pub const KEY_ENTRY: &str = crate::credentials::KEY_FILE;

/// Largest manifest accepted (it is a few hundred bytes).
const MANIFEST_LIMIT: u64 = 64 * 1024;

/// What a backup holds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// Version of the breadbox that wrote it.
    pub breadbox_version: String,
    /// `PRAGMA user_version` of the snapshot.
    pub schema_version: i64,
    /// `manual`, `scheduled` or `pre-upgrade`.
    pub reason: String,
    pub files: Vec<FileEntry>,
}

/// One file of a backup.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub name: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl Manifest {
    /// Whether the backup carries the encryption key.
    pub fn has_key(&self) -> bool {
        self.files.iter().any(|f| f.name == KEY_ENTRY)
    }
}

/// Size and SHA-256 of a file on disk.
pub fn describe(name: &str, path: &Path) -> io::Result<FileEntry> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let size = io::copy(&mut file, &mut hasher)?;
    Ok(FileEntry {
        name: name.to_owned(),
        size,
        sha256: hex::encode(hasher.finalize()),
    })
}

/// Writes `manifest` and then each `(entry name, source path)` of `files` into a new
/// archive at `dest` (mode 0600, must not exist), flushed to disk.
pub fn write(dest: &Path, manifest: &Manifest, files: &[(&str, &Path)]) -> anyhow::Result<()> {
    let out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dest)
        .with_context(|| format!("creating {}", dest.display()))?;
    let mut tar = tar::Builder::new(GzEncoder::new(out, Compression::default()));
    let json = serde_json::to_vec_pretty(manifest)?;
    tar.append_data(&mut header(json.len() as u64), MANIFEST, json.as_slice())?;
    for (name, path) in files {
        let file = File::open(path).with_context(|| format!("reading {}", path.display()))?;
        let len = file.metadata()?.len();
        tar.append_data(&mut header(len), name, file)?;
    }
    let out = tar.into_inner()?.finish()?;
    out.sync_all()?;
    Ok(())
}

fn header(size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(0o600);
    h.set_mtime(u64::try_from(crate::time::now()).unwrap_or(0));
    h
}

/// Reads the archive at `src`, writes its files into the existing directory `into`
/// (mode 0600) and returns the manifest once every file matched it.
pub fn read(src: &Path, into: &Path) -> anyhow::Result<Manifest> {
    let file = File::open(src).with_context(|| format!("opening {}", src.display()))?;
    let mut archive = tar::Archive::new(GzDecoder::new(file));
    let mut entries = archive
        .entries()
        .context("not a breadbox backup (not a gzip-compressed tar)")?;
    let manifest = match entries.next() {
        Some(first) => {
            read_manifest(first.context("not a breadbox backup (or a truncated or damaged one)")?)?
        }
        None => bail!("the backup is empty"),
    };
    let mut seen = Vec::new();
    for entry in entries {
        let entry = entry.context("the backup is truncated or corrupted")?;
        let name = entry_name(&entry)?;
        let Some(expected) = manifest.files.iter().find(|f| f.name == name) else {
            bail!("the backup holds `{name}`, which its manifest does not list");
        };
        ensure!(!seen.contains(&name), "the backup holds `{name}` twice");
        extract_checked(entry, expected, &into.join(&name))?;
        seen.push(name);
    }
    for f in &manifest.files {
        ensure!(
            seen.contains(&f.name),
            "the backup is truncated: `{}` is missing",
            f.name
        );
    }
    Ok(manifest)
}

fn read_manifest(entry: tar::Entry<'_, impl Read>) -> anyhow::Result<Manifest> {
    ensure!(
        entry_name(&entry)? == MANIFEST,
        "not a breadbox backup (no manifest.json first)"
    );
    let mut json = Vec::new();
    entry.take(MANIFEST_LIMIT).read_to_end(&mut json)?;
    let manifest: Manifest =
        serde_json::from_slice(&json).context("the backup's manifest.json is not valid")?;
    ensure!(
        manifest.format == FORMAT,
        "not a breadbox backup (format `{}`)",
        manifest.format
    );
    ensure!(
        manifest.format_version == FORMAT_VERSION,
        "backup format version {} is not supported by this breadbox (it reads {FORMAT_VERSION})",
        manifest.format_version
    );
    ensure!(
        manifest.files.iter().any(|f| f.name == DB_ENTRY),
        "the backup's manifest lists no database"
    );
    for f in &manifest.files {
        ensure!(
            f.name == DB_ENTRY || f.name == KEY_ENTRY,
            "the backup's manifest lists an unexpected file `{}`",
            f.name
        );
    }
    Ok(manifest)
}

/// The entry's name, which must be a plain file name (no directories, no `..`).
fn entry_name(entry: &tar::Entry<'_, impl Read>) -> anyhow::Result<String> {
    let path = entry
        .path()
        .context("an entry of the backup has no valid name")?;
    let name = path.to_str().unwrap_or_default().to_owned();
    ensure!(
        entry.header().entry_type() == tar::EntryType::Regular
            && !name.is_empty()
            && !name.contains('/')
            && name != ".."
            && name != ".",
        "the backup holds an unexpected entry `{}`",
        path.display()
    );
    Ok(name)
}

fn extract_checked(
    entry: tar::Entry<'_, impl Read>,
    expected: &FileEntry,
    dest: &Path,
) -> anyhow::Result<()> {
    let mut out = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(dest)
        .with_context(|| format!("creating {}", dest.display()))?;
    let mut hashing = HashingWriter {
        inner: &mut out,
        hasher: Sha256::new(),
    };
    // One byte past the promised size is enough to notice a longer file.
    let size = io::copy(&mut entry.take(expected.size + 1), &mut hashing).with_context(|| {
        format!(
            "the backup is truncated or corrupted in `{}`",
            expected.name
        )
    })?;
    let digest = hex::encode(hashing.hasher.finalize());
    ensure!(
        size == expected.size && digest == expected.sha256,
        "`{}` in the backup does not match its manifest (damaged file?)",
        expected.name
    );
    out.sync_all()?;
    Ok(())
}

struct HashingWriter<'a> {
    inner: &'a mut File,
    hasher: Sha256,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
