//! The server side of an HTTP/2 connection as a state machine: bytes in, [`Event`]s out;
//! responses in, bytes out.

use std::collections::VecDeque;

use super::frame::{
    self, DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, ErrorCode, FrameHeader, HEADER_LEN,
    MAX_MAX_FRAME_SIZE, MAX_WINDOW, PREFACE, flag, kind, setting,
};
use super::request::{Request, RequestBuilder};
use crate::hpack;

/// What this server announces and enforces.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond it are refused (REFUSED_STREAM).
    pub max_concurrent_streams: u32,
    /// SETTINGS_INITIAL_WINDOW_SIZE: request body bytes a stream may have in flight.
    pub stream_window: u32,
    /// The connection's receive window: request body bytes in flight over all streams.
    pub connection_window: u32,
    /// SETTINGS_MAX_HEADER_LIST_SIZE; a larger request is answered 431.
    pub max_header_list_size: u32,
    /// Bound on a header block's encoded size (HEADERS plus CONTINUATION frames); beyond it
    /// the connection is closed with ENHANCE_YOUR_CALM.
    pub max_header_block: usize,
    /// Streams the client may cancel while their requests are still being served, beyond
    /// the ones it completes, before the connection is closed with ENHANCE_YOUR_CALM
    /// ("rapid reset", CVE-2023-44487).
    pub reset_budget: u32,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            max_concurrent_streams: 128,
            stream_window: 256 * 1024,
            connection_window: 1024 * 1024,
            max_header_list_size: 64 * 1024,
            max_header_block: 128 * 1024,
            reset_budget: 200,
        }
    }
}

/// What happened on the connection.
#[derive(Debug)]
pub enum Event {
    /// A request head: serve it. More [`Event::Data`] follow unless `end_stream`.
    Request(Request),
    /// A request that HTTP/2 calls malformed (or whose header list is too large). The stream
    /// stays open for the answer, `status` (400 or 431), and its body is discarded.
    Malformed {
        stream: u32,
        status: u16,
        reason: &'static str,
    },
    /// Request body bytes. Call [`ServerConn::release`] once they are passed on, so the
    /// client may send more. `data` is empty when only the end of the body arrived.
    Data {
        stream: u32,
        data: Vec<u8>,
        end_stream: bool,
    },
    /// The stream is gone: the client reset it (`by_peer`), or it broke the protocol and this
    /// side reset it. Stop working on it.
    Reset {
        stream: u32,
        code: ErrorCode,
        by_peer: bool,
    },
    /// The client will open no more streams.
    GoAway { code: ErrorCode },
}

/// A connection error: the connection is over; a GOAWAY with `code` has been queued.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnError {
    pub code: ErrorCode,
    pub reason: &'static str,
}

#[derive(Debug)]
struct Stream {
    id: u32,
    /// The request's side: END_STREAM not yet received.
    recv_open: bool,
    /// The response's side: END_STREAM not yet sent.
    send_open: bool,
    /// A HEADERS frame of the response was sent.
    head_sent: bool,
    /// Bytes the client may still send before a WINDOW_UPDATE.
    recv_window: i64,
    /// Released bytes not yet announced in a WINDOW_UPDATE.
    recv_unacked: u32,
    /// Delivered bytes not yet released.
    delivered: u64,
    send_window: i64,
    content_length: Option<u64>,
    received: u64,
    /// Malformed: body bytes are dropped, not delivered.
    discard: bool,
}

/// A header block split over CONTINUATION frames.
#[derive(Debug)]
struct PartialBlock {
    stream: u32,
    end_stream: bool,
    block: Vec<u8>,
}

/// The server side of one HTTP/2 connection, without I/O.
///
/// Feed received bytes to [`recv`](Self::recv), take [`Event`]s with
/// [`poll_event`](Self::poll_event), answer with [`send_headers`](Self::send_headers) and
/// [`send_data`](Self::send_data), and write [`output`](Self::output) to the socket.
pub struct ServerConn {
    config: Config,
    decoder: hpack::Decoder,
    encoder: hpack::Encoder,
    out: Vec<u8>,
    out_pos: usize,
    events: VecDeque<Event>,
    streams: Vec<Stream>,
    preface_seen: bool,
    settings_seen: bool,
    continuation: Option<PartialBlock>,
    /// Highest client stream id seen.
    last_stream: u32,
    /// GOAWAY sent: streams above `last_stream` at that time are ignored.
    going_away: Option<u32>,
    peer_going_away: bool,
    error: Option<ConnError>,
    // flow control
    conn_recv_window: i64,
    conn_recv_unacked: u32,
    conn_send_window: i64,
    peer_initial_window: i64,
    peer_max_frame_size: u32,
    reset_budget: u32,
    scratch: Vec<u8>,
}

impl ServerConn {
    /// A connection whose first output is the server's SETTINGS.
    pub fn new(config: Config) -> ServerConn {
        let mut c = ServerConn {
            config,
            decoder: hpack::Decoder::new(4096),
            encoder: hpack::Encoder::new(),
            out: Vec::with_capacity(4096),
            out_pos: 0,
            events: VecDeque::new(),
            streams: Vec::new(),
            preface_seen: false,
            settings_seen: false,
            continuation: None,
            last_stream: 0,
            going_away: None,
            peer_going_away: false,
            error: None,
            conn_recv_window: i64::from(DEFAULT_WINDOW),
            conn_recv_unacked: 0,
            conn_send_window: i64::from(DEFAULT_WINDOW),
            peer_initial_window: i64::from(DEFAULT_WINDOW),
            peer_max_frame_size: DEFAULT_MAX_FRAME_SIZE,
            reset_budget: config.reset_budget,
            scratch: Vec::new(),
        };
        frame::write_settings(
            &mut c.out,
            &[
                (setting::ENABLE_PUSH, 0),
                (
                    setting::MAX_CONCURRENT_STREAMS,
                    config.max_concurrent_streams,
                ),
                (setting::INITIAL_WINDOW_SIZE, config.stream_window),
                (setting::MAX_HEADER_LIST_SIZE, config.max_header_list_size),
            ],
        );
        if config.connection_window > DEFAULT_WINDOW {
            let more = config.connection_window - DEFAULT_WINDOW;
            frame::write_window_update(&mut c.out, 0, more);
            c.conn_recv_window += i64::from(more);
        }
        c
    }

    // --- input -------------------------------------------------------------------------

    /// Processes every complete frame at the start of `input`; returns how many bytes were
    /// used (the rest is an incomplete frame: call again with more bytes after it).
    pub fn recv(&mut self, input: &[u8]) -> Result<usize, ConnError> {
        if let Some(e) = self.error {
            return Err(e);
        }
        let mut used = 0;
        if !self.preface_seen {
            let n = input.len().min(PREFACE.len());
            if input[..n] != PREFACE[..n] {
                return Err(self.fail(ErrorCode::ProtocolError, "invalid connection preface"));
            }
            if n < PREFACE.len() {
                return Ok(0);
            }
            self.preface_seen = true;
            used = PREFACE.len();
        }
        while let Some(head) = FrameHeader::parse(&input[used..]) {
            if head.len > DEFAULT_MAX_FRAME_SIZE {
                return Err(self.fail(ErrorCode::FrameSizeError, "frame larger than allowed"));
            }
            let end = used + HEADER_LEN + head.len as usize;
            let Some(payload) = input.get(used + HEADER_LEN..end) else {
                break;
            };
            used = end;
            if let Err(e) = self.frame(head, payload) {
                return Err(self.fail(e.code, e.reason));
            }
        }
        Ok(used)
    }

    /// The next event, oldest first.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    fn fail(&mut self, code: ErrorCode, reason: &'static str) -> ConnError {
        let e = ConnError { code, reason };
        if self.error.is_none() {
            self.error = Some(e);
            frame::write_goaway(&mut self.out, self.last_stream, code, reason.as_bytes());
        }
        e
    }

    fn frame(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if !self.settings_seen {
            if head.kind != kind::SETTINGS || head.has(flag::ACK) {
                return Err(conn_err(
                    ErrorCode::ProtocolError,
                    "first frame is not SETTINGS",
                ));
            }
            self.settings_seen = true;
        }
        if let Some(p) = &self.continuation
            && (head.kind != kind::CONTINUATION || head.stream != p.stream)
        {
            return Err(conn_err(
                ErrorCode::ProtocolError,
                "header block interrupted",
            ));
        }
        match head.kind {
            kind::DATA => self.data(head, payload),
            kind::HEADERS => self.headers(head, payload),
            kind::PRIORITY => self.priority(head, payload),
            kind::RST_STREAM => self.rst_stream(head, payload),
            kind::SETTINGS => self.settings(head, payload),
            kind::PUSH_PROMISE => Err(conn_err(
                ErrorCode::ProtocolError,
                "PUSH_PROMISE from a client",
            )),
            kind::PING => self.ping(head, payload),
            kind::GOAWAY => self.goaway(head, payload),
            kind::WINDOW_UPDATE => self.window_update(head, payload),
            kind::CONTINUATION => self.continuation(head, payload),
            _ => Ok(()), // unknown frame types are ignored (RFC 9113 §4.1)
        }
    }

    fn position(&self, id: u32) -> Option<usize> {
        self.streams.iter().position(|s| s.id == id)
    }

    /// Whether `id` names a stream that was never opened (RFC 9113 §5.1 "idle").
    fn idle(&self, id: u32) -> bool {
        id > self.last_stream
    }

    fn data(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream == 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "DATA on stream 0"));
        }
        let flow = i64::from(head.len);
        if flow > self.conn_recv_window {
            return Err(conn_err(
                ErrorCode::FlowControlError,
                "connection window exceeded",
            ));
        }
        self.conn_recv_window -= flow;
        let data = strip_padding(head, payload)?;
        let padding = head.len - data.len() as u32;
        let Some(i) = self.position(head.stream) else {
            if self.idle(head.stream) {
                return Err(conn_err(ErrorCode::ProtocolError, "DATA on an idle stream"));
            }
            // a stream closed or reset here: its bytes still count against the connection
            self.release_connection(head.len);
            return Ok(());
        };
        let end_stream = head.has(flag::END_STREAM);
        let s = &mut self.streams[i];
        if !s.recv_open {
            self.release_connection(head.len);
            self.reset_stream(i, ErrorCode::StreamClosed);
            return Ok(());
        }
        if flow > s.recv_window {
            self.release_connection(head.len);
            self.reset_stream(i, ErrorCode::FlowControlError);
            return Ok(());
        }
        s.recv_window -= flow;
        s.received += data.len() as u64;
        let length_error = match s.content_length {
            Some(n) => s.received > n || (end_stream && s.received != n),
            None => false,
        };
        if length_error {
            self.release_connection(head.len);
            self.reset_stream(i, ErrorCode::ProtocolError);
            return Ok(());
        }
        if end_stream {
            s.recv_open = false;
        }
        if s.discard {
            self.release_connection(head.len);
        } else {
            s.delivered += data.len() as u64;
            s.recv_unacked += padding;
            self.release_connection(padding);
            if !data.is_empty() || end_stream {
                self.events.push_back(Event::Data {
                    stream: head.stream,
                    data: data.to_vec(),
                    end_stream,
                });
            }
        }
        self.maybe_remove(i);
        Ok(())
    }

    fn headers(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream == 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "HEADERS on stream 0"));
        }
        let mut block = strip_padding(head, payload)?;
        if head.has(flag::PRIORITY) {
            let Some(rest) = block.get(5..) else {
                return Err(conn_err(ErrorCode::FrameSizeError, "short HEADERS frame"));
            };
            block = rest;
        }
        let end_stream = head.has(flag::END_STREAM);
        if head.has(flag::END_HEADERS) {
            return self.header_block(head.stream, end_stream, block);
        }
        if block.len() > self.config.max_header_block {
            return Err(conn_err(
                ErrorCode::EnhanceYourCalm,
                "header block too large",
            ));
        }
        self.continuation = Some(PartialBlock {
            stream: head.stream,
            end_stream,
            block: block.to_vec(),
        });
        Ok(())
    }

    fn continuation(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        let Some(mut p) = self.continuation.take() else {
            return Err(conn_err(
                ErrorCode::ProtocolError,
                "CONTINUATION without HEADERS",
            ));
        };
        if p.block.len() + payload.len() > self.config.max_header_block {
            return Err(conn_err(
                ErrorCode::EnhanceYourCalm,
                "header block too large",
            ));
        }
        p.block.extend_from_slice(payload);
        if head.has(flag::END_HEADERS) {
            return self.header_block(p.stream, p.end_stream, &p.block);
        }
        self.continuation = Some(p);
        Ok(())
    }

    /// A complete header block on `id`: a request, trailers, or a protocol error.
    fn header_block(&mut self, id: u32, end_stream: bool, block: &[u8]) -> Result<(), ConnError> {
        let max_list = self.config.max_header_list_size as usize;
        if let Some(i) = self.position(id) {
            // trailers: decoded for the table's sake, then dropped
            self.decoder
                .decode(block, max_list, |_, _| {})
                .or_else(|e| match e {
                    hpack::DecodeError::ListTooLarge => Ok(()),
                    _ => Err(conn_err(ErrorCode::CompressionError, "bad header block")),
                })?;
            let s = &mut self.streams[i];
            if !s.recv_open {
                self.reset_stream(i, ErrorCode::StreamClosed);
                return Ok(());
            }
            if !end_stream {
                self.reset_stream(i, ErrorCode::ProtocolError);
                return Ok(());
            }
            s.recv_open = false;
            if s.content_length.is_some_and(|n| n != s.received) {
                self.reset_stream(i, ErrorCode::ProtocolError);
                return Ok(());
            }
            if !s.discard {
                self.events.push_back(Event::Data {
                    stream: id,
                    data: Vec::new(),
                    end_stream: true,
                });
            }
            self.maybe_remove(i);
            return Ok(());
        }
        if !self.idle(id) {
            return Err(conn_err(
                ErrorCode::StreamClosed,
                "HEADERS on a closed stream",
            ));
        }
        if id.is_multiple_of(2) {
            return Err(conn_err(
                ErrorCode::ProtocolError,
                "even stream id from a client",
            ));
        }
        self.last_stream = id;
        let mut builder = RequestBuilder::new(id, end_stream);
        let decoded = self
            .decoder
            .decode(block, max_list, |n, v| builder.field(n, v));
        let too_large = match decoded {
            Ok(()) => false,
            Err(hpack::DecodeError::ListTooLarge) => true,
            Err(_) => {
                return Err(conn_err(ErrorCode::CompressionError, "bad header block"));
            }
        };
        if self.going_away.is_some() {
            return Ok(()); // after GOAWAY new streams are ignored
        }
        if self.streams.len() >= self.config.max_concurrent_streams as usize {
            frame::write_rst_stream(&mut self.out, id, ErrorCode::RefusedStream);
            return Ok(());
        }
        let request = if too_large {
            Err((431, "header list too large"))
        } else {
            builder.finish().map_err(|why| (400, why))
        };
        let (content_length, discard) = match &request {
            Ok(r) => (r.content_length, false),
            Err(_) => (None, true),
        };
        self.streams.push(Stream {
            id,
            recv_open: !end_stream,
            send_open: true,
            head_sent: false,
            recv_window: i64::from(self.config.stream_window),
            recv_unacked: 0,
            delivered: 0,
            send_window: self.peer_initial_window,
            content_length,
            received: 0,
            discard,
        });
        self.events.push_back(match request {
            Ok(r) => Event::Request(r),
            Err((status, reason)) => Event::Malformed {
                stream: id,
                status,
                reason,
            },
        });
        Ok(())
    }

    fn priority(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream == 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "PRIORITY on stream 0"));
        }
        if payload.len() != 5 {
            if let Some(i) = self.position(head.stream) {
                self.reset_stream(i, ErrorCode::FrameSizeError);
            } else {
                frame::write_rst_stream(&mut self.out, head.stream, ErrorCode::FrameSizeError);
            }
        }
        Ok(()) // priorities are advisory; this server serves streams as they come
    }

    fn rst_stream(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream == 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "RST_STREAM on stream 0"));
        }
        let Ok(code) = <[u8; 4]>::try_from(payload) else {
            return Err(conn_err(
                ErrorCode::FrameSizeError,
                "RST_STREAM of wrong size",
            ));
        };
        if self.idle(head.stream) {
            return Err(conn_err(
                ErrorCode::ProtocolError,
                "RST_STREAM on an idle stream",
            ));
        }
        let Some(i) = self.position(head.stream) else {
            return Ok(());
        };
        let s = self.remove(i);
        if s.send_open {
            // cancelled while being served: costs the server work the client never pays for
            self.reset_budget = self.reset_budget.saturating_sub(1);
            if self.reset_budget == 0 {
                return Err(conn_err(
                    ErrorCode::EnhanceYourCalm,
                    "too many stream resets",
                ));
            }
        }
        self.events.push_back(Event::Reset {
            stream: head.stream,
            code: ErrorCode::from_u32(u32::from_be_bytes(code)),
            by_peer: true,
        });
        Ok(())
    }

    fn settings(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream != 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "SETTINGS on a stream"));
        }
        if head.has(flag::ACK) {
            if !payload.is_empty() {
                return Err(conn_err(
                    ErrorCode::FrameSizeError,
                    "SETTINGS ack with a payload",
                ));
            }
            return Ok(());
        }
        if !payload.len().is_multiple_of(6) {
            return Err(conn_err(
                ErrorCode::FrameSizeError,
                "SETTINGS of wrong size",
            ));
        }
        for p in payload.chunks_exact(6) {
            let id = u16::from_be_bytes([p[0], p[1]]);
            let value = u32::from_be_bytes([p[2], p[3], p[4], p[5]]);
            match id {
                setting::HEADER_TABLE_SIZE => self.encoder.set_max_table_size(value as usize),
                setting::ENABLE_PUSH if value > 1 => {
                    return Err(conn_err(ErrorCode::ProtocolError, "ENABLE_PUSH above 1"));
                }
                setting::INITIAL_WINDOW_SIZE => {
                    if i64::from(value) > MAX_WINDOW {
                        return Err(conn_err(
                            ErrorCode::FlowControlError,
                            "INITIAL_WINDOW_SIZE above 2^31-1",
                        ));
                    }
                    let delta = i64::from(value) - self.peer_initial_window;
                    self.peer_initial_window = i64::from(value);
                    for s in &mut self.streams {
                        s.send_window += delta;
                        if s.send_window > MAX_WINDOW {
                            return Err(conn_err(
                                ErrorCode::FlowControlError,
                                "stream window above 2^31-1",
                            ));
                        }
                    }
                }
                setting::MAX_FRAME_SIZE => {
                    if !(DEFAULT_MAX_FRAME_SIZE..=MAX_MAX_FRAME_SIZE).contains(&value) {
                        return Err(conn_err(
                            ErrorCode::ProtocolError,
                            "MAX_FRAME_SIZE out of range",
                        ));
                    }
                    self.peer_max_frame_size = value;
                }
                _ => {} // MAX_CONCURRENT_STREAMS limits pushes; unknown ones are ignored
            }
        }
        frame::write_settings_ack(&mut self.out);
        Ok(())
    }

    fn ping(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream != 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "PING on a stream"));
        }
        if payload.len() != 8 {
            return Err(conn_err(ErrorCode::FrameSizeError, "PING of wrong size"));
        }
        if !head.has(flag::ACK) {
            frame::write_ping_ack(&mut self.out, payload);
        }
        Ok(())
    }

    fn goaway(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        if head.stream != 0 {
            return Err(conn_err(ErrorCode::ProtocolError, "GOAWAY on a stream"));
        }
        let Some(code) = payload.get(4..8) else {
            return Err(conn_err(ErrorCode::FrameSizeError, "short GOAWAY"));
        };
        let code = ErrorCode::from_u32(u32::from_be_bytes([code[0], code[1], code[2], code[3]]));
        self.peer_going_away = true;
        self.events.push_back(Event::GoAway { code });
        Ok(())
    }

    fn window_update(&mut self, head: FrameHeader, payload: &[u8]) -> Result<(), ConnError> {
        let Ok(inc) = <[u8; 4]>::try_from(payload) else {
            return Err(conn_err(
                ErrorCode::FrameSizeError,
                "WINDOW_UPDATE of wrong size",
            ));
        };
        let inc = i64::from(u32::from_be_bytes(inc) & 0x7fff_ffff);
        if head.stream == 0 {
            if inc == 0 {
                return Err(conn_err(ErrorCode::ProtocolError, "WINDOW_UPDATE of 0"));
            }
            self.conn_send_window += inc;
            if self.conn_send_window > MAX_WINDOW {
                return Err(conn_err(
                    ErrorCode::FlowControlError,
                    "connection window above 2^31-1",
                ));
            }
            return Ok(());
        }
        if self.idle(head.stream) {
            return Err(conn_err(
                ErrorCode::ProtocolError,
                "WINDOW_UPDATE on an idle stream",
            ));
        }
        let Some(i) = self.position(head.stream) else {
            return Ok(());
        };
        if inc == 0 {
            self.reset_stream(i, ErrorCode::ProtocolError);
            return Ok(());
        }
        let s = &mut self.streams[i];
        s.send_window += inc;
        if s.send_window > MAX_WINDOW {
            self.reset_stream(i, ErrorCode::FlowControlError);
        }
        Ok(())
    }

    // --- streams -----------------------------------------------------------------------

    /// Resets stream `i` from this side and tells the application.
    fn reset_stream(&mut self, i: usize, code: ErrorCode) {
        let s = self.remove(i);
        frame::write_rst_stream(&mut self.out, s.id, code);
        self.events.push_back(Event::Reset {
            stream: s.id,
            code,
            by_peer: false,
        });
    }

    /// Forgets stream `i`; its undelivered-but-unreleased bytes go back to the connection.
    fn remove(&mut self, i: usize) -> Stream {
        let s = self.streams.swap_remove(i);
        let held = u32::try_from(s.delivered).unwrap_or(u32::MAX);
        self.release_connection(held);
        s
    }

    /// Closes stream `i` once both sides are done.
    fn maybe_remove(&mut self, i: usize) {
        let s = &self.streams[i];
        if !s.recv_open && !s.send_open {
            self.remove(i);
            self.reset_budget = (self.reset_budget + 1).min(self.config.reset_budget);
        }
    }

    fn release_connection(&mut self, n: u32) {
        if n == 0 {
            return;
        }
        self.conn_recv_unacked = self.conn_recv_unacked.saturating_add(n);
        if self.conn_recv_unacked >= self.config.connection_window / 2 {
            frame::write_window_update(&mut self.out, 0, self.conn_recv_unacked);
            self.conn_recv_window += i64::from(self.conn_recv_unacked);
            self.conn_recv_unacked = 0;
        }
    }

    /// `n` delivered body bytes of `stream` were passed on: the client may send as many more.
    pub fn release(&mut self, stream: u32, n: usize) {
        let Some(i) = self.position(stream) else {
            return; // a closed stream's bytes were returned when it closed
        };
        let s = &mut self.streams[i];
        let n = (n as u64).min(s.delivered);
        s.delivered -= n;
        let n = n as u32;
        if s.recv_open {
            s.recv_unacked += n;
            if s.recv_unacked >= self.config.stream_window / 2 {
                frame::write_window_update(&mut self.out, stream, s.recv_unacked);
                s.recv_window += i64::from(s.recv_unacked);
                s.recv_unacked = 0;
            }
        }
        self.release_connection(n);
    }

    // --- output ------------------------------------------------------------------------

    /// Sends a response head. `fields` are the regular fields; names are lowercased here.
    /// With `end_stream` the response has no body. Informational (1xx) heads may precede the
    /// final one.
    pub fn send_headers<'f>(
        &mut self,
        stream: u32,
        status: u16,
        fields: impl IntoIterator<Item = (&'f [u8], &'f [u8])>,
        end_stream: bool,
    ) {
        let Some(i) = self.position(stream) else {
            return;
        };
        if !self.streams[i].send_open {
            return;
        }
        let mut block = std::mem::take(&mut self.scratch);
        block.clear();
        self.encoder.status(status, &mut block);
        let mut lower = [0u8; 64];
        for (name, value) in fields {
            if name.len() <= lower.len() {
                let l = &mut lower[..name.len()];
                l.copy_from_slice(name);
                l.make_ascii_lowercase();
                self.encoder.field(l, value, &mut block);
            } else {
                self.encoder
                    .field(&name.to_ascii_lowercase(), value, &mut block);
            }
        }
        let max = self.peer_max_frame_size as usize;
        let mut chunks = block.chunks(max).peekable();
        let mut first = true;
        loop {
            let chunk = chunks.next().unwrap_or(&[]);
            let last = chunks.peek().is_none();
            let (kind, mut flags) = if first {
                (kind::HEADERS, if end_stream { flag::END_STREAM } else { 0 })
            } else {
                (kind::CONTINUATION, 0)
            };
            if last {
                flags |= flag::END_HEADERS;
            }
            frame::write_header(&mut self.out, chunk.len(), kind, flags, stream);
            self.out.extend_from_slice(chunk);
            first = false;
            if last {
                break;
            }
        }
        self.scratch = block;
        let s = &mut self.streams[i];
        s.head_sent = true;
        if end_stream {
            self.end_sending(i);
        }
    }

    /// How many body bytes `stream` may send now.
    pub fn send_capacity(&self, stream: u32) -> usize {
        match self.position(stream) {
            Some(i) if self.streams[i].send_open => self.streams[i]
                .send_window
                .min(self.conn_send_window)
                .max(0) as usize,
            _ => 0,
        }
    }

    /// Sends as much of `data` as the flow-control windows allow; returns how much. With
    /// `end_stream`, the frame carrying the last byte ends the stream (an empty `data` ends it
    /// at once).
    pub fn send_data(&mut self, stream: u32, data: &[u8], end_stream: bool) -> usize {
        let Some(i) = self.position(stream) else {
            return 0;
        };
        let s = &self.streams[i];
        if !s.send_open || !s.head_sent {
            return 0;
        }
        let room = s.send_window.min(self.conn_send_window).max(0) as usize;
        let n = data.len().min(room);
        if n == 0 {
            if end_stream && data.is_empty() {
                frame::write_header(&mut self.out, 0, kind::DATA, flag::END_STREAM, stream);
                self.end_sending(i);
            }
            return 0;
        }
        let max = self.peer_max_frame_size as usize;
        let mut sent = 0;
        while sent < n {
            let len = (n - sent).min(max);
            let last = sent + len == data.len();
            let flags = if last && end_stream {
                flag::END_STREAM
            } else {
                0
            };
            frame::write_header(&mut self.out, len, kind::DATA, flags, stream);
            self.out.extend_from_slice(&data[sent..sent + len]);
            sent += len;
        }
        self.conn_send_window -= n as i64;
        self.streams[i].send_window -= n as i64;
        if end_stream && n == data.len() {
            self.end_sending(i);
        }
        n
    }

    /// The response is complete: close the sending side; a request body still arriving is
    /// not wanted any more (RFC 9113 §8.1: RST_STREAM with NO_ERROR).
    fn end_sending(&mut self, i: usize) {
        let s = &mut self.streams[i];
        s.send_open = false;
        if s.recv_open {
            let id = s.id;
            self.remove(i);
            frame::write_rst_stream(&mut self.out, id, ErrorCode::NoError);
            return;
        }
        self.maybe_remove(i);
    }

    /// Resets a stream from the application's side (the target failed mid-response).
    pub fn reset(&mut self, stream: u32, code: ErrorCode) {
        if let Some(i) = self.position(stream) {
            let s = self.remove(i);
            frame::write_rst_stream(&mut self.out, s.id, code);
        }
    }

    /// Starts a graceful shutdown: GOAWAY with the last stream seen; streams already open
    /// finish, new ones are ignored.
    pub fn go_away(&mut self, code: ErrorCode) {
        if self.going_away.is_none() && self.error.is_none() {
            self.going_away = Some(self.last_stream);
            frame::write_goaway(&mut self.out, self.last_stream, code, &[]);
        }
    }

    /// Bytes to write to the peer.
    pub fn output(&self) -> &[u8] {
        &self.out[self.out_pos..]
    }

    /// `n` bytes of [`output`](Self::output) were written.
    pub fn advance_output(&mut self, n: usize) {
        self.out_pos = (self.out_pos + n).min(self.out.len());
        if self.out_pos == self.out.len() {
            self.out.clear();
            self.out_pos = 0;
        }
    }

    /// Streams open or half-closed.
    pub fn active_streams(&self) -> usize {
        self.streams.len()
    }

    /// Whether `stream` is still open on this connection.
    pub fn is_open(&self, stream: u32) -> bool {
        self.position(stream).is_some()
    }

    /// The connection has nothing more to do once its output is written: a connection error,
    /// or a GOAWAY either way with no stream left.
    pub fn is_done(&self) -> bool {
        self.error.is_some()
            || ((self.going_away.is_some() || self.peer_going_away) && self.streams.is_empty())
    }
}

fn conn_err(code: ErrorCode, reason: &'static str) -> ConnError {
    ConnError { code, reason }
}

/// A DATA or HEADERS payload without its padding.
fn strip_padding(head: FrameHeader, payload: &[u8]) -> Result<&[u8], ConnError> {
    if !head.has(flag::PADDED) {
        return Ok(payload);
    }
    let Some((&pad, rest)) = payload.split_first() else {
        return Err(conn_err(
            ErrorCode::FrameSizeError,
            "padded frame without length",
        ));
    };
    if usize::from(pad) > rest.len() {
        return Err(conn_err(
            ErrorCode::ProtocolError,
            "padding longer than the frame",
        ));
    }
    Ok(&rest[..rest.len() - usize::from(pad)])
}

impl std::fmt::Debug for ServerConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConn")
            .field("streams", &self.streams)
            .field("last_stream", &self.last_stream)
            .field("going_away", &self.going_away)
            .field("error", &self.error)
            .finish_non_exhaustive()
    }
}
