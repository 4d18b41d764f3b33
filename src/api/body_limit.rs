//! Request bodies are streamed to the handler through a counter, never buffered here: a
//! request refused before its body is read (a missing or wrong key is checked first, since
//! the key is every handler's first parameter) costs nothing however large the upload, and
//! a body that runs past its size or time limit ends in 413 or 408.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use poem::http::{Method, StatusCode};
use poem::{Body, Endpoint, IntoResponse, Request, Response};

use super::error::{self, ApiError};
use crate::config::Config;
use crate::state::AppState;

/// JSON bodies may be at most this large.
pub const JSON_BODY_LIMIT: usize = 1024 * 1024;
/// File imports may be at most this large.
pub const IMPORT_BODY_LIMIT: usize = 50 * 1024 * 1024;
/// An import may take this many times the configured body timeout (`--body-timeout`):
/// 50 MiB over a slow home uplink.
const IMPORT_TIMEOUT_FACTOR: u32 = 10;

const WITHIN: u8 = 0;
const TOO_LARGE: u8 = 1;
const TOO_SLOW: u8 = 2;

fn limits(req: &Request) -> (usize, Duration) {
    let timeout = req
        .data::<AppState>()
        .map_or_else(|| Config::new(".").body_timeout, |s| s.config.body_timeout);
    if req.uri().path() == "/api/v1/connections/csv/import" {
        (IMPORT_BODY_LIMIT, timeout * IMPORT_TIMEOUT_FACTOR)
    } else {
        (JSON_BODY_LIMIT, timeout)
    }
}

/// Rejects a declared `Content-Length` over the limit at once; otherwise hands the handler a
/// body that fails once it passes the limit or its deadline, and answers 413 or 408 then.
pub async fn limit_body<E: Endpoint>(next: E, mut req: Request) -> poem::Result<Response> {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    ) {
        return next.call(req).await.map(IntoResponse::into_response);
    }
    let (limit, timeout) = limits(&req);
    let declared = req
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limit) {
        return Err(error::too_large().into());
    }
    let verdict = Arc::new(AtomicU8::new(WITHIN));
    let body = req.take_body().into_bytes_stream();
    req.set_body(Body::from_bytes_stream(bounded(
        body,
        limit,
        timeout,
        verdict.clone(),
    )));
    let resp = next.call(req).await.map(IntoResponse::into_response);
    match verdict.load(Ordering::Acquire) {
        TOO_LARGE => Err(error::too_large().into()),
        TOO_SLOW => Err(too_slow().into()),
        _ => resp,
    }
}

fn too_slow() -> ApiError {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        "REQUEST_TIMEOUT",
        "the request body did not arrive in time",
    )
}

struct Bounded<S> {
    inner: S,
    remaining: usize,
    deadline: tokio::time::Instant,
    verdict: Arc<AtomicU8>,
    done: bool,
}

/// `inner`, ending with an error (and a verdict for the middleware) once more than `limit`
/// bytes have passed or `timeout` has elapsed since the first read.
fn bounded<S>(
    inner: S,
    limit: usize,
    timeout: Duration,
    verdict: Arc<AtomicU8>,
) -> impl Stream<Item = io::Result<Bytes>> + Send + 'static
where
    S: Stream<Item = io::Result<Bytes>> + Send + Unpin + 'static,
{
    let state = Bounded {
        inner,
        remaining: limit,
        deadline: tokio::time::Instant::now() + timeout,
        verdict,
        done: false,
    };
    futures_util::stream::unfold(state, |mut s| async move {
        if s.done {
            return None;
        }
        let item = match tokio::time::timeout_at(s.deadline, s.inner.next()).await {
            Err(_) => Err(s.fail(TOO_SLOW, io::ErrorKind::TimedOut)),
            Ok(None) => return None,
            Ok(Some(Err(e))) => Err(e),
            Ok(Some(Ok(chunk))) if chunk.len() > s.remaining => {
                Err(s.fail(TOO_LARGE, io::ErrorKind::InvalidData))
            }
            Ok(Some(Ok(chunk))) => {
                s.remaining -= chunk.len();
                Ok(chunk)
            }
        };
        Some((item, s))
    })
}

impl<S> Bounded<S> {
    fn fail(&mut self, verdict: u8, kind: io::ErrorKind) -> io::Error {
        self.done = true;
        self.verdict.store(verdict, Ordering::Release);
        io::Error::new(kind, "request body over its limit")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunks(n: usize, size: usize) -> impl Stream<Item = io::Result<Bytes>> + Unpin {
        futures_util::stream::iter((0..n).map(move |_| Ok(Bytes::from(vec![b'a'; size]))))
    }

    #[tokio::test]
    async fn a_body_within_the_limit_passes_unchanged() {
        let verdict = Arc::new(AtomicU8::new(WITHIN));
        let out: Vec<_> = bounded(chunks(4, 10), 40, Duration::from_secs(60), verdict.clone())
            .collect()
            .await;
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(Result::is_ok));
        assert_eq!(verdict.load(Ordering::Acquire), WITHIN);
    }

    #[tokio::test]
    async fn a_body_over_the_limit_ends_with_an_error() {
        let verdict = Arc::new(AtomicU8::new(WITHIN));
        let out: Vec<_> = bounded(chunks(5, 10), 40, Duration::from_secs(60), verdict.clone())
            .collect()
            .await;
        assert_eq!(out.len(), 5);
        assert!(out[4].is_err());
        assert_eq!(verdict.load(Ordering::Acquire), TOO_LARGE);
    }

    #[tokio::test]
    async fn a_body_that_stalls_ends_at_its_deadline() {
        let verdict = Arc::new(AtomicU8::new(WITHIN));
        let stalled = chunks(1, 10).chain(futures_util::stream::pending());
        let out: Vec<_> = bounded(
            Box::pin(stalled),
            40,
            Duration::from_millis(200),
            verdict.clone(),
        )
        .collect()
        .await;
        assert_eq!(out.len(), 2);
        assert_eq!(verdict.load(Ordering::Acquire), TOO_SLOW);
    }
}
