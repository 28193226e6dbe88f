//! Base64 as AWS's documents and Rampart's tokens use it: the standard alphabet, padded (blobs
//! in the API's JSON, `SearchStringBase64`, `body_base64`), and base64url without padding
//! (the `aws-waf-token` cookie). The lenient decodings the WAF inspects with are text
//! transformations (`BASE64_DECODE`, `BASE64_DECODE_EXT`), not these.

pub(crate) const STANDARD: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
pub(crate) const URL_SAFE: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn value(c: u8, alphabet: &[u8; 64]) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        _ if c == alphabet[62] => 62,
        _ if c == alphabet[63] => 63,
        _ => return None,
    }))
}

/// Base64 of `bytes` with `alphabet`; padded with `=` for the standard alphabet only.
pub(crate) fn encode(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    let pad = alphabet == STANDARD;
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..4 {
            if i < chars {
                out.push(alphabet[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else if pad {
                out.push('=');
            }
        }
    }
    out
}

/// Strict standard base64 with padding: whole quads, `=` only at the end.
pub(crate) fn decode_padded(s: &str) -> Option<Vec<u8>> {
    let s = s.as_bytes();
    if !s.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    for (i, chunk) in s.chunks(4).enumerate() {
        let last = i + 1 == s.len() / 4;
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && !last) {
            return None;
        }
        let mut n = 0u32;
        for &c in &chunk[..4 - pad] {
            n = n << 6 | value(c, STANDARD)?;
        }
        n <<= 6 * pad as u32;
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..4 - pad]);
    }
    Some(out)
}

/// Unpadded base64url, strictly: no padding, no other characters, and the unused low bits of
/// the last character zero (so each value has exactly one encoding).
pub(crate) fn decode_url(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    if bytes.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c, URL_SAFE)? << (18 - 6 * i);
        }
        let full = chunk.len() - 1;
        let unused = n & ((1u32 << (24 - 8 * full)) - 1);
        if unused != 0 {
            return None;
        }
        for i in 0..full {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn padded() {
        assert_eq!(decode_padded("L2xvZ2lu").unwrap(), b"/login");
        assert_eq!(decode_padded("YQ==").unwrap(), b"a");
        assert_eq!(decode_padded("YWI=").unwrap(), b"ab");
        assert!(decode_padded("YQ=").is_none());
        assert!(decode_padded("Y===").is_none());
        assert!(decode_padded("YQ==YQ==").is_none());
        assert!(decode_padded("YQ-_").is_none());
    }

    #[test]
    fn encodings() {
        assert_eq!(encode(b"hi", STANDARD), "aGk=");
        assert_eq!(encode(b"hi!", STANDARD), "aGkh");
        assert_eq!(encode(b"h", URL_SAFE), "aA");
        assert_eq!(decode_url("aA").unwrap(), b"h");
        assert!(decode_url("aB").is_none());
        assert!(decode_url("aA==").is_none());
    }
}
