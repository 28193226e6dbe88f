//! CAPTCHA and Challenge through the real load balancer, on loopback: the interstitial pages
//! for browsers and AWS's plain 202 / 405 for other clients, the verification paths, the
//! `aws-waf-token` cookie earned there letting the next request reach the target, refused
//! tokens (tampered, expired, another domain's), the verification paths' limits; the geo
//! database behind `GeoMatchStatement` and the WAF log's country; rate-based counters across
//! reloads.

#![allow(clippy::unwrap_used)]

mod common;
mod net;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::TempDir;
use net::*;
use serde_json::{Value, json};
use waf::token::{self, Token, TokenKey, TokenKind, TokenScope};

const HOST: &str = "shop.example.com";
const SECRET: [u8; 32] = [42; 32];
const HTML: &str = "Accept: text/html,application/xhtml+xml,*/*;q=0.8";

fn vis(name: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
}

fn starts_with(path: &str) -> Value {
    json!({"ByteMatchStatement": {
        "SearchString": path,
        "PositionalConstraint": "STARTS_WITH",
        "FieldToMatch": {"UriPath": {}},
        "TextTransformations": [{"Priority": 0, "Type": "NONE"}],
    }})
}

fn rule(name: &str, priority: i64, statement: Value, action: Value) -> Value {
    json!({
        "Name": name,
        "Priority": priority,
        "Statement": statement,
        "Action": action,
        "VisibilityConfig": vis(name),
    })
}

/// `/app` needs a challenge, `/login` a CAPTCHA; everything else is allowed.
fn token_acl() -> Value {
    json!({
        "Name": "shop",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": vis("shop"),
        "Rules": [
            rule("ChallengeApp", 0, starts_with("/app"), json!({"Challenge": {}})),
            rule("CaptchaLogin", 1, starts_with("/login"), json!({"Captcha": {}})),
        ],
    })
}

struct Fixture {
    dir: TempDir,
    origin: Origin,
    server: lb::Server,
    addr: SocketAddr,
    yaml: String,
}

/// The YAML of a load balancer with the web ACL `shop`; `extra` adds lines to `web_acls.shop`.
fn config(dir: &Path, origin: &Origin, port: u16, extra: &str) -> String {
    format!(
        r#"
target_groups:
  app:
    targets: ["{}"]
    health_check: {{path: /health, interval_seconds: 5, timeout_seconds: 2}}
web_acls:
  shop:
    file: "{dir}/shop.json"
    log: {{path: "{dir}/waf.log"}}
{extra}load_balancers:
  web:
    web_acl: shop
    listeners:
      - {{protocol: HTTP, address: 127.0.0.1, port: {port}, default_action: {{forward: app}}}}
"#,
        origin.addr,
        dir = dir.display(),
    )
}

/// A fixture whose token secret is [`SECRET`] (so that tests can mint tokens and puzzles).
async fn fixture(acl: Value) -> Fixture {
    fixture_with(acl, |dir| {
        std::fs::write(dir.join("secret"), SECRET).unwrap();
        format!("    token_secret_file: \"{}/secret\"\n", dir.display())
    })
    .await
}

async fn fixture_with(acl: Value, extra: impl FnOnce(&Path) -> String) -> Fixture {
    let dir = TempDir::new("waf-tokens");
    std::fs::write(dir.path().join("shop.json"), acl.to_string()).unwrap();
    let origin = Origin::start("o").await;
    let extra = extra(dir.path());
    let yaml = config(dir.path(), &origin, free_port(), &extra);
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    Fixture {
        dir,
        origin,
        server,
        addr,
        yaml,
    }
}

impl Fixture {
    fn served(&self) -> usize {
        self.origin
            .requests
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn waf_log(self) -> Vec<Value> {
        self.server.shutdown(Duration::from_secs(1)).await;
        let waf = std::fs::read_to_string(self.dir.path().join("waf.log")).unwrap();
        waf.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }
}

/// One request on a new connection; `headers` are whole lines.
async fn send(addr: SocketAddr, method: &str, path: &str, headers: &[&str], body: &[u8]) -> Reply {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    if !body.is_empty() || method == "POST" {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    let mut bytes = req.into_bytes();
    bytes.extend_from_slice(body);
    raw(addr, &bytes).await.expect("a response")
}

async fn get_with(addr: SocketAddr, path: &str, headers: &[&str]) -> Reply {
    send(addr, "GET", path, headers, b"").await
}

async fn post_form(addr: SocketAddr, path: &str, body: &str, headers: &[&str]) -> Reply {
    let mut h = vec!["Content-Type: application/x-www-form-urlencoded"];
    h.extend_from_slice(headers);
    send(addr, "POST", path, &h, body.as_bytes()).await
}

/// The value between `start` and the next `end` in `text`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no {start:?} in {text}"))
        + start.len();
    let len = text[from..].find(end).unwrap();
    &text[from..from + len]
}

/// `aws-waf-token=…` from a `Set-Cookie` value.
fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_owned()
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn key() -> TokenKey {
    TokenKey::new(&SECRET).unwrap()
}

/// A token for `domain` signed with [`SECRET`], with a challenge solved `age` seconds ago.
fn minted(domain: &str, age: u64) -> String {
    let k = key();
    let mut t = Token::new(&k, domain, now() - age - 10).unwrap();
    t.mark_solved(TokenKind::Challenge, now() - age);
    t.encode(&k)
}

fn labels(record: &Value) -> Vec<String> {
    record["labels"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|l| l["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Solves the challenge page in `page` and posts the solution; returns the verify reply.
async fn solve_page(addr: SocketAddr, page: &str) -> Reply {
    let nonce = between(page, "var NONCE = \"", "\"");
    let n = token::solve_challenge(nonce, 1 << 26).unwrap();
    post_form(
        addr,
        token::CHALLENGE_VERIFY_PATH,
        &format!("nonce={nonce}&solution={n}"),
        &[],
    )
    .await
}

#[tokio::test]
async fn a_challenge_answers_browsers_with_the_page_and_other_clients_with_a_plain_202() {
    let f = fixture(token_acl()).await;
    let page = get_with(f.addr, "/app/home", &[HTML]).await;
    assert_eq!(page.status, 202);
    assert_eq!(
        page.header("x-amzn-waf-action").as_deref(),
        Some("challenge")
    );
    assert_eq!(
        page.header("content-type").as_deref(),
        Some("text/html; charset=utf-8")
    );
    assert!(page.body.contains("<script>"), "{}", page.body);
    assert!(page.body.contains(token::CHALLENGE_VERIFY_PATH));

    let api = get_with(f.addr, "/app/home", &["Accept: application/json"]).await;
    assert_eq!(api.status, 202);
    assert_eq!(
        api.header("x-amzn-waf-action").as_deref(),
        Some("challenge")
    );
    assert_eq!(api.header("content-type").as_deref(), Some("text/plain"));
    assert!(!api.body.contains("<script>"));
    assert_eq!(f.served(), 0);

    let captcha = get_with(f.addr, "/login?next=%2Fcart", &[HTML]).await;
    assert_eq!(captcha.status, 405);
    assert_eq!(
        captcha.header("x-amzn-waf-action").as_deref(),
        Some("captcha")
    );
    assert!(captcha.body.contains("name=\"puzzle\""), "{}", captcha.body);
    assert!(captcha.body.contains("value=\"/login?next=%2Fcart\""));
    let plain = get_with(f.addr, "/login", &[]).await;
    assert_eq!(plain.status, 405);
    assert_eq!(
        plain.header("x-amzn-waf-action").as_deref(),
        Some("captcha")
    );
    assert_eq!(f.served(), 0);
}

#[tokio::test]
async fn a_solved_challenge_earns_a_cookie_that_lets_the_next_request_through() {
    let f = fixture(token_acl()).await;
    let page = get_with(f.addr, "/app/home", &[HTML]).await;
    let verified = solve_page(f.addr, &page.body).await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    let set = verified.header("set-cookie").unwrap();
    assert!(set.starts_with("aws-waf-token="), "{set}");
    for attr in ["Path=/", "Max-Age=300", "SameSite=Lax", "HttpOnly"] {
        assert!(set.contains(attr), "{attr} missing in {set}");
    }
    assert!(!set.contains("Secure"), "plain HTTP: {set}");
    assert!(!set.contains("Domain="), "the host's own domain: {set}");
    let cookie = cookie_pair(&set);

    let r = get_with(
        f.addr,
        "/app/home",
        &[HTML, &format!("Cookie: a=1; {cookie}")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(f.served(), 1);
    // the SDKs' header works as well as the cookie
    let value = cookie.trim_start_matches("aws-waf-token=");
    let r = get_with(f.addr, "/app/x", &[&format!("x-aws-waf-token: {value}")]).await;
    assert_eq!(r.status, 200);
    // a challenge is not a CAPTCHA
    let r = get_with(f.addr, "/login", &[&format!("Cookie: {cookie}")]).await;
    assert_eq!(r.status, 405);
    assert_eq!(f.served(), 2);

    let log = f.waf_log().await;
    let passed = &log[1];
    assert_eq!(passed["action"], "ALLOW");
    assert!(
        labels(passed).contains(&"awswaf:managed:token:accepted".to_owned()),
        "{passed}"
    );
    assert_eq!(
        passed["nonTerminatingMatchingRules"][0]["ruleId"],
        "ChallengeApp"
    );
    assert_eq!(
        passed["nonTerminatingMatchingRules"][0]["action"],
        "CHALLENGE"
    );
    assert_eq!(log[0]["action"], "CHALLENGE");
    assert!(labels(&log[0]).contains(&"awswaf:managed:token:absent".to_owned()));
    // the verification post is the load balancer's own: not evaluated, not logged by the WAF
    assert_eq!(log.len(), 4);
}

#[tokio::test]
async fn tampered_expired_and_foreign_tokens_are_refused() {
    let f = fixture(token_acl()).await;
    let good = minted(HOST, 10);
    let r = get_with(f.addr, "/app", &[&format!("Cookie: aws-waf-token={good}")]).await;
    assert_eq!(
        r.status, 200,
        "a token minted with the configured secret passes"
    );

    let mut tampered = good.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let expired = minted(HOST, 400);
    let foreign = minted("other.example.com", 10);
    let other_key = {
        let k = TokenKey::new(&[1u8; 32]).unwrap();
        let mut t = Token::new(&k, HOST, now()).unwrap();
        t.mark_solved(TokenKind::Challenge, now());
        t.encode(&k)
    };
    for (what, t) in [
        ("tampered", &tampered),
        ("expired", &expired),
        ("another domain's", &foreign),
        ("another key's", &other_key),
    ] {
        let r = get_with(
            f.addr,
            "/app",
            &[HTML, &format!("Cookie: aws-waf-token={t}")],
        )
        .await;
        assert_eq!(r.status, 202, "a {what} token");
        assert!(r.body.contains("<script>"), "a {what} token gets the page");
    }
    assert_eq!(f.served(), 1);
    let log = f.waf_log().await;
    assert!(
        labels(&log[2]).contains(&"awswaf:managed:token:rejected".to_owned()),
        "expired"
    );
    assert!(
        labels(&log[1]).contains(&"awswaf:managed:token:absent".to_owned()),
        "tampered"
    );
}

#[tokio::test]
async fn a_solved_captcha_earns_a_cookie_and_a_303_back() {
    let f = fixture(token_acl()).await;
    let page = get_with(f.addr, "/login", &[HTML]).await;
    assert_eq!(page.status, 405);
    // the page does not reveal its answer: a puzzle with a known one, for this client
    let k = key();
    let scope = TokenScope {
        host: HOST,
        token_domains: &[],
        client: &[127, 0, 0, 1],
    };
    let puzzle = token::issue_captcha_with_answer(now(), &k, &scope, "/", false, "ACE347")
        .unwrap()
        .puzzle;
    let wrong = post_form(
        f.addr,
        token::CAPTCHA_VERIFY_PATH,
        &format!("puzzle={puzzle}&answer=WRONG1&return=%2Flogin%3Fa%3D1"),
        &[],
    )
    .await;
    assert_eq!(wrong.status, 405);
    assert!(wrong.body.contains("That was not it"), "{}", wrong.body);
    assert!(wrong.body.contains("value=\"/login?a=1\""));
    assert!(wrong.header("set-cookie").is_none());

    let right = post_form(
        f.addr,
        token::CAPTCHA_VERIFY_PATH,
        &format!("puzzle={puzzle}&answer=ace+347&return=%2Flogin%3Fa%3D1"),
        &[],
    )
    .await;
    assert_eq!(right.status, 303, "{}", right.body);
    assert_eq!(right.header("location").as_deref(), Some("/login?a=1"));
    let cookie = cookie_pair(&right.header("set-cookie").unwrap());
    let r = get_with(f.addr, "/login?a=1", &[&format!("Cookie: {cookie}")]).await;
    assert_eq!(r.status, 200);
    assert_eq!(f.served(), 1);

    // an open redirect is not on offer
    let puzzle = token::issue_captcha_with_answer(now(), &k, &scope, "/", false, "ACE347")
        .unwrap()
        .puzzle;
    let r = post_form(
        f.addr,
        token::CAPTCHA_VERIFY_PATH,
        &format!("puzzle={puzzle}&answer=ACE347&return=%2F%2Fevil.example"),
        &[],
    )
    .await;
    assert_eq!(r.header("location").as_deref(), Some("/"));
    // a puzzle issued to another client address is refused
    let elsewhere = TokenScope {
        client: &[192, 0, 2, 1],
        ..scope
    };
    let puzzle = token::issue_captcha_with_answer(now(), &k, &elsewhere, "/", false, "ACE347")
        .unwrap()
        .puzzle;
    let r = post_form(
        f.addr,
        token::CAPTCHA_VERIFY_PATH,
        &format!("puzzle={puzzle}&answer=ACE347"),
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn the_verification_paths_refuse_large_bodies_bad_answers_and_floods() {
    let f = fixture(token_acl()).await;
    let big = "x".repeat(5000);
    let r = post_form(f.addr, token::CHALLENGE_VERIFY_PATH, &big, &[]).await;
    assert_eq!(r.status, 413);
    // chunked, past the limit
    let mut req = format!(
        "POST {} HTTP/1.1\r\nHost: {HOST}\r\nTransfer-Encoding: chunked\r\n\r\n",
        token::CAPTCHA_VERIFY_PATH
    )
    .into_bytes();
    for _ in 0..5 {
        req.extend_from_slice(format!("3e8\r\n{}\r\n", "y".repeat(1000)).as_bytes());
    }
    req.extend_from_slice(b"0\r\n\r\n");
    assert_eq!(raw(f.addr, &req).await.unwrap().status, 413);

    let page = get_with(f.addr, "/app", &[HTML]).await;
    let nonce = between(&page.body, "var NONCE = \"", "\"");
    let r = post_form(
        f.addr,
        token::CHALLENGE_VERIFY_PATH,
        &format!("nonce={nonce}&solution=abc"),
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.header("set-cookie").is_none());
    let r = post_form(
        f.addr,
        token::CHALLENGE_VERIFY_PATH,
        "nonce=forged&solution=1",
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = get_with(f.addr, token::CHALLENGE_VERIFY_PATH, &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow").as_deref(), Some("POST"));
    assert_eq!(
        f.served(),
        0,
        "the verification paths never reach the target"
    );

    // 60 a minute per client address; 3 were spent above (the 413s never got that far)
    let mut statuses = Vec::new();
    for _ in 0..57 {
        statuses.push(
            post_form(f.addr, token::CAPTCHA_VERIFY_PATH, "puzzle=x", &[])
                .await
                .status,
        );
    }
    assert!(statuses.iter().all(|&s| s == 403), "{statuses:?}");
    let r = post_form(f.addr, token::CAPTCHA_VERIFY_PATH, "puzzle=x", &[]).await;
    assert_eq!(r.status, 429);
    let r = solve_page(f.addr, &get_with(f.addr, "/app", &[HTML]).await.body).await;
    assert_eq!(r.status, 429, "a right answer waits too");
}

#[tokio::test]
async fn a_drawn_token_key_survives_a_reload() {
    // no token_secret_file: the key is drawn at start
    let f = fixture_with(token_acl(), |_| String::new()).await;
    let page = get_with(f.addr, "/app", &[HTML]).await;
    let cookie = cookie_pair(
        &solve_page(f.addr, &page.body)
            .await
            .header("set-cookie")
            .unwrap(),
    );
    // a token minted with some other secret is not it
    let r = get_with(
        f.addr,
        "/app",
        &[&format!("Cookie: aws-waf-token={}", minted(HOST, 1))],
    )
    .await;
    assert_eq!(r.status, 202);
    f.server.reload(Arc::new(model(&f.yaml))).await.unwrap();
    let r = get_with(f.addr, "/app", &[&format!("Cookie: {cookie}")]).await;
    assert_eq!(r.status, 200);
}

#[tokio::test]
async fn token_domains_and_immunity_times_come_from_the_web_acl() {
    let mut acl = token_acl();
    acl["TokenDomains"] = json!(["example.com"]);
    acl["ChallengeConfig"] = json!({"ImmunityTimeProperty": {"ImmunityTime": 3600}});
    let f = fixture(acl).await;
    let page = get_with(f.addr, "/app", &[HTML]).await;
    let set = solve_page(f.addr, &page.body)
        .await
        .header("set-cookie")
        .unwrap();
    assert!(set.contains("Domain=example.com"), "{set}");
    assert!(set.contains("Max-Age=3600"), "{set}");
    // a token for the parent domain, solved 1000 s ago: within this ACL's immunity time
    let parent = minted("example.com", 1000);
    let r = get_with(
        f.addr,
        "/app",
        &[&format!("Cookie: aws-waf-token={parent}")],
    )
    .await;
    assert_eq!(r.status, 200);
}

/// The challenge page's own script, run by Node against the real load balancer: it finds the
/// solution, posts it with `fetch`, and the cookie it earns lets the next request through.
#[tokio::test]
async fn the_page_script_earns_its_token_from_the_load_balancer() {
    let f = fixture(token_acl()).await;
    // Node's fetch sets the host itself: the page is asked for on the address
    let host = f.addr.to_string();
    let req = format!("GET /app HTTP/1.1\r\nHost: {host}\r\n{HTML}\r\nConnection: close\r\n\r\n");
    let page = raw(f.addr, req.as_bytes()).await.unwrap();
    assert_eq!(page.status, 202);
    let start = page.body.find("<script>\n").unwrap() + "<script>\n".len();
    let end = page.body.rfind("</script>").unwrap();
    let script = &page.body[start..end];
    let harness = format!(
        "var base = 'http://{addr}';\n\
         var cookie = null;\n\
         var document = {{ getElementById: function () {{ return {{ textContent: '' }}; }} }};\n\
         var location = {{ reload: function () {{ console.log(JSON.stringify({{ cookie: cookie }})); }} }};\n\
         var realFetch = globalThis.fetch;\n\
         var fetch = function (url, opts) {{\n\
           return realFetch(base + url, opts).then(function (r) {{\n\
             cookie = r.headers.get('set-cookie'); return r; }});\n\
         }};\n{script}",
        addr = f.addr
    );
    let dir = TempDir::new("node");
    let file = dir.path().join("harness.js");
    std::fs::write(&file, harness).unwrap();
    let out = tokio::process::Command::new("node")
        .arg(&file)
        .output()
        .await
        .expect("this test runs the challenge page's script in node: install nodejs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let set = printed["cookie"].as_str().unwrap();
    let req = format!(
        "GET /app HTTP/1.1\r\nHost: {host}\r\nCookie: {}\r\nConnection: close\r\n\r\n",
        cookie_pair(set)
    );
    let r = raw(f.addr, req.as_bytes()).await.unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(f.served(), 1);
}

// ---- geo database, rate-based rules across reloads --------------------------------------------

fn geo_db(dir: &Path, country: &str) {
    let db = waf::mmdb_writer::build(&[(
        ("127.0.0.0".parse().unwrap(), 8),
        waf::mmdb_writer::GeoRecord {
            country: Some(country.into()),
            region: None,
            asn: Some(64500),
        },
    )])
    .unwrap();
    std::fs::write(dir.join("geo.mmdb"), db).unwrap();
}

#[tokio::test]
async fn a_configured_geo_database_drives_geo_rules_and_the_logged_country() {
    let acl = json!({
        "Name": "shop",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": vis("shop"),
        "Rules": [
            rule("NoGermany", 0,
                json!({"AndStatement": {"Statements": [
                    {"GeoMatchStatement": {"CountryCodes": ["DE"]}},
                    starts_with("/de-only"),
                ]}}),
                json!({"Block": {}})),
            rule("Asn", 1, json!({"AsnMatchStatement": {"AsnList": [64500]}}), json!({"Count": {}})),
        ],
    });
    let f = fixture_with(acl, |dir| {
        geo_db(dir, "DE");
        format!("    geo_database: \"{}/geo.mmdb\"\n", dir.display())
    })
    .await;
    assert_eq!(get_with(f.addr, "/de-only", &[]).await.status, 403);
    assert_eq!(get_with(f.addr, "/else", &[]).await.status, 200);
    let sampled = f.server.sampled_requests(Some("shop")).unwrap();
    assert_eq!(sampled["SampledRequests"][0]["Request"]["Country"], "DE");

    // a reload reads the database again
    geo_db(f.dir.path(), "FR");
    f.server.reload(Arc::new(model(&f.yaml))).await.unwrap();
    assert_eq!(get_with(f.addr, "/de-only", &[]).await.status, 200);
    // a broken one is refused, and the running configuration stays
    std::fs::write(f.dir.path().join("geo.mmdb"), b"not a database").unwrap();
    let e = model::load_str(&f.yaml, "rampart.yaml").unwrap().model;
    assert!(f.server.reload(Arc::new(e)).await.is_err());
    assert_eq!(get_with(f.addr, "/de-only", &[]).await.status, 200);

    let log = f.waf_log().await;
    assert_eq!(log[0]["httpRequest"]["country"], "DE");
    assert_eq!(log[0]["action"], "BLOCK");
    assert!(labels(&log[0]).contains(&"awswaf:clientip:geo:country:DE".to_owned()));
    assert_eq!(log[1]["nonTerminatingMatchingRules"][0]["ruleId"], "Asn");
    assert_eq!(log[2]["httpRequest"]["country"], "FR");
}

#[tokio::test]
async fn without_a_geo_database_the_country_is_a_dash() {
    let f = fixture(token_acl()).await;
    get_with(f.addr, "/", &[]).await;
    let log = f.waf_log().await;
    assert_eq!(log[0]["httpRequest"]["country"], "-");
}

fn rate_acl(limit: u64) -> Value {
    json!({
        "Name": "shop",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": vis("shop"),
        "Rules": [
            rule("PerIp", 0,
                json!({"RateBasedStatement": {"Limit": limit, "EvaluationWindowSec": 60, "AggregateKeyType": "IP"}}),
                json!({"Block": {}})),
            rule("Marker", 1, starts_with("/never"), json!({"Count": {}})),
        ],
    })
}

#[tokio::test]
async fn rate_counters_survive_a_reload_that_keeps_the_rule_and_restart_when_it_changes() {
    let f = fixture(rate_acl(10)).await;
    let mut statuses = Vec::new();
    for _ in 0..11 {
        statuses.push(get_with(f.addr, "/", &[]).await.status);
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        10,
        "{statuses:?}"
    );
    assert_eq!(statuses[10], 403);

    // another rule changed, this one did not: still limited
    let mut next = rate_acl(10);
    next["Rules"][1] = rule("Marker", 1, starts_with("/other"), json!({"Count": {}}));
    std::fs::write(f.dir.path().join("shop.json"), next.to_string()).unwrap();
    f.server.reload(Arc::new(model(&f.yaml))).await.unwrap();
    assert_eq!(get_with(f.addr, "/", &[]).await.status, 403);

    // its limit changed: counting starts again
    std::fs::write(f.dir.path().join("shop.json"), rate_acl(20).to_string()).unwrap();
    f.server.reload(Arc::new(model(&f.yaml))).await.unwrap();
    assert_eq!(get_with(f.addr, "/", &[]).await.status, 200);
}

// ---- HTTPS and HTTP/2 ---------------------------------------------------------------------------

mod h2 {
    use http_body_util::Full;
    use hyper::body::Bytes;

    use super::*;
    use common::TestCa;

    #[tokio::test]
    async fn over_https_and_http2_the_cookie_is_secure_and_the_flow_alike() {
        let ca = TestCa::new();
        let (cert, key) = match ca.leaf(&[HOST]) {
            model::Certificate::Files { cert, key } => (cert, key),
            model::Certificate::SelfSigned { .. } => unreachable!(),
        };
        let dir = TempDir::new("waf-tokens-h2");
        std::fs::write(dir.path().join("shop.json"), token_acl().to_string()).unwrap();
        let origin = Origin::start("o").await;
        let yaml = config(dir.path(), &origin, free_port(), "").replace(
            "{protocol: HTTP,",
            &format!(
                "{{protocol: HTTPS, certificate: {{cert: \"{}\", key: \"{}\"}},",
                cert.display(),
                key.display()
            ),
        );
        let server = serve(&yaml).await;
        let addr = server.local_addrs()[0];
        let mut h2 = common::h2_client::<Full<Bytes>>(&ca, addr, HOST).await;

        let get = |path: &str, headers: &[(&str, &str)]| {
            let mut b = hyper::Request::get(format!("https://{HOST}{path}"));
            for (n, v) in headers {
                b = b.header(*n, *v);
            }
            b.body(Full::new(Bytes::new())).unwrap()
        };
        let r = h2
            .send_request(get("/app", &[("accept", "text/html")]))
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        assert_eq!(r.headers()["x-amzn-waf-action"], "challenge");
        let page = common::body_text(r).await;
        let nonce = between(&page, "var NONCE = \"", "\"").to_owned();
        let n = token::solve_challenge(&nonce, 1 << 26).unwrap();
        let verify =
            hyper::Request::post(format!("https://{HOST}{}", token::CHALLENGE_VERIFY_PATH))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Full::new(Bytes::from(format!(
                    "nonce={nonce}&solution={n}"
                ))))
                .unwrap();
        let r = h2.send_request(verify).await.unwrap();
        assert_eq!(r.status(), 200);
        let set = r.headers()["set-cookie"].to_str().unwrap().to_owned();
        assert!(set.contains("; Secure"), "{set}");
        let cookie = cookie_pair(&set);
        let r = h2
            .send_request(get("/app", &[("cookie", "a=1"), ("cookie", &cookie)]))
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        // a body over the limit is refused before it is read whole
        let big = hyper::Request::post(format!("https://{HOST}{}", token::CAPTCHA_VERIFY_PATH))
            .body(Full::new(Bytes::from(vec![b'x'; 10_000])))
            .unwrap();
        assert_eq!(h2.send_request(big).await.unwrap().status(), 413);
        assert_eq!(origin.requests.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
