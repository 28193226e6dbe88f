//! HTTPS listeners end to end: a test CA made here, SNI choosing the certificate, ALPN h2 and
//! http/1.1 through the proxy to a real origin, and a TLS 1.3-only policy refusing TLS 1.2.

#![allow(clippy::unwrap_used)]

mod common;
mod net;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use common::TestCa;
use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use net::*;
use rustls::pki_types::ServerName;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

fn cert_yaml(c: &model::Certificate) -> String {
    match c {
        model::Certificate::Files { cert, key } => {
            format!(
                "{{cert: \"{}\", key: \"{}\"}}",
                cert.display(),
                key.display()
            )
        }
        model::Certificate::SelfSigned { .. } => unreachable!(),
    }
}

async fn https_server(ca: &TestCa, origin: &Origin, policy: &str) -> (lb::Server, SocketAddr) {
    let default = ca.leaf(&["www.example.test"]);
    let api = ca.leaf(&["api.example.test"]);
    let port = free_port();
    let yaml = format!(
        r#"
target_groups:
  app:
    targets: ["{}"]
    health_check: {{path: /health, interval_seconds: 5, timeout_seconds: 2}}
load_balancers:
  web:
    listeners:
      - protocol: HTTPS
        address: 127.0.0.1
        port: {port}
        ssl_policy: {policy}
        certificate: {}
        certificates: [{}]
        default_action: {{forward: app}}
"#,
        origin.addr,
        cert_yaml(&default),
        cert_yaml(&api)
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    (server, addr)
}

fn client(
    ca: &TestCa,
    alpn: &[&[u8]],
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::TlsConnector {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(ca.roots())
        .with_no_client_auth();
    cfg.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    tokio_rustls::TlsConnector::from(Arc::new(cfg))
}

fn subject_names(der: &[u8]) -> String {
    // the test certificates carry their names as printable text inside the DER
    String::from_utf8_lossy(der).into_owned()
}

#[tokio::test]
async fn sni_picks_the_certificate_and_alpn_h2_reaches_the_origin() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = https_server(&ca, &origin, "ELBSecurityPolicy-TLS13-1-2-2021-06").await;

    for name in ["www.example.test", "api.example.test"] {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let tls = client(&ca, &[b"h2"], rustls::ALL_VERSIONS)
            .connect(ServerName::try_from(name).unwrap(), tcp)
            .await
            .expect("the certificate for the SNI name verifies against the test CA");
        let (_, conn) = tls.get_ref();
        assert_eq!(conn.alpn_protocol(), Some(b"h2".as_slice()));
        let leaf = &conn.peer_certificates().unwrap()[0];
        assert!(subject_names(leaf).contains(name));

        let (mut send, driver) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(tls))
                .await
                .unwrap();
        tokio::spawn(driver);
        let req = hyper::Request::get(format!("https://{name}/h2-path?q=1"))
            .body(Empty::<Bytes>::new())
            .unwrap();
        let resp = send.send_request(req).await.unwrap();
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["x-origin"], "o");
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&body).to_ascii_lowercase();
        assert!(body.contains("get /h2-path?q=1 http/1.1"), "{body}");
        assert!(body.contains("x-forwarded-proto: https"), "{body}");
    }
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn https_http1_over_alpn_and_without_sni_gets_the_default_certificate() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = https_server(&ca, &origin, "ELBSecurityPolicy-TLS13-1-2-2021-06").await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    // an IP address as the server name sends no SNI
    let result = client(&ca, &[b"http/1.1"], rustls::ALL_VERSIONS)
        .connect(ServerName::try_from("127.0.0.1").unwrap(), tcp)
        .await;
    // the default certificate names www.example.test, not the address: verification fails,
    // which shows the default was served
    assert!(result.is_err());

    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = client(&ca, &[b"http/1.1"], rustls::ALL_VERSIONS)
        .connect(ServerName::try_from("www.example.test").unwrap(), tcp)
        .await
        .unwrap();
    tls.write_all(b"GET /one HTTP/1.1\r\nHost: www.example.test\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let r = read_reply(&mut tls, &mut buf).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.origin().as_deref(), Some("o"));
    server.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn a_tls13_only_policy_refuses_tls12_clients() {
    let ca = TestCa::new();
    let origin = Origin::start("o").await;
    let (server, addr) = https_server(&ca, &origin, "ELBSecurityPolicy-TLS13-1-3-2021-06").await;
    let tcp = TcpStream::connect(addr).await.unwrap();
    let refused = client(&ca, &[b"http/1.1"], &[&rustls::version::TLS12])
        .connect(ServerName::try_from("www.example.test").unwrap(), tcp)
        .await;
    assert!(refused.is_err(), "TLS 1.2 must be refused");
    let tcp = TcpStream::connect(addr).await.unwrap();
    let accepted = client(&ca, &[b"http/1.1"], &[&rustls::version::TLS13])
        .connect(ServerName::try_from("www.example.test").unwrap(), tcp)
        .await;
    assert!(accepted.is_ok());
    server.shutdown(Duration::from_secs(1)).await;
}
