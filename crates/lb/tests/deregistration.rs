//! Deregistration on reload, end to end: a target removed from its group drains, so its
//! in-flight requests finish, and whatever is still open when the deregistration delay (1 s
//! here) expires is cut: 502 while the response head is awaited, a closed connection once the
//! response is streaming, WebSocket tunnels closed; over HTTP/1.1 and HTTP/2.

#![allow(clippy::unwrap_used)]

mod common;
mod net;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{TempDir, TestCa};
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use net::*;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The delay the tests configure.
const DELAY: Duration = Duration::from_secs(1);
/// When a cut must have happened, counted from the reload: the delay plus slack for a busy
/// machine, and well before the target would have answered a held request (`/sleep/6000`).
const CUT_BY: Duration = Duration::from_millis(3500);

/// No health checks: the targets take traffic at once.
const UNCHECKED: &str = "{enabled: false}";

/// Group `app` of `targets`, with a 1 s deregistration delay and `health_check`, behind one
/// listener on `port` (HTTPS when `tls` gives its certificate), with an access log at `log`.
fn config(
    port: u16,
    targets: &[&Origin],
    health_check: &str,
    log: &Path,
    tls: Option<&str>,
) -> String {
    let list: Vec<String> = targets.iter().map(|o| format!("\"{}\"", o.addr)).collect();
    let listener = match tls {
        None => "protocol: HTTP".to_owned(),
        Some(cert) => format!("protocol: HTTPS, certificate: {cert}"),
    };
    format!(
        r#"
target_groups:
  app:
    targets: [{}]
    health_check: {health_check}
    deregistration_delay_seconds: {}
load_balancers:
  web:
    access_log: {{path: "{}"}}
    listeners:
      - {{{listener}, address: 127.0.0.1, port: {port}, default_action: {{forward: app}}}}
"#,
        list.join(", "),
        DELAY.as_secs(),
        log.display()
    )
}

async fn reload(server: &lb::Server, yaml: &str) -> Instant {
    let at = Instant::now();
    server.reload(Arc::new(model(yaml))).await.unwrap();
    at
}

/// Waits, at most 5 s, until `origin` has received `n` requests.
async fn until_received(origin: &Origin, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while origin.requests.load(Ordering::SeqCst) < n {
        assert!(
            Instant::now() < deadline,
            "the target never got the requests"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A GET on its own connection, and when its response was complete.
async fn timed_get(addr: SocketAddr, path: &'static str) -> (Reply, Instant) {
    let r = get(addr, path, &[]).await;
    (r, Instant::now())
}

/// Asserts that a cut at `at` came with the delay's expiry after the reload at `reloaded`.
fn assert_cut_at_expiry(what: &str, reloaded: Instant, at: Instant) {
    let after = at.duration_since(reloaded);
    assert!(
        after >= DELAY && after < CUT_BY,
        "{what} cut {after:?} after the reload; the delay is {DELAY:?}"
    );
}

/// The access log's lines (fields unquoted) whose request field contains `path`.
fn logged(log: &Path, path: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(log).unwrap();
    text.lines()
        .map(|l| lb::parse_line(l).unwrap())
        .filter(|f| f[12].contains(path))
        .collect()
}

/// `(elb_status_code, error_reason)` of the one logged request for `path`.
fn status_and_reason(log: &Path, path: &str) -> (String, String) {
    let lines = logged(log, path);
    assert_eq!(lines.len(), 1, "{lines:?}");
    (lines[0][8].clone(), lines[0][24].clone())
}

fn metric(server: &lb::Server, name: &str) -> String {
    let text = server.render_metrics();
    let prefix = format!("rampart_lb_{name}{{load_balancer=\"web\"}} ");
    text.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in\n{text}"))
        .to_owned()
}

#[tokio::test]
async fn a_request_still_open_when_the_deregistration_delay_expires_gets_502() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let dir = TempDir::new("dereg-h1");
    let log = dir.path().join("access.log");
    // health checks to a port that accepts and never answers: each round takes the whole
    // 10 s timeout, which must not hold back the expiry
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let slow_checks = format!(
        "{{port: {}, interval_seconds: 30, timeout_seconds: 10}}",
        silent.local_addr().unwrap().port()
    );
    let port = free_port();
    let server = serve(&config(port, &[&a], &slow_checks, &log, None)).await;
    let addr = server.local_addrs()[0];

    let held = tokio::spawn(timed_get(addr, "/sleep/6000"));
    let quick = tokio::spawn(timed_get(addr, "/sleep/500"));
    until_received(&a, 2).await;
    let reloaded = reload(&server, &config(port, &[&b], &slow_checks, &log, None)).await;

    let r = get(addr, "/after", &[]).await;
    assert_eq!(
        r.origin().as_deref(),
        Some("b"),
        "new requests avoid a draining target"
    );
    let (r, at) = quick.await.unwrap();
    assert_eq!(
        r.status, 200,
        "a request finishing within the delay is served"
    );
    assert_eq!(r.origin().as_deref(), Some("a"));
    assert!(
        at > reloaded,
        "the quick request was still in flight at the reload"
    );
    let (r, at) = held.await.unwrap();
    assert_eq!(r.status, 502, "{}", r.head);
    assert_cut_at_expiry("the held request", reloaded, at);

    assert_eq!(metric(&server, "HTTPCode_ELB_502_Count"), "1");
    assert_eq!(metric(&server, "HTTPCode_ELB_5XX_Count"), "1");
    assert_eq!(
        server.target_health()[0].1.len(),
        1,
        "the expired target is gone: {:?}",
        server.target_health()
    );
    server.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        status_and_reason(&log, "/sleep/6000"),
        ("502".into(), "TargetDeregistered".into())
    );
    assert_eq!(
        status_and_reason(&log, "/sleep/500"),
        ("200".into(), "-".into())
    );
}

#[tokio::test]
async fn a_response_streaming_at_expiry_is_cut_by_closing_the_client_connection() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let dir = TempDir::new("dereg-stream");
    let log = dir.path().join("access.log");
    let port = free_port();
    let server = serve(&config(port, &[&a], UNCHECKED, &log, None)).await;
    let addr = server.local_addrs()[0];

    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /stall HTTP/1.1\r\nHost: a.b\r\n\r\n")
        .await
        .unwrap();
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    while !got.ends_with(b"partial") {
        let mut b = [0u8; 1024];
        let left = deadline.saturating_duration_since(Instant::now());
        let n = tokio::time::timeout(left, s.read(&mut b))
            .await
            .expect("the head and the start of the body")
            .unwrap();
        assert!(n > 0, "{}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&b[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 200 "));
    let reloaded = reload(&server, &config(port, &[&b], UNCHECKED, &log, None)).await;

    assert!(
        !closed_within(&mut s, DELAY / 2).await,
        "the response keeps its connection while the target drains"
    );
    assert!(closed_within(&mut s, CUT_BY).await);
    assert_cut_at_expiry("the streaming response", reloaded, Instant::now());
    assert_eq!(
        metric(&server, "HTTPCode_ELB_5XX_Count"),
        "0",
        "the client got the target's 200, cut short, not a 502"
    );
    server.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        status_and_reason(&log, "/stall"),
        ("200".into(), "TargetDeregistered".into())
    );
}

#[tokio::test]
async fn a_websocket_to_a_deregistered_target_is_closed_at_expiry() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let dir = TempDir::new("dereg-ws");
    let log = dir.path().join("access.log");
    let port = free_port();
    let server = serve(&config(port, &[&a], UNCHECKED, &log, None)).await;
    let addr = server.local_addrs()[0];

    let mut s = TcpStream::connect(addr).await.unwrap();
    let key = "dghlihnhbxbszsbub25jzq==";
    s.write_all(
        format!(
            "GET /ws HTTP/1.1\r\nHost: a.b\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut s, &mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 101, "{}", r.head);
    let echo = |msg: &'static str| {
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | msg.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(msg.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        frame
    };
    let reloaded = reload(&server, &config(port, &[&b], UNCHECKED, &log, None)).await;

    s.write_all(&echo("still draining")).await.unwrap();
    let mut back = vec![0u8; 2 + "still draining".len()];
    tokio::time::timeout(Duration::from_secs(2), s.read_exact(&mut back))
        .await
        .expect("the tunnel works while the target drains")
        .unwrap();
    assert_eq!(&back[2..], b"still draining");
    assert!(closed_within(&mut s, CUT_BY).await);
    assert_cut_at_expiry("the WebSocket", reloaded, Instant::now());
    server.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        status_and_reason(&log, "/ws"),
        ("101".into(), "TargetDeregistered".into())
    );
}

#[tokio::test]
async fn http2_streams_open_at_expiry_get_502_or_are_reset() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let ca = TestCa::new();
    let cert = match ca.leaf(&["www.example.test"]) {
        model::Certificate::Files { cert, key } => {
            format!(
                "{{cert: \"{}\", key: \"{}\"}}",
                cert.display(),
                key.display()
            )
        }
        model::Certificate::SelfSigned { .. } => unreachable!(),
    };
    let dir = TempDir::new("dereg-h2");
    let log = dir.path().join("access.log");
    let port = free_port();
    let server = serve(&config(port, &[&a], UNCHECKED, &log, Some(&cert))).await;
    let addr = server.local_addrs()[0];

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(ca.roots())
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = TcpStream::connect(addr).await.unwrap();
    let stream = tokio_rustls::TlsConnector::from(Arc::new(tls))
        .connect(ServerName::try_from("www.example.test").unwrap(), tcp)
        .await
        .unwrap();
    let (send, driver) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .unwrap();
    tokio::spawn(driver);
    let request = |path: &str| {
        hyper::Request::get(format!("https://www.example.test{path}"))
            .body(Empty::<Bytes>::new())
            .unwrap()
    };

    let mut stalled = send.clone();
    let streaming = tokio::time::timeout(
        Duration::from_secs(5),
        stalled.send_request(request("/stall")),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(streaming.status(), 200);
    let body = tokio::spawn(async move {
        let r = streaming.into_body().collect().await;
        (r.map(|b| b.to_bytes()), Instant::now())
    });
    let mut waiting = send.clone();
    let held = tokio::spawn(async move {
        let r = waiting.send_request(request("/sleep/6000")).await;
        (r.map(|r| r.status()), Instant::now())
    });
    until_received(&a, 2).await;
    let reloaded = reload(&server, &config(port, &[&b], UNCHECKED, &log, Some(&cert))).await;

    let (status, at) = tokio::time::timeout(CUT_BY * 2, held)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.unwrap(), 502);
    assert_cut_at_expiry("the stream awaiting its head", reloaded, at);
    let (data, at) = tokio::time::timeout(CUT_BY * 2, body)
        .await
        .unwrap()
        .unwrap();
    assert!(data.is_err(), "a cut body must not look complete: {data:?}");
    assert_cut_at_expiry("the streaming body", reloaded, at);
    assert_eq!(metric(&server, "HTTPCode_ELB_502_Count"), "1");
    server.shutdown(Duration::from_secs(1)).await;
    assert_eq!(
        status_and_reason(&log, "/sleep/6000"),
        ("502".into(), "TargetDeregistered".into())
    );
}
