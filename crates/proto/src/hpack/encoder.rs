//! The header block encoder: static-table indices and raw literals, no dynamic table.

use super::encode_integer;
use super::table::{static_name, static_pair};

/// The table size both ends assume before any SETTINGS (RFC 9113 §6.5.2).
const DEFAULT_TABLE_SIZE: usize = 4096;

/// The encoding side of one HTTP/2 connection: our responses' header blocks.
///
/// Every field is written as a whole static-table match (`:status: 200`), or as a literal not
/// added to the dynamic table, with the name as a static index when the table has it. The
/// encoder's dynamic table therefore stays empty, and encoding a field costs a `match` on its
/// name and a copy of its bytes.
#[derive(Debug, Clone)]
pub struct Encoder {
    /// The table size the peer's decoder holds us to, as last announced.
    max_table_size: usize,
    /// Size updates owed before the next field: the smallest size set since the last block,
    /// then the final one (RFC 7541 §4.2).
    pending: Option<(usize, usize)>,
}

impl Default for Encoder {
    fn default() -> Encoder {
        Encoder::new()
    }
}

impl Encoder {
    /// An encoder for a new connection (a dynamic table of 4096 bytes, empty).
    pub fn new() -> Encoder {
        Encoder {
            max_table_size: DEFAULT_TABLE_SIZE,
            pending: None,
        }
    }

    /// The peer's SETTINGS_HEADER_TABLE_SIZE changed to `n`. The next header block starts
    /// with the size update(s) RFC 7541 §4.2 requires, written in front of the next field:
    /// call this between header blocks, not while one is being encoded.
    pub fn set_max_table_size(&mut self, n: usize) {
        if n == self.max_table_size && self.pending.is_none() {
            return;
        }
        let smallest = self.pending.map_or(n, |(s, _)| s.min(n));
        self.pending = Some((smallest, n));
        self.max_table_size = n;
    }

    #[inline]
    fn flush_size_update(&mut self, out: &mut Vec<u8>) {
        if let Some((smallest, last)) = self.pending.take() {
            if smallest < last {
                encode_integer(smallest, 5, 0x20, out);
            }
            encode_integer(last, 5, 0x20, out);
        }
    }

    /// Appends `:status: status`: one byte for 200, 204, 206, 304, 400, 404 and 500, a
    /// literal with the static name otherwise.
    pub fn status(&mut self, status: u16, out: &mut Vec<u8>) {
        self.flush_size_update(out);
        let index = match status {
            200 => 8,
            204 => 9,
            206 => 10,
            304 => 11,
            400 => 12,
            404 => 13,
            500 => 14,
            _ => 0,
        };
        if index != 0 {
            out.push(0x80 | index);
            return;
        }
        let mut digits = [0u8; 5];
        let mut i = digits.len();
        let mut n = status;
        loop {
            i -= 1;
            digits[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let digits = &digits[i..];
        // literal without indexing, name `:status` (static 8), raw value
        out.extend_from_slice(&[0x08, digits.len() as u8]);
        out.extend_from_slice(digits);
    }

    /// Appends the field `name: value` (`name` lowercase, as HTTP/2 requires: the caller
    /// guarantees it). A field the static table holds whole is one index; otherwise a literal
    /// without indexing, with the name as a static index when the table has it. Credentials
    /// (`authorization`, `proxy-authorization`, `cookie`, `set-cookie`) are "never indexed"
    /// literals, so intermediaries re-encoding them keep them out of their tables too.
    pub fn field(&mut self, name: &[u8], value: &[u8], out: &mut Vec<u8>) {
        self.flush_size_update(out);
        out.reserve(name.len() + value.len() + 8);
        let sensitive = matches!(
            name,
            b"authorization" | b"proxy-authorization" | b"cookie" | b"set-cookie"
        );
        let first = if sensitive { 0x10 } else { 0x00 };
        match static_name(name) {
            Some(n) => {
                if let Some(i) = static_pair(n, value).filter(|_| !sensitive) {
                    out.push(0x80 | i);
                    return;
                }
                encode_integer(usize::from(n), 4, first, out);
            }
            None => {
                out.push(first);
                raw_string(name, out);
            }
        }
        raw_string(value, out);
    }
}

/// A string literal without Huffman coding.
#[inline]
fn raw_string(s: &[u8], out: &mut Vec<u8>) {
    encode_integer(s.len(), 7, 0x00, out);
    out.extend_from_slice(s);
}
