//! `POST /api/v1/connections/csv/import` (docs/api.md, Resources): multipart (`file` part plus fields)
//! or JSON with `csv_base64`. The work is `service::import`, shared with the CLI.

use base64::Engine;
use poem::web::Data;
use poem_openapi::payload::Json;
use poem_openapi::types::multipart::Upload;
use poem_openapi::{ApiRequest, ApiResponse, Multipart, Object, OpenApi};
use serde_json::Value;

use super::auth::ApiKeyAuth;
use super::error::ApiError;
use super::json::JsonBody;
use super::{Tag, parse_id};
use crate::import::csv_parse::CsvOptions;
use crate::import::mapping;
use crate::service::import::{self as svc, ImportRequest, ImportResult};
use crate::state::AppState;

/// Multipart form: the file plus the same fields as the JSON form.
#[derive(Debug, Multipart)]
#[oai(deny_unknown_fields)]
pub struct CsvImportForm {
    /// The CSV file (≤ 50 MiB).
    pub file: Upload,
    pub user_id: Option<String>,
    pub connection_id: Option<String>,
    pub account_name: Option<String>,
    pub iso_currency_code: Option<String>,
    /// JSON text of the column mapping (see the JSON form).
    pub columns: Option<String>,
    pub date_format: Option<String>,
    pub amounts_negative_are_debits: Option<bool>,
}

/// JSON form.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct CsvImportJson {
    /// The file, base64-encoded.
    pub csv_base64: String,
    /// Owner of a new `csv` connection (required unless `connection_id` is given).
    #[oai(nullable)]
    pub user_id: Option<String>,
    /// Append to this existing `csv` connection.
    #[oai(nullable)]
    pub connection_id: Option<String>,
    /// Default "CSV Import".
    #[oai(nullable)]
    pub account_name: Option<String>,
    /// Default `USD`.
    #[oai(nullable)]
    pub iso_currency_code: Option<String>,
    /// `{date, amount | debit+credit, description, merchant?, category?}`: zero-based column
    /// numbers or header names. Inferred from common header names when absent.
    #[oai(nullable)]
    pub columns: Option<Value>,
    /// strftime-style, e.g. `%d/%m/%Y`; detected when absent (ambiguous day/month is an error).
    #[oai(nullable)]
    pub date_format: Option<String>,
    /// Default true: in the file, negative = money out (converted to positive = money out).
    #[oai(nullable)]
    pub amounts_negative_are_debits: Option<bool>,
}

#[derive(ApiRequest)]
pub enum CsvImportBody {
    Multipart(CsvImportForm),
    Json(JsonBody<CsvImportJson>),
}

/// A row that could not be imported.
#[derive(Debug, Object)]
pub struct RejectedRow {
    /// Physical line number in the file (the header is line 1).
    pub line: u64,
    pub reason: String,
}

/// What the import did.
#[derive(Debug, Object)]
pub struct CsvImportResponse {
    pub connection_id: String,
    pub account_id: String,
    /// New rows stored.
    pub imported: i64,
    /// Known rows whose merchant or category changed.
    pub updated: i64,
    /// Rows already imported before.
    pub skipped_duplicates: i64,
    /// Data rows in the file.
    pub total_rows: u64,
    pub rejected: Vec<RejectedRow>,
}

impl From<ImportResult> for CsvImportResponse {
    fn from(r: ImportResult) -> Self {
        Self {
            connection_id: r.connection_id.to_string(),
            account_id: r.account_id.to_string(),
            imported: r.imported,
            updated: r.updated,
            skipped_duplicates: r.skipped_duplicates,
            total_rows: r.total_rows as u64,
            rejected: r
                .rejected
                .into_iter()
                .map(|x| RejectedRow {
                    line: x.line as u64,
                    reason: x.reason,
                })
                .collect(),
        }
    }
}

#[derive(ApiResponse)]
pub enum CsvImported {
    /// Imported (possibly with some rows rejected).
    #[oai(status = 201)]
    Created(Json<CsvImportResponse>),
}

pub struct ImportApi;

#[OpenApi(tag = "Tag::Connections")]
impl ImportApi {
    /// Import a bank CSV
    ///
    /// Re-importing the same file imports nothing new; overlapping exports import only new rows;
    /// identical purchases on one day in one file both stay. A file where nothing parses is 422
    /// with the reasons; over 50 MiB is 413. Scope: full_access.
    #[oai(
        path = "/api/v1/connections/csv/import",
        method = "post",
        operation_id = "connections.csv_import"
    )]
    async fn import(
        &self,
        state: Data<&AppState>,
        auth: ApiKeyAuth,
        body: CsvImportBody,
    ) -> Result<CsvImported, ApiError> {
        auth.require_full_access()?;
        let (bytes, fields) = match body {
            CsvImportBody::Multipart(form) => from_form(form).await?,
            CsvImportBody::Json(json) => from_json(json.0)?,
        };
        let req = fields.into_request()?;
        let result = svc::import(&state.db, bytes, req).await?;
        Ok(CsvImported::Created(Json(result.into())))
    }
}

/// The non-file fields, whichever form they came in.
struct Fields {
    user_id: Option<String>,
    connection_id: Option<String>,
    account_name: Option<String>,
    iso_currency_code: Option<String>,
    columns: Option<Value>,
    date_format: Option<String>,
    amounts_negative_are_debits: Option<bool>,
}

async fn from_form(form: CsvImportForm) -> Result<(Vec<u8>, Fields), ApiError> {
    let columns = match form
        .columns
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| ApiError::validation(format!("columns: not valid JSON ({e})")))?,
        ),
        None => None,
    };
    let bytes = form
        .file
        .into_vec()
        .await
        .map_err(|_| ApiError::validation("file: could not be read"))?;
    let fields = Fields {
        user_id: form.user_id,
        connection_id: form.connection_id,
        account_name: form.account_name,
        iso_currency_code: form.iso_currency_code,
        columns,
        date_format: form.date_format,
        amounts_negative_are_debits: form.amounts_negative_are_debits,
    };
    Ok((bytes, fields))
}

fn from_json(j: CsvImportJson) -> Result<(Vec<u8>, Fields), ApiError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(j.csv_base64.trim())
        .map_err(|_| ApiError::validation("csv_base64: not valid base64"))?;
    let fields = Fields {
        user_id: j.user_id,
        connection_id: j.connection_id,
        account_name: j.account_name,
        iso_currency_code: j.iso_currency_code,
        columns: j.columns,
        date_format: j.date_format,
        amounts_negative_are_debits: j.amounts_negative_are_debits,
    };
    Ok((bytes, fields))
}

impl Fields {
    fn into_request(self) -> Result<ImportRequest, ApiError> {
        let currency = self
            .iso_currency_code
            .unwrap_or_else(|| "USD".into())
            .trim()
            .to_ascii_uppercase();
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(ApiError::validation(
                "iso_currency_code: must be a 3-letter ISO 4217 code",
            ));
        }
        let id = |raw: Option<String>, what| raw.map(|r| parse_id(&r, what)).transpose();
        Ok(ImportRequest {
            user: id(self.user_id, "user")?,
            connection: id(self.connection_id, "connection")?,
            account_name: self.account_name.unwrap_or_else(|| "CSV Import".into()),
            options: CsvOptions {
                columns: self
                    .columns
                    .as_ref()
                    .map(mapping::column_spec)
                    .transpose()?,
                date_format: self.date_format.filter(|f| !f.trim().is_empty()),
                amounts_negative_are_debits: self.amounts_negative_are_debits.unwrap_or(true),
                iso_currency_code: currency,
            },
        })
    }
}
