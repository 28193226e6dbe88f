//! Cheap, sound fast-reject tests that run before the family detectors' verifiers.
//!
//! Every test here may answer "maybe" for a value that carries nothing, but never "no" for a
//! value the verifier behind it could flag: each is a *necessary* condition of a detection.
//!
//! - [`byte_table`] / [`classes`]: which classes of bytes a value holds, in one pass of table
//!   lookups ORed together (no branches, no allocation);
//! - [`Anchors`]: whether a value may contain one of a set of patterns (ASCII
//!   case-insensitive): each pattern is represented by one of its four-byte windows, the one
//!   least frequent in typical benign traffic, hashed into a 128 Kbit set; a value none of whose
//!   windows is in the set contains none of the patterns;
//! - [`WordSet`]: exact, ASCII case-insensitive membership of a short word in a list, by
//!   hashing, instead of a linear scan or an automaton.

/// A table mapping each byte to the classes (bits) it belongs to.
pub(crate) const fn byte_table(groups: &[(&[u8], u8)]) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut g = 0;
    while g < groups.len() {
        let (bytes, bit) = groups[g];
        let mut i = 0;
        while i < bytes.len() {
            t[bytes[i] as usize] |= bit;
            i += 1;
        }
        g += 1;
    }
    t
}

/// A table marking the first byte of each of `words`, in either ASCII case.
pub(crate) const fn first_bytes(words: &[&[u8]]) -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < words.len() {
        if !words[i].is_empty() {
            let b = words[i][0];
            t[b.to_ascii_lowercase() as usize] = 1;
            t[b.to_ascii_uppercase() as usize] = 1;
        }
        i += 1;
    }
    t
}

/// The union of the classes of `input`'s bytes.
#[inline]
pub(crate) fn classes(input: &[u8], table: &[u8; 256]) -> u8 {
    let mut acc = 0u8;
    for &b in input {
        acc |= table[usize::from(b)];
    }
    acc
}

/// The case folding both sides of a trigram test use: ASCII letters to lowercase (it also
/// merges a few other byte pairs, which only makes the test answer "maybe" more often).
#[inline(always)]
fn fold(b: u8) -> u32 {
    u32::from(b | 0x20)
}

/// The size of an [`Anchors`] set: 128 Kbit (16 KiB).
const SLOT_BITS: u32 = 17;

/// The bit of a (folded) four-byte window in an [`Anchors`] set.
#[inline(always)]
fn slot(h: u32) -> usize {
    (h.wrapping_mul(0x9e37_79b1) >> (32 - SLOT_BITS)) as usize
}

/// Typical benign field values (header values, cookies, query arguments, paths, prose): the
/// windows that stand for patterns are chosen to be rare here.
const SAMPLE: &str = "\
Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\n\
Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36\n\
Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15\n\
Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148\n\
curl/8.5.0 python-requests/2.31.0 okhttp/4.12.0 Go-http-client/1.1\n\
text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8\n\
text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\n\
text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7\n\
image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8 text/css,*/*;q=0.1\n\
application/json, text/plain, */* multipart/form-data; boundary=----WebKitFormBoundary\n\
application/x-www-form-urlencoded; charset=UTF-8\n\
en-GB,en;q=0.5 en-US,en;q=0.9,de;q=0.8,fr;q=0.7 gzip, deflate, br, zstd\n\
keep-alive no-cache max-age=0 same-origin navigate document cors empty\n\
https://shop.example.com/catalog?page=2 https://www.example.org/search?q=running+shoes\n\
session=8f14e45fceea167a5a36dedd4bea2543; _ga=GA1.2.1234567890.1700000000; theme=dark\n\
_gid=GA1.2.987654321.1700000000; csrftoken=Zx8YqLm3; consent=yes; lang=en\n\
sessionid=abc123; PHPSESSID=9ab8c7d6e5f4; JSESSIONID=0A1B2C3D4E5F; XSRF-TOKEN=eyJpdiI6; remember_me=1\n\
shop.example.com www.example.com api.example.net cdn.example.org localhost:8080\n\
/products/shoes /api/v1/users/42/orders /static/css/main.css /images/logo.png /index.html\n\
color=blue&size=42&q=running+shoes&sort=price&order=asc&limit=20&offset=40\n\
Host User-Agent Accept Accept-Language Accept-Encoding Referer Cookie Connection\n\
Content-Type Content-Length Cache-Control Upgrade-Insecure-Requests Sec-Fetch-Mode\n\
Hello, I would like to update my order and select a different size. Thanks!\n\
Jane O'Reilly jane@example.com +1 555 0100 London United Kingdom\n\
the quick brown fox jumps over the lazy dog; we are going to the station tomorrow\n\
information about our products, services, prices and delivery options for customers\n\
2024-11-24T10:00:00Z 1700000000 3.14159 0.5 100% true false null undefined\n\
";

/// Whether a value may contain one of a set of patterns (ASCII case-insensitive).
///
/// A pattern of four bytes or more stands as one of its four-byte windows, the one least
/// frequent in [`SAMPLE`]; a three-byte one as every four-byte window that ends with it (which
/// costs selectivity: avoid them); a two-byte one is looked for directly. The value's windows are hashed as they roll by, one
/// table lookup per byte.
pub(crate) struct Anchors {
    bits: Box<[u64; 1 << (SLOT_BITS - 6)]>,
    /// Two-byte patterns, lowercase.
    pairs: Vec<[u8; 2]>,
    /// A pattern too short to test: always "maybe".
    always: bool,
}

/// A four-byte window as [`Anchors`] hashes it: the bytes folded, the first lowest.
fn window(w: [u8; 4]) -> u32 {
    u32::from_le_bytes(w) | 0x2020_2020
}

/// What stands for a list of patterns in an [`Anchors`] set.
struct Plan {
    /// Folded four-byte windows.
    windows: Vec<u32>,
    /// Two-byte patterns, lowercase.
    pairs: Vec<[u8; 2]>,
    /// A pattern too short to test.
    always: bool,
}

/// The windows, pairs and "always" that stand for `patterns` (see [`Anchors`]).
fn plan<P: AsRef<[u8]>>(patterns: &[P]) -> Plan {
    static FREQ: std::sync::LazyLock<Vec<u32>> = std::sync::LazyLock::new(|| {
        let mut freq = vec![0u32; 1 << SLOT_BITS];
        for w in SAMPLE.as_bytes().windows(4) {
            freq[slot(window([w[0], w[1], w[2], w[3]]))] += 1;
        }
        freq
    });
    let freq = &*FREQ;
    let mut plan = Plan {
        windows: Vec::new(),
        pairs: Vec::new(),
        always: false,
    };
    for p in patterns {
        let p = p.as_ref();
        match p.len() {
            0 | 1 => plan.always = true,
            2 => plan
                .pairs
                .push([p[0].to_ascii_lowercase(), p[1].to_ascii_lowercase()]),
            3 => {
                // any byte before it, or the start of the value (0, never a folded byte)
                plan.windows.push(window([0, p[0], p[1], p[2]]) & !0xff);
                for x in 0..=255u8 {
                    plan.windows.push(window([x, p[0], p[1], p[2]]));
                }
            }
            _ => {
                let best = p
                    .windows(4)
                    .map(|w| window([w[0], w[1], w[2], w[3]]))
                    .min_by_key(|&w| freq[slot(w)]);
                plan.windows.extend(best);
            }
        }
    }
    plan
}

impl Anchors {
    /// A test for `patterns`.
    pub(crate) fn new<P: AsRef<[u8]>>(patterns: &[P]) -> Anchors {
        let plan = plan(patterns);
        let mut t = Anchors {
            bits: Box::new([0u64; 1 << (SLOT_BITS - 6)]),
            pairs: plan.pairs,
            always: plan.always,
        };
        for w in plan.windows {
            t.set(w);
        }
        t
    }

    fn set(&mut self, h: u32) {
        let s = slot(h);
        self.bits[s >> 6] |= 1 << (s & 63);
    }

    fn probe(&self, h: u32) -> u64 {
        let s = slot(h);
        self.bits[s >> 6] >> (s & 63)
    }

    /// Whether the four bytes `w` are one of the windows that stand for patterns of four bytes
    /// or more (to test chosen positions only; see [`Anchors::prefixes`]).
    pub(crate) fn has_window(&self, w: &[u8]) -> bool {
        match w {
            [a, b, c, d] => self.probe(window([*a, *b, *c, *d])) & 1 != 0,
            _ => false,
        }
    }

    /// A test holding the first four bytes of each pattern (each at least four bytes long),
    /// for [`Anchors::has_window`] at the positions where a pattern can start.
    pub(crate) fn prefixes<P: AsRef<[u8]>>(patterns: &[P]) -> Anchors {
        let heads: Vec<&[u8]> = patterns.iter().map(|p| p.as_ref()).collect();
        let mut t = Anchors {
            bits: Box::new([0u64; 1 << (SLOT_BITS - 6)]),
            pairs: Vec::new(),
            always: false,
        };
        for p in heads {
            match p {
                [a, b, c, d, ..] => t.set(window([*a, *b, *c, *d])),
                _ => t.always = true,
            }
        }
        t
    }

    /// Whether `input` may contain one of the patterns; `false` is certain.
    #[inline]
    pub(crate) fn may_contain(&self, input: &[u8]) -> bool {
        if self.always {
            return true;
        }
        // the windows that start before the value hold zeros (never a folded byte) there
        let mut hit = 0u64;
        let mut h = 0u32;
        for &b in &input[..input.len().min(3)] {
            h = h >> 8 | fold(b) << 24;
            hit |= self.probe(h);
        }
        // then every window of the value: independent loads, no chain between them
        for w in input.windows(4) {
            hit |= self.probe(window([w[0], w[1], w[2], w[3]]));
        }
        hit & 1 != 0 || self.pairs.iter().any(|&[a, b]| has_pair(input, a, b))
    }
}

/// Whether `input` holds `a` then `b` (lowercase letters match either case).
fn has_pair(input: &[u8], a: u8, b: u8) -> bool {
    memchr::memchr2_iter(a, a.to_ascii_uppercase(), input).any(|i| {
        input
            .get(i + 1)
            .is_some_and(|c| c.to_ascii_lowercase() == b)
    })
}

/// Several [`Anchors`] tests in one pass: each list of patterns has a bit, and a value's
/// windows answer the bits of the lists that may occur in it. For each list the answer is
/// exactly that of `Anchors::new(list)`: the same windows stand for the same patterns.
pub(crate) struct MultiAnchors {
    /// Any list's window hashes here.
    any: Box<[u64; 1 << (SLOT_BITS - 6)]>,
    /// For each slot, the bits of the lists with a window there (read only on a hit).
    masks: Box<[u8]>,
    /// Two-byte patterns, lowercase, and their list's bit.
    pairs: Vec<([u8; 2], u8)>,
    /// The bits of the lists with a pattern too short to test.
    always: u8,
}

impl MultiAnchors {
    /// A test for each list of patterns, with its bit.
    pub(crate) fn new<P: AsRef<[u8]>>(lists: &[(&[P], u8)]) -> MultiAnchors {
        let mut t = MultiAnchors {
            any: Box::new([0u64; 1 << (SLOT_BITS - 6)]),
            masks: vec![0u8; 1 << SLOT_BITS].into_boxed_slice(),
            pairs: Vec::new(),
            always: 0,
        };
        for &(patterns, bit) in lists {
            let plan = plan(patterns);
            for w in plan.windows {
                let s = slot(w);
                t.any[s >> 6] |= 1 << (s & 63);
                t.masks[s] |= bit;
            }
            t.pairs.extend(plan.pairs.into_iter().map(|p| (p, bit)));
            if plan.always {
                t.always |= bit;
            }
        }
        t
    }

    /// Folds byte `b` into the rolling window `h` and answers the bits of its hit.
    #[inline(always)]
    pub(crate) fn step(&self, h: &mut u32, b: u8) -> u8 {
        *h = *h >> 8 | fold(b) << 24;
        let s = slot(*h);
        if self.any[s >> 6] >> (s & 63) & 1 != 0 {
            self.masks[s]
        } else {
            0
        }
    }

    /// The bits answered apart from the windows: short patterns.
    pub(crate) fn rest(&self, input: &[u8]) -> u8 {
        let mut bits = self.always;
        for &([a, b], bit) in &self.pairs {
            if bits & bit == 0 && has_pair(input, a, b) {
                bits |= bit;
            }
        }
        bits
    }

    /// The bits of the lists `input` may hold a pattern of.
    #[cfg(test)]
    pub(crate) fn may_contain(&self, input: &[u8]) -> u8 {
        let mut h = 0u32;
        let mut bits = 0u8;
        for &b in input {
            bits |= self.step(&mut h, b);
        }
        bits | self.rest(input)
    }
}

/// The longest word a [`WordSet`] holds.
const WORD_MAX: usize = 48;

/// Exact, ASCII case-insensitive membership in a list of words, answering the index of the
/// first equal word in the list.
pub(crate) struct WordSet {
    /// Open addressing: 0 is empty, else the index into `words` plus one.
    slots: Vec<u16>,
    words: Vec<(Vec<u8>, usize)>,
    min: usize,
    max: usize,
    /// The first two bytes (lowercase) of the words of two bytes or more: a fast reject.
    starts: Box<[u64; 1024]>,
    /// The first three bytes (lowercase, hashed) of the words of three bytes or more.
    starts3: Box<[u64; 256]>,
}

fn triple_bit(word: &[u8]) -> usize {
    let t = u32::from(word[0].to_ascii_lowercase()) << 16
        | u32::from(word[1].to_ascii_lowercase()) << 8
        | u32::from(word[2].to_ascii_lowercase());
    (t.wrapping_mul(0x9e37_79b1) >> 18) as usize
}

fn pair_bit(word: &[u8]) -> usize {
    usize::from(word[0].to_ascii_lowercase()) << 8 | usize::from(word[1].to_ascii_lowercase())
}

/// A hash of a (lowercase) word, eight bytes at a time.
fn word_hash(word: &[u8]) -> u32 {
    let mut h = (word.len() as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    for chunk in word.chunks(8) {
        let mut b = [0u8; 8];
        b[..chunk.len()].copy_from_slice(chunk);
        h = (h ^ u64::from_le_bytes(b))
            .wrapping_mul(0xff51_afd7_ed55_8ccd)
            .rotate_left(29);
    }
    (h >> 32) as u32 ^ h as u32
}

impl WordSet {
    /// A set of `words` (each at most 48 bytes; longer ones are never found).
    pub(crate) fn new<W: AsRef<[u8]>>(words: &[W]) -> WordSet {
        let cap = (words.len() * 2).next_power_of_two().max(16);
        let mut s = WordSet {
            slots: vec![0; cap],
            words: Vec::new(),
            min: usize::MAX,
            max: 0,
            starts: Box::new([0u64; 1024]),
            starts3: Box::new([0u64; 256]),
        };
        for (index, w) in words.iter().enumerate() {
            let w = w.as_ref();
            if w.len() > WORD_MAX {
                continue;
            }
            let lower = w.to_ascii_lowercase();
            if s.find(&lower).is_some() {
                // the first of equal words wins, as a scan in order would
                continue;
            }
            s.min = s.min.min(w.len());
            s.max = s.max.max(w.len());
            if w.len() >= 2 {
                let p = pair_bit(w);
                s.starts[p >> 6] |= 1 << (p & 63);
            }
            if w.len() >= 3 {
                let p = triple_bit(w);
                s.starts3[p >> 6] |= 1 << (p & 63);
            }
            let mut i = word_hash(&lower) as usize & (cap - 1);
            while s.slots[i] != 0 {
                i = (i + 1) & (cap - 1);
            }
            s.words.push((lower, index));
            s.slots[i] = u16::try_from(s.words.len()).unwrap_or(u16::MAX);
        }
        s
    }

    fn find(&self, lower: &[u8]) -> Option<usize> {
        let mask = self.slots.len() - 1;
        let mut i = word_hash(lower) as usize & mask;
        loop {
            let k = usize::from(self.slots[i]);
            if k == 0 {
                return None;
            }
            let (w, index) = self.words.get(k - 1)?;
            if w.as_slice() == lower {
                return Some(*index);
            }
            i = (i + 1) & mask;
        }
    }

    /// The index (in the list given to [`WordSet::new`]) of the first word equal to `word`,
    /// ignoring ASCII case.
    #[inline]
    pub(crate) fn get(&self, word: &[u8]) -> Option<usize> {
        if word.len() < self.min || word.len() > self.max {
            return None;
        }
        if word.len() >= 2 {
            let p = pair_bit(word);
            if self.starts[p >> 6] >> (p & 63) & 1 == 0 {
                return None;
            }
        }
        if word.len() >= 3 {
            let p = triple_bit(word);
            if self.starts3[p >> 6] >> (p & 63) & 1 == 0 {
                return None;
            }
        }
        let mut buf = [0u8; WORD_MAX];
        for (d, s) in buf.iter_mut().zip(word) {
            *d = s.to_ascii_lowercase();
        }
        self.find(&buf[..word.len()])
    }

    /// Whether `word` is in the set, ignoring ASCII case.
    #[inline]
    pub(crate) fn contains(&self, word: &[u8]) -> bool {
        self.get(word).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_never_miss() {
        let pats: [&[u8]; 5] = [
            b"passwd",
            b"ab",
            b"Invoke-Expression",
            b"zap/",
            b"\xac\xed\x00",
        ];
        let t = Anchors::new(&pats);
        for p in pats {
            for pre in [&b""[..], b"x", b"Hello ", b"\x00"] {
                for post in [&b""[..], b"y", b" world"] {
                    let mut v = pre.to_vec();
                    v.extend(p.iter().map(|c| c.to_ascii_uppercase()));
                    v.extend_from_slice(post);
                    assert!(t.may_contain(&v), "{v:?}");
                    let mut v = pre.to_vec();
                    v.extend_from_slice(p);
                    v.extend_from_slice(post);
                    assert!(t.may_contain(&v), "{v:?}");
                }
            }
        }
        assert!(!t.may_contain(b""));
    }

    #[test]
    fn words() {
        let s = WordSet::new(&["cat", "CAT", "ls", "DS_Store"]);
        assert_eq!(s.get(b"Cat"), Some(0));
        assert_eq!(s.get(b"ds_store"), Some(3));
        assert_eq!(s.get(b"l"), None);
        assert_eq!(s.get(b"lss"), None);
        assert_eq!(s.get(&[b'a'; 100]), None);
    }

    #[test]
    fn byte_classes() {
        const T: [u8; 256] = byte_table(&[(b"ab", 1), (b"c", 2)]);
        assert_eq!(classes(b"xxbx", &T), 1);
        assert_eq!(classes(b"cab", &T), 3);
        assert_eq!(classes(b"", &T), 0);
    }
}
