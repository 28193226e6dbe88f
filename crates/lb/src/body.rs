//! Moving an HTTP/1.1 message body from one connection to another without decoding it:
//! lengths are counted and chunked framing is scanned, so the bytes pass through verbatim and
//! the proxy knows exactly where the message ends.

use std::time::Duration;

use bytes::{Buf, BytesMut};
use proto::ChunkedScanner;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::watchdog::Watchdog;

/// Where a body stands.
#[derive(Debug)]
pub(crate) enum BodyState {
    /// `Content-Length`: bytes still to come.
    Length(u64),
    Chunked(ChunkedScanner),
    /// A response without length: everything until the target closes.
    UntilClose,
    Done,
}

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CopyError {
    /// The sender closed before the end of the body.
    Truncated,
    /// The sender went silent past the timeout.
    TimedOut,
    /// The sender's framing is invalid (a bad chunk).
    Malformed,
    /// The body is larger than the configured limit.
    TooLarge,
    /// The receiver went away.
    Write,
}

impl BodyState {
    pub(crate) fn request(framing: proto::BodyFraming) -> BodyState {
        match framing {
            proto::BodyFraming::None | proto::BodyFraming::ContentLength(0) => BodyState::Done,
            proto::BodyFraming::ContentLength(n) => BodyState::Length(n),
            proto::BodyFraming::Chunked => BodyState::Chunked(ChunkedScanner::default()),
        }
    }

    pub(crate) fn response(framing: proto::ResponseFraming) -> BodyState {
        match framing {
            proto::ResponseFraming::None | proto::ResponseFraming::ContentLength(0) => {
                BodyState::Done
            }
            proto::ResponseFraming::ContentLength(n) => BodyState::Length(n),
            proto::ResponseFraming::Chunked => BodyState::Chunked(ChunkedScanner::default()),
            proto::ResponseFraming::UntilClose => BodyState::UntilClose,
        }
    }

    pub(crate) fn is_done(&self) -> bool {
        matches!(self, BodyState::Done)
    }

    /// How many bytes at the start of `input` belong to the body; advances the state.
    pub(crate) fn take(&mut self, input: &[u8]) -> Result<usize, CopyError> {
        match self {
            BodyState::Done => Ok(0),
            BodyState::Length(left) => {
                let n = (*left).min(input.len() as u64);
                *left -= n;
                if *left == 0 {
                    *self = BodyState::Done;
                }
                Ok(n as usize)
            }
            BodyState::Chunked(s) => {
                let r = s.scan(input).map_err(|_| CopyError::Malformed)?;
                if r.done {
                    *self = BodyState::Done;
                }
                Ok(r.consumed)
            }
            BodyState::UntilClose => Ok(input.len()),
        }
    }
}

/// Copies the rest of a body from `src` to `dst`. `pending` holds bytes already read from
/// `src`; on return it holds only what follows the body (a pipelined request). Returns the
/// number of body bytes copied.
pub(crate) async fn copy<R, W>(
    src: &mut R,
    pending: &mut BytesMut,
    dst: &mut W,
    state: &mut BodyState,
    watchdog: &mut Watchdog,
    idle: Duration,
    mut budget: Option<u64>,
) -> Result<u64, CopyError>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut copied = 0u64;
    loop {
        if !pending.is_empty() {
            let n = state.take(pending)?;
            if let Some(b) = budget.as_mut() {
                *b = b.checked_sub(n as u64).ok_or(CopyError::TooLarge)?;
            }
            if n > 0 {
                dst.write_all(&pending[..n])
                    .await
                    .map_err(|_| CopyError::Write)?;
                pending.advance(n);
                copied += n as u64;
            }
        }
        if state.is_done() {
            return Ok(copied);
        }
        if pending.capacity() - pending.len() < 8192 {
            pending.reserve(32 * 1024);
        }
        match watchdog.run(idle, src.read_buf(pending)).await {
            Some(Ok(0)) => {
                return if matches!(state, BodyState::UntilClose) {
                    *state = BodyState::Done;
                    Ok(copied)
                } else {
                    Err(CopyError::Truncated)
                };
            }
            Some(Ok(_)) => {}
            Some(Err(_)) => return Err(CopyError::Truncated),
            None => return Err(CopyError::TimedOut),
        }
    }
}

/// Copies a chunked response body to a client that cannot read chunked framing (HTTP/1.0),
/// decoded. Returns the data bytes written.
pub(crate) async fn copy_dechunked<W>(
    up: &mut crate::upstream::UpstreamConn,
    dst: &mut W,
    watchdog: &mut Watchdog,
    idle: Duration,
) -> Result<u64, CopyError>
where
    W: AsyncWrite + Unpin,
{
    let mut dec = ChunkedDecoder::default();
    let mut data = BytesMut::new();
    let mut written = 0u64;
    loop {
        let done = dec
            .decode(&mut up.buf, &mut data)
            .map_err(|()| CopyError::Malformed)?;
        if !data.is_empty() {
            dst.write_all(&data).await.map_err(|_| CopyError::Write)?;
            written += data.len() as u64;
            data.clear();
        }
        if done {
            return Ok(written);
        }
        if up.buf.capacity() - up.buf.len() < 8192 {
            up.buf.reserve(32 * 1024);
        }
        match watchdog.run(idle, up.stream.read_buf(&mut up.buf)).await {
            Some(Ok(0)) | Some(Err(_)) => return Err(CopyError::Truncated),
            Some(Ok(_)) => {}
            None => return Err(CopyError::TimedOut),
        }
    }
}

/// Decodes chunked framing into data, for the HTTP/2 front end (which has its own framing).
/// Strict as [`ChunkedScanner`]: CRLF line ends, bounded size lines and trailers.
#[derive(Debug, Default)]
pub(crate) struct ChunkedDecoder {
    state: DecodeState,
    /// Bytes of the current size line or trailer section seen so far.
    line: usize,
    size: u64,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum DecodeState {
    #[default]
    Size,
    Data,
    DataEnd,
    Trailers,
}

const MAX_LINE: usize = 4096;

impl ChunkedDecoder {
    /// Moves decoded data from `input` to `out`. Returns `Ok(true)` at the end of the body,
    /// leaving what follows in `input`.
    pub(crate) fn decode(&mut self, input: &mut BytesMut, out: &mut BytesMut) -> Result<bool, ()> {
        loop {
            match self.state {
                DecodeState::Size => {
                    let Some(nl) = memchr::memchr(b'\n', input) else {
                        self.line += input.len();
                        return if self.line > MAX_LINE {
                            Err(())
                        } else {
                            Ok(false)
                        };
                    };
                    let line = &input[..nl];
                    let line = line.strip_suffix(b"\r").ok_or(())?;
                    let hex = match memchr::memchr(b';', line) {
                        Some(i) => &line[..i],
                        None => line,
                    };
                    let hex = hex.trim_ascii_end();
                    if hex.is_empty() || hex.len() > 15 {
                        return Err(());
                    }
                    let mut size = 0u64;
                    for b in hex {
                        let d = (*b as char).to_digit(16).ok_or(())?;
                        size = size * 16 + u64::from(d);
                    }
                    input.advance(nl + 1);
                    self.line = 0;
                    self.size = size;
                    self.state = if size == 0 {
                        DecodeState::Trailers
                    } else {
                        DecodeState::Data
                    };
                }
                DecodeState::Data => {
                    if input.is_empty() {
                        return Ok(false);
                    }
                    let n = self.size.min(input.len() as u64) as usize;
                    out.extend_from_slice(&input[..n]);
                    input.advance(n);
                    self.size -= n as u64;
                    if self.size == 0 {
                        self.state = DecodeState::DataEnd;
                    }
                }
                DecodeState::DataEnd => {
                    if input.len() < 2 {
                        return Ok(false);
                    }
                    if &input[..2] != b"\r\n" {
                        return Err(());
                    }
                    input.advance(2);
                    self.state = DecodeState::Size;
                }
                DecodeState::Trailers => {
                    let Some(nl) = memchr::memchr(b'\n', input) else {
                        self.line += input.len();
                        return if self.line > MAX_LINE {
                            Err(())
                        } else {
                            Ok(false)
                        };
                    };
                    let empty = nl == 1 && input[0] == b'\r';
                    input.advance(nl + 1);
                    self.line += nl + 1;
                    if self.line > MAX_LINE {
                        return Err(());
                    }
                    if empty {
                        return Ok(true);
                    }
                }
            }
        }
    }
}

/// Decodes the start of a chunked request body for the WAF, leaving the framed bytes where
/// they are (they go to the target verbatim). It is the forwarding path's own
/// [`proto::ChunkedScanner`], collecting the chunk data, so the WAF inspects exactly the data
/// the target will decode, and a size line split over several reads is never scanned twice.
#[derive(Debug, Default)]
pub(crate) struct Dechunker {
    scanner: proto::ChunkedScanner,
}

impl Dechunker {
    /// Reads framed bytes that follow the ones already fed, appending chunk data to `out`
    /// until it holds `limit` bytes. Returns how many bytes of `input` were read (all of them
    /// unless `out` filled up or the body ended) and whether the body ended.
    pub(crate) fn feed(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<(usize, bool), ()> {
        let r = self.scanner.scan_data(input, out, limit).map_err(|_| ())?;
        Ok((r.consumed, r.done))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8], step: usize) -> Result<(Vec<u8>, Vec<u8>), ()> {
        let mut d = ChunkedDecoder::default();
        let mut pending = BytesMut::new();
        let mut out = BytesMut::new();
        for piece in input.chunks(step) {
            pending.extend_from_slice(piece);
            if d.decode(&mut pending, &mut out)? {
                return Ok((out.to_vec(), pending.to_vec()));
            }
        }
        Err(())
    }

    #[test]
    fn chunked_bodies_decode_at_every_split() {
        let msg = b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..msg.len() {
            let (data, _) = decode_all(msg, step).unwrap();
            assert_eq!(data, b"Wikipedia", "step {step}");
        }
        let (_, rest) = decode_all(msg, msg.len()).unwrap();
        assert_eq!(rest, b"NEXT");
    }

    #[test]
    fn chunk_data_without_crlf_is_refused() {
        assert!(decode_all(b"4\r\nWikiXX0\r\n\r\n", 64).is_err());
        assert!(decode_all(b"4\nWiki\r\n0\r\n\r\n", 64).is_err());
        assert!(decode_all(b"zz\r\n", 64).is_err());
    }

    /// The data at the start of `msg` fed in pieces of `step`, as the WAF reads it.
    fn dechunk(msg: &[u8], step: usize, limit: usize) -> Result<(Vec<u8>, usize, bool), ()> {
        let mut d = Dechunker::default();
        let mut out = Vec::new();
        let mut fed = 0;
        let mut end = 0;
        while end < msg.len() {
            end = (end + step).min(msg.len());
            let (n, done) = d.feed(&msg[fed..end], &mut out, limit)?;
            fed += n;
            if done || out.len() >= limit {
                return Ok((out, fed, done));
            }
        }
        Ok((out, fed, false))
    }

    #[test]
    fn dechunking_for_the_waf_agrees_with_the_forwarding_scanner() {
        let msgs: [&[u8]; 4] = [
            b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-T: 1\r\n\r\nNEXT",
            b"1\r\na\r\n1 \t;e\r\nb\r\n000\r\n\r\n",
            b"A\r\n0123456789\r\n0\r\n\r\n",
            b"3\r\nabc\r\n",
        ];
        for msg in msgs {
            let mut scanner = ChunkedScanner::default();
            let scanned = scanner.scan(msg).unwrap();
            for step in 1..=msg.len() {
                let (data, fed, done) = dechunk(msg, step, usize::MAX).unwrap();
                assert_eq!(done, scanned.done, "step {step}");
                assert_eq!(fed, scanned.consumed, "step {step}");
                if done {
                    let (decoded, _) = decode_all(msg, step).unwrap();
                    assert_eq!(data, decoded, "step {step}");
                }
            }
        }
    }

    /// Mutated chunked bodies (bytes flipped, inserted, removed), read at random split points:
    /// the WAF's decoder accepts, refuses and ends exactly where the forwarding scanner does,
    /// and decodes what the HTTP/2 decoder decodes.
    #[test]
    fn dechunking_agrees_with_the_scanner_on_mutated_bodies() {
        let mut rng = fastrand::Rng::with_seed(0x5eed_cafe);
        let seeds: [&[u8]; 3] = [
            b"4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nX-T: 1\r\n\r\n",
            b"1\r\na\r\n1 \t;e\r\nb\r\n000\r\n\r\n",
            b"A\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n",
        ];
        let alphabet = b"0123456789aAfF;= \t\r\nxz:\0";
        for _ in 0..20_000 {
            let mut msg = seeds[rng.usize(..seeds.len())].to_vec();
            for _ in 0..rng.usize(1..4) {
                let at = rng.usize(..msg.len());
                let b = alphabet[rng.usize(..alphabet.len())];
                match rng.u8(..3) {
                    0 => msg[at] = b,
                    1 => msg.insert(at, b),
                    _ => {
                        msg.remove(at);
                    }
                }
                if msg.is_empty() {
                    msg.push(b'0');
                }
            }
            let scanned = ChunkedScanner::default().scan(&msg);
            let step = rng.usize(1..=msg.len());
            match (scanned, dechunk(&msg, step, usize::MAX)) {
                (Ok(s), Ok((data, fed, done))) => {
                    assert_eq!((fed, done), (s.consumed, s.done), "{msg:?}");
                    if done {
                        assert_eq!(data, decode_all(&msg, step).unwrap().0, "{msg:?}");
                    }
                }
                (Err(_), Err(())) => {}
                (s, d) => panic!("{msg:?}: scanner {s:?}, dechunker {d:?}"),
            }
        }
    }

    #[test]
    fn dechunking_stops_at_the_limit_and_resumes() {
        let msg = b"A\r\n0123456789\r\n3\r\nabc\r\n0\r\n\r\n";
        let (data, fed, done) = dechunk(msg, msg.len(), 4).unwrap();
        assert_eq!((data.as_slice(), fed, done), (&b"0123"[..], 7, false));
        let (data, _, done) = dechunk(msg, 3, 13).unwrap();
        assert_eq!((data.as_slice(), done), (&b"0123456789abc"[..], false));
        let (data, _, done) = dechunk(msg, 3, 14).unwrap();
        assert_eq!((data.as_slice(), done), (&b"0123456789abc"[..], true));
    }

    #[test]
    fn dechunking_refuses_what_the_scanner_refuses() {
        for bad in [
            &b"4\nWiki\r\n0\r\n\r\n"[..],
            b"4\r\nWikiXX",
            b"zz\r\n",
            b"\r\n",
            b"4;\x01\r\n",
        ] {
            assert!(ChunkedScanner::default().scan(bad).is_err(), "{bad:?}");
            assert!(dechunk(bad, 1, usize::MAX).is_err(), "{bad:?}");
        }
        let long_ext = format!("1;{}\r\na\r\n0\r\n\r\n", "x".repeat(5000));
        assert!(dechunk(long_ext.as_bytes(), 100, usize::MAX).is_err());
    }
}
