//! The ClientHello message (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2) and its extensions.

use super::{HelloError, extension, is_grease};

/// Handshake message type of a ClientHello.
pub(crate) const CLIENT_HELLO: u8 = 1;

/// A byte range into [`ClientHello::message`]; positions are below 2^24 + 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        // The message is at most 2^24 + 3 bytes long (a 24-bit length and its header).
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
}

/// One extension of a ClientHello, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// The extension type code ([`super::extension`] names those the parser reads).
    pub kind: u16,
    /// The extension data, without the type and length.
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ExtensionSpan {
    kind: u16,
    data: Span,
}

/// A parsed ClientHello. It owns the handshake message and refers into it; the lists the
/// fingerprints use are decoded once, in the order sent, GREASE values included (the
/// fingerprint methods leave them out; [`super::is_grease`] tells them apart).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHello {
    record_version: Option<u16>,
    /// The handshake message: type, 24-bit length, body.
    message: Vec<u8>,
    legacy_version: u16,
    random: [u8; 32],
    session_id: Span,
    cipher_suites: Vec<u16>,
    compression_methods: Span,
    extensions: Vec<ExtensionSpan>,
    server_name: Option<Span>,
    alpn: Vec<Span>,
    supported_groups: Vec<u16>,
    ec_point_formats: Span,
    signature_algorithms: Vec<u16>,
    supported_versions: Vec<u16>,
}

impl ClientHello {
    /// Parses one complete handshake message holding a ClientHello, without a record layer: the
    /// form QUIC carries in its CRYPTO frames (RFC 9001 §4). There is no size limit beyond
    /// `message`'s own: the caller already holds it.
    pub fn from_handshake(message: &[u8]) -> Result<ClientHello, HelloError> {
        parse_message(message.to_vec(), None)
    }

    /// The version of the first record that carried the ClientHello (legacy_record_version:
    /// 0x0301 from most clients), or `None` when parsed with [`ClientHello::from_handshake`].
    pub fn record_version(&self) -> Option<u16> {
        self.record_version
    }

    /// The ClientHello's legacy_version: 0x0303 (TLS 1.2) from every TLS 1.3 client, which
    /// offers its real versions in supported_versions; see [`ClientHello::highest_version`].
    pub fn legacy_version(&self) -> u16 {
        self.legacy_version
    }

    /// The highest version the client offers: the largest non-GREASE value of
    /// supported_versions when it has one, the legacy_version otherwise (as JA4 reads it).
    pub fn highest_version(&self) -> u16 {
        self.supported_versions
            .iter()
            .copied()
            .filter(|&v| !is_grease(v))
            .max()
            .unwrap_or(self.legacy_version)
    }

    /// The whole handshake message as received: the type byte, the 24-bit length and the body.
    pub fn message(&self) -> &[u8] {
        &self.message
    }

    /// The client's 32 random bytes.
    pub fn random(&self) -> &[u8; 32] {
        &self.random
    }

    /// The legacy_session_id (0 to 32 bytes).
    pub fn session_id(&self) -> &[u8] {
        self.slice(self.session_id)
    }

    /// The cipher suites, in the client's order.
    pub fn cipher_suites(&self) -> &[u16] {
        &self.cipher_suites
    }

    /// The legacy_compression_methods (`[0]` from any current client).
    pub fn compression_methods(&self) -> &[u8] {
        self.slice(self.compression_methods)
    }

    /// The extensions, in the order sent. Empty when the ClientHello has no extensions block.
    pub fn extensions(&self) -> impl ExactSizeIterator<Item = Extension<'_>> + '_ {
        self.extensions.iter().map(|e| Extension {
            kind: e.kind,
            data: self.slice(e.data),
        })
    }

    /// The data of the extension of type `kind`, if sent.
    pub fn extension(&self, kind: u16) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|e| e.kind == kind)
            .map(|e| self.slice(e.data))
    }

    /// Whether the client sent an extension of type `kind`.
    pub fn has_extension(&self, kind: u16) -> bool {
        self.extensions.iter().any(|e| e.kind == kind)
    }

    /// The SNI host name, as sent (printable ASCII, not lowercased, a trailing dot kept). `None`
    /// without a server_name extension, or when it holds no host_name entry.
    pub fn server_name(&self) -> Option<&str> {
        // Checked to be printable ASCII when parsed, so this never falls back.
        self.server_name
            .and_then(|s| std::str::from_utf8(self.slice(s)).ok())
    }

    /// The ALPN protocol names, in the client's order (empty without the extension).
    pub fn alpn_protocols(&self) -> impl ExactSizeIterator<Item = &[u8]> + '_ {
        self.alpn.iter().map(|&s| self.slice(s))
    }

    /// The supported_groups (named groups, JA3's "elliptic curves"), in order.
    pub fn supported_groups(&self) -> &[u16] {
        &self.supported_groups
    }

    /// The ec_point_formats, in order.
    pub fn ec_point_formats(&self) -> &[u8] {
        self.slice(self.ec_point_formats)
    }

    /// The signature_algorithms, in order.
    pub fn signature_algorithms(&self) -> &[u16] {
        &self.signature_algorithms
    }

    /// The supported_versions, in order (empty without the extension).
    pub fn supported_versions(&self) -> &[u16] {
        &self.supported_versions
    }

    fn slice(&self, s: Span) -> &[u8] {
        self.message
            .get(s.start as usize..s.end as usize)
            .unwrap_or(&[])
    }
}

/// Reads big-endian integers and length-prefixed vectors from `buf[pos..end]`, reporting
/// positions in `buf`.
struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
}

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], span: Span) -> Reader<'a> {
        Reader {
            buf,
            pos: span.start as usize,
            end: span.end as usize,
        }
    }

    fn is_empty(&self) -> bool {
        self.pos >= self.end
    }

    fn take(&mut self, n: usize, what: &'static str) -> Result<Span, HelloError> {
        if self.end.saturating_sub(self.pos) < n {
            return Err(HelloError::Malformed(what));
        }
        let span = Span::new(self.pos, self.pos + n);
        self.pos += n;
        Ok(span)
    }

    fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], HelloError> {
        let s = self.take(n, what)?;
        self.buf
            .get(s.start as usize..s.end as usize)
            .ok_or(HelloError::Malformed(what))
    }

    fn u8(&mut self, what: &'static str) -> Result<u8, HelloError> {
        Ok(self.bytes(1, what)?[0])
    }

    fn u16(&mut self, what: &'static str) -> Result<u16, HelloError> {
        let b = self.bytes(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    /// A vector with a one-byte length.
    fn vec8(&mut self, what: &'static str) -> Result<Span, HelloError> {
        let n = self.u8(what)?;
        self.take(usize::from(n), what)
    }

    /// A vector with a two-byte length.
    fn vec16(&mut self, what: &'static str) -> Result<Span, HelloError> {
        let n = self.u16(what)?;
        self.take(usize::from(n), what)
    }

    /// Fails unless everything was read.
    fn finish(&self, what: &'static str) -> Result<(), HelloError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(HelloError::Malformed(what))
        }
    }
}

/// The 16-bit values of a vector (an odd length is malformed).
fn u16_list(buf: &[u8], s: Span, what: &'static str) -> Result<Vec<u16>, HelloError> {
    let bytes = buf
        .get(s.start as usize..s.end as usize)
        .ok_or(HelloError::Malformed(what))?;
    if bytes.len() % 2 != 0 {
        return Err(HelloError::Malformed(what));
    }
    Ok(bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect())
}

/// The one vector an extension's data holds: a two-byte (or, with `short`, one-byte) length
/// and exactly that many bytes.
fn sole_vector(
    buf: &[u8],
    data: Span,
    short: bool,
    what: &'static str,
) -> Result<Span, HelloError> {
    let mut r = Reader::new(buf, data);
    let v = if short { r.vec8(what)? } else { r.vec16(what)? };
    r.finish(what)?;
    Ok(v)
}

/// Parses a handshake message that should be a ClientHello.
pub(crate) fn parse_message(
    message: Vec<u8>,
    record_version: Option<u16>,
) -> Result<ClientHello, HelloError> {
    let buf = message.as_slice();
    let &[kind, a, b, c, ..] = buf else {
        return Err(HelloError::Malformed("handshake header"));
    };
    if kind != CLIENT_HELLO {
        return Err(HelloError::NotClientHello(kind));
    }
    let len = usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c);
    // also keeps every position below 2^24 + 4, as `Span` needs
    if buf.len() != 4 + len {
        return Err(HelloError::Malformed("handshake length"));
    }
    let mut r = Reader::new(buf, Span::new(4, buf.len()));

    let legacy_version = r.u16("legacy_version")?;
    let mut random = [0; 32];
    random.copy_from_slice(r.bytes(32, "random")?);
    let session_id = r.vec8("legacy_session_id")?;
    if session_id.end - session_id.start > 32 {
        return Err(HelloError::Malformed("legacy_session_id"));
    }
    let cipher_suites = u16_list(buf, r.vec16("cipher_suites")?, "cipher_suites")?;
    let compression_methods = r.vec8("legacy_compression_methods")?;

    let mut hello = ClientHello {
        record_version,
        legacy_version,
        random,
        session_id,
        cipher_suites,
        compression_methods,
        extensions: Vec::new(),
        server_name: None,
        alpn: Vec::new(),
        supported_groups: Vec::new(),
        ec_point_formats: Span::default(),
        signature_algorithms: Vec::new(),
        supported_versions: Vec::new(),
        message: Vec::new(),
    };
    // Clients before TLS 1.2 may end the message here, without an extensions block.
    if !r.is_empty() {
        let block = r.vec16("extensions")?;
        r.finish("bytes after the extensions")?;
        let mut exts = Reader::new(buf, block);
        while !exts.is_empty() {
            let kind = exts.u16("extension")?;
            let data = exts.vec16("extension")?;
            hello.extensions.push(ExtensionSpan { kind, data });
        }
        check_unique(&hello.extensions)?;
        for i in 0..hello.extensions.len() {
            let e = hello.extensions[i];
            read_extension(&mut hello, buf, e)?;
        }
    }
    hello.message = message;
    Ok(hello)
}

fn check_unique(extensions: &[ExtensionSpan]) -> Result<(), HelloError> {
    let mut kinds: Vec<u16> = extensions.iter().map(|e| e.kind).collect();
    kinds.sort_unstable();
    match kinds.windows(2).find(|w| w[0] == w[1]) {
        Some(w) => Err(HelloError::DuplicateExtension(w[0])),
        None => Ok(()),
    }
}

/// Decodes the extensions the ClientHello exposes; others stay raw.
fn read_extension(hello: &mut ClientHello, buf: &[u8], e: ExtensionSpan) -> Result<(), HelloError> {
    match e.kind {
        extension::SERVER_NAME => hello.server_name = server_name(buf, e.data)?,
        extension::ALPN => {
            let list = sole_vector(buf, e.data, false, "application_layer_protocol_negotiation")?;
            let mut r = Reader::new(buf, list);
            while !r.is_empty() {
                hello
                    .alpn
                    .push(r.vec8("application_layer_protocol_negotiation")?);
            }
        }
        extension::SUPPORTED_GROUPS => {
            let list = sole_vector(buf, e.data, false, "supported_groups")?;
            hello.supported_groups = u16_list(buf, list, "supported_groups")?;
        }
        extension::EC_POINT_FORMATS => {
            hello.ec_point_formats = sole_vector(buf, e.data, true, "ec_point_formats")?;
        }
        extension::SIGNATURE_ALGORITHMS => {
            let list = sole_vector(buf, e.data, false, "signature_algorithms")?;
            hello.signature_algorithms = u16_list(buf, list, "signature_algorithms")?;
        }
        extension::SUPPORTED_VERSIONS => {
            let list = sole_vector(buf, e.data, true, "supported_versions")?;
            hello.supported_versions = u16_list(buf, list, "supported_versions")?;
        }
        _ => {}
    }
    Ok(())
}

/// The host_name of a server_name extension (RFC 6066 §3). Entries of other name types are
/// skipped; empty extension data (which some clients send) holds no name.
fn server_name(buf: &[u8], data: Span) -> Result<Option<Span>, HelloError> {
    const HOST_NAME: u8 = 0;
    if data.start == data.end {
        return Ok(None);
    }
    let list = sole_vector(buf, data, false, "server_name")?;
    let mut r = Reader::new(buf, list);
    let mut host = None;
    while !r.is_empty() {
        let name_type = r.u8("server_name")?;
        let name = r.vec16("server_name")?;
        if name_type != HOST_NAME {
            continue;
        }
        if host.is_some() {
            return Err(HelloError::Malformed("server_name with two host names"));
        }
        let bytes = buf
            .get(name.start as usize..name.end as usize)
            .unwrap_or(&[]);
        if bytes.is_empty() || !bytes.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err(HelloError::BadServerName);
        }
        host = Some(name);
    }
    Ok(host)
}
