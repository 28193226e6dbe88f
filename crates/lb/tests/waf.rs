//! The WAF phase end to end: web ACLs in AWS's JSON in front of a real target on loopback —
//! blocked paths, custom responses, counted requests with inserted headers, body rules within
//! the first 8 KB (Content-Length and chunked, HTTP/1.1 and HTTP/2), bodies past 8 KB
//! forwarded whole, the access log's `actions_executed`, the counters, the WAF log, sampled
//! requests and reloads.

#![allow(clippy::unwrap_used)]

mod common;
mod net;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{TempDir, TestCa};
use net::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn vis(name: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
}

fn byte_match(field: Value, constraint: &str, search: &str, transform: &str) -> Value {
    json!({"ByteMatchStatement": {
        "SearchString": search,
        "PositionalConstraint": constraint,
        "FieldToMatch": field,
        "TextTransformations": [{"Priority": 0, "Type": transform}],
    }})
}

fn rule(name: &str, priority: i64, statement: Value, action: Value) -> Value {
    json!({
        "Name": name,
        "Priority": priority,
        "Statement": statement,
        "Action": action,
        "VisibilityConfig": vis(&format!("{name}-metric")),
    })
}

/// The web ACL of most tests: `/admin` blocked with the ALB's 403, `/teapot` with a custom
/// JSON response, `x-suspect` counted (and marked), bodies holding `attack` blocked.
fn shop_acl() -> Value {
    json!({
        "Name": "shop",
        "DefaultAction": {"Allow": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "verdict", "Value": "allowed"}]}}},
        "VisibilityConfig": vis("shop-metric"),
        "CustomResponseBodies": {
            "denied": {"ContentType": "APPLICATION_JSON", "Content": "{\"error\":\"teapot\"}"}
        },
        "Rules": [
            rule("BlockAdmin", 0,
                byte_match(json!({"UriPath": {}}), "STARTS_WITH", "/admin", "LOWERCASE"),
                json!({"Block": {}})),
            rule("Teapot", 1,
                byte_match(json!({"UriPath": {}}), "STARTS_WITH", "/teapot", "NONE"),
                json!({"Block": {"CustomResponse": {
                    "ResponseCode": 418,
                    "CustomResponseBodyKey": "denied",
                    "ResponseHeaders": [{"Name": "x-reason", "Value": "short and stout"}],
                }}})),
            rule("CountSuspect", 2,
                byte_match(json!({"SingleHeader": {"Name": "x-suspect"}}), "EXACTLY", "1", "NONE"),
                json!({"Count": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "suspect", "Value": "yes"}]}}})),
            rule("BodyAttack", 3,
                byte_match(json!({"Body": {"OversizeHandling": "CONTINUE"}}), "CONTAINS", "attack", "NONE"),
                json!({"Block": {}})),
        ],
    })
}

/// A load balancer `web` with the web ACL `shop` (its JSON written to a temporary
/// directory), a WAF log and an access log, in front of one origin.
struct Fixture {
    dir: TempDir,
    origin: Origin,
    server: lb::Server,
    addr: SocketAddr,
    yaml: String,
}

/// The YAML for `listener` (a listener's flow mapping) with `acl` written to `dir`.
fn config(dir: &Path, origin: &Origin, acl: &Value, listener: &str) -> String {
    std::fs::write(dir.join("shop.json"), acl.to_string()).unwrap();
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
load_balancers:
  web:
    web_acl: shop
    access_log: {{path: "{dir}/access.log"}}
    listeners:
      - {listener}
"#,
        origin.addr,
        dir = dir.display(),
    )
}

async fn fixture(acl: Value) -> Fixture {
    let dir = TempDir::new("waf");
    let origin = Origin::start("o").await;
    let listener = format!(
        "{{protocol: HTTP, address: 127.0.0.1, port: {}, default_action: {{forward: app}}}}",
        free_port()
    );
    let yaml = config(dir.path(), &origin, &acl, &listener);
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

    /// Stops the server (flushing its logs) and returns the access log's and WAF log's lines.
    async fn logs(self) -> (Vec<Vec<String>>, Vec<Value>) {
        self.server.shutdown(Duration::from_secs(1)).await;
        let access = std::fs::read_to_string(self.dir.path().join("access.log")).unwrap();
        let waf = std::fs::read_to_string(self.dir.path().join("waf.log")).unwrap();
        (
            access.lines().map(|l| lb::parse_line(l).unwrap()).collect(),
            waf.lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect(),
        )
    }
}

async fn post(addr: SocketAddr, path: &str, body: &[u8], chunked: bool) -> Reply {
    let mut req =
        format!("POST {path} HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n");
    if chunked {
        req.push_str("Transfer-Encoding: chunked\r\n\r\n");
    } else {
        req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    }
    let mut bytes = req.into_bytes();
    if chunked {
        bytes.extend_from_slice(&framed(body));
    } else {
        bytes.extend_from_slice(body);
    }
    raw(addr, &bytes).await.expect("a response")
}

/// `body` in chunks of 1000 bytes, as a streaming client sends it.
fn framed(body: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    for c in body.chunks(1000) {
        bytes.extend_from_slice(format!("{:x}\r\n", c.len()).as_bytes());
        bytes.extend_from_slice(c);
        bytes.extend_from_slice(b"\r\n");
    }
    bytes.extend_from_slice(b"0\r\n\r\n");
    bytes
}

/// `n` bytes of harmless text.
fn filler(n: usize) -> Vec<u8> {
    (0..n).map(|i| b"abcdefghij"[i % 10]).collect()
}

#[tokio::test]
async fn a_blocked_path_gets_the_load_balancers_403_and_never_reaches_the_target() {
    let f = fixture(shop_acl()).await;
    let r = get(f.addr, "/admin/users", &[]).await;
    assert_eq!(r.status, 403);
    assert!(r.body.contains("403 Forbidden"), "{}", r.body);
    assert_eq!(f.served(), 0);
    let r = get(f.addr, "/shop", &[]).await;
    assert_eq!(r.status, 200);
    assert_eq!(f.served(), 1);
    // absolute-form targets are judged by their path
    let r = raw(
        f.addr,
        b"GET http://shop.example.com/admin HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 403);
    assert_eq!(f.served(), 1);
}

#[tokio::test]
async fn a_custom_response_has_its_status_headers_and_json_body() {
    let f = fixture(shop_acl()).await;
    let r = get(f.addr, "/teapot", &[]).await;
    assert_eq!(r.status, 418);
    assert_eq!(r.header("x-reason").as_deref(), Some("short and stout"));
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert_eq!(r.body, "{\"error\":\"teapot\"}");
    assert_eq!(f.served(), 0);
}

#[tokio::test]
async fn counted_requests_reach_the_target_with_the_inserted_headers() {
    let f = fixture(shop_acl()).await;
    // a client cannot forge what the WAF inserts: its own field of that name is replaced
    let r = get(
        f.addr,
        "/shop",
        &["x-suspect: 1", "x-amzn-waf-suspect: forged"],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("x-amzn-waf-suspect: yes"), "{}", r.body);
    assert!(r.body.contains("x-amzn-waf-verdict: allowed"), "{}", r.body);
    assert!(!r.body.contains("forged"), "{}", r.body);
    let r = get(f.addr, "/shop", &[]).await;
    assert!(!r.body.contains("x-amzn-waf-suspect"), "{}", r.body);
    assert!(r.body.contains("x-amzn-waf-verdict: allowed"), "{}", r.body);
}

#[tokio::test]
async fn a_body_rule_matches_in_the_first_8_kb_of_a_post() {
    let f = fixture(shop_acl()).await;
    for chunked in [false, true] {
        let mut body = filler(5000);
        body.extend_from_slice(b"attack");
        body.extend_from_slice(&filler(100));
        let r = post(f.addr, "/orders", &body, chunked).await;
        assert_eq!(r.status, 403, "chunked {chunked}");
        // a harmless body goes through, whole
        let r = post(f.addr, "/orders", &filler(3000), chunked).await;
        assert_eq!(r.status, 200, "chunked {chunked}");
        assert!(r.body.contains("body-bytes="), "{}", r.body);
    }
    assert_eq!(f.served(), 2);
}

#[tokio::test]
async fn a_body_past_8_kb_is_inspected_up_to_8_kb_and_forwarded_whole() {
    let f = fixture(shop_acl()).await;
    for chunked in [false, true] {
        // what lies past the inspection limit is not seen (CONTINUE), and all of it is sent on
        let mut body = filler(9000);
        body.extend_from_slice(b"attack");
        body.extend_from_slice(&filler(20_000));
        let r = post(f.addr, "/orders", &body, chunked).await;
        assert_eq!(r.status, 200, "chunked {chunked}");
        // the origin counts a chunked body's framed bytes
        let sent = if chunked {
            framed(&body).len()
        } else {
            body.len()
        };
        assert!(
            r.body.contains(&format!("body-bytes={sent}\n")),
            "chunked {chunked}: {}",
            &r.body[..80.min(r.body.len())]
        );
    }
}

#[tokio::test]
async fn captcha_and_challenge_answer_405_and_202_without_a_token() {
    let mut acl = shop_acl();
    let rules = acl["Rules"].as_array_mut().unwrap();
    rules.push(rule(
        "Puzzle",
        10,
        byte_match(json!({"UriPath": {}}), "STARTS_WITH", "/login", "NONE"),
        json!({"Captcha": {}}),
    ));
    rules.push(rule(
        "Prove",
        11,
        byte_match(json!({"UriPath": {}}), "STARTS_WITH", "/checkout", "NONE"),
        json!({"Challenge": {}}),
    ));
    let f = fixture(acl).await;
    let r = get(f.addr, "/login", &[]).await;
    assert_eq!(r.status, 405);
    assert_eq!(r.header("x-amzn-waf-action").as_deref(), Some("captcha"));
    let r = get(f.addr, "/checkout", &[]).await;
    assert_eq!(r.status, 202);
    assert_eq!(r.header("x-amzn-waf-action").as_deref(), Some("challenge"));
    assert_eq!(f.served(), 0);
    let m = f.server.render_metrics();
    for line in [
        "rampart_waf_CaptchaRequests{WebACL=\"shop-metric\",Rule=\"ALL\"} 1",
        "rampart_waf_ChallengeRequests{WebACL=\"shop-metric\",Rule=\"Prove-metric\"} 1",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
    let (access, _) = f.logs().await;
    assert_eq!(access[0][22], "waf");
}

#[tokio::test]
async fn rule_groups_from_the_api_are_read_and_counted_by_group() {
    let dir = TempDir::new("waf-group");
    let origin = Origin::start("o").await;
    // as `aws wafv2 get-rule-group` prints it: wrapped, its search string in base64
    let group = json!({"RuleGroup": {
        "Name": "admin-rules",
        "Capacity": 10,
        "VisibilityConfig": vis("admin-rules-metric"),
        "Rules": [rule("NoAdmin", 0,
            byte_match(json!({"UriPath": {}}), "STARTS_WITH", "L2FkbWlu", "NONE"),
            json!({"Block": {}}))],
    }, "LockToken": "x"});
    std::fs::write(dir.path().join("group.json"), group.to_string()).unwrap();
    let acl = json!({
        "Name": "shop",
        "DefaultAction": {"Allow": {}},
        "VisibilityConfig": vis("shop-metric"),
        "Rules": [{
            "Name": "Admin",
            "Priority": 0,
            "Statement": {"RuleGroupReferenceStatement": {
                "ARN": "arn:aws:wafv2:eu-west-1:123456789012:regional/rulegroup/admin-rules/0d5f"
            }},
            "OverrideAction": {"None": {}},
            "VisibilityConfig": vis("Admin-metric"),
        }],
    });
    let listener = format!(
        "{{protocol: HTTP, address: 127.0.0.1, port: {}, default_action: {{forward: app}}}}",
        free_port()
    );
    let yaml = config(dir.path(), &origin, &acl, &listener).replace(
        "    log:",
        &format!(
            "    rule_groups: [\"{}/group.json\"]\n    log:",
            dir.path().display()
        ),
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    assert_eq!(get(addr, "/admin", &[]).await.status, 403);
    assert_eq!(get(addr, "/L2FkbWlu", &[]).await.status, 200);
    let m = server.render_metrics();
    for line in [
        "rampart_waf_BlockedRequests{WebACL=\"shop-metric\",Rule=\"Admin-metric\"} 1",
        "rampart_waf_BlockedRequests{WebACL=\"shop-metric\",RuleGroup=\"admin-rules-metric\",Rule=\"NoAdmin-metric\"} 1",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
    let s = server.sampled_requests(Some("shop")).unwrap();
    assert_eq!(
        s["SampledRequests"][1]["RuleNameWithinRuleGroup"],
        "NoAdmin"
    );
    assert_eq!(s["SampledRequests"][1]["TerminatingRuleId"], "Admin");
}

#[tokio::test]
async fn an_oversize_body_matches_a_match_rule_whatever_its_framing() {
    let mut acl = shop_acl();
    acl["Rules"][3] = rule(
        "BodyTooLarge",
        3,
        byte_match(
            json!({"Body": {"OversizeHandling": "MATCH"}}),
            "CONTAINS",
            "never-there",
            "NONE",
        ),
        json!({"Block": {}}),
    );
    let f = fixture(acl).await;
    for chunked in [false, true] {
        // a chunked body's length is unknown up front: one past 8 KB is still oversize
        let r = post(f.addr, "/orders", &filler(10_000), chunked).await;
        assert_eq!(r.status, 403, "chunked {chunked}");
        let r = post(f.addr, "/orders", &filler(8192), chunked).await;
        assert_eq!(r.status, 200, "chunked {chunked}");
    }
    // chunk extensions cannot pad the inspected data away: the framing read for the WAF is
    // bounded, and what lies past it counts as oversize
    let mut padded = Vec::new();
    for _ in 0..40 {
        padded.extend_from_slice(format!("1;{}\r\na\r\n", "x".repeat(4000)).as_bytes());
    }
    padded.extend_from_slice(b"0\r\n\r\n");
    let mut req =
        b"POST /orders HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            .to_vec();
    req.extend_from_slice(&padded);
    let r = raw(f.addr, &req).await.unwrap();
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn expect_100_continue_is_answered_before_the_body_is_read() {
    let f = fixture(shop_acl()).await;
    let mut s = TcpStream::connect(f.addr).await.unwrap();
    s.write_all(
        b"POST /orders HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 6\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut buf = Vec::new();
    while !buf.ends_with(b"\r\n\r\n") {
        let mut b = [0u8; 1];
        tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut b))
            .await
            .unwrap()
            .unwrap();
        buf.push(b[0]);
    }
    assert_eq!(buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    buf.clear();
    s.write_all(b"attack").await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut s, &mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 403);

    // allowed: the target gets the body, and no Expect it would answer again
    let mut s = TcpStream::connect(f.addr).await.unwrap();
    s.write_all(
        b"POST /orders HTTP/1.1\r\nHost: shop.example.com\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n",
    )
    .await
    .unwrap();
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).await.unwrap();
    s.write_all(b"hello").await.unwrap();
    let r = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut s, &mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(r.body.contains("body-bytes=5\n"), "{}", r.body);
    assert!(
        !r.body.to_ascii_lowercase().contains("expect:"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn a_client_that_stalls_its_body_gets_408() {
    let acl = shop_acl();
    let dir = TempDir::new("waf-stall");
    let origin = Origin::start("o").await;
    let listener = format!(
        "{{protocol: HTTP, address: 127.0.0.1, port: {}, default_action: {{forward: app}}}}",
        free_port()
    );
    let yaml = config(dir.path(), &origin, &acl, &listener).replace(
        "    web_acl: shop\n",
        "    web_acl: shop\n    attributes: {idle_timeout_seconds: 1}\n",
    );
    let server = serve(&yaml).await;
    let addr = server.local_addrs()[0];
    let r = raw(
        addr,
        b"POST /orders HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly some",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 408);
}

#[tokio::test]
async fn the_access_log_says_waf_and_the_waf_log_has_aws_fields() {
    let f = fixture(shop_acl()).await;
    assert_eq!(get(f.addr, "/admin", &[]).await.status, 403);
    assert_eq!(
        get(f.addr, "/shop?q=1", &["x-suspect: 1"]).await.status,
        200
    );
    let (access, waf) = f.logs().await;
    assert_eq!(access.len(), 2);
    // blocked: no target, no rule, `waf` only
    assert_eq!(access[0][8], "403");
    assert_eq!(access[0][4], "-");
    assert_eq!(access[0][20], "-");
    assert_eq!(access[0][22], "waf");
    assert_eq!(access[1][8], "200");
    assert_eq!(access[1][22], "waf,forward");

    assert_eq!(waf.len(), 2);
    let blocked = &waf[0];
    assert_eq!(blocked["action"], "BLOCK");
    assert_eq!(blocked["terminatingRuleId"], "BlockAdmin");
    assert_eq!(blocked["terminatingRuleType"], "REGULAR");
    assert_eq!(blocked["httpSourceName"], "ALB");
    assert_eq!(blocked["httpSourceId"], "web");
    assert_eq!(blocked["httpRequest"]["uri"], "/admin");
    assert_eq!(blocked["httpRequest"]["httpMethod"], "GET");
    assert_eq!(blocked["httpRequest"]["clientIp"], "127.0.0.1");
    assert_eq!(blocked["httpRequest"]["httpVersion"], "HTTP/1.1");
    // the request id is the access log's trace id
    assert_eq!(
        blocked["httpRequest"]["requestId"].as_str().unwrap(),
        access[0][17]
    );
    assert!(blocked["timestamp"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(
        blocked["webaclId"]
            .as_str()
            .unwrap()
            .contains("webacl/shop")
    );
    let allowed = &waf[1];
    assert_eq!(allowed["action"], "ALLOW");
    assert_eq!(allowed["terminatingRuleId"], "Default_Action");
    assert_eq!(allowed["httpRequest"]["args"], "q=1");
    assert_eq!(
        allowed["nonTerminatingMatchingRules"][0]["ruleId"],
        "CountSuspect"
    );
    assert_eq!(allowed["nonTerminatingMatchingRules"][0]["action"], "COUNT");
    let inserted = allowed["requestHeadersInserted"].as_array().unwrap();
    assert!(inserted.contains(&json!({"name": "x-amzn-waf-suspect", "value": "yes"})));
}

#[tokio::test]
async fn counters_follow_aws_wafs_cloudwatch_names() {
    let f = fixture(shop_acl()).await;
    get(f.addr, "/admin", &[]).await;
    get(f.addr, "/admin/x", &[]).await;
    get(f.addr, "/teapot", &[]).await;
    get(f.addr, "/shop", &["x-suspect: 1"]).await;
    get(f.addr, "/shop", &[]).await;
    let m = f.server.render_metrics();
    for line in [
        "# TYPE rampart_waf_BlockedRequests counter",
        "rampart_waf_BlockedRequests{WebACL=\"shop-metric\",Rule=\"ALL\"} 3",
        "rampart_waf_AllowedRequests{WebACL=\"shop-metric\",Rule=\"ALL\"} 2",
        "rampart_waf_CountedRequests{WebACL=\"shop-metric\",Rule=\"ALL\"} 1",
        "rampart_waf_CaptchaRequests{WebACL=\"shop-metric\",Rule=\"ALL\"} 0",
        "rampart_waf_BlockedRequests{WebACL=\"shop-metric\",Rule=\"BlockAdmin-metric\"} 2",
        "rampart_waf_BlockedRequests{WebACL=\"shop-metric\",Rule=\"Teapot-metric\"} 1",
        "rampart_waf_CountedRequests{WebACL=\"shop-metric\",Rule=\"CountSuspect-metric\"} 1",
        "rampart_waf_AllowedRequests{WebACL=\"shop-metric\",Rule=\"shop-metric\"} 2",
        "rampart_waf_LogRecordsDropped{WebACL=\"shop-metric\"} 0",
        // the load balancer's own counters see the 4XX it answered
        "rampart_lb_HTTPCode_ELB_4XX_Count{load_balancer=\"web\"} 3",
    ] {
        assert!(m.contains(line), "missing {line:?} in:\n{m}");
    }
}

#[tokio::test]
async fn sampled_requests_keep_the_last_hundred() {
    let f = fixture(shop_acl()).await;
    for i in 0..105 {
        let path = if i % 2 == 0 { "/admin" } else { "/shop" };
        get(f.addr, &format!("{path}?n={i}"), &[]).await;
    }
    let s = f.server.sampled_requests(Some("shop")).unwrap();
    assert_eq!(s["WebACL"], "shop");
    assert_eq!(s["PopulationSize"], 105);
    let samples = s["SampledRequests"].as_array().unwrap();
    assert_eq!(samples.len(), 100);
    // newest first
    assert_eq!(samples[0]["Request"]["Args"], "n=104");
    assert_eq!(samples[0]["Action"], "BLOCK");
    assert_eq!(samples[0]["TerminatingRuleId"], "BlockAdmin");
    assert_eq!(samples[0]["ResponseCodeSent"], 403);
    assert_eq!(samples[1]["Action"], "ALLOW");
    assert_eq!(samples[0]["Request"]["URI"], "/admin");
    assert!(samples[0]["Timestamp"].as_f64().unwrap() > 1.6e9);
    assert!(f.server.sampled_requests(Some("nope")).is_none());
    assert_eq!(
        f.server
            .sampled_requests(None)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_reload_replaces_the_web_acl_and_a_broken_one_is_refused() {
    let f = fixture(shop_acl()).await;
    assert_eq!(get(f.addr, "/admin", &[]).await.status, 403);
    get(f.addr, "/admin", &[]).await;

    let mut next = shop_acl();
    next["Rules"][0] = rule(
        "BlockSecret",
        0,
        byte_match(json!({"UriPath": {}}), "STARTS_WITH", "/secret", "NONE"),
        json!({"Block": {}}),
    );
    std::fs::write(f.dir.path().join("shop.json"), next.to_string()).unwrap();
    f.server.reload(Arc::new(model(&f.yaml))).await.unwrap();
    assert_eq!(get(f.addr, "/admin", &[]).await.status, 200);
    assert_eq!(get(f.addr, "/secret", &[]).await.status, 403);
    // counters carry over the reload
    let m = f.server.render_metrics();
    assert!(
        m.contains("rampart_waf_BlockedRequests{WebACL=\"shop-metric\",Rule=\"ALL\"} 3"),
        "{m}"
    );

    std::fs::write(f.dir.path().join("shop.json"), "{\"Name\": \"shop\",").unwrap();
    let e = f.server.reload(Arc::new(model(&f.yaml))).await.unwrap_err();
    let msg = e.to_string();
    assert!(msg.contains("web ACL shop is not valid"), "{msg}");
    assert!(msg.contains("shop.json:1:"), "{msg}");
    assert_eq!(get(f.addr, "/secret", &[]).await.status, 403);
}

#[tokio::test]
async fn without_body_rules_the_decision_does_not_wait_for_the_body() {
    let mut acl = shop_acl();
    acl["Rules"].as_array_mut().unwrap().truncate(3);
    let f = fixture(acl).await;
    // a blocked path is answered while the body has not been sent; with a body rule the load
    // balancer would wait for it
    let mut s = TcpStream::connect(f.addr).await.unwrap();
    s.write_all(b"POST /admin HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let r = tokio::time::timeout(Duration::from_secs(5), read_reply(&mut s, &mut buf))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.status, 403);
}

// ---- HTTP/2 -------------------------------------------------------------------------------

mod h2 {
    use http_body_util::{Empty, Full};
    use hyper::body::Bytes;

    use super::*;

    const NAME: &str = "shop.example.test";

    async fn fixture_h2(ca: &TestCa) -> Fixture {
        let (cert, key) = match ca.leaf(&[NAME]) {
            model::Certificate::Files { cert, key } => (cert, key),
            model::Certificate::SelfSigned { .. } => unreachable!(),
        };
        let dir = TempDir::new("waf-h2");
        let origin = Origin::start("o").await;
        let listener = format!(
            "{{protocol: HTTPS, address: 127.0.0.1, port: {}, certificate: {{cert: \"{}\", key: \"{}\"}}, default_action: {{forward: app}}}}",
            free_port(),
            cert.display(),
            key.display()
        );
        let yaml = config(dir.path(), &origin, &shop_acl(), &listener);
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

    #[tokio::test]
    async fn http2_requests_are_judged_alike() {
        let ca = TestCa::new();
        let f = fixture_h2(&ca).await;
        let mut get = common::h2_client::<Empty<Bytes>>(&ca, f.addr, NAME).await;
        let req = |path: &str| {
            hyper::Request::get(format!("https://{NAME}{path}"))
                .body(Empty::new())
                .unwrap()
        };
        let r = get.send_request(req("/admin")).await.unwrap();
        assert_eq!(r.status(), 403);
        let r = get.send_request(req("/teapot")).await.unwrap();
        assert_eq!(r.status(), 418);
        assert_eq!(r.headers()["x-reason"], "short and stout");
        assert_eq!(r.headers()["content-type"], "application/json");
        assert_eq!(common::body_text(r).await, "{\"error\":\"teapot\"}");
        let r = get
            .send_request(
                hyper::Request::get(format!("https://{NAME}/shop"))
                    .header("x-suspect", "1")
                    .body(Empty::new())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let body = common::body_text(r).await;
        assert!(body.contains("x-amzn-waf-suspect: yes"), "{body}");

        let mut post = common::h2_client::<Full<Bytes>>(&ca, f.addr, NAME).await;
        let req = |body: Vec<u8>| {
            hyper::Request::post(format!("https://{NAME}/orders"))
                .body(Full::new(Bytes::from(body)))
                .unwrap()
        };
        let mut attack = filler(6000);
        attack.extend_from_slice(b"attack");
        let r = post.send_request(req(attack)).await.unwrap();
        assert_eq!(r.status(), 403);
        // past 8 KB: not inspected, forwarded whole
        let mut late = filler(9000);
        late.extend_from_slice(b"attack");
        late.extend_from_slice(&filler(100_000));
        let len = late.len();
        let r = post.send_request(req(late)).await.unwrap();
        assert_eq!(r.status(), 200);
        let body = common::body_text(r).await;
        assert!(body.contains(&format!("body-bytes={len}\n")), "{body}");

        assert_eq!(f.served(), 2);
        let (access, waf) = f.logs().await;
        assert_eq!(access[0][0], "h2");
        assert_eq!(access[0][22], "waf");
        assert_eq!(access[2][22], "waf,forward");
        assert_eq!(waf[0]["httpRequest"]["httpVersion"], "HTTP/2.0");
        assert_eq!(waf[3]["requestBodySizeInspectedByWAF"], 6006);
        assert_eq!(waf[4]["requestBodySizeInspectedByWAF"], 8192);
        // the fingerprints of the client's TLS ClientHello (rustls: TLS 1.3, SNI, ALPN h2)
        let ja3 = waf[0]["ja3Fingerprint"].as_str().unwrap();
        assert!(
            ja3.len() == 32 && ja3.bytes().all(|b| b.is_ascii_hexdigit()),
            "{ja3}"
        );
        let ja4 = waf[0]["ja4Fingerprint"].as_str().unwrap();
        assert!(ja4.starts_with("t13d") && ja4.len() == 36, "{ja4}");
        assert!(
            ja4[4..].starts_with(char::is_numeric) && ja4.contains("h2_"),
            "{ja4}"
        );
    }
}
