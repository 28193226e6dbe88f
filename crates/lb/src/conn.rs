//! A client connection: TLS (when the listener is HTTPS), then HTTP/2 or HTTP/1.1 as ALPN
//! decided.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpStream;

use crate::server::Shared;
use crate::tls::{self, TlsInfo};

/// What is known of a client connection before its first request.
#[derive(Clone, Debug)]
pub(crate) struct ConnInfo {
    pub(crate) peer: SocketAddr,
    pub(crate) local: SocketAddr,
    pub(crate) tls: Option<Arc<TlsInfo>>,
    /// The peer as `X-Forwarded-For` writes it.
    pub(crate) client_text: crate::rewrite::ClientText,
}

/// How long a client may take to complete the TLS handshake (AWS: 10 s).
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

pub(crate) async fn serve(
    shared: &Arc<Shared>,
    stream: TcpStream,
    mut conn: ConnInfo,
    tls_context: Option<Arc<tls::TlsContext>>,
) {
    let Some(context) = tls_context else {
        crate::h1::serve(shared, stream, conn).await;
        return;
    };
    let acceptor = tokio_rustls::TlsAcceptor::from(context.config());
    let handshake = async {
        let (hello, stream) = client_hello(stream).await?;
        let s = acceptor.accept(stream).await.ok()?;
        Some((hello, s))
    };
    let (fingerprints, tls_stream) =
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, handshake).await {
            Ok(Some(s)) => s,
            Ok(None) | Err(_) => {
                let g = shared.current.load();
                if let Some(r) = g.listener(conn.local) {
                    let m = &g.lbs[r.lb].metrics;
                    m.inc(&m.client_tls_errors);
                }
                return;
            }
        };
    let mut info = context.negotiated(tls_stream.get_ref().1);
    if let Some((ja3, ja4)) = fingerprints {
        info.ja3 = Some(ja3);
        info.ja4 = Some(ja4);
    }
    let h2 = info.alpn.as_deref() == Some(b"h2".as_slice());
    conn.tls = Some(Arc::new(info));
    if h2 {
        crate::h2::serve(shared, tls_stream, conn).await;
    } else {
        crate::h1::serve(shared, tls_stream, conn).await;
    }
}

/// The most ClientHello bytes read before the handshake: beyond it, no fingerprint.
const MAX_CLIENT_HELLO: usize = 16 * 1024;

/// Reads the client's first bytes up to the end of its ClientHello and computes its JA3 and
/// JA4 fingerprints; the bytes are replayed to rustls. `None` when the connection closed; a
/// ClientHello that does not parse gives no fingerprint (rustls then judges it).
async fn client_hello(
    mut stream: TcpStream,
) -> Option<(Option<(String, String)>, Rewind<TcpStream>)> {
    use tokio::io::AsyncReadExt;
    let mut parser = proto::tls::ClientHelloParser::with_limit(MAX_CLIENT_HELLO);
    let mut read = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let fingerprints = loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        read.extend_from_slice(&chunk[..n]);
        match parser.push(&chunk[..n]) {
            proto::tls::Progress::Incomplete if read.len() <= MAX_CLIENT_HELLO + 1024 => {}
            proto::tls::Progress::Done(hello) => {
                break Some((hello.ja3_hash(), hello.ja4(proto::tls::Transport::Tcp)));
            }
            _ => break None,
        }
    };
    Some((
        fingerprints,
        Rewind {
            prefix: read,
            pos: 0,
            inner: stream,
        },
    ))
}

/// A stream that first gives back bytes already read from it.
#[derive(Debug)]
pub(crate) struct Rewind<S> {
    prefix: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Rewind<S> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let this = &mut *self;
        if this.pos < this.prefix.len() {
            let rest = &this.prefix[this.pos..];
            let n = rest.len().min(buf.remaining());
            buf.put_slice(&rest[..n]);
            this.pos += n;
            if this.pos == this.prefix.len() {
                this.prefix = Vec::new();
                this.pos = 0;
            }
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut this.inner).poll_read(cx, buf)
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Rewind<S> {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
