//! JA3 (Salesforce) and JA4 (FoxIO, the TLS client fingerprint `JA4_a_JA4_b_JA4_c`).
//!
//! Both leave out GREASE values (RFC 8701) wherever they appear.
//!
//! JA3 is `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`: the
//! ClientHello's legacy_version and each list in the order sent, as decimal numbers joined by
//! `-` (an absent list is empty), and its MD5 as 32 lowercase hex digits — what AWS WAF's
//! `JA3Fingerprint` matches. It depends on extension order, which current browsers shuffle.
//!
//! JA4 sorts what JA3 keeps in order: `JA4_a` is the transport (`t` TCP, `q` QUIC), the
//! highest offered version (`13`, `12`, …, `00` when unknown), `d` with an SNI extension or `i`
//! without, the number of cipher suites and of extensions (two digits each, at most 99), and
//! the first and last characters of the first ALPN protocol (`00` without one); `JA4_b` is the
//! first 12 hex digits of the SHA-256 of the sorted cipher suites (4 hex digits each, joined by
//! `,`); `JA4_c` those of the sorted extensions less SNI and ALPN, followed by `_` and the
//! signature algorithms in the order sent when there are any. An empty list hashes to
//! `000000000000`. The whole is 36 characters: what AWS WAF's `JA4Fingerprint` matches.

use md5::{Digest as _, Md5};
use ring::digest;
use std::fmt::Write as _;

use super::{ClientHello, extension, is_grease};

/// The transport that carried the ClientHello: JA4's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    /// TLS over TCP: `t`.
    Tcp,
    /// QUIC (the ClientHello from its CRYPTO frames): `q`.
    Quic,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_hex(out: &mut String, bytes: &[u8]) {
    for b in bytes {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0xf)]));
    }
}

/// Appends `values` as decimal numbers joined by `-`.
fn push_decimal<T: Into<u32> + Copy>(out: &mut String, values: impl Iterator<Item = T>) {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.push('-');
        }
        // Writing to a String cannot fail.
        let _ = write!(out, "{}", v.into());
    }
}

/// Appends `values` as 4-digit lowercase hex joined by `,`.
fn push_hex_list(out: &mut String, values: &[u16]) {
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_hex(out, &v.to_be_bytes());
    }
}

/// The first 12 hex digits of the SHA-256 of `text`, or 12 zeros when it is empty.
fn hash12(text: &str) -> String {
    let mut out = String::with_capacity(12);
    if text.is_empty() {
        out.push_str("000000000000");
    } else {
        let d = digest::digest(&digest::SHA256, text.as_bytes());
        push_hex(&mut out, d.as_ref().get(..6).unwrap_or(&[]));
    }
    out
}

fn not_grease(v: &u16) -> bool {
    !is_grease(*v)
}

/// JA4's two characters for a version.
fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

/// JA4's two characters for the first ALPN protocol: its first and last bytes when both are
/// ASCII letters or digits, else the first and last digits of its hex form.
fn push_ja4_alpn(out: &mut String, first: Option<&[u8]>) {
    match first.and_then(|p| Some((*p.first()?, *p.last()?))) {
        Some((a, z)) if a.is_ascii_alphanumeric() && z.is_ascii_alphanumeric() => {
            out.push(char::from(a));
            out.push(char::from(z));
        }
        Some((a, z)) => {
            out.push(char::from(HEX[usize::from(a >> 4)]));
            out.push(char::from(HEX[usize::from(z & 0xf)]));
        }
        None => out.push_str("00"),
    }
}

impl ClientHello {
    /// The JA3 string: `SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats`,
    /// e.g. `771,4865-4866-4867-49195,0-11-10-35-16-22-23-13-43-45-51,29-23-30-25-24,0-1-2`.
    pub fn ja3_string(&self) -> String {
        let mut out = String::with_capacity(256);
        let _ = write!(out, "{},", self.legacy_version());
        push_decimal(
            &mut out,
            self.cipher_suites().iter().copied().filter(not_grease),
        );
        out.push(',');
        push_decimal(
            &mut out,
            self.extensions().map(|e| e.kind).filter(not_grease),
        );
        out.push(',');
        push_decimal(
            &mut out,
            self.supported_groups().iter().copied().filter(not_grease),
        );
        out.push(',');
        push_decimal(&mut out, self.ec_point_formats().iter().copied());
        out
    }

    /// The JA3 fingerprint: the MD5 of [`ClientHello::ja3_string`], 32 lowercase hex digits.
    pub fn ja3_hash(&self) -> String {
        let md5 = Md5::digest(self.ja3_string().as_bytes());
        let mut out = String::with_capacity(32);
        push_hex(&mut out, &md5);
        out
    }

    /// The JA4 fingerprint (36 characters, e.g. `t13d1516h2_8daaf6152771_e5627efa2ab1`) of this
    /// ClientHello as carried by `transport`.
    pub fn ja4(&self, transport: Transport) -> String {
        let (a, b, c) = self.ja4_parts(transport);
        let mut out = a;
        out.push('_');
        out.push_str(&hash12(&b));
        out.push('_');
        out.push_str(&hash12(&c));
        out
    }

    /// JA4 before hashing (FoxIO's `JA4_r`): `JA4_a`, the sorted cipher suites, the sorted
    /// extensions less SNI and ALPN and the signature algorithms, each part after a `_`. For
    /// logs and for explaining a fingerprint.
    pub fn ja4_raw(&self, transport: Transport) -> String {
        let (a, b, c) = self.ja4_parts(transport);
        let mut out = a;
        out.push('_');
        out.push_str(&b);
        out.push('_');
        out.push_str(&c);
        out
    }

    /// `JA4_a`, and the texts `JA4_b` and `JA4_c` hash.
    fn ja4_parts(&self, transport: Transport) -> (String, String, String) {
        let mut ciphers: Vec<u16> = self
            .cipher_suites()
            .iter()
            .copied()
            .filter(not_grease)
            .collect();
        let mut extensions: Vec<u16> = self
            .extensions()
            .map(|e| e.kind)
            .filter(not_grease)
            .collect();

        let mut a = String::with_capacity(10);
        a.push(match transport {
            Transport::Tcp => 't',
            Transport::Quic => 'q',
        });
        a.push_str(ja4_version(self.highest_version()));
        a.push(if self.has_extension(extension::SERVER_NAME) {
            'd'
        } else {
            'i'
        });
        let _ = write!(
            a,
            "{:02}{:02}",
            ciphers.len().min(99),
            extensions.len().min(99)
        );
        push_ja4_alpn(&mut a, self.alpn_protocols().next());

        ciphers.sort_unstable();
        let mut b = String::with_capacity(ciphers.len() * 5);
        push_hex_list(&mut b, &ciphers);

        extensions.retain(|&k| k != extension::SERVER_NAME && k != extension::ALPN);
        extensions.sort_unstable();
        let signatures: Vec<u16> = self
            .signature_algorithms()
            .iter()
            .copied()
            .filter(not_grease)
            .collect();
        let mut c = String::with_capacity((extensions.len() + signatures.len()) * 5);
        push_hex_list(&mut c, &extensions);
        if !signatures.is_empty() {
            c.push('_');
            push_hex_list(&mut c, &signatures);
        }
        (a, b, c)
    }
}
