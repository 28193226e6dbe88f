//! The CAPTCHA action's interstitial: a picture of random characters a person types back.
//!
//! The picture is an SVG drawn from hand-made strokes per glyph, each point jittered, each glyph
//! scaled, rotated, sheared and placed at random, interleaved with noise curves, fragments and
//! dots drawn in the same style, in shuffled order. It holds no text: the answer appears
//! nowhere in the page. The puzzle id is
//! `base64url(1 | expires_at | 16 random bytes | domain | HMAC(answer key, random ‖ domain ‖ answer) | HMAC)`,
//! so the server recognizes the answer without storing it, and the page does not reveal it.
//!
//! The code is 6 characters from 21 that are hard to confuse (no 0/O/D/Q, 1/I/L, 2/Z, 5/S,
//! 8/B, 9/G): about 8.6 × 10^7 codes.

use ring::hmac;
use ring::rand::SecureRandom;

use super::challenge::renew;
use super::{
    CAPTCHA_VERIFY_PATH, INTERSTITIAL_TTL_SECS, Reader, STANDARD, Token, TokenError, TokenKey,
    TokenKind, TokenScope, VerifyError, base64_encode, host_within, html_escape, normalize_host,
    safe_return_path, sign_encode, signed_payload_with, token_domain_for,
};

/// The characters a code is made of.
const ALPHABET: &[u8] = b"ACEFHJKMNPRTUVWXY3467";

/// Characters per code.
const CODE_LEN: usize = 6;

/// The longest answer read.
const MAX_ANSWER_LEN: usize = 32;

const WIDTH: f64 = 260.0;
const HEIGHT: f64 = 80.0;

/// The style shared by both interstitial pages.
pub(super) const PAGE_STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f5f7;\
color:#1d2330;margin:0}main{max-width:28rem;margin:12vh auto;padding:2rem;background:#fff;\
border-radius:.5rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.3rem}\
img{display:block;margin:1rem 0;border:1px solid #ccd}input[name=answer]{font-size:1.2rem;\
letter-spacing:.2em;text-transform:uppercase;width:10rem;padding:.3rem}button{font-size:1rem;\
padding:.4rem 1rem;margin-left:.5rem}.note{font-size:.85rem;color:#556}.error{color:#a11}";

/// A CAPTCHA to send: the signed puzzle id and the page showing it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptchaPage {
    /// The signed puzzle id the form posts back.
    pub puzzle: String,
    /// The HTML page to send with status 405.
    pub html: String,
}

/// A CAPTCHA for the client in `scope`, valid for [`INTERSTITIAL_TTL_SECS`]. `return_to` is the
/// path to send the client back to once solved (anything but a same-site path becomes `/`).
/// `retry` adds a line saying the previous answer was wrong.
pub fn issue_captcha(
    now_secs: u64,
    key: &TokenKey,
    scope: &TokenScope<'_>,
    return_to: &str,
    retry: bool,
) -> Result<CaptchaPage, TokenError> {
    let mut raw = [0u8; 64];
    let mut code = String::with_capacity(CODE_LEN);
    // rejection sampling keeps every character equally likely
    let limit = 256 - 256 % ALPHABET.len();
    while code.len() < CODE_LEN {
        key.rng.fill(&mut raw).map_err(|_| TokenError::Random)?;
        for &b in raw.iter().filter(|&&b| usize::from(b) < limit) {
            if code.len() < CODE_LEN {
                code.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
            }
        }
    }
    issue_captcha_with_answer(now_secs, key, scope, return_to, retry, &code)
}

/// [`issue_captcha`] with a chosen code, so tests can answer it. Not for serving.
#[doc(hidden)]
pub fn issue_captcha_with_answer(
    now_secs: u64,
    key: &TokenKey,
    scope: &TokenScope<'_>,
    return_to: &str,
    retry: bool,
    code: &str,
) -> Result<CaptchaPage, TokenError> {
    let domain = token_domain_for(scope.host, scope.token_domains)
        .ok_or_else(|| TokenError::InvalidDomain(scope.host.to_owned()))?;
    let random: [u8; 16] = key.random()?;
    let mut payload = Vec::with_capacity(128 + domain.len());
    payload.push(1);
    payload.extend_from_slice(&now_secs.saturating_add(INTERSTITIAL_TTL_SECS).to_be_bytes());
    payload.extend_from_slice(&random);
    payload.push(domain.len() as u8);
    payload.extend_from_slice(domain.as_bytes());
    let answer_tag = hmac::sign(&key.answer, &answer_message(&random, &domain, code));
    payload.extend_from_slice(answer_tag.as_ref());
    let puzzle = sign_encode(&mut payload, &key.puzzle, scope.client);

    let seed: [u8; 8] = key.random()?;
    let svg = render(code, u64::from_be_bytes(seed));
    let img = base64_encode(svg.as_bytes(), STANDARD);
    let back = html_escape(safe_return_path(return_to));
    let retry_line = if retry {
        "<p class=\"error\">That was not it. Here is a new picture.</p>\n"
    } else {
        ""
    };
    let html = format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\n\
         <meta name=\"robots\" content=\"noindex\">\n<title>Are you human?</title>\n\
         <style>{PAGE_STYLE}</style>\n</head>\n<body>\n<main>\n<h1>Let us check that you are \
         human</h1>\n{retry_line}<p>Type the {CODE_LEN} characters in the picture.</p>\n\
         <img src=\"data:image/svg+xml;base64,{img}\" width=\"{w}\" height=\"{h}\" \
         alt=\"Characters to type\">\n<form method=\"post\" action=\"{CAPTCHA_VERIFY_PATH}\">\n\
         <input type=\"hidden\" name=\"puzzle\" value=\"{puzzle}\">\n\
         <input type=\"hidden\" name=\"return\" value=\"{back}\">\n\
         <input name=\"answer\" aria-label=\"Characters\" autocomplete=\"off\" \
         autocapitalize=\"characters\" spellcheck=\"false\" maxlength=\"{MAX_ANSWER_LEN}\" \
         required autofocus><button type=\"submit\">Continue</button>\n</form>\n\
         <p class=\"note\">Hard to read? <a href=\"{back}\">Get a new picture</a>.</p>\n\
         </main>\n</body>\n</html>\n",
        w = WIDTH,
        h = HEIGHT,
    );
    Ok(CaptchaPage { puzzle, html })
}

/// Checks a posted answer: the puzzle signed with `key` for this client, not expired, for a
/// token domain covering `scope.host`, and the answer right (case and spaces ignored; compared
/// as HMACs, in constant time). Returns the token to set: the presented one (`existing`, when
/// valid for the same domain) with its CAPTCHA time renewed, or a new one.
pub fn verify_captcha(
    puzzle: &str,
    answer: &str,
    now_secs: u64,
    key: &TokenKey,
    scope: &TokenScope<'_>,
    existing: Option<&str>,
) -> Result<Token, VerifyError> {
    let payload =
        signed_payload_with(puzzle, &key.puzzle, scope.client).ok_or(VerifyError::BadSignature)?;
    let mut r = Reader(payload);
    let (expires, random, domain, tag) = (|| {
        if r.u8()? != 1 {
            return None;
        }
        let expires = r.u64()?;
        let random: [u8; 16] = r.take(16)?.try_into().ok()?;
        let domain = r.string()?;
        let tag = r.take(32)?;
        r.0.is_empty().then_some((expires, random, domain, tag))
    })()
    .ok_or(VerifyError::Malformed)?;
    if now_secs > expires {
        return Err(VerifyError::Expired);
    }
    let host = normalize_host(scope.host).ok_or(VerifyError::DomainMismatch)?;
    if !host_within(&host, &domain) {
        return Err(VerifyError::DomainMismatch);
    }
    if answer.len() > MAX_ANSWER_LEN {
        return Err(VerifyError::WrongAnswer);
    }
    let normalized: String = answer
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    hmac::verify(
        &key.answer,
        &answer_message(&random, &domain, &normalized),
        &tag,
    )
    .map_err(|_| VerifyError::WrongAnswer)?;
    renew(existing, &domain, TokenKind::Captcha, now_secs, key)
}

fn answer_message(random: &[u8; 16], domain: &str, answer: &str) -> Vec<u8> {
    let mut m = Vec::with_capacity(17 + domain.len() + answer.len());
    m.extend_from_slice(random);
    m.push(domain.len() as u8);
    m.extend_from_slice(domain.as_bytes());
    m.extend_from_slice(answer.as_bytes());
    m
}

/// A small deterministic generator for the picture's distortions (seeded from the system
/// random source; the code itself never comes from it).
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[lo, hi)`.
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (self.next() >> 11) as f64 / (1u64 << 53) as f64 * (hi - lo)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The strokes of each glyph, as polylines in a 10 × 14 box (y down).
fn glyph(c: u8) -> &'static [&'static [(f64, f64)]] {
    match c {
        b'A' => &[
            &[(0.0, 14.0), (5.0, 0.0), (10.0, 14.0)],
            &[(2.2, 8.5), (7.8, 8.5)],
        ],
        b'C' => &[&[
            (10.0, 2.5),
            (7.0, 0.0),
            (3.0, 0.0),
            (0.0, 3.5),
            (0.0, 10.5),
            (3.0, 14.0),
            (7.0, 14.0),
            (10.0, 11.5),
        ]],
        b'E' => &[
            &[(10.0, 0.0), (0.0, 0.0), (0.0, 14.0), (10.0, 14.0)],
            &[(0.0, 7.0), (7.0, 7.0)],
        ],
        b'F' => &[
            &[(10.0, 0.0), (0.0, 0.0), (0.0, 14.0)],
            &[(0.0, 7.0), (7.0, 7.0)],
        ],
        b'H' => &[
            &[(0.0, 0.0), (0.0, 14.0)],
            &[(10.0, 0.0), (10.0, 14.0)],
            &[(0.0, 7.0), (10.0, 7.0)],
        ],
        b'J' => &[
            &[(3.0, 0.0), (10.0, 0.0)],
            &[
                (7.5, 0.0),
                (7.5, 11.0),
                (5.0, 14.0),
                (2.0, 14.0),
                (0.0, 11.0),
            ],
        ],
        b'K' => &[
            &[(0.0, 0.0), (0.0, 14.0)],
            &[(10.0, 0.0), (0.0, 8.5)],
            &[(3.5, 5.5), (10.0, 14.0)],
        ],
        b'M' => &[&[
            (0.0, 14.0),
            (0.0, 0.0),
            (5.0, 8.0),
            (10.0, 0.0),
            (10.0, 14.0),
        ]],
        b'N' => &[&[(0.0, 14.0), (0.0, 0.0), (10.0, 14.0), (10.0, 0.0)]],
        b'P' => &[&[
            (0.0, 14.0),
            (0.0, 0.0),
            (7.0, 0.0),
            (10.0, 2.5),
            (10.0, 5.0),
            (7.0, 7.5),
            (0.0, 7.5),
        ]],
        b'R' => &[
            &[
                (0.0, 14.0),
                (0.0, 0.0),
                (7.0, 0.0),
                (10.0, 2.5),
                (10.0, 5.0),
                (7.0, 7.5),
                (0.0, 7.5),
            ],
            &[(5.0, 7.5), (10.0, 14.0)],
        ],
        b'T' => &[&[(0.0, 0.0), (10.0, 0.0)], &[(5.0, 0.0), (5.0, 14.0)]],
        b'U' => &[&[
            (0.0, 0.0),
            (0.0, 11.0),
            (3.0, 14.0),
            (7.0, 14.0),
            (10.0, 11.0),
            (10.0, 0.0),
        ]],
        b'V' => &[&[(0.0, 0.0), (5.0, 14.0), (10.0, 0.0)]],
        b'W' => &[&[
            (0.0, 0.0),
            (2.5, 14.0),
            (5.0, 5.0),
            (7.5, 14.0),
            (10.0, 0.0),
        ]],
        b'X' => &[&[(0.0, 0.0), (10.0, 14.0)], &[(10.0, 0.0), (0.0, 14.0)]],
        b'Y' => &[
            &[(0.0, 0.0), (5.0, 7.0), (10.0, 0.0)],
            &[(5.0, 7.0), (5.0, 14.0)],
        ],
        b'3' => &[
            &[
                (0.0, 1.5),
                (3.0, 0.0),
                (7.0, 0.0),
                (10.0, 2.5),
                (10.0, 5.0),
                (7.0, 7.0),
                (3.5, 7.0),
            ],
            &[
                (7.0, 7.0),
                (10.0, 9.0),
                (10.0, 12.0),
                (7.0, 14.0),
                (3.0, 14.0),
                (0.0, 12.5),
            ],
        ],
        b'4' => &[&[(7.5, 14.0), (7.5, 0.0), (0.0, 10.0), (10.0, 10.0)]],
        b'6' => &[&[
            (9.0, 1.0),
            (6.0, 0.0),
            (3.0, 0.0),
            (0.0, 4.0),
            (0.0, 11.0),
            (3.0, 14.0),
            (7.0, 14.0),
            (10.0, 11.5),
            (10.0, 9.0),
            (7.0, 7.0),
            (3.0, 7.0),
            (0.0, 9.0),
        ]],
        b'7' => &[
            &[(0.0, 0.0), (10.0, 0.0), (4.0, 14.0)],
            &[(3.0, 7.0), (8.5, 7.0)],
        ],
        _ => &[],
    }
}

/// A random dark stroke colour.
fn ink(rng: &mut SplitMix) -> String {
    let c = |rng: &mut SplitMix| 20 + rng.below(90);
    format!("rgb({},{},{})", c(rng), c(rng), c(rng))
}

/// The picture of `code` as an SVG document.
fn render(code: &str, seed: u64) -> String {
    let mut rng = SplitMix(seed);
    let mut shapes: Vec<String> = Vec::new();
    let slot = (WIDTH - 30.0) / code.len().max(1) as f64;
    for (i, c) in code.bytes().enumerate() {
        let scale = rng.range(2.7, 3.5);
        let angle = rng.range(-0.32, 0.32);
        let shear = rng.range(-0.25, 0.25);
        let cx = 15.0 + slot * (i as f64 + 0.5) + rng.range(-4.0, 4.0);
        let cy = HEIGHT / 2.0 + rng.range(-6.0, 6.0);
        let (sin, cos) = angle.sin_cos();
        let place = |x: f64, y: f64| {
            let (x, y) = ((x - 5.0) + shear * (y - 7.0), y - 7.0);
            (
                cx + scale * (x * cos - y * sin),
                cy + scale * (x * sin + y * cos),
            )
        };
        for stroke in glyph(c) {
            let mut d = String::new();
            let mut prev: Option<(f64, f64)> = None;
            for &(x, y) in stroke.iter() {
                let p = (x + rng.range(-0.5, 0.5), y + rng.range(-0.5, 0.5));
                if let Some(q) = prev {
                    // a wobble midway along each segment, as a hand would draw it
                    let mid = (
                        (q.0 + p.0) / 2.0 + rng.range(-0.4, 0.4),
                        (q.1 + p.1) / 2.0 + rng.range(-0.4, 0.4),
                    );
                    let (mx, my) = place(mid.0, mid.1);
                    let (px, py) = place(p.0, p.1);
                    d.push_str(&format!(" Q{mx:.1} {my:.1} {px:.1} {py:.1}"));
                } else {
                    let (px, py) = place(p.0, p.1);
                    d.push_str(&format!("M{px:.1} {py:.1}"));
                }
                prev = Some(p);
            }
            shapes.push(path(&d, &mut rng, 2.2, 3.4));
        }
    }
    // noise curves across the picture, drawn like the glyphs
    for _ in 0..4 {
        let d = format!(
            "M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}",
            rng.range(0.0, 20.0),
            rng.range(5.0, HEIGHT - 5.0),
            rng.range(40.0, 120.0),
            rng.range(-20.0, HEIGHT + 20.0),
            rng.range(140.0, 220.0),
            rng.range(-20.0, HEIGHT + 20.0),
            rng.range(WIDTH - 20.0, WIDTH),
            rng.range(5.0, HEIGHT - 5.0),
        );
        shapes.push(path(&d, &mut rng, 1.4, 2.8));
    }
    // short fragments, glyph-sized
    for _ in 0..4 {
        let (x, y) = (
            rng.range(10.0, WIDTH - 10.0),
            rng.range(10.0, HEIGHT - 10.0),
        );
        let d = format!(
            "M{x:.1} {y:.1} Q{:.1} {:.1} {:.1} {:.1}",
            x + rng.range(-12.0, 12.0),
            y + rng.range(-12.0, 12.0),
            x + rng.range(-14.0, 14.0),
            y + rng.range(-14.0, 14.0),
        );
        shapes.push(path(&d, &mut rng, 1.6, 3.0));
    }
    for _ in 0..40 {
        shapes.push(format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"{}\"/>",
            rng.range(0.0, WIDTH),
            rng.range(0.0, HEIGHT),
            rng.range(0.7, 1.9),
            ink(&mut rng),
        ));
    }
    // shuffled, so the document order does not give the glyphs away
    for i in (1..shapes.len()).rev() {
        let j = rng.below(i + 1);
        shapes.swap(i, j);
    }
    let bg = format!(
        "rgb({},{},{})",
        225 + rng.below(30),
        225 + rng.below(30),
        225 + rng.below(30)
    );
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\"><rect width=\"100%\" height=\"100%\" fill=\"{bg}\"/>{}</svg>",
        shapes.concat()
    )
}

fn path(d: &str, rng: &mut SplitMix, min_width: f64, max_width: f64) -> String {
    format!(
        "<path d=\"{d}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:.1}\" \
         stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
        ink(rng),
        rng.range(min_width, max_width)
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::super::tests::{key, scope};
    use super::super::{TokenState, check_token};
    use super::*;

    const NOW: u64 = 1_700_000_000;

    #[test]
    fn the_right_answer_earns_a_token() {
        let k = key();
        let s = scope("www.example.com", &[]);
        let page = issue_captcha_with_answer(NOW, &k, &s, "/cart?x=1", false, "AC3K7N").unwrap();
        assert!(page.html.contains(CAPTCHA_VERIFY_PATH));
        assert!(page.html.contains("value=\"/cart?x=1\""));
        let t = verify_captcha(&page.puzzle, " ac3k 7n ", NOW + 20, &k, &s, None).unwrap();
        assert_eq!(t.captcha_solved_at(), Some(NOW + 20));
        assert_eq!(t.challenge_solved_at(), None);
        let c = check_token(
            Some(&t.encode(&k)),
            TokenKind::Captcha,
            &k,
            &s,
            60,
            NOW + 80,
        );
        assert_eq!(c.state, TokenState::Valid);
        let c = check_token(
            Some(&t.encode(&k)),
            TokenKind::Captcha,
            &k,
            &s,
            60,
            NOW + 81,
        );
        assert_eq!(c.state, TokenState::Expired);
    }

    #[test]
    fn wrong_expired_and_swapped_puzzles_are_refused() {
        let k = key();
        let s = scope("www.example.com", &[]);
        let a = issue_captcha_with_answer(NOW, &k, &s, "/", false, "AAAAAA").unwrap();
        let b = issue_captcha_with_answer(NOW, &k, &s, "/", false, "CCCCCC").unwrap();
        assert_eq!(
            verify_captcha(&a.puzzle, "AAAAAC", NOW, &k, &s, None),
            Err(VerifyError::WrongAnswer)
        );
        assert_eq!(
            verify_captcha(&a.puzzle, "", NOW, &k, &s, None),
            Err(VerifyError::WrongAnswer)
        );
        assert_eq!(
            verify_captcha(
                &a.puzzle,
                "AAAAAA",
                NOW + INTERSTITIAL_TTL_SECS + 1,
                &k,
                &s,
                None
            ),
            Err(VerifyError::Expired)
        );
        // the answer to one puzzle does not open another
        assert_eq!(
            verify_captcha(&b.puzzle, "AAAAAA", NOW, &k, &s, None),
            Err(VerifyError::WrongAnswer)
        );
        // the same code in two puzzles: each puzzle's tag is its own
        let a2 = issue_captcha_with_answer(NOW, &k, &s, "/", false, "AAAAAA").unwrap();
        assert_ne!(a.puzzle, a2.puzzle);
        assert!(verify_captcha(&a2.puzzle, "AAAAAA", NOW, &k, &s, None).is_ok());
        // another client, host or key
        let elsewhere = TokenScope {
            client: b"\x01\x02\x03\x04",
            ..s
        };
        assert_eq!(
            verify_captcha(&a.puzzle, "AAAAAA", NOW, &k, &elsewhere, None),
            Err(VerifyError::BadSignature)
        );
        assert_eq!(
            verify_captcha(&a.puzzle, "AAAAAA", NOW, &k, &scope("x.example", &[]), None),
            Err(VerifyError::DomainMismatch)
        );
        let other = TokenKey::new(&[3u8; 32]).unwrap();
        assert_eq!(
            verify_captcha(&a.puzzle, "AAAAAA", NOW, &other, &s, None),
            Err(VerifyError::BadSignature)
        );
        // a challenge nonce is not a puzzle
        let nonce = super::super::issue_challenge(NOW, &k, 4, &s).unwrap().nonce;
        assert_eq!(
            verify_captcha(&nonce, "AAAAAA", NOW, &k, &s, None),
            Err(VerifyError::BadSignature)
        );
    }

    #[test]
    fn the_page_does_not_contain_the_answer() {
        let k = key();
        let s = scope("www.example.com", &[]);
        for _ in 0..20 {
            let page = issue_captcha(NOW, &k, &s, "/", true).unwrap();
            let start = page.html.find("base64,").unwrap() + 7;
            let end = start + page.html[start..].find('"').unwrap();
            let svg = base64_decode_standard(&page.html[start..end]);
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
            assert!(!svg.contains("<text") && !svg.contains("font"));
            assert!(page.html.contains("That was not it"));
            // every character of the alphabet could be the answer; none is spelled out as text
            let visible: String = svg
                .split('<')
                .filter_map(|t| t.split_once('>').map(|(_, text)| text))
                .collect();
            assert!(visible.trim().is_empty(), "text in the SVG: {visible:?}");
        }
    }

    #[test]
    fn codes_use_the_alphabet_and_pictures_differ() {
        let a = render("AC3K7N", 1);
        let b = render("AC3K7N", 2);
        assert_ne!(a, b);
        for &c in ALPHABET {
            assert!(!glyph(c).is_empty(), "glyph {}", c as char);
        }
    }

    #[test]
    fn return_paths_are_escaped_and_kept_on_site() {
        let k = key();
        let s = scope("www.example.com", &[]);
        let page =
            issue_captcha_with_answer(NOW, &k, &s, "/a\"><script>", false, "AAAAAA").unwrap();
        assert!(!page.html.contains("\"><script>"));
        let page = issue_captcha_with_answer(NOW, &k, &s, "https://evil.example/", false, "AAAAAA")
            .unwrap();
        assert!(page.html.contains("name=\"return\" value=\"/\""));
    }

    fn base64_decode_standard(s: &str) -> String {
        let url: String = s
            .trim_end_matches('=')
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        String::from_utf8(super::super::base64_decode_url(&url).unwrap()).unwrap()
    }

    /// Writes a sample picture for a person to look at: `RAMPART_CAPTCHA_SAMPLE=/tmp/c.svg`.
    #[test]
    fn sample_picture() {
        if let Ok(path) = std::env::var("RAMPART_CAPTCHA_SAMPLE") {
            std::fs::write(path, render("AC3K7N", 42)).unwrap();
        }
    }
}
