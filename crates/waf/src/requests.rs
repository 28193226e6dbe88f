//! Requests to evaluate offline (`rampart waf test`), read from the formats users have:
//!
//! - **HAR** (HTTP Archive 1.2), as browsers' developer tools and proxies export it;
//! - **JSON lines**, one request per line:
//!   `{"method":"GET","uri":"/a?b=c","headers":[["Host","x"]],"body":"…"}` (`headers` may also be
//!   an object or a list of `{"name","value"}`; `body_base64` for binary bodies; optional
//!   `version`, `client_ip`, `ja3`, `ja4`, `id`);
//! - **HTTP transcripts**: raw HTTP/1.x requests, each after a `>>>` line (responses after
//!   `<<<` are skipped), or one bare request.

use std::net::IpAddr;

use serde_json::Value;

use crate::request::{Header, Request};

/// At most this many requests are read from one file.
pub const MAX_REQUESTS: usize = 1_000_000;

/// A request read from a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OwnedRequest {
    /// A name for reports: the JSON line's `id`, or the request's position.
    pub id: String,
    pub client_ip: IpAddr,
    pub method: String,
    pub uri: String,
    pub http_version: String,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub ja3: Option<String>,
    pub ja4: Option<String>,
}

impl OwnedRequest {
    /// Calls `f` with the borrowed form the engine evaluates; `inspect` is the body
    /// inspection limit (bytes).
    pub fn with<R>(&self, inspect: usize, f: impl FnOnce(&Request<'_>) -> R) -> R {
        let headers: Vec<Header<'_>> = self
            .headers
            .iter()
            .map(|(n, v)| Header { name: n, value: v })
            .collect();
        let req = Request {
            client_ip: self.client_ip,
            method: &self.method,
            uri: &self.uri,
            http_version: &self.http_version,
            headers: &headers,
            body: &self.body[..self.body.len().min(inspect)],
            body_len: Some(self.body.len() as u64),
            ja3: self.ja3.as_deref(),
            ja4: self.ja4.as_deref(),
        };
        f(&req)
    }
}

/// A problem reading a requests file: which request, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct ReadError {
    /// `line 3`, `$.log.entries[2]`, `request 4`.
    pub location: String,
    pub message: String,
}

fn err(location: impl Into<String>, message: impl Into<String>) -> ReadError {
    ReadError {
        location: location.into(),
        message: message.into(),
    }
}

/// The client address of requests that do not name one (TEST-NET-2).
const DEFAULT_CLIENT: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(198, 51, 100, 1));

/// Reads a requests file in any of the three formats, told apart by their first bytes.
pub fn read(text: &[u8]) -> Result<Vec<OwnedRequest>, ReadError> {
    let start = text
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(text.len());
    let rest = &text[start..];
    if rest.starts_with(b"{") {
        // one JSON document with `log`: HAR; otherwise JSON lines
        if let Ok(v) = serde_json::from_slice::<Value>(rest)
            && v.get("log").is_some()
        {
            return har(&v);
        }
        return json_lines(text);
    }
    transcripts(text)
}

fn json_lines(text: &[u8]) -> Result<Vec<OwnedRequest>, ReadError> {
    let mut out = Vec::new();
    for (i, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        if out.len() >= MAX_REQUESTS {
            return Err(err(format!("line {}", i + 1), "too many requests"));
        }
        let at = || format!("line {}", i + 1);
        let v: Value = serde_json::from_slice(line).map_err(|e| err(at(), e.to_string()))?;
        out.push(json_request(&v, &at(), out.len())?);
    }
    Ok(out)
}

fn str_field<'v>(v: &'v Value, k: &str, at: &str) -> Result<Option<&'v str>, ReadError> {
    match v.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(err(at, format!("`{k}` must be a string"))),
    }
}

fn json_request(v: &Value, at: &str, index: usize) -> Result<OwnedRequest, ReadError> {
    if !v.is_object() {
        return Err(err(at, "expected a JSON object"));
    }
    let method = str_field(v, "method", at)?.unwrap_or("GET").to_string();
    let uri = str_field(v, "uri", at)?
        .ok_or_else(|| err(at, "missing `uri`"))?
        .to_string();
    let mut headers = Vec::new();
    match v.get("headers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(m)) => {
            for (k, val) in m {
                let s = val
                    .as_str()
                    .ok_or_else(|| err(at, "header values must be strings"))?;
                headers.push((k.clone(), s.as_bytes().to_vec()));
            }
        }
        Some(Value::Array(a)) => {
            for h in a {
                let (n, val) = match h {
                    Value::Array(p) if p.len() == 2 => (p[0].as_str(), p[1].as_str()),
                    Value::Object(_) => (
                        h.get("name").and_then(Value::as_str),
                        h.get("value").and_then(Value::as_str),
                    ),
                    _ => (None, None),
                };
                match (n, val) {
                    (Some(n), Some(val)) => headers.push((n.to_string(), val.as_bytes().to_vec())),
                    _ => {
                        return Err(err(
                            at,
                            "each header is [name, value] or {\"name\", \"value\"}",
                        ));
                    }
                }
            }
        }
        Some(_) => return Err(err(at, "`headers` must be a list or an object")),
    }
    let body = match (str_field(v, "body", at)?, str_field(v, "body_base64", at)?) {
        (Some(_), Some(_)) => return Err(err(at, "`body` and `body_base64` are exclusive")),
        (Some(b), None) => b.as_bytes().to_vec(),
        (None, Some(b)) => {
            crate::base64::decode_padded(b).ok_or_else(|| err(at, "`body_base64` is not base64"))?
        }
        (None, None) => Vec::new(),
    };
    let client_ip = match str_field(v, "client_ip", at)? {
        None => DEFAULT_CLIENT,
        Some(s) => s
            .parse()
            .map_err(|_| err(at, format!("`client_ip`: {s:?} is not an IP address")))?,
    };
    Ok(OwnedRequest {
        id: str_field(v, "id", at)?.map_or_else(|| (index + 1).to_string(), str::to_string),
        client_ip,
        method,
        uri,
        http_version: str_field(v, "version", at)?
            .unwrap_or("HTTP/1.1")
            .to_string(),
        headers,
        body,
        ja3: str_field(v, "ja3", at)?.map(str::to_string),
        ja4: str_field(v, "ja4", at)?.map(str::to_string),
    })
}

fn har(v: &Value) -> Result<Vec<OwnedRequest>, ReadError> {
    let entries = v
        .pointer("/log/entries")
        .and_then(Value::as_array)
        .ok_or_else(|| err("$.log.entries", "a HAR file has a list of entries"))?;
    let mut out = Vec::with_capacity(entries.len().min(MAX_REQUESTS));
    for (i, e) in entries.iter().enumerate().take(MAX_REQUESTS) {
        let at = format!("$.log.entries[{i}].request");
        let r = e.get("request").ok_or_else(|| err(&at, "missing"))?;
        let method = str_field(r, "method", &at)?.unwrap_or("GET").to_string();
        let url = str_field(r, "url", &at)?.ok_or_else(|| err(&at, "missing `url`"))?;
        let (host, uri) = split_url(url);
        let mut headers: Vec<(String, Vec<u8>)> = Vec::new();
        for h in r
            .get("headers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (Some(n), Some(val)) = (
                h.get("name").and_then(Value::as_str),
                h.get("value").and_then(Value::as_str),
            ) else {
                return Err(err(&at, "each header has a name and a value"));
            };
            // HTTP/2 pseudo-headers are not headers
            if n.starts_with(':') {
                continue;
            }
            headers.push((n.to_string(), val.as_bytes().to_vec()));
        }
        if let Some(host) = host
            && !headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("host"))
        {
            headers.insert(0, ("host".into(), host.as_bytes().to_vec()));
        }
        let body = r
            .pointer("/postData/text")
            .and_then(Value::as_str)
            .map(|t| t.as_bytes().to_vec())
            .unwrap_or_default();
        let version = match str_field(r, "httpVersion", &at)?.unwrap_or("HTTP/1.1") {
            "h2" | "http/2.0" | "HTTP/2" => "HTTP/2.0",
            "h3" | "http/3" => "HTTP/3.0",
            v => v,
        };
        out.push(OwnedRequest {
            id: (i + 1).to_string(),
            client_ip: DEFAULT_CLIENT,
            method,
            uri: uri.to_string(),
            http_version: version.to_string(),
            headers,
            body,
            ja3: None,
            ja4: None,
        });
    }
    Ok(out)
}

/// `https://host:port/path?q` → (`host:port`, `/path?q`); a relative URL has no host.
fn split_url(url: &str) -> (Option<&str>, &str) {
    let Some(i) = url.find("://") else {
        return (None, url);
    };
    let rest = &url[i + 3..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let path = &rest[end..];
    let path = if path.is_empty() { "/" } else { path };
    // drop a fragment: browsers do not send it
    (Some(&rest[..end]), path)
}

fn transcripts(text: &[u8]) -> Result<Vec<OwnedRequest>, ReadError> {
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    let mut current: Option<Vec<u8>> = None;
    let mut marked = false;
    for line in text.split_inclusive(|&b| b == b'\n') {
        let t = line.trim_ascii_end();
        if t == b">>>" {
            marked = true;
            if let Some(b) = current.take() {
                blocks.push(b);
            }
            current = Some(Vec::new());
        } else if t == b"<<<" {
            if let Some(b) = current.take() {
                blocks.push(b);
            }
        } else if let Some(b) = current.as_mut() {
            b.extend_from_slice(line);
        } else if !marked {
            current = Some(line.to_vec());
        }
    }
    if let Some(b) = current.take() {
        blocks.push(b);
    }
    let mut out = Vec::new();
    for (i, b) in blocks.iter().enumerate().take(MAX_REQUESTS) {
        if b.trim_ascii().is_empty() {
            continue;
        }
        out.push(raw_request(b).map_err(|m| err(format!("request {}", i + 1), m))?);
        if let Some(r) = out.last_mut() {
            r.id = (i + 1).to_string();
        }
    }
    Ok(out)
}

/// One raw HTTP/1.x request: request line, headers (LF or CRLF), body by `Content-Length`
/// or the rest of the block.
pub fn raw_request(b: &[u8]) -> Result<OwnedRequest, String> {
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let b = &b[start..];
    let (head, body) = match memchr::memmem::find(b, b"\r\n\r\n") {
        Some(i) => (&b[..i], &b[i + 4..]),
        None => match memchr::memmem::find(b, b"\n\n") {
            Some(i) => (&b[..i], &b[i + 2..]),
            None => (b.trim_ascii_end(), &b[b.len()..]),
        },
    };
    let mut lines = head
        .split(|&c| c == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or_default();
    let line = std::str::from_utf8(line).map_err(|_| "the request line is not UTF-8")?;
    let mut parts = line.split(' ').filter(|p| !p.is_empty());
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Err(format!("{line:?} is not a request line"));
    };
    let version = parts.next().unwrap_or("HTTP/1.1");
    let mut headers = Vec::new();
    for l in lines {
        let Some(i) = memchr::memchr(b':', l) else {
            return Err(format!(
                "{:?} is not a header line",
                String::from_utf8_lossy(l)
            ));
        };
        let name = std::str::from_utf8(&l[..i]).map_err(|_| "a header name is not UTF-8")?;
        headers.push((name.trim().to_string(), l[i + 1..].trim_ascii().to_vec()));
    }
    let length = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| std::str::from_utf8(v).ok()?.trim().parse::<usize>().ok());
    let body = match length {
        Some(n) => body[..n.min(body.len())].to_vec(),
        // a transcript's body ends where the block does, without the newline before `<<<`
        None => body
            .strip_suffix(b"\r\n")
            .or_else(|| body.strip_suffix(b"\n"))
            .unwrap_or(body)
            .to_vec(),
    };
    Ok(OwnedRequest {
        id: String::new(),
        client_ip: DEFAULT_CLIENT,
        method: method.to_string(),
        uri: target.to_string(),
        http_version: version.to_string(),
        headers,
        body,
        ja3: None,
        ja4: None,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_in_every_header_shape() {
        let t = br#"{"method":"POST","uri":"/a?b=c","headers":[["Host","x"],["Content-Type","text/plain"]],"body":"hi"}
# a comment
{"uri":"/b","headers":{"User-Agent":"curl"},"client_ip":"192.0.2.1","id":"second"}
{"uri":"/c","headers":[{"name":"Cookie","value":"a=1"}],"body_base64":"AAE="}
"#;
        let r = read(t).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            (r[0].method.as_str(), r[0].uri.as_str(), &r[0].body[..]),
            ("POST", "/a?b=c", &b"hi"[..])
        );
        assert_eq!(r[1].id, "second");
        assert_eq!(r[1].client_ip.to_string(), "192.0.2.1");
        assert_eq!(r[1].method, "GET");
        assert_eq!(r[2].body, [0, 1]);
        assert_eq!(r[2].headers[0].0, "Cookie");
        let e = read(b"{\"uri\":\"/\"}\n{\"method\":\"GET\"}\n").unwrap_err();
        assert_eq!(e.to_string(), "line 2: missing `uri`");
    }

    #[test]
    fn har_entries() {
        let t = br#"{"log":{"version":"1.2","entries":[
          {"request":{"method":"POST","url":"https://shop.example/cart?id=7#top","httpVersion":"h2",
            "headers":[{"name":":authority","value":"shop.example"},{"name":"content-type","value":"application/json"}],
            "postData":{"mimeType":"application/json","text":"{\"q\":1}"}}},
          {"request":{"method":"GET","url":"http://a.example","httpVersion":"HTTP/1.1","headers":[{"name":"Host","value":"a.example"}]}}
        ]}}"#;
        let r = read(t).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].uri, "/cart?id=7#top");
        assert_eq!(r[0].http_version, "HTTP/2.0");
        assert_eq!(
            r[0].headers[0],
            ("host".to_string(), b"shop.example".to_vec())
        );
        assert_eq!(r[0].headers.len(), 2);
        assert_eq!(r[0].body, b"{\"q\":1}");
        assert_eq!(r[1].uri, "/");
        assert_eq!(r[1].headers.len(), 1);
    }

    #[test]
    fn transcripts_and_bare_requests() {
        let t = b">>>\nGET /a HTTP/1.1\nHost: x\n\n<<<\nHTTP/1.1 200 OK\n\n>>>\nPOST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcdef\n";
        let r = read(t).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].uri, "/a");
        assert_eq!(r[1].body, b"abc");
        let r = read(b"PUT /x HTTP/1.0\nA: b\n\nbody\n").unwrap();
        assert_eq!(
            (r[0].method.as_str(), &r[0].body[..]),
            ("PUT", &b"body"[..])
        );
        assert!(read(b">>>\nnonsense\n").is_err());
    }
}
