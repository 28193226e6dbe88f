//! The HTTP/2 front end (ALPN `h2` on HTTPS listeners).
//!
//! One task drives the connection: it reads TLS records, feeds them to
//! [`proto::h2::ServerConn`], polls one future per request stream, and writes every response
//! that is ready in one batch. Each stream is decided by [`crate::phases`] exactly as an
//! HTTP/1.1 request is and forwarded over the same pooled HTTP/1.1 connections to targets.
//! The stream futures live in the connection's task (a `FuturesUnordered`): a stream costs
//! no task of its own, and a target's answer wakes the connection directly.
//!
//! ```text
//!             ┌───────────────── connection task ─────────────────┐
//!  TLS ──► recv ──► Event::Request ──► stream future: decide ─► target ─┐
//!                   Event::Data ──► body channel ──► write to target    │
//!  TLS ◄── output ◄── send_headers / send_data ◄── Reply (head, body) ◄─┘
//!                                   ▲ long bodies: a pump task per stream
//! ```
//!
//! Bounds: request bodies in flight by the HTTP/2 flow-control windows (the client is only
//! re-credited once the bytes reached the target), response bodies by a small channel per
//! stream and the client's windows, output by not reading while it waits to be written.

use std::future::{Future, poll_fn};
use std::io;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::{Buf, Bytes, BytesMut};
use futures_util::StreamExt as _;
use futures_util::future::{AbortHandle, Abortable};
use futures_util::stream::FuturesUnordered;
use model::{RedirectSource, RequestFacts};
use proto::h2::{ErrorCode, Event, Request, ServerConn};
use proto::{Class, ResponseHead};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::sync::mpsc;
use tokio::time::Sleep;

use crate::body::ChunkedDecoder;
use crate::conn::ConnInfo;
use crate::phases::{self, Decision, RequestMeta};
use crate::record::Exchange;
use crate::respond::LbResponse;
use crate::rewrite::{self, ForwardCtx, Framing};
use crate::server::{Generation, ListenerRef, Shared};
use crate::tokens;
use crate::upstream::{UpstreamConn, read_response_head};
use crate::watchdog::Watchdog;
use crate::web_acl::BODY_LIMIT;

/// AWS: up to 128 parallel requests per HTTP/2 connection.
const MAX_CONCURRENT_STREAMS: u32 = 128;
/// Read buffer: room for a whole frame (16 KiB + 9) several times over.
const READ_BUF: usize = 64 * 1024;
/// Output waiting for the client beyond which the connection stops reading.
const OUTPUT_HIGH_WATER: usize = 256 * 1024;
/// Response body chunks buffered per stream between its target and the connection.
const BODY_CHUNKS: usize = 4;

pub(crate) async fn serve<S>(shared: &Arc<Shared>, io: S, conn: ConnInfo)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let g = shared.current.load_full();
    let (max_list, idle_timeout) = match g.listener(conn.local) {
        Some(l) => {
            let a = &g.lb_model(l).attributes;
            (a.limits.max_request_head_bytes, a.idle_timeout)
        }
        None => return,
    };
    drop(g);
    let config = proto::h2::Config {
        max_concurrent_streams: MAX_CONCURRENT_STREAMS,
        max_header_list_size: u32::try_from(max_list).unwrap_or(u32::MAX),
        max_header_block: max_list.saturating_mul(2).max(16 * 1024),
        ..proto::h2::Config::default()
    };
    let (msg_tx, msgs) = mpsc::unbounded_channel();
    let mut draining = shared.draining.subscribe();
    let mut d = Driver {
        shared: shared.clone(),
        conn: Arc::new(conn),
        io,
        h2: ServerConn::new(config),
        rbuf: vec![0; READ_BUF].into_boxed_slice(),
        rlen: 0,
        streams: Vec::new(),
        futures: FuturesUnordered::new(),
        msgs,
        msg_tx,
        draining: Box::pin(async move {
            let _ = draining.changed().await;
        }),
        drain_seen: false,
        idle: Box::pin(tokio::time::sleep(idle_timeout)),
        idle_timeout,
        last_active: Instant::now(),
        flushing: false,
    };
    poll_fn(|cx| d.poll(cx)).await;
}

/// A message from a stream future to its connection, before its reply.
enum Msg {
    /// An informational (1xx) head.
    Interim { stream: u32, head: ResponseOut },
    /// Request body bytes reached the target: credit them to the client.
    Consumed { stream: u32, n: usize },
}

type StreamFuture = Abortable<Pin<Box<dyn Future<Output = (u32, Reply)> + Send>>>;

/// A response head for the client: status and fields (ranges into `buf`).
#[derive(Debug, Default)]
struct ResponseOut {
    status: u16,
    buf: Vec<u8>,
    fields: Vec<(Range<usize>, Range<usize>)>,
}

impl ResponseOut {
    fn new(status: u16) -> ResponseOut {
        ResponseOut {
            status,
            ..ResponseOut::default()
        }
    }

    fn push(&mut self, name: &[u8], value: &[u8]) {
        let n = self.buf.len()..self.buf.len() + name.len();
        self.buf.extend_from_slice(name);
        let v = self.buf.len()..self.buf.len() + value.len();
        self.buf.extend_from_slice(value);
        self.fields.push((n, v));
    }

    fn fields(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.fields
            .iter()
            .map(|(n, v)| (&self.buf[n.clone()], &self.buf[v.clone()]))
    }
}

/// The connection's view of one stream.
struct StreamIo {
    id: u32,
    /// Cancels the stream's future (the client reset the stream).
    abort: AbortHandle,
    /// Request body bytes go here; dropped at the end of the body.
    body_tx: Option<mpsc::UnboundedSender<Bytes>>,
    /// Response body bytes waiting for flow-control window.
    pending: Bytes,
    /// `pending` holds the end of the response body.
    pending_end: bool,
    body_rx: Option<mpsc::Receiver<Result<Bytes, ()>>>,
}

struct Driver<S> {
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    io: S,
    h2: ServerConn,
    rbuf: Box<[u8]>,
    rlen: usize,
    streams: Vec<StreamIo>,
    futures: FuturesUnordered<StreamFuture>,
    msgs: mpsc::UnboundedReceiver<Msg>,
    msg_tx: mpsc::UnboundedSender<Msg>,
    draining: Pin<Box<dyn Future<Output = ()> + Send>>,
    drain_seen: bool,
    idle: Pin<Box<Sleep>>,
    idle_timeout: Duration,
    last_active: Instant,
    /// Bytes were written and not yet flushed.
    flushing: bool,
}

impl<S: AsyncRead + AsyncWrite + Unpin + Send + 'static> Driver<S> {
    fn poll(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            let mut progress = false;
            if !self.drain_seen && self.draining.as_mut().poll(cx).is_ready() {
                self.drain_seen = true;
                self.h2.go_away(ErrorCode::NoError);
                progress = true;
            }
            while let Poll::Ready(Some(m)) = self.msgs.poll_recv(cx) {
                self.on_msg(m);
                progress = true;
            }
            while let Poll::Ready(Some(done)) = self.futures.poll_next_unpin(cx) {
                if let Ok((stream, reply)) = done {
                    self.on_reply(stream, reply);
                }
                progress = true;
            }
            progress |= self.pump_bodies(cx);
            if !self.h2.is_done() && self.h2.output().len() < OUTPUT_HIGH_WATER {
                match self.read(cx) {
                    Poll::Ready(Ok(0)) | Poll::Ready(Err(_)) => return Poll::Ready(()),
                    Poll::Ready(Ok(_)) => progress = true,
                    Poll::Pending => {}
                }
            }
            match self.write(cx) {
                Ok(wrote) => progress |= wrote,
                Err(_) => return Poll::Ready(()),
            }
            if self.h2.is_done() && self.h2.output().is_empty() && !self.flushing {
                return Poll::Ready(());
            }
            if !progress {
                break;
            }
            if !self.streams.is_empty() {
                self.last_active = Instant::now();
            }
        }
        // the idle timeout: no stream open and nothing received for that long
        while self.idle.as_mut().poll(cx).is_ready() {
            let deadline = self.last_active + self.idle_timeout;
            if self.streams.is_empty() && Instant::now() >= deadline {
                self.h2.go_away(ErrorCode::NoError);
                let _ = self.write(cx);
                return Poll::Ready(());
            }
            let next = if self.streams.is_empty() {
                deadline
            } else {
                Instant::now() + self.idle_timeout
            };
            self.idle.as_mut().reset(next.into());
        }
        Poll::Pending
    }

    /// Reads once and handles every complete frame. `Ok(0)`: the client closed.
    fn read(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        let mut rb = ReadBuf::new(&mut self.rbuf[self.rlen..]);
        match Pin::new(&mut self.io).poll_read(cx, &mut rb) {
            Poll::Ready(Ok(())) => {}
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Pending => return Poll::Pending,
        }
        let n = rb.filled().len();
        if n == 0 {
            return Poll::Ready(Ok(0));
        }
        self.rlen += n;
        self.last_active = Instant::now();
        match self.h2.recv(&self.rbuf[..self.rlen]) {
            Ok(used) => {
                self.rbuf.copy_within(used..self.rlen, 0);
                self.rlen -= used;
            }
            Err(e) => {
                tracing::debug!(client = %self.conn.peer, code = e.code.name(), reason = e.reason, "HTTP/2 connection error");
                self.rlen = 0;
                let g = self.shared.current.load();
                if let Some(l) = g.listener(self.conn.local) {
                    let m = &g.lbs[l.lb].metrics;
                    m.inc(&m.h2_connection_errors);
                }
            }
        }
        while let Some(ev) = self.h2.poll_event() {
            self.on_event(ev);
        }
        Poll::Ready(Ok(n))
    }

    /// Writes what the connection has to say; `Ok(true)` when bytes went out.
    fn write(&mut self, cx: &mut Context<'_>) -> io::Result<bool> {
        let mut wrote = false;
        while !self.h2.output().is_empty() {
            match Pin::new(&mut self.io).poll_write(cx, self.h2.output()) {
                Poll::Ready(Ok(0)) => return Err(io::ErrorKind::WriteZero.into()),
                Poll::Ready(Ok(n)) => {
                    self.h2.advance_output(n);
                    wrote = true;
                    self.flushing = true;
                }
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => return Ok(wrote),
            }
        }
        if self.flushing {
            match Pin::new(&mut self.io).poll_flush(cx) {
                Poll::Ready(Ok(())) => self.flushing = false,
                Poll::Ready(Err(e)) => return Err(e),
                Poll::Pending => {}
            }
        }
        Ok(wrote)
    }

    fn position(&self, id: u32) -> Option<usize> {
        self.streams.iter().position(|s| s.id == id)
    }

    fn on_event(&mut self, ev: Event) {
        match ev {
            Event::Request(req) => {
                let id = req.stream;
                let (body_tx, body_rx) = if req.end_stream {
                    (None, None)
                } else {
                    let (t, r) = mpsc::unbounded_channel();
                    (Some(t), Some(r))
                };
                let (abort, registration) = AbortHandle::new_pair();
                let future: Pin<Box<dyn Future<Output = (u32, Reply)> + Send>> =
                    Box::pin(stream_future(
                        self.shared.clone(),
                        self.conn.clone(),
                        req,
                        body_rx,
                        self.msg_tx.clone(),
                    ));
                self.futures.push(Abortable::new(future, registration));
                self.streams.push(StreamIo {
                    id,
                    abort,
                    body_tx,
                    pending: Bytes::new(),
                    pending_end: false,
                    body_rx: None,
                });
            }
            Event::Malformed {
                stream,
                status,
                reason,
            } => {
                tracing::debug!(client = %self.conn.peer, stream, reason, "malformed HTTP/2 request");
                let g = self.shared.current.load();
                if let Some(l) = g.listener(self.conn.local) {
                    let m = &g.lbs[l.lb].metrics;
                    m.inc(&m.requests);
                    m.elb_status(status);
                }
                let (head, body) = lb_response(LbResponse::error(status, None));
                self.h2
                    .send_headers(stream, head.status, head.fields(), false);
                self.h2.send_data(stream, &body, true);
            }
            Event::Data {
                stream,
                data,
                end_stream,
            } => {
                let len = data.len();
                let delivered = match self.position(stream) {
                    Some(i) => {
                        let s = &mut self.streams[i];
                        let sent = match &s.body_tx {
                            Some(tx) if len > 0 => tx.send(Bytes::from(data)).is_ok(),
                            _ => false,
                        };
                        if end_stream {
                            s.body_tx = None;
                        }
                        sent
                    }
                    None => false,
                };
                if !delivered && len > 0 {
                    self.h2.release(stream, len);
                }
            }
            Event::Reset { stream, .. } => {
                if let Some(i) = self.position(stream) {
                    self.streams.swap_remove(i).abort.abort();
                }
            }
            Event::GoAway { .. } => {}
        }
    }

    fn on_msg(&mut self, m: Msg) {
        match m {
            Msg::Interim { stream, head } => {
                self.h2
                    .send_headers(stream, head.status, head.fields(), false);
            }
            Msg::Consumed { stream, n } => self.h2.release(stream, n),
        }
    }

    /// A stream's future is done: its head goes out, and its body now or as it arrives.
    fn on_reply(&mut self, stream: u32, reply: Reply) {
        // what the future sent before it finished (a 1xx head) goes out first
        while let Ok(m) = self.msgs.try_recv() {
            self.on_msg(m);
        }
        let Some(i) = self.position(stream) else {
            return;
        };
        match reply {
            Reply::Complete(head, body) => {
                let empty = body.is_empty();
                self.h2
                    .send_headers(stream, head.status, head.fields(), empty);
                if empty {
                    self.streams.swap_remove(i);
                    return;
                }
                let s = &mut self.streams[i];
                s.pending = body;
                s.pending_end = true;
            }
            Reply::Streaming {
                head,
                up,
                state,
                keep_alive,
                lease,
                idle,
                max_idle,
            } => {
                self.h2
                    .send_headers(stream, head.status, head.fields(), false);
                let (tx, rx) = mpsc::channel(BODY_CHUNKS);
                self.streams[i].body_rx = Some(rx);
                let shared = self.shared.clone();
                tokio::spawn(async move {
                    let _lease = lease;
                    if let Some(up) = pump(up, state, idle, &tx).await
                        && keep_alive
                    {
                        shared.pool.put(up, max_idle);
                    }
                });
            }
        }
    }

    /// Moves response body bytes into frames as far as the windows allow.
    fn pump_bodies(&mut self, cx: &mut Context<'_>) -> bool {
        let mut progress = false;
        let mut i = 0;
        while i < self.streams.len() {
            let s = &mut self.streams[i];
            let mut finished = false;
            loop {
                if !s.pending.is_empty() || s.pending_end {
                    let n = self.h2.send_data(s.id, &s.pending, s.pending_end);
                    s.pending.advance(n);
                    progress |= n > 0;
                    if s.pending.is_empty() && s.pending_end {
                        finished = true;
                        break;
                    }
                    if !s.pending.is_empty() {
                        break; // no window: a WINDOW_UPDATE will bring us back
                    }
                }
                let Some(rx) = &mut s.body_rx else { break };
                if self.h2.send_capacity(s.id) == 0 {
                    break;
                }
                match rx.poll_recv(cx) {
                    Poll::Ready(Some(Ok(b))) => s.pending = b,
                    Poll::Ready(Some(Err(()))) => {
                        self.h2.reset(s.id, ErrorCode::InternalError);
                        finished = true;
                        progress = true;
                        break;
                    }
                    Poll::Ready(None) => {
                        s.body_rx = None;
                        s.pending_end = true;
                    }
                    Poll::Pending => break,
                }
            }
            if finished {
                self.streams.swap_remove(i);
            } else {
                i += 1;
            }
        }
        progress
    }
}

/// What a stream's forwarding produced: a complete answer, or a head with the target's
/// connection still delivering the body.
enum Reply {
    Complete(ResponseOut, Bytes),
    Streaming {
        head: ResponseOut,
        up: UpstreamConn,
        state: Remaining,
        keep_alive: bool,
        lease: crate::targets::Lease,
        idle: Duration,
        max_idle: usize,
    },
}

async fn stream_future(
    shared: Arc<Shared>,
    conn: Arc<ConnInfo>,
    req: Request,
    body: Option<mpsc::UnboundedReceiver<Bytes>>,
    tx: mpsc::UnboundedSender<Msg>,
) -> (u32, Reply) {
    let stream = req.stream;
    let g = shared.current.load_full();
    let reply = match g.listener(conn.local) {
        Some(lref) => handle(&shared, &g, lref, &conn, &req, body, &tx).await,
        None => {
            let (head, body) = lb_response(LbResponse::error(503, None));
            Reply::Complete(head, body)
        }
    };
    (stream, reply)
}

fn lb_response(resp: LbResponse) -> (ResponseOut, Bytes) {
    let mut head = ResponseOut::new(resp.status);
    head.push(b"server", b"rampart");
    if !resp.content_type.is_empty() {
        head.push(b"content-type", resp.content_type.as_bytes());
    }
    let mut len = Vec::with_capacity(8);
    rewrite::push_u64(&mut len, resp.body.len() as u64);
    head.push(b"content-length", &len);
    if let Some(l) = &resp.location {
        head.push(b"location", l.as_bytes());
    }
    for (name, value) in &resp.headers {
        // HTTP/2 field names are lowercase (RFC 9113 §8.2.1)
        head.push(name.to_ascii_lowercase().as_bytes(), value.as_bytes());
    }
    (head, Bytes::from(resp.body))
}

async fn handle(
    shared: &Arc<Shared>,
    g: &Arc<Generation>,
    lref: ListenerRef,
    conn: &ConnInfo,
    req: &Request,
    mut body: Option<mpsc::UnboundedReceiver<Bytes>>,
    tx: &mpsc::UnboundedSender<Msg>,
) -> Reply {
    let lb_model = g.lb_model(lref);
    let attrs = &lb_model.attributes;
    let listener = &lb_model.listeners[lref.listener];
    let metrics = &g.lbs[lref.lb].metrics;
    metrics.inc(&metrics.requests);
    let mut x = Exchange::new("h2", conn.peer, conn.tls.clone());
    x.detailed = g.lbs[lref.lb].access_log.is_some() || tracing::enabled!(tracing::Level::DEBUG);

    let authority = req.authority();
    let host = authority.map(|a| rewrite::utf8(rewrite::strip_port(a)));
    let target = req.path();
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(q) => (&target[..q], Some(&target[q + 1..])),
        None => (target, None),
    };
    let path = rewrite::utf8(path);
    let query = query.map(rewrite::utf8);
    let method = rewrite::utf8(req.method());
    let headers: Vec<(&str, &[u8])> = req.fields().map(|(n, v)| (rewrite::utf8(n), v)).collect();
    let facts = RequestFacts {
        method,
        host,
        path,
        query,
        headers: &headers,
        source_ip: conn.peer.ip(),
    };
    let forwarded_ips = rewrite::forwarded_ip_count(req.field_values(b"x-forwarded-for"));
    // RFC 9113's checks on the head are AWS's "stricter validation" for HTTP/2: a request that
    // fails them never gets here (it is answered 400 by the connection).
    let meta = RequestMeta {
        class: Class::Compliant,
        desync_mode: attrs.desync_mitigation_mode,
        forwarded_ips,
        redirect: RedirectSource {
            protocol: listener.protocol.as_str(),
            host: host.unwrap_or(""),
            port: listener.port,
            path,
            query,
        },
    };
    if x.detailed {
        x.request = format!(
            "{method} {}://{}:{}{} HTTP/2.0",
            listener.protocol.as_str(),
            host.unwrap_or("-"),
            listener.port,
            String::from_utf8_lossy(target)
        );
        x.user_agent = req
            .field(b"user-agent")
            .map(|u| String::from_utf8_lossy(u).into_owned());
    }

    // waf: a web ACL that reads bodies sees the body's first 8 KB, received before deciding; a
    // verification path's small form is read whole
    let web_acl = g.lbs[lref.lb].web_acl.as_deref();
    let verify = web_acl.is_some() && tokens::verify_kind(path).is_some();
    let limit = if verify {
        tokens::VERIFY_BODY_LIMIT
    } else {
        BODY_LIMIT
    };
    let mut prefix = BodyPrefix::default();
    let mut too_large = verify && req.content_length.is_some_and(|n| n > limit as u64);
    if !too_large
        && (verify || web_acl.is_some_and(|w| w.inspects_body))
        && let Some(rx) = &mut body
    {
        if !prefix.read(rx, attrs.idle_timeout, limit).await {
            metrics.elb_status(408);
            x.elb_status = 408;
            let (head, body) = lb_response(LbResponse::error(408, None));
            crate::log::emit(g, lref, x);
            return Reply::Complete(head, body);
        }
        too_large = verify && prefix.body_len.is_some_and(|n| n > limit as u64);
    }
    if too_large {
        metrics.elb_status(413);
        x.elb_status = 413;
        x.actions = "waf";
        let (head, body) = lb_response(LbResponse::error(413, None));
        crate::log::emit(g, lref, x);
        return Reply::Complete(head, body);
    }

    let waf_headers: Vec<waf::Header<'_>>;
    let waf_uri: std::borrow::Cow<'_, str>;
    let waf_request: waf::Request<'_>;
    let waf_input = match web_acl {
        Some(w) => {
            let mut h: Vec<waf::Header<'_>> = headers
                .iter()
                .map(|(name, value)| waf::Header { name, value })
                .collect();
            // rules read the host as an HTTP/1.1 request carries it
            if let Some(a) = authority
                && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"))
            {
                h.insert(
                    0,
                    waf::Header {
                        name: "host",
                        value: a,
                    },
                );
            }
            waf_headers = h;
            waf_uri = String::from_utf8_lossy(target);
            waf_request = waf::Request {
                client_ip: conn.peer.ip(),
                method,
                uri: &waf_uri,
                http_version: "HTTP/2.0",
                headers: &waf_headers,
                body: &prefix.inspected,
                body_len: req
                    .content_length
                    .or(prefix.body_len)
                    .or(req.end_stream.then_some(0)),
                ja3: conn.tls.as_ref().and_then(|t| t.ja3.as_deref()),
                ja4: conn.tls.as_ref().and_then(|t| t.ja4.as_deref()),
            };
            Some(phases::WafInput {
                acl: w,
                request: &waf_request,
                client: tokens::ClientView {
                    host: authority.or_else(|| req.field(b"host")).map(rewrite::utf8),
                    accept: req.field(b"accept").map(rewrite::utf8),
                    target: &waf_uri,
                    client: conn.peer.ip(),
                    token: tokens::presented_token(&headers),
                    secure: conn.tls.is_some(),
                },
                now: std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
            })
        }
        None => None,
    };
    let decided = phases::decide(listener, &facts, &meta, waf_input);
    if let (Some(w), Some(input), Some(v)) = (web_acl, waf_input, &decided.verdict) {
        let source = waf::log::Source {
            name: "ALB",
            id: &lb_model.name,
            request_id: x.trace_id.as_str(),
            country: None,
        };
        w.record(v, input.request, source);
    }
    let inserted: &[(String, String)] = decided
        .verdict
        .as_ref()
        .map_or(&[], |v| v.inserted_headers.as_slice());

    let reply = match decided.decision {
        Decision::Respond {
            response,
            rule,
            action,
        } => {
            x.rule = rule;
            x.actions = action;
            x.redirect_url = response.location.clone();
            metrics.elb_status(response.status);
            x.elb_status = response.status;
            x.error_reason = response.error_reason;
            let (head, body) = lb_response(response);
            Reply::Complete(head, body)
        }
        Decision::Forward {
            rule,
            forward,
            action,
            ..
        } => {
            x.rule = Some(rule);
            x.actions = action;
            let framing = match req.content_length {
                Some(n) => Framing::Length(n),
                None if req.end_stream => Framing::None,
                None => Framing::Chunked,
            };
            // HTTP/2 may split cookies over several fields; HTTP/1.1 wants one (RFC 9113 §8.2.3)
            let mut cookies = Vec::new();
            for c in req.field_values(b"cookie") {
                if !cookies.is_empty() {
                    cookies.extend_from_slice(b"; ");
                }
                cookies.extend_from_slice(c);
            }
            let mut head = Vec::with_capacity(1024);
            let cx = ForwardCtx {
                client_text: &conn.client_text,
                protocol: listener.protocol,
                listener_port: listener.port,
                attrs,
                host: authority,
                trace_id: x.trace_id.as_str(),
                framing,
                upgrade: false,
                tls: conn.tls.as_ref().map(|t| (t.protocol, t.cipher)),
                waf_headers: inserted,
            };
            let joined = (!cookies.is_empty()).then(|| rewrite::Field::plain(b"cookie", &cookies));
            rewrite::request_head(
                &mut head,
                req.method(),
                target,
                req.fields()
                    .filter(|(n, _)| *n != b"host" && *n != b"cookie")
                    .map(|(n, v)| rewrite::Field::plain(n, v))
                    .chain(joined),
                &cx,
            );
            let cookies = rewrite::utf8(&cookies);
            let forwarding = Forwarding {
                shared,
                g,
                lref,
                stream: req.stream,
                is_head: req.method() == b"HEAD",
                framing,
                tx,
            };
            forwarding
                .run(forward, head, prefix.chunks, body, cookies, &mut x)
                .await
        }
    };
    crate::log::emit(g, lref, x);
    reply
}

/// One stream's trip to a target.
struct Forwarding<'a> {
    shared: &'a Arc<Shared>,
    g: &'a Arc<Generation>,
    lref: ListenerRef,
    stream: u32,
    is_head: bool,
    framing: Framing,
    tx: &'a mpsc::UnboundedSender<Msg>,
}

impl Forwarding<'_> {
    /// `received` holds body data the WAF phase already took from `body`.
    async fn run(
        &self,
        forward: &model::ForwardAction,
        head: Vec<u8>,
        received: Vec<Bytes>,
        mut body: Option<mpsc::UnboundedReceiver<Bytes>>,
        cookies: &str,
        x: &mut Exchange,
    ) -> Reply {
        let g = self.g;
        let attrs = &g.lb_model(self.lref).attributes;
        let metrics = &g.lbs[self.lref.lb].metrics;
        let fail = |x: &mut Exchange, status: u16, reason: Option<&'static str>| {
            metrics.elb_status(status);
            x.elb_status = status;
            x.error_reason = reason;
            let (head, body) = lb_response(LbResponse::error(status, reason));
            Reply::Complete(head, body)
        };
        let Some(choice) = phases::choose_target(g, forward, |name| {
            crate::targets::cookie(cookies, name).map(str::to_owned)
        }) else {
            return fail(x, 503, None);
        };
        x.target_group = Some(g.model.target_group(choice.target_group).name.clone());
        let (lease, set_cookies) = (choice.lease, choice.set_cookies);
        let target = lease.addr();
        x.target = Some(target);

        let mut up = match self.shared.pool.get(&lease, attrs, metrics).await {
            Ok(c) => c,
            Err(e) => {
                let (status, reason) = e.status();
                return fail(x, status, Some(reason));
            }
        };
        x.sent_to_target = Some(Instant::now());
        if up.stream.write_all(&head).await.is_err() {
            return fail(x, 502, Some(up.error_reason("TargetConnectionError")));
        }
        let mut sent: u64 = 0;
        let max_body = attrs.limits.max_body_bytes;
        let mut watchdog = Watchdog::new();
        let mut received = received.into_iter();
        loop {
            let data = match (received.next(), &mut body) {
                (Some(data), _) => data,
                (None, None) => break,
                (None, Some(rx)) => {
                    // a client that stops sending its body is cut after the idle timeout, as
                    // AWS does
                    let Some(next) = watchdog.run(attrs.idle_timeout, rx.recv()).await else {
                        return fail(x, 408, None);
                    };
                    let Some(data) = next else { break };
                    data
                }
            };
            sent += data.len() as u64;
            if max_body.is_some_and(|m| sent > m) {
                return fail(x, 413, None);
            }
            let ok = match self.framing {
                Framing::Chunked => {
                    let mut chunk = Vec::with_capacity(data.len() + 12);
                    chunk.extend_from_slice(format!("{:x}\r\n", data.len()).as_bytes());
                    chunk.extend_from_slice(&data);
                    chunk.extend_from_slice(b"\r\n");
                    up.stream.write_all(&chunk).await.is_ok()
                }
                _ => up.stream.write_all(&data).await.is_ok(),
            };
            if !ok {
                return fail(x, 502, Some(up.error_reason("TargetConnectionError")));
            }
            let _ = self.tx.send(Msg::Consumed {
                stream: self.stream,
                n: data.len(),
            });
        }
        if self.framing == Framing::Chunked && up.stream.write_all(b"0\r\n\r\n").await.is_err() {
            return fail(x, 502, Some(up.error_reason("TargetConnectionError")));
        }
        x.received_bytes = sent;

        let mut rhead = ResponseHead::default();
        loop {
            match read_response_head(
                &mut up,
                &mut rhead,
                &mut watchdog,
                self.is_head,
                attrs.idle_timeout,
            )
            .await
            {
                Ok(()) => {}
                Err(e) => {
                    let (status, reason) = e.status();
                    return fail(x, status, Some(reason));
                }
            }
            if (100..200).contains(&rhead.status) && rhead.status != 101 {
                let head = response_out(&rhead, &up.buf, &[]);
                let _ = self.tx.send(Msg::Interim {
                    stream: self.stream,
                    head,
                });
                up.buf.advance(rhead.head_len);
                continue;
            }
            break;
        }
        if rhead.status == 101 {
            // no protocol switch over HTTP/2 (RFC 9113 §8.6)
            return fail(x, 502, Some("TargetResponseError"));
        }
        x.target_responded = Some(Instant::now());
        let status = rhead.status;
        x.target_status = Some(status);
        x.elb_status = status;
        metrics.target_status(status);
        let head = response_out(&rhead, &up.buf, &set_cookies);
        let keep_alive = rhead.keep_alive;
        let state = match rhead.framing {
            proto::ResponseFraming::None => Remaining::Done,
            proto::ResponseFraming::ContentLength(n) => Remaining::Length(n),
            proto::ResponseFraming::Chunked => Remaining::Chunked(ChunkedDecoder::default()),
            proto::ResponseFraming::UntilClose => Remaining::UntilClose,
        };
        up.buf.advance(rhead.head_len);
        x.responded = Some(Instant::now());
        // The whole body already read (the common small response): answered at once.
        let complete = match state {
            Remaining::Done => Some(Bytes::new()),
            Remaining::Length(n) if up.buf.len() as u64 >= n => {
                Some(up.buf.split_to(n as usize).freeze())
            }
            _ => None,
        };
        match complete {
            Some(data) => {
                x.sent_bytes = data.len() as u64;
                if keep_alive {
                    self.shared.pool.put(up, attrs.limits.max_idle_per_target);
                }
                Reply::Complete(head, data)
            }
            None => Reply::Streaming {
                head,
                up,
                state,
                keep_alive,
                lease,
                idle: attrs.idle_timeout,
                max_idle: attrs.limits.max_idle_per_target,
            },
        }
    }
}

/// The start of a request body, received for the WAF before the decision.
#[derive(Debug, Default)]
struct BodyPrefix {
    /// The DATA received, to forward first.
    chunks: Vec<Bytes>,
    /// Their first [`BODY_LIMIT`] bytes, for the WAF.
    inspected: Vec<u8>,
    /// The body's length when its end was received, else a lower bound beyond what was
    /// inspected (so that the WAF treats it as oversize).
    body_len: Option<u64>,
}

impl BodyPrefix {
    /// Receives until `limit` bytes or the end of the body; `false` when the client went
    /// silent past the idle timeout.
    async fn read(
        &mut self,
        rx: &mut mpsc::UnboundedReceiver<Bytes>,
        idle: Duration,
        limit: usize,
    ) -> bool {
        let mut watchdog = Watchdog::new();
        let mut total = 0usize;
        let mut ended = false;
        while total <= limit {
            let Some(next) = watchdog.run(idle, rx.recv()).await else {
                return false;
            };
            let Some(data) = next else {
                ended = true;
                break;
            };
            let room = limit - self.inspected.len().min(limit);
            self.inspected
                .extend_from_slice(&data[..data.len().min(room)]);
            total += data.len();
            self.chunks.push(data);
        }
        self.body_len = Some(if ended {
            total as u64
        } else {
            total.max(limit + 1) as u64
        });
        true
    }
}

/// The client's response head from a target's: connection-specific fields dropped (HTTP/2
/// has none), stickiness cookies added.
fn response_out(rhead: &ResponseHead, buf: &[u8], set_cookies: &[String]) -> ResponseOut {
    let mut out = ResponseOut::new(rhead.status);
    out.buf.reserve(rhead.head_len);
    for h in &rhead.headers {
        let name = h.name.of(buf);
        if is_connection_header(name) {
            continue;
        }
        out.push(name, h.value.of(buf));
    }
    for c in set_cookies {
        out.push(b"set-cookie", c.as_bytes());
    }
    out
}

fn is_connection_header(name: &[u8]) -> bool {
    [
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        "te",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h.as_bytes()))
}

enum Remaining {
    Done,
    Length(u64),
    Chunked(ChunkedDecoder),
    UntilClose,
}

/// Reads the response body from the target and sends its data to the stream. Returns the
/// connection when the body ended cleanly, so it can be pooled.
async fn pump(
    mut up: UpstreamConn,
    mut state: Remaining,
    idle: Duration,
    tx: &mpsc::Sender<Result<Bytes, ()>>,
) -> Option<UpstreamConn> {
    loop {
        if !up.buf.is_empty() {
            let data: Bytes = match &mut state {
                Remaining::Done => return Some(up),
                Remaining::Length(left) => {
                    let n = (*left).min(up.buf.len() as u64) as usize;
                    *left -= n as u64;
                    let d = up.buf.split_to(n).freeze();
                    if *left == 0 {
                        state = Remaining::Done;
                    }
                    d
                }
                Remaining::UntilClose => up.buf.split().freeze(),
                Remaining::Chunked(dec) => {
                    let mut out = BytesMut::new();
                    match dec.decode(&mut up.buf, &mut out) {
                        Ok(true) => state = Remaining::Done,
                        Ok(false) => {}
                        Err(()) => {
                            let _ = tx.send(Err(())).await;
                            return None;
                        }
                    }
                    out.freeze()
                }
            };
            if !data.is_empty() && tx.send(Ok(data)).await.is_err() {
                return None;
            }
        }
        if matches!(state, Remaining::Done) {
            return Some(up);
        }
        if up.buf.capacity() - up.buf.len() < 8192 {
            up.buf.reserve(32 * 1024);
        }
        match tokio::time::timeout(idle, up.stream.read_buf(&mut up.buf)).await {
            Ok(Ok(0)) if matches!(state, Remaining::UntilClose) => return None,
            Ok(Ok(0)) | Ok(Err(_)) | Err(_) => {
                // closed, failed or silent mid-body: the client's stream is reset
                let _ = tx.send(Err(())).await;
                return None;
            }
            Ok(Ok(_)) => {}
        }
    }
}
