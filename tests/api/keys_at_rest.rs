//! A credential the server's encryption key cannot open: the sync fails with a message
//! naming the key as the cause (not "internal error"), and the connection keeps its status.

use reqwest::StatusCode;

use crate::helpers::spawn_demo;

#[tokio::test]
async fn a_credential_sealed_with_another_key_fails_the_sync_naming_the_key() {
    let app = spawn_demo().await;
    let (_, conn) = app.demo_connection("demo_good").await;
    let id = conn["id"].as_str().unwrap().to_owned();
    let first = app.wait_for_sync(&id).await;
    assert_eq!(first["last_sync"]["status"], "success");

    let foreign = breadbox::credentials::CredentialCipher::new(&[42; 32])
        .seal("demo_good")
        .unwrap();
    rusqlite::Connection::open(app.state.db.path())
        .unwrap()
        .execute(
            "UPDATE connections SET credentials = ?1",
            rusqlite::params![foreign],
        )
        .unwrap();
    let (status, body) = app
        .post(
            &format!("/api/v1/connections/{id}/sync"),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let after = loop {
        let s = app.wait_for_sync(&id).await;
        if s["last_sync"]["trigger"] == "manual" {
            break s;
        }
        assert!(std::time::Instant::now() < deadline, "{s}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert_eq!(after["last_sync"]["status"], "error", "{after}");
    let message = after["last_sync"]["error_message"].as_str().unwrap();
    assert!(
        message.contains("encryption key is not the one they were sealed with"),
        "{message}"
    );
    assert_eq!(after["status"], "active", "the bank is fine: {after}");
}
