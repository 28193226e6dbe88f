//! Cloud instance metadata endpoints: 169.254.169.254 in every spelling the URL parsers of
//! the world accept (dotted, dotless decimal, hex, octal, mixed, IPv4-mapped IPv6, AWS's IPv6
//! `fd00:ec2::254`), ECS's 169.254.170.2, and the names and paths of other clouds' services.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::prefilter::Anchors;
use super::util::{automaton, before, found, is_word};

/// 169.254.169.254.
const IMDS: u32 = 0xa9fe_a9fe;
/// ECS task metadata, 169.254.170.2.
const ECS: u32 = 0xa9fe_aa02;
/// Alibaba Cloud, 100.100.100.200.
const ALIBABA: u32 = 0x6464_64c8;

/// Names and paths that only metadata services use.
pub(super) const NAMES: &[&str] = &[
    "metadata.google.internal",
    "metadata.goog",
    "instance-data.ec2.internal",
    "instance-data/latest",
    "/latest/meta-data",
    "/latest/user-data",
    "/latest/dynamic/instance-identity",
    "/latest/api/token",
    "/computemetadata/v1",
    "/metadata/instance?api-version",
    "/metadata/identity/oauth2",
    "/opc/v1/instance",
    "/opc/v2/instance",
    "/metadata/v1/",
    "metadata.packet.net",
    "metadata.platformequinix.com",
    "metadata.tencentyun.com",
    "fd00:ec2::254",
    "fd00:ec2:0:0:0:0:0:254",
    "::ffff:a9fe:a9fe",
    "::ffff:169.254.169.254",
    "169.254.169.254",
    "169.254.170.2",
];

static AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(NAMES));

/// A fast reject for the names: a value without one of their windows has none of them.
static GATE: LazyLock<Anchors> = LazyLock::new(|| Anchors::new(NAMES));

/// Whether `input` points at a cloud metadata service.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    if let Some(m) = GATE.may_contain(input).then(|| AC.find(input)).flatten() {
        return Some(found("ssrf:metadata", &input[m.start()..m.end()]));
    }
    // `169。254。169。254`, `①⑥⑨.②⑤④.①⑥⑨.②⑤④`: digits and dots that URL parsers fold
    if input.iter().any(|&b| b >= 0xe2) {
        // folding shortens the text, so the second pass cannot fold again
        let folded = fold_digits(input);
        if folded.len() != input.len()
            && let Some(d) = detect(&folded)
        {
            return Some(found(
                "ssrf:metadata-unicode",
                &d.matched.concat().into_bytes(),
            ));
        }
    }
    // other spellings of the addresses: tokens of digits, hex and dots
    let mut i = 0;
    while i < input.len() {
        let c = input[i];
        if !c.is_ascii_digit() || is_word(before(input, i)) {
            i += 1;
            continue;
        }
        let end = input[i..]
            .iter()
            .position(|&c| !(c.is_ascii_hexdigit() || c == b'.' || c == b'x' || c == b'X'))
            .map_or(input.len(), |p| i + p);
        let token = input[i..end].strip_suffix(b".").unwrap_or(&input[i..end]);
        if token.len() >= 8
            && !is_word(input.get(end).copied().unwrap_or(b' '))
            && let Some(addr) = parse_ipv4(token)
            && matches!(addr, IMDS | ECS | ALIBABA)
        {
            return Some(found("ssrf:metadata-address", token));
        }
        i = end.max(i + 1);
    }
    None
}

/// Folds the ideographic full stop (U+3002) and fullwidth full stop to `.`, and circled and
/// fullwidth digits to ASCII digits.
fn fold_digits(input: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(input);
    let mut out = Vec::with_capacity(input.len());
    for c in text.chars() {
        let mapped = match c {
            '\u{3002}' | '\u{ff0e}' | '\u{ff61}' => Some(b'.'),
            '\u{24ea}' | '\u{24ff}' | '\u{ff10}' => Some(b'0'),
            '\u{2460}'..='\u{2468}' => Some(b'1' + (c as u32 - 0x2460) as u8),
            '\u{2776}'..='\u{277e}' => Some(b'1' + (c as u32 - 0x2776) as u8),
            '\u{ff11}'..='\u{ff19}' => Some(b'1' + (c as u32 - 0xff11) as u8),
            _ => None,
        };
        match mapped {
            Some(b) => out.push(b),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// Parses an IPv4 address as `inet_aton` does: 1 to 4 parts, each decimal, octal (leading
/// `0`) or hex (`0x`); the last part fills the remaining bytes.
pub(crate) fn parse_ipv4(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    let mut parts = [0u64; 4];
    let mut n = 0;
    for part in s.split(|&c| c == b'.') {
        if n == 4 || part.is_empty() {
            return None;
        }
        parts[n] = parse_part(part)?;
        n += 1;
    }
    let fits = |v: u64, bits: u32| v < (1u64 << bits);
    let value = match n {
        // some parsers keep the low 32 bits of an overflowing number
        1 => parts[0] & 0xffff_ffff,
        2 => (fits(parts[0], 8) && fits(parts[1], 24)).then_some(parts[0] << 24 | parts[1])?,
        3 => (fits(parts[0], 8) && fits(parts[1], 8) && fits(parts[2], 16))
            .then_some(parts[0] << 24 | parts[1] << 16 | parts[2])?,
        _ => parts[..4]
            .iter()
            .all(|&p| fits(p, 8))
            .then_some(parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3])?,
    };
    u32::try_from(value).ok()
}

fn parse_part(p: &[u8]) -> Option<u64> {
    let (digits, radix) = if p.len() > 2 && (p.starts_with(b"0x") || p.starts_with(b"0X")) {
        (&p[2..], 16)
    } else if p.len() > 1 && p[0] == b'0' {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() || digits.len() > 20 {
        return None;
    }
    let mut v: u64 = 0;
    for &c in digits {
        let d = char::from(c).to_digit(radix)?;
        v = v.wrapping_mul(u64::from(radix)).wrapping_add(u64::from(d));
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::{detect, parse_ipv4};

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn inet_aton() {
        assert_eq!(parse_ipv4(b"169.254.169.254"), Some(0xa9fe_a9fe));
        assert_eq!(parse_ipv4(b"2852039166"), Some(0xa9fe_a9fe));
        assert_eq!(parse_ipv4(b"0xa9fea9fe"), Some(0xa9fe_a9fe));
        assert_eq!(parse_ipv4(b"0251.0376.0251.0376"), Some(0xa9fe_a9fe));
        assert_eq!(parse_ipv4(b"169.254.43518"), Some(0xa9fe_a9fe));
        assert_eq!(parse_ipv4(b"1.2.3.4.5"), None);
        assert_eq!(parse_ipv4(b"256.1.1.1"), None);
        assert_eq!(parse_ipv4(b"08.1.1.1"), None);
    }

    #[test]
    fn attacks() {
        for s in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/latest",
            "http://0xa9fea9fe/",
            "http://0xA9.0xFE.0xA9.0xFE/",
            "http://0251.0376.0251.0376/",
            "http://169.254.43518/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[::ffff:169.254.169.254]/",
            "http://[fd00:ec2::254]/latest/meta-data/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://169.254.170.2/v2/credentials",
            "http://100.100.100.200/latest/meta-data",
            "url=http://instance-data.ec2.internal/",
            "/latest/api/token",
            "http://169.254.169.254.nip.io/",
            "0251.254.169.254",
            "http://7147006462/",
            "http://0x41414141A9FEA9FE/",
            "http://169\u{3002}254\u{3002}169\u{3002}254/",
            "imap://\u{2460}\u{2465}\u{2468}.\u{2461}\u{2464}\u{2463}.\u{2460}\u{2465}\u{2468}.\u{2461}\u{2464}\u{2463}",
            "https://metadata.packet.net/userdata",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign() {
        for s in [
            "http://169.254.1.1/",
            "order 2852039167",
            "version 169.254",
            "https://example.com/metadata",
            "the latest news",
            "phone 0251 0376 0251",
            "ref 12345678901",
            "0xdeadbeef",
            "192.168.1.1",
            "a9fea9fe",
            "Call 100 100 100 200",
            "/metadata/v2/things",
            "tracking 123456789",
            "10.0.0.1",
            "2024.11.24",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
