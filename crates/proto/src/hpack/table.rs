//! The static table (RFC 7541 Appendix A) and the decoder's dynamic table (§2.3.2, §4).

use std::collections::VecDeque;

/// Entries 1 to 61 of the static table.
pub(crate) static STATIC: [(&[u8], &[u8]); 61] = [
    (b":authority", b""),
    (b":method", b"GET"),
    (b":method", b"POST"),
    (b":path", b"/"),
    (b":path", b"/index.html"),
    (b":scheme", b"http"),
    (b":scheme", b"https"),
    (b":status", b"200"),
    (b":status", b"204"),
    (b":status", b"206"),
    (b":status", b"304"),
    (b":status", b"400"),
    (b":status", b"404"),
    (b":status", b"500"),
    (b"accept-charset", b""),
    (b"accept-encoding", b"gzip, deflate"),
    (b"accept-language", b""),
    (b"accept-ranges", b""),
    (b"accept", b""),
    (b"access-control-allow-origin", b""),
    (b"age", b""),
    (b"allow", b""),
    (b"authorization", b""),
    (b"cache-control", b""),
    (b"content-disposition", b""),
    (b"content-encoding", b""),
    (b"content-language", b""),
    (b"content-length", b""),
    (b"content-location", b""),
    (b"content-range", b""),
    (b"content-type", b""),
    (b"cookie", b""),
    (b"date", b""),
    (b"etag", b""),
    (b"expect", b""),
    (b"expires", b""),
    (b"from", b""),
    (b"host", b""),
    (b"if-match", b""),
    (b"if-modified-since", b""),
    (b"if-none-match", b""),
    (b"if-range", b""),
    (b"if-unmodified-since", b""),
    (b"last-modified", b""),
    (b"link", b""),
    (b"location", b""),
    (b"max-forwards", b""),
    (b"proxy-authenticate", b""),
    (b"proxy-authorization", b""),
    (b"range", b""),
    (b"referer", b""),
    (b"refresh", b""),
    (b"retry-after", b""),
    (b"server", b""),
    (b"set-cookie", b""),
    (b"strict-transport-security", b""),
    (b"transfer-encoding", b""),
    (b"user-agent", b""),
    (b"vary", b""),
    (b"via", b""),
    (b"www-authenticate", b""),
];

/// The first static index whose name is `name`.
#[inline]
pub(crate) fn static_name(name: &[u8]) -> Option<u8> {
    Some(match name {
        b":authority" => 1,
        b":method" => 2,
        b":path" => 4,
        b":scheme" => 6,
        b":status" => 8,
        b"accept-charset" => 15,
        b"accept-encoding" => 16,
        b"accept-language" => 17,
        b"accept-ranges" => 18,
        b"accept" => 19,
        b"access-control-allow-origin" => 20,
        b"age" => 21,
        b"allow" => 22,
        b"authorization" => 23,
        b"cache-control" => 24,
        b"content-disposition" => 25,
        b"content-encoding" => 26,
        b"content-language" => 27,
        b"content-length" => 28,
        b"content-location" => 29,
        b"content-range" => 30,
        b"content-type" => 31,
        b"cookie" => 32,
        b"date" => 33,
        b"etag" => 34,
        b"expect" => 35,
        b"expires" => 36,
        b"from" => 37,
        b"host" => 38,
        b"if-match" => 39,
        b"if-modified-since" => 40,
        b"if-none-match" => 41,
        b"if-range" => 42,
        b"if-unmodified-since" => 43,
        b"last-modified" => 44,
        b"link" => 45,
        b"location" => 46,
        b"max-forwards" => 47,
        b"proxy-authenticate" => 48,
        b"proxy-authorization" => 49,
        b"range" => 50,
        b"referer" => 51,
        b"refresh" => 52,
        b"retry-after" => 53,
        b"server" => 54,
        b"set-cookie" => 55,
        b"strict-transport-security" => 56,
        b"transfer-encoding" => 57,
        b"user-agent" => 58,
        b"vary" => 59,
        b"via" => 60,
        b"www-authenticate" => 61,
        _ => return None,
    })
}

/// The static index of `name: value` when the pair itself is in the table, given the name's
/// first index.
#[inline]
pub(crate) fn static_pair(name_index: u8, value: &[u8]) -> Option<u8> {
    match (name_index, value) {
        (2, b"GET") => Some(2),
        (2, b"POST") => Some(3),
        (4, b"/") => Some(4),
        (4, b"/index.html") => Some(5),
        (6, b"http") => Some(6),
        (6, b"https") => Some(7),
        (8, _) => status_index(value),
        (16, b"gzip, deflate") => Some(16),
        (2 | 4 | 6 | 16, _) => None,
        (_, b"") => Some(name_index),
        _ => None,
    }
}

/// The static index of `:status: value`.
#[inline]
pub(crate) fn status_index(value: &[u8]) -> Option<u8> {
    Some(match value {
        b"200" => 8,
        b"204" => 9,
        b"206" => 10,
        b"304" => 11,
        b"400" => 12,
        b"404" => 13,
        b"500" => 14,
        _ => return None,
    })
}

/// Storage reserved at the first insertion: about what a browser's first request fills.
const INITIAL_BYTES: usize = 2048;
const INITIAL_ENTRIES: usize = 32;

/// Bytes each entry counts for beyond its name and value (RFC 7541 §4.1).
pub(crate) const ENTRY_OVERHEAD: usize = 32;

/// Where an entry's bytes are: `pos` counts every byte ever stored, so it stays valid when the
/// storage drops evicted bytes from its front.
#[derive(Clone, Copy, Debug)]
struct Entry {
    pos: u64,
    name_len: usize,
    value_len: usize,
}

/// The name of a field being added to the table.
#[derive(Clone, Copy, Debug)]
pub(crate) enum NewName<'a> {
    /// Bytes outside the table.
    Bytes(&'a [u8]),
    /// The name of the dynamic entry at this index (0 is the newest), which the insertion may
    /// evict (RFC 7541 §4.4): its bytes are kept until the new entry holds a copy.
    Entry(usize),
}

/// The dynamic table. Entries' bytes are appended to one buffer; eviction only moves the
/// oldest live position, and the dead bytes before it are dropped in one move once the buffer
/// would pass twice the table's maximum size. So the buffer never holds more than twice the
/// maximum, moving a byte costs O(1) amortised, and a look-up is a slice of it.
#[derive(Clone, Debug)]
pub(crate) struct DynamicTable {
    /// Newest at the back.
    entries: VecDeque<Entry>,
    bytes: Vec<u8>,
    /// The position of `bytes[0]`.
    base: u64,
    /// The sum of the entries' sizes.
    size: usize,
    max: usize,
}

impl DynamicTable {
    pub(crate) fn new(max: usize) -> DynamicTable {
        DynamicTable {
            entries: VecDeque::new(),
            bytes: Vec::new(),
            base: 0,
            size: 0,
            max,
        }
    }

    /// The sum of the entries' sizes (name + value + 32 each).
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    pub(crate) fn max(&self) -> usize {
        self.max
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry at `index`, 0 being the newest.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<(&[u8], &[u8])> {
        let i = self.entries.len().checked_sub(index + 1)?;
        let e = self.entries.get(i)?;
        let start = (e.pos - self.base) as usize;
        let mid = start + e.name_len;
        let bytes = self.bytes.get(start..mid + e.value_len)?;
        Some(bytes.split_at(e.name_len))
    }

    /// Changes the maximum size, evicting as needed.
    pub(crate) fn set_max(&mut self, max: usize) {
        self.max = max;
        self.evict_to(max);
        if self.bytes.len() > max.saturating_mul(2) {
            self.compact(None);
            self.bytes.shrink_to(max.saturating_mul(2));
        }
    }

    fn evict_to(&mut self, target: usize) {
        while self.size > target {
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            self.size -= e.name_len + e.value_len + ENTRY_OVERHEAD;
        }
    }

    /// Drops the bytes before the oldest entry, or before `keep` if that is older.
    fn compact(&mut self, keep: Option<u64>) {
        let end = self.base + self.bytes.len() as u64;
        let oldest = self.entries.front().map_or(end, |e| e.pos);
        let keep = keep.map_or(oldest, |k| k.min(oldest));
        self.bytes.drain(..(keep - self.base) as usize);
        self.base = keep;
    }

    /// Adds `name: value` as the newest entry, evicting the oldest ones to make room; an
    /// entry larger than the maximum empties the table and is not added (RFC 7541 §4.4).
    pub(crate) fn insert(&mut self, name: NewName<'_>, value: &[u8]) {
        let (name_len, name_pos) = match name {
            NewName::Bytes(n) => (n.len(), None),
            NewName::Entry(index) => {
                let Some(e) = self
                    .entries
                    .len()
                    .checked_sub(index + 1)
                    .and_then(|i| self.entries.get(i))
                else {
                    return;
                };
                (e.name_len, Some(e.pos))
            }
        };
        let size = name_len
            .saturating_add(value.len())
            .saturating_add(ENTRY_OVERHEAD);
        if size > self.max {
            self.entries.clear();
            self.size = 0;
            self.compact(None);
            return;
        }
        self.evict_to(self.max - size);
        let limit = self.max.saturating_mul(2);
        if self.bytes.len() + (size - ENTRY_OVERHEAD) > limit {
            self.compact(name_pos);
        }
        let needed = self.bytes.len() + (size - ENTRY_OVERHEAD);
        if needed > self.bytes.capacity() {
            // doubling from what a browser's first request fills, but not past the limit
            let cap = (self.bytes.capacity() * 2)
                .max(INITIAL_BYTES)
                .min(limit)
                .max(needed);
            self.bytes.reserve_exact(cap - self.bytes.len());
        }
        if self.entries.capacity() == 0 {
            self.entries
                .reserve(INITIAL_ENTRIES.min(self.max / ENTRY_OVERHEAD));
        }
        let pos = self.base + self.bytes.len() as u64;
        match (name, name_pos) {
            (_, Some(p)) => {
                let start = (p - self.base) as usize;
                self.bytes.extend_from_within(start..start + name_len);
            }
            (NewName::Bytes(n), None) => self.bytes.extend_from_slice(n),
            (NewName::Entry(_), None) => {}
        }
        self.bytes.extend_from_slice(value);
        self.entries.push_back(Entry {
            pos,
            name_len,
            value_len: value.len(),
        });
        self.size += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn static_name_index_matches_the_table() {
        for (i, (name, _)) in STATIC.iter().enumerate() {
            let first = STATIC.iter().position(|(n, _)| n == name).unwrap() + 1;
            assert_eq!(static_name(name), Some(first as u8), "{i}");
        }
        assert_eq!(static_name(b"x-forwarded-for"), None);
        assert_eq!(static_name(b"Content-Type"), None);
    }

    #[test]
    fn static_pair_index_matches_the_table() {
        for (i, (name, value)) in STATIC.iter().enumerate() {
            let n = static_name(name).unwrap();
            assert_eq!(static_pair(n, value), Some(i as u8 + 1), "{i}");
        }
        assert_eq!(static_pair(2, b"PUT"), None);
        assert_eq!(static_pair(1, b""), Some(1));
        assert_eq!(static_pair(2, b""), None);
        assert_eq!(static_pair(31, b"text/html"), None);
        assert_eq!(static_pair(8, b"302"), None);
    }

    #[test]
    fn entry_larger_than_the_table_empties_it() {
        let mut t = DynamicTable::new(100);
        t.insert(NewName::Bytes(b"a"), b"b");
        assert_eq!((t.len(), t.size()), (1, 34));
        t.insert(NewName::Bytes(b"big"), &[b'x'; 70]);
        assert_eq!((t.len(), t.size()), (0, 0));
        // exactly the maximum fits
        t.insert(NewName::Bytes(b"big"), &[b'x'; 65]);
        assert_eq!((t.len(), t.size()), (1, 100));
    }

    #[test]
    fn a_name_from_an_entry_the_insertion_evicts_is_kept() {
        let mut t = DynamicTable::new(80);
        t.insert(NewName::Bytes(b"first-name"), b"v1");
        // 44 + 44 > 80: inserting evicts entry 0, whose name we use
        t.insert(NewName::Entry(0), b"v2");
        assert_eq!(t.len(), 1);
        assert_eq!(t.get(0), Some((&b"first-name"[..], &b"v2"[..])));
        // the same when the buffer is compacted on the way
        let mut t = DynamicTable::new(44);
        t.insert(NewName::Bytes(b"first-name"), b"v1");
        t.insert(NewName::Entry(0), b"v2");
        t.insert(NewName::Entry(0), b"v3");
        assert_eq!(t.get(0), Some((&b"first-name"[..], &b"v3"[..])));
        assert_eq!(t.get(1), None);
    }

    #[test]
    fn shrinking_evicts_the_oldest() {
        let mut t = DynamicTable::new(4096);
        for i in 0..10u8 {
            t.insert(NewName::Bytes(b"k"), &[b'0' + i]);
        }
        assert_eq!(t.size(), 340);
        t.set_max(100);
        assert_eq!(t.len(), 2);
        assert_eq!(t.get(0), Some((&b"k"[..], &b"9"[..])));
        assert_eq!(t.get(1), Some((&b"k"[..], &b"8"[..])));
        t.set_max(0);
        assert_eq!((t.len(), t.size()), (0, 0));
    }

    #[derive(Debug, Clone)]
    enum Op {
        Insert(Vec<u8>, Vec<u8>),
        InsertNamed(usize, Vec<u8>),
        SetMax(usize),
    }

    fn op() -> impl Strategy<Value = Op> {
        let bytes = || proptest::collection::vec(any::<u8>(), 0..60);
        prop_oneof![
            6 => (bytes(), bytes()).prop_map(|(n, v)| Op::Insert(n, v)),
            3 => (0usize..8, bytes()).prop_map(|(i, v)| Op::InsertNamed(i, v)),
            1 => (0usize..400).prop_map(Op::SetMax),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        /// The table behaves like a list of owned pairs with eviction by size.
        #[test]
        fn dynamic_table_matches_a_list_of_pairs(ops in proptest::collection::vec(op(), 0..200)) {
            let mut t = DynamicTable::new(256);
            let mut model: VecDeque<(Vec<u8>, Vec<u8>)> = VecDeque::new();
            let mut max = 256;
            let mut max_seen = max;
            let size = |m: &VecDeque<(Vec<u8>, Vec<u8>)>| m.iter().map(|(n, v)| n.len() + v.len() + 32).sum::<usize>();
            for op in ops {
                match op {
                    Op::Insert(n, v) => {
                        t.insert(NewName::Bytes(&n), &v);
                        model.push_front((n, v));
                    }
                    Op::InsertNamed(i, v) => {
                        let Some((n, _)) = model.get(i).cloned() else {
                            continue;
                        };
                        t.insert(NewName::Entry(i), &v);
                        model.push_front((n, v));
                    }
                    Op::SetMax(m) => {
                        max = m;
                        max_seen = max_seen.max(m);
                        t.set_max(m);
                    }
                }
                if model.front().is_some_and(|(n, v)| n.len() + v.len() + 32 > max) {
                    model.clear();
                }
                while size(&model) > max {
                    model.pop_back();
                }
                prop_assert_eq!(t.len(), model.len());
                prop_assert_eq!(t.size(), size(&model));
                prop_assert!(t.bytes.len() <= 2 * max);
                prop_assert!(t.bytes.capacity() <= 2 * max_seen);
                for (i, (n, v)) in model.iter().enumerate() {
                    prop_assert_eq!(t.get(i), Some((&n[..], &v[..])));
                }
                prop_assert_eq!(t.get(model.len()), None);
            }
        }
    }
}
