//! Connections to targets: connect with AWS's timeout, and a bounded pool of idle keep-alive
//! connections per target, shared by every listener and kept across reloads. A connection
//! carrying a request to a target whose deregistration delay expires fails its reads and
//! writes from then on, so the request is cut wherever it waits.

use std::collections::HashMap;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use crate::metrics::Metrics;
use crate::targets::{Cutoff, Lease};
use crate::watchdog::Watchdog;

/// The access log's `error_reason` when a request is cut because its target's deregistration
/// delay expired. AWS answers 502 then but names no reason; this one is Rampart's.
pub(crate) const TARGET_DEREGISTERED: &str = "TargetDeregistered";

/// An HTTP/1.1 connection to one target, with the bytes read past the last response.
#[derive(Debug)]
pub(crate) struct UpstreamConn {
    pub(crate) stream: TargetStream,
    pub(crate) buf: BytesMut,
    pub(crate) addr: SocketAddr,
    /// Taken from the pool: a failure before any response byte may be a connection the target
    /// closed while it idled, and the request can be sent again on a fresh one.
    pub(crate) reused: bool,
}

impl UpstreamConn {
    /// The access log's `error_reason` for a failed exchange on this connection: `reason`,
    /// unless the target's deregistration delay expired and cut it.
    pub(crate) fn error_reason(&self, reason: &'static str) -> &'static str {
        if self.stream.is_cut() {
            TARGET_DEREGISTERED
        } else {
            reason
        }
    }
}

/// A socket to a target that fails every read and write once the target it serves is
/// deregistered and its deregistration delay is over.
#[derive(Debug)]
pub(crate) struct TargetStream {
    io: TcpStream,
    /// Set by [`Pool::get`] for the target of the request at hand.
    cutoff: Option<Arc<Cutoff>>,
}

impl TargetStream {
    pub(crate) fn is_cut(&self) -> bool {
        self.cutoff.as_ref().is_some_and(|c| c.is_cut())
    }

    /// Whether the connection is cut; if not, the task of `cx` is woken when it is. Called
    /// only when the socket has nothing to offer, so a busy connection pays one atomic load.
    fn poll_cut(&self, cx: &Context<'_>) -> bool {
        self.cutoff.as_ref().is_some_and(|c| c.poll_cut(cx))
    }
}

fn cut_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "the target's deregistration delay expired",
    )
}

impl AsyncRead for TargetStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // checked first, so a target that keeps sending is cut too
        if self.is_cut() {
            return Poll::Ready(Err(cut_error()));
        }
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Pending if self.poll_cut(cx) => Poll::Ready(Err(cut_error())),
            r => r,
        }
    }
}

impl AsyncWrite for TargetStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(cut_error()));
        }
        match Pin::new(&mut self.io).poll_write(cx, buf) {
            Poll::Pending if self.poll_cut(cx) => Poll::Ready(Err(cut_error())),
            r => r,
        }
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(cut_error()));
        }
        match Pin::new(&mut self.io).poll_write_vectored(cx, bufs) {
            Poll::Pending if self.poll_cut(cx) => Poll::Ready(Err(cut_error())),
            r => r,
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// Why a target could not be reached, in AWS's terms.
#[derive(Debug)]
pub(crate) enum ConnectError {
    /// Refused, reset or unreachable: 502 (`TargetConnectionErrorCount`).
    Failed,
    /// No answer within the connect timeout: 504.
    TimedOut,
}

impl ConnectError {
    /// The status the client gets and the access log's `error_reason`, as AWS reports them.
    pub(crate) fn status(&self) -> (u16, &'static str) {
        match self {
            ConnectError::Failed => (502, "TargetConnectionError"),
            ConnectError::TimedOut => (504, "TargetConnectionTimeout"),
        }
    }
}

#[derive(Debug)]
struct Idle {
    conn: UpstreamConn,
    since: Instant,
}

/// Idle connections per target. Bounded per target; a connection idle longer than
/// `max_idle_time` is closed rather than reused, so the target's own keep-alive timeout
/// (which should be longer, as AWS advises) is rarely the one that fires.
#[derive(Debug, Default)]
pub(crate) struct Pool {
    idle: Mutex<HashMap<SocketAddr, Vec<Idle>>>,
}

impl Pool {
    /// An idle connection to the lease's target, else a new one within the load balancer's
    /// connect timeout; idle ones older than its idle timeout are not reused. The connection
    /// is cut if the target's deregistration delay expires while the lease holds it.
    pub(crate) async fn get(
        &self,
        lease: &Lease,
        attrs: &model::LbAttributes,
        metrics: &Metrics,
    ) -> Result<UpstreamConn, ConnectError> {
        let mut conn = match self.take(lease.addr(), attrs.idle_timeout) {
            Some(conn) => conn,
            None => connect(lease.addr(), attrs.limits.connect_timeout, metrics).await?,
        };
        lease.link(&mut conn.stream.cutoff);
        Ok(conn)
    }

    fn take(&self, addr: SocketAddr, max_idle_time: Duration) -> Option<UpstreamConn> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.get_mut(&addr)?;
        let now = Instant::now();
        while let Some(mut i) = list.pop() {
            if now.duration_since(i.since) < max_idle_time {
                i.conn.reused = true;
                return Some(i.conn);
            }
        }
        None
    }

    /// Returns a connection whose last response was read completely.
    pub(crate) fn put(&self, conn: UpstreamConn, max_idle_per_target: usize) {
        if !conn.buf.is_empty() || max_idle_per_target == 0 {
            // bytes past the response: the target is not speaking HTTP/1.1 as we understand it
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let list = idle.entry(conn.addr).or_default();
        if list.len() >= max_idle_per_target {
            list.remove(0);
        }
        list.push(Idle {
            conn,
            since: Instant::now(),
        });
    }
}

pub(crate) async fn connect(
    addr: SocketAddr,
    timeout: Duration,
    metrics: &Metrics,
) -> Result<UpstreamConn, ConnectError> {
    let stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            metrics.inc(&metrics.target_connection_errors);
            tracing::debug!(target = %addr, error = %e, "connecting to a target failed");
            return Err(ConnectError::Failed);
        }
        Err(_) => {
            metrics.inc(&metrics.target_connection_errors);
            return Err(ConnectError::TimedOut);
        }
    };
    let _ = stream.set_nodelay(true);
    Ok(UpstreamConn {
        stream: TargetStream {
            io: stream,
            cutoff: None,
        },
        buf: BytesMut::with_capacity(16 * 1024),
        addr,
        reused: false,
    })
}

/// Why no response head could be read from a target.
#[derive(Debug)]
pub(crate) enum RespErr {
    /// Closed or reset before a whole head (502; retried once on a reused connection).
    Closed,
    /// Not a valid HTTP/1 response head, or larger than AWS's 32 KiB (502).
    Malformed,
    /// Silent past the idle timeout (504).
    TimedOut,
    /// The target's deregistration delay expired first (502).
    Deregistered,
}

impl RespErr {
    /// The status the client gets and the access log's `error_reason`.
    pub(crate) fn status(&self) -> (u16, &'static str) {
        match self {
            RespErr::Closed | RespErr::Malformed => (502, "TargetResponseError"),
            RespErr::TimedOut => (504, "TargetTimeout"),
            RespErr::Deregistered => (502, TARGET_DEREGISTERED),
        }
    }
}

/// Reads a response head into `head`, leaving it and any body bytes in `up.buf`.
pub(crate) async fn read_response_head(
    up: &mut UpstreamConn,
    head: &mut proto::ResponseHead,
    watchdog: &mut Watchdog,
    is_head: bool,
    idle: Duration,
) -> Result<(), RespErr> {
    // AWS bounds a target's response head by size (32 KiB), not by its number of fields
    let limits = proto::Limits {
        max_headers: 200,
        ..proto::Limits::response()
    };
    loop {
        if !up.buf.is_empty() {
            match proto::parse_response(&up.buf, is_head, &limits, head) {
                Ok(proto::Status::Complete) => return Ok(()),
                Ok(proto::Status::Partial) => {}
                Err(_) => return Err(RespErr::Malformed),
            }
        }
        if up.buf.capacity() - up.buf.len() < 4096 {
            up.buf.reserve(16 * 1024);
        }
        match watchdog.run(idle, up.stream.read_buf(&mut up.buf)).await {
            Some(Err(_)) if up.stream.is_cut() => return Err(RespErr::Deregistered),
            Some(Ok(0)) | Some(Err(_)) => return Err(RespErr::Closed),
            Some(Ok(_)) => {}
            None => return Err(RespErr::TimedOut),
        }
    }
}
