//! Operations: `/metrics` (off by default; route templates, never raw paths; syncs by
//! provider and outcome; last good sync per connection; database size), `GET /` to the
//! docs, gzip for the docs assets.

use std::io::Read;

use reqwest::{Method, StatusCode};

use crate::helpers::{assert_error, send, spawn_app, spawn_with};

#[tokio::test]
async fn metrics_are_off_by_default() {
    let app = spawn_app().await;
    let (status, body) = send(app.req(Method::GET, "/metrics")).await;
    assert_error(status, &body, 404, "NOT_FOUND");
}

#[tokio::test]
async fn metrics_count_route_templates_syncs_and_connection_age() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 0;
        c.demo = true;
        c.metrics = true;
    })
    .await;
    let (_, conn) = app.demo_connection("demo_good").await;
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    let user_id = conn["user_id"].as_str().unwrap().to_owned();
    app.wait_for_sync(&conn_id).await;
    let (status, _) = app.get(&format!("/api/v1/users/{user_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let token = "tok_secret_in_the_path_1234567890";
    let _ = app
        .client
        .get(app.url(&format!("/link/{token}")))
        .send()
        .await
        .unwrap();
    let _ = app
        .client
        .get(app.url("/no/such/page"))
        .send()
        .await
        .unwrap();

    let resp = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let ctype = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ctype.starts_with("application/openmetrics-text"), "{ctype}");
    let text = resp.text().await.unwrap();
    for want in [
        r#"breadbox_http_requests_total{method="GET",route="/api/v1/users/{id}",status="200"} 1"#,
        r#"breadbox_http_requests_total{method="POST",route="/api/v1/connections",status="201"} 1"#,
        r#"route="/link/:token""#,
        r#"breadbox_http_requests_total{method="GET",route="other",status="404"} 1"#,
        r#"breadbox_http_request_duration_seconds_bucket{le="0.001",method="GET",route="/api/v1/users/{id}"}"#,
        r#"breadbox_syncs_total{provider="demo",outcome="success"} 1"#,
        &format!(
            r#"breadbox_connection_last_sync_age_seconds{{connection_id="{conn_id}",provider="demo"}}"#
        ),
        "breadbox_database_size_bytes ",
        r#"breadbox_build_info{version=""#,
    ] {
        assert!(text.contains(want), "missing {want} in:\n{text}");
    }
    assert!(
        !text.contains(token),
        "a token from a path reached the metrics"
    );
    assert!(!text.contains(&user_id), "a raw path reached the metrics");
    let size: u64 = text
        .lines()
        .find_map(|l| l.strip_prefix("breadbox_database_size_bytes "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(size > 4096, "{size}");
}

#[tokio::test]
async fn the_root_redirects_to_the_docs() {
    let app = spawn_app().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()["location"], "/docs");
}

#[tokio::test]
async fn docs_and_spec_are_gzipped_for_clients_that_accept_it() {
    let app = spawn_app().await;
    for path in ["/docs", "/openapi.json"] {
        let plain = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(plain.status(), 200);
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap();
        for _ in 0..2 {
            // The second time comes from the cache.
            let resp = app
                .client
                .get(app.url(path))
                .header("accept-encoding", "br;q=1.0, gzip;q=0.8")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.headers()["content-encoding"], "gzip", "{path}");
            assert_eq!(resp.headers()["vary"], "accept-encoding");
            let packed = resp.bytes().await.unwrap();
            let mut unpacked = Vec::new();
            flate2::read::GzDecoder::new(packed.as_ref())
                .read_to_end(&mut unpacked)
                .unwrap();
            assert_eq!(unpacked, plain.as_ref(), "{path}");
            assert!(
                packed.len() * 3 < plain.len(),
                "{path}: {} of {}",
                packed.len(),
                plain.len()
            );
        }
    }
    let refused = app
        .client
        .get(app.url("/docs"))
        .header("accept-encoding", "gzip;q=0")
        .send()
        .await
        .unwrap();
    assert!(refused.headers().get("content-encoding").is_none());
}
