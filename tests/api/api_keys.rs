use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn missing_invalid_and_malformed_keys_are_401() {
    let app = spawn_app().await;
    let (s, b) = send(app.req_as(Method::GET, "/api/v1/users", None)).await;
    assert_error(s, &b, 401, "MISSING_API_KEY");
    // Right shape, right prefix, wrong secret: argon2 runs and fails.
    let wrong = format!("{}{}", &app.key[..11], "0".repeat(app.key.len() - 11));
    for bad in [
        "nope",
        "bb_",
        "bb_!!!!!!!!!!!!",
        "bb_0000000000000000000000000000000000000000000",
        wrong.as_str(),
    ] {
        let (s, b) = send(app.req_as(Method::GET, "/api/v1/users", Some(bad))).await;
        assert_error(s, &b, 401, "INVALID_API_KEY");
    }
}

#[tokio::test]
async fn created_key_is_shown_once_and_works() {
    let app = spawn_app().await;
    let (s, created) = app
        .post(
            "/api/v1/api-keys",
            json!({"name": "script", "scope": "read_only"}),
        )
        .await;
    assert_eq!(s, 201, "{created}");
    let key = created["key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("bb_") && key.len() >= 43);
    assert_eq!(created["key_prefix"], key[..11]);
    assert_eq!(created["scope"], "read_only");
    assert!(created["last_used_at"].is_null() && created["revoked_at"].is_null());
    let (s, me) = send(app.req_as(Method::GET, "/api/v1/api-keys/me", Some(&key))).await;
    assert_eq!(s, 200);
    assert_eq!(me["id"], created["id"]);
    assert!(me.get("key").is_none(), "secret leaked: {me}");
    assert!(
        me["last_used_at"].as_str().is_some(),
        "last_used_at not recorded: {me}"
    );
}

#[tokio::test]
async fn default_scope_is_full_access_and_bad_scope_is_422() {
    let app = spawn_app().await;
    let (s, created) = app.post("/api/v1/api-keys", json!({"name": "x"})).await;
    assert_eq!(s, 201);
    assert_eq!(created["scope"], "full_access");
    let (s, b) = app
        .post("/api/v1/api-keys", json!({"name": "x", "scope": "root"}))
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
    let (s, b) = app
        .post("/api/v1/api-keys", json!({"scope": "read_only"}))
        .await;
    assert_error(s, &b, 422, "VALIDATION_ERROR");
}

#[tokio::test]
async fn list_is_newest_first_and_never_shows_secrets() {
    let app = spawn_app().await;
    for n in ["k1", "k2", "k3"] {
        app.post("/api/v1/api-keys", json!({"name": n})).await;
    }
    let (s, list) = app.get("/api/v1/api-keys?limit=2").await;
    assert_eq!(s, 200);
    let data = list["data"].as_array().unwrap();
    assert_eq!(data.len(), 2);
    assert_eq!(data[0]["name"], "k3");
    assert_eq!(data[1]["name"], "k2");
    let text = list.to_string();
    assert!(
        !text.contains("argon2") && !text.contains("\"key\""),
        "{text}"
    );
    let cursor = list["pagination"]["next_cursor"].as_str().unwrap();
    let (_, rest) = app
        .get(&format!("/api/v1/api-keys?limit=2&cursor={cursor}"))
        .await;
    let names: Vec<_> = rest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["name"].clone())
        .collect();
    // 5 keys in all: k3, k2 | k1, reader, admin (the last two minted at spawn).
    assert_eq!(names[0], "k1");
}

#[tokio::test]
async fn revoked_key_fails_on_the_very_next_request() {
    let app = spawn_app().await;
    let (_, created) = app.post("/api/v1/api-keys", json!({"name": "temp"})).await;
    let key = created["key"].as_str().unwrap().to_owned();
    let (s, _) = send(app.req_as(Method::GET, "/api/v1/users", Some(&key))).await;
    assert_eq!(s, 200);
    let (s, _) = app
        .delete(&format!(
            "/api/v1/api-keys/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(s, 204);
    let (s, b) = send(app.req_as(Method::GET, "/api/v1/users", Some(&key))).await;
    assert_error(s, &b, 401, "REVOKED_API_KEY");
    let (_, list) = app.get("/api/v1/api-keys").await;
    let row = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == created["id"])
        .unwrap()
        .clone();
    assert!(row["revoked_at"].as_str().is_some());
}

#[tokio::test]
async fn revoking_an_unknown_key_is_404() {
    let app = spawn_app().await;
    let (s, b) = app
        .delete(&format!("/api/v1/api-keys/{}", uuid::Uuid::now_v7()))
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn key_routes_need_full_access_except_me() {
    let app = spawn_app().await;
    let ro = Some(app.ro_key.as_str());
    let (s, b) = send(app.req_as(Method::GET, "/api/v1/api-keys", ro)).await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = send(
        app.req_as(Method::POST, "/api/v1/api-keys", ro)
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = send(app.req_as(
        Method::DELETE,
        &format!("/api/v1/api-keys/{}", uuid::Uuid::now_v7()),
        ro,
    ))
    .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, me) = send(app.req_as(Method::GET, "/api/v1/api-keys/me", ro)).await;
    assert_eq!(s, 200);
    assert_eq!(me["scope"], "read_only");
}

#[tokio::test]
async fn last_used_at_reaches_the_database_in_batches() {
    let app = spawn_app().await;
    let (_, me) = app.get("/api/v1/api-keys/me").await;
    let id = uuid::Uuid::parse_str(me["id"].as_str().unwrap()).unwrap();
    app.state.auth.flush_last_used().await.unwrap();
    let stored: Option<i64> = app
        .state
        .db
        .read(move |c| Ok(breadbox::store::api_keys::get(c, id)?.and_then(|k| k.last_used_at)))
        .await
        .unwrap();
    assert!(stored.is_some());
}

/// A key revoked through the API fails from the first request that starts after the 204,
/// even when a verify of that same key was queued behind a flood of wrong keys before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn revocation_holds_even_against_verifies_queued_before_it() {
    let app = spawn_app().await;
    let (_, created) = app
        .post("/api/v1/api-keys", json!({"name": "victim"}))
        .await;
    let victim = created["key"].as_str().unwrap().to_owned();
    let id = created["id"].as_str().unwrap().to_owned();
    let wrong = format!("{}{}", &victim[..11], "0".repeat(victim.len() - 11));
    let mut flood = vec![];
    for _ in 0..40 {
        flood.push(tokio::spawn(send(app.req_as(
            Method::GET,
            "/api/v1/users",
            Some(&wrong),
        ))));
    }
    // Queued behind the flood: its row is read before the revocation lands.
    let queued = tokio::spawn(send(app.req_as(
        Method::GET,
        "/api/v1/users",
        Some(&victim),
    )));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    let (s, b) = app.delete(&format!("/api/v1/api-keys/{id}")).await;
    assert_eq!(s, 204, "{b}");
    let _ = queued.await.unwrap();
    let (s, b) = send(app.req_as(Method::GET, "/api/v1/users", Some(&victim))).await;
    assert_error(s, &b, 401, "REVOKED_API_KEY");
    let (s, b) = send(
        app.req_as(Method::POST, "/api/v1/users", Some(&victim))
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_error(s, &b, 401, "REVOKED_API_KEY");
    for f in flood {
        let (s, _) = f.await.unwrap();
        assert_eq!(s, 401);
    }
}

#[tokio::test]
async fn a_flood_of_wrong_keys_from_one_client_draws_429_with_retry_after() {
    let app = spawn_with(|c| c.rate_limit_rpm = 6000).await;
    let (s, _) = app.get("/api/v1/users").await;
    assert_eq!(s, 200, "verified once, then cached");
    let wrong = format!("{}{}", &app.key[..11], "0".repeat(app.key.len() - 11));
    let mut limited = None;
    for _ in 0..40 {
        let resp = app
            .req_as(Method::GET, "/api/v1/users", Some(&wrong))
            .send()
            .await
            .unwrap();
        if resp.status() == 429 {
            limited = Some(resp);
            break;
        }
        assert_eq!(resp.status(), 401);
    }
    let resp = limited.expect("wrong keys must be rate limited per client");
    assert!(resp.headers().contains_key("retry-after"));
    let (s, b) = split(resp).await;
    assert_error(s, &b, 429, "RATE_LIMITED");
    // The key verified before the flood is still served to the same client.
    let (s, _) = app.get("/api/v1/users").await;
    assert_eq!(s, 200);
}
