//! Graceful shutdown lets an in-flight request finish.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_app, ADMIN_PASSWORD};

#[tokio::test]
async fn an_in_flight_request_completes_during_shutdown() {
    let mut app = spawn_app().await;
    let body = format!("{{\"password\": \"{ADMIN_PASSWORD}\"}}");
    let mut stream = TcpStream::connect(("127.0.0.1", app.port)).await.unwrap();
    // Send the headers now and the body later: the request is in flight meanwhile.
    let head = format!(
        "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    app.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused once shutdown began.
    let refused =
        tokio::time::timeout(Duration::from_secs(2), reqwest::get(app.url("/api/health"))).await;
    assert!(
        !matches!(refused, Ok(Ok(ref r)) if r.status() == 200),
        "no new requests accepted"
    );

    stream.write_all(body.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut response))
        .await
        .expect("response arrives")
        .unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("token"));
    app.stop().await;
}
