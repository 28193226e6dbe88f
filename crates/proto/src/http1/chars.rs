//! Byte classes, as 256-entry tables built at compile time, and a word-at-a-time scan for the
//! long fields (targets, values) where a table lookup per byte would dominate.

macro_rules! table {
    ($f:ident) => {{
        let mut t = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            t[i] = $f(i as u8);
            i += 1;
        }
        t
    }};
}

/// RFC 9110 tchar.
pub(crate) const TCHAR: u8 = 1;
/// AWS's valid header-name characters: `[-A-Za-z0-9]`.
pub(crate) const AWS_NAME: u8 = 2;

const fn name_class(b: u8) -> u8 {
    let aws = b.is_ascii_alphanumeric() || b == b'-';
    let tchar = aws
        || matches!(
            b,
            b'!' | b'#'
                | b'$'
                | b'%'
                | b'&'
                | b'\''
                | b'*'
                | b'+'
                | b'.'
                | b'^'
                | b'_'
                | b'`'
                | b'|'
                | b'~'
        );
    (if tchar { TCHAR } else { 0 }) | (if aws { AWS_NAME } else { 0 })
}

pub(crate) static NAME: [u8; 256] = table!(name_class);

#[inline]
pub(crate) fn is_tchar(b: u8) -> bool {
    NAME[b as usize] & TCHAR != 0
}

/// How a byte of a request-target is classified (http-desync-guardian's URI rules).
pub(crate) const URI_OK: u8 = 0;
pub(crate) const URI_SPACE: u8 = 1;
pub(crate) const URI_CTL: u8 = 2;
pub(crate) const URI_BAD: u8 = 3;

const fn uri_class(b: u8) -> u8 {
    match b {
        0 | b'\r' | b'\n' => URI_BAD,
        b' ' => URI_SPACE,
        0x01..=0x1f | 0x7f => URI_CTL,
        _ => URI_OK,
    }
}

pub(crate) static URI: [u8; 256] = table!(uri_class);

/// How a byte of a header value is classified: VCHAR, obs-text, SP and HTAB are fine.
pub(crate) const VAL_OK: u8 = 0;
pub(crate) const VAL_CTL: u8 = 1;
pub(crate) const VAL_BAD: u8 = 2;

const fn value_class(b: u8) -> u8 {
    match b {
        0 | b'\r' | b'\n' => VAL_BAD,
        b'\t' => VAL_OK,
        0x01..=0x1f | 0x7f => VAL_CTL,
        _ => VAL_OK,
    }
}

pub(crate) static VALUE: [u8; 256] = table!(value_class);

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

// The masks below use the classic "has a byte less than n" / "has a zero byte" word tricks.
// A borrow can only set spurious bits above a true hit, so the lowest set bit is exact, and
// (little-endian) `trailing_zeros / 8` is the index of the first matching byte.

#[inline]
fn word(s: &[u8], i: usize) -> Option<u64> {
    let b: [u8; 8] = s.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(b))
}

#[inline]
fn below(w: u64, n: u8) -> u64 {
    w.wrapping_sub(LO * n as u64) & !w & HI
}

#[inline]
fn equal(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * b as u64);
    x.wrapping_sub(LO) & !x & HI
}

/// Index of the first byte below `n` (n ≤ 0x80) or equal to DEL.
#[inline]
pub(crate) fn first_ctl(s: &[u8], n: u8) -> Option<usize> {
    let mut i = 0;
    while let Some(w) = word(s, i) {
        let m = below(w, n) | equal(w, 0x7f);
        if m != 0 {
            return Some(i + (m.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..]
        .iter()
        .position(|&b| b < n || b == 0x7f)
        .map(|p| p + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_scan_agrees_with_the_byte_rule() {
        for b in 0..=255u8 {
            for pos in 0..12 {
                let mut s = [b'a'; 12];
                s[pos] = b;
                let want = if b < 0x21 || b == 0x7f {
                    Some(pos)
                } else {
                    None
                };
                assert_eq!(first_ctl(&s, 0x21), want, "byte {b:#x} at {pos}");
            }
        }
    }

    #[test]
    fn aws_names_are_a_subset_of_tokens() {
        for b in 0..=255u8 {
            if NAME[b as usize] & AWS_NAME != 0 {
                assert!(is_tchar(b));
            }
        }
        assert!(is_tchar(b'_') && NAME[b'_' as usize] & AWS_NAME == 0);
    }
}
