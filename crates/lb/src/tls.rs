//! TLS termination for HTTPS listeners: certificates, ELB security policies mapped onto rustls,
//! and AWS's "smart" SNI certificate selection.
//!
//! Differences from AWS, on purpose:
//! - rustls implements only TLS 1.2 and 1.3. A policy whose minimum is TLS 1.0 or 1.1
//!   (`ELBSecurityPolicy-2016-08`, `…-TLS13-1-0-2021-06`, …) serves TLS 1.2 and 1.3 only;
//!   clients limited to TLS 1.0/1.1 fail the handshake instead of connecting.
//! - CBC and static-RSA key-exchange suites (`ECDHE-RSA-AES128-SHA256`, `AES128-GCM-SHA256`,
//!   …) are not implemented by rustls and are skipped; the AEAD ECDHE suites of a policy are
//!   served in the policy's order.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use model::{Certificate, ListenerTls, SslPolicy, TlsVersion};
use rustls::crypto::CryptoProvider;
use rustls::crypto::ring as ring_provider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert, ServerConfig};
use rustls::sign::CertifiedKey;
use rustls::{
    CipherSuite, HandshakeKind, ProtocolVersion, ServerConnection, SignatureAlgorithm,
    SupportedCipherSuite, SupportedProtocolVersion,
};

/// Why a listener's TLS configuration cannot be built. Every variant is a configuration or
/// file problem: the listener must not start with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    #[error("{path}: cannot read PEM: {reason}")]
    Pem { path: PathBuf, reason: String },
    #[error("{path}: no certificate in the file")]
    NoCertificate { path: PathBuf },
    #[error("{path}: unusable private key: {reason}")]
    Key { path: PathBuf, reason: String },
    #[error("{path}: the certificate cannot be parsed: {reason}")]
    BadCertificate { path: PathBuf, reason: String },
    #[error("cannot generate a self-signed certificate for {names:?}: {reason}")]
    SelfSigned { names: Vec<String>, reason: String },
    #[error(
        "security policy {policy}: none of its cipher suites is implemented (only the AEAD ECDHE \
         and TLS 1.3 suites are)"
    )]
    NoCipherSuite { policy: String },
    #[error(
        "security policy {policy}: no TLS version it allows is implemented (only TLS 1.2 and 1.3 are)"
    )]
    NoProtocolVersion { policy: String },
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
}

/// AWS's (OpenSSL) cipher names and the rustls suites that implement them. Anything not listed
/// (CBC, RSA key exchange, 3DES) has no rustls implementation.
const SUITES: &[(&str, SupportedCipherSuite)] = &[
    (
        "TLS_AES_128_GCM_SHA256",
        ring_provider::cipher_suite::TLS13_AES_128_GCM_SHA256,
    ),
    (
        "TLS_AES_256_GCM_SHA384",
        ring_provider::cipher_suite::TLS13_AES_256_GCM_SHA384,
    ),
    (
        "TLS_CHACHA20_POLY1305_SHA256",
        ring_provider::cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        ring_provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-RSA-AES128-GCM-SHA256",
        ring_provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        ring_provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-RSA-AES256-GCM-SHA384",
        ring_provider::cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        ring_provider::cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        "ECDHE-RSA-CHACHA20-POLY1305",
        ring_provider::cipher_suite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

/// The rustls suite for an AWS/OpenSSL cipher name, when rustls implements it.
pub(crate) fn rustls_suite(openssl_name: &str) -> Option<SupportedCipherSuite> {
    SUITES
        .iter()
        .find(|(name, _)| *name == openssl_name)
        .map(|(_, suite)| *suite)
}

/// The name AWS logs (`ssl_cipher`) for a negotiated suite.
pub(crate) fn openssl_name(suite: CipherSuite) -> &'static str {
    SUITES
        .iter()
        .find(|(_, s)| s.suite() == suite)
        .map_or("-", |(name, _)| name)
}

/// `TLSv1.2`, as AWS's `ssl_protocol` field spells it.
pub(crate) fn protocol_name(version: ProtocolVersion) -> &'static str {
    match version {
        ProtocolVersion::TLSv1_3 => "TLSv1.3",
        ProtocolVersion::TLSv1_2 => "TLSv1.2",
        ProtocolVersion::TLSv1_1 => "TLSv1.1",
        ProtocolVersion::TLSv1_0 => "TLSv1",
        _ => "-",
    }
}

/// The provider and versions a policy comes down to in rustls.
fn apply_policy(
    policy: &SslPolicy,
) -> Result<(CryptoProvider, Vec<&'static SupportedProtocolVersion>), TlsError> {
    let allows = |v: TlsVersion| policy.min_version <= v && v <= policy.max_version;
    let mut suites = Vec::new();
    for name in &policy.ciphers {
        let Some(suite) = rustls_suite(name) else {
            tracing::debug!(policy = %policy.name, cipher = %name, "cipher suite not implemented by rustls; skipped");
            continue;
        };
        let wanted = match suite {
            SupportedCipherSuite::Tls12(_) => allows(TlsVersion::Tls12),
            SupportedCipherSuite::Tls13(_) => allows(TlsVersion::Tls13),
        };
        if wanted && !suites.contains(&suite) {
            suites.push(suite);
        }
    }
    if suites.is_empty() {
        return Err(TlsError::NoCipherSuite {
            policy: policy.name.clone(),
        });
    }
    // A version is served only if the policy allows it and some suite of it survived.
    let mut versions = Vec::new();
    if suites
        .iter()
        .any(|s| matches!(s, SupportedCipherSuite::Tls13(_)))
    {
        versions.push(&rustls::version::TLS13);
    }
    if suites
        .iter()
        .any(|s| matches!(s, SupportedCipherSuite::Tls12(_)))
    {
        versions.push(&rustls::version::TLS12);
    }
    if versions.is_empty() {
        return Err(TlsError::NoProtocolVersion {
            policy: policy.name.clone(),
        });
    }
    let mut provider = ring_provider::default_provider();
    provider.cipher_suites = suites;
    Ok((provider, versions))
}

/// A certificate a listener can serve, with the names it answers for.
#[derive(Debug)]
struct NamedCert {
    /// What the access log's `chosen_cert_arn` shows.
    id: String,
    /// Lowercased SAN DNS names, wildcards kept as `*.example.com`.
    names: Vec<String>,
    key: Arc<CertifiedKey>,
}

/// The certificates of one HTTPS listener and AWS's smart selection among them.
///
/// The default certificate takes part in SNI matching too (AWS adds it to the certificate
/// list). For a server name, exact matches are preferred over wildcard matches; among equal
/// matches, the first whose key the client can use (its signature schemes), ECDSA before RSA
/// as AWS orders them, then configuration order. No SNI, or no match: the default certificate.
#[derive(Debug)]
pub struct CertStore {
    /// `certs[0]` is the default certificate.
    certs: Vec<NamedCert>,
}

impl CertStore {
    fn load(tls: &ListenerTls, provider: &CryptoProvider) -> Result<Self, TlsError> {
        let certs = std::iter::once(&tls.default_certificate)
            .chain(&tls.certificates)
            .map(|c| load_certificate(c, provider))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(CertStore { certs })
    }

    /// The certificate for a server name. `usable` says whether the client can use a key.
    fn select(&self, sni: Option<&str>, usable: impl Fn(&CertifiedKey) -> bool) -> &NamedCert {
        let default = &self.certs[0];
        let Some(sni) = sni else { return default };
        let sni = sni.trim_end_matches('.').to_ascii_lowercase();
        let exact: Vec<&NamedCert> = self
            .certs
            .iter()
            .filter(|c| c.names.contains(&sni))
            .collect();
        let wildcard: Vec<&NamedCert> = self
            .certs
            .iter()
            .filter(|c| c.names.iter().any(|n| wildcard_matches(n, &sni)))
            .collect();
        for tier in [&exact, &wildcard] {
            let best = tier
                .iter()
                .filter(|c| usable(&c.key))
                .min_by_key(|c| key_preference(c.key.key.algorithm()));
            if let Some(best) = best {
                return best;
            }
        }
        // Nothing the client can use: the handshake fails whichever is sent, so send the one
        // that answers the name, for the client's error message.
        exact
            .first()
            .or_else(|| wildcard.first())
            .copied()
            .unwrap_or(default)
    }

    /// The `chosen_cert_arn` for a completed handshake: `session-reused` for a resumed
    /// session (AWS logs that), else the certificate [`ResolvesServerCert::resolve`] chose.
    ///
    /// The handshake's suite tells the key type exactly for TLS 1.2. For TLS 1.3 the choice
    /// is recomputed assuming the client supports any key type, which is what happens for
    /// clients offering RFC 8446's mandatory ECDSA P-256 and RSA schemes. ⚠ A TLS 1.3 client
    /// able to use only some key types, with several same-name certificates of different key
    /// types, may be logged with the wrong one of them.
    pub fn chosen(&self, conn: &ServerConnection) -> &str {
        if conn.handshake_kind() == Some(HandshakeKind::Resumed) {
            return "session-reused";
        }
        let suite = conn.negotiated_cipher_suite();
        let chosen = self.select(conn.server_name(), |k| {
            suite.is_none_or(|s| s.usable_for_signature_algorithm(k.key.algorithm()))
        });
        &chosen.id
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let schemes = hello.signature_schemes();
        let chosen = self.select(hello.server_name(), |k| {
            k.key.choose_scheme(schemes).is_some()
        });
        Some(Arc::clone(&chosen.key))
    }
}

/// AWS's public-key criterion: ECDSA first.
fn key_preference(alg: SignatureAlgorithm) -> u8 {
    match alg {
        SignatureAlgorithm::ECDSA => 0,
        SignatureAlgorithm::RSA => 1,
        _ => 2,
    }
}

/// `*.example.com` matches exactly one leftmost label: `a.example.com`, not `example.com`
/// nor `a.b.example.com`.
fn wildcard_matches(pattern: &str, name: &str) -> bool {
    let Some(suffix) = pattern.strip_prefix("*.") else {
        return false;
    };
    match name.split_once('.') {
        Some((label, rest)) => !label.is_empty() && rest == suffix,
        None => false,
    }
}

fn load_certificate(cert: &Certificate, provider: &CryptoProvider) -> Result<NamedCert, TlsError> {
    match cert {
        Certificate::Files { cert, key } => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|it| it.collect::<Result<Vec<_>, _>>())
                .map_err(|e| pem_error(cert, e))?;
            if chain.is_empty() {
                return Err(TlsError::NoCertificate { path: cert.clone() });
            }
            let private = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, e))?;
            let certified =
                CertifiedKey::from_der(chain, private, provider).map_err(|e| TlsError::Key {
                    path: key.clone(),
                    reason: e.to_string(),
                })?;
            let names =
                san_dns_names(&certified.cert[0]).map_err(|reason| TlsError::BadCertificate {
                    path: cert.clone(),
                    reason,
                })?;
            Ok(NamedCert {
                id: certificate_arn(&cert.display().to_string()),
                names,
                key: Arc::new(certified),
            })
        }
        Certificate::SelfSigned { names } => {
            let fail = |e: rcgen::Error| TlsError::SelfSigned {
                names: names.clone(),
                reason: e.to_string(),
            };
            let generated = rcgen::generate_simple_self_signed(names.clone()).map_err(fail)?;
            let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
                generated.signing_key.serialize_der(),
            ));
            let certified =
                CertifiedKey::from_der(vec![generated.cert.der().clone()], key, provider)?;
            Ok(NamedCert {
                id: certificate_arn(&format!(
                    "self-signed/{}",
                    names.first().map_or("", String::as_str)
                )),
                names: names.iter().map(|n| n.to_ascii_lowercase()).collect(),
                key: Arc::new(certified),
            })
        }
    }
}

fn pem_error(path: &Path, e: rustls::pki_types::pem::Error) -> TlsError {
    TlsError::Pem {
        path: path.to_path_buf(),
        reason: e.to_string(),
    }
}

/// The DNS names of a certificate's subjectAltName extension, lowercased.
fn san_dns_names(der: &CertificateDer<'_>) -> Result<Vec<String>, String> {
    let cert = webpki::EndEntityCert::try_from(der).map_err(|e| e.to_string())?;
    Ok(cert
        .valid_dns_names()
        .map(|n| n.to_ascii_lowercase())
        .collect())
}

/// Rampart has no ACM: a certificate is identified by its file (or `self-signed/<name>`) in an
/// ARN-shaped string, so that tools expecting `arn:` in `chosen_cert_arn` keep working.
pub fn certificate_arn(id: &str) -> String {
    format!("arn:rampart:acm:local:000000000000:certificate/{id}")
}

/// A listener's TLS: the rustls configuration to accept with, and its certificates to name
/// the chosen one in the access log.
#[derive(Clone)]
pub struct TlsContext {
    config: Arc<ServerConfig>,
    certs: Arc<CertStore>,
}

impl fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsContext")
            .field("certs", &self.certs)
            .finish_non_exhaustive()
    }
}

impl TlsContext {
    /// Loads or generates the certificates and applies the security policy. `alpn` is offered
    /// in preference order (e.g. `[b"h2", b"http/1.1"]`).
    pub fn new(tls: &ListenerTls, alpn: &[&[u8]]) -> Result<Self, TlsError> {
        let (provider, versions) = apply_policy(&tls.ssl_policy)?;
        let certs = Arc::new(CertStore::load(tls, &provider)?);
        let mut config = ServerConfig::builder_with_provider(Arc::new(provider))
            .with_protocol_versions(&versions)?
            .with_no_client_auth()
            .with_cert_resolver(Arc::clone(&certs) as Arc<dyn ResolvesServerCert>);
        config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
        // ELB policies are server-ordered ("Server Order Preference").
        config.ignore_client_order = true;
        Ok(TlsContext {
            config: Arc::new(config),
            certs,
        })
    }

    pub fn config(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.config)
    }

    pub fn certs(&self) -> &CertStore {
        &self.certs
    }

    /// What the handshake settled, including the certificate served.
    pub fn negotiated(&self, conn: &ServerConnection) -> TlsInfo {
        let mut info = negotiated(conn);
        info.certificate = Some(self.certs.chosen(conn).to_owned());
        info
    }
}

/// The rustls configuration for an HTTPS listener; see [`TlsContext::new`].
pub fn server_config(tls: &ListenerTls, alpn: &[&[u8]]) -> Result<Arc<ServerConfig>, TlsError> {
    Ok(TlsContext::new(tls, alpn)?.config)
}

/// A completed handshake as the access log and the `x-amzn-tls-*` headers see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsInfo {
    /// The SNI server name (`domain_name`).
    pub sni: Option<String>,
    /// `TLSv1.2` or `TLSv1.3` (`ssl_protocol`).
    pub protocol: &'static str,
    /// The OpenSSL name of the suite (`ssl_cipher`).
    pub cipher: &'static str,
    pub alpn: Option<Vec<u8>>,
    /// `chosen_cert_arn`; only [`TlsContext::negotiated`] knows it.
    pub certificate: Option<String>,
    /// The ClientHello's JA3 fingerprint (MD5, 32 hex characters), for the WAF.
    pub ja3: Option<String>,
    /// The ClientHello's JA4 fingerprint (36 characters), for the WAF.
    pub ja4: Option<String>,
}

/// What a completed handshake negotiated.
pub(crate) fn negotiated(conn: &ServerConnection) -> TlsInfo {
    TlsInfo {
        sni: conn.server_name().map(str::to_owned),
        protocol: conn.protocol_version().map_or("-", protocol_name),
        cipher: conn
            .negotiated_cipher_suite()
            .map_or("-", |s| openssl_name(s.suite())),
        alpn: conn.alpn_protocol().map(<[u8]>::to_vec),
        certificate: None,
        ja3: None,
        ja4: None,
    }
}

/// The distinct names of the certificates, for diagnostics.
pub fn certificate_names(store: &CertStore) -> Vec<String> {
    let mut seen = HashSet::new();
    store
        .certs
        .iter()
        .flat_map(|c| c.names.iter().cloned())
        .filter(|n| seen.insert(n.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(min: TlsVersion, max: TlsVersion, ciphers: &[&str]) -> SslPolicy {
        SslPolicy {
            name: "test".into(),
            min_version: min,
            max_version: max,
            ciphers: ciphers.iter().map(|c| c.to_string()).collect(),
        }
    }

    #[test]
    fn aws_cipher_names_map_to_rustls_suites_and_back() {
        for (name, suite) in SUITES {
            assert_eq!(rustls_suite(name), Some(*suite));
            assert_eq!(openssl_name(suite.suite()), *name);
        }
        assert_eq!(
            rustls_suite("ECDHE-RSA-AES128-GCM-SHA256").map(|s| s.suite()),
            Some(CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
        );
        assert_eq!(
            openssl_name(CipherSuite::TLS13_AES_256_GCM_SHA384),
            "TLS_AES_256_GCM_SHA384"
        );
        for unsupported in [
            "ECDHE-RSA-AES128-SHA256",
            "ECDHE-ECDSA-AES128-SHA",
            "AES128-GCM-SHA256",
            "AES256-SHA",
            "DES-CBC3-SHA",
        ] {
            assert!(rustls_suite(unsupported).is_none(), "{unsupported}");
        }
    }

    #[test]
    fn policy_2016_08_serves_tls12_only_with_its_aead_suites() {
        let p = policy(
            TlsVersion::Tls10,
            TlsVersion::Tls12,
            &[
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "ECDHE-ECDSA-AES128-SHA256",
                "ECDHE-RSA-AES128-SHA",
                "AES128-GCM-SHA256",
                "ECDHE-RSA-AES256-GCM-SHA384",
            ],
        );
        let (provider, versions) = apply_policy(&p).unwrap();
        let names: Vec<_> = provider
            .cipher_suites
            .iter()
            .map(|s| openssl_name(s.suite()))
            .collect();
        assert_eq!(
            names,
            [
                "ECDHE-ECDSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES128-GCM-SHA256",
                "ECDHE-RSA-AES256-GCM-SHA384"
            ]
        );
        assert_eq!(versions, [&rustls::version::TLS12]);
    }

    #[test]
    fn tls13_suites_are_dropped_when_the_policy_stops_at_tls12() {
        let p = policy(
            TlsVersion::Tls12,
            TlsVersion::Tls12,
            &["TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES128-GCM-SHA256"],
        );
        let (provider, versions) = apply_policy(&p).unwrap();
        assert_eq!(provider.cipher_suites.len(), 1);
        assert_eq!(versions, [&rustls::version::TLS12]);
    }

    #[test]
    fn a_policy_of_only_cbc_suites_is_refused() {
        let p = policy(
            TlsVersion::Tls10,
            TlsVersion::Tls12,
            &["ECDHE-RSA-AES128-SHA", "AES128-SHA256"],
        );
        assert!(matches!(
            apply_policy(&p),
            Err(TlsError::NoCipherSuite { .. })
        ));
        let only_old = policy(
            TlsVersion::Tls10,
            TlsVersion::Tls11,
            &["ECDHE-RSA-AES128-GCM-SHA256"],
        );
        assert!(matches!(
            apply_policy(&only_old),
            Err(TlsError::NoCipherSuite { .. })
        ));
    }

    #[test]
    fn wildcards_match_one_label() {
        assert!(wildcard_matches("*.example.com", "a.example.com"));
        assert!(!wildcard_matches("*.example.com", "example.com"));
        assert!(!wildcard_matches("*.example.com", "a.b.example.com"));
        assert!(!wildcard_matches("*.example.com", ".example.com"));
        assert!(!wildcard_matches("a.example.com", "a.example.com"));
    }

    fn self_signed(names: &[&str]) -> Certificate {
        Certificate::SelfSigned {
            names: names.iter().map(|n| n.to_string()).collect(),
        }
    }

    #[test]
    fn selection_prefers_exact_then_wildcard_then_default() {
        let tls = ListenerTls {
            ssl_policy: policy(
                TlsVersion::Tls12,
                TlsVersion::Tls13,
                &["TLS_AES_128_GCM_SHA256"],
            ),
            default_certificate: self_signed(&["default.test"]),
            certificates: vec![
                self_signed(&["*.example.com"]),
                self_signed(&["api.example.com"]),
            ],
        };
        let ctx = TlsContext::new(&tls, &[]).unwrap();
        let any = |_: &CertifiedKey| true;
        let pick = |sni| ctx.certs.select(sni, any).names[0].clone();
        assert_eq!(pick(Some("api.example.com")), "api.example.com");
        assert_eq!(pick(Some("API.Example.COM.")), "api.example.com");
        assert_eq!(pick(Some("www.example.com")), "*.example.com");
        assert_eq!(pick(Some("example.com")), "default.test");
        assert_eq!(pick(Some("default.test")), "default.test");
        assert_eq!(pick(None), "default.test");
        // A match the client cannot use gives way to the next one it can.
        let not_exact = |k: &CertifiedKey| !Arc::ptr_eq(&k.key, &ctx.certs.certs[2].key.key);
        assert_eq!(
            ctx.certs.select(Some("api.example.com"), not_exact).names[0],
            "*.example.com"
        );
        assert_eq!(
            certificate_names(&ctx.certs),
            ["default.test", "*.example.com", "api.example.com"]
        );
    }
}
