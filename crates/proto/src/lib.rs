//! Sans-IO protocol parsers for Rampart.
//!
//! Everything here takes bytes the caller already holds and returns offsets into them plus a
//! verdict; nothing reads sockets, spawns tasks or keeps clocks. That keeps the parsers
//! deterministic, fuzzable and usable offline (replay, `rampart explain`).
//!
//! The crate holds the load balancer's protocols: the HTTP/1.x parser ([`http1`]), the
//! server side of HTTP/2 ([`h2`], a connection state machine) with its HPACK codec
//! ([`hpack`]), and the TLS ClientHello with its JA3/JA4 fingerprints ([`tls`], which the
//! network firewall uses too):
//!
//! ```text
//!  client bytes ──► parse_request ──► RequestHead (spans into the buffer, framing,
//!                        │                          keep-alive, desync Classification)
//!                        └─► Err(ParseError) ──► 400 / 414 / 501 / 505, close
//!  chunked body ──► ChunkedScanner::scan ──► how many bytes belong to the message, done?
//!  target bytes ──► parse_response ──► ResponseHead (or Err → 502)
//!
//!  header block ──► hpack::Decoder::decode ──► field(name, value) per field
//!                        └─► Err(DecodeError) ──► COMPRESSION_ERROR, or 431 for a long list
//!  response head ──► hpack::Encoder::{status, field} ──► header block
//!
//!  h2 bytes ──► h2::ServerConn::recv ──► Event::{Request, Data, Reset, Malformed, GoAway}
//!  response ──► send_headers / send_data (flow-controlled) ──► output() ──► client
//!
//!  first TLS bytes ──► tls::ClientHelloParser::push ──► Done(ClientHello): SNI, ALPN, …,
//!                                                        JA3 and JA4 fingerprints
//! ```
//!
//! The request parser classifies each request the way AWS's Application Load Balancer does
//! (after `aws/http-desync-guardian`): Compliant, Acceptable, Ambiguous or Severe, with the
//! ALB's reason codes, so the proxy can apply the listener's desync mitigation mode with
//! [`desync_action`]. It is lenient where a request can still be framed and forwarded
//! unambiguously, and refuses (in every mode) what cannot be.
//!
//! What it does not do: allocate per byte or per header (header storage is a `Vec` the caller
//! reuses across requests; HPACK's dynamic table grows only up to the size agreed in
//! SETTINGS), decode bodies, or rewrite anything — the proxy serialises what it forwards,
//! guided by the per-header flags ([`HeaderFlags`]).
#![forbid(unsafe_code)]

pub mod h2;
pub mod hpack;
pub mod http1;
pub mod tls;

pub use http1::{
    BodyFraming, ChunkedScanner, Class, Classification, DesyncAction, DesyncMode, Header,
    HeaderFlags, Limits, ParseError, Reason, ReasonSet, RequestHead, ResponseFraming, ResponseHead,
    ScanResult, Span, Status, Version, desync_action, is_token, is_valid_aws_header_name,
    parse_request, parse_response, write_unfolded,
};
