//! HPACK (RFC 7541): the header compression of HTTP/2.
//!
//! ```text
//!  HEADERS + CONTINUATION payloads ──► Decoder::decode ──► field(name, value) for each field
//!                                          │  (dynamic table updated as the peer's encoder did)
//!                                          └─► Err(DecodeError) ──► COMPRESSION_ERROR, or 431
//!  :status + fields ──► Encoder::status / Encoder::field ──► header block bytes
//! ```
//!
//! The [`Decoder`] implements all of RFC 7541: indexed fields, the three kinds of literal,
//! Huffman-coded strings, the dynamic table with eviction by size, and table size updates. It
//! hands each field to a callback as slices borrowed for the call: into the block when the
//! string was sent raw, into the dynamic table for an indexed field, into a scratch buffer the
//! decoder reuses when it was Huffman-coded. Nothing is allocated per field; the table's
//! storage grows on insertion up to about twice its maximum size.
//!
//! The [`Encoder`] writes what a server's responses need, cheaply: static-table indices where
//! the table has the name or the whole field, raw literals otherwise, never indexed for
//! credentials. It never adds to the dynamic table (so the peer's table size only matters
//! through the size updates the protocol requires), and it does not Huffman-code.
//!
//! Neither checks HTTP/2's rules on the fields themselves (lowercase names, pseudo-header
//! order, connection-specific fields): that is the framing layer's job.

mod decoder;
mod encoder;
pub mod huffman;
mod table;

#[cfg(test)]
mod tests;

pub use decoder::Decoder;
pub use encoder::Encoder;

/// Why a header block cannot be decoded. Each is a COMPRESSION_ERROR connection error in
/// HTTP/2 except [`DecodeError::ListTooLarge`] (see [`DecodeError::is_connection_error`]).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The block ends inside a field representation, or a string's length runs past its end.
    #[error("header block truncated")]
    Truncated,
    /// An integer over 2^32 - 1, or with more continuation bytes than such a value needs.
    #[error("integer overflow in header block")]
    IntegerOverflow,
    /// An index of 0, or past the end of the dynamic table.
    #[error("invalid header table index {0}")]
    BadIndex(u64),
    /// A Huffman-coded string holding EOS, or with padding longer than 7 bits or not all ones.
    #[error("invalid Huffman-coded string")]
    Huffman,
    /// A dynamic table size update above our SETTINGS_HEADER_TABLE_SIZE.
    #[error("dynamic table size update above the limit")]
    TableSizeUpdateTooLarge,
    /// A dynamic table size update after a field in the same block.
    #[error("dynamic table size update after a header field")]
    TableSizeUpdateNotFirst,
    /// Our SETTINGS_HEADER_TABLE_SIZE was lowered below the table's size and the block did not
    /// start with the size update that must follow (RFC 7541 §4.2).
    #[error("missing dynamic table size update")]
    TableSizeUpdateMissing,
    /// The decoded fields exceed the header list size limit. The whole block was still
    /// decoded, so the dynamic table is in step with the peer's and the connection can go on:
    /// refuse the request (431) and keep the connection.
    #[error("header list too large")]
    ListTooLarge,
}

impl DecodeError {
    /// Whether the connection must end with COMPRESSION_ERROR: every error but
    /// [`DecodeError::ListTooLarge`], after which the decoder is still in step with the peer.
    pub fn is_connection_error(&self) -> bool {
        !matches!(self, DecodeError::ListTooLarge)
    }
}

/// The largest integer a block may carry: strings and indices beyond this are not plausible.
const MAX_INTEGER: u64 = u32::MAX as u64;

/// Continuation bytes that a value up to `MAX_INTEGER` needs at most.
const MAX_CONTINUATION: usize = 5;

/// Decodes the integer (RFC 7541 §5.1) whose `prefix_bits`-bit prefix is in `block[*p]`, and
/// moves `*p` past it.
#[inline]
fn decode_integer(block: &[u8], p: &mut usize, prefix_bits: u32) -> Result<usize, DecodeError> {
    let mask = u8::MAX >> (8 - prefix_bits);
    let first = *block.get(*p).ok_or(DecodeError::Truncated)? & mask;
    *p += 1;
    if first < mask {
        return Ok(usize::from(first));
    }
    let mut value = u64::from(mask);
    let mut shift = 0;
    for _ in 0..MAX_CONTINUATION {
        let b = *block.get(*p).ok_or(DecodeError::Truncated)?;
        *p += 1;
        value += u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return match usize::try_from(value) {
                Ok(v) if value <= MAX_INTEGER => Ok(v),
                _ => Err(DecodeError::IntegerOverflow),
            };
        }
        shift += 7;
    }
    Err(DecodeError::IntegerOverflow)
}

/// Appends `value` as an integer with a `prefix_bits`-bit prefix; `first` holds the bits of
/// the first byte above the prefix.
#[inline]
fn encode_integer(value: usize, prefix_bits: u32, first: u8, out: &mut Vec<u8>) {
    let mask = u8::MAX >> (8 - prefix_bits);
    if value < usize::from(mask) {
        out.push(first | value as u8);
        return;
    }
    out.push(first | mask);
    let mut rest = value - usize::from(mask);
    while rest >= 0x80 {
        out.push(rest as u8 | 0x80);
        rest >>= 7;
    }
    out.push(rest as u8);
}
