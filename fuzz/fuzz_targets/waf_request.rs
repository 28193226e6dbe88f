//! A whole request through Rampart's default web ACL (every managed rule group): header,
//! cookie, query, multipart, form and JSON body extraction, transformations and detectors on
//! arbitrary bytes; and the same bytes as a `rampart waf test` requests file.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static ACL: LazyLock<waf::WebAcl> = LazyLock::new(|| {
    let text = include_str!("../../examples/waf/default-web-acl.json");
    let loaded = waf::acl::load_web_acl(text).expect("the default web ACL loads");
    waf::compile(&loaded.value, loaded.search_strings, &waf::Resources::default())
        .expect("the default web ACL compiles")
});

const CONTENT_TYPES: [&[u8]; 4] = [
    b"multipart/form-data; boundary=XyZ",
    b"application/json",
    b"application/x-www-form-urlencoded",
    b"text/plain",
];

fuzz_target!(|data: &[u8]| {
    let _ = waf::requests::read(data);
    // first byte: content type; then `uri \n cookie \n header value \n body`
    let Some((&pick, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(4, |&b| b == b'\n');
    let uri = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let cookie = parts.next().unwrap_or_default();
    let value = parts.next().unwrap_or_default();
    let body = parts.next().unwrap_or_default();
    let headers = [
        waf::Header { name: "Host", value: b"shop.example" },
        waf::Header { name: "User-Agent", value },
        waf::Header { name: "Cookie", value: cookie },
        waf::Header { name: "Content-Type", value: CONTENT_TYPES[usize::from(pick) % 4] },
    ];
    let req = waf::Request {
        client_ip: std::net::IpAddr::from([198, 51, 100, 7]),
        method: "POST",
        uri: &uri,
        http_version: "HTTP/1.1",
        headers: &headers,
        body,
        body_len: Some(body.len() as u64),
        ja3: None,
        ja4: None,
    };
    let _ = ACL.evaluate(&req, waf::Options { now: 1_700_000_000, trace: true, ..Default::default() });
});
