//! The TLS record layer (RFC 8446 §5.1), read as far as the end of the ClientHello.

use super::hello::{CLIENT_HELLO, parse_message};
use super::{ClientHello, DEFAULT_MAX_CLIENT_HELLO, HelloError};

/// Content type of a handshake record.
const HANDSHAKE: u8 = 22;
/// The largest record payload (TLSPlaintext.length).
const MAX_RECORD: usize = 1 << 14;
/// Record header: type, version, length.
const RECORD_HEADER: usize = 5;
/// Handshake header: type, 24-bit length.
const HANDSHAKE_HEADER: usize = 4;

/// What [`ClientHelloParser::push`] found.
// Returned once per connection, so the size of `Done` does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The ClientHello is not complete yet: push more bytes.
    Incomplete,
    /// The ClientHello is complete. [`ClientHelloParser::consumed`] says where it ended.
    Done(ClientHello),
    /// The bytes are not a ClientHello the parser accepts.
    Error(HelloError),
}

/// An incremental parser of the records that carry a client's first handshake message.
///
/// Feed it the connection's bytes from the first, in pieces of any size, with
/// [`push`](ClientHelloParser::push); each byte is looked at once. It fails as soon as a byte
/// shows the stream is not a ClientHello (the first one, for plaintext HTTP), and it holds at
/// most the handshake message, whose body is limited (by [`DEFAULT_MAX_CLIENT_HELLO`] unless
/// set with [`with_limit`](ClientHelloParser::with_limit)). After `Done` or `Error` it is
/// finished.
#[derive(Debug, Clone)]
pub struct ClientHelloParser {
    max: usize,
    header: [u8; RECORD_HEADER],
    header_len: usize,
    /// Payload bytes of the current record not read yet; 0 between records.
    record_left: usize,
    record_version: Option<u16>,
    message: Vec<u8>,
    consumed: usize,
    finished: bool,
}

impl Default for ClientHelloParser {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientHelloParser {
    /// A parser with the default limit, [`DEFAULT_MAX_CLIENT_HELLO`].
    pub fn new() -> ClientHelloParser {
        ClientHelloParser::with_limit(DEFAULT_MAX_CLIENT_HELLO)
    }

    /// A parser that refuses a ClientHello whose body is longer than `max` bytes.
    pub fn with_limit(max: usize) -> ClientHelloParser {
        ClientHelloParser {
            max,
            header: [0; RECORD_HEADER],
            header_len: 0,
            record_left: 0,
            record_version: None,
            message: Vec::new(),
            consumed: 0,
            finished: false,
        }
    }

    /// Reads the next bytes of the connection. With `Done`, the bytes of this call from
    /// [`consumed`](ClientHelloParser::consumed) on (counted from the connection's first byte)
    /// were not read; they belong to the rest of the ClientHello's last record or follow it.
    pub fn push(&mut self, bytes: &[u8]) -> Progress {
        if self.finished {
            return Progress::Error(HelloError::Finished);
        }
        match self.advance(bytes) {
            Ok(None) => Progress::Incomplete,
            Ok(Some(hello)) => {
                self.finished = true;
                Progress::Done(hello)
            }
            Err(e) => {
                self.finished = true;
                Progress::Error(e)
            }
        }
    }

    /// How many bytes of the connection the parser has read: all those pushed, until it
    /// finishes; then up to the last byte of the ClientHello, or to the byte at fault (for an
    /// error in a record header or the handshake header) or the end of the message (for an
    /// error inside it), however the bytes were cut into pushes.
    pub fn consumed(&self) -> usize {
        self.consumed
    }

    fn advance(&mut self, mut input: &[u8]) -> Result<Option<ClientHello>, HelloError> {
        loop {
            if self.record_left == 0 {
                // byte by byte, so that an error is found at the same byte however the input
                // was cut
                let Some((&b, rest)) = input.split_first() else {
                    break;
                };
                // below RECORD_HEADER: check_record_header resets it when the header is whole
                self.header[self.header_len] = b;
                self.header_len += 1;
                self.consumed += 1;
                input = rest;
                self.check_record_header()?;
                continue;
            }
            if input.is_empty() {
                break;
            }
            let before = self.message.len();
            let n = self.record_left.min(input.len()).min(self.message_left());
            let (body, rest) = input.split_at(n);
            self.message.extend_from_slice(body);
            self.record_left -= n;
            self.consumed += n;
            input = rest;
            if before < HANDSHAKE_HEADER && self.message.len() == HANDSHAKE_HEADER {
                self.check_handshake_header()?;
            }
            if self.message.len() >= HANDSHAKE_HEADER && self.message_left() == 0 {
                let message = std::mem::take(&mut self.message);
                return parse_message(message, self.record_version).map(Some);
            }
        }
        Ok(None)
    }

    /// Checks as much of the record header as has arrived; starts the record when it is whole.
    fn check_record_header(&mut self) -> Result<(), HelloError> {
        let h = &self.header;
        if self.header_len >= 1 && h[0] != HANDSHAKE {
            return Err(HelloError::NotHandshake(h[0]));
        }
        if self.header_len >= 3 && h[1] != 3 {
            return Err(HelloError::RecordVersion(u16::from_be_bytes([h[1], h[2]])));
        }
        if self.header_len < RECORD_HEADER {
            return Ok(());
        }
        let len = usize::from(u16::from_be_bytes([h[3], h[4]]));
        if len == 0 {
            return Err(HelloError::EmptyRecord);
        }
        if len > MAX_RECORD {
            return Err(HelloError::RecordOverflow(len));
        }
        self.record_version
            .get_or_insert(u16::from_be_bytes([h[1], h[2]]));
        self.record_left = len;
        self.header_len = 0;
        Ok(())
    }

    fn check_handshake_header(&self) -> Result<(), HelloError> {
        let m = &self.message;
        if m[0] != CLIENT_HELLO {
            return Err(HelloError::NotClientHello(m[0]));
        }
        let len = self.declared_len();
        if len > self.max {
            return Err(HelloError::TooLarge { len, max: self.max });
        }
        Ok(())
    }

    /// The body length in the handshake header (0 until the header is in).
    fn declared_len(&self) -> usize {
        match self.message.get(1..HANDSHAKE_HEADER) {
            Some(&[a, b, c]) => usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c),
            _ => 0,
        }
    }

    /// Bytes of the handshake message still to come: the rest of its header, or of its body.
    fn message_left(&self) -> usize {
        if self.message.len() < HANDSHAKE_HEADER {
            HANDSHAKE_HEADER - self.message.len()
        } else {
            HANDSHAKE_HEADER + self.declared_len() - self.message.len()
        }
    }
}

/// Parses the ClientHello at the start of `bytes` (all the connection's bytes so far), with the
/// default limit: the same as one [`ClientHelloParser::push`] of all of them. Each call reads
/// `bytes` from the start, so a caller that receives the connection in many small pieces
/// should keep a [`ClientHelloParser`] instead.
pub fn parse_client_hello(bytes: &[u8]) -> Progress {
    ClientHelloParser::new().push(bytes)
}
