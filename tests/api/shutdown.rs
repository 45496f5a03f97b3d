//! Graceful shutdown lets an in-flight request finish, in process and in the real binary
//! on SIGTERM.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    in_flight, post_head, read_raw_response, spawn_app, spawn_binary, start_raw_request,
    wait_until, ADMIN_PASSWORD,
};

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
    // The server has parsed the head: the request is being served, waiting for its body.
    let metrics = app.state.metrics.clone();
    wait_until(
        "the login request is in flight",
        Duration::from_secs(10),
        || {
            let metrics = metrics.clone();
            async move { metrics.http_requests_in_flight.get() >= 1 }
        },
    )
    .await;

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

#[tokio::test]
async fn sigterm_lets_the_in_flight_request_finish_and_exits_zero() {
    let mut server = spawn_binary(&[("ADMIN_PASSWORD", ADMIN_PASSWORD)]);
    let body = format!("{{\"password\": \"{ADMIN_PASSWORD}\"}}");
    let mut stream =
        start_raw_request(server.port, &post_head("/api/auth/login", body.len())).await;
    // The server has parsed the head: the login is in flight beside the `/metrics` request.
    let metrics_url = server.url("/metrics");
    wait_until(
        "the login request is in flight",
        Duration::from_secs(10),
        || {
            let url = metrics_url.clone();
            async move {
                let text = reqwest::get(url).await.unwrap().text().await.unwrap();
                in_flight(&text) >= 2
            }
        },
    )
    .await;

    server.send_sigterm();
    server
        .wait_for_line(
            |line| line.contains("SIGTERM received"),
            Duration::from_secs(10),
        )
        .expect("the signal is handled");
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream.write_all(body.as_bytes()).await.unwrap();
    let response = read_raw_response(&mut stream, Duration::from_secs(10)).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("token"), "{response}");

    let status = server.wait_for_exit(Duration::from_secs(20));
    assert_eq!(status.code(), Some(0), "{status:?}");
    assert!(
        server
            .seen
            .iter()
            .any(|line| line.contains("shutting down: closing the database")),
        "the database is closed after the drain"
    );
}
