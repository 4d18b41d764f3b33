//! Clients that send slowly, too much, or not at all: the key is checked before a body is
//! read, heads and bodies have deadlines, open connections are capped, and what hyper
//! refuses to parse still comes back in the error envelope. Raw sockets, since an HTTP
//! client library will not send these requests.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::helpers::*;

/// Reads until the server closes or `within` passes; `None` when it did not close in time.
async fn read_until_closed(sock: &mut TcpStream, within: Duration) -> Option<String> {
    let mut out = Vec::new();
    match timeout(within, sock.read_to_end(&mut out)).await {
        Ok(_) => Some(String::from_utf8_lossy(&out).into_owned()),
        Err(_) => None,
    }
}

/// The JSON body of a raw HTTP/1.1 answer (content-length framed).
fn body_of(answer: &str) -> Value {
    let body = answer.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {answer}"))
}

/// Sends the head and first chunk of a chunked upload, then stalls.
async fn stalled_upload(app: &TestApp, path: &str, key: Option<&str>) -> TcpStream {
    let mut sock = TcpStream::connect(app.addr).await.unwrap();
    let key = key.map_or(String::new(), |k| format!("X-API-Key: {k}\r\n"));
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\n{key}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    sock.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
        .await
        .unwrap();
    sock.write_all(&chunk).await.unwrap();
    sock.write_all(b"\r\n").await.unwrap();
    sock
}

async fn status_line(sock: &mut TcpStream, within: Duration) -> String {
    let mut buf = vec![0; 4096];
    let n = timeout(within, sock.read(&mut buf))
        .await
        .expect("an answer before the body was sent")
        .unwrap();
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

#[tokio::test]
async fn a_request_without_a_valid_key_is_refused_before_its_body_is_read() {
    let app = spawn_app().await;
    for (key, code) in [
        (None, "MISSING_API_KEY"),
        (Some("bb_not_a_real_key_at_all_000000"), "INVALID_API_KEY"),
    ] {
        let mut sock = stalled_upload(&app, "/api/v1/connections/csv/import", key).await;
        let answer = status_line(&mut sock, Duration::from_secs(10)).await;
        assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
        assert!(answer.contains(code), "{answer}");
    }
}

#[tokio::test]
async fn a_body_that_stalls_is_408_in_the_envelope() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.body_timeout = Duration::from_secs(1);
    })
    .await;
    let key = app.key.clone();
    let mut sock = stalled_upload(&app, "/api/v1/users", Some(&key)).await;
    let answer = status_line(&mut sock, Duration::from_secs(10)).await;
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    let (s, users) = app.get("/api/v1/users").await;
    assert_eq!(s, 200);
    assert_eq!(
        users["data"].as_array().unwrap().len(),
        0,
        "nothing created"
    );
}

#[tokio::test]
async fn a_head_sent_a_byte_at_a_time_is_cut_off_while_others_are_served() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.header_timeout = Duration::from_secs(1);
    })
    .await;
    let mut slow = TcpStream::connect(app.addr).await.unwrap();
    let trickle = async {
        for b in b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Padding: aaaaaaaaaaaaaaaaaaaa" {
            if slow.write_all(&[*b]).await.is_err() {
                return true; // the server closed the connection
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        false
    };
    let (cut, (s, _)) = tokio::join!(trickle, app.get("/api/v1/users"));
    assert_eq!(s, 200, "a normal request is served meanwhile");
    let closed = cut
        || read_until_closed(&mut slow, Duration::from_secs(3))
            .await
            .is_some();
    assert!(closed, "the trickling connection was not closed");
}

#[tokio::test]
async fn an_idle_kept_alive_connection_is_closed_after_the_header_timeout() {
    let app = spawn_with(|c| c.header_timeout = Duration::from_secs(1)).await;
    let mut sock = TcpStream::connect(app.addr).await.unwrap();
    sock.write_all(b"GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut sock, Duration::from_secs(5))
        .await
        .expect("closed within the timeout");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.max_connections = 2;
        c.header_timeout = Duration::from_secs(30);
    })
    .await;
    let holders = [
        TcpStream::connect(app.addr).await.unwrap(),
        TcpStream::connect(app.addr).await.unwrap(),
    ];
    // Give the server a moment to accept both (taking both slots).
    tokio::time::sleep(Duration::from_millis(300)).await;
    let client = reqwest::Client::new();
    let url = app.url("/health");
    let waiting = tokio::spawn(async move { client.get(url).send().await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served over the cap of 2"
    );
    drop(holders);
    let status = timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a slot was free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn what_hyper_cannot_parse_still_gets_the_envelope() {
    let app = spawn_app().await;
    let long_uri = format!("/api/v1/users?search={}", "a".repeat(20 * 1024));
    let huge_header = format!("X-Big: {}\r\n", "b".repeat(70 * 1024));
    let many_headers = (0..120).fold(String::new(), |mut out, i| {
        let _ = write!(out, "X-H{i}: v\r\n");
        out
    });
    for (head, status, code) in [
        (
            format!(
                "GET {long_uri} HTTP/1.1\r\nHost: localhost\r\nX-API-Key: {}\r\nConnection: close\r\n\r\n",
                app.key
            ),
            "414",
            "URI_TOO_LONG",
        ),
        (
            format!(
                "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
                "a".repeat(70 * 1024)
            ),
            "431",
            "HEADERS_TOO_LARGE",
        ),
        (
            format!("GET /health HTTP/1.1\r\nHost: localhost\r\n{huge_header}\r\n"),
            "431",
            "HEADERS_TOO_LARGE",
        ),
        (
            format!("GET /health HTTP/1.1\r\nHost: localhost\r\n{many_headers}\r\n"),
            "431",
            "HEADERS_TOO_LARGE",
        ),
        (
            "GET /health HTTP/1.1\r\nHost: local\x01host\r\nBad Header\r\n\r\n".to_owned(),
            "400",
            "BAD_REQUEST",
        ),
    ] {
        let mut sock = TcpStream::connect(app.addr).await.unwrap();
        let _ = sock.write_all(head.as_bytes()).await;
        let answer = read_until_closed(&mut sock, Duration::from_secs(5))
            .await
            .expect("answered and closed");
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{answer}"
        );
        let body = body_of(&answer);
        assert_eq!(body["error"]["code"], code, "{answer}");
    }
    let (s, _) = app.get("/health").await;
    assert_eq!(s, 200);
}
