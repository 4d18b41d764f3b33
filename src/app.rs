//! The composition root: the route table and its middleware. Main and the tests both build
//! the app here, so what is tested is what runs.

use poem::{Endpoint, EndpointExt, IntoResponse, Route};

use crate::api::compress::GzipCache;
use crate::api::{self, allow, body_limit, link_page, metrics, middleware, rate_limit};
use crate::state::AppState;

/// Builds the whole HTTP application.
pub fn build(state: AppState) -> impl Endpoint {
    let service = api::service(state.config.public_url.as_deref());
    let docs = service.swagger_ui();
    // Generated once: the served document, the metrics' route list and `Allow` all read it.
    let generated = service.spec();
    let spec = spec_endpoint(api::spec::finished(&generated));
    let metrics = state
        .config
        .metrics
        .then(|| metrics::Metrics::new(&generated));
    let allowed = allow::AllowedMethods::from_spec(&generated);
    let gzip = GzipCache::default();
    let (gzip_docs, gzip_spec) = (gzip.clone(), gzip);
    let docs = docs.around(move |ep, req| gzip_docs.clone().serve(ep, req));
    let spec = spec.around(move |ep, req| gzip_spec.clone().serve(ep, req));
    Route::new()
        .at("/metrics", poem::get(metrics::endpoint))
        .at("/openapi.json", spec)
        .at("/link/return", poem::get(link_page::resume))
        .at("/link/:token", poem::get(link_page::page))
        .at("/mcp", crate::api::mcp::endpoint(&state))
        .nest("/docs", docs)
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
        .data(allowed)
        .data(state)
}

/// `GET /openapi.json`: the finished document (`api::spec`), computed once.
fn spec_endpoint(text: String) -> impl Endpoint {
    poem::get(poem::endpoint::make_sync(move |_| {
        poem::Response::builder()
            .content_type("application/json; charset=utf-8")
            .body(text.clone())
    }))
}

/// `GET /` → the API docs (a person who types the server's address lands somewhere useful).
async fn docs_at_root<E: Endpoint>(next: E, req: poem::Request) -> poem::Result<poem::Response> {
    if req.uri().path() == "/" && req.method() == poem::http::Method::GET {
        return Ok(poem::web::Redirect::see_other("/docs").into_response());
    }
    next.call(req).await.map(IntoResponse::into_response)
}
