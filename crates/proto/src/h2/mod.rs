//! HTTP/2 (RFC 9113), server side, without I/O.
//!
//! ```text
//!  client bytes ──► ServerConn::recv ──► Event::Request / Data / Reset / Malformed / GoAway
//!                        │                  (requests checked against RFC 9113 §8.2–8.3)
//!                        └─► Err(ConnError): GOAWAY queued, connection over
//!  response ──► send_headers / send_data (flow-controlled) ──► output() ──► client
//! ```
//!
//! The state machine keeps what the protocol needs and nothing the proxy does not: no
//! priorities (advisory, ignored), no server push (announced off), no extended CONNECT.
//! Every buffer it holds is bounded by the [`Config`]: header blocks by `max_header_block`,
//! request bodies by the flow-control windows (bytes are only re-credited to the client when
//! the application [`release`](ServerConn::release)s them), streams by
//! `max_concurrent_streams`, and output by the caller, who stops feeding input while output
//! waits to be written.

mod conn;
pub mod frame;
mod request;

pub use conn::{Config, ConnError, Event, ServerConn};
pub use frame::{ErrorCode, FrameHeader, PREFACE};
pub use request::Request;
