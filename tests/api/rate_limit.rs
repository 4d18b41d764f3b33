use crate::helpers::*;
use reqwest::Method;

#[tokio::test]
async fn over_the_limit_is_429_with_retry_after() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 60;
        c.rate_limit_burst = 3;
    })
    .await;
    // The first use of a key draws from the client IP's bucket (the key is not yet
    // verified); from then on the key has its own bucket.
    let (s, _) = app.get("/api/v1/users").await;
    assert_eq!(s, 200);
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let resp = app.req(Method::GET, "/api/v1/users").send().await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-ratelimit-limit"], "3");
        remaining.push(
            resp.headers()["x-ratelimit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
        assert!(resp.headers().contains_key("x-ratelimit-reset"));
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let resp = app.req(Method::GET, "/api/v1/users").send().await.unwrap();
    let retry: u64 = resp.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(resp.headers()["x-ratelimit-remaining"], "0");
    let (s, b) = split(resp).await;
    assert_error(s, &b, 429, "RATE_LIMITED");
    // Another key has its own bucket.
    let (s, _) = send(app.req_as(Method::GET, "/api/v1/users", Some(&app.ro_key))).await;
    assert_eq!(s, 200);
}

#[tokio::test]
async fn unauthenticated_floods_are_limited_per_ip() {
    let app = spawn_with(|c| {
        c.rate_limit_rpm = 60;
        c.rate_limit_burst = 2;
    })
    .await;
    for _ in 0..2 {
        let (s, b) =
            send(app.req_as(Method::GET, "/api/v1/users", Some("bb_wrongwrongwrong"))).await;
        assert_error(s, &b, 401, "INVALID_API_KEY");
    }
    let (s, b) = send(app.req_as(Method::GET, "/api/v1/users", Some("bb_wrongwrongwrong"))).await;
    assert_error(s, &b, 429, "RATE_LIMITED");
}

#[tokio::test]
async fn zero_disables_limiting() {
    let app = spawn_app().await;
    for _ in 0..50 {
        let resp = app
            .req(Method::GET, "/api/v1/version")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        assert!(!resp.headers().contains_key("x-ratelimit-limit"));
    }
}
