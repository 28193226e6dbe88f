//! The request a target receives and the response a client receives: AWS's forwarding
//! headers, hop-by-hop headers removed, framing rewritten. Shared by the HTTP/1.1 and
//! HTTP/2 front ends.

use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};

use model::{LbAttributes, ListenerProtocol, XffMode};

/// How the forwarded request's body is framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framing {
    None,
    Length(u64),
    Chunked,
}

/// What the forwarding headers are made of.
#[derive(Debug)]
pub(crate) struct ForwardCtx<'a> {
    pub(crate) client_text: &'a ClientText,
    pub(crate) protocol: ListenerProtocol,
    pub(crate) listener_port: u16,
    pub(crate) attrs: &'a LbAttributes,
    /// The `Host` the client sent (or `:authority`), with its port if any.
    pub(crate) host: Option<&'a [u8]>,
    pub(crate) trace_id: &'a str,
    pub(crate) framing: Framing,
    /// A WebSocket (or other) upgrade: `Connection: upgrade` and `Upgrade` are kept.
    pub(crate) upgrade: bool,
    /// TLS version and cipher for `x-amzn-tls-*` when that attribute is on.
    pub(crate) tls: Option<(&'a str, &'a str)>,
    /// The `x-amzn-waf-*` fields the web ACL inserts; they replace the client's of the same
    /// name.
    pub(crate) waf_headers: &'a [(String, String)],
}

fn eq(a: &[u8], b: &str) -> bool {
    a.eq_ignore_ascii_case(b.as_bytes())
}

/// Headers that describe one connection, never forwarded (RFC 9110 §7.6.1), plus the
/// framing and forwarding headers the load balancer writes itself.
fn is_replaced_request_header(name: &[u8]) -> bool {
    match name.len() {
        2 => eq(name, "te"),
        4 => eq(name, "host"),
        7 => eq(name, "upgrade"),
        10 => eq(name, "connection") || eq(name, "keep-alive"),
        14 => eq(name, "content-length"),
        15 => eq(name, "x-forwarded-for"),
        16 => {
            eq(name, "proxy-connection")
                || eq(name, "x-forwarded-port")
                || eq(name, "x-amzn-trace-id")
        }
        17 => eq(name, "transfer-encoding") || eq(name, "x-forwarded-proto"),
        _ => false,
    }
}

/// Request text as the rule conditions read it; bytes that are not UTF-8 match as empty.
pub(crate) fn utf8(b: &[u8]) -> &str {
    std::str::from_utf8(b).unwrap_or("")
}

/// Counts the addresses in the `X-Forwarded-For` headers.
pub(crate) fn forwarded_ip_count<'h>(values: impl Iterator<Item = &'h [u8]>) -> usize {
    values
        .map(|v| {
            v.split(|b| *b == b',')
                .filter(|p| p.iter().any(|b| !b.is_ascii_whitespace()))
                .count()
        })
        .sum()
}

/// A request header field as the front end parsed it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Field<'h> {
    pub(crate) name: &'h [u8],
    pub(crate) value: &'h [u8],
    /// Never forwarded: the parser found it could make the target frame the body differently.
    pub(crate) must_drop: bool,
    /// Holds obs-fold line breaks, which a proxy replaces with spaces (RFC 9112 §5.2).
    pub(crate) folded: bool,
}

impl<'h> Field<'h> {
    pub(crate) fn plain(name: &'h [u8], value: &'h [u8]) -> Field<'h> {
        Field {
            name,
            value,
            must_drop: false,
            folded: false,
        }
    }
}

/// Writes the HTTP/1.1 request head for the target.
pub(crate) fn request_head<'h>(
    out: &mut Vec<u8>,
    method: &[u8],
    target: &[u8],
    headers: impl Iterator<Item = Field<'h>> + Clone,
    cx: &ForwardCtx<'_>,
) {
    out.extend_from_slice(method);
    out.push(b' ');
    out.extend_from_slice(target);
    out.extend_from_slice(b" HTTP/1.1\r\n");

    // Host: kept as sent with preserve_host_header; otherwise AWS appends the listener port
    // when it is not the scheme's default (`www.example.com` → `www.example.com:8443`).
    if let Some(h) = cx.host {
        out.extend_from_slice(b"Host: ");
        if cx.attrs.preserve_host_header {
            out.extend_from_slice(h);
        } else {
            out.extend_from_slice(strip_port(h));
            let default = match cx.protocol {
                ListenerProtocol::Http => 80,
                ListenerProtocol::Https => 443,
            };
            if cx.listener_port != default {
                out.push(b':');
                push_u64(out, u64::from(cx.listener_port));
            }
        }
        out.extend_from_slice(b"\r\n");
    }

    let drop_invalid = cx.attrs.drop_invalid_header_fields;
    let mut xff: Option<Vec<u8>> = None;
    let mut trace: Option<&[u8]> = None;
    for Field {
        name,
        value,
        must_drop,
        folded,
    } in headers.clone()
    {
        if must_drop {
            continue;
        }
        if is_replaced_request_header(name) {
            if eq(name, "x-forwarded-for") {
                let x = xff.get_or_insert_with(Vec::new);
                if !x.is_empty() {
                    x.extend_from_slice(b", ");
                }
                x.extend_from_slice(value);
            } else if eq(name, "x-amzn-trace-id") && trace.is_none() {
                trace = Some(value);
            }
            continue;
        }
        if drop_invalid && !proto::is_valid_aws_header_name(name) {
            continue;
        }
        if cx
            .waf_headers
            .iter()
            .any(|(n, _)| name.eq_ignore_ascii_case(n.as_bytes()))
        {
            continue;
        }
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        if folded {
            proto::write_unfolded(value, out);
        } else {
            out.extend_from_slice(value);
        }
        out.extend_from_slice(b"\r\n");
    }

    for (name, value) in cx.waf_headers {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }

    match cx.attrs.xff_header_processing {
        XffMode::Append => {
            out.extend_from_slice(b"X-Forwarded-For: ");
            if let Some(x) = &xff {
                out.extend_from_slice(x);
                out.extend_from_slice(b", ");
            }
            out.extend_from_slice(if cx.attrs.xff_client_port {
                cx.client_text.with_port.as_bytes()
            } else {
                cx.client_text.addr.as_bytes()
            });
            out.extend_from_slice(b"\r\n");
        }
        XffMode::Preserve => {
            if let Some(x) = &xff {
                out.extend_from_slice(b"X-Forwarded-For: ");
                out.extend_from_slice(x);
                out.extend_from_slice(b"\r\n");
            }
        }
        XffMode::Remove => {}
    }
    out.extend_from_slice(b"X-Forwarded-Proto: ");
    out.extend_from_slice(cx.protocol.as_str().as_bytes());
    out.extend_from_slice(b"\r\nX-Forwarded-Port: ");
    push_u64(out, u64::from(cx.listener_port));
    out.extend_from_slice(b"\r\n");
    // ⚠ AWS keeps a client's trace header and adds `Self=`; Rampart keeps a well-formed one
    // as is and otherwise writes its own `Root=`.
    out.extend_from_slice(b"X-Amzn-Trace-Id: ");
    match trace {
        Some(t) if t.starts_with(b"Root=") && t.len() <= 256 => out.extend_from_slice(t),
        _ => out.extend_from_slice(cx.trace_id.as_bytes()),
    }
    out.extend_from_slice(b"\r\n");
    if cx.attrs.tls_version_and_cipher_headers
        && let Some((version, cipher)) = cx.tls
    {
        let _ = write!(
            out,
            "x-amzn-tls-version: {version}\r\nx-amzn-tls-cipher-suite: {cipher}\r\n"
        );
    }
    write_framing(out, cx.framing);
    if cx.upgrade
        && let Some(f) = headers.clone().find(|f| eq(f.name, "upgrade"))
    {
        out.extend_from_slice(b"Connection: upgrade\r\nUpgrade: ");
        out.extend_from_slice(f.value);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A client's address as `X-Forwarded-For` writes it, formatted once per connection.
#[derive(Clone, Debug)]
pub(crate) struct ClientText {
    pub(crate) addr: String,
    pub(crate) with_port: String,
}

impl ClientText {
    pub(crate) fn new(client: SocketAddr) -> ClientText {
        let ip = match client.ip() {
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(v6),
            },
            v4 => v4,
        };
        match ip {
            IpAddr::V4(a) => ClientText {
                addr: a.to_string(),
                with_port: format!("{a}:{}", client.port()),
            },
            // AWS brackets an IPv6 address it appends
            IpAddr::V6(a) => ClientText {
                addr: format!("[{a}]"),
                with_port: format!("[{a}]:{}", client.port()),
            },
        }
    }
}

fn write_framing(out: &mut Vec<u8>, framing: Framing) {
    match framing {
        Framing::None => {}
        Framing::Length(n) => {
            out.extend_from_slice(b"Content-Length: ");
            push_u64(out, n);
            out.extend_from_slice(b"\r\n");
        }
        Framing::Chunked => out.extend_from_slice(b"Transfer-Encoding: chunked\r\n"),
    }
}

/// Appends a number in decimal, without the formatting machinery (it runs several times per
/// request).
pub(crate) fn push_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// `example.com:8080` → `example.com`; `[::1]:80` → `[::1]`.
pub(crate) fn strip_port(host: &[u8]) -> &[u8] {
    if host.first() == Some(&b'[') {
        return match host.iter().position(|b| *b == b']') {
            Some(i) => &host[..=i],
            None => host,
        };
    }
    match host.iter().rposition(|b| *b == b':') {
        Some(i) if host[i + 1..].iter().all(u8::is_ascii_digit) => &host[..i],
        _ => host,
    }
}

/// Response headers the load balancer writes itself or that describe one connection.
fn is_replaced_response_header(name: &[u8]) -> bool {
    match name.len() {
        10 => eq(name, "connection") || eq(name, "keep-alive"),
        14 => eq(name, "content-length"),
        16 => eq(name, "proxy-connection"),
        17 => eq(name, "transfer-encoding"),
        _ => false,
    }
}

/// Writes the HTTP/1.1 response head for the client.
#[allow(clippy::too_many_arguments)]
pub(crate) fn response_head<'h>(
    out: &mut Vec<u8>,
    status: u16,
    reason: &[u8],
    headers: impl Iterator<Item = (&'h [u8], &'h [u8])>,
    framing: Framing,
    set_cookies: &[String],
    keep_alive: bool,
    http10_client: bool,
    upgrade: Option<&[u8]>,
) {
    out.extend_from_slice(b"HTTP/1.1 ");
    push_u64(out, u64::from(status));
    out.push(b' ');
    out.extend_from_slice(reason);
    out.extend_from_slice(b"\r\n");
    for (name, value) in headers {
        if is_replaced_response_header(name) || (upgrade.is_some() && eq(name, "upgrade")) {
            continue;
        }
        out.extend_from_slice(name);
        out.extend_from_slice(b": ");
        out.extend_from_slice(value);
        out.extend_from_slice(b"\r\n");
    }
    for c in set_cookies {
        out.extend_from_slice(b"Set-Cookie: ");
        out.extend_from_slice(c.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    write_framing(out, framing);
    if let Some(u) = upgrade {
        out.extend_from_slice(b"Connection: upgrade\r\nUpgrade: ");
        out.extend_from_slice(u);
        out.extend_from_slice(b"\r\n");
    } else if !keep_alive {
        out.extend_from_slice(b"Connection: close\r\n");
    } else if http10_client {
        // HTTP/1.0 closes unless told otherwise
        out.extend_from_slice(b"Connection: keep-alive\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// An `X-Amzn-Trace-Id` of the load balancer's own: `Root=1-<epoch seconds, 8 hex>-<96
/// random bits, 24 hex>`. Fixed size and `Copy`, so making one allocates nothing.
#[derive(Clone, Copy)]
pub(crate) struct TraceId([u8; 40]);

impl TraceId {
    pub(crate) fn new() -> TraceId {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()) as u32;
        let mut b = *b"Root=1-00000000-000000000000000000000000";
        for (i, slot) in b[7..15].iter_mut().enumerate() {
            *slot = HEX[((secs >> (28 - 4 * i)) & 15) as usize];
        }
        let (hi, lo) = (fastrand::u32(..), fastrand::u64(..));
        for (i, slot) in b[16..24].iter_mut().enumerate() {
            *slot = HEX[((hi >> (28 - 4 * i)) & 15) as usize];
        }
        for (i, slot) in b[24..40].iter_mut().enumerate() {
            *slot = HEX[((lo >> (60 - 4 * i)) & 15) as usize];
        }
        TraceId(b)
    }

    pub(crate) fn as_str(&self) -> &str {
        // only ASCII is ever written into it
        std::str::from_utf8(&self.0).unwrap_or("Root=1-00000000-000000000000000000000000")
    }
}

impl std::fmt::Debug for TraceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_port_handles_names_and_addresses() {
        assert_eq!(strip_port(b"example.com:8080"), b"example.com");
        assert_eq!(strip_port(b"example.com"), b"example.com");
        assert_eq!(strip_port(b"[::1]:80"), b"[::1]");
        assert_eq!(strip_port(b"10.0.0.1:1"), b"10.0.0.1");
    }

    #[test]
    fn numbers_and_clients_are_written_as_display_would() {
        for n in [0u64, 7, 10, 65535, u64::MAX] {
            let mut out = Vec::new();
            push_u64(&mut out, n);
            assert_eq!(out, n.to_string().as_bytes());
        }
        let v6 = ClientText::new("[2001:db8::1]:4000".parse().unwrap());
        assert_eq!(
            (v6.addr.as_str(), v6.with_port.as_str()),
            ("[2001:db8::1]", "[2001:db8::1]:4000")
        );
        let mapped = ClientText::new("[::ffff:10.0.0.1]:80".parse().unwrap());
        assert_eq!(mapped.addr, "10.0.0.1");
    }

    #[test]
    fn forwarded_ips_are_counted_across_headers() {
        let v: [&[u8]; 2] = [b"1.1.1.1, 2.2.2.2", b"3.3.3.3"];
        assert_eq!(forwarded_ip_count(v.into_iter()), 3);
        let empty: [&[u8]; 1] = [b" , "];
        assert_eq!(forwarded_ip_count(empty.into_iter()), 0);
    }

    #[test]
    fn trace_ids_have_aws_shape() {
        let id = TraceId::new();
        let t = id.as_str();
        assert!(t.starts_with("Root=1-"));
        assert!(t[7..].bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'));
        assert_eq!(t.len(), "Root=1-".len() + 8 + 1 + 24);
    }
}
