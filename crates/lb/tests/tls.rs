//! TLS termination over real loopback connections: SNI certificate selection, security
//! policies, ALPN.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::TestCa;
use lb::internals::{TlsContext, TlsInfo};
use model::{Certificate, ListenerTls, SslPolicy, TlsVersion};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, ProtocolVersion, SignatureScheme};
use tokio::net::{TcpListener, TcpStream};

fn policy_tls13_1_2() -> SslPolicy {
    SslPolicy {
        name: "ELBSecurityPolicy-TLS13-1-2-2021-06".into(),
        min_version: TlsVersion::Tls12,
        max_version: TlsVersion::Tls13,
        ciphers: [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES128-SHA256",
            "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-AES256-SHA384",
            "ECDHE-RSA-AES256-SHA384",
        ]
        .map(String::from)
        .to_vec(),
    }
}

fn policy_tls13_1_3() -> SslPolicy {
    SslPolicy {
        name: "ELBSecurityPolicy-TLS13-1-3-2021-06".into(),
        min_version: TlsVersion::Tls13,
        max_version: TlsVersion::Tls13,
        ciphers: [
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
        ]
        .map(String::from)
        .to_vec(),
    }
}

fn policy_2016_08() -> SslPolicy {
    SslPolicy {
        name: "ELBSecurityPolicy-2016-08".into(),
        min_version: TlsVersion::Tls10,
        max_version: TlsVersion::Tls12,
        ciphers: [
            "ECDHE-ECDSA-AES128-GCM-SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES128-SHA256",
            "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES128-SHA",
            "ECDHE-RSA-AES128-SHA",
            "ECDHE-ECDSA-AES256-GCM-SHA384",
            "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-AES256-SHA384",
            "ECDHE-RSA-AES256-SHA384",
            "ECDHE-RSA-AES256-SHA",
            "ECDHE-ECDSA-AES256-SHA",
            "AES128-GCM-SHA256",
            "AES128-SHA256",
            "AES128-SHA",
            "AES256-GCM-SHA384",
            "AES256-SHA256",
            "AES256-SHA",
        ]
        .map(String::from)
        .to_vec(),
    }
}

struct Client {
    versions: Vec<&'static rustls::SupportedProtocolVersion>,
    alpn: Vec<Vec<u8>>,
    /// Signature schemes the client claims; `None` is rustls' full list.
    schemes: Option<Vec<SignatureScheme>>,
}

impl Default for Client {
    fn default() -> Self {
        Client {
            versions: vec![&rustls::version::TLS13, &rustls::version::TLS12],
            alpn: Vec::new(),
            schemes: None,
        }
    }
}

/// A verifier that checks the chain like rustls' own but advertises fewer signature schemes,
/// to act as a client limited to some key types.
#[derive(Debug)]
struct FewerSchemes(Arc<WebPkiServerVerifier>, Vec<SignatureScheme>);

impl ServerCertVerifier for FewerSchemes {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.clone()
    }
}

struct ClientView {
    peer: CertificateDer<'static>,
    protocol: ProtocolVersion,
    alpn: Option<Vec<u8>>,
}

/// One handshake over loopback; the server's and the client's view of it.
async fn handshake(
    ctx: &TlsContext,
    ca: &TestCa,
    client: Client,
    name: &str,
) -> (Result<TlsInfo, String>, Result<ClientView, String>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server_ctx = ctx.clone();
    let server = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(server_ctx.config());
        let stream = acceptor.accept(tcp).await.map_err(|e| e.to_string())?;
        Ok::<_, String>(server_ctx.negotiated(stream.get_ref().1))
    });

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&client.versions)
        .unwrap();
    let mut config = match client.schemes {
        None => builder.with_root_certificates(ca.roots()),
        Some(schemes) => {
            let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(ca.roots()), provider)
                .build()
                .unwrap();
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(FewerSchemes(inner, schemes)))
        }
    }
    .with_no_client_auth();
    config.alpn_protocols = client.alpn;
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.unwrap();
    let server_name = ServerName::try_from(name.to_owned()).unwrap();
    let client = match connector.connect(server_name, tcp).await {
        Ok(stream) => {
            let conn = stream.get_ref().1;
            Ok(ClientView {
                peer: conn.peer_certificates().unwrap()[0].clone(),
                protocol: conn.protocol_version().unwrap(),
                alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
            })
        }
        Err(e) => Err(e.to_string()),
    };
    (server.await.unwrap(), client)
}

fn leaf_der(cert: &Certificate) -> CertificateDer<'static> {
    use rustls::pki_types::pem::PemObject;
    let Certificate::Files { cert, .. } = cert else {
        panic!("not a file certificate")
    };
    CertificateDer::pem_file_iter(cert)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
}

fn cert_path(cert: &Certificate) -> String {
    let Certificate::Files { cert, .. } = cert else {
        panic!("not a file certificate")
    };
    cert.display().to_string()
}

#[tokio::test]
async fn sni_selects_the_matching_certificate_and_ip_clients_get_the_default() {
    let ca = TestCa::new();
    let default = ca.leaf(&["default.example.net", "127.0.0.1"]);
    let api = ca.leaf(&["api.example.com"]);
    let wildcard = ca.leaf(&["*.example.com"]);
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_2(),
        default_certificate: default.clone(),
        certificates: vec![wildcard.clone(), api.clone()],
    };
    let ctx = TlsContext::new(&tls, &[]).unwrap();

    for (name, expected) in [
        ("api.example.com", &api),
        ("www.example.com", &wildcard),
        ("default.example.net", &default),
    ] {
        let (server, client) = handshake(&ctx, &ca, Client::default(), name).await;
        let (server, client) = (server.unwrap(), client.unwrap());
        assert_eq!(client.peer, leaf_der(expected), "{name}");
        assert_eq!(server.sni.as_deref(), Some(name));
        assert_eq!(
            server.certificate,
            Some(lb::certificate_arn(&cert_path(expected)))
        );
    }

    // By IP address: no SNI, so the default certificate, which names the address.
    let (server, client) = handshake(&ctx, &ca, Client::default(), "127.0.0.1").await;
    let (server, client) = (server.unwrap(), client.unwrap());
    assert_eq!(client.peer, leaf_der(&default));
    assert_eq!(server.sni, None);
    assert_eq!(
        server.certificate,
        Some(lb::certificate_arn(&cert_path(&default)))
    );

    // A name no certificate has: the default is served and the client rightly refuses it.
    let (_, client) = handshake(&ctx, &ca, Client::default(), "other.example.org").await;
    assert!(client.is_err());
}

#[tokio::test]
async fn among_same_name_certificates_the_client_gets_a_key_type_it_supports() {
    let ca = TestCa::new();
    let ed25519 = ca.leaf_with(&["multi.example.com"], &rcgen::PKCS_ED25519);
    let ecdsa = ca.leaf_with(&["multi.example.com"], &rcgen::PKCS_ECDSA_P256_SHA256);
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_2(),
        default_certificate: ca.leaf(&["default.example.net"]),
        certificates: vec![ed25519.clone(), ecdsa.clone()],
    };
    let ctx = TlsContext::new(&tls, &[]).unwrap();

    let (_, client) = handshake(&ctx, &ca, Client::default(), "multi.example.com").await;
    assert_eq!(client.unwrap().peer, leaf_der(&ecdsa), "ECDSA is preferred");

    let only_ed25519 = Client {
        schemes: Some(vec![SignatureScheme::ED25519]),
        ..Client::default()
    };
    let (server, client) = handshake(&ctx, &ca, only_ed25519, "multi.example.com").await;
    assert_eq!(client.unwrap().peer, leaf_der(&ed25519));
    assert!(server.is_ok());

    let tls12_ecdsa_only = Client {
        versions: vec![&rustls::version::TLS12],
        schemes: Some(vec![SignatureScheme::ECDSA_NISTP256_SHA256]),
        ..Client::default()
    };
    let (server, client) = handshake(&ctx, &ca, tls12_ecdsa_only, "multi.example.com").await;
    assert_eq!(client.unwrap().peer, leaf_der(&ecdsa));
    assert_eq!(
        server.unwrap().certificate,
        Some(lb::certificate_arn(&cert_path(&ecdsa)))
    );
}

#[tokio::test]
async fn tls13_only_policy_refuses_a_tls12_client() {
    let ca = TestCa::new();
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_3(),
        default_certificate: ca.leaf(&["www.example.com"]),
        certificates: vec![],
    };
    let ctx = TlsContext::new(&tls, &[]).unwrap();
    let tls12 = Client {
        versions: vec![&rustls::version::TLS12],
        ..Client::default()
    };
    let (server, client) = handshake(&ctx, &ca, tls12, "www.example.com").await;
    assert!(server.is_err());
    assert!(client.is_err());

    let (server, client) = handshake(&ctx, &ca, Client::default(), "www.example.com").await;
    assert_eq!(client.unwrap().protocol, ProtocolVersion::TLSv1_3);
    let server = server.unwrap();
    assert_eq!(server.protocol, "TLSv1.3");
    assert_eq!(server.cipher, "TLS_AES_128_GCM_SHA256");
}

#[tokio::test]
async fn default_policy_accepts_tls12_and_tls13_clients() {
    let ca = TestCa::new();
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_2(),
        default_certificate: ca.leaf(&["www.example.com"]),
        certificates: vec![],
    };
    let ctx = TlsContext::new(&tls, &[]).unwrap();

    let tls12 = Client {
        versions: vec![&rustls::version::TLS12],
        ..Client::default()
    };
    let (server, client) = handshake(&ctx, &ca, tls12, "www.example.com").await;
    assert_eq!(client.unwrap().protocol, ProtocolVersion::TLSv1_2);
    let server = server.unwrap();
    assert_eq!(server.protocol, "TLSv1.2");
    // Server order: the policy's first ECDSA suite, whatever the client prefers.
    assert_eq!(server.cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");

    let (server, client) = handshake(&ctx, &ca, Client::default(), "www.example.com").await;
    assert_eq!(client.unwrap().protocol, ProtocolVersion::TLSv1_3);
    assert_eq!(server.unwrap().protocol, "TLSv1.3");
}

#[tokio::test]
async fn tls10_policy_is_served_as_tls12() {
    let ca = TestCa::new();
    let tls = ListenerTls {
        ssl_policy: policy_2016_08(),
        default_certificate: ca.leaf(&["www.example.com"]),
        certificates: vec![],
    };
    let ctx = TlsContext::new(&tls, &[]).unwrap();
    let (server, client) = handshake(&ctx, &ca, Client::default(), "www.example.com").await;
    assert_eq!(client.unwrap().protocol, ProtocolVersion::TLSv1_2);
    assert_eq!(server.unwrap().cipher, "ECDHE-ECDSA-AES128-GCM-SHA256");
}

#[tokio::test]
async fn alpn_negotiates_h2_when_offered() {
    let ca = TestCa::new();
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_2(),
        default_certificate: ca.leaf(&["www.example.com"]),
        certificates: vec![],
    };
    let ctx = TlsContext::new(&tls, &[b"h2", b"http/1.1"]).unwrap();

    let h2 = Client {
        alpn: vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        ..Client::default()
    };
    let (server, client) = handshake(&ctx, &ca, h2, "www.example.com").await;
    assert_eq!(client.unwrap().alpn.as_deref(), Some(&b"h2"[..]));
    assert_eq!(server.unwrap().alpn.as_deref(), Some(&b"h2"[..]));

    let http1 = Client {
        alpn: vec![b"http/1.1".to_vec()],
        ..Client::default()
    };
    let (server, _) = handshake(&ctx, &ca, http1, "www.example.com").await;
    assert_eq!(server.unwrap().alpn.as_deref(), Some(&b"http/1.1"[..]));

    let (server, _) = handshake(&ctx, &ca, Client::default(), "www.example.com").await;
    assert_eq!(server.unwrap().alpn, None);
}

#[tokio::test]
async fn self_signed_certificates_are_generated_for_their_names() {
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_2(),
        default_certificate: Certificate::SelfSigned {
            names: vec!["lab.example.com".into()],
        },
        certificates: vec![],
    };
    let ctx = TlsContext::new(&tls, &[]).unwrap();
    assert_eq!(
        lb::internals::certificate_names(ctx.certs()),
        ["lab.example.com"]
    );
}

#[test]
fn missing_files_are_reported_with_their_path() {
    let tls = ListenerTls {
        ssl_policy: policy_tls13_1_2(),
        default_certificate: Certificate::Files {
            cert: "/nonexistent/cert.pem".into(),
            key: "/nonexistent/key.pem".into(),
        },
        certificates: vec![],
    };
    let err = TlsContext::new(&tls, &[]).unwrap_err();
    assert!(err.to_string().contains("/nonexistent/cert.pem"), "{err}");
}
