//! Listener-rule evaluation against simple oracles: the wildcard matcher against a naive
//! recursive one, and `Listener::route` (on a listener loaded from YAML, rules written in any
//! order) against "the lowest-priority rule whose conditions all match".
#![allow(clippy::unwrap_used)]

use std::net::IpAddr;

use model::{RequestFacts, RuleRef, wildcard_match};
use proptest::prelude::*;

/// The definition: `*` any run, `?` one byte, literals equal (ignoring ASCII case if asked),
/// and nothing matches a control byte.
fn oracle_match(p: &[u8], s: &[u8], ci: bool) -> bool {
    if s.iter().any(|&b| b < 0x20 || b == 0x7f) {
        return false;
    }
    fn go(p: &[u8], s: &[u8], ci: bool) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|k| go(rest, &s[k..], ci)),
            Some((b'?', rest)) => !s.is_empty() && go(rest, &s[1..], ci),
            Some((&c, rest)) => s.first().is_some_and(|&d| {
                (if ci {
                    c.eq_ignore_ascii_case(&d)
                } else {
                    c == d
                }) && go(rest, &s[1..], ci)
            }),
        }
    }
    go(p, s, ci)
}

fn bytes_of(alphabet: &'static [u8], max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(alphabet), 0..=max)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn wildcard_matcher_agrees_with_the_definition(
        pattern in bytes_of(b"aAb*?", 8),
        input in bytes_of(b"aAbB\x01", 10),
        ci in any::<bool>(),
    ) {
        prop_assert_eq!(
            wildcard_match(&pattern, &input, ci),
            oracle_match(&pattern, &input, ci),
            "pattern {:?} input {:?}", String::from_utf8_lossy(&pattern), String::from_utf8_lossy(&input)
        );
    }

    #[test]
    fn a_pattern_matches_the_text_it_was_made_from(
        text in bytes_of(b"abcXYZ/.-", 12),
        holes in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 0..4),
    ) {
        let mut p = text.clone();
        for (at, star) in holes {
            if p.is_empty() { break; }
            let i = at.index(p.len());
            p[i] = if star { b'*' } else { b'?' };
        }
        prop_assert!(wildcard_match(&p, &text, false));
        prop_assert!(wildcard_match(&p.to_ascii_uppercase(), &text, true));
    }
}

const HOST_PATTERNS: &[&str] = &[
    "*.example.com",
    "a.example.com",
    "?.example.com",
    "*.test",
    "admin.*",
    "A.EXAMPLE.COM",
];
const HOSTS: &[&str] = &[
    "a.example.com",
    "b.example.com",
    "example.com",
    "admin.test",
    "x.test",
    "A.Example.com",
];
const PATH_PATTERNS: &[&str] = &["/api/*", "/a?i/*", "*.jpg", "/", "/API/*", "*"];
const PATHS: &[&str] = &["/api/x", "/API/x", "/img/a.jpg", "/", "/abi/y"];
const METHODS: &[&str] = &["GET", "POST", "HEAD"];
const ENV_PATTERNS: &[&str] = &["blue", "b*", "GREEN"];
const ENVS: &[&str] = &["blue", "Bright", "green", "red"];
const QUERY_KEYS: &[Option<&str>] = &[None, Some("v"), Some("V*")];
const QUERY_VALUES: &[&str] = &["1", "*", "x?"];
const QUERIES: &[Option<&str>] = &[None, Some(""), Some("v=1"), Some("V=xy"), Some("a=b&v=x1")];
const CIDRS: &[&str] = &["10.0.0.0/8", "192.168.0.0/16"];
const SOURCES: &[&str] = &["10.1.1.1", "192.168.1.1", "8.8.8.8"];

#[derive(Clone, Debug)]
enum Cond {
    Host(Vec<usize>),
    Path(Vec<usize>),
    Method(Vec<usize>),
    Env(usize),
    Query(usize, usize),
    Source(usize),
}

#[derive(Clone, Debug)]
struct Rule {
    priority: u32,
    conds: Vec<Cond>,
}

#[derive(Clone, Debug)]
struct Req {
    host: usize,
    path: usize,
    method: usize,
    env: Option<usize>,
    query: usize,
    source: usize,
}

fn idx(n: usize) -> impl Strategy<Value = usize> {
    0..n
}

fn cond() -> impl Strategy<Value = Cond> {
    prop_oneof![
        prop::collection::vec(idx(HOST_PATTERNS.len()), 1..=2).prop_map(Cond::Host),
        prop::collection::vec(idx(PATH_PATTERNS.len()), 1..=2).prop_map(Cond::Path),
        prop::collection::vec(idx(METHODS.len()), 1..=2).prop_map(Cond::Method),
        idx(ENV_PATTERNS.len()).prop_map(Cond::Env),
        (idx(QUERY_KEYS.len()), idx(QUERY_VALUES.len())).prop_map(|(k, v)| Cond::Query(k, v)),
        idx(CIDRS.len()).prop_map(Cond::Source),
    ]
}

/// At most one condition of each kind per rule, as AWS (and a YAML mapping) allows.
fn rule() -> impl Strategy<Value = Rule> {
    (1u32..60, prop::collection::vec(cond(), 1..=2)).prop_map(|(priority, mut conds)| {
        conds.dedup_by_key(|c| std::mem::discriminant(c));
        Rule { priority, conds }
    })
}

fn rules() -> impl Strategy<Value = Vec<Rule>> {
    prop::collection::vec(rule(), 0..6)
        .prop_map(|mut v| {
            let mut seen = std::collections::HashSet::new();
            v.retain(|r| seen.insert(r.priority));
            v
        })
        .prop_shuffle()
}

fn req() -> impl Strategy<Value = Req> {
    (
        idx(HOSTS.len()),
        idx(PATHS.len()),
        idx(METHODS.len()),
        prop::option::of(idx(ENVS.len())),
        idx(QUERIES.len()),
        idx(SOURCES.len()),
    )
        .prop_map(|(host, path, method, env, query, source)| Req {
            host,
            path,
            method,
            env,
            query,
            source,
        })
}

fn quoted(list: &[usize], from: &[&str]) -> String {
    let v: Vec<String> = list.iter().map(|&i| format!("{:?}", from[i])).collect();
    format!("[{}]", v.join(", "))
}

fn yaml(rules: &[Rule]) -> String {
    let mut y = String::from(
        "target_groups:\n  app: {port: 80, targets: [10.0.0.1]}\n\
         load_balancers:\n  web:\n    listeners:\n      - protocol: HTTP\n        port: 80\n\
         \x20       default_action: {fixed_response: {status_code: 404}}\n        rules:\n",
    );
    if rules.is_empty() {
        y = y.replace("        rules:\n", "");
        y.push_str("      - {protocol: HTTP, port: 81, default_action: {forward: app}}\n");
        return y;
    }
    for r in rules {
        let mut c = Vec::new();
        for cond in &r.conds {
            c.push(match cond {
                Cond::Host(v) => format!("host_header: {}", quoted(v, HOST_PATTERNS)),
                Cond::Path(v) => format!("path_pattern: {}", quoted(v, PATH_PATTERNS)),
                Cond::Method(v) => format!("http_request_method: {}", quoted(v, METHODS)),
                Cond::Env(i) => format!(
                    "http_header: [{{name: X-Env, values: [{:?}]}}]",
                    ENV_PATTERNS[*i]
                ),
                Cond::Query(k, v) => match QUERY_KEYS[*k] {
                    Some(k) => format!(
                        "query_string: [{{key: {k:?}, value: {:?}}}]",
                        QUERY_VALUES[*v]
                    ),
                    None => format!("query_string: [{{value: {:?}}}]", QUERY_VALUES[*v]),
                },
                Cond::Source(i) => format!("source_ip: [{}]", CIDRS[*i]),
            });
        }
        y.push_str(&format!(
            "          - priority: {}\n            conditions: {{{}}}\n            action: {{fixed_response: {{status_code: {}}}}}\n",
            r.priority,
            c.join(", "),
            200 + r.priority
        ));
    }
    y.push_str("      - {protocol: HTTP, port: 81, default_action: {forward: app}}\n");
    y
}

fn oracle_cond(c: &Cond, r: &Req) -> bool {
    let ci = |p: &str, s: &str| oracle_match(p.as_bytes(), s.as_bytes(), true);
    match c {
        Cond::Host(v) => v.iter().any(|&i| ci(HOST_PATTERNS[i], HOSTS[r.host])),
        Cond::Path(v) => v
            .iter()
            .any(|&i| oracle_match(PATH_PATTERNS[i].as_bytes(), PATHS[r.path].as_bytes(), false)),
        Cond::Method(v) => v.contains(&r.method),
        Cond::Env(i) => r.env.is_some_and(|e| ci(ENV_PATTERNS[*i], ENVS[e])),
        Cond::Query(k, v) => QUERIES[r.query].is_some_and(|q| {
            q.split('&').filter(|p| !p.is_empty()).any(|param| {
                let (key, value) = param.split_once('=').unwrap_or((param, ""));
                QUERY_KEYS[*k].is_none_or(|pk| ci(pk, key)) && ci(QUERY_VALUES[*v], value)
            })
        }),
        Cond::Source(i) => {
            let ip: IpAddr = SOURCES[r.source].parse().unwrap();
            let cidr: model::Cidr = CIDRS[*i].parse().unwrap();
            cidr.contains(ip)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn route_picks_the_lowest_priority_rule_whose_conditions_all_match(
        rules in rules(),
        reqs in prop::collection::vec(req(), 1..8),
    ) {
        let y = yaml(&rules);
        let loaded = model::load_str(&y, "route.yaml");
        // the generator can exceed AWS's 5 wildcards per rule, which validation rightly refuses
        prop_assume!(!matches!(&loaded, Err(e) if e.to_string().contains("wildcards")));
        let m = loaded.map_err(|e| TestCaseError::fail(format!("{e}\n{y}"))).unwrap().model;
        let listener = &m.load_balancers[0].listeners[0];
        prop_assert!(listener.rules.windows(2).all(|w| w[0].priority < w[1].priority));
        for r in &reqs {
            let env_header;
            let headers: &[(&str, &[u8])] = match r.env {
                Some(e) => {
                    env_header = [("x-env", ENVS[e].as_bytes())];
                    &env_header
                }
                None => &[],
            };
            let facts = RequestFacts {
                method: METHODS[r.method],
                host: Some(HOSTS[r.host]),
                path: PATHS[r.path],
                query: QUERIES[r.query],
                headers,
                source_ip: SOURCES[r.source].parse().unwrap(),
            };
            let expected = rules
                .iter()
                .filter(|rule| rule.conds.iter().all(|c| oracle_cond(c, r)))
                .map(|rule| rule.priority)
                .min();
            let got = listener.route(&facts).rule;
            prop_assert_eq!(got, expected.map_or(RuleRef::Default, RuleRef::Priority), "{:?}\n{}", r, y);
        }
    }
}
