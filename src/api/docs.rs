//! The documentation assets: the Swagger UI page at `/docs` (about 1.8 MB, its scripts and
//! the document inline) and the OpenAPI document at `/openapi.json` (about 350 KB).
//!
//! Both are built on first request, not at start-up: a server nobody browses never holds them
//! (together with the document generation they were 4.7 MiB of an idle server's 24 MiB;
//! `benches/README.md`, "Memory"). Once built each is kept only gzip-compressed, about a
//! sixth of its size; clients that accept gzip get those bytes, others get them inflated as
//! the response streams out (64 KiB at a time, so a crowd of them holds no copies). `Allow` (`api::allow`) reads its route table from the same document, also
//! built on first need. The building runs on the blocking pool, never on the async threads.

use std::io::{Read, Write};
use std::sync::Arc;

use bytes::{Buf, Bytes};
use flate2::Compression;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use poem::http::{HeaderValue, header};
use poem::{Body, Endpoint, Request, Response};
use tokio::sync::OnceCell;

use super::allow::AllowedMethods;

/// The lazily built assets of one server.
#[derive(Clone)]
pub struct Docs(Arc<Inner>);

struct Inner {
    public_url: Option<String>,
    page: OnceCell<Bytes>,
    spec: OnceCell<Bytes>,
    allowed: OnceCell<Arc<AllowedMethods>>,
}

/// Which asset an endpoint serves.
#[derive(Clone, Copy)]
enum Asset {
    Page,
    Spec,
}

impl Docs {
    /// Nothing is built yet; `public_url` becomes the document's server entry.
    pub fn new(public_url: Option<String>) -> Self {
        Self(Arc::new(Inner {
            public_url,
            page: OnceCell::new(),
            spec: OnceCell::new(),
            allowed: OnceCell::new(),
        }))
    }

    /// `GET /docs`: the Swagger UI page, showing the finished document.
    pub fn page(&self) -> impl Endpoint + 'static {
        poem::get(Serve(self.clone(), Asset::Page))
    }

    /// `GET /openapi.json`: the finished document (`api::spec`).
    pub fn spec(&self) -> impl Endpoint + 'static {
        poem::get(Serve(self.clone(), Asset::Spec))
    }

    /// The methods each path answers, for `Allow` on a 405.
    pub async fn allowed(&self) -> poem::Result<Arc<AllowedMethods>> {
        let url = self.0.public_url.clone();
        let table = self.0.allowed.get_or_try_init(|| {
            blocking(move || Arc::new(AllowedMethods::from_spec(&generated(url.as_deref()))))
        });
        table.await.cloned()
    }

    async fn compressed(&self, asset: Asset) -> poem::Result<Bytes> {
        let url = self.0.public_url.clone();
        let (cell, build): (_, fn(Option<&str>) -> String) = match asset {
            Asset::Page => (&self.0.page, page_html),
            Asset::Spec => (&self.0.spec, |url| super::spec::finished(&generated(url))),
        };
        let bytes = cell.get_or_try_init(|| async move {
            let packed = blocking(move || gzip(build(url.as_deref()).as_bytes())).await??;
            Ok::<_, poem::Error>(Bytes::from(packed))
        });
        bytes.await.cloned()
    }
}

/// poem-openapi's raw document (`api::spec` finishes it).
fn generated(public_url: Option<&str>) -> String {
    super::service(public_url).spec()
}

/// poem-openapi's Swagger UI page, with the finished document in place of the raw one it
/// inlines (the page would otherwise show what the derives alone can say).
fn page_html(public_url: Option<&str>) -> String {
    let service = super::service(public_url);
    let raw = service.spec();
    service
        .swagger_ui_html()
        .replacen(&raw, &super::spec::finished(&raw), 1)
}

/// Runs CPU-heavy work on the blocking pool.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> poem::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(poem::error::InternalServerError)
}

fn gzip(plain: &[u8]) -> poem::Result<Vec<u8>> {
    let mut enc = GzEncoder::new(Vec::with_capacity(plain.len() / 4), Compression::best());
    enc.write_all(plain)
        .and_then(|()| enc.finish())
        .map_err(poem::error::InternalServerError)
}

/// The plain bytes of `packed`, inflated chunk by chunk as the body is sent.
fn inflated(packed: Bytes) -> Body {
    const CHUNK: usize = 64 * 1024;
    let reader = GzDecoder::new(packed.reader());
    let chunks = futures_util::stream::unfold(Some(reader), |reader| async move {
        let mut reader = reader?;
        let mut chunk = vec![0; CHUNK];
        match reader.read(&mut chunk) {
            Ok(0) => None,
            Ok(n) => {
                chunk.truncate(n);
                Some((Ok(Bytes::from(chunk)), Some(reader)))
            }
            Err(e) => Some((Err(e), None)),
        }
    });
    Body::from_bytes_stream(chunks)
}

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

struct Serve(Docs, Asset);

impl Endpoint for Serve {
    type Output = Response;

    async fn call(&self, req: Request) -> poem::Result<Response> {
        let packed = self.0.compressed(self.1).await?;
        let content_type = match self.1 {
            Asset::Page => "text/html; charset=utf-8",
            Asset::Spec => "application/json; charset=utf-8",
        };
        let mut resp = if accepts_gzip(&req) {
            let mut resp = Response::builder().body(packed);
            let gz = HeaderValue::from_static("gzip");
            resp.headers_mut().insert(header::CONTENT_ENCODING, gz);
            resp
        } else {
            Response::builder().body(inflated(packed))
        };
        let headers = resp.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        Ok(resp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn gzip_round_trips_through_the_streamed_body() {
        // Several chunks, and a last one that is not full.
        let text = (0..40_000)
            .map(|i| i.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        let packed = gzip(text.as_bytes()).unwrap();
        assert!(packed.len() < text.len());
        let plain = inflated(Bytes::from(packed)).into_vec().await.unwrap();
        assert_eq!(plain, text.as_bytes());
    }

    #[tokio::test]
    async fn a_corrupt_stream_fails_instead_of_ending_short() {
        let mut packed = gzip("breadbox ".repeat(10_000).as_bytes()).unwrap();
        let middle = packed.len() / 2;
        packed[middle] ^= 0xff;
        assert!(inflated(Bytes::from(packed)).into_vec().await.is_err());
    }

    #[test]
    fn the_page_shows_the_finished_document() {
        let raw = generated(None);
        let finished = super::super::spec::finished(&raw);
        assert_ne!(raw, finished, "the finishing step changes the document");
        let page = page_html(None);
        assert!(
            page.contains(&finished),
            "the page inlines the finished document"
        );
        assert!(!page.contains(&raw));
    }
}
