//! Health checks against real HTTP servers on loopback.

#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lb::internals::{TargetGroupRuntime, spawn_health_checks};
use model::{Algorithm, HealthCheck, ProtocolVersion, Target, TargetGroup, TargetProtocol};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A server answering every request with `status`, keeping the request heads it saw.
async fn server(status: u16, seen: Arc<Mutex<Vec<String>>>) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        loop {
            let (mut conn, _) = listener.accept().await.unwrap();
            let seen = Arc::clone(&seen);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.ends_with(b"\r\n\r\n") {
                    match conn.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                seen.lock()
                    .unwrap()
                    .push(String::from_utf8_lossy(&head).into_owned());
                let response = format!(
                    "HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = conn.write_all(response.as_bytes()).await;
            });
        }
    });
    (addr, task)
}

/// A server that accepts connections and never answers.
async fn silent_server() -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        loop {
            let (conn, _) = listener.accept().await.unwrap();
            held.push(conn);
        }
    });
    (addr, task)
}

async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

fn group(targets: &[SocketAddr]) -> TargetGroup {
    TargetGroup {
        name: "web".into(),
        protocol: TargetProtocol::Http,
        protocol_version: ProtocolVersion::Http1,
        port: None,
        targets: targets
            .iter()
            .map(|&addr| Target {
                addr,
                instance: None,
            })
            .collect(),
        health_check: HealthCheck {
            enabled: true,
            protocol: TargetProtocol::Http,
            path: "/health".into(),
            port: None,
            interval: Duration::from_secs(1),
            timeout: Duration::from_millis(400),
            healthy_threshold: 2,
            unhealthy_threshold: 2,
            matcher: vec![200..=299],
        },
        algorithm: Algorithm::RoundRobin,
        slow_start: None,
        deregistration_delay: Duration::from_secs(300),
        stickiness: None,
    }
}

fn states(rt: &TargetGroupRuntime) -> Vec<(&'static str, Option<&'static str>)> {
    rt.snapshot().iter().map(|t| (t.state, t.reason)).collect()
}

/// Polls until `want` holds or `limit` passes; returns how long it took.
async fn until(limit: Duration, mut want: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if want() {
            return Some(start.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn targets_become_healthy_or_unhealthy_within_their_thresholds() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (ok, ok_task) = server(200, Arc::clone(&seen)).await;
    let (error, _error_task) = server(500, Arc::new(Mutex::new(Vec::new()))).await;
    let (silent, _silent_task) = silent_server().await;
    let closed = closed_port().await;

    let rt = TargetGroupRuntime::new(&group(&[ok, error, silent, closed]));
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let checker = spawn_health_checks(Arc::clone(&rt), shutdown);

    // The first round runs at once; its one result is below every threshold.
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert!(
        states(&rt).iter().all(|(s, _)| *s == "initial"),
        "{:?}",
        states(&rt)
    );

    // The second round, one interval later, decides.
    let settled = until(Duration::from_millis(2500), || {
        states(&rt)
            == [
                ("healthy", None),
                ("unhealthy", Some("Target.ResponseCodeMismatch")),
                ("unhealthy", Some("Target.Timeout")),
                ("unhealthy", Some("Target.FailedHealthChecks")),
            ]
    })
    .await;
    assert!(settled.is_some(), "{:?}", states(&rt));

    let requests = seen.lock().unwrap().clone();
    assert!(requests.len() >= 2);
    let first = &requests[0];
    assert!(first.starts_with("GET /health HTTP/1.1\r\n"), "{first}");
    assert!(first.contains(&format!("\r\nHost: {ok}\r\n")), "{first}");
    assert!(
        first.contains("\r\nUser-Agent: ELB-HealthChecker/2.0\r\n"),
        "{first}"
    );

    // Only the healthy target is routed to.
    for _ in 0..5 {
        assert_eq!(rt.pick(None, Instant::now()).unwrap().addr(), ok);
    }

    // Killed: unhealthy within the unhealthy threshold of intervals (plus one in progress).
    ok_task.abort();
    let _ = ok_task.await;
    let down = until(Duration::from_millis(3500), || {
        states(&rt)[0] == ("unhealthy", Some("Target.FailedHealthChecks"))
    })
    .await;
    assert!(down.is_some(), "{:?}", states(&rt));

    // Nothing healthy: the group fails open to every target.
    let picked: std::collections::HashSet<_> = (0..8)
        .map(|_| rt.pick(None, Instant::now()).unwrap().addr())
        .collect();
    assert_eq!(picked.len(), 4);

    stop.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(2), checker)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn the_health_check_port_overrides_the_traffic_port() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let (check_port, _task) = server(200, Arc::clone(&seen)).await;
    let traffic = closed_port().await;
    let mut config = group(&[SocketAddr::new(traffic.ip(), traffic.port())]);
    config.health_check.port = Some(check_port.port());
    config.health_check.healthy_threshold = 1;
    let rt = TargetGroupRuntime::new(&config);
    let (stop, shutdown) = tokio::sync::watch::channel(false);
    let checker = spawn_health_checks(Arc::clone(&rt), shutdown);
    let healthy = until(Duration::from_millis(1500), || {
        states(&rt)[0].0 == "healthy"
    })
    .await;
    assert!(healthy.is_some(), "{:?}", states(&rt));
    assert!(seen.lock().unwrap()[0].contains(&format!("\r\nHost: {check_port}\r\n")));
    drop(stop);
    tokio::time::timeout(Duration::from_secs(2), checker)
        .await
        .unwrap()
        .unwrap();
}

#[tokio::test]
async fn https_health_checks_accept_a_self_signed_target_certificate() {
    let tls = model::ListenerTls {
        ssl_policy: model::SslPolicy {
            name: "test".into(),
            min_version: model::TlsVersion::Tls12,
            max_version: model::TlsVersion::Tls13,
            ciphers: vec!["TLS_AES_128_GCM_SHA256".into()],
        },
        default_certificate: model::Certificate::SelfSigned {
            names: vec!["target.internal".into()],
        },
        certificates: vec![],
    };
    let acceptor =
        tokio_rustls::TlsAcceptor::from(lb::internals::server_config(&tls, &[]).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _task = tokio::spawn(async move {
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut conn) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = [0u8; 1024];
                let _ = conn.read(&mut buf).await;
                let _ = conn
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    .await;
                let _ = conn.shutdown().await;
            });
        }
    });

    let mut config = group(&[addr]);
    config.protocol = TargetProtocol::Https;
    config.health_check.protocol = TargetProtocol::Https;
    config.health_check.healthy_threshold = 1;
    let rt = TargetGroupRuntime::new(&config);
    let (_stop, shutdown) = tokio::sync::watch::channel(false);
    let _checker = spawn_health_checks(Arc::clone(&rt), shutdown);
    let healthy = until(Duration::from_millis(1500), || {
        states(&rt)[0].0 == "healthy"
    })
    .await;
    assert!(healthy.is_some(), "{:?}", states(&rt));
}
