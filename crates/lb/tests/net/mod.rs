//! Real servers and clients on loopback for the load balancer's tests.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An HTTP/1.1 origin on loopback. It answers `/health` with 200 (or 500 when told to be
/// sick), `/hang` never, `/stall` with a head and the start of a body it never finishes,
/// `/ws` with a WebSocket echo, and anything else with its name and the request head it
/// received, so tests can see what the load balancer forwarded; `/sleep/<ms>` after that
/// many milliseconds; `/bytes/<n>` with n bytes (`i % 251` for byte i); `/early-hints`
/// with a 103 before its 200.
pub struct Origin {
    pub addr: SocketAddr,
    pub name: String,
    pub requests: Arc<AtomicUsize>,
    pub sick: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
    killed: tokio::sync::watch::Sender<bool>,
}

impl Origin {
    pub async fn start(name: &str) -> Origin {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(name, listener)
    }

    pub async fn start_on(name: &str, port: u16) -> Origin {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        Self::serve(name, listener)
    }

    fn serve(name: &str, listener: TcpListener) -> Origin {
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let sick = Arc::new(AtomicBool::new(false));
        let (n, r, s) = (name.to_owned(), requests.clone(), sick.clone());
        let (killed, watch) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (n, r, s) = (n.clone(), r.clone(), s.clone());
                let mut dead = watch.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = origin_conn(stream, &n, &r, &s) => {}
                        _ = dead.wait_for(|k| *k) => {}
                    }
                });
            }
        });
        Origin {
            addr,
            name: name.to_owned(),
            requests,
            sick,
            task,
            killed,
        }
    }

    /// Stops listening and drops every open connection, as a crashed process would.
    pub fn kill(&self) {
        self.task.abort();
        let _ = self.killed.send(true);
    }
}

impl Drop for Origin {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn origin_conn(
    mut s: TcpStream,
    name: &str,
    requests: &AtomicUsize,
    sick: &AtomicBool,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    loop {
        let Some((head, body_start)) = read_head(&mut s, &mut buf).await? else {
            return Ok(());
        };
        let lower = head.to_ascii_lowercase();
        let cl: usize = header(&lower, "content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        let chunked = header(&lower, "transfer-encoding").is_some_and(|v| v.contains("chunked"));
        let mut body = buf[body_start..].to_vec();
        if chunked {
            while !body.windows(5).any(|w| w == b"0\r\n\r\n") {
                let mut tmp = [0u8; 4096];
                let n = s.read(&mut tmp).await?;
                if n == 0 {
                    return Ok(());
                }
                body.extend_from_slice(&tmp[..n]);
            }
            let end = body.windows(5).position(|w| w == b"0\r\n\r\n").unwrap() + 5;
            body.truncate(end);
        } else {
            while body.len() < cl {
                let mut tmp = [0u8; 4096];
                let n = s.read(&mut tmp).await?;
                if n == 0 {
                    return Ok(());
                }
                body.extend_from_slice(&tmp[..n]);
            }
            body.truncate(cl);
        }
        buf.clear();
        let path = head.split(' ').nth(1).unwrap_or("/").to_owned();
        if path == "/health" {
            let status = if sick.load(Ordering::SeqCst) {
                "500 Internal Server Error"
            } else {
                "200 OK"
            };
            s.write_all(format!("HTTP/1.1 {status}\r\nContent-Length: 3\r\n\r\nok\n").as_bytes())
                .await?;
            continue;
        }
        requests.fetch_add(1, Ordering::SeqCst);
        if path == "/hang" {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        if path == "/stall" {
            s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial")
                .await?;
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return Ok(());
        }
        if path == "/early-hints" {
            s.write_all(
                b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
            )
            .await?;
            continue;
        }
        if let Some(n) = path
            .strip_prefix("/bytes/")
            .and_then(|n| n.parse::<usize>().ok())
        {
            let body: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            s.write_all(format!("HTTP/1.1 200 OK\r\nContent-Length: {n}\r\n\r\n").as_bytes())
                .await?;
            s.write_all(&body).await?;
            continue;
        }
        if let Some(ms) = path.strip_prefix("/sleep/").and_then(|m| m.parse().ok()) {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        if path == "/chunked" {
            s.write_all(
                b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n",
            )
            .await?;
            continue;
        }
        if path == "/ws" {
            return websocket_echo(s, &lower).await;
        }
        let text = format!("origin={name}\nbody-bytes={}\n{head}", body.len());
        s.write_all(
            format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Origin: {name}\r\nContent-Length: {}\r\n\r\n{text}",
                text.len()
            )
            .as_bytes(),
        )
        .await?;
    }
}

fn header<'a>(lower_head: &'a str, name: &str) -> Option<&'a str> {
    lower_head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == name).then(|| v.trim())
    })
}

/// Reads one head into `buf`; returns it as text and where the body starts.
async fn read_head<S: AsyncRead + Unpin>(
    s: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<Option<(String, usize)>> {
    loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).into_owned();
            return Ok(Some((head, i + 4)));
        }
        let mut tmp = [0u8; 8192];
        let n = s.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    }
}

/// A minimal RFC 6455 echo: the handshake, then each client frame (masked) back unmasked.
async fn websocket_echo(mut s: TcpStream, lower_head: &str) -> std::io::Result<()> {
    let key = header(lower_head, "sec-websocket-key")
        .unwrap_or("")
        .to_owned();
    // the key is case-sensitive; recover it from the lowercased head's position is not
    // possible, so the test client sends an all-lowercase key
    let accept = websocket_accept(&key);
    s.write_all(
        format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
        )
        .as_bytes(),
    )
    .await?;
    loop {
        let mut h = [0u8; 2];
        if s.read_exact(&mut h).await.is_err() {
            return Ok(());
        }
        let len = (h[1] & 0x7f) as usize;
        assert!(len < 126, "test frames are short");
        let mut mask = [0u8; 4];
        s.read_exact(&mut mask).await?;
        let mut payload = vec![0u8; len];
        s.read_exact(&mut payload).await?;
        for (i, b) in payload.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        let mut frame = vec![h[0], len as u8];
        frame.extend_from_slice(&payload);
        s.write_all(&frame).await?;
    }
}

pub fn websocket_accept(key: &str) -> String {
    let mut input = key.as_bytes().to_vec();
    input.extend_from_slice(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    base64(digest.as_ref())
}

fn base64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A response as a raw HTTP/1.1 client sees it.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<String> {
        let lower = name.to_ascii_lowercase();
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.trim().to_ascii_lowercase() == lower).then(|| v.trim().to_owned())
        })
    }

    pub fn headers(&self, name: &str) -> Vec<String> {
        let lower = name.to_ascii_lowercase();
        self.head
            .lines()
            .filter_map(|l| {
                let (k, v) = l.split_once(':')?;
                (k.trim().to_ascii_lowercase() == lower).then(|| v.trim().to_owned())
            })
            .collect()
    }

    /// The origin that served it.
    pub fn origin(&self) -> Option<String> {
        self.header("x-origin")
    }
}

/// Reads one response (Content-Length bodies, or until close).
pub async fn read_reply<S: AsyncRead + Unpin>(s: &mut S, buf: &mut Vec<u8>) -> Option<Reply> {
    let (head, start) = read_head(s, buf).await.ok()??;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let lower = head.to_ascii_lowercase();
    let body = match header(&lower, "content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(n) => {
            while buf.len() < start + n {
                let mut tmp = [0u8; 8192];
                let k = s.read(&mut tmp).await.ok()?;
                if k == 0 {
                    return None;
                }
                buf.extend_from_slice(&tmp[..k]);
            }
            let body = String::from_utf8_lossy(&buf[start..start + n]).into_owned();
            buf.drain(..start + n);
            body
        }
        None if status == 101 || status == 204 || status == 304 => {
            buf.drain(..start);
            String::new()
        }
        None => {
            let mut rest = buf[start..].to_vec();
            let _ = s.read_to_end(&mut rest).await;
            buf.clear();
            String::from_utf8_lossy(&rest).into_owned()
        }
    };
    Some(Reply { status, head, body })
}

/// Sends raw bytes on a new connection and reads one response.
pub async fn raw(addr: SocketAddr, request: &[u8]) -> Option<Reply> {
    let mut s = TcpStream::connect(addr).await.ok()?;
    s.write_all(request).await.ok()?;
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), read_reply(&mut s, &mut buf))
        .await
        .ok()?
}

/// A GET with extra header lines (`"Name: value"`).
pub async fn get(addr: SocketAddr, path: &str, headers: &[&str]) -> Reply {
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: test.example.com\r\n");
    for h in headers {
        req.push_str(h);
        req.push_str("\r\n");
    }
    req.push_str("Connection: close\r\n\r\n");
    raw(addr, req.as_bytes()).await.expect("a response")
}

/// Whether the peer has closed the connection (reads EOF within the timeout).
pub async fn closed_within<S: AsyncRead + Unpin>(s: &mut S, t: Duration) -> bool {
    let mut b = [0u8; 1];
    matches!(
        tokio::time::timeout(t, s.read(&mut b)).await,
        Ok(Ok(0)) | Ok(Err(_))
    )
}

/// Loads a configuration from YAML text, panicking with its diagnostics.
pub fn model(yaml: &str) -> model::Model {
    match model::load_str(yaml, "test.yaml") {
        Ok(v) => v.model,
        Err(e) => panic!("invalid test configuration:\n{e}\n{yaml}"),
    }
}

/// Starts a server for the YAML and waits until its listeners accept.
pub async fn serve(yaml: &str) -> lb::Server {
    let server = lb::Server::start(Arc::new(model(yaml))).await.unwrap();
    for addr in server.local_addrs() {
        for _ in 0..100 {
            if TcpStream::connect(addr).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    server
}

pub async fn write_all<S: AsyncWrite + Unpin>(s: &mut S, b: &[u8]) {
    s.write_all(b).await.unwrap();
}
