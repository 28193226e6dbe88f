//! The Huffman code of RFC 7541 Appendix B. The [`Decoder`](super::Decoder) undoes it; the
//! encoding is here for tools and tests that build header blocks the way browsers send them
//! (the [`Encoder`](super::Encoder) writes strings raw).

// Decoding reads the string through a 64-bit window, most significant bit first. The next
// `PEEK` bits index a table that resolves the one or two codes that fit in them (every letter,
// digit and common punctuation mark fits alone; two of the common 5- and 6-bit ones fit
// together): each look-up depends on the one before, so resolving two symbols at once shortens
// the chain. Longer codes are resolved from the code's canonical layout (codes of one length
// are consecutive numbers, in symbol order, following the shorter ones), a loop over lengths
// that only rare bytes reach. Both tables are built at compile time from `CODES`.

use super::DecodeError;

/// The end-of-string symbol: its code (30 one bits) must never appear in a string.
const EOS: u16 = 256;

/// `(code, length in bits)` of every symbol, indexed by symbol; the last is EOS.
#[rustfmt::skip]
const CODES: [(u32, u8); 257] = [
    (0x1ff8, 13), (0x7fffd8, 23), (0xfffffe2, 28), (0xfffffe3, 28),           // 0x00
    (0xfffffe4, 28), (0xfffffe5, 28), (0xfffffe6, 28), (0xfffffe7, 28),       // 0x04
    (0xfffffe8, 28), (0xffffea, 24), (0x3ffffffc, 30), (0xfffffe9, 28),       // 0x08
    (0xfffffea, 28), (0x3ffffffd, 30), (0xfffffeb, 28), (0xfffffec, 28),      // 0x0c
    (0xfffffed, 28), (0xfffffee, 28), (0xfffffef, 28), (0xffffff0, 28),       // 0x10
    (0xffffff1, 28), (0xffffff2, 28), (0x3ffffffe, 30), (0xffffff3, 28),      // 0x14
    (0xffffff4, 28), (0xffffff5, 28), (0xffffff6, 28), (0xffffff7, 28),       // 0x18
    (0xffffff8, 28), (0xffffff9, 28), (0xffffffa, 28), (0xffffffb, 28),       // 0x1c
    (0x14, 6), (0x3f8, 10), (0x3f9, 10), (0xffa, 12),                         // 0x20
    (0x1ff9, 13), (0x15, 6), (0xf8, 8), (0x7fa, 11),                          // 0x24 '$'
    (0x3fa, 10), (0x3fb, 10), (0xf9, 8), (0x7fb, 11),                         // 0x28 '('
    (0xfa, 8), (0x16, 6), (0x17, 6), (0x18, 6),                               // 0x2c ','
    (0x0, 5), (0x1, 5), (0x2, 5), (0x19, 6),                                  // 0x30 '0'
    (0x1a, 6), (0x1b, 6), (0x1c, 6), (0x1d, 6),                               // 0x34 '4'
    (0x1e, 6), (0x1f, 6), (0x5c, 7), (0xfb, 8),                               // 0x38 '8'
    (0x7ffc, 15), (0x20, 6), (0xffb, 12), (0x3fc, 10),                        // 0x3c '<'
    (0x1ffa, 13), (0x21, 6), (0x5d, 7), (0x5e, 7),                            // 0x40 '@'
    (0x5f, 7), (0x60, 7), (0x61, 7), (0x62, 7),                               // 0x44 'D'
    (0x63, 7), (0x64, 7), (0x65, 7), (0x66, 7),                               // 0x48 'H'
    (0x67, 7), (0x68, 7), (0x69, 7), (0x6a, 7),                               // 0x4c 'L'
    (0x6b, 7), (0x6c, 7), (0x6d, 7), (0x6e, 7),                               // 0x50 'P'
    (0x6f, 7), (0x70, 7), (0x71, 7), (0x72, 7),                               // 0x54 'T'
    (0xfc, 8), (0x73, 7), (0xfd, 8), (0x1ffb, 13),                            // 0x58 'X'
    (0x7fff0, 19), (0x1ffc, 13), (0x3ffc, 14), (0x22, 6),                     // 0x5c '\\'
    (0x7ffd, 15), (0x3, 5), (0x23, 6), (0x4, 5),                              // 0x60 '`'
    (0x24, 6), (0x5, 5), (0x25, 6), (0x26, 6),                                // 0x64 'd'
    (0x27, 6), (0x6, 5), (0x74, 7), (0x75, 7),                                // 0x68 'h'
    (0x28, 6), (0x29, 6), (0x2a, 6), (0x7, 5),                                // 0x6c 'l'
    (0x2b, 6), (0x76, 7), (0x2c, 6), (0x8, 5),                                // 0x70 'p'
    (0x9, 5), (0x2d, 6), (0x77, 7), (0x78, 7),                                // 0x74 't'
    (0x79, 7), (0x7a, 7), (0x7b, 7), (0x7ffe, 15),                            // 0x78 'x'
    (0x7fc, 11), (0x3ffd, 14), (0x1ffd, 13), (0xffffffc, 28),                 // 0x7c '|'
    (0xfffe6, 20), (0x3fffd2, 22), (0xfffe7, 20), (0xfffe8, 20),              // 0x80
    (0x3fffd3, 22), (0x3fffd4, 22), (0x3fffd5, 22), (0x7fffd9, 23),           // 0x84
    (0x3fffd6, 22), (0x7fffda, 23), (0x7fffdb, 23), (0x7fffdc, 23),           // 0x88
    (0x7fffdd, 23), (0x7fffde, 23), (0xffffeb, 24), (0x7fffdf, 23),           // 0x8c
    (0xffffec, 24), (0xffffed, 24), (0x3fffd7, 22), (0x7fffe0, 23),           // 0x90
    (0xffffee, 24), (0x7fffe1, 23), (0x7fffe2, 23), (0x7fffe3, 23),           // 0x94
    (0x7fffe4, 23), (0x1fffdc, 21), (0x3fffd8, 22), (0x7fffe5, 23),           // 0x98
    (0x3fffd9, 22), (0x7fffe6, 23), (0x7fffe7, 23), (0xffffef, 24),           // 0x9c
    (0x3fffda, 22), (0x1fffdd, 21), (0xfffe9, 20), (0x3fffdb, 22),            // 0xa0
    (0x3fffdc, 22), (0x7fffe8, 23), (0x7fffe9, 23), (0x1fffde, 21),           // 0xa4
    (0x7fffea, 23), (0x3fffdd, 22), (0x3fffde, 22), (0xfffff0, 24),           // 0xa8
    (0x1fffdf, 21), (0x3fffdf, 22), (0x7fffeb, 23), (0x7fffec, 23),           // 0xac
    (0x1fffe0, 21), (0x1fffe1, 21), (0x3fffe0, 22), (0x1fffe2, 21),           // 0xb0
    (0x7fffed, 23), (0x3fffe1, 22), (0x7fffee, 23), (0x7fffef, 23),           // 0xb4
    (0xfffea, 20), (0x3fffe2, 22), (0x3fffe3, 22), (0x3fffe4, 22),            // 0xb8
    (0x7ffff0, 23), (0x3fffe5, 22), (0x3fffe6, 22), (0x7ffff1, 23),           // 0xbc
    (0x3ffffe0, 26), (0x3ffffe1, 26), (0xfffeb, 20), (0x7fff1, 19),           // 0xc0
    (0x3fffe7, 22), (0x7ffff2, 23), (0x3fffe8, 22), (0x1ffffec, 25),          // 0xc4
    (0x3ffffe2, 26), (0x3ffffe3, 26), (0x3ffffe4, 26), (0x7ffffde, 27),       // 0xc8
    (0x7ffffdf, 27), (0x3ffffe5, 26), (0xfffff1, 24), (0x1ffffed, 25),        // 0xcc
    (0x7fff2, 19), (0x1fffe3, 21), (0x3ffffe6, 26), (0x7ffffe0, 27),          // 0xd0
    (0x7ffffe1, 27), (0x3ffffe7, 26), (0x7ffffe2, 27), (0xfffff2, 24),        // 0xd4
    (0x1fffe4, 21), (0x1fffe5, 21), (0x3ffffe8, 26), (0x3ffffe9, 26),         // 0xd8
    (0xffffffd, 28), (0x7ffffe3, 27), (0x7ffffe4, 27), (0x7ffffe5, 27),       // 0xdc
    (0xfffec, 20), (0xfffff3, 24), (0xfffed, 20), (0x1fffe6, 21),             // 0xe0
    (0x3fffe9, 22), (0x1fffe7, 21), (0x1fffe8, 21), (0x7ffff3, 23),           // 0xe4
    (0x3fffea, 22), (0x3fffeb, 22), (0x1ffffee, 25), (0x1ffffef, 25),         // 0xe8
    (0xfffff4, 24), (0xfffff5, 24), (0x3ffffea, 26), (0x7ffff4, 23),          // 0xec
    (0x3ffffeb, 26), (0x7ffffe6, 27), (0x3ffffec, 26), (0x3ffffed, 26),       // 0xf0
    (0x7ffffe7, 27), (0x7ffffe8, 27), (0x7ffffe9, 27), (0x7ffffea, 27),       // 0xf4
    (0x7ffffeb, 27), (0xffffffe, 28), (0x7ffffec, 27), (0x7ffffed, 27),       // 0xf8
    (0x7ffffee, 27), (0x7ffffef, 27), (0x7fffff0, 27), (0x3ffffee, 26),       // 0xfc
    (0x3fffffff, 30),                                                         // EOS
];

const LONGEST: u32 = 30;

/// Bits resolved by one look-up in [`PAIRS`]: codes of up to 12 bits cover everything but rare
/// punctuation, control bytes and non-ASCII.
const PEEK: u32 = 12;

/// For each value of the next `PEEK` bits, the codes that fit in them: the first symbol in
/// bits 0..8, the second in 8..16, the first code's length in 16..21, how many symbols in
/// 21..23 and the bits they take in 24..32 (one shift away, as it is on the critical path);
/// 0 when the first code is longer than `PEEK` bits.
static PAIRS: [u32; 1 << PEEK] = pair_table();

/// The canonical layout of the code, for codes longer than `PEEK` bits.
struct Canonical {
    /// The first code of each length.
    first: [u32; LONGEST as usize + 1],
    /// One past the last code of each length.
    limit: [u32; LONGEST as usize + 1],
    /// Where each length's symbols start in `symbols`.
    offset: [u16; LONGEST as usize + 1],
    /// Symbols ordered by code.
    symbols: [u16; 257],
}

static CANONICAL: Canonical = canonical();

// The decoder relies on the layout; the build fails if the table above is mistyped.
const _: () = assert!(is_canonical());

const fn canonical() -> Canonical {
    let mut count = [0u32; LONGEST as usize + 1];
    let mut s = 0;
    while s < CODES.len() {
        count[CODES[s].1 as usize] += 1;
        s += 1;
    }
    let mut c = Canonical {
        first: [0; LONGEST as usize + 1],
        limit: [0; LONGEST as usize + 1],
        offset: [0; LONGEST as usize + 1],
        symbols: [0; 257],
    };
    let mut code = 0u32;
    let mut offset = 0u16;
    let mut len = 1;
    while len <= LONGEST as usize {
        c.first[len] = code;
        c.limit[len] = code + count[len];
        c.offset[len] = offset;
        offset += count[len] as u16;
        code = (code + count[len]) << 1;
        len += 1;
    }
    let mut next = c.offset;
    s = 0;
    while s < CODES.len() {
        let len = CODES[s].1 as usize;
        c.symbols[next[len] as usize] = s as u16;
        next[len] += 1;
        s += 1;
    }
    c
}

/// Whether every code is where the canonical layout puts it.
const fn is_canonical() -> bool {
    let c = canonical();
    let mut i = 0;
    while i < c.symbols.len() {
        let s = c.symbols[i] as usize;
        let (code, len) = CODES[s];
        let len = len as usize;
        if len == 0
            || len > LONGEST as usize
            || code != c.first[len] + (i as u32 - c.offset[len] as u32)
        {
            return false;
        }
        i += 1;
    }
    true
}

/// For each value of `PEEK` bits, the code they start with as `length << 8 | symbol`, or 0
/// when it is longer.
const fn single_table() -> [u16; 1 << PEEK] {
    let mut t = [0u16; 1 << PEEK];
    let mut s = 0;
    while s < EOS as usize {
        let (code, len) = CODES[s];
        if len as u32 <= PEEK {
            let spread = PEEK - len as u32;
            let start = (code << spread) as usize;
            let mut k = 0;
            while k < 1 << spread {
                t[start + k] = (len as u16) << 8 | s as u16;
                k += 1;
            }
        }
        s += 1;
    }
    t
}

const fn pair_table() -> [u32; 1 << PEEK] {
    let single = single_table();
    let mut t = [0u32; 1 << PEEK];
    let mut v = 0;
    while v < 1 << PEEK {
        let a = single[v];
        if a != 0 {
            let (s1, len1) = ((a & 0xff) as u32, (a >> 8) as u32);
            // the second code must end within the bits, not in the zeros shifted in
            let b = single[(v << len1) & ((1 << PEEK) - 1)];
            let (s2, len2) = ((b & 0xff) as u32, (b >> 8) as u32);
            t[v] = if b != 0 && len1 + len2 <= PEEK {
                (len1 + len2) << 24 | 2 << 21 | len1 << 16 | s2 << 8 | s1
            } else {
                len1 << 24 | 1 << 21 | len1 << 16 | s1
            };
        }
        v += 1;
    }
    t
}

/// The symbol whose code starts `bits` (most significant bit first) and the code's length;
/// `None` for EOS.
#[inline(always)]
fn symbol(bits: u64) -> Option<(u8, u32)> {
    let e = PAIRS[(bits >> (64 - PEEK)) as usize];
    if e != 0 {
        return Some((e as u8, (e >> 16) & 31));
    }
    long_symbol(bits)
}

#[cold]
#[inline(never)]
fn long_symbol(bits: u64) -> Option<(u8, u32)> {
    let c = &CANONICAL;
    for len in PEEK + 1..=LONGEST {
        let code = (bits >> (64 - len)) as u32;
        let l = len as usize;
        // Not matching any shorter code means `code >= first[len]`.
        if code < c.limit[l] {
            let i = usize::from(c.offset[l]) + (code - c.first[l]) as usize;
            let sym = c.symbols.get(i).copied().unwrap_or(EOS);
            return u8::try_from(sym).ok().map(|s| (s, len));
        }
    }
    // Unreachable: every 30-bit pattern is below the limit of the 30-bit codes.
    None
}

/// Appends the decoding of `src` to `out`: at most `src.len() * 8 / 5` bytes, as no code is
/// shorter than 5 bits. EOS in the string, padding longer than 7 bits and padding that is not
/// a prefix of EOS (all ones) are errors.
pub fn decode(src: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let start = out.len();
    out.resize(start + src.len() / 5 * 8 + 8, 0);
    let mut n = start;
    let r = decode_into(src, out, &mut n);
    out.truncate(n);
    r
}

#[inline(always)]
fn decode_into(src: &[u8], out: &mut [u8], n: &mut usize) -> Result<(), DecodeError> {
    // The next bits, most significant first; the `avail` top bits are input, the rest zero.
    let mut window: u64 = 0;
    let mut avail: u32 = 0;
    let mut pos = 0;
    loop {
        if let Some(w) = src.get(pos..pos + 8) {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            let word = u64::from_be_bytes(word);
            let take = (63 - avail) / 8;
            window |= (word >> (64 - 8 * take)) << (64 - avail - 8 * take);
            pos += take as usize;
            avail += 8 * take;
        } else {
            while avail <= 55 {
                let Some(&b) = src.get(pos) else { break };
                window |= u64::from(b) << (56 - avail);
                pos += 1;
                avail += 8;
            }
            if avail < LONGEST {
                break;
            }
        }
        // Enough bits for any code: decode until there may not be.
        while avail >= LONGEST {
            let e = PAIRS[(window >> (64 - PEEK)) as usize];
            if e == 0 {
                let (sym, len) = long_symbol(window).ok_or(DecodeError::Huffman)?;
                *out.get_mut(*n).ok_or(DecodeError::Huffman)? = sym;
                *n += 1;
                window <<= len;
                avail -= len;
                continue;
            }
            // both bytes are written; the count says how many are decoded
            let [a, b] = out.get_mut(*n..*n + 2).ok_or(DecodeError::Huffman)? else {
                return Err(DecodeError::Huffman);
            };
            *a = e as u8;
            *b = (e >> 8) as u8;
            *n += ((e >> 21) & 3) as usize;
            let bits = e >> 24;
            window <<= bits;
            avail -= bits;
        }
    }
    // The input is exhausted. What is left is whole codes, then the padding: a prefix of EOS
    // (all ones) shorter than a byte.
    while avail > 0 {
        let padded = window | (u64::MAX >> avail);
        if padded == u64::MAX {
            // no code shorter than 30 bits is all ones
            return if avail <= 7 {
                Ok(())
            } else {
                Err(DecodeError::Huffman)
            };
        }
        match symbol(padded) {
            Some((sym, len)) if len <= avail => {
                *out.get_mut(*n).ok_or(DecodeError::Huffman)? = sym;
                *n += 1;
                window <<= len;
                avail -= len;
            }
            _ => return Err(DecodeError::Huffman),
        }
    }
    Ok(())
}

/// The length of the Huffman encoding of `src`, in bytes.
pub fn encoded_len(src: &[u8]) -> usize {
    let bits: u64 = src
        .iter()
        .map(|&b| u64::from(CODES[usize::from(b)].1))
        .sum();
    bits.div_ceil(8) as usize
}

/// Appends the Huffman encoding of `src` to `out`, padded with ones (RFC 7541 §5.2).
pub fn encode(src: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(src));
    let mut acc: u64 = 0;
    let mut bits: u32 = 0;
    for &b in src {
        let (code, len) = CODES[usize::from(b)];
        acc = acc << len | u64::from(code);
        bits += u32::from(len);
        while bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if bits > 0 {
        out.push((acc << (8 - bits)) as u8 | 0xff >> bits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(src: &[u8]) -> Result<Vec<u8>, DecodeError> {
        let mut out = Vec::new();
        decode(src, &mut out).map(|()| out)
    }

    #[test]
    fn rfc_7541_c4_strings() {
        let cases: [(&[u8], &[u8]); 4] = [
            (
                &[
                    0xf1, 0xe3, 0xc2, 0xe5, 0xf2, 0x3a, 0x6b, 0xa0, 0xab, 0x90, 0xf4, 0xff,
                ],
                b"www.example.com",
            ),
            (&[0xa8, 0xeb, 0x10, 0x64, 0x9c, 0xbf], b"no-cache"),
            (
                &[0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xa9, 0x7d, 0x7f],
                b"custom-key",
            ),
            (
                &[0x25, 0xa8, 0x49, 0xe9, 0x5b, 0xb8, 0xe8, 0xb4, 0xbf],
                b"custom-value",
            ),
        ];
        for (code, text) in cases {
            assert_eq!(dec(code).unwrap(), text);
            let mut enc = Vec::new();
            encode(text, &mut enc);
            assert_eq!(enc, code);
            assert_eq!(encoded_len(text), code.len());
        }
    }

    #[test]
    fn every_symbol_alone_and_in_a_run_decodes() {
        for b in 0..=255u8 {
            let text: Vec<u8> = std::iter::repeat_n(b, 1 + usize::from(b) % 23).collect();
            let mut enc = Vec::new();
            encode(&text, &mut enc);
            assert_eq!(dec(&enc).unwrap(), text, "byte {b:#04x}");
        }
    }

    #[test]
    fn strings_of_the_shortest_codes_fit_the_output_bound() {
        for b in [b'0', b'1', b'2', b'a', b'c', b'e', b'i', b'o', b's', b't'] {
            for n in 0..100 {
                let text = vec![b; n];
                let mut enc = Vec::new();
                encode(&text, &mut enc);
                assert!(text.len() <= enc.len() * 8 / 5);
                assert_eq!(dec(&enc).unwrap(), text, "{n} x {b}");
            }
        }
    }

    #[test]
    fn empty_string_is_empty() {
        assert_eq!(dec(&[]).unwrap(), b"");
    }

    #[test]
    fn eos_inside_a_string_is_an_error() {
        // 'a' (00011), then EOS (30 ones), then five bits of padding: 40 bits
        let bits: u64 = 0b00011 << 35 | 0x3fff_ffff << 5 | 0b11111;
        assert_eq!(dec(&bits.to_be_bytes()[3..]), Err(DecodeError::Huffman));
        // EOS alone, padded with ones
        assert_eq!(dec(&[0xff, 0xff, 0xff, 0xff]), Err(DecodeError::Huffman));
    }

    #[test]
    fn padding_of_eight_bits_or_more_is_an_error() {
        // 'a' then 11 one bits
        assert_eq!(dec(&[0x1f, 0xff]), Err(DecodeError::Huffman));
        assert_eq!(dec(&[0xff]), Err(DecodeError::Huffman));
        // 'a' then 3 ones: fine
        assert_eq!(dec(&[0x1f]).unwrap(), b"a");
    }

    #[test]
    fn padding_that_is_not_all_ones_is_an_error() {
        // 'a' (00011) then 101
        assert_eq!(dec(&[0b0001_1101]), Err(DecodeError::Huffman));
        // '0' (00000) then 000: a prefix of '0' again, not of EOS
        assert_eq!(dec(&[0x00]), Err(DecodeError::Huffman));
    }

    #[test]
    fn long_codes_across_word_boundaries() {
        let text: Vec<u8> = (0..=255u8).rev().chain(0..=255).collect();
        let mut enc = Vec::new();
        encode(&text, &mut enc);
        assert_eq!(dec(&enc).unwrap(), text);
        for cut in 0..enc.len() {
            // any prefix either fails or decodes to a prefix of the text
            if let Ok(p) = dec(&enc[..cut]) {
                assert!(text.starts_with(&p));
            }
        }
    }
}
