//! Finds where a chunked body ends without decoding it, so the proxy forwards the chunked bytes
//! verbatim and still knows where the next message starts.
//!
//! Strict on the framing bytes (RFC 9112 §7.1): hex sizes capped at 2^63, CRLF everywhere —
//! a bare LF after chunk data or in a size line is the classic smuggling lever, so it is an
//! error, not a tolerance — and bounded extensions and trailers.

use super::ParseError;

/// How far a call to [`ChunkedScanner::scan`] got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanResult {
    /// Bytes of the input that belong to the message (all of it unless `done`).
    pub consumed: usize,
    /// The last-chunk and trailer section have been seen: the message ends after `consumed`.
    pub done: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    /// At the start of a chunk-size line.
    SizeStart,
    /// In the hex digits.
    Size,
    /// Whitespace after the digits (only `;` or CR may follow).
    SizeWs,
    /// In the chunk extensions.
    Ext,
    /// Expecting the LF of the size line.
    SizeLf,
    /// In chunk data.
    Data,
    /// Expecting CR after chunk data.
    DataCr,
    /// Expecting LF after chunk data.
    DataLf,
    /// At the start of a trailer line (or the final CRLF).
    TrailerStart,
    /// Inside a trailer field line.
    Trailer,
    /// Expecting LF after a CR in a trailer line.
    TrailerLf,
    /// Expecting the final LF.
    EndLf,
    Done,
}

/// A sans-IO scanner over a chunked body. Feed it the body's bytes in order, as they arrive.
#[derive(Clone, Debug)]
pub struct ChunkedScanner {
    state: State,
    size: u64,
    digits: u32,
    ext_len: usize,
    trailer_len: usize,
    max_ext: usize,
    max_trailers: usize,
}

impl Default for ChunkedScanner {
    fn default() -> ChunkedScanner {
        ChunkedScanner::new()
    }
}

const MAX_CHUNK: u64 = 1 << 63;

impl ChunkedScanner {
    /// A scanner allowing 4 KiB of extensions per chunk and 16 KiB of trailers.
    pub fn new() -> ChunkedScanner {
        ChunkedScanner::with_limits(4096, 16384)
    }

    /// A scanner with explicit bounds on one chunk's extensions and on the trailer section.
    pub fn with_limits(max_ext: usize, max_trailers: usize) -> ChunkedScanner {
        ChunkedScanner {
            state: State::SizeStart,
            size: 0,
            digits: 0,
            ext_len: 0,
            trailer_len: 0,
            max_ext,
            max_trailers,
        }
    }

    /// Whether the message has ended.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Scans `input`, the next bytes of the body. Once `done`, further calls consume nothing.
    pub fn scan(&mut self, input: &[u8]) -> Result<ScanResult, ParseError> {
        self.scan_into(input, None)
    }

    /// [`scan`](Self::scan), also appending the chunk data to `data` until it holds `limit`
    /// bytes: then it stops, and `consumed` says where (the caller feeds the rest later, or
    /// stops reading the body). For a reader of the body's content (the WAF), with exactly the
    /// framing the forwarding scan accepts.
    pub fn scan_data(
        &mut self,
        input: &[u8],
        data: &mut Vec<u8>,
        limit: usize,
    ) -> Result<ScanResult, ParseError> {
        self.scan_into(input, Some((data, limit)))
    }

    fn scan_into(
        &mut self,
        input: &[u8],
        mut sink: Option<(&mut Vec<u8>, usize)>,
    ) -> Result<ScanResult, ParseError> {
        let mut i = 0;
        while i < input.len() {
            let b = input[i];
            match self.state {
                State::Done => {
                    return Ok(ScanResult {
                        consumed: i,
                        done: true,
                    });
                }
                State::Data => {
                    let avail = (input.len() - i) as u64;
                    let mut take = avail.min(self.size);
                    if let Some((data, limit)) = sink.as_mut() {
                        let room = limit.saturating_sub(data.len()) as u64;
                        if room == 0 {
                            return Ok(ScanResult {
                                consumed: i,
                                done: false,
                            });
                        }
                        take = take.min(room);
                        // take <= avail, which is a usize
                        data.extend_from_slice(&input[i..i + take as usize]);
                    }
                    // take <= avail, which is a usize
                    i += take as usize;
                    self.size -= take;
                    if self.size == 0 {
                        self.state = State::DataCr;
                    }
                    continue;
                }
                State::SizeStart | State::Size => match hex(b) {
                    Some(d) => {
                        self.digits += 1;
                        self.size = self
                            .size
                            .checked_mul(16)
                            .and_then(|s| s.checked_add(u64::from(d)))
                            .filter(|&s| s <= MAX_CHUNK)
                            .ok_or(ParseError::InvalidChunk)?;
                        // leading zeros cannot overflow the value but can stall us: bound them
                        if self.digits > 64 {
                            return Err(ParseError::InvalidChunk);
                        }
                        self.state = State::Size;
                    }
                    None if self.state == State::SizeStart => return Err(ParseError::InvalidChunk),
                    None => match b {
                        b';' => self.enter_ext(),
                        b'\r' => self.state = State::SizeLf,
                        b' ' | b'\t' => self.state = State::SizeWs,
                        _ => return Err(ParseError::InvalidChunk),
                    },
                },
                State::SizeWs => match b {
                    b' ' | b'\t' => self.bump_ext()?,
                    b';' => self.enter_ext(),
                    b'\r' => self.state = State::SizeLf,
                    _ => return Err(ParseError::InvalidChunk),
                },
                State::Ext => match b {
                    b'\r' => self.state = State::SizeLf,
                    b'\n' | 0 => return Err(ParseError::InvalidChunk),
                    b'\t' => self.bump_ext()?,
                    0x01..=0x1f | 0x7f => return Err(ParseError::InvalidChunk),
                    _ => self.bump_ext()?,
                },
                State::SizeLf => {
                    if b != b'\n' {
                        return Err(ParseError::InvalidChunk);
                    }
                    self.state = if self.size == 0 {
                        State::TrailerStart
                    } else {
                        State::Data
                    };
                    self.digits = 0;
                }
                State::DataCr => {
                    if b != b'\r' {
                        return Err(ParseError::InvalidChunk);
                    }
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if b != b'\n' {
                        return Err(ParseError::InvalidChunk);
                    }
                    self.state = State::SizeStart;
                    self.size = 0;
                }
                State::TrailerStart => {
                    self.bump_trailer()?;
                    match b {
                        b'\r' => self.state = State::EndLf,
                        // a field line cannot start with whitespace (no obs-fold in trailers)
                        b'\n' | b' ' | b'\t' | 0 => return Err(ParseError::InvalidChunk),
                        _ => self.state = State::Trailer,
                    }
                }
                State::Trailer => {
                    // the bulk of a trailer line: skip to the next CR
                    let rest = &input[i..];
                    let stop = memchr::memchr2(b'\r', b'\n', rest).unwrap_or(rest.len());
                    let line = &rest[..stop];
                    if memchr::memchr(0, line).is_some() {
                        return Err(ParseError::InvalidChunk);
                    }
                    self.trailer_len += stop;
                    if self.trailer_len > self.max_trailers {
                        return Err(ParseError::InvalidChunk);
                    }
                    i += stop;
                    if let Some(&c) = rest.get(stop) {
                        if c == b'\n' {
                            return Err(ParseError::InvalidChunk);
                        }
                        self.state = State::TrailerLf;
                        self.bump_trailer()?;
                        i += 1;
                    }
                    continue;
                }
                State::TrailerLf => {
                    if b != b'\n' {
                        return Err(ParseError::InvalidChunk);
                    }
                    self.bump_trailer()?;
                    self.state = State::TrailerStart;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Err(ParseError::InvalidChunk);
                    }
                    self.state = State::Done;
                    return Ok(ScanResult {
                        consumed: i + 1,
                        done: true,
                    });
                }
            }
            i += 1;
        }
        Ok(ScanResult {
            consumed: i,
            done: self.state == State::Done,
        })
    }

    fn enter_ext(&mut self) {
        self.ext_len = 0;
        self.state = State::Ext;
    }

    fn bump_ext(&mut self) -> Result<(), ParseError> {
        self.ext_len += 1;
        if self.ext_len > self.max_ext {
            return Err(ParseError::InvalidChunk);
        }
        Ok(())
    }

    fn bump_trailer(&mut self) -> Result<(), ParseError> {
        self.trailer_len += 1;
        if self.trailer_len > self.max_trailers {
            return Err(ParseError::InvalidChunk);
        }
        Ok(())
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan_all(body: &[u8]) -> Result<ScanResult, ParseError> {
        ChunkedScanner::new().scan(body)
    }

    #[test]
    fn a_body_ends_after_the_last_chunk_and_trailers() {
        let body = b"5\r\nhello\r\n6;name=val\r\n world\r\n0\r\nX-Sum: 1\r\n\r\nGET / HTTP/1.1\r\n";
        let r = scan_all(body).unwrap();
        assert!(r.done);
        assert_eq!(&body[r.consumed..], b"GET / HTTP/1.1\r\n");
    }

    #[test]
    fn every_split_point_gives_the_same_end() {
        let body = b"a\r\n0123456789\r\n1 ; x=\"y\"\r\nz\r\n0\r\nT: v\r\n\r\nNEXT";
        let whole = scan_all(body).unwrap();
        for cut in 0..=body.len() {
            let mut s = ChunkedScanner::new();
            let a = s.scan(&body[..cut]).unwrap();
            let total = if a.done {
                a.consumed
            } else {
                assert_eq!(a.consumed, cut);
                cut + s.scan(&body[cut..]).unwrap().consumed
            };
            assert_eq!(total, whole.consumed, "cut at {cut}");
        }
        // byte by byte
        let mut s = ChunkedScanner::new();
        let mut n = 0;
        for b in body.iter() {
            n += s.scan(std::slice::from_ref(b)).unwrap().consumed;
            if s.is_done() {
                break;
            }
        }
        assert_eq!(n, whole.consumed);
    }

    #[test]
    fn bare_lf_after_chunk_data_is_refused() {
        assert_eq!(
            scan_all(b"3\r\nabc\n0\r\n\r\n"),
            Err(ParseError::InvalidChunk)
        );
    }

    #[test]
    fn bare_lf_in_size_line_or_trailer_is_refused() {
        assert_eq!(scan_all(b"3\nabc\r\n"), Err(ParseError::InvalidChunk));
        assert_eq!(scan_all(b"0\r\nX: y\n\r\n"), Err(ParseError::InvalidChunk));
        assert_eq!(scan_all(b"0\r\n\n"), Err(ParseError::InvalidChunk));
    }

    #[test]
    fn chunk_size_overflow_is_refused() {
        assert!(scan_all(b"8000000000000000\r\n").is_ok());
        assert_eq!(
            scan_all(b"8000000000000001\r\n"),
            Err(ParseError::InvalidChunk)
        );
        assert_eq!(
            scan_all(b"fffffffffffffffff\r\n"),
            Err(ParseError::InvalidChunk)
        );
    }

    #[test]
    fn non_hex_sizes_are_refused() {
        for bad in [
            &b"\r\n"[..],
            b"-1\r\n",
            b"0x5\r\n",
            b";ext\r\n",
            b" 5\r\n",
            b"5 x\r\n",
        ] {
            assert_eq!(scan_all(bad), Err(ParseError::InvalidChunk), "{bad:?}");
        }
    }

    #[test]
    fn extensions_and_trailers_are_bounded() {
        let mut long = b"1;".to_vec();
        long.extend(std::iter::repeat_n(b'a', 5000));
        assert_eq!(scan_all(&long), Err(ParseError::InvalidChunk));
        let mut s = ChunkedScanner::with_limits(16, 32);
        let mut t = b"0\r\n".to_vec();
        for _ in 0..10 {
            t.extend_from_slice(b"X-A: b\r\n");
        }
        assert_eq!(s.scan(&t), Err(ParseError::InvalidChunk));
    }

    #[test]
    fn many_leading_zeros_are_bounded() {
        let mut z = vec![b'0'; 100];
        z.extend_from_slice(b"\r\n\r\n");
        assert_eq!(scan_all(&z), Err(ParseError::InvalidChunk));
    }

    #[test]
    fn done_consumes_nothing_more() {
        let mut s = ChunkedScanner::new();
        assert!(s.scan(b"0\r\n\r\n").unwrap().done);
        assert_eq!(
            s.scan(b"more").unwrap(),
            ScanResult {
                consumed: 0,
                done: true
            }
        );
    }
}
