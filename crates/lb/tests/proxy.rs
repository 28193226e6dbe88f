//! The load balancer against real HTTP servers on loopback: routing by every condition type,
//! weights, stickiness, redirects, fixed responses, forwarding headers, WebSocket, desync
//! handling per mode, and AWS's error statuses.

#![allow(clippy::unwrap_used)]

mod net;

use std::collections::HashMap;
use std::time::Duration;

use net::*;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn targets(o: &[&Origin]) -> String {
    let list: Vec<String> = o.iter().map(|o| format!("\"{}\"", o.addr)).collect();
    format!("[{}]", list.join(", "))
}

/// Health checks every 5 s would slow the tests; targets start routable (fail open) anyway.
const HC: &str =
    "health_check: {path: /health, interval_seconds: 5, timeout_seconds: 2, healthy_threshold: 2}";

/// A load balancer `web` with one HTTP listener that forwards everything to the target group
/// `app` of `origins`; `lb` is extra YAML for the load balancer (attributes, limits).
async fn app_server(origins: &[&Origin], lb: &str) -> (lb::Server, std::net::SocketAddr) {
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  app: {{targets: {}, {HC}}}
load_balancers:
  web:
    {lb}
    listeners:
      - {{protocol: HTTP, address: 127.0.0.1, port: {port}, default_action: {{forward: app}}}}
"#,
        targets(origins)
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    (server, addr)
}

#[tokio::test]
async fn routes_by_every_condition_type() {
    let names = [
        "host", "path", "header", "method", "query", "source", "default",
    ];
    let mut origins = HashMap::new();
    for n in names {
        origins.insert(n, Origin::start(n).await);
    }
    let port = free_port();
    let mut tgs = String::new();
    for n in names {
        tgs.push_str(&format!(
            "  {n}:\n    targets: {}\n    {HC}\n",
            targets(&[&origins[n]])
        ));
    }
    let yaml = format!(
        r#"
target_groups:
{tgs}
load_balancers:
  web:
    listeners:
      - protocol: HTTP
        address: 127.0.0.1
        port: {port}
        rules:
          - priority: 1
            conditions: {{host_header: ["*.shop.example"]}}
            action: {{forward: host}}
          - priority: 2
            conditions: {{path_pattern: ["/api/v?/*"]}}
            action: {{forward: path}}
          - priority: 3
            conditions: {{http_header: [{{name: X-Env, values: ["blue*"]}}]}}
            action: {{forward: header}}
          - priority: 4
            conditions: {{http_request_method: [PUT]}}
            action: {{forward: method}}
          - priority: 5
            conditions: {{query_string: [{{key: version, value: "2"}}]}}
            action: {{forward: query}}
          - priority: 6
            conditions: {{source_ip: ["10.0.0.0/8"]}}
            action: {{forward: path}}
          - priority: 7
            conditions: {{source_ip: ["127.0.0.0/8"], path_pattern: ["/from-loopback"]}}
            action: {{forward: source}}
        default_action: {{forward: default}}
"#
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    let origin_of = |r: Reply| r.origin().unwrap_or_default();

    let r = raw(
        addr,
        b"GET / HTTP/1.1\r\nHost: WWW.Shop.Example:80\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(
        origin_of(r),
        "host",
        "host-header is case-insensitive and ignores the port"
    );
    let r = raw(
        addr,
        b"GET / HTTP/1.1\r\nHost: shop.example\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(
        origin_of(r),
        "default",
        "*.shop.example does not match shop.example"
    );
    assert_eq!(origin_of(get(addr, "/api/v2/orders", &[]).await), "path");
    assert_eq!(
        origin_of(get(addr, "/API/v2/orders", &[]).await),
        "default",
        "path-pattern is case-sensitive"
    );
    assert_eq!(
        origin_of(get(addr, "/x", &["x-env: BLUE-green"]).await),
        "header"
    );
    let r = raw(
        addr,
        b"PUT /x HTTP/1.1\r\nHost: a.b\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi",
    )
    .await
    .unwrap();
    assert_eq!(origin_of(r), "method");
    let r = raw(
        addr,
        b"put /x HTTP/1.1\r\nHost: a.b\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_ne!(
        origin_of(r),
        "method",
        "http-request-method is case-sensitive"
    );
    assert_eq!(origin_of(get(addr, "/x?a=1&version=2", &[]).await), "query");
    assert_eq!(origin_of(get(addr, "/from-loopback", &[]).await), "source");
    assert_eq!(
        origin_of(get(addr, "/from-loopback", &["X-Forwarded-For: 10.1.1.1"]).await),
        "source",
        "source-ip uses the packet source, not X-Forwarded-For"
    );
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn weighted_target_groups_split_within_statistical_bounds() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  a: {{targets: {}, {HC}}}
  b: {{targets: {}, {HC}}}
load_balancers:
  web:
    listeners:
      - protocol: HTTP
        address: 127.0.0.1
        port: {port}
        default_action: {{forward: {{target_groups: [{{name: a, weight: 3}}, {{name: b, weight: 1}}]}}}}
"#,
        targets(&[&a]),
        targets(&[&b])
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    let n = 800;
    let mut to_a = 0;
    for _ in 0..n {
        s.write_all(b"GET / HTTP/1.1\r\nHost: x.example\r\n\r\n")
            .await
            .unwrap();
        let r = read_reply(&mut s, &mut buf).await.unwrap();
        if r.origin().as_deref() == Some("a") {
            to_a += 1;
        }
    }
    // 3:1 → 600 expected; binomial sd ≈ 12.2, so ±5 sd is 539..661
    assert!(
        (539..=661).contains(&to_a),
        "{to_a} of {n} went to the weight-3 group"
    );
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn lb_cookie_stickiness_pins_a_target() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  app:
    targets: {}
    {HC}
    stickiness: {{type: lb_cookie, duration_seconds: 600}}
load_balancers:
  web:
    listeners:
      - {{protocol: HTTP, address: 127.0.0.1, port: {port}, default_action: {{forward: app}}}}
"#,
        targets(&[&a, &b])
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    let first = get(addr, "/", &[]).await;
    let cookie = first
        .headers("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("AWSALB="))
        .expect("an AWSALB cookie");
    assert!(cookie.contains("Expires="), "{cookie}");
    let value = cookie.split(';').next().unwrap().to_owned();
    let pinned = first.origin().unwrap();
    for _ in 0..20 {
        let r = get(addr, "/", &[&format!("Cookie: theme=dark; {value}")]).await;
        assert_eq!(r.origin().unwrap(), pinned);
    }
    // without the cookie, round robin reaches both
    let mut seen = std::collections::HashSet::new();
    for _ in 0..4 {
        seen.insert(get(addr, "/", &[]).await.origin().unwrap());
    }
    assert_eq!(seen.len(), 2);
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn redirects_and_fixed_responses_are_answered_by_the_load_balancer() {
    let a = Origin::start("a").await;
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  app: {{targets: {}, {HC}}}
load_balancers:
  web:
    listeners:
      - protocol: HTTP
        address: 127.0.0.1
        port: {port}
        rules:
          - priority: 1
            conditions: {{path_pattern: ["/old/*"]}}
            action: {{redirect: {{protocol: HTTPS, port: "443", host: "new.#{{host}}", path: "/v2/#{{path}}", query: "from=#{{port}}&#{{query}}", status_code: HTTP_301}}}}
          - priority: 2
            conditions: {{path_pattern: ["/maintenance"]}}
            action: {{fixed_response: {{status_code: 503, content_type: application/json, message_body: "{{\"down\": true}}"}}}}
        default_action: {{forward: app}}
"#,
        targets(&[&a])
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    let r = raw(
        addr,
        b"GET /old/page?x=1 HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 301);
    assert_eq!(
        r.header("location").unwrap(),
        format!("https://new.example.com/v2/old/page?from={port}&x=1")
    );
    let r = get(addr, "/maintenance", &[]).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.header("content-type").unwrap(), "application/json");
    assert_eq!(r.body, "{\"down\": true}");
    assert_eq!(a.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn forwarding_headers_follow_aws() {
    let a = Origin::start("a").await;
    let (server, addr) = app_server(&[&a], "").await;
    let port = addr.port();
    let r = raw(
        addr,
        b"GET /p HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: gopher\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let seen = r.body.to_ascii_lowercase();
    assert!(
        seen.contains("x-forwarded-for: 203.0.113.7, 127.0.0.1"),
        "{seen}"
    );
    assert!(
        seen.contains("x-forwarded-proto: http\r\n") || seen.contains("x-forwarded-proto: http\n"),
        "{seen}"
    );
    assert!(
        !seen.contains("gopher"),
        "a client's X-Forwarded-Proto is replaced: {seen}"
    );
    assert!(
        seen.contains(&format!("x-forwarded-port: {port}")),
        "{seen}"
    );
    assert!(
        seen.contains(&format!("host: example.com:{port}")),
        "the listener port is appended: {seen}"
    );
    assert!(seen.contains("x-amzn-trace-id: root=1-"), "{seen}");

    // more than 30 forwarded addresses: 463
    let many = vec!["10.0.0.1"; 31].join(", ");
    let r = get(addr, "/", &[&format!("X-Forwarded-For: {many}")]).await;
    assert_eq!(r.status, 463);
    // TRACE: 405
    let r = raw(
        addr,
        b"TRACE / HTTP/1.1\r\nHost: a.b\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 405);
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn keep_alive_pipelining_and_chunked_bodies_pass_through() {
    let a = Origin::start("a").await;
    let (server, addr) = app_server(&[&a], "").await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    // two requests in one write, the first with a chunked body
    s.write_all(
        b"POST /one HTTP/1.1\r\nHost: a.b\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /two HTTP/1.1\r\nHost: a.b\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    let one = read_reply(&mut s, &mut buf).await.unwrap();
    assert_eq!(one.status, 200);
    assert!(one.body.contains("POST /one"), "{}", one.body);
    assert!(
        one.body.contains("transfer-encoding: chunked")
            || one.body.contains("Transfer-Encoding: chunked")
    );
    let two = read_reply(&mut s, &mut buf).await.unwrap();
    assert!(two.body.contains("GET /two"), "{}", two.body);
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn websocket_echoes_through_the_proxy() {
    let a = Origin::start("a").await;
    let (server, addr) = app_server(&[&a], "").await;
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
    let r = read_reply(&mut s, &mut buf).await.unwrap();
    assert_eq!(r.status, 101, "{}", r.head);
    assert_eq!(
        r.header("sec-websocket-accept").unwrap(),
        websocket_accept(key)
    );
    for msg in ["hello", "through rampart"] {
        let mask = [1u8, 2, 3, 4];
        let mut frame = vec![0x81, 0x80 | msg.len() as u8];
        frame.extend_from_slice(&mask);
        frame.extend(msg.bytes().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        s.write_all(&frame).await.unwrap();
        let mut back = vec![0u8; 2 + msg.len()];
        tokio::io::AsyncReadExt::read_exact(&mut s, &mut back)
            .await
            .unwrap();
        assert_eq!(&back[2..], msg.as_bytes());
    }
    server.shutdown(Duration::from_secs(1)).await;
}

async fn desync_server(mode: &str, a: &Origin) -> (lb::Server, std::net::SocketAddr) {
    let (server, addr) = app_server(
        &[a],
        &format!("attributes: {{desync_mitigation_mode: {mode}}}"),
    )
    .await;
    (server, addr)
}

/// Sends a request and reports (status, whether the connection was closed after it).
async fn exchange(addr: std::net::SocketAddr, req: &[u8]) -> (u16, bool) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(req).await.unwrap();
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut s, &mut buf))
        .await
        .unwrap()
        .unwrap();
    let closed = closed_within(&mut s, Duration::from_millis(300)).await;
    (r.status, closed)
}

#[tokio::test]
async fn desync_cases_are_classified_and_handled_per_mode() {
    let a = Origin::start("a").await;
    // Ambiguous: TE and CL together (framed as chunked).
    let ambiguous: &[u8] =
        b"POST / HTTP/1.1\r\nHost: a.b\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
    // Acceptable: a space in the URI.
    let acceptable: &[u8] = b"GET /a b HTTP/1.1\r\nHost: a.b\r\n\r\n";
    // Severe: chunked twice (frameable, so monitor can let it through).
    let severe: &[u8] =
        b"POST / HTTP/1.1\r\nHost: a.b\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n";
    // A NUL in a header cannot be forwarded safely in any mode.
    let nul: &[u8] = b"GET / HTTP/1.1\r\nHost: a.b\r\nX-Bad: a\0b\r\n\r\n";
    // obs-fold
    let folded: &[u8] = b"GET / HTTP/1.1\r\nHost: a.b\r\nX-Long: one\r\n two\r\n\r\n";
    // a header name that is not a token
    let bad_name: &[u8] = b"GET / HTTP/1.1\r\nHost: a.b\r\nX@Bad: 1\r\n\r\n";

    let (s, addr) = desync_server("monitor", &a).await;
    // served; the connection closes because TE with CL requires it (RFC 9112 §6.1)
    assert_eq!(exchange(addr, ambiguous).await, (200, true));
    assert_eq!(exchange(addr, acceptable).await.0, 200);
    assert_eq!(
        exchange(addr, severe).await.0,
        200,
        "monitor lets even severe requests through"
    );
    assert_eq!(
        exchange(addr, nul).await,
        (400, true),
        "but never what cannot be forwarded safely"
    );
    s.shutdown(Duration::from_secs(1)).await;

    let (s, addr) = desync_server("defensive", &a).await;
    assert_eq!(
        exchange(addr, ambiguous).await,
        (200, true),
        "served, then closed"
    );
    assert_eq!(exchange(addr, acceptable).await, (200, false));
    assert_eq!(exchange(addr, severe).await, (400, true));
    assert_eq!(
        exchange(addr, folded).await,
        (200, true),
        "obs-fold is Ambiguous"
    );
    assert_eq!(
        exchange(addr, bad_name).await,
        (200, false),
        "a non-token name is Acceptable"
    );
    s.shutdown(Duration::from_secs(1)).await;

    let (s, addr) = desync_server("strictest", &a).await;
    assert_eq!(exchange(addr, ambiguous).await.0, 400);
    assert_eq!(exchange(addr, acceptable).await.0, 400);
    assert_eq!(exchange(addr, severe).await.0, 400);
    assert_eq!(exchange(addr, folded).await.0, 400);
    assert_eq!(exchange(addr, bad_name).await.0, 400);
    s.shutdown(Duration::from_secs(1)).await;

    // Conflicting lengths cannot be framed safely: refused in every mode.
    let (s, addr) = desync_server("monitor", &a).await;
    let conflicting: &[u8] =
        b"POST / HTTP/1.1\r\nHost: a.b\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!";
    assert_eq!(exchange(addr, conflicting).await, (400, true));
    s.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn target_errors_map_to_aws_statuses() {
    let a = Origin::start("a").await;
    let dead = free_port();
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  app: {{targets: {}, {HC}}}
  dead: {{targets: ["127.0.0.1:{dead}"], health_check: {{enabled: false}}}}
  empty: {{targets: [], {HC}}}
load_balancers:
  web:
    attributes: {{idle_timeout_seconds: 1}}
    listeners:
      - protocol: HTTP
        address: 127.0.0.1
        port: {port}
        rules:
          - {{priority: 1, conditions: {{path_pattern: ["/dead"]}}, action: {{forward: dead}}}}
          - {{priority: 2, conditions: {{path_pattern: ["/empty"]}}, action: {{forward: empty}}}}
        default_action: {{forward: app}}
"#,
        targets(&[&a])
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    assert_eq!(
        get(addr, "/dead", &[]).await.status,
        502,
        "connection refused"
    );
    assert_eq!(
        get(addr, "/empty", &[]).await.status,
        503,
        "no registered targets"
    );
    let started = std::time::Instant::now();
    assert_eq!(
        get(addr, "/hang", &[]).await.status,
        504,
        "target silent past the idle timeout"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_client_sending_headers_a_byte_at_a_time_is_cut_off() {
    let a = Origin::start("a").await;
    let (server, addr) = app_server(&[&a], "limits: {header_read_timeout_seconds: 1}").await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    let started = std::time::Instant::now();
    let slow = b"GET / HTTP/1.1\r\nHost: a.b\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut cut = false;
    for b in slow {
        if s.write_all(&[*b]).await.is_err() {
            cut = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        if started.elapsed() > Duration::from_secs(3) {
            break;
        }
    }
    let mut buf = Vec::new();
    if !cut {
        let r = tokio::time::timeout(Duration::from_secs(3), read_reply(&mut s, &mut buf)).await;
        if let Ok(Some(r)) = r {
            assert_eq!(r.status, 408);
        }
        assert!(closed_within(&mut s, Duration::from_secs(3)).await);
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "cut off after the header read timeout"
    );
    assert_eq!(a.requests.load(std::sync::atomic::Ordering::SeqCst), 0);
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_killed_target_is_marked_unhealthy_within_its_thresholds_then_no_errors() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  app:
    targets: {}
    health_check: {{path: /health, interval_seconds: 5, timeout_seconds: 2, healthy_threshold: 2, unhealthy_threshold: 2}}
load_balancers:
  web:
    listeners:
      - {{protocol: HTTP, address: 127.0.0.1, port: {port}, default_action: {{forward: app}}}}
"#,
        targets(&[&a, &b])
    );
    // AWS's smallest interval is 5 s; the runtime takes any, so the test runs at 500 ms
    let mut m = model(&yaml);
    let interval = Duration::from_millis(500);
    m.target_groups[0].health_check.interval = interval;
    m.target_groups[0].health_check.timeout = Duration::from_millis(200);
    let server = lb::Server::start(std::sync::Arc::new(m)).await.unwrap();
    let addr = server.local_addrs()[0];
    let healthy = |server: &lb::Server| {
        server.target_health()[0]
            .1
            .iter()
            .filter(|t| t.state == "healthy")
            .count()
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while healthy(&server) < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "targets never became healthy"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    b.kill();
    let killed_at = std::time::Instant::now();
    while healthy(&server) != 1 {
        // unhealthy_threshold (2) failed checks, one interval apart, plus one interval of
        // phase and the timeout
        assert!(
            killed_at.elapsed() < interval * 4,
            "not marked unhealthy within its thresholds: {:?}",
            server.target_health()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let state = server.target_health()[0].1.clone();
    let dead = state.iter().find(|t| t.addr == b.addr).unwrap();
    assert_eq!(dead.state, "unhealthy");

    let mut s = TcpStream::connect(addr).await.unwrap();
    let mut buf = Vec::new();
    for _ in 0..200 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: x.example\r\n\r\n")
            .await
            .unwrap();
        let r = read_reply(&mut s, &mut buf).await.unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.origin().as_deref(), Some("a"));
    }
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn chunked_responses_pass_through_and_are_decoded_for_http10_clients() {
    let a = Origin::start("a").await;
    let (server, addr) = app_server(&[&a], "").await;
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /chunked HTTP/1.1\r\nHost: a.b\r\n\r\n")
        .await
        .unwrap();
    let mut raw_reply = Vec::new();
    while !raw_reply.ends_with(b"0\r\n\r\n") {
        let mut b = [0u8; 1024];
        let n = tokio::io::AsyncReadExt::read(&mut s, &mut b).await.unwrap();
        assert!(n > 0);
        raw_reply.extend_from_slice(&b[..n]);
    }
    let text = String::from_utf8_lossy(&raw_reply);
    assert!(text.contains("Transfer-Encoding: chunked"), "{text}");
    assert!(
        text.ends_with("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"),
        "{text}"
    );

    let r = raw(addr, b"GET /chunked HTTP/1.0\r\nHost: a.b\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body, "hello world",
        "decoded and ended by closing for HTTP/1.0"
    );
    assert!(r.header("transfer-encoding").is_none());
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn target_group_stickiness_pins_a_weighted_group() {
    let (a, b) = (Origin::start("a").await, Origin::start("b").await);
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  a: {{targets: {}, {HC}}}
  b: {{targets: {}, {HC}}}
load_balancers:
  web:
    listeners:
      - protocol: HTTP
        address: 127.0.0.1
        port: {port}
        default_action: {{forward: {{target_groups: [{{name: a, weight: 1}}, {{name: b, weight: 1}}], stickiness: {{duration_seconds: 600}}}}}}
"#,
        targets(&[&a]),
        targets(&[&b])
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    let first = get(addr, "/", &[]).await;
    let cookie = first
        .headers("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("AWSALBTG="))
        .expect("an AWSALBTG cookie");
    assert!(
        first
            .headers("set-cookie")
            .iter()
            .any(|c| c.starts_with("AWSALBTGCORS=") && c.contains("SameSite=None; Secure"))
    );
    let value = cookie.split(';').next().unwrap().to_owned();
    let pinned = first.origin().unwrap();
    for _ in 0..20 {
        let r = get(addr, "/", &[&format!("Cookie: {value}")]).await;
        assert_eq!(r.origin().unwrap(), pinned);
        assert!(
            r.headers("set-cookie").is_empty(),
            "a valid cookie is not set again"
        );
    }
    let tampered = get(addr, "/", &["Cookie: AWSALBTG=00ff"]).await;
    assert!(
        tampered
            .headers("set-cookie")
            .iter()
            .any(|c| c.starts_with("AWSALBTG="))
    );
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn drop_invalid_header_fields_removes_names_aws_rejects() {
    let a = Origin::start("a").await;
    for (drop, forwarded) in [(false, true), (true, false)] {
        let attrs = format!("attributes: {{drop_invalid_header_fields: {drop}}}");
        let (server, addr) = app_server(&[&a], &attrs).await;
        let r = get(addr, "/", &["X_Under: 1", "X-Fine: 2"]).await;
        assert_eq!(r.body.contains("X_Under: 1"), forwarded, "{}", r.body);
        assert!(r.body.contains("X-Fine: 2"));
        server.shutdown(Duration::from_secs(1)).await;
    }
}
