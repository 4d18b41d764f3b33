use std::collections::HashSet;

use crate::helpers::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn create_get_by_uuid_and_short_id() {
    let app = spawn_app().await;
    let (s, user) = app
        .post(
            "/api/v1/users",
            json!({"name": "  Ada  ", "email": "ada@example.com"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(user["name"], "Ada");
    assert_eq!(user["email"], "ada@example.com");
    let id = user["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);
    let short = user["short_id"].as_str().unwrap();
    assert_eq!(short.len(), 8);
    assert!(user["created_at"].as_str().unwrap().ends_with('Z'));
    for path_id in [id, short] {
        let (s, got) = app.get(&format!("/api/v1/users/{path_id}")).await;
        assert_eq!(s, 200);
        assert_eq!(got, user);
    }
}

#[tokio::test]
async fn unknown_or_malformed_ids_are_404() {
    let app = spawn_app().await;
    for id in [
        "ZZZZZZZZ",
        "not-a-valid-id",
        &uuid::Uuid::now_v7().to_string(),
    ] {
        let (s, b) = app.get(&format!("/api/v1/users/{id}")).await;
        assert_error(s, &b, 404, "NOT_FOUND");
    }
}

#[tokio::test]
async fn email_is_optional_and_null_when_absent() {
    let app = spawn_app().await;
    let user = app.create_user("Bo").await;
    assert!(user["email"].is_null());
    assert!(user.as_object().unwrap().contains_key("email"));
}

#[tokio::test]
async fn duplicate_email_is_a_conflict() {
    let app = spawn_app().await;
    let (s, _) = app
        .post(
            "/api/v1/users",
            json!({"name": "A", "email": "same@example.com"}),
        )
        .await;
    assert_eq!(s, 201);
    let (s, b) = app
        .post(
            "/api/v1/users",
            json!({"name": "B", "email": "SAME@example.com"}),
        )
        .await;
    assert_error(s, &b, 409, "CONFLICT");
}

#[tokio::test]
async fn patch_changes_only_what_is_sent_and_null_clears_email() {
    let app = spawn_app().await;
    let (_, user) = app
        .post(
            "/api/v1/users",
            json!({"name": "Cy", "email": "cy@example.com"}),
        )
        .await;
    let path = format!("/api/v1/users/{}", user["short_id"].as_str().unwrap());
    let (s, u) = app.patch(&path, json!({"name": "Cyrus"})).await;
    assert_eq!(s, 200);
    assert_eq!(
        (u["name"].as_str(), u["email"].as_str()),
        (Some("Cyrus"), Some("cy@example.com"))
    );
    let (s, u) = app.patch(&path, json!({"email": null})).await;
    assert_eq!(s, 200);
    assert!(u["email"].is_null());
    assert_eq!(u["name"], "Cyrus");
    let (s, b) = app
        .patch("/api/v1/users/ZZZZZZZZ", json!({"name": "x"}))
        .await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn delete_removes_the_user() {
    let app = spawn_app().await;
    let user = app.create_user("Dee").await;
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let (s, body) = app.delete(&path).await;
    assert_eq!(s, 204);
    assert!(body.is_null());
    let (s, b) = app.get(&path).await;
    assert_error(s, &b, 404, "NOT_FOUND");
    let (s, b) = app.delete(&path).await;
    assert_error(s, &b, 404, "NOT_FOUND");
}

#[tokio::test]
async fn list_pages_through_every_user_in_name_order_without_gaps() {
    let app = spawn_app().await;
    let mut names: Vec<String> = (0..23)
        .map(|i| format!("user-{:02}", (i * 7) % 23))
        .collect();
    // Same name twice: the id breaks the tie.
    names.push("user-05".into());
    for n in &names {
        app.create_user(n).await;
    }
    let mut seen = Vec::new();
    let mut ids = HashSet::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/users?limit=5&cursor={c}"),
            None => "/api/v1/users?limit=5".to_owned(),
        };
        let (s, page) = app.get(&path).await;
        assert_eq!(s, 200);
        assert_eq!(page["pagination"]["limit"], 5);
        for u in page["data"].as_array().unwrap() {
            assert!(
                ids.insert(u["id"].as_str().unwrap().to_owned()),
                "duplicate"
            );
            seen.push(u["name"].as_str().unwrap().to_owned());
        }
        pages += 1;
        if page["pagination"]["has_more"] == false {
            assert!(page["pagination"]["next_cursor"].is_null());
            break;
        }
        cursor = Some(
            page["pagination"]["next_cursor"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    names.sort();
    assert_eq!(seen, names);
    assert_eq!(pages, 5);
}

#[tokio::test]
async fn default_limit_is_100() {
    let app = spawn_app().await;
    let (s, page) = app.get("/api/v1/users").await;
    assert_eq!(s, 200);
    assert_eq!(page["pagination"]["limit"], 100);
    assert_eq!(page["pagination"]["has_more"], false);
    assert!(page["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn read_only_keys_read_but_cannot_write() {
    let app = spawn_app().await;
    let user = app.create_user("Eve").await;
    let ro = Some(app.ro_key.as_str());
    let (s, _) = send(app.req_as(Method::GET, "/api/v1/users", ro)).await;
    assert_eq!(s, 200);
    let (s, _) = send(app.req_as(
        Method::GET,
        &format!("/api/v1/users/{}", user["id"].as_str().unwrap()),
        ro,
    ))
    .await;
    assert_eq!(s, 200);
    let (s, b) = send(
        app.req_as(Method::POST, "/api/v1/users", ro)
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let path = format!("/api/v1/users/{}", user["id"].as_str().unwrap());
    let (s, b) = send(
        app.req_as(Method::PATCH, &path, ro)
            .json(&json!({"name": "x"})),
    )
    .await;
    assert_error(s, &b, 403, "FORBIDDEN");
    let (s, b) = send(app.req_as(Method::DELETE, &path, ro)).await;
    assert_error(s, &b, 403, "FORBIDDEN");
}
