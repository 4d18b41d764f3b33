//! The accept loop: hyper serving the poem app, with the limits a server on a home network
//! still needs against slow or careless clients. At most `max_connections` are open at once
//! (more wait in the listen backlog); a request head, and the next request on a kept-alive
//! connection, must arrive within `header_timeout`; hyper's own bodiless answers to requests
//! it cannot parse become the error envelope (`wire`); shutdown lets requests in flight
//! finish within the grace period.

mod wire;

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use poem::http::uri::Scheme;
use poem::{Endpoint, EndpointExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// hyper's read buffer per connection: the largest request head it accepts (431 beyond).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// What the loop enforces.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    /// How long requests in flight may take to finish once shutdown starts.
    pub grace: Duration,
}

/// Serves `app` on `listener` until `shutdown` resolves, then drains connections.
pub async fn serve<E>(
    listener: TcpListener,
    app: E,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> io::Result<()>
where
    E: Endpoint + 'static,
{
    let app = Arc::new(app.map_to_response());
    let local = listener.local_addr()?;
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let builder = builder(&limits);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => slot.map_err(io::Error::other)?,
        };
        let (stream, remote) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let io = TokioIo::new(wire::EnvelopeParseErrors::new(stream));
        let conn = builder
            .serve_connection_with_upgrades(io, service(app.clone(), local, remote))
            .into_owned();
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(limits.grace) => {
            tracing::warn!(grace_s = limits.grace.as_secs(), "requests still running after the grace period were cut off");
        }
    }
    Ok(())
}

fn builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_HEAD_BYTES);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(limits.header_timeout))
        .keep_alive_timeout(limits.header_timeout)
        .max_header_list_size(u32::try_from(MAX_HEAD_BYTES).unwrap_or(u32::MAX));
    builder
}

type Reply = hyper::Response<BoxBody<Bytes, io::Error>>;

/// The hyper service for one connection: each request becomes a poem request carrying the
/// connection's addresses (the rate limiter keys unauthenticated clients on the remote IP).
fn service<E>(
    app: Arc<E>,
    local: SocketAddr,
    remote: SocketAddr,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = Reply,
    Error = Infallible,
    Future = impl Future<Output = Result<Reply, Infallible>> + Send,
> + Clone
+ Send
+ 'static
where
    E: Endpoint<Output = poem::Response> + 'static,
{
    hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
        let app = app.clone();
        async move {
            let req = poem::Request::from((
                req,
                poem::web::LocalAddr(poem::Addr::SocketAddr(local)),
                poem::web::RemoteAddr(poem::Addr::SocketAddr(remote)),
                Scheme::HTTP,
            ));
            Ok::<Reply, Infallible>(app.get_response(req).await.into())
        }
    })
}
