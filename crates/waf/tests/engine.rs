//! The web ACL engine against AWS WAF's documented semantics: statements, fields, actions,
//! labels, groups and overrides, with the examples of AWS's developer guide.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};
use waf::acl::{self, SearchStringEncoding};
use waf::{ActionKind, Header, Options, Request, Resources, RuleType, Verdict, WebAcl};

/// A request built from a method, target, headers and body.
struct Req {
    method: &'static str,
    uri: &'static str,
    headers: Vec<(&'static str, &'static [u8])>,
    body: &'static [u8],
    body_len: Option<u64>,
    ip: &'static str,
}

fn get(uri: &'static str) -> Req {
    Req {
        method: "GET",
        uri,
        headers: vec![("Host", b"example.com"), ("User-Agent", b"Mozilla/5.0")],
        body: b"",
        body_len: None,
        ip: "198.51.100.7",
    }
}

impl Req {
    fn header(mut self, n: &'static str, v: &'static str) -> Req {
        self.headers.push((n, v.as_bytes()));
        self
    }
    fn body(mut self, b: &'static str) -> Req {
        self.method = "POST";
        self.body = b.as_bytes();
        self.body_len = Some(b.len() as u64);
        self
    }
    fn ip(mut self, ip: &'static str) -> Req {
        self.ip = ip;
        self
    }
    fn eval_with(&self, acl: &WebAcl, opts: Options) -> Verdict {
        let headers: Vec<Header<'_>> = self
            .headers
            .iter()
            .map(|(n, v)| Header { name: n, value: v })
            .collect();
        let req = Request {
            client_ip: self.ip.parse().unwrap(),
            method: self.method,
            uri: self.uri,
            http_version: "HTTP/1.1",
            headers: &headers,
            body: self.body,
            body_len: self.body_len,
            ja3: None,
            ja4: None,
        };
        acl.evaluate(&req, opts)
    }
    fn eval(&self, acl: &WebAcl) -> Verdict {
        self.eval_with(
            acl,
            Options {
                trace: true,
                ..Options::default()
            },
        )
    }
}

fn vis(name: &str) -> Value {
    json!({"SampledRequestsEnabled": true, "CloudWatchMetricsEnabled": true, "MetricName": name})
}

fn rule(name: &str, priority: i64, statement: Value, action: &str) -> Value {
    json!({
        "Name": name, "Priority": priority, "Statement": statement,
        "Action": {action: {}}, "VisibilityConfig": vis(name)
    })
}

fn web_acl(default: &str, rules: Vec<Value>) -> Value {
    json!({
        "Name": "test-acl", "DefaultAction": {default: {}}, "Rules": rules,
        "VisibilityConfig": vis("test-acl")
    })
}

fn compile_with(doc: Value, resources: &Resources) -> Result<WebAcl, Vec<acl::AclError>> {
    let loaded = acl::load_web_acl(&doc.to_string())?;
    waf::compile(&loaded.value, loaded.search_strings, resources)
}

fn compile(doc: Value) -> WebAcl {
    match compile_with(doc, &Resources::default()) {
        Ok(a) => a,
        Err(e) => panic!("{e:#?}"),
    }
}

fn errors(doc: Value) -> Vec<String> {
    match compile_with(doc, &Resources::default()) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.iter().map(|e| e.to_string()).collect(),
    }
}

fn byte(field: Value, s: &str, pos: &str, ts: &[&str]) -> Value {
    let ts: Vec<Value> = ts
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"Priority": i, "Type": t}))
        .collect();
    json!({"ByteMatchStatement": {
        "SearchString": s, "FieldToMatch": field, "PositionalConstraint": pos,
        "TextTransformations": ts
    }})
}

fn uri() -> Value {
    json!({"UriPath": {}})
}

// ---- positional constraints -----------------------------------------------------------------

#[test]
fn byte_match_positional_constraints() {
    let cases = [
        ("EXACTLY", "/admin", "/admin", true),
        ("EXACTLY", "/admin", "/admin/", false),
        ("STARTS_WITH", "/admin", "/admin/x", true),
        ("STARTS_WITH", "/admin", "/x/admin", false),
        ("ENDS_WITH", ".php", "/index.php", true),
        ("ENDS_WITH", ".php", "/index.php5", false),
        ("CONTAINS", "etc", "/x/etc/y", true),
        ("CONTAINS", "etc", "/x/y", false),
    ];
    for (pos, s, path, want) in cases {
        let acl = compile(web_acl(
            "Allow",
            vec![rule("r", 0, byte(uri(), s, pos, &["NONE"]), "Block")],
        ));
        let v = Req {
            uri: path,
            ..get("/")
        }
        .eval(&acl);
        assert_eq!(v.action == ActionKind::Block, want, "{pos} {s} on {path}");
    }
}

#[test]
fn contains_word_follows_awss_definition() {
    // AWS's example: the search string `BadBot` in the User-Agent
    let acl = compile(web_acl(
        "Allow",
        vec![rule(
            "r",
            0,
            byte(
                json!({"SingleHeader": {"Name": "user-agent"}}),
                "BadBot",
                "CONTAINS_WORD",
                &["NONE"],
            ),
            "Block",
        )],
    ));
    for (ua, want) in [
        ("BadBot", true),
        ("BadBot/1.0", true),
        ("a;BadBot", true),
        ("x BadBot y", true),
        ("BadBotX", false),
        ("XBadBot", false),
        ("Bad_BadBot", false),
        ("BadBot_", false),
    ] {
        let mut r = get("/");
        r.headers = vec![("User-Agent", ua.as_bytes())];
        assert_eq!(r.eval(&acl).action == ActionKind::Block, want, "{ua}");
    }
}

#[test]
fn transformations_run_in_priority_order_before_matching() {
    // URL_DECODE (priority 1) after LOWERCASE (priority 0) is the same here; what matters is
    // that %2E%2E decodes before the match
    let st = json!({"ByteMatchStatement": {
        "SearchString": "../", "FieldToMatch": {"QueryString": {}}, "PositionalConstraint": "CONTAINS",
        "TextTransformations": [{"Priority": 5, "Type": "URL_DECODE"}, {"Priority": 1, "Type": "LOWERCASE"}]
    }});
    let acl = compile(web_acl("Allow", vec![rule("r", 0, st, "Block")]));
    assert_eq!(get("/?f=%2e%2e/etc").eval(&acl).action, ActionKind::Block);
    assert_eq!(get("/?f=..%2Fetc").eval(&acl).action, ActionKind::Block);
    assert_eq!(get("/?f=etc").eval(&acl).action, ActionKind::Allow);
}

// ---- fields ---------------------------------------------------------------------------------

#[test]
fn query_arguments_single_and_all() {
    let single = byte(
        json!({"SingleQueryArgument": {"Name": "UserName"}}),
        "admin",
        "EXACTLY",
        &["NONE"],
    );
    let acl = compile(web_acl("Allow", vec![rule("r", 0, single, "Block")]));
    // the name matches case-insensitively, and every occurrence is inspected
    assert_eq!(get("/?username=admin").eval(&acl).action, ActionKind::Block);
    assert_eq!(
        get("/?UserName=bob&USERNAME=admin").eval(&acl).action,
        ActionKind::Block
    );
    assert_eq!(get("/?other=admin").eval(&acl).action, ActionKind::Allow);

    let all = byte(
        json!({"AllQueryArguments": {}}),
        "admin",
        "EXACTLY",
        &["NONE"],
    );
    let acl = compile(web_acl("Allow", vec![rule("r", 0, all, "Block")]));
    assert_eq!(get("/?a=1&b=admin").eval(&acl).action, ActionKind::Block);
    // values only, not names
    assert_eq!(get("/?admin=1").eval(&acl).action, ActionKind::Allow);
}

#[test]
fn headers_match_pattern_and_scope() {
    let st = |pattern: Value, scope: &str| {
        byte(
            json!({"Headers": {"MatchPattern": pattern, "MatchScope": scope, "OversizeHandling": "CONTINUE"}}),
            "evil",
            "CONTAINS",
            &["LOWERCASE"],
        )
    };
    let check = |pattern: Value, scope: &str, req: Req, want: bool| {
        let acl = compile(web_acl(
            "Allow",
            vec![rule("r", 0, st(pattern.clone(), scope), "Block")],
        ));
        assert_eq!(
            req.eval(&acl).action == ActionKind::Block,
            want,
            "{pattern} {scope}"
        );
    };
    check(
        json!({"All": {}}),
        "VALUE",
        get("/").header("X-A", "EVIL"),
        true,
    );
    check(
        json!({"All": {}}),
        "VALUE",
        get("/").header("X-Evil", "ok"),
        false,
    );
    check(
        json!({"All": {}}),
        "KEY",
        get("/").header("X-Evil", "ok"),
        true,
    );
    check(
        json!({"All": {}}),
        "ALL",
        get("/").header("X-Evil", "ok"),
        true,
    );
    check(
        json!({"IncludedHeaders": ["x-a"]}),
        "VALUE",
        get("/").header("X-A", "evil"),
        true,
    );
    check(
        json!({"IncludedHeaders": ["x-a"]}),
        "VALUE",
        get("/").header("X-B", "evil"),
        false,
    );
    check(
        json!({"ExcludedHeaders": ["X-A"]}),
        "VALUE",
        get("/").header("x-a", "evil"),
        false,
    );
    check(
        json!({"ExcludedHeaders": ["X-A"]}),
        "VALUE",
        get("/").header("x-b", "evil"),
        true,
    );
}

#[test]
fn cookie_names_match_case_sensitively() {
    let st = byte(
        json!({"Cookies": {"MatchPattern": {"IncludedCookies": ["session"]}, "MatchScope": "VALUE", "OversizeHandling": "CONTINUE"}}),
        "bad",
        "EXACTLY",
        &["NONE"],
    );
    let acl = compile(web_acl("Allow", vec![rule("r", 0, st, "Block")]));
    assert_eq!(
        get("/")
            .header("Cookie", "a=1; session=bad")
            .eval(&acl)
            .action,
        ActionKind::Block
    );
    assert_eq!(
        get("/").header("Cookie", "Session=bad").eval(&acl).action,
        ActionKind::Allow
    );
}

#[test]
fn method_uri_fragment_and_header_order() {
    let m = byte(json!({"Method": {}}), "DELETE", "EXACTLY", &["NONE"]);
    let acl = compile(web_acl("Allow", vec![rule("r", 0, m, "Block")]));
    let mut r = get("/");
    r.method = "DELETE";
    assert_eq!(r.eval(&acl).action, ActionKind::Block);

    let f = byte(
        json!({"UriFragment": {"FallbackBehavior": "MATCH"}}),
        "x",
        "EXACTLY",
        &["NONE"],
    );
    let acl = compile(web_acl("Allow", vec![rule("r", 0, f, "Block")]));
    assert_eq!(get("/a#x").eval(&acl).action, ActionKind::Block);
    assert_eq!(get("/a#y").eval(&acl).action, ActionKind::Allow);
    // no fragment: the fallback decides
    assert_eq!(get("/a").eval(&acl).action, ActionKind::Block);

    let o = byte(
        json!({"HeaderOrder": {"OversizeHandling": "CONTINUE"}}),
        "host:user-agent",
        "EXACTLY",
        &["NONE"],
    );
    let acl = compile(web_acl("Allow", vec![rule("r", 0, o, "Block")]));
    assert_eq!(get("/").eval(&acl).action, ActionKind::Block);
    assert_eq!(
        get("/").header("Accept", "*/*").eval(&acl).action,
        ActionKind::Allow
    );
}

#[test]
fn body_oversize_handling() {
    let st = |h: &str| {
        byte(
            json!({"Body": {"OversizeHandling": h}}),
            "zzz",
            "CONTAINS",
            &["NONE"],
        )
    };
    let mut big = get("/").body("abc");
    big.body_len = Some(100_000); // only the first bytes were inspected
    for (h, want) in [("CONTINUE", false), ("MATCH", true), ("NO_MATCH", false)] {
        let acl = compile(web_acl("Allow", vec![rule("r", 0, st(h), "Block")]));
        let v = big.eval(&acl);
        assert_eq!(v.action == ActionKind::Block, want, "{h}");
        assert_eq!(v.oversize_fields, ["REQUEST_BODY"]);
    }
}

#[test]
fn size_constraint_counts_the_leading_slash_and_the_whole_body() {
    let st = |field: Value, op: &str, size: u64| {
        json!({"SizeConstraintStatement": {"FieldToMatch": field, "ComparisonOperator": op, "Size": size,
               "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}})
    };
    let acl = compile(web_acl(
        "Allow",
        vec![rule("r", 0, st(uri(), "GT", 4), "Block")],
    ));
    assert_eq!(get("/abc").eval(&acl).action, ActionKind::Allow);
    assert_eq!(get("/abcd").eval(&acl).action, ActionKind::Block); // the `/` counts: 5 > 4
    let acl = compile(web_acl(
        "Allow",
        vec![rule("r", 0, st(uri(), "GT", 5), "Block")],
    ));
    assert_eq!(get("/abcd").eval(&acl).action, ActionKind::Allow);
    assert_eq!(get("/abcde").eval(&acl).action, ActionKind::Block);
    let acl = compile(web_acl(
        "Allow",
        vec![rule("r", 0, st(json!({"Body": {}}), "GT", 8192), "Block")],
    ));
    let mut big = get("/").body("x");
    big.body_len = Some(9000);
    assert_eq!(big.eval(&acl).action, ActionKind::Block);
}

#[test]
fn regex_and_regex_pattern_sets() {
    let st = json!({"RegexMatchStatement": {"RegexString": "^/api/v[0-9]+/admin", "FieldToMatch": {"UriPath": {}},
        "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}});
    let acl = compile(web_acl("Allow", vec![rule("r", 0, st, "Block")]));
    assert_eq!(
        get("/api/v2/admin/users").eval(&acl).action,
        ActionKind::Block
    );
    assert_eq!(get("/api/vx/admin").eval(&acl).action, ActionKind::Allow);

    let set = json!({"Name": "bad-paths", "RegularExpressionList": [{"RegexString": "wp-login"}, {"RegexString": "\\.env$"}]});
    let res = Resources {
        regex_pattern_sets: vec![acl::load_regex_pattern_set(&set.to_string()).unwrap()],
        ..Resources::default()
    };
    let st = json!({"RegexPatternSetReferenceStatement": {
        "ARN": "arn:aws:wafv2:us-east-1:111122223333:regional/regexpatternset/bad-paths/a1b2",
        "FieldToMatch": {"UriPath": {}}, "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}});
    let acl = compile_with(web_acl("Allow", vec![rule("r", 0, st, "Block")]), &res).unwrap();
    assert_eq!(get("/.env").eval(&acl).action, ActionKind::Block);
    assert_eq!(get("/wp-login.php").eval(&acl).action, ActionKind::Block);
    assert_eq!(get("/index").eval(&acl).action, ActionKind::Allow);
}

#[test]
fn ip_sets_with_forwarded_ip_config() {
    let set = json!({"IPSet": {"Name": "blocked", "IPAddressVersion": "IPV4", "Addresses": ["192.0.2.0/24"]}, "LockToken": "x"});
    let res = Resources {
        ip_sets: vec![acl::load_ip_set(&set.to_string()).unwrap()],
        ..Resources::default()
    };
    let st = |fwd: Option<Value>| {
        let mut s = json!({"ARN": "arn:aws:wafv2:us-east-1:1:regional/ipset/blocked/x"});
        if let Some(f) = fwd {
            s["IPSetForwardedIPConfig"] = f;
        }
        json!({"IPSetReferenceStatement": s})
    };
    let acl = compile_with(
        web_acl("Allow", vec![rule("r", 0, st(None), "Block")]),
        &res,
    )
    .unwrap();
    assert_eq!(
        get("/").ip("192.0.2.9").eval(&acl).action,
        ActionKind::Block
    );
    assert_eq!(
        get("/").ip("198.51.100.1").eval(&acl).action,
        ActionKind::Allow
    );

    let fwd = |pos: &str, fb: &str| json!({"HeaderName": "X-Forwarded-For", "FallbackBehavior": fb, "Position": pos});
    let acl = compile_with(
        web_acl(
            "Allow",
            vec![rule("r", 0, st(Some(fwd("FIRST", "MATCH"))), "Block")],
        ),
        &res,
    )
    .unwrap();
    assert_eq!(
        get("/")
            .header("X-Forwarded-For", "192.0.2.1, 10.0.0.1")
            .eval(&acl)
            .action,
        ActionKind::Block
    );
    assert_eq!(
        get("/")
            .header("X-Forwarded-For", "10.0.0.1, 192.0.2.1")
            .eval(&acl)
            .action,
        ActionKind::Allow
    );
    // malformed: the fallback applies
    assert_eq!(
        get("/")
            .header("X-Forwarded-For", "nonsense")
            .eval(&acl)
            .action,
        ActionKind::Block
    );
    // absent: the rule is not applied at all (neither action nor fallback), even for a
    // client address inside the set
    assert_eq!(
        get("/").ip("192.0.2.9").eval(&acl).action,
        ActionKind::Allow
    );

    let acl = compile_with(
        web_acl(
            "Allow",
            vec![rule("r", 0, st(Some(fwd("LAST", "NO_MATCH"))), "Block")],
        ),
        &res,
    )
    .unwrap();
    assert_eq!(
        get("/")
            .header("X-Forwarded-For", "10.0.0.1, 192.0.2.1")
            .eval(&acl)
            .action,
        ActionKind::Block
    );
    assert_eq!(
        get("/")
            .header("X-Forwarded-For", "garbage")
            .eval(&acl)
            .action,
        ActionKind::Allow
    );

    let acl = compile_with(
        web_acl(
            "Allow",
            vec![rule("r", 0, st(Some(fwd("ANY", "NO_MATCH"))), "Block")],
        ),
        &res,
    )
    .unwrap();
    assert_eq!(
        get("/")
            .header("X-Forwarded-For", "10.0.0.1, 192.0.2.1, 10.0.0.2")
            .eval(&acl)
            .action,
        ActionKind::Block
    );
    // ANY looks at the last 10 addresses only
    let eleven = "192.0.2.1, 10.0.0.1, 10.0.0.2, 10.0.0.3, 10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8, 10.0.0.9, 10.0.0.10";
    assert_eq!(
        get("/").header("X-Forwarded-For", eleven).eval(&acl).action,
        ActionKind::Allow
    );
}

// ---- actions, labels and evaluation order ---------------------------------------------------

#[test]
fn rules_run_by_priority_and_allow_terminates() {
    let acl = compile(web_acl(
        "Block",
        vec![
            rule(
                "block-admin",
                10,
                byte(uri(), "/admin", "STARTS_WITH", &["NONE"]),
                "Block",
            ),
            rule(
                "allow-all-a",
                5,
                byte(uri(), "/a/", "STARTS_WITH", &["NONE"]),
                "Allow",
            ),
        ],
    ));
    let v = get("/admin").eval(&acl);
    assert_eq!(
        (v.action, v.terminating_rule_id.as_str()),
        (ActionKind::Block, "block-admin")
    );
    let v = get("/a/b").eval(&acl);
    assert_eq!(
        (v.action, v.terminating_rule_id.as_str()),
        (ActionKind::Allow, "allow-all-a")
    );
    let v = get("/other").eval(&acl);
    assert_eq!(
        (v.action, v.terminating_rule_id.as_str()),
        (ActionKind::Block, "Default_Action")
    );
    assert_eq!(v.block.unwrap().status, 403);
}

#[test]
fn count_never_terminates_and_labels_are_seen_only_by_later_rules() {
    let mut counter = rule(
        "tag-admin",
        0,
        byte(uri(), "/admin", "STARTS_WITH", &["NONE"]),
        "Count",
    );
    counter["RuleLabels"] = json!([{"Name": "paths:admin"}]);
    let label = json!({"LabelMatchStatement": {"Scope": "LABEL", "Key": "paths:admin"}});
    let ns = json!({"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:000000000000:webacl:test-acl:paths:"}});
    // the same label match placed before the counting rule never sees the label
    let mut own = rule(
        "own",
        0,
        byte(uri(), "/admin", "STARTS_WITH", &["NONE"]),
        "Count",
    );
    own["Priority"] = json!(1);
    let acl = compile(web_acl(
        "Allow",
        vec![
            rule("too-early", 0, label.clone(), "Block"),
            {
                let mut c = counter.clone();
                c["Priority"] = json!(1);
                c
            },
            rule("by-label", 2, label, "Block"),
        ],
    ));
    let v = get("/admin").eval(&acl);
    assert_eq!(v.terminating_rule_id, "by-label");
    assert_eq!(
        v.labels,
        ["awswaf:000000000000:webacl:test-acl:paths:admin"]
    );
    assert_eq!(v.non_terminating_matching_rules.len(), 1);
    assert_eq!(
        v.non_terminating_matching_rules[0].action,
        ActionKind::Count
    );
    let _ = own;

    let acl = compile(web_acl(
        "Allow",
        vec![counter, rule("by-ns", 1, ns, "Block")],
    ));
    assert_eq!(get("/admin").eval(&acl).terminating_rule_id, "by-ns");
    assert_eq!(get("/x").eval(&acl).action, ActionKind::Allow);
}

#[test]
fn custom_responses_and_inserted_headers() {
    let mut doc = web_acl(
        "Allow",
        vec![
            {
                let mut r = rule(
                    "count-x",
                    0,
                    byte(uri(), "/x", "STARTS_WITH", &["NONE"]),
                    "Count",
                );
                r["Action"] = json!({"Count": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "seen", "Value": "1"}]}}});
                r
            },
            {
                let mut r = rule(
                    "deny",
                    1,
                    byte(uri(), "/x/deny", "STARTS_WITH", &["NONE"]),
                    "Block",
                );
                r["Action"] = json!({"Block": {"CustomResponse": {"ResponseCode": 429, "CustomResponseBodyKey": "slow",
                    "ResponseHeaders": [{"Name": "Retry-After", "Value": "30"}]}}});
                r
            },
        ],
    );
    doc["CustomResponseBodies"] = json!({"slow": {"ContentType": "APPLICATION_JSON", "Content": "{\"error\":\"slow down\"}"}});
    doc["DefaultAction"] = json!({"Allow": {"CustomRequestHandling": {"InsertHeaders": [{"Name": "seen", "Value": "2"}, {"Name": "via", "Value": "waf"}]}}});
    let acl = compile(doc);
    let v = get("/x/deny").eval(&acl);
    let b = v.block.unwrap();
    assert_eq!(b.status, 429);
    assert_eq!(b.headers, [("Retry-After".to_string(), "30".to_string())]);
    assert_eq!(
        b.body,
        Some(("application/json", "{\"error\":\"slow down\"}".to_string()))
    );
    assert!(
        v.inserted_headers.is_empty(),
        "a blocked request gets no inserted headers"
    );
    let v = get("/x/ok").eval(&acl);
    assert_eq!(v.action, ActionKind::Allow);
    // headers accumulate; the same name again: the last one wins
    assert_eq!(
        v.inserted_headers,
        [
            ("x-amzn-waf-seen".to_string(), "2".to_string()),
            ("x-amzn-waf-via".to_string(), "waf".to_string())
        ]
    );
}

#[test]
fn captcha_and_challenge_terminate_unless_the_token_is_within_immunity() {
    let mut r = rule(
        "captcha",
        0,
        byte(uri(), "/login", "STARTS_WITH", &["NONE"]),
        "Captcha",
    );
    r["CaptchaConfig"] = json!({"ImmunityTimeProperty": {"ImmunityTime": 120}});
    let acl = compile(web_acl(
        "Allow",
        vec![
            r,
            rule(
                "after",
                1,
                byte(uri(), "/login", "STARTS_WITH", &["NONE"]),
                "Count",
            ),
        ],
    ));
    let req = get("/login");
    let v = req.eval(&acl);
    assert_eq!(v.action, ActionKind::Captcha);
    assert_eq!(v.immunity, Some(120));
    assert!(
        v.labels
            .contains(&"awswaf:managed:token:absent".to_string())
    );
    let now = 1_700_000_000;
    let solved = |t| Options {
        now,
        captcha_solved: Some(t),
        ..Options::default()
    };
    let v = req.eval_with(&acl, solved(now - 60));
    assert_eq!(v.action, ActionKind::Allow);
    assert_eq!(
        v.non_terminating_matching_rules[0].action,
        ActionKind::Captcha
    );
    assert_eq!(v.non_terminating_matching_rules[1].rule_id, "after");
    let v = req.eval_with(&acl, solved(now - 121));
    assert_eq!(v.action, ActionKind::Captcha);
    assert!(
        v.labels
            .contains(&"awswaf:managed:token:rejected".to_string())
    );
}

// ---- rule groups ----------------------------------------------------------------------------

fn customer_group() -> Resources {
    let g = json!({"Name": "my-group", "Capacity": 50, "VisibilityConfig": vis("g"), "Rules": [
        {"Name": "count-a", "Priority": 0, "Action": {"Count": {}}, "VisibilityConfig": vis("a"),
         "RuleLabels": [{"Name": "hit-a"}], "Statement": byte(uri(), "/a", "STARTS_WITH", &["NONE"])},
        {"Name": "block-ab", "Priority": 1, "Action": {"Block": {}}, "VisibilityConfig": vis("b"),
         "Statement": byte(uri(), "/a/b", "STARTS_WITH", &["NONE"])},
        {"Name": "allow-a", "Priority": 2, "Action": {"Allow": {}}, "VisibilityConfig": vis("c"),
         "Statement": byte(uri(), "/a", "STARTS_WITH", &["NONE"])}
    ]});
    Resources {
        rule_groups: vec![acl::load_rule_group(&g.to_string()).unwrap().value],
        ..Resources::default()
    }
}

fn group_ref(priority: i64, over: &str, overrides: Value) -> Value {
    json!({"Name": "group", "Priority": priority, "OverrideAction": {over: {}}, "VisibilityConfig": vis("group"),
        "Statement": {"RuleGroupReferenceStatement": {
            "ARN": "arn:aws:wafv2:us-east-1:1:regional/rulegroup/my-group/id", "RuleActionOverrides": overrides}}})
}

#[test]
fn a_rule_group_runs_in_place() {
    let res = customer_group();
    let acl = compile_with(
        web_acl(
            "Allow",
            vec![
                group_ref(1, "None", json!([])),
                rule(
                    "late",
                    2,
                    byte(uri(), "/", "STARTS_WITH", &["NONE"]),
                    "Block",
                ),
            ],
        ),
        &res,
    )
    .unwrap();
    let v = get("/a/b").eval(&acl);
    assert_eq!(v.action, ActionKind::Block);
    assert_eq!(v.terminating_rule_id, "group");
    assert_eq!(v.terminating_rule_type, RuleType::Group);
    let g = &v.rule_group_list[0];
    assert_eq!(g.terminating_rule.as_ref().unwrap().rule_id, "block-ab");
    assert_eq!(g.non_terminating[0].rule_id, "count-a");
    assert_eq!(v.labels, ["awswaf:000000000000:rulegroup:my-group:hit-a"]);
    // the group's Allow terminates the whole ACL
    assert_eq!(get("/a/c").eval(&acl).action, ActionKind::Allow);
    assert_eq!(get("/a/c").eval(&acl).terminating_rule_id, "group");
    // no match in the group: the ACL goes on
    assert_eq!(get("/z").eval(&acl).terminating_rule_id, "late");
}

#[test]
fn override_count_turns_the_groups_terminating_match_into_count() {
    let res = customer_group();
    let acl = compile_with(
        web_acl(
            "Allow",
            vec![
                group_ref(1, "Count", json!([])),
                rule(
                    "late",
                    2,
                    byte(uri(), "/a", "STARTS_WITH", &["NONE"]),
                    "Block",
                ),
            ],
        ),
        &res,
    )
    .unwrap();
    let v = get("/a/b").eval(&acl);
    // the group stopped at block-ab (counted), then the ACL went on to `late`
    assert_eq!(v.terminating_rule_id, "late");
    let t = v.rule_group_list[0].terminating_rule.as_ref().unwrap();
    assert_eq!(
        (t.action, t.overridden_action),
        (ActionKind::Count, Some(ActionKind::Block))
    );
    // labels still apply
    assert!(v.labels.iter().any(|l| l.ends_with(":hit-a")));
}

#[test]
fn rule_action_overrides_change_single_rules() {
    let res = customer_group();
    let o = json!([{"Name": "block-ab", "ActionToUse": {"Count": {}}}]);
    let acl = compile_with(web_acl("Allow", vec![group_ref(1, "None", o)]), &res).unwrap();
    let v = get("/a/b").eval(&acl);
    // block-ab now counts, so allow-a decides
    assert_eq!(v.action, ActionKind::Allow);
    let nt = &v.rule_group_list[0].non_terminating;
    let ab = nt.iter().find(|m| m.rule_id == "block-ab").unwrap();
    assert_eq!(
        (ab.action, ab.overridden_action),
        (ActionKind::Count, Some(ActionKind::Block))
    );
    // a customer group rejects unknown names
    let bad = json!([{"Name": "nope", "ActionToUse": {"Count": {}}}]);
    let e = compile_with(web_acl("Allow", vec![group_ref(1, "None", bad)]), &res).unwrap_err();
    assert!(e[0].message.contains("no rule with this name"), "{e:?}");
}

// ---- validation -----------------------------------------------------------------------------

#[test]
fn validation_reports_every_problem_with_its_path() {
    let mut bad_rule = rule("dup", 1, byte(uri(), "x", "CONTAINS", &[]), "Block");
    bad_rule["VisibilityConfig"]["MetricName"] = json!("All");
    let doc = web_acl(
        "Allow",
        vec![
            rule(
                "dup",
                1,
                byte(uri(), "abc def", "CONTAINS_WORD", &["NONE"]),
                "Block",
            ),
            bad_rule,
            json!({"Name": "g", "Priority": 3, "Action": {"Block": {}}, "VisibilityConfig": vis("g"),
                   "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "AWSManagedRulesCommonRuleSet"}}}),
        ],
    );
    let e = errors(doc);
    let all = e.join("\n");
    for want in [
        "$.Rules[1].Name: \"dup\": rule names must be unique",
        "$.Rules[1].Priority: 1: rule priorities must be unique",
        "$.Rules[1].VisibilityConfig.MetricName: \"All\" is reserved",
        "$.Rules[1].Statement.ByteMatchStatement.TextTransformations: at least one text transformation",
        "$.Rules[0].Statement.ByteMatchStatement.SearchString: CONTAINS_WORD needs a word",
        "$.Rules[2].Action: a rule-group reference takes OverrideAction, not Action",
    ] {
        assert!(all.contains(want), "missing {want:?} in:\n{all}");
    }
}

#[test]
fn shape_errors_carry_path_line_and_column() {
    let text = "{\n  \"Name\": \"a\",\n  \"DefaultAction\": {\"Allow\": {}},\n  \"VisibilityConfig\": {\"SampledRequestsEnabled\": true, \"CloudWatchMetricsEnabled\": true, \"MetricName\": \"a\"},\n  \"Rules\": [{\"Name\": \"r\", \"Priority\": 0, \"Action\": {\"Block\": {}},\n    \"VisibilityConfig\": {\"SampledRequestsEnabled\": true, \"CloudWatchMetricsEnabled\": true, \"MetricName\": \"r\"},\n    \"Statement\": {\"ByteMatchStatement\": {\"SearchString\": \"x\", \"FieldToMatch\": {\"UriPath\": {}},\n      \"PositionalConstrant\": \"CONTAINS\", \"TextTransformations\": []}}}]\n}";
    let e = acl::load_web_acl(text).unwrap_err();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].path
            .starts_with("$.Rules[0].Statement.ByteMatchStatement"),
        "{:?}",
        e[0]
    );
    assert_eq!(e[0].line, Some(8));
    assert!(
        e[0].message.contains("PositionalConstrant"),
        "{}",
        e[0].message
    );
}

#[test]
fn the_api_form_reads_search_strings_as_base64() {
    let acl = web_acl(
        "Allow",
        vec![rule(
            "r",
            0,
            byte(uri(), "L2xvZ2lu", "EXACTLY", &["NONE"]),
            "Block",
        )],
    );
    let wrapped = json!({"WebACL": acl, "LockToken": "abc"});
    let loaded = acl::load_web_acl(&wrapped.to_string()).unwrap();
    assert_eq!(loaded.search_strings, SearchStringEncoding::Base64);
    let compiled =
        waf::compile(&loaded.value, loaded.search_strings, &Resources::default()).unwrap();
    assert_eq!(get("/login").eval(&compiled).action, ActionKind::Block);
    // unwrapped, the same document is text
    let compiled = compile(acl);
    assert_eq!(get("/login").eval(&compiled).action, ActionKind::Allow);
    assert_eq!(get("L2xvZ2lu").eval(&compiled).action, ActionKind::Block);
}

#[test]
fn capacity_is_computed_as_aws_does() {
    // ByteMatch EXACTLY (2) + one transformation (10); ByteMatch CONTAINS (10) over
    // AllQueryArguments (+10) with no transformation (NONE is free)
    let acl = compile(web_acl(
        "Allow",
        vec![
            rule(
                "a",
                0,
                byte(uri(), "/x", "EXACTLY", &["LOWERCASE"]),
                "Block",
            ),
            rule(
                "b",
                1,
                byte(json!({"AllQueryArguments": {}}), "x", "CONTAINS", &["NONE"]),
                "Block",
            ),
        ],
    ));
    assert_eq!(acl.capacity(), 12 + 20);
}

// ---- rate-based, geo and ASN ----------------------------------------------------------------

fn rate(limit: u64, key: &str, extra: Value) -> Value {
    let mut s = json!({"Limit": limit, "EvaluationWindowSec": 60, "AggregateKeyType": key});
    if let (Some(o), Some(e)) = (s.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    json!({"RateBasedStatement": s})
}

fn at(req: &Req, acl: &WebAcl, ms: u64) -> Verdict {
    req.eval_with(
        acl,
        Options {
            now: ms / 1000,
            now_ms: ms,
            ..Options::default()
        },
    )
}

#[test]
fn rate_based_rules_limit_each_key_above_the_limit() {
    let mut r = rule("per-ip", 0, rate(10, "IP", json!({})), "Block");
    r["RuleLabels"] = json!([{"Name": "limited"}]);
    let acl = compile(web_acl("Allow", vec![r]));
    let a = get("/").ip("192.0.2.1");
    let t0 = 1_700_000_000_000;
    for i in 0..10 {
        assert_eq!(
            at(&a, &acl, t0 + i * 100).action,
            ActionKind::Allow,
            "request {i}"
        );
    }
    let v = at(&a, &acl, t0 + 1_100);
    assert_eq!(v.action, ActionKind::Block);
    assert_eq!(v.terminating_rule_type, RuleType::RateBased);
    assert_eq!(v.rate_based_rules[0].rule_name, "per-ip");
    assert_eq!(v.rate_based_rules[0].max_rate_allowed, 10);
    assert_eq!(v.labels, ["awswaf:000000000000:webacl:test-acl:limited"]);
    // another address has its own count
    assert_eq!(
        at(&get("/").ip("192.0.2.2"), &acl, t0 + 1_200).action,
        ActionKind::Allow
    );
    // once the window has passed, the key is no longer limited
    assert_eq!(at(&a, &acl, t0 + 130_000).action, ActionKind::Allow);
}

#[test]
fn rate_based_scope_down_and_custom_keys() {
    let st = rate(
        10,
        "CUSTOM_KEYS",
        json!({
            "CustomKeys": [{"Header": {"Name": "x-api-key", "TextTransformations": [{"Priority": 0, "Type": "NONE"}]}},
                           {"HTTPMethod": {}}],
            "ScopeDownStatement": byte(uri(), "/api/", "STARTS_WITH", &["NONE"])
        }),
    );
    let acl = compile(web_acl("Allow", vec![rule("api", 0, st, "Block")]));
    let t0 = 1_700_000_000_000;
    let key_a = get("/api/x").header("X-Api-Key", "a");
    for i in 0..10 {
        at(&key_a, &acl, t0 + i);
    }
    assert_eq!(at(&key_a, &acl, t0 + 20).action, ActionKind::Block);
    // another key value, or outside the scope-down, or without the key: not limited
    assert_eq!(
        at(&get("/api/x").header("X-Api-Key", "b"), &acl, t0 + 21).action,
        ActionKind::Allow
    );
    assert_eq!(
        at(&get("/other").header("X-Api-Key", "a"), &acl, t0 + 22).action,
        ActionKind::Allow
    );
    for i in 0..20 {
        assert_eq!(
            at(&get("/api/x"), &acl, t0 + 30 + i).action,
            ActionKind::Allow
        );
    }
    // CONSTANT needs a scope-down; IP alone is not a custom key set
    let e = errors(web_acl(
        "Allow",
        vec![rule("c", 0, rate(10, "CONSTANT", json!({})), "Block")],
    ));
    assert!(
        e[0].contains("CONSTANT needs a scope-down statement"),
        "{e:?}"
    );
    let e = errors(web_acl(
        "Allow",
        vec![rule(
            "c",
            0,
            rate(10, "CUSTOM_KEYS", json!({"CustomKeys": [{"IP": {}}]})),
            "Block",
        )],
    ));
    assert!(e[0].contains("must be combined with another key"), "{e:?}");
    let nested = json!({"NotStatement": {"Statement": rate(10, "IP", json!({}))}});
    let e = errors(web_acl("Allow", vec![rule("n", 0, nested, "Block")]));
    assert!(e[0].contains("cannot be nested"), "{e:?}");
}

fn geo_resources() -> Resources {
    use waf::mmdb_writer::{GeoRecord, build};
    let rec = |c: &str, r: Option<&str>, asn| GeoRecord {
        country: Some(c.to_string()),
        region: r.map(str::to_string),
        asn: Some(asn),
    };
    let db = build(&[
        (
            ("192.0.2.0".parse().unwrap(), 24),
            rec("US", Some("US-OR"), 64500),
        ),
        (
            ("198.51.100.0".parse().unwrap(), 24),
            rec("DE", None, 64501),
        ),
        (
            ("2001:db8::".parse().unwrap(), 32),
            rec("FR", Some("FR-IDF"), 64502),
        ),
    ])
    .unwrap();
    Resources {
        geo: Some(std::sync::Arc::new(
            waf::geo::GeoDb::from_bytes(db).unwrap(),
        )),
        ..Resources::default()
    }
}

#[test]
fn geo_match_labels_every_inspected_request_and_the_label_pattern_needs_two_rules() {
    let res = geo_resources();
    // AWS's pattern: a geo rule in Count mode labels, a later rule acts on the label
    let geo = json!({"GeoMatchStatement": {"CountryCodes": ["US"]}});
    let label = json!({"LabelMatchStatement": {"Scope": "LABEL", "Key": "awswaf:clientip:geo:region:US-OR"}});
    let acl = compile_with(
        web_acl(
            "Allow",
            vec![
                rule("geo", 0, geo, "Count"),
                rule("oregon", 1, label, "Block"),
            ],
        ),
        &res,
    )
    .unwrap();
    let v = get("/").ip("192.0.2.5").eval(&acl);
    assert_eq!(v.terminating_rule_id, "oregon");
    assert_eq!(
        v.labels,
        [
            "awswaf:clientip:geo:country:US",
            "awswaf:clientip:geo:region:US-OR"
        ]
    );
    // not a match, but inspected: labelled all the same
    let v = get("/").ip("198.51.100.5").eval(&acl);
    assert_eq!(v.action, ActionKind::Allow);
    assert_eq!(v.labels, ["awswaf:clientip:geo:country:DE"]);
    // unknown address: XX
    let v = get("/").ip("203.0.113.1").eval(&acl);
    assert_eq!(v.labels, ["awswaf:clientip:geo:country:XX"]);

    // the forwarded variant labels under awswaf:forwardedip
    let fwd = json!({"GeoMatchStatement": {"CountryCodes": ["FR"],
        "ForwardedIPConfig": {"HeaderName": "X-Forwarded-For", "FallbackBehavior": "NO_MATCH"}}});
    let acl = compile_with(web_acl("Allow", vec![rule("fr", 0, fwd, "Block")]), &res).unwrap();
    let v = get("/")
        .header("X-Forwarded-For", "2001:db8::1, 192.0.2.1")
        .eval(&acl);
    assert_eq!(v.action, ActionKind::Block);
    assert!(
        v.labels
            .contains(&"awswaf:forwardedip:geo:region:FR-IDF".to_string())
    );
    // a rule cannot match its own geo labels
    let same = json!({"AndStatement": {"Statements": [
        {"GeoMatchStatement": {"CountryCodes": ["US"]}},
        {"LabelMatchStatement": {"Scope": "NAMESPACE", "Key": "awswaf:clientip:geo:"}}]}});
    let acl = compile_with(web_acl("Allow", vec![rule("same", 0, same, "Block")]), &res).unwrap();
    assert_eq!(
        get("/").ip("192.0.2.5").eval(&acl).action,
        ActionKind::Allow
    );
}

#[test]
fn asn_match_and_a_missing_database() {
    let res = geo_resources();
    let st = json!({"AsnMatchStatement": {"AsnList": [64501, 64502]}});
    let acl = compile_with(
        web_acl("Allow", vec![rule("asn", 0, st.clone(), "Block")]),
        &res,
    )
    .unwrap();
    assert_eq!(
        get("/").ip("198.51.100.9").eval(&acl).action,
        ActionKind::Block
    );
    assert_eq!(
        get("/").ip("192.0.2.9").eval(&acl).action,
        ActionKind::Allow
    );
    let e = errors(web_acl("Allow", vec![rule("asn", 0, st, "Block")]));
    assert!(e[0].contains("needs a geolocation database"), "{e:?}");
}

// ---- fields and chains shared between statements ----------------------------------------------

#[test]
fn a_trim_after_a_decoding_keeps_the_trimmed_part() {
    // URL_DECODE copies the value; TRIM then returns part of the copy
    let acl = compile(web_acl(
        "Allow",
        vec![rule(
            "r",
            0,
            byte(
                json!({"QueryString": {}}),
                "a",
                "EXACTLY",
                &["URL_DECODE", "TRIM"],
            ),
            "Block",
        )],
    ));
    assert_eq!(get("/?%20a%20").eval(&acl).action, ActionKind::Block);
    assert_eq!(get("/?%20b%20").eval(&acl).action, ActionKind::Allow);
}

#[test]
fn statements_sharing_a_field_see_their_own_chains() {
    // the same field with [URL_DECODE], [URL_DECODE, HTML_ENTITY_DECODE, LOWERCASE] and
    // [URL_DECODE, HTML_ENTITY_DECODE]: each prefix is reused, each result is its own
    let field = json!({"AllQueryArguments": {}});
    let acl = compile(web_acl(
        "Allow",
        vec![
            rule(
                "decoded",
                0,
                byte(field.clone(), "<b>", "EXACTLY", &["URL_DECODE"]),
                "Count",
            ),
            rule(
                "lowered",
                1,
                byte(
                    field.clone(),
                    "<x>",
                    "EXACTLY",
                    &["URL_DECODE", "HTML_ENTITY_DECODE", "LOWERCASE"],
                ),
                "Count",
            ),
            rule(
                "entities",
                2,
                byte(
                    field,
                    "<X>",
                    "EXACTLY",
                    &["URL_DECODE", "HTML_ENTITY_DECODE"],
                ),
                "Block",
            ),
        ],
    ));
    let v = get("/?a=%26lt;X%26gt;&b=%3Cb%3E").eval(&acl);
    assert_eq!(v.action, ActionKind::Block);
    let counted: Vec<&str> = v
        .non_terminating_matching_rules
        .iter()
        .map(|m| m.rule_id.as_str())
        .collect();
    assert_eq!(counted, ["decoded", "lowered"]);
    assert_eq!(
        get("/?a=%26lt;y%26gt;").eval(&acl).action,
        ActionKind::Allow
    );
}
