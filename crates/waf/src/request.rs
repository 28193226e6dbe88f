//! The request as the WAF sees it: borrowed from whoever parsed it.

use std::net::IpAddr;

/// One request header, in arrival order. The name is as the client sent it (matching is
/// case-insensitive where AWS says so); the value is raw bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header<'a> {
    pub name: &'a str,
    pub value: &'a [u8],
}

/// A request to evaluate.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    /// The address the connection came from (AWS's `clientIp`).
    pub client_ip: IpAddr,
    /// `GET`, `POST`, … as sent.
    pub method: &'a str,
    /// The request target as sent: path, `?query`, rarely `#fragment`. Not decoded.
    pub uri: &'a str,
    /// `HTTP/1.1`, `HTTP/2.0`.
    pub http_version: &'a str,
    pub headers: &'a [Header<'a>],
    /// The body bytes the WAF may inspect: at most the inspection limit, fewer when the body is
    /// shorter or not yet read.
    pub body: &'a [u8],
    /// The whole body's length when known (`Content-Length`, or the end was seen); a body
    /// longer than `body` is *oversize* for the fields that have `OversizeHandling`.
    pub body_len: Option<u64>,
    /// The TLS ClientHello's JA3 fingerprint (32 hex characters), when the request came over TLS.
    pub ja3: Option<&'a str>,
    /// The JA4 fingerprint (36 characters), when the request came over TLS.
    pub ja4: Option<&'a str>,
}
