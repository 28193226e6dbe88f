//! Shared helpers for the load balancer's integration tests.

#![allow(dead_code, clippy::unwrap_used, unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, KeyUsagePurpose,
    SignatureAlgorithm,
};
use rustls::pki_types::CertificateDer;

/// A directory of its own under the system temporary directory, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "rampart-lb-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A certificate authority for tests, issuing leaf certificates as PEM files.
pub struct TestCa {
    issuer: CertifiedIssuer<'static, KeyPair>,
    dir: TempDir,
    issued: AtomicU32,
}

impl TestCa {
    pub fn new() -> TestCa {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Rampart test CA");
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        TestCa {
            issuer,
            dir: TempDir::new("ca"),
            issued: AtomicU32::new(0),
        }
    }

    pub fn root(&self) -> CertificateDer<'static> {
        self.issuer.der().clone()
    }

    /// A root store trusting only this CA.
    pub fn roots(&self) -> rustls::RootCertStore {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.root()).unwrap();
        roots
    }

    /// An ECDSA P-256 leaf for `names`, as a listener certificate.
    pub fn leaf(&self, names: &[&str]) -> model::Certificate {
        self.leaf_with(names, &rcgen::PKCS_ECDSA_P256_SHA256)
    }

    /// A leaf whose key uses `alg`; its chain file holds the leaf then the CA.
    pub fn leaf_with(
        &self,
        names: &[&str],
        alg: &'static SignatureAlgorithm,
    ) -> model::Certificate {
        let mut params =
            CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
                .unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or("leaf"));
        let key = KeyPair::generate_for(alg).unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        let n = self.issued.fetch_add(1, Ordering::Relaxed);
        let cert_path = self.dir.path().join(format!("leaf{n}.pem"));
        let key_path = self.dir.path().join(format!("leaf{n}.key"));
        std::fs::write(&cert_path, format!("{}{}", cert.pem(), self.issuer.pem())).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        model::Certificate::Files {
            cert: cert_path,
            key: key_path,
        }
    }
}

/// A TLS connection to `addr` for `server_name`, trusting `ca`, offering ALPN `h2`.
pub async fn tls_h2(
    ca: &TestCa,
    addr: std::net::SocketAddr,
    server_name: &str,
) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(ca.roots())
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"h2".to_vec()];
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from(server_name.to_owned()).unwrap();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(cfg))
        .connect(name, tcp)
        .await
        .unwrap()
}

/// An HTTP/2 client over [`tls_h2`], its connection driven on the runtime.
pub async fn h2_client<B>(
    ca: &TestCa,
    addr: std::net::SocketAddr,
    server_name: &str,
) -> hyper::client::conn::http2::SendRequest<B>
where
    B: hyper::body::Body + Send + Unpin + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let tls = tls_h2(ca, addr, server_name).await;
    let (send, driver) = hyper::client::conn::http2::handshake(
        hyper_util::rt::TokioExecutor::new(),
        hyper_util::rt::TokioIo::new(tls),
    )
    .await
    .unwrap();
    tokio::spawn(driver);
    send
}

/// A response's body as text (lossy UTF-8).
pub async fn body_text(resp: hyper::Response<hyper::body::Incoming>) -> String {
    use http_body_util::BodyExt;
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8_lossy(&body).into_owned()
}
