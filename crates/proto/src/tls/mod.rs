//! TLS ClientHello: the record layer as far as the client's first handshake message, with the
//! JA3 and JA4 client fingerprints.
//!
//! ```text
//!  client bytes ──► ClientHelloParser::push ──► Incomplete (feed more)
//!                        │                 ├──► Done(ClientHello) ──► sni, alpn, versions, …
//!                        │                 │                     ├──► ja3_string / ja3_hash
//!                        │                 │                     └──► ja4(Transport)
//!                        │                 └──► Error(HelloError): not TLS, or malformed
//!  QUIC CRYPTO data ──► ClientHello::from_handshake (no record layer)
//! ```
//!
//! The parser is for whoever looks at a TLS connection before (or instead of) terminating it:
//! the load balancer peeks at the first bytes to pick a certificate and fingerprint the client
//! before handing the same bytes to rustls, and the network firewall matches SNI, JA3 and JA4.
//! It is fed bytes as they arrive, in pieces of any size, and reassembles the ClientHello from
//! as many handshake records as it spans. It keeps at most the handshake message itself,
//! bounded by a limit ([`DEFAULT_MAX_CLIENT_HELLO`] unless the caller sets another), and
//! grows its buffer only as bytes arrive, so a client announcing a large message and sending
//! nothing costs nothing.
//!
//! It is strict about framing (every length must fit exactly where it is declared; records are
//! handshake records of at most 2^14 bytes, none empty; no extension twice; at most one SNI
//! host name, printable ASCII) so that a firewall and a server never read the same bytes two
//! ways, and lenient about what a server would refuse but a fingerprint can still describe
//! (no cipher suites, an empty ALPN name, unknown versions). It does not check the ClientHello
//! against any policy, interpret key shares, or parse records after the ClientHello; bytes
//! that follow it, in its last record or later, are left to the caller.

mod fingerprint;
mod hello;
mod record;

#[cfg(test)]
mod tests;

pub use fingerprint::Transport;
pub use hello::{ClientHello, Extension};
pub use record::{ClientHelloParser, Progress, parse_client_hello};

/// The default limit on the ClientHello message body, in bytes. Real ones are a few hundred
/// bytes to a few KiB (post-quantum key shares included); RFC 8446 allows up to 2^24 - 1.
pub const DEFAULT_MAX_CLIENT_HELLO: usize = 64 * 1024;

/// Extension type codes (IANA "TLS ExtensionType Values") that the parser reads.
pub mod extension {
    /// server_name (RFC 6066): SNI.
    pub const SERVER_NAME: u16 = 0x0000;
    /// supported_groups (RFC 8422, RFC 8446), formerly elliptic_curves.
    pub const SUPPORTED_GROUPS: u16 = 0x000a;
    /// ec_point_formats (RFC 8422).
    pub const EC_POINT_FORMATS: u16 = 0x000b;
    /// signature_algorithms (RFC 8446).
    pub const SIGNATURE_ALGORITHMS: u16 = 0x000d;
    /// application_layer_protocol_negotiation (RFC 7301): ALPN.
    pub const ALPN: u16 = 0x0010;
    /// supported_versions (RFC 8446).
    pub const SUPPORTED_VERSIONS: u16 = 0x002b;
    /// quic_transport_parameters (RFC 9001).
    pub const QUIC_TRANSPORT_PARAMETERS: u16 = 0x0039;
}

/// Whether `value` is one of the sixteen GREASE values of RFC 8701 (0x0a0a, 0x1a1a, …,
/// 0xfafa), which clients send in cipher suites, extensions, groups, versions and signature
/// algorithms to keep servers tolerant, and which fingerprints leave out.
#[inline]
pub fn is_grease(value: u16) -> bool {
    value & 0x0f0f == 0x0a0a && value >> 8 == value & 0xff
}

/// Why the bytes are not a ClientHello this parser accepts. Every variant but
/// [`HelloError::Finished`] means bad input: the connection is not (acceptable) TLS.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum HelloError {
    /// A record that is not a handshake record (content type 22) before the ClientHello is
    /// complete. Plaintext HTTP on a TLS port gives the first byte of its method here, and an
    /// SSL 2.0 ClientHello a byte with the high bit set.
    #[error("not a TLS handshake record (content type {0})")]
    NotHandshake(u8),
    /// A record whose version's major byte is not 3 (SSL 3.0 to TLS 1.3 all use 3).
    #[error("record version {0:#06x} is not TLS")]
    RecordVersion(u16),
    /// A record longer than 2^14 bytes (record_overflow, RFC 8446 §5.1).
    #[error("record of {0} bytes, above 2^14")]
    RecordOverflow(usize),
    /// A handshake record with no content (forbidden by RFC 8446 §5.1).
    #[error("empty handshake record")]
    EmptyRecord,
    /// The first handshake message is not a ClientHello (handshake type 1).
    #[error("handshake message type {0} is not ClientHello")]
    NotClientHello(u8),
    /// The ClientHello announces a body longer than the parser's limit.
    #[error("ClientHello of {len} bytes, above the limit of {max}")]
    TooLarge {
        /// The body length the handshake header announces.
        len: usize,
        /// The parser's limit.
        max: usize,
    },
    /// A length that does not fit the bytes that hold it, or a list with a partial element;
    /// the text names the field.
    #[error("malformed ClientHello: {0}")]
    Malformed(&'static str),
    /// An extension type that appears twice (RFC 8446 §4.2 forbids it; a firewall and a server
    /// could each read a different copy).
    #[error("extension {0:#06x} appears twice")]
    DuplicateExtension(u16),
    /// An SNI host name that is empty or holds a byte outside printable ASCII (0x21–0x7e).
    #[error("SNI host name is empty or not printable ASCII")]
    BadServerName,
    /// [`ClientHelloParser::push`] was called after it returned `Done` or `Error`.
    #[error("the parser has already finished")]
    Finished,
}
