//! `rampart serve`, `reload`, `status` and `demo` as processes: reload under continuous load
//! loses no request, an invalid reload changes nothing, SIGTERM drains in-flight requests.

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

fn rampart() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rampart-serve-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// An origin that answers every request with its body `origin-ok`, after `delay`.
fn origin(delay: Duration) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    thread::spawn(move || {
        for s in l.incoming() {
            let Ok(mut s) = s else { continue };
            thread::spawn(move || {
                let mut r = BufReader::new(s.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    let mut head_done = false;
                    let mut path = String::new();
                    while r.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
                        if path.is_empty() {
                            path = line.split(' ').nth(1).unwrap_or("").to_owned();
                        }
                        if line == "\r\n" {
                            head_done = true;
                            break;
                        }
                        line.clear();
                    }
                    if !head_done {
                        return;
                    }
                    if path != "/health" {
                        thread::sleep(delay);
                    }
                    let body = "origin-ok";
                    if s.write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn config(port: u16, origin: SocketAddr, fixed_body: &str) -> String {
    format!(
        r#"
target_groups:
  app:
    targets: ["{origin}"]
    health_check: {{path: /health, interval_seconds: 5, timeout_seconds: 2, healthy_threshold: 2}}
load_balancers:
  web:
    listeners:
      - protocol: HTTP
        address: 127.0.0.1
        port: {port}
        rules:
          - priority: 1
            conditions: {{path_pattern: ["/version"]}}
            action: {{fixed_response: {{status_code: 200, content_type: text/plain, message_body: "{fixed_body}"}}}}
        default_action: {{forward: app}}
"#
    )
}

struct Daemon {
    child: Child,
    control: PathBuf,
}

impl Daemon {
    fn start(config: &Path, control: &Path, port: u16) -> Daemon {
        let child = rampart()
            .args(["serve", "-c"])
            .arg(config)
            .arg("--control")
            .arg(control)
            .args(["--threads", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let d = Daemon {
            child,
            control: control.to_owned(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() || !control.exists() {
            assert!(Instant::now() < deadline, "rampart serve did not start");
            thread::sleep(Duration::from_millis(50));
        }
        d
    }

    fn control(&self, cmd: &str) -> (bool, String) {
        let out = rampart()
            .arg(cmd)
            .arg("--control")
            .arg(&self.control)
            .output()
            .unwrap();
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(Instant::now() < deadline, "rampart serve did not stop");
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One keep-alive request; returns the status and body.
fn request(s: &mut TcpStream, path: &str) -> Option<(u16, String)> {
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: t.example\r\n\r\n").as_bytes())
        .ok()?;
    let mut r = BufReader::new(s.try_clone().ok()?);
    let mut status_line = String::new();
    r.read_line(&mut status_line).ok()?;
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut len = 0;
    loop {
        let mut l = String::new();
        r.read_line(&mut l).ok()?;
        if l == "\r\n" || l.is_empty() {
            break;
        }
        if let Some(v) = l.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some((status, String::from_utf8_lossy(&body).into_owned()))
}

#[test]
fn reload_under_load_loses_no_request_and_invalid_reload_changes_nothing() {
    let dir = temp_dir("reload");
    let cfg = dir.join("rampart.yaml");
    let port = free_port();
    let o = origin(Duration::ZERO);
    std::fs::write(&cfg, config(port, o, "v1")).unwrap();
    let mut d = Daemon::start(&cfg, &dir.join("control.sock"), port);

    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let mut load = Vec::new();
    for keep_alive in [true, false] {
        let (stop, ok, failed) = (stop.clone(), ok.clone(), failed.clone());
        load.push(thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
            while !stop.load(Ordering::SeqCst) && Instant::now() < deadline {
                if !keep_alive {
                    conn = TcpStream::connect(("127.0.0.1", port)).unwrap();
                }
                match request(&mut conn, "/") {
                    Some((200, b)) if b == "origin-ok" => ok.fetch_add(1, Ordering::SeqCst),
                    _ => failed.fetch_add(1, Ordering::SeqCst),
                };
            }
        }));
    }
    for v in 2..=6 {
        thread::sleep(Duration::from_millis(300));
        std::fs::write(&cfg, config(port, o, &format!("v{v}"))).unwrap();
        let (success, out) = d.control("reload");
        assert!(success, "reload failed: {out}");
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert_eq!(request(&mut s, "/version").unwrap().1, format!("v{v}"));
    }

    // an invalid configuration is refused with its errors; the old one keeps serving
    std::fs::write(
        &cfg,
        config(port, o, "v7").replace("priority: 1", "priority: 0"),
    )
    .unwrap();
    let (success, out) = d.control("reload");
    assert!(!success);
    assert!(out.contains("priority"), "the refusal says why: {out}");
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(request(&mut s, "/version").unwrap().1, "v6");

    stop.store(true, Ordering::SeqCst);
    for t in load {
        t.join().unwrap();
    }
    let (ok, failed) = (ok.load(Ordering::SeqCst), failed.load(Ordering::SeqCst));
    assert!(ok > 100, "only {ok} requests were served");
    assert_eq!(
        failed,
        0,
        "{failed} of {} requests failed across reloads",
        ok + failed
    );

    let (success, status) = d.control("status");
    assert!(success);
    assert!(
        status.contains("rampart_lb_RequestCount{load_balancer=\"web\"}"),
        "{status}"
    );
    assert!(d.terminate().success());
}

#[test]
fn sigterm_lets_in_flight_requests_finish() {
    let dir = temp_dir("drain");
    let cfg = dir.join("rampart.yaml");
    let port = free_port();
    let o = origin(Duration::from_millis(1500));
    std::fs::write(&cfg, config(port, o, "v1")).unwrap();
    let mut d = Daemon::start(&cfg, &dir.join("control.sock"), port);
    let client = thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        request(&mut s, "/slow")
    });
    thread::sleep(Duration::from_millis(400));
    let status = d.terminate();
    assert!(status.success(), "{status:?}");
    assert_eq!(client.join().unwrap(), Some((200, "origin-ok".to_owned())));
    assert!(
        TcpStream::connect(("127.0.0.1", port)).is_err(),
        "nothing listens after shutdown"
    );
}

#[test]
fn demo_serves_its_embedded_configuration() {
    let dir = temp_dir("demo");
    let (http, https) = (free_port(), free_port());
    let control = dir.join("demo.sock");
    let mut child = rampart()
        .args([
            "demo",
            "--http-port",
            &http.to_string(),
            "--https-port",
            &https.to_string(),
        ])
        .arg("--control")
        .arg(&control)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", http)).is_err() {
        assert!(Instant::now() < deadline, "rampart demo did not start");
        thread::sleep(Duration::from_millis(50));
    }
    let mut s = TcpStream::connect(("127.0.0.1", http)).unwrap();
    let (status, body) = request(&mut s, "/").unwrap();
    assert_eq!(status, 200);
    assert!(body.starts_with("served by web-"), "{body}");
    assert!(
        body.to_ascii_lowercase()
            .contains("x-forwarded-for: 127.0.0.1"),
        "{body}"
    );
    let (status, _) = request(&mut s, "/login").unwrap();
    assert_eq!(status, 301);
    // the demo's web ACL blocks admin paths before the listener rules see them
    let (status, _) = request(&mut s, "/admin/users").unwrap();
    assert_eq!(status, 403);
    let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["waf", "sampled", "--web-acl", "demo", "--control"])
        .arg(&control)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sampled: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sampled["SampledRequests"][0]["Action"], "BLOCK");
    assert_eq!(
        sampled["SampledRequests"][0]["Request"]["URI"],
        "/admin/users"
    );
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status = child.wait().unwrap();
    assert!(status.success());
    let mut out = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    assert!(out.contains("curl"), "the demo prints what to try: {out}");
}
