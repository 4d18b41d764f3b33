//! Fake upstream servers on loopback for provider tests: serve any poem endpoint over plain
//! HTTP or over TLS that demands a client certificate, mint a throwaway PKI with `rcgen`,
//! and keep a journal of what the real client sent. The provider fakes (`simplefin`,
//! `teller`) build on this; another provider's fake can too.

#![allow(dead_code)]

pub mod simplefin;
pub mod teller;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use poem::listener::{Acceptor, TcpAcceptor};
use poem::web::{LocalAddr, RemoteAddr};
use poem::{Endpoint, EndpointExt, IntoEndpoint, Request, Server};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio_rustls::rustls;

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: Vec<(String, String)>,
}

impl Seen {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Every request a fake received, in order.
#[derive(Clone, Default)]
pub struct Journal(Arc<Mutex<Vec<Seen>>>);

impl Journal {
    fn push(&self, req: &Request) {
        let query = url::form_urlencoded::parse(req.uri().query().unwrap_or("").as_bytes())
            .into_owned()
            .collect();
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        self.0.lock().unwrap().push(Seen {
            method: req.method().to_string(),
            path: req.uri().path().to_owned(),
            query,
            headers,
        });
    }

    pub fn all(&self) -> Vec<Seen> {
        self.0.lock().unwrap().clone()
    }

    /// Requests whose path ends with `suffix`.
    pub fn to(&self, suffix: &str) -> Vec<Seen> {
        self.all()
            .into_iter()
            .filter(|s| s.path.ends_with(suffix))
            .collect()
    }

    pub fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

/// A running fake; stops when dropped.
pub struct Fake {
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub base: String,
    pub journal: Journal,
    /// TLS handshakes the fake refused (e.g. no client certificate).
    pub refused_handshakes: Arc<AtomicUsize>,
    stop: Option<oneshot::Sender<()>>,
}

impl Drop for Fake {
    fn drop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
    }
}

fn journaled<E>(ep: E, journal: Journal) -> impl Endpoint + 'static
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    ep.into_endpoint().around(move |ep, req| {
        let journal = journal.clone();
        async move {
            journal.push(&req);
            ep.call(req).await
        }
    })
}

/// Serves `ep` over plain HTTP on loopback.
pub async fn serve_http<E>(ep: E) -> Fake
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = TcpAcceptor::from_tokio(listener).unwrap();
    start(acceptor, addr, format!("http://{addr}"), ep, Arc::default())
}

/// Serves `ep` over TLS with `pki`'s server certificate; with `require_client_cert`, a
/// client must present a certificate signed by `pki`'s CA or the handshake fails.
pub async fn serve_tls<E>(ep: E, pki: &Pki, require_client_cert: bool) -> Fake
where
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let refused = Arc::new(AtomicUsize::new(0));
    let acceptor = TlsAcceptor {
        listener,
        addr,
        tls: tokio_rustls::TlsAcceptor::from(Arc::new(pki.server_config(require_client_cert))),
        refused: refused.clone(),
    };
    start(acceptor, addr, format!("https://{addr}"), ep, refused)
}

fn start<A, E>(
    acceptor: A,
    addr: SocketAddr,
    base: String,
    ep: E,
    refused: Arc<AtomicUsize>,
) -> Fake
where
    A: Acceptor + 'static,
    E: IntoEndpoint,
    E::Endpoint: 'static,
{
    let journal = Journal::default();
    let app = journaled(ep, journal.clone());
    let (tx, rx) = oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = Server::new_with_acceptor(acceptor)
            .run_with_graceful_shutdown(
                app,
                async {
                    let _ = rx.await;
                },
                Some(Duration::from_secs(1)),
            )
            .await;
    });
    Fake {
        addr,
        base,
        journal,
        refused_handshakes: refused,
        stop: Some(tx),
    }
}

/// Accepts TCP, then completes the TLS handshake; refused handshakes are counted and skipped.
struct TlsAcceptor {
    listener: TcpListener,
    addr: SocketAddr,
    tls: tokio_rustls::TlsAcceptor,
    refused: Arc<AtomicUsize>,
}

impl Acceptor for TlsAcceptor {
    type Io = tokio_rustls::server::TlsStream<TcpStream>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![LocalAddr(self.addr.into())]
    }

    async fn accept(
        &mut self,
    ) -> std::io::Result<(Self::Io, LocalAddr, RemoteAddr, poem::http::uri::Scheme)> {
        loop {
            let (tcp, remote) = self.listener.accept().await?;
            let handshake = tokio::time::timeout(Duration::from_secs(5), self.tls.accept(tcp));
            if let Ok(Ok(stream)) = handshake.await {
                return Ok((
                    stream,
                    LocalAddr(self.addr.into()),
                    RemoteAddr(remote.into()),
                    poem::http::uri::Scheme::HTTPS,
                ));
            }
            self.refused.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// A throwaway PKI (every field is PEM text): a CA, a server certificate for 127.0.0.1/localhost, a client
/// certificate signed by the CA, and a client certificate from a stranger CA.
pub struct Pki {
    pub ca: String,
    pub server_cert: String,
    pub server_key: String,
    pub client_cert: String,
    pub client_key: String,
    pub stranger_cert: String,
    pub stranger_key: String,
}

fn ca(name: &str) -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    (params.self_signed(&key).unwrap(), key)
}

fn leaf(
    sans: &[&str],
    cn: &str,
    usage: rcgen::ExtendedKeyUsagePurpose,
    issuer: &(rcgen::Certificate, rcgen::KeyPair),
) -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let names: Vec<String> = sans.iter().map(|s| (*s).to_owned()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, &issuer.0, &issuer.1).unwrap();
    (cert.pem(), key.serialize_pem())
}

impl Pki {
    pub fn new() -> Self {
        use rcgen::ExtendedKeyUsagePurpose::{ClientAuth, ServerAuth};
        let authority = ca("Breadbox test CA");
        let stranger = ca("Somebody else's CA");
        let (server_cert, server_key) = leaf(
            &["127.0.0.1", "localhost"],
            "fake upstream",
            ServerAuth,
            &authority,
        );
        let (client_cert, client_key) = leaf(&[], "app_test", ClientAuth, &authority);
        let (stranger_cert, stranger_key) = leaf(&[], "intruder", ClientAuth, &stranger);
        Self {
            ca: authority.0.pem(),
            server_cert,
            server_key,
            client_cert,
            client_key,
            stranger_cert,
            stranger_key,
        }
    }

    fn server_config(&self, require_client_cert: bool) -> rustls::ServerConfig {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = vec![CertificateDer::from_pem_slice(self.server_cert.as_bytes()).unwrap()];
        let key = PrivateKeyDer::from_pem_slice(self.server_key.as_bytes()).unwrap();
        let builder = rustls::ServerConfig::builder();
        let builder = if require_client_cert {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(self.ca.as_bytes()).unwrap())
                .unwrap();
            let verifier = rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
                .build()
                .unwrap();
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        builder.with_single_cert(certs, key).unwrap()
    }

    /// Writes the files an operator would configure; returns (certificate, key, ca) paths.
    pub fn write_client_files(&self, dir: &Path, stranger: bool) -> (PathBuf, PathBuf, PathBuf) {
        let (cert, key) = if stranger {
            (&self.stranger_cert, &self.stranger_key)
        } else {
            (&self.client_cert, &self.client_key)
        };
        let paths = (
            dir.join("certificate.pem"),
            dir.join("private_key.pem"),
            dir.join("ca.pem"),
        );
        std::fs::write(&paths.0, cert).unwrap();
        std::fs::write(&paths.1, key).unwrap();
        std::fs::write(&paths.2, &self.ca).unwrap();
        paths
    }
}
