//! The composition root: the route table and its middleware. Main and the tests both build
//! the app here, so what is tested is what runs.

use poem::{Endpoint, EndpointExt, Route};

use crate::api::{self, link_page, middleware, rate_limit};
use crate::state::AppState;

/// Builds the whole HTTP application.
pub fn build(state: AppState) -> impl Endpoint {
    let service = api::service(state.config.public_url.as_deref());
    let docs = service.swagger_ui();
    let spec = service.spec_endpoint();
    Route::new()
        .at("/openapi.json", spec)
        .at("/link/return", poem::get(link_page::resume))
        .at("/link/:token", poem::get(link_page::page))
        .at("/mcp", crate::mcp::endpoint(&state))
        .nest("/docs", docs)
        .nest("/", service)
        .around(rate_limit::limit_requests)
        .around(middleware::drop_empty_query_values)
        .around(middleware::limit_body)
        .around(middleware::envelope_errors)
        .around(middleware::security_headers)
        .around(middleware::log_requests)
        .data(state)
}
