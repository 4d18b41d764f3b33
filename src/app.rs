//! The composition root: the route table and its middleware. Main and the tests both build
//! the app here, so what is tested is what runs.

use poem::{Endpoint, EndpointExt, IntoResponse, Route};

use crate::api::docs::Docs;
use crate::api::{self, allow, body_limit, link_page, metrics, middleware, rate_limit};
use crate::state::AppState;

/// Builds the whole HTTP application.
pub fn build(state: AppState) -> impl Endpoint {
    let service = api::service(state.config.public_url.as_deref());
    // The docs page, the served document and `Allow`'s route table are built on first use.
    let docs = Docs::new(state.config.public_url.clone());
    let metrics = state
        .config
        .metrics
        .then(|| metrics::Metrics::new(&service.spec()));
    Route::new()
        .at("/metrics", poem::get(metrics::endpoint))
        .at("/openapi.json", docs.spec())
        .at("/link/return", poem::get(link_page::resume))
        .at("/link/:token", poem::get(link_page::page))
        .at("/mcp", crate::api::mcp::endpoint(&state))
        .nest("/docs", Route::new().at("/", docs.page()))
        .nest("/", service)
        .around(docs_at_root)
        .around(rate_limit::limit_requests)
        .around(middleware::drop_empty_query_values)
        // Each `around` names its inner endpoint twice in its type; boxing every few
        // layers keeps the type (and the compiler's layout queries) small.
        .boxed()
        .around(body_limit::limit_body)
        .around(middleware::envelope_errors)
        .around(allow::allow_header)
        .around(middleware::security_headers)
        .boxed()
        .around(metrics::record)
        .around(middleware::log_requests)
        .data(metrics)
        .data(docs)
        .data(state)
}

/// `GET /` → the API docs (a person who types the server's address lands somewhere useful).
async fn docs_at_root<E: Endpoint>(next: E, req: poem::Request) -> poem::Result<poem::Response> {
    if req.uri().path() == "/" && req.method() == poem::http::Method::GET {
        return Ok(poem::web::Redirect::see_other("/docs").into_response());
    }
    next.call(req).await.map(IntoResponse::into_response)
}
