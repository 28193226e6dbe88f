#![no_main]
//! What a client controls around CAPTCHA and Challenge: the token cookie, the Cookie and Accept
//! headers, the verification form bodies, and the nonce, puzzle, solution and answer in them.
use libfuzzer_sys::fuzz_target;
use waf::token::{
    TokenKey, TokenKind, TokenScope, accepts_html, check_token, form_field, normalize_host,
    token_from_cookie_header, verify_captcha, verify_challenge,
};

fuzz_target!(|data: &[u8]| {
    let Ok(key) = TokenKey::new(&[0x5a; 32]) else {
        return;
    };
    let text = String::from_utf8_lossy(data);
    let domains = vec!["example.com".to_owned()];
    let scope = TokenScope {
        host: "www.example.com",
        token_domains: &domains,
        client: b"\x7f\x00\x00\x01",
    };
    let now = 1_700_000_000;
    let cookie = token_from_cookie_header(&text);
    for kind in [TokenKind::Challenge, TokenKind::Captcha] {
        let check = check_token(cookie.or(Some(&text)), kind, &key, &scope, 300, now);
        let _ = (check.labels(), check.response_code(), check.solve_timestamp());
    }
    let _ = accepts_html(Some(&text));
    let _ = normalize_host(&text);
    let nonce = form_field(data, "nonce").unwrap_or_default();
    let solution = form_field(data, "solution").unwrap_or_default();
    let _ = verify_challenge(&nonce, &solution, now, &key, &scope, cookie);
    let puzzle = form_field(data, "puzzle").unwrap_or_default();
    let answer = form_field(data, "answer").unwrap_or_default();
    let _ = verify_captcha(&puzzle, &answer, now, &key, &scope, cookie);
});
