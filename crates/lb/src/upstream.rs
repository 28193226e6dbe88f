//! Connections to targets: connect with AWS's timeout, and a bounded pool of idle keep-alive
//! connections per target, shared by every listener and kept across reloads.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use bytes::BytesMut;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

use crate::metrics::Metrics;
use crate::watchdog::Watchdog;

/// An HTTP/1.1 connection to one target, with the bytes read past the last response.
#[derive(Debug)]
pub(crate) struct UpstreamConn {
    pub(crate) stream: TcpStream,
    pub(crate) buf: BytesMut,
    pub(crate) addr: SocketAddr,
    /// Taken from the pool: a failure before any response byte may be a connection the target
    /// closed while it idled, and the request can be sent again on a fresh one.
    pub(crate) reused: bool,
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
    /// An idle connection to `addr`, else a new one within the load balancer's connect
    /// timeout; idle ones older than its idle timeout are not reused.
    pub(crate) async fn get(
        &self,
        addr: SocketAddr,
        attrs: &model::LbAttributes,
        metrics: &Metrics,
    ) -> Result<UpstreamConn, ConnectError> {
        if let Some(conn) = self.take(addr, attrs.idle_timeout) {
            return Ok(conn);
        }
        connect(addr, attrs.limits.connect_timeout, metrics).await
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
        stream,
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
            Some(Ok(0)) | Some(Err(_)) => return Err(RespErr::Closed),
            Some(Ok(_)) => {}
            None => return Err(RespErr::TimedOut),
        }
    }
}
