//! The page's JSON calls, `/_link/{token}/*` (docs/api.md, Hosted-link sessions). The token in the path is the only
//! credential: unknown → 401 `INVALID_TOKEN`; expired → 410 `EXPIRED`; consumed → 410
//! `CONSUMED`; otherwise finished → 410 `GONE`. The views are redacted (no `user_id`).

use poem::web::Data;
use poem_openapi::param::Path;
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};

use crate::api::Tag;
use crate::api::error::ApiError;
use crate::api::json::{JsonBody, OptionalJsonBody};
use crate::domain::{AccountType, LinkAction, LinkSessionStatus};
use crate::ids::IdRef;
use crate::link::urls::with_link_id;
use crate::providers::{FieldKind, FormField, PageFlow};
use crate::service::link::{self as svc, Flow, SessionView};
use crate::state::AppState;
use crate::store::accounts::{self, AccountFilter};
use crate::time::rfc3339;

/// A provider the person may pick.
#[derive(Debug, Object)]
pub struct PageProvider {
    pub name: String,
    pub display_name: String,
}

/// The session as the page sees it (no user id, no token).
#[derive(Debug, Object)]
pub struct PageSession {
    pub id: String,
    pub status: LinkSessionStatus,
    pub action: LinkAction,
    pub label: String,
    /// `""` = show the picker.
    pub provider: String,
    pub single_use: bool,
    /// Where to send the browser afterwards (with `linkId`); `""` when unset.
    pub redirect_url: String,
    /// Providers to offer in the picker.
    pub providers: Vec<PageProvider>,
    /// How many connections this session has added so far.
    pub connections_added: u32,
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub error_code: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub error_message: Option<String>,
    pub expires_at: String,
}

/// A form field of a provider's sign-in flow.
#[derive(Debug, Object)]
pub struct FlowField {
    pub name: String,
    pub label: String,
    /// `select`, `text` or `password`.
    pub kind: String,
    pub options: Vec<FlowOption>,
}

/// One choice of a `select` field.
#[derive(Debug, Object)]
pub struct FlowOption {
    pub value: String,
    pub label: String,
}

/// How to run a provider's flow on the page.
#[derive(Debug, Object)]
pub struct FlowResponse {
    pub provider: String,
    pub institution_name: String,
    /// `form`: show `fields`, then post them as `credentials`. `script`: load `script_url`
    /// and run the provider's own flow with `config`.
    pub kind: String,
    pub fields: Vec<FlowField>,
    /// Where a person gets what the form asks for.
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub help_url: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub script_url: Option<String>,
    /// The provider's configuration for its script (e.g. a link token).
    #[oai(skip_serializing_if_is_none)]
    #[oai(nullable)]
    pub config: Option<serde_json::Value>,
}

/// `POST /_link/{token}/connections` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct FinishRequest {
    pub provider: String,
    #[oai(nullable)]
    pub credentials: Option<serde_json::Value>,
}

/// An account shown on the success screen.
#[derive(Debug, Object)]
pub struct PageAccount {
    pub name: String,
    #[oai(nullable)]
    pub mask: Option<String>,
    #[oai(rename = "type")]
    pub account_type: AccountType,
    pub iso_currency_code: String,
}

/// The connection the person just added.
#[derive(Debug, Object)]
pub struct FinishResponse {
    pub connection_id: String,
    #[oai(nullable)]
    pub institution_name: Option<String>,
    pub accounts: Vec<PageAccount>,
    pub session: PageSession,
}

/// `POST /_link/{token}/fail` body.
#[derive(Debug, Object)]
#[oai(deny_unknown_fields)]
pub struct FailRequest {
    #[oai(nullable)]
    pub code: Option<String>,
    #[oai(nullable)]
    pub message: Option<String>,
}

#[derive(ApiResponse)]
pub enum Finished {
    /// The connection was created and its first sync has run.
    #[oai(status = 201)]
    Created(Json<FinishResponse>),
}

#[derive(ApiResponse)]
pub enum Completed {
    /// The session is consumed (also on a repeat).
    #[oai(status = 204)]
    NoContent,
}

pub struct LinkPageApi;

#[OpenApi(tag = "Tag::LinkPage")]
impl LinkPageApi {
    /// Claim the session (the page opened)
    ///
    /// `pending` or `failed` → `active` with a new attempt. Auth: the token in the path.
    #[oai(
        path = "/_link/:token/session",
        method = "get",
        operation_id = "link_page.session"
    )]
    async fn session(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
    ) -> Result<Json<PageSession>, ApiError> {
        let view = svc::claim(&state, &token).await?;
        Ok(Json(page_session(&state, view)))
    }

    /// Start a provider's flow
    ///
    /// 403 `FORBIDDEN` if the session is pinned to another provider. Auth: the token.
    #[oai(
        path = "/_link/:token/providers/:name/start",
        method = "post",
        operation_id = "link_page.start"
    )]
    async fn start(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
        name: Path<String>,
    ) -> Result<Json<FlowResponse>, ApiError> {
        let flow = svc::start(&state, &token, &name).await?;
        Ok(Json(flow_response(flow)))
    }

    /// Finish: create the connection
    ///
    /// Creates the connection for the session's user (or re-authenticates it for a relink),
    /// runs its first sync and moves the session on. A provider failure fails the attempt
    /// and is 502 `PROVIDER_ERROR`. Auth: the token.
    #[oai(
        path = "/_link/:token/connections",
        method = "post",
        operation_id = "link_page.finish"
    )]
    async fn finish(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
        body: JsonBody<FinishRequest>,
    ) -> Result<Finished, ApiError> {
        let credentials = body.credentials.clone().unwrap_or(serde_json::Value::Null);
        let done = svc::finish(&state, &token, &body.provider, &credentials).await?;
        let conn_id = done.connection.id;
        let filter = AccountFilter {
            user_id: None,
            connection_id: Some(IdRef::Uuid(conn_id)),
        };
        let page = state
            .db
            .read(move |c| accounts::page(c, &filter, 500, None))
            .await?;
        let accounts = page
            .items
            .into_iter()
            .map(|a| PageAccount {
                name: a.name,
                mask: a.mask,
                account_type: a.account_type,
                iso_currency_code: a.iso_currency_code,
            })
            .collect();
        Ok(Finished::Created(Json(FinishResponse {
            connection_id: conn_id.to_string(),
            institution_name: done.connection.institution_name,
            accounts,
            session: page_session(&state, done.view),
        })))
    }

    /// The person pressed Done
    ///
    /// → `consumed`. Idempotent: a repeat is 204 too. Auth: the token.
    #[oai(
        path = "/_link/:token/complete",
        method = "post",
        operation_id = "link_page.complete"
    )]
    async fn complete(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
    ) -> Result<Completed, ApiError> {
        match svc::done(&state, &token).await {
            Ok(_) | Err(crate::Error::Token("CONSUMED", _)) => Ok(Completed::NoContent),
            Err(e) => Err(e.into()),
        }
    }

    /// Report a failure from the page
    ///
    /// → `failed` (re-claimable by opening the page again). Auth: the token.
    #[oai(
        path = "/_link/:token/fail",
        method = "post",
        operation_id = "link_page.fail"
    )]
    async fn fail(
        &self,
        state: Data<&AppState>,
        token: Path<String>,
        body: OptionalJsonBody<FailRequest>,
    ) -> Result<Json<PageSession>, ApiError> {
        let (code, message) = body.0.map_or((None, None), |b| (b.code, b.message));
        let code = code
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "LINK_FAILED".into());
        let message = message
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| "the person could not finish connecting".into());
        let code: String = code.chars().take(64).collect();
        let message: String = message.chars().take(500).collect();
        let view = svc::fail(&state, &token, &code, &message).await?;
        Ok(Json(page_session(&state, view)))
    }
}

fn page_session(state: &AppState, v: SessionView) -> PageSession {
    let r = v.row;
    let id = r.id.to_string();
    let providers = if r.provider.is_empty() {
        state
            .providers
            .on_page()
            .into_iter()
            .map(|i| PageProvider {
                name: i.name.into(),
                display_name: i.display_name.into(),
            })
            .collect()
    } else {
        vec![PageProvider {
            name: r.provider.clone(),
            display_name: display_name(state, &r.provider),
        }]
    };
    PageSession {
        redirect_url: with_link_id(&r.redirect_url, &id),
        id,
        status: r.status,
        action: r.action,
        label: r.label,
        provider: r.provider,
        single_use: r.single_use,
        providers,
        connections_added: u32::try_from(v.results.len()).unwrap_or(u32::MAX),
        error_code: r.error_code,
        error_message: r.error_message,
        expires_at: rfc3339(r.expires_at),
    }
}

fn display_name(state: &AppState, provider: &str) -> String {
    state
        .providers
        .info(provider)
        .map_or(provider, |i| i.display_name)
        .to_owned()
}

fn flow_response(flow: Flow) -> FlowResponse {
    let mut out = FlowResponse {
        provider: flow.info.name.into(),
        institution_name: flow.info.display_name.into(),
        kind: "form".into(),
        fields: vec![],
        help_url: None,
        script_url: None,
        config: None,
    };
    match flow.page {
        PageFlow::Form { fields, help_url } => {
            out.fields = fields.into_iter().map(field).collect();
            out.help_url = help_url;
        }
        PageFlow::Script { script_url, config } => {
            "script".clone_into(&mut out.kind);
            out.script_url = Some(script_url);
            out.config = Some(config);
        }
    }
    out
}

fn field(f: FormField) -> FlowField {
    FlowField {
        name: f.name.into(),
        label: f.label.into(),
        kind: match f.kind {
            FieldKind::Text => "text",
            FieldKind::Password => "password",
            FieldKind::Select => "select",
        }
        .into(),
        options: f
            .options
            .into_iter()
            .map(|(value, label)| FlowOption {
                value: value.into(),
                label: label.into(),
            })
            .collect(),
    }
}
