use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn unknown_paths_and_wrong_methods_get_the_envelope() {
    let app = spawn_app().await;
    let (s, b) = send(app.req(Method::GET, "/api/v1/nope")).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = send(app.req_as(Method::GET, "/nowhere", None)).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = send(app.req(Method::PUT, "/api/v1/users")).await;
    assert_error(s, &b, 405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn a_wrong_method_names_the_allowed_ones() {
    let app = spawn_app().await;
    let user = app.create_user("Allow").await;
    let id = user["id"].as_str().unwrap();
    for (method, path, allow) in [
        (Method::PUT, "/api/v1/users".to_owned(), "GET, POST"),
        (
            Method::PUT,
            format!("/api/v1/users/{id}"),
            "GET, PATCH, DELETE",
        ),
        (Method::POST, "/health".to_owned(), "GET"),
        (Method::DELETE, "/metrics".to_owned(), "GET"),
        (Method::POST, "/docs".to_owned(), "GET"),
        (Method::POST, "/openapi.json".to_owned(), "GET"),
    ] {
        let resp = app.req(method, &path).send().await.unwrap();
        assert_eq!(resp.status(), 405, "{path}");
        let mut got: Vec<String> = resp.headers()["allow"]
            .to_str()
            .unwrap()
            .split(", ")
            .map(str::to_owned)
            .collect();
        got.sort();
        let mut want: Vec<&str> = allow.split(", ").collect();
        want.sort_unstable();
        assert_eq!(got, want, "{path}");
        let (s, b) = split(resp).await;
        assert_error(s, &b, 405, "METHOD_NOT_ALLOWED");
    }
}

#[tokio::test]
async fn error_responses_are_json() {
    let app = spawn_app().await;
    let resp = app.req(Method::GET, "/api/v1/nope").send().await.unwrap();
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("application/json"), "{ct}");
}

#[tokio::test]
async fn malformed_json_is_422_naming_the_problem() {
    let app = spawn_app().await;
    let raw = |body: &'static str| {
        app.req(Method::POST, "/api/v1/users")
            .header("content-type", "application/json")
            .body(body)
    };
    let (s, b) = send(raw("{\"name\":")).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let (s, b) = send(raw("{\"nam\":\"x\"}")).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(
        b["error"]["message"].as_str().unwrap().contains("`name`"),
        "{b}"
    );
    let (s, b) = send(raw("{\"name\":42}")).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(
        b["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`name` must be a string"),
        "{b}"
    );
    let (s, b) = send(raw("[1,2]")).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let (s, b) = send(raw("")).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn field_rules_are_422_naming_the_field() {
    let app = spawn_app().await;
    let (s, b) = app.post("/api/v1/users", json!({"name": "   "})).await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(b["error"]["message"].as_str().unwrap().contains("name"));
    let (s, b) = app
        .post("/api/v1/users", json!({"name": "x".repeat(201)}))
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let (s, b) = app
        .post(
            "/api/v1/users",
            json!({"name": "Al", "email": "not-an-email"}),
        )
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    assert!(b["error"]["message"].as_str().unwrap().contains("email"));
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let (s, b) = send(
        app.req(Method::POST, "/api/v1/users")
            .header("content-type", "text/plain")
            .body("name=x"),
    )
    .await;
    assert_error(s, &b, 415, "UNSUPPORTED_MEDIA_TYPE");
}

#[tokio::test]
async fn bad_query_parameters_are_400() {
    let app = spawn_app().await;
    for q in ["limit=0", "limit=501", "limit=abc", "limit=-1"] {
        let (s, b) = app.get(&format!("/api/v1/users?{q}")).await;
        assert_error(s, &b, 400, "INVALID_PARAMETER");
    }
    for c in ["abc", "!!!!", "eyJ4Ijoxfq"] {
        let (s, b) = app.get(&format!("/api/v1/users?cursor={c}")).await;
        assert_error(s, &b, 400, "INVALID_CURSOR");
    }
}

#[tokio::test]
async fn cursor_from_another_list_is_invalid() {
    let app = spawn_app().await;
    for i in 0..3 {
        app.create_user(&format!("u{i}")).await;
    }
    let (_, page) = app.get("/api/v1/users?limit=1").await;
    let cursor = page["pagination"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_owned();
    let (s, b) = app.get(&format!("/api/v1/api-keys?cursor={cursor}")).await;
    assert_error(s, &b, 400, "INVALID_CURSOR");
}

#[tokio::test]
async fn oversized_bodies_are_413() {
    let app = spawn_app().await;
    let big = json!({"name": "x".repeat(1024 * 1024 + 10)});
    let (s, b) = app.post("/api/v1/users", big).await;
    assert_error(s, &b, 413, "PAYLOAD_TOO_LARGE");
    // Chunked (no Content-Length) bodies are limited too.
    assert!(
        chunked_post_status(&app, 2 * 1024 * 1024)
            .await
            .starts_with("HTTP/1.1 413")
    );
}

/// Sends a chunked POST of `size` spaces over a raw socket and returns the status line.
async fn chunked_post_status(app: &TestApp, size: usize) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nX-API-Key: {}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        app.key
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..size / chunk.len() {
        let frame = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        if sock.write_all(&frame).await.is_err() {
            break; // the server may answer and close before we finish
        }
    }
    let _ = sock.write_all(b"0\r\n\r\n").await;
    let mut out = Vec::new();
    let _ = sock.read_to_end(&mut out).await;
    String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn full_disk_is_503_database_unavailable_and_nothing_is_half_written() {
    let app = spawn_app().await;
    // Cap the writer's file at its current size: SQLite then fails writes with SQLITE_FULL,
    // exactly as on a full disk.
    app.state
        .db
        .write(|tx| {
            let pages: i64 = tx.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            tx.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
            Ok(())
        })
        .await
        .unwrap();
    let mut saw_503 = false;
    for i in 0..200 {
        let (s, b) = app
            .post(
                "/api/v1/users",
                json!({"name": format!("{i}{}", "x".repeat(190))}),
            )
            .await;
        if s == 503 {
            assert_error(s, &b, 503, "DATABASE_UNAVAILABLE");
            assert!(!b.to_string().contains("breadbox.db"));
            saw_503 = true;
            break;
        }
        assert_eq!(s, 201, "{b}");
    }
    assert!(saw_503, "the capped database never filled up");
    // Reads keep working.
    let (s, _) = app.get("/api/v1/users").await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn a_bad_status_filter_is_400_listing_the_allowed_values() {
    let app = spawn_app().await;
    let (s, b) = app.get("/api/v1/connections?status=bogus").await;
    assert_error(s, &b, 400, "INVALID_PARAMETER");
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("status") && msg.contains("active, error, pending_reauth, disconnected"),
        "{msg}"
    );
    let (s, b) = app.get("/api/v1/sync/logs?status=done").await;
    assert_error(s, &b, 400, "INVALID_PARAMETER");
    let msg = b["error"]["message"].as_str().unwrap();
    assert!(msg.contains("in_progress, success, error"), "{msg}");
    let (s, b) = app.get("/api/v1/connections?status=pending_reauth").await;
    assert_eq!(s, 200, "{b}");
}
