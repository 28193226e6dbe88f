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
    let tls_stream =
        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(s)) => s,
            Ok(Err(_)) | Err(_) => {
                let g = shared.current.load();
                if let Some(r) = g.listener(conn.local) {
                    let m = &g.lbs[r.lb].metrics;
                    m.inc(&m.client_tls_errors);
                }
                return;
            }
        };
    let info = context.negotiated(tls_stream.get_ref().1);
    let h2 = info.alpn.as_deref() == Some(b"h2".as_slice());
    conn.tls = Some(Arc::new(info));
    if h2 {
        crate::h2::serve(shared, tls_stream, conn).await;
    } else {
        crate::h1::serve(shared, tls_stream, conn).await;
    }
}
