//! The header block decoder (RFC 7541 §3, §6).

use super::table::{DynamicTable, ENTRY_OVERHEAD, NewName, STATIC};
use super::{DecodeError, decode_integer, huffman};

/// Scratch space for Huffman-decoded strings kept from one block to the next; a block that
/// needed more gives the excess back when it is done.
const SCRATCH_KEEP: usize = 16 * 1024;

/// The decoding side of one HTTP/2 connection: the peer's requests' header blocks, in the
/// order they arrive on the connection.
#[derive(Debug, Clone)]
pub struct Decoder {
    table: DynamicTable,
    /// Our SETTINGS_HEADER_TABLE_SIZE: the largest size update the peer may send.
    limit: usize,
    /// The limit went below the table's size: the next field must come after a size update.
    update_due: bool,
    /// Huffman-decoded strings of the field being decoded.
    scratch: Vec<u8>,
}

/// A decoded string: raw in the block, or Huffman-decoded into the scratch buffer.
#[derive(Clone, Copy)]
enum Str<'b> {
    Block(&'b [u8]),
    Scratch(usize, usize),
}

impl<'b> Str<'b> {
    #[inline]
    fn bytes<'s>(self, scratch: &'s [u8]) -> &'s [u8]
    where
        'b: 's,
    {
        match self {
            Str::Block(b) => b,
            Str::Scratch(start, end) => scratch.get(start..end).unwrap_or_default(),
        }
    }
}

/// Where a literal field's name comes from.
enum Name<'b> {
    Literal(Str<'b>),
    Static(&'static [u8]),
    /// Dynamic table entry, 0 being the newest.
    Dynamic(usize),
}

impl Decoder {
    /// A decoder whose dynamic table may grow to `max_table_size` bytes: our
    /// SETTINGS_HEADER_TABLE_SIZE (4096 unless we advertise another value). Size updates from
    /// the peer above it are an error.
    pub fn new(max_table_size: usize) -> Decoder {
        Decoder {
            table: DynamicTable::new(max_table_size),
            limit: max_table_size,
            update_due: false,
            scratch: Vec::new(),
        }
    }

    /// Our SETTINGS_HEADER_TABLE_SIZE changed to `n`: call once the peer has acknowledged the
    /// SETTINGS frame. When `n` is below the table's current maximum, the next header block
    /// must start with a size update of at most `n` (RFC 7541 §4.2).
    pub fn set_max_table_size(&mut self, n: usize) {
        self.limit = n;
        if n < self.table.max() {
            self.update_due = true;
        }
    }

    /// The dynamic table's size: the sum of its entries' name + value + 32 bytes.
    pub fn table_size(&self) -> usize {
        self.table.size()
    }

    /// The dynamic table's entries, newest first.
    #[cfg(test)]
    pub(crate) fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        (0..self.table.len())
            .filter_map(|i| self.table.get(i))
            .map(|(n, v)| (n.to_vec(), v.to_vec()))
            .collect()
    }

    /// Decodes one complete header block (HEADERS and CONTINUATION payloads concatenated),
    /// calling `field(name, value)` for each field in order, with the strings decoded.
    ///
    /// `max_list_size` bounds the sum of `name.len() + value.len() + 32` over the block's
    /// fields (SETTINGS_MAX_HEADER_LIST_SIZE). Once a field would exceed it, that field and
    /// the ones after it are not passed to `field`, the rest of the block is still decoded
    /// (so the dynamic table stays in step with the peer's), and the result is
    /// [`DecodeError::ListTooLarge`]. Any other error leaves the decoder out of step: the
    /// connection must end.
    pub fn decode(
        &mut self,
        block: &[u8],
        max_list_size: usize,
        field: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), DecodeError> {
        let r = self.decode_block(block, max_list_size, field);
        if self.scratch.capacity() > SCRATCH_KEEP {
            self.scratch = Vec::new();
        }
        r
    }

    fn decode_block(
        &mut self,
        block: &[u8],
        max_list_size: usize,
        mut field: impl FnMut(&[u8], &[u8]),
    ) -> Result<(), DecodeError> {
        let Decoder {
            table,
            limit,
            update_due,
            scratch,
        } = self;
        let mut list = 0usize;
        let mut emit = |name: &[u8], value: &[u8]| {
            list = list.saturating_add(name.len() + value.len() + ENTRY_OVERHEAD);
            if list <= max_list_size {
                field(name, value);
            }
        };
        let mut p = 0;
        let mut fields = false;
        while let Some(&b) = block.get(p) {
            if b & 0xe0 == 0x20 {
                // dynamic table size update (§6.3)
                if fields {
                    return Err(DecodeError::TableSizeUpdateNotFirst);
                }
                let n = decode_integer(block, &mut p, 5)?;
                if n > *limit {
                    return Err(DecodeError::TableSizeUpdateTooLarge);
                }
                table.set_max(n);
                *update_due = false;
                continue;
            }
            if *update_due {
                return Err(DecodeError::TableSizeUpdateMissing);
            }
            fields = true;
            if b & 0x80 != 0 {
                // indexed field (§6.1)
                let i = decode_integer(block, &mut p, 7)?;
                let (name, value) = entry(table, i)?;
                emit(name, value);
                continue;
            }
            // literal with incremental indexing (§6.2.1), without indexing (§6.2.2) or never
            // indexed (§6.2.3): to us the last two are the same
            let indexing = b & 0x40 != 0;
            let i = decode_integer(block, &mut p, if indexing { 6 } else { 4 })?;
            scratch.clear();
            let name = match i {
                0 => Name::Literal(string(block, &mut p, scratch)?),
                1..=61 => Name::Static(STATIC[i - 1].0),
                _ if i - 62 < table.len() => Name::Dynamic(i - 62),
                _ => return Err(DecodeError::BadIndex(i as u64)),
            };
            let value = string(block, &mut p, scratch)?.bytes(scratch);
            let name = match name {
                Name::Dynamic(k) => {
                    let (name, _) = table.get(k).unwrap_or_default();
                    emit(name, value);
                    if indexing {
                        table.insert(NewName::Entry(k), value);
                    }
                    continue;
                }
                Name::Literal(s) => s.bytes(scratch),
                Name::Static(n) => n,
            };
            emit(name, value);
            if indexing {
                table.insert(NewName::Bytes(name), value);
            }
        }
        if list > max_list_size {
            return Err(DecodeError::ListTooLarge);
        }
        Ok(())
    }
}

/// The field at index `i` of the static table followed by the dynamic one.
#[inline]
fn entry(table: &DynamicTable, i: usize) -> Result<(&[u8], &[u8]), DecodeError> {
    if let Some(&(name, value)) = i.checked_sub(1).and_then(|k| STATIC.get(k)) {
        return Ok((name, value));
    }
    i.checked_sub(STATIC.len() + 1)
        .and_then(|k| table.get(k))
        .ok_or(DecodeError::BadIndex(i as u64))
}

/// Reads a string literal (§5.2) at `block[*p]`, Huffman-decoding it into `scratch` if needed.
#[inline]
fn string<'b>(
    block: &'b [u8],
    p: &mut usize,
    scratch: &mut Vec<u8>,
) -> Result<Str<'b>, DecodeError> {
    let huffman_coded = *block.get(*p).ok_or(DecodeError::Truncated)? & 0x80 != 0;
    let len = decode_integer(block, p, 7)?;
    // checked before anything is allocated for it
    let raw = block
        .get(*p..)
        .and_then(|rest| rest.get(..len))
        .ok_or(DecodeError::Truncated)?;
    *p += len;
    if !huffman_coded {
        return Ok(Str::Block(raw));
    }
    let start = scratch.len();
    huffman::decode(raw, scratch)?;
    Ok(Str::Scratch(start, scratch.len()))
}
