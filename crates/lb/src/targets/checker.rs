//! The health checker: every interval, one `GET` per target over a fresh connection, as AWS's
//! `ELB-HealthChecker/2.0` sends it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use model::{HealthCheck, TargetProtocol};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, SignatureScheme};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use super::{CheckOutcome, TargetGroupRuntime};

/// Runs the group's health checks until `shutdown` turns true (or its sender is dropped).
/// Also expires draining targets, each when its deregistration delay is over, cutting the
/// requests still open to it. With checks disabled it only does the latter.
///
/// A reload builds a new runtime: stop this task and spawn one for the new runtime; the
/// targets' states carry over.
pub fn spawn_health_checks(
    rt: Arc<TargetGroupRuntime>,
    shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        // apart, so a slow round of checks cannot hold back an expiry
        tokio::join!(expire_when_due(&rt, shutdown.clone()), check(&rt, shutdown));
    })
}

async fn expire_when_due(rt: &TargetGroupRuntime, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            () = at(rt.next_drain_expiry()) => {}
            changed = shutdown.changed() => {
                if changed.is_err() { return; }
                continue;
            }
        }
        for addr in rt.expire_draining(Instant::now()) {
            tracing::info!(target_group = %rt.name(), target = %addr, "deregistration delay over; target removed");
        }
    }
}

/// Completes at `when`; never without one.
async fn at(when: Option<Instant>) {
    match when {
        Some(t) => tokio::time::sleep_until(t.into()).await,
        None => std::future::pending().await,
    }
}

async fn check(rt: &TargetGroupRuntime, mut shutdown: watch::Receiver<bool>) {
    let hc = rt.config().health_check.clone();
    if !hc.enabled {
        return;
    }
    let tls = match hc.protocol {
        TargetProtocol::Http => Transport::Plain,
        TargetProtocol::Https => match target_tls_config() {
            Ok(config) => Transport::Tls(tokio_rustls::TlsConnector::from(config)),
            Err(e) => {
                // Every check then fails and the group fails open, which is visible.
                tracing::error!(target_group = %rt.name(), error = %e, "cannot build TLS for health checks");
                Transport::Unusable
            }
        },
    };
    let mut tick = tokio::time::interval(hc.interval.max(std::time::Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            _ = tick.tick() => {}
            changed = shutdown.changed() => {
                if changed.is_err() { break; }
                continue;
            }
        }
        let mut probes = JoinSet::new();
        for (i, target) in rt.targets().iter().enumerate() {
            let (addr, hc, tls) = (target.addr(), hc.clone(), tls.clone());
            probes.spawn(async move { (i, probe(addr, &hc, &tls).await) });
        }
        let mut outcomes = Vec::with_capacity(rt.targets().len());
        while let Some(done) = probes.join_next().await {
            if let Ok(result) = done {
                outcomes.push(result);
            }
        }
        // One instant per round, so targets turning healthy together start together.
        let now = Instant::now();
        for (i, outcome) in outcomes {
            if let Some(target) = rt.targets().get(i) {
                rt.record_check(target, outcome, now);
            }
        }
    }
}

/// One health check of the target at `addr`.
async fn probe(addr: SocketAddr, hc: &HealthCheck, tls: &Transport) -> CheckOutcome {
    let to = SocketAddr::new(addr.ip(), hc.port.unwrap_or(addr.port()));
    match tokio::time::timeout(hc.timeout, exchange(to, &hc.path, tls)).await {
        Err(_) => CheckOutcome::Timeout,
        Ok(Err(e)) => {
            tracing::debug!(target = %to, error = %e, "health check failed");
            CheckOutcome::Failed
        }
        Ok(Ok(status)) if hc.is_success(status) => CheckOutcome::Success,
        Ok(Ok(status)) => CheckOutcome::ResponseCodeMismatch(status),
    }
}

#[derive(Clone)]
enum Transport {
    Plain,
    Tls(tokio_rustls::TlsConnector),
    Unusable,
}

async fn exchange(to: SocketAddr, path: &str, tls: &Transport) -> io::Result<u16> {
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {to}\r\nUser-Agent: ELB-HealthChecker/2.0\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        request_target(path)
    );
    let tcp = TcpStream::connect(to).await?;
    match tls {
        Transport::Plain => status_of(tcp, request.as_bytes()).await,
        Transport::Unusable => Err(io::Error::other("no TLS configuration")),
        Transport::Tls(connector) => {
            let stream = connector
                .connect(ServerName::IpAddress(to.ip().into()), tcp)
                .await?;
            status_of(stream, request.as_bytes()).await
        }
    }
}

/// The path as a request target: whatever would break the request line is percent-encoded.
fn request_target(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if !path.starts_with('/') {
        out.push('/');
    }
    for b in path.bytes() {
        if b <= b' ' || b >= 0x7f {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(char::from(b));
        }
    }
    out
}

async fn status_of<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, request: &[u8]) -> io::Result<u16> {
    s.write_all(request).await?;
    s.flush().await?;
    let mut buf = Vec::with_capacity(256);
    let mut chunk = [0u8; 256];
    loop {
        if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
            return status_code_of(&buf[..end])
                .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "bad status line"));
        }
        if buf.len() > 1024 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "status line too long",
            ));
        }
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The status code of an HTTP/1.x status line (`HTTP/1.1 200 OK`).
pub(crate) fn status_code_of(line: &[u8]) -> Option<u16> {
    let rest = line
        .strip_prefix(b"HTTP/1.1 ")
        .or_else(|| line.strip_prefix(b"HTTP/1.0 "))?;
    let code = rest.get(..3)?;
    if !code.iter().all(u8::is_ascii_digit) || rest.get(3).is_some_and(|&b| b != b' ') {
        return None;
    }
    std::str::from_utf8(code).ok()?.parse().ok()
}

/// TLS to targets for health checks. AWS does not verify target certificates, and neither does
/// this: see [`DangerousAcceptAnyTargetCertificate`].
fn target_tls_config() -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = Arc::new(DangerousAcceptAnyTargetCertificate(Arc::clone(&provider)));
    let config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// **Dangerous**: accepts any certificate from a target, expired, self-signed or for another
/// name, as AWS does for HTTPS target groups and their health checks. Handshake signatures are
/// still checked, so the peer holds the key of the certificate it sent. Used only towards
/// targets, never for anything a client reaches.
#[derive(Debug)]
pub(crate) struct DangerousAcceptAnyTargetCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for DangerousAcceptAnyTargetCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_lines() {
        assert_eq!(status_code_of(b"HTTP/1.1 200 OK"), Some(200));
        assert_eq!(status_code_of(b"HTTP/1.0 503"), Some(503));
        assert_eq!(status_code_of(b"HTTP/1.1 404 Not Found"), Some(404));
        assert_eq!(status_code_of(b"HTTP/1.1 20 OK"), None);
        assert_eq!(status_code_of(b"HTTP/1.1 2000 OK"), None);
        assert_eq!(status_code_of(b"HTTP/2 200"), None);
        assert_eq!(status_code_of(b"SSH-2.0-OpenSSH"), None);
    }

    #[test]
    fn request_targets_cannot_break_the_request_line() {
        assert_eq!(request_target("/health"), "/health");
        assert_eq!(request_target("/a b\r\nX: y"), "/a%20b%0D%0AX:%20y");
        assert_eq!(request_target("ping"), "/ping");
    }
}
