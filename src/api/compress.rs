//! gzip for the static documentation assets: the Swagger UI page at `/docs` (about 1.8 MB,
//! its scripts inline) and `/openapi.json`. Each is compressed once per server and then
//! served from memory to every client that accepts gzip; everything else goes out as is.

use std::collections::HashMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use flate2::Compression;
use flate2::write::GzEncoder;
use poem::http::{HeaderValue, StatusCode, header};
use poem::{Endpoint, IntoResponse, Request, Response};

/// Compressed bodies by path, filled on first use.
#[derive(Clone, Default)]
pub struct GzipCache(Arc<Mutex<HashMap<String, Arc<Vec<u8>>>>>);

fn accepts_gzip(req: &Request) -> bool {
    req.header(header::ACCEPT_ENCODING).is_some_and(|v| {
        v.split(',').any(|coding| {
            let mut parts = coding.split(';');
            let name = parts.next().unwrap_or_default().trim();
            let refused = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
    })
}

impl GzipCache {
    /// Middleware body: `endpoint.around(move |ep, req| cache.clone().serve(ep, req))`.
    pub async fn serve<E: Endpoint>(self, next: Arc<E>, req: Request) -> poem::Result<Response> {
        let gzip = accepts_gzip(&req);
        let path = req.uri().path().to_owned();
        let resp = next.call(req).await?.into_response();
        if !gzip || resp.status() != StatusCode::OK {
            return Ok(resp);
        }
        let (parts, body) = resp.into_parts();
        let cached = crate::mutex::lock(&self.0).get(&path).cloned();
        let compressed = if let Some(c) = cached {
            c
        } else {
            let plain = body.into_vec().await?;
            let c = Arc::new(gzip_bytes(&plain).map_err(poem::error::InternalServerError)?);
            crate::mutex::lock(&self.0).insert(path, c.clone());
            c
        };
        let mut resp = Response::from_parts(parts, compressed.as_ref().clone().into());
        let headers = resp.headers_mut();
        headers.remove(header::CONTENT_LENGTH);
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        Ok(resp)
    }
}

fn gzip_bytes(plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(plain.len() / 3), Compression::best());
    enc.write_all(plain)?;
    enc.finish()
}
