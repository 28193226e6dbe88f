//! The HTTP/2 front end end to end: many streams on one connection, request bodies larger
//! than the flow-control windows, large responses, cancelled streams, malformed requests
//! answered 400, and a graceful GOAWAY when the load balancer shuts down.

#![allow(clippy::unwrap_used)]

mod common;
mod net;

use std::net::SocketAddr;
use std::time::Duration;

use common::{TestCa, h2_client};
use http_body_util::{BodyExt, Empty, Full};
use hyper::body::Bytes;
use net::*;
use proto::h2::frame::{flag, kind};
use proto::h2::{FrameHeader, PREFACE};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

const NAME: &str = "www.example.test";

async fn h2_server(ca: &TestCa, origin: &Origin) -> (lb::Server, SocketAddr) {
    h2_server_idle(ca, origin, 60).await
}

async fn h2_server_idle(ca: &TestCa, origin: &Origin, idle: u32) -> (lb::Server, SocketAddr) {
    let (cert, key) = match ca.leaf(&[NAME]) {
        model::Certificate::Files { cert, key } => (cert, key),
        model::Certificate::SelfSigned { .. } => unreachable!(),
    };
    let yaml = format!(
        r#"
target_groups:
  app:
    targets: ["{}"]
    health_check: {{path: /health, interval_seconds: 5, timeout_seconds: 2}}
load_balancers:
  web:
    attributes: {{idle_timeout_seconds: {}}}
    listeners:
      - protocol: HTTPS
        address: 127.0.0.1
        port: {}
        certificate: {{cert: "{}", key: "{}"}}
        default_action: {{forward: app}}
        rules:
          - priority: 1
            conditions: {{path_pattern: ["/fixed"]}}
            action: {{fixed_response: {{status_code: 418, content_type: text/plain, message_body: teapot}}}}
"#,
        origin.addr,
        idle,
        free_port(),
        cert.display(),
        key.display()
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    (server, addr)
}

fn get(path: &str) -> hyper::Request<Empty<Bytes>> {
    hyper::Request::get(format!("https://{NAME}{path}"))
        .body(Empty::new())
        .unwrap()
}

async fn text(resp: hyper::Response<hyper::body::Incoming>) -> String {
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}

#[tokio::test]
async fn a_hundred_concurrent_streams_on_one_connection() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let send = h2_client(&ca, addr, NAME).await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let mut send = send.clone();
        tasks.push(tokio::spawn(async move {
            let resp = send.send_request(get(&format!("/s/{i}"))).await.unwrap();
            assert_eq!(resp.status(), 200);
            let body = text(resp).await;
            assert!(body.contains(&format!("GET /s/{i} HTTP/1.1")), "{body}");
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(10), t)
            .await
            .unwrap()
            .unwrap();
    }
    // the load balancer's own answers go out on the same connection
    let resp = send.clone().send_request(get("/fixed")).await.unwrap();
    assert_eq!(resp.status(), 418);
    assert_eq!(text(resp).await, "teapot");
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn request_bodies_larger_than_the_windows_reach_the_target() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut send = h2_client::<Full<Bytes>>(&ca, addr, NAME).await;
    // 3 MiB: more than the stream window (256 KiB) and the connection window (1 MiB)
    let body = vec![b'z'; 3 << 20];
    let req = hyper::Request::post(format!("https://{NAME}/upload"))
        .header("content-length", body.len())
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let resp = tokio::time::timeout(Duration::from_secs(20), send.send_request(req))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(resp.status(), 200);
    let text = text(resp).await;
    assert!(text.contains(&format!("body-bytes={}", 3 << 20)), "{text}");
    assert!(
        text.to_ascii_lowercase()
            .contains("content-length: 3145728"),
        "{text}"
    );
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn large_responses_follow_the_clients_flow_control() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut send = h2_client(&ca, addr, NAME).await;
    for n in [0usize, 1, 65_535, 65_536, 2_000_000] {
        let resp = tokio::time::timeout(
            Duration::from_secs(20),
            send.send_request(get(&format!("/bytes/{n}"))),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-length"], n.to_string().as_str());
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(body.len(), n);
        assert!(body.iter().enumerate().all(|(i, &b)| b == (i % 251) as u8));
    }
    // a chunked response is de-chunked into DATA frames
    let resp = send.send_request(get("/chunked")).await.unwrap();
    assert_eq!(text(resp).await, "hello world");
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_cancelled_stream_leaves_the_others_alone() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let send = h2_client(&ca, addr, NAME).await;
    let mut hanging = send.clone();
    let pending = tokio::spawn(async move { hanging.send_request(get("/hang")).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    pending.abort(); // hyper resets the stream (RST_STREAM CANCEL)
    let _ = pending.await;
    for i in 0..5 {
        let resp = send
            .clone()
            .send_request(get(&format!("/after/{i}")))
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    server.shutdown(Duration::from_secs(1)).await;
}

/// A raw HTTP/2 client: what hyper would refuse to send.
struct RawClient {
    s: TlsStream<TcpStream>,
    buf: Vec<u8>,
}

impl RawClient {
    async fn start(ca: &TestCa, addr: SocketAddr) -> RawClient {
        let mut s = common::tls_h2(ca, addr, NAME).await;
        let mut out = PREFACE.to_vec();
        frame(&mut out, kind::SETTINGS, 0, 0, &[]);
        s.write_all(&out).await.unwrap();
        RawClient { s, buf: Vec::new() }
    }

    async fn send(&mut self, k: u8, flags: u8, stream: u32, payload: &[u8]) {
        let mut out = Vec::new();
        frame(&mut out, k, flags, stream, payload);
        self.s.write_all(&out).await.unwrap();
    }

    /// The next frame on `stream` of kind `k`, skipping others; `None` at EOF.
    async fn next(&mut self, k: u8, stream: u32) -> Option<(FrameHeader, Vec<u8>)> {
        loop {
            while let Some(h) = FrameHeader::parse(&self.buf) {
                let end = 9 + h.len as usize;
                if self.buf.len() < end {
                    break;
                }
                let payload = self.buf[9..end].to_vec();
                self.buf.drain(..end);
                if h.kind == k && h.stream == stream {
                    return Some((h, payload));
                }
            }
            let mut tmp = [0u8; 16384];
            let n = tokio::time::timeout(Duration::from_secs(5), self.s.read(&mut tmp))
                .await
                .expect("the server answers")
                .ok()?;
            if n == 0 {
                return None;
            }
            self.buf.extend_from_slice(&tmp[..n]);
        }
    }
}

fn frame(out: &mut Vec<u8>, k: u8, flags: u8, stream: u32, payload: &[u8]) {
    FrameHeader {
        len: payload.len() as u32,
        kind: k,
        flags,
        stream,
    }
    .write(out);
    out.extend_from_slice(payload);
}

/// The pseudo-header fields of a request to the test name.
fn head(method: &'static str, path: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        (":method", method),
        (":scheme", "https"),
        (":authority", NAME),
        (":path", path),
    ]
}

fn block(fields: &[(&str, &str)]) -> Vec<u8> {
    let mut enc = proto::hpack::Encoder::new();
    let mut b = Vec::new();
    for (n, v) in fields {
        enc.field(n.as_bytes(), v.as_bytes(), &mut b);
    }
    b
}

fn status_of(payload: &[u8]) -> String {
    let mut dec = proto::hpack::Decoder::new(4096);
    let mut status = String::new();
    dec.decode(payload, 1 << 16, |n, v| {
        if n == b":status" {
            status = String::from_utf8_lossy(v).into_owned();
        }
    })
    .unwrap();
    status
}

#[tokio::test]
async fn malformed_requests_are_answered_400_and_the_connection_lives_on() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut c = RawClient::start(&ca, addr).await;
    let base = head("GET", "/");
    let cases: [&[(&str, &str)]; 3] = [
        &[("Upper-Case", "x")],
        &[("connection", "close")],
        &[("transfer-encoding", "chunked")],
    ];
    let mut id = 1;
    for extra in cases {
        let mut fields = base.to_vec();
        fields.extend_from_slice(extra);
        c.send(
            kind::HEADERS,
            flag::END_HEADERS | flag::END_STREAM,
            id,
            &block(&fields),
        )
        .await;
        let (_, payload) = c.next(kind::HEADERS, id).await.unwrap();
        assert_eq!(status_of(&payload), "400", "{extra:?}");
        id += 2;
    }
    assert_eq!(origin.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    // and a good request on the same connection is served
    c.send(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        id,
        &block(&base),
    )
    .await;
    let (_, payload) = c.next(kind::HEADERS, id).await.unwrap();
    assert_eq!(status_of(&payload), "200");
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_protocol_error_closes_the_connection_with_goaway() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut c = RawClient::start(&ca, addr).await;
    // DATA on stream 0
    c.send(kind::DATA, 0, 0, b"x").await;
    let (_, payload) = c.next(kind::GOAWAY, 0).await.unwrap();
    assert_eq!(&payload[4..8], &1u32.to_be_bytes(), "PROTOCOL_ERROR");
    assert!(c.next(kind::HEADERS, 1).await.is_none(), "then closed");
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn shutdown_sends_goaway_and_finishes_open_streams() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut c = RawClient::start(&ca, addr).await;
    let fields = head("GET", "/sleep/500");
    c.send(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        1,
        &block(&fields),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown = tokio::spawn(async move { server.shutdown(Duration::from_secs(5)).await });
    let (_, payload) = c.next(kind::GOAWAY, 0).await.unwrap();
    assert_eq!(&payload[..4], &1u32.to_be_bytes(), "last stream 1");
    assert_eq!(&payload[4..8], &0u32.to_be_bytes(), "NO_ERROR");
    let (_, payload) = c.next(kind::HEADERS, 1).await.unwrap();
    assert_eq!(status_of(&payload), "200", "the open stream finished");
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn a_body_without_length_is_chunked_to_the_target() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut c = RawClient::start(&ca, addr).await;
    let fields = head("POST", "/stream");
    c.send(kind::HEADERS, flag::END_HEADERS, 1, &block(&fields))
        .await;
    c.send(kind::DATA, 0, 1, b"hel").await;
    c.send(kind::DATA, flag::END_STREAM, 1, b"lo").await;
    let (_, payload) = c.next(kind::HEADERS, 1).await.unwrap();
    assert_eq!(status_of(&payload), "200");
    let (_, body) = c.next(kind::DATA, 1).await.unwrap();
    let text = String::from_utf8_lossy(&body).to_ascii_lowercase();
    assert!(text.contains("transfer-encoding: chunked"), "{text}");
    // "3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"
    assert!(text.contains("body-bytes=20"), "{text}");
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_client_that_stops_sending_its_body_gets_408_after_the_idle_timeout() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server_idle(&ca, &origin, 1).await;
    let mut c = RawClient::start(&ca, addr).await;
    let mut fields = head("POST", "/upload");
    fields.push(("content-length", "10"));
    let started = std::time::Instant::now();
    c.send(kind::HEADERS, flag::END_HEADERS, 1, &block(&fields))
        .await;
    c.send(kind::DATA, 0, 1, b"abc").await;
    let (_, payload) = c.next(kind::HEADERS, 1).await.unwrap();
    assert_eq!(status_of(&payload), "408");
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(4),
        "{waited:?}"
    );
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn interim_responses_are_relayed_before_the_final_one() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = h2_server(&ca, &origin).await;
    let mut c = RawClient::start(&ca, addr).await;
    let fields = head("GET", "/early-hints");
    c.send(
        kind::HEADERS,
        flag::END_HEADERS | flag::END_STREAM,
        1,
        &block(&fields),
    )
    .await;
    let mut dec = proto::hpack::Decoder::new(4096);
    let mut heads = Vec::new();
    for _ in 0..2 {
        let (h, payload) = c.next(kind::HEADERS, 1).await.unwrap();
        let mut fields = Vec::new();
        dec.decode(&payload, 1 << 16, |n, v| {
            fields.push(format!(
                "{}={}",
                String::from_utf8_lossy(n),
                String::from_utf8_lossy(v)
            ))
        })
        .unwrap();
        heads.push((h.has(flag::END_STREAM), fields));
    }
    assert!(!heads[0].0, "a 103 does not end the stream");
    assert_eq!(heads[0].1[0], ":status=103");
    assert!(
        heads[0]
            .1
            .contains(&"link=</style.css>; rel=preload".to_string())
    );
    assert_eq!(heads[1].1[0], ":status=200");
    let (_, body) = c.next(kind::DATA, 1).await.unwrap();
    assert_eq!(body, b"ok");
    server.shutdown(Duration::from_secs(1)).await;
}
