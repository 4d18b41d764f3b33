//! The read tools. Each calls the store or service function its REST twin calls and
//! returns the REST body, built from the same DTO, so amounts are the same exact JSON
//! numbers and cursors are interchangeable with the REST lists.

use poem_openapi::types::ToJSON;
use rmcp::model::JsonObject;
use serde_json::Value;

use super::args::{self, GroupBy, SortOrder, decode};
use crate::api::accounts::AccountList;
use crate::api::connections::{ConnectionList, ConnectionStatusResponse};
use crate::api::error::ApiError;
use crate::api::id_param;
use crate::api::link::LinkSessionResponse;
use crate::api::pagination::{decode_opt, pagination};
use crate::api::parse_id;
use crate::api::providers::list_body;
use crate::api::sync::SyncLogList;
use crate::api::transactions::{
    GroupByParam, SortOrderParam, TransactionCount, TransactionList, TransactionResponse,
    summary_response,
};
use crate::api::users::UserList;
use crate::service;
use crate::state::AppState;
use crate::store::accounts::{self, AccountFilter};
use crate::store::transactions::{self as txs, TransactionFilter};
use crate::store::users;

/// A tool's result: the JSON body, or the error its REST twin would answer.
pub type Out = Result<Value, ApiError>;

/// The REST serialisation of a DTO.
pub fn body<T: ToJSON>(dto: &T) -> Value {
    dto.to_json().unwrap_or(Value::Null)
}

pub async fn list_users(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::PageArgs = decode(raw)?;
    let limit = args::limit(a.limit)?;
    let after: Option<users::UserKey> = decode_opt("users", a.cursor.as_deref())?;
    let page = state
        .db
        .read(move |c| users::page(c, limit, after.as_ref()))
        .await?;
    Ok(body(&UserList {
        pagination: pagination("users", page.next.as_ref(), limit),
        data: page.items.into_iter().map(Into::into).collect(),
    }))
}

pub async fn list_connections(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::ConnectionsArgs = decode(raw)?;
    let limit = args::limit(a.limit)?;
    let after = decode_opt("connections", a.cursor.as_deref())?;
    let user = a.user_id.map(|u| parse_id(&u, "user")).transpose()?;
    let status = a.status.map(|s| s.0);
    let page = service::connections::list(state, user, status, limit, after).await?;
    Ok(body(&ConnectionList {
        pagination: pagination("connections", page.next.as_ref(), limit),
        data: page.items.into_iter().map(Into::into).collect(),
    }))
}

pub async fn get_connection(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::IdArgs = decode(raw)?;
    let id = parse_id(&a.id, "connection")?;
    let (conn, last) = service::connections::with_last_sync(state, id).await?;
    Ok(body(&ConnectionStatusResponse {
        connection: conn.into(),
        last_sync: last.map(Into::into),
    }))
}

pub async fn list_accounts(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::AccountsArgs = decode(raw)?;
    let filter = AccountFilter {
        user_id: id_param("user_id", a.user_id)?,
        connection_id: id_param("connection_id", a.connection_id)?,
    };
    let limit = args::limit(a.limit)?;
    let after: Option<accounts::AccountKey> = decode_opt("accounts", a.cursor.as_deref())?;
    let page = state
        .db
        .read(move |c| accounts::page(c, &filter, limit, after.as_ref()))
        .await?;
    Ok(body(&AccountList {
        pagination: pagination("accounts", page.next.as_ref(), limit),
        data: page.items.into_iter().map(Into::into).collect(),
    }))
}

pub async fn query_transactions(state: &AppState, raw: Option<JsonObject>) -> Out {
    let mut a: args::QueryArgs = decode(raw)?;
    let filter = TransactionFilter::try_from(a.filters())?;
    let order = match a.sort_order {
        Some(SortOrder::Asc) => SortOrderParam::Asc,
        _ => SortOrderParam::Desc,
    }
    .into();
    let limit = args::limit(a.limit)?;
    let after: Option<txs::TransactionKey> = decode_opt("transactions", a.cursor.as_deref())?;
    let page = state
        .db
        .read(move |c| txs::page(c, &filter, order, limit, after.as_ref()))
        .await?;
    Ok(body(&TransactionList {
        pagination: pagination("transactions", page.next.as_ref(), limit),
        data: page.items.into_iter().map(Into::into).collect(),
    }))
}

pub async fn get_transaction(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::IdArgs = decode(raw)?;
    let id = parse_id(&a.id, "transaction")?;
    let row = state.db.lookup(move |c| txs::get(c, &id)).await?;
    let row = row.ok_or_else(|| ApiError::not_found("transaction"))?;
    Ok(body(&TransactionResponse::from(row)))
}

pub async fn count_transactions(state: &AppState, raw: Option<JsonObject>) -> Out {
    let mut a: args::CountArgs = decode(raw)?;
    let filter = TransactionFilter::try_from(a.filters())?;
    let count = state.db.read(move |c| txs::count(c, &filter)).await?;
    Ok(body(&TransactionCount { count }))
}

pub async fn summarize_transactions(state: &AppState, raw: Option<JsonObject>) -> Out {
    let mut a: args::SummaryArgs = decode(raw)?;
    let filter = TransactionFilter::try_from(a.filters())?;
    let group_by = match a.group_by {
        GroupBy::Month => GroupByParam::Month,
        GroupBy::Week => GroupByParam::Week,
        GroupBy::Day => GroupByParam::Day,
        GroupBy::Category => GroupByParam::Category,
    };
    let summary = state
        .db
        .read(move |c| txs::summary(c, &filter, group_by.into()))
        .await?;
    Ok(body(&summary_response(
        summary,
        group_by == GroupByParam::Category,
    )))
}

pub async fn list_sync_logs(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::SyncLogsArgs = decode(raw)?;
    let limit = args::limit(a.limit)?;
    let after = decode_opt("sync_logs", a.cursor.as_deref())?;
    let connection = a
        .connection_id
        .map(|c| parse_id(&c, "connection"))
        .transpose()?;
    let status = a.status.map(|s| s.0);
    let page = service::sync::logs(state, connection, status, limit, after).await?;
    Ok(body(&SyncLogList {
        pagination: pagination("sync_logs", page.next.as_ref(), limit),
        data: page.items.into_iter().map(Into::into).collect(),
    }))
}

pub async fn list_providers(state: &AppState, raw: Option<JsonObject>) -> Out {
    let _: args::NoArgs = decode(raw)?;
    Ok(body(&list_body(state)))
}

pub async fn get_link_session(state: &AppState, raw: Option<JsonObject>) -> Out {
    let a: args::IdArgs = decode(raw)?;
    let id = parse_id(&a.id, "link session")?;
    let view = service::link::view(state, id).await?;
    Ok(body(&LinkSessionResponse::from(view)))
}
