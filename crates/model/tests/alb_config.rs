//! The `load_balancers` and `target_groups` sections: what loads, and every error at once with
//! its path, the value found and what AWS expects.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use model::{Action, Certificate, ListenerProtocol, RuleCondition};

const GROUPS: &str = "\
target_groups:
  app:
    port: 8080
    targets: [10.0.2.10:8080, '[2001:db8::10]:8080', 10.0.2.11]
  canary:
    targets: [10.0.2.12:9000]
";

fn load(yaml: &str) -> model::Validated {
    model::load_str(yaml, "lb.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn errors(yaml: &str) -> String {
    match model::load_str(yaml, "lb.yaml") {
        Ok(_) => panic!("expected errors for:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

fn assert_has(text: &str, expected: &[&str]) {
    for e in expected {
        assert!(text.contains(e), "missing {e:?} in:\n{text}");
    }
}

fn with_listener(listener: &str) -> String {
    format!("{GROUPS}load_balancers:\n  web:\n    listeners:\n{listener}")
}

#[test]
fn a_load_balancer_alone_needs_no_vpc_and_gets_aws_defaults() {
    let v = load(&with_listener(
        "      - protocol: HTTPS\n        port: 443\n        certificate: {self_signed: [localhost]}\n\
         \x20       rules:\n\
         \x20         - {priority: 20, conditions: {host_header: ['*.example.com']}, action: {forward: canary}}\n\
         \x20         - {priority: 10, conditions: {path_pattern: ['/api/*'], http_request_method: [GET]}, action: {forward: app}}\n\
         \x20       default_action: {fixed_response: {status_code: 404}}\n",
    ));
    assert!(v.warnings.is_empty(), "{}", v.warnings);
    let m = v.model;
    assert!(!m.vpc.is_defined());
    assert!(m.subnets.is_empty() && m.security_groups.is_empty() && m.network_acls.is_empty());
    let lb = &m.load_balancers[0];
    assert_eq!(lb.attributes.idle_timeout, Duration::from_secs(60));
    assert_eq!(lb.attributes.limits.max_header_bytes, 16 * 1024);
    let l = &lb.listeners[0];
    assert_eq!(l.protocol, ListenerProtocol::Https);
    assert_eq!(l.address.to_string(), "0.0.0.0");
    let tls = l.tls.as_ref().unwrap();
    assert_eq!(tls.ssl_policy.name, "ELBSecurityPolicy-TLS13-1-2-2021-06");
    assert_eq!(
        tls.default_certificate,
        Certificate::SelfSigned {
            names: vec!["localhost".into()]
        }
    );
    // Sorted by priority, whatever the order written.
    assert_eq!(
        l.rules.iter().map(|r| r.priority).collect::<Vec<_>>(),
        [10, 20]
    );
    assert!(matches!(
        &l.rules[0].conditions[..],
        [
            RuleCondition::PathPattern(_),
            RuleCondition::HttpRequestMethod(_)
        ]
    ));
    let Action::Forward(f) = &l.rules[0].action else {
        panic!()
    };
    assert_eq!(m.target_group(f.target_groups[0].target_group).name, "app");
    let app = &m.target_groups[0];
    assert_eq!(app.targets.len(), 3);
    assert_eq!(app.targets[2].addr.to_string(), "10.0.2.11:8080");
    assert_eq!(app.targets[1].addr.to_string(), "[2001:db8::10]:8080");
    assert_eq!(app.health_check.interval, Duration::from_secs(30));
    assert!(app.health_check.is_success(200) && !app.health_check.is_success(204));
    assert_eq!(app.deregistration_delay, Duration::from_secs(300));

    let again = model::load_str(&model::to_yaml(&m).unwrap(), "again.yaml")
        .unwrap()
        .model;
    assert_eq!(m, again);
}

#[test]
fn a_topology_without_a_vpc_still_needs_one() {
    let e = errors(&format!(
        "{GROUPS}security_groups: {{lb: {{}}}}\nload_balancers:\n  web:\n    security_groups: [lb]\n\
         \x20   listeners: [{{protocol: HTTP, port: 80, default_action: {{forward: app}}}}]\n"
    ));
    assert_has(&e, &["vpc: a configuration needs a `vpc` section"]);
    let e = errors("# nothing\nsubnets: {}\n");
    assert_has(&e, &["vpc: a configuration needs a `vpc` section"]);
}

#[test]
fn rule_priorities_are_1_to_50000_and_unique_per_listener() {
    let e = errors(&with_listener(
        "      - protocol: HTTP\n        port: 80\n        rules:\n\
         \x20         - {priority: 0, conditions: {path_pattern: [/a]}, action: {forward: app}}\n\
         \x20         - {priority: 7, conditions: {path_pattern: [/b]}, action: {forward: app}}\n\
         \x20         - {priority: 7, conditions: {path_pattern: [/c]}, action: {forward: app}}\n\
         \x20         - {priority: 50001, conditions: {path_pattern: [/d]}, action: {forward: app}}\n\
         \x20       default_action: {forward: app}\n",
    ));
    assert_has(
        &e,
        &[
            "load_balancers.web.listeners[0].rules[0].priority: found \"0\", expected a whole number from 1 to 50000",
            "load_balancers.web.listeners[0].rules[2].priority: found \"7\", rules[1] already has this priority",
            "load_balancers.web.listeners[0].rules[3].priority: found \"50001\"",
        ],
    );
}

#[test]
fn condition_values_follow_aws_charsets_and_quotas() {
    let e = errors(&with_listener(
        "      - protocol: HTTP\n        port: 80\n        rules:\n\
         \x20         - priority: 1\n            conditions:\n\
         \x20             host_header: [example_com, 'www.example.123']\n\
         \x20             path_pattern: [/ok, '/bad path']\n\
         \x20             http_request_method: [get]\n\
         \x20           action: {forward: app}\n\
         \x20         - priority: 2\n            conditions:\n\
         \x20             source_ip: [255.255.255.255/32]\n\
         \x20             query_string: [{key: a, value: 'x y'}]\n\
         \x20           action: {forward: app}\n\
         \x20         - priority: 3\n            conditions:\n\
         \x20             path_pattern: [/a, /b, /c, /d]\n\
         \x20           action: {forward: app}\n\
         \x20         - priority: 4\n            conditions:\n\
         \x20             path_pattern: ['/a*', '/b*', '/c*']\n\
         \x20             host_header: ['*.*.*.example.com']\n\
         \x20           action: {forward: app}\n\
         \x20       default_action: {forward: app}\n",
    ));
    assert_has(
        &e,
        &[
            "rules[0].conditions.host_header[0]: found \"example_com\", expected a host name pattern",
            "rules[0].conditions.host_header[1]: found \"www.example.123\", a host pattern has at least one `.` and only letters after the last one",
            "rules[0].conditions.path_pattern[1]: found \"/bad path\"",
            "rules[0].conditions.http_request_method[0]: found \"get\"",
            "rules[1].conditions.source_ip[0]: found \"255.255.255.255/32\", AWS does not allow",
            "rules[1].conditions.query_string[0].value: found \"x y\", ` ` is reserved",
            "rules[2].conditions.path_pattern: a path_pattern condition has 1 to 3 values (AWS); found 4",
            "rules[3].conditions: 6 wildcards; AWS allows at most 5 per rule",
        ],
    );
    // Exactly five values is fine; the first rule fails on its other values, not the count.
    assert!(!e.contains("rules[0].conditions: "), "{e}");
}

#[test]
fn unknown_target_groups_get_a_suggestion_and_unused_ones_a_warning() {
    let e = errors(&with_listener(
        "      - {protocol: HTTP, port: 80, default_action: {forward: ap}}\n",
    ));
    assert_has(
        &e,
        &[
            "load_balancers.web.listeners[0].default_action.forward: found \"ap\", no target group has this name or ID; did you mean `app`?",
        ],
    );
    let v = load(&with_listener(
        "      - {protocol: HTTP, port: 80, default_action: {forward: app}}\n",
    ));
    let w = v.warnings.to_string();
    assert_has(
        &w,
        &["target_groups.canary: found \"canary\", no listener forwards to this target group"],
    );
}

#[test]
fn https_listeners_need_one_certificate_and_http_ones_take_none() {
    let e = errors(&with_listener(
        "      - {protocol: HTTPS, port: 443, default_action: {forward: app}}\n\
         \x20     - {protocol: HTTP, port: 80, ssl_policy: ELBSecurityPolicy-2016-08, default_action: {forward: app}}\n\
         \x20     - protocol: HTTPS\n        port: 8443\n        ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-6\n\
         \x20       certificate: {cert: /c.pem}\n        default_action: {forward: app}\n",
    ));
    assert_has(
        &e,
        &[
            "listeners[0].certificate: an HTTPS listener needs a default certificate",
            "listeners[1].ssl_policy: found \"ELBSecurityPolicy-2016-08\", applies to HTTPS listeners only",
            "listeners[2].ssl_policy: found \"ELBSecurityPolicy-TLS13-1-2-2021-6\", is not one of AWS's predefined security policies; did you mean `ELBSecurityPolicy-TLS13-1-2-2021-06`?",
            "listeners[2].certificate: a certificate is {cert: FILE, key: FILE} or {self_signed: [NAME, …]}",
        ],
    );
}

#[test]
fn fixed_responses_follow_aws_limits() {
    let body = "x".repeat(1025);
    let e = errors(&with_listener(&format!(
        "      - protocol: HTTP\n        port: 80\n        rules:\n\
         \x20         - {{priority: 1, conditions: {{path_pattern: [/a]}}, action: {{fixed_response: {{status_code: 302}}}}}}\n\
         \x20         - {{priority: 2, conditions: {{path_pattern: [/b]}}, action: {{fixed_response: {{status_code: 200, content_type: text/xml}}}}}}\n\
         \x20       default_action: {{fixed_response: {{status_code: 503, message_body: {body}}}}}\n"
    )));
    assert_has(
        &e,
        &[
            "rules[0].action.fixed_response.status_code: found \"302\", expected a 2XX, 4XX or 5XX status code",
            "rules[1].action.fixed_response.content_type: found \"text/xml\", expected text/plain, text/css, text/html, application/javascript or application/json",
            "listeners[0].default_action.fixed_response.message_body: 1025 bytes; AWS allows at most 1024",
        ],
    );
}

#[test]
fn redirects_must_change_something_and_use_placeholders_where_aws_allows() {
    let e = errors(&with_listener(
        "      - protocol: HTTPS\n        port: 443\n        certificate: {self_signed: [localhost]}\n        rules:\n\
         \x20         - {priority: 1, conditions: {path_pattern: [/a]}, action: {redirect: {host: '#{path}.example.com', status_code: HTTP_301}}}\n\
         \x20         - {priority: 2, conditions: {path_pattern: [/b]}, action: {redirect: {query: 'q=#{query}', status_code: HTTP_302}}}\n\
         \x20         - {priority: 3, conditions: {path_pattern: [/c]}, action: {redirect: {protocol: HTTP, status_code: HTTP_301}}}\n\
         \x20         - {priority: 4, conditions: {path_pattern: [/d]}, action: {redirect: {path: 'new', query: '?x', status_code: HTTP_307}}}\n\
         \x20         - {priority: 5, conditions: {path_pattern: [/e]}, action: {redirect: {port: '#{port}', path: '/#{path}', host: '#{hots}', status_code: HTTP_301}}}\n\
         \x20       default_action: {redirect: {path: '/x', status_code: HTTP_301}}\n",
    ));
    assert_has(
        &e,
        &[
            "rules[0].action.redirect.host: found \"#{path}.example.com\", `#{path}` may appear only in path or query (AWS)",
            "rules[1].action.redirect: a redirect must change at least one of protocol, host, port or path",
            "rules[2].action.redirect.protocol: found \"HTTP\", AWS does not allow redirecting from HTTPS to HTTP",
            "rules[3].action.redirect.path: found \"new\", a redirect path is absolute",
            "rules[3].action.redirect.query: found \"?x\", write the query without its leading `?`",
            "rules[3].action.redirect.status_code: found \"HTTP_307\", expected HTTP_301, HTTP_302",
            "rules[4].action.redirect.host: found \"#{hots}\", `#{hots}` is not a placeholder",
        ],
    );
    assert!(!e.contains("default_action"), "{e}");
}

#[test]
fn a_port_is_bound_once_per_address_across_load_balancers() {
    let e = errors(&format!(
        "{GROUPS}load_balancers:\n\
         \x20 web:\n    listeners: [{{protocol: HTTP, port: 80, default_action: {{forward: app}}}}]\n\
         \x20 api:\n    listeners:\n\
         \x20     - {{protocol: HTTP, address: 127.0.0.1, port: 80, default_action: {{forward: canary}}}}\n\
         \x20     - {{protocol: HTTP, address: 127.0.0.1, port: 8080, default_action: {{forward: canary}}}}\n\
         \x20     - {{protocol: HTTP, address: 127.0.0.2, port: 8080, default_action: {{forward: canary}}}}\n"
    ));
    assert_has(
        &e,
        &[
            "load_balancers.api.listeners[0].port: found \"80\", load_balancers.web.listeners[0] already listens on 0.0.0.0:80",
        ],
    );
    assert!(
        !e.contains("listeners[1]") && !e.contains("listeners[2]"),
        "{e}"
    );
}

#[test]
fn target_group_settings_follow_aws_ranges() {
    let e = errors(
        "target_groups:\n  app:\n    targets: [10.0.0.1, {instance: web-1}]\n\
         \x20   algorithm: least_outstanding_requests\n    slow_start_seconds: 60\n\
         \x20   deregistration_delay_seconds: 4000\n\
         \x20   health_check: {interval_seconds: 10, timeout_seconds: 10, healthy_threshold: 11, matcher: '100-199', path: health}\n\
         \x20   stickiness: {type: app_cookie}\n\
         \x20 bad_name: {port: 80}\n\
         load_balancers:\n  web:\n    listeners: [{protocol: HTTP, port: 80, default_action: {forward: app}}]\n",
    );
    assert_has(
        &e,
        &[
            "target_groups.app.targets[0]: found \"10.0.0.1\", the target names no port and the target group has none",
            "target_groups.app.targets[1].instance: found \"web-1\", no instance has this name or ID (none are defined)",
            "target_groups.app.slow_start_seconds: found \"60\", slow start cannot be combined with the least_outstanding_requests algorithm",
            "target_groups.app.deregistration_delay_seconds: found \"4000\", expected a whole number from 0 to 3600",
            "target_groups.app.health_check.timeout_seconds: found \"10\", the timeout (10 s) must be shorter than the interval (10 s)",
            "target_groups.app.health_check.healthy_threshold: found \"11\"",
            "target_groups.app.health_check.matcher: found \"100-199\"",
            "target_groups.app.health_check.path: found \"health\"",
            "target_groups.app.stickiness.type: found \"app_cookie\", app_cookie stickiness is not supported",
            "target_groups.bad_name: found \"bad_name\", a target group name has 1 to 32 letters, digits and hyphens",
        ],
    );
}

#[test]
fn forward_actions_split_between_one_to_five_weighted_groups() {
    let v = load(&with_listener(
        "      - protocol: HTTP\n        port: 80\n\
         \x20       default_action:\n          forward:\n\
         \x20           target_groups: [{name: app, weight: 3}, {name: canary, weight: 1}]\n\
         \x20           stickiness: {duration_seconds: 3600}\n",
    ));
    let Action::Forward(f) = &v.model.load_balancers[0].listeners[0].default_action else {
        panic!()
    };
    assert_eq!(
        f.target_groups.iter().map(|g| g.weight).collect::<Vec<_>>(),
        [3, 1]
    );
    assert_eq!(f.stickiness, Some(Duration::from_secs(3600)));
    let e = errors(&with_listener(
        "      - protocol: HTTP\n        port: 80\n\
         \x20       default_action: {forward: {target_groups: [{name: app, weight: 0}, {name: canary, weight: 1000}]}}\n",
    ));
    assert_has(
        &e,
        &[
            "default_action.forward.target_groups[1].weight: found \"1000\", expected a whole number from 0 to 999",
        ],
    );
    let e = errors(&with_listener(
        "      - protocol: HTTP\n        port: 80\n\
         \x20       default_action: {forward: {target_groups: [{name: app, weight: 0}]}}\n",
    ));
    assert_has(
        &e,
        &["default_action.forward.target_groups: at least one target group needs a weight above 0"],
    );
}
