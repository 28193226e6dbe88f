//! Access log lines: AWS's format, hostile input, the writer thread and rotation.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, UNIX_EPOCH};

use common::TempDir;
use lb::internals::AccessLogHandle;
use lb::{AccessLogRecord, LogType, parse_line};

fn aws_example() -> AccessLogRecord {
    let t = |secs: u64, micros: u64| {
        UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(micros)
    };
    let mut r = AccessLogRecord::new(
        LogType::Https,
        "app/my-loadbalancer/50dc6c495c0c9188",
        "192.168.131.39:2817".parse().unwrap(),
        t(1_530_570_180, 186_641),
    );
    r.target = Some("10.0.0.1:80".parse().unwrap());
    r.request_processing_time = Some(Duration::from_millis(86));
    r.target_processing_time = Some(Duration::from_millis(48));
    r.response_processing_time = Some(Duration::from_millis(37));
    r.elb_status_code = Some(200);
    r.target_status_code = Some(200);
    r.received_bytes = 0;
    r.sent_bytes = 57;
    r.request = lb::request_field("GET", "https", "www.example.com", 443, "/", "HTTP/1.1");
    r.user_agent = Some("curl/7.46.0".into());
    r.ssl_cipher = Some("ECDHE-RSA-AES128-GCM-SHA256");
    r.ssl_protocol = Some("TLSv1.2");
    r.target_group_arn = Some(
        "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067"
            .into(),
    );
    r.trace_id = Some("Root=1-58337281-1d84f3d73c47ec4e58577259".into());
    r.domain_name = Some("www.example.com".into());
    r.chosen_cert_arn = Some(
        "arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012"
            .into(),
    );
    r.matched_rule_priority = Some(1);
    r.request_creation_time = t(1_530_570_168, 364_000);
    r.actions_executed = vec!["authenticate", "forward"];
    r.target_port_list = vec!["10.0.0.1:80".parse().unwrap()];
    r.target_status_code_list = vec![200];
    r
}

/// The HTTPS example of AWS's access log documentation.
const AWS_LINE: &str = "https 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.086 0.048 0.037 200 200 0 57 \"GET https://www.example.com:443/ HTTP/1.1\" \"curl/7.46.0\" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 \"Root=1-58337281-1d84f3d73c47ec4e58577259\" \"www.example.com\" \"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012\" 1 2018-07-02T22:22:48.364000Z \"authenticate,forward\" \"-\" \"-\" \"10.0.0.1:80\" \"200\" \"-\" \"-\"";

#[test]
fn a_record_is_written_exactly_as_aws_writes_it() {
    assert_eq!(aws_example().to_line(), AWS_LINE);
    let fields = parse_line(AWS_LINE).unwrap();
    assert_eq!(fields.len(), lb::ACCESS_LOG_FIELDS);
    assert_eq!(fields[12], "GET https://www.example.com:443/ HTTP/1.1");
    assert_eq!(fields[22], "authenticate,forward");
    assert_eq!(fields[28], "-");
}

#[test]
fn a_failed_request_without_target_uses_dashes_and_minus_one() {
    let mut r = AccessLogRecord::new(
        LogType::Http,
        "app/web",
        "[2001:db8::1]:40000".parse().unwrap(),
        UNIX_EPOCH,
    );
    r.request_processing_time = Some(Duration::ZERO);
    r.elb_status_code = Some(403);
    r.request = "GET http://example.com:80/admin HTTP/1.1".into();
    r.actions_executed = vec!["waf"];
    r.matched_rule_priority = None;
    r.classification = Some("Acceptable");
    r.classification_reason = Some("SpaceInUri");
    r.target_group_arn = Some(lb::target_group_arn("web"));
    let line = r.to_line();
    assert_eq!(
        line,
        "http 1970-01-01T00:00:00.000000Z app/web [2001:db8::1]:40000 - 0.000 -1 -1 403 - 0 0 \
         \"GET http://example.com:80/admin HTTP/1.1\" \"-\" - - \
         arn:rampart:elasticloadbalancing:local:000000000000:targetgroup/web \"-\" \"-\" \"-\" - \
         1970-01-01T00:00:00.000000Z \"waf\" \"-\" \"-\" \"-\" \"-\" \"Acceptable\" \"SpaceInUri\""
    );
    assert_eq!(parse_line(&line).unwrap().len(), 29);
}

#[test]
fn parsers_accept_fields_appended_after_the_29th() {
    let line = format!("{AWS_LINE} \"TID_1234\" future-field");
    let fields = parse_line(&line).unwrap();
    assert_eq!(fields.len(), 31);
    assert_eq!(fields[29], "TID_1234");
    assert_eq!(fields[30], "future-field");
    assert!(parse_line("http 2018-07-02T22:23:00.186641Z app/x").is_err());
    assert!(parse_line(&AWS_LINE.replace("\"curl/7.46.0\"", "\"curl")).is_err());
}

#[test]
fn hostile_bytes_cannot_split_or_forge_a_line() {
    let hostile = [
        "evil\" 200 \"forged",
        "line\nbreak\r\nhttp 1970-01-01T00:00:00.000000Z forged",
        "nul\0byte\x1b[31m\x7f",
        "back\\slash\\\" end\\",
        "unicode é ☃ \u{2028}",
    ];
    for ua in hostile {
        let mut r = aws_example();
        r.user_agent = Some(ua.into());
        r.request = format!("GET http://h:80/{ua} HTTP/1.1");
        r.domain_name = Some(ua.into());
        r.elb = format!("app/{ua}");
        let line = r.to_line();
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\0'));
        let fields = parse_line(&line).unwrap();
        assert_eq!(fields.len(), 29, "{line}");
        assert_eq!(fields[2], format!("app/{ua}"));
        assert_eq!(fields[12], format!("GET http://h:80/{ua} HTTP/1.1"));
        assert_eq!(fields[13], ua);
        assert_eq!(fields[18], ua);
        assert_eq!(fields[8], "200");
    }
    let mut r = aws_example();
    r.user_agent = Some("a\"b".into());
    assert!(r.to_line().contains(r#" "a\"b" "#));
}

#[test]
fn long_user_agents_are_truncated_at_8_kib() {
    let mut r = aws_example();
    r.user_agent = Some("x".repeat(20_000));
    let fields = parse_line(&r.to_line()).unwrap();
    assert_eq!(fields[13].len(), 8192);
}

#[test]
fn the_writer_creates_its_directory_and_flushes_within_a_second() {
    let dir = TempDir::new("log");
    let cfg = model::AccessLog {
        path: dir.path().join("nested/deeper/access.log"),
        max_bytes: 1 << 20,
        max_files: 3,
    };
    let log = AccessLogHandle::spawn(&cfg).unwrap();
    let clone = log.clone();
    clone.log(aws_example());
    std::thread::sleep(Duration::from_millis(1600));
    let text = std::fs::read_to_string(&cfg.path).unwrap();
    assert_eq!(text, format!("{AWS_LINE}\n"));
    assert_eq!(log.stats(), (1, 0));
    drop(clone);
    log.shutdown();
    log.log(aws_example());
    assert_eq!(log.stats(), (1, 1));
}

#[test]
fn files_rotate_by_size_and_keep_max_files() {
    let dir = TempDir::new("rotate");
    let cfg = model::AccessLog {
        path: dir.path().join("access.log"),
        max_bytes: 2000,
        max_files: 2,
    };
    let line_len = AWS_LINE.len() as u64 + 1;
    let per_file = cfg.max_bytes / line_len;
    let log = AccessLogHandle::spawn(&cfg).unwrap();
    let total = 40;
    for i in 0..total {
        let mut r = aws_example();
        r.sent_bytes = 100 + i; // same width, to tell lines apart
        log.log(r);
    }
    drop(log); // the last handle: flush and join

    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap();
    let current = read(&cfg.path);
    let first = read(&dir.path().join("access.log.1"));
    let second = read(&dir.path().join("access.log.2"));
    assert!(!dir.path().join("access.log.3").exists());
    for text in [&current, &first, &second] {
        assert!(text.len() as u64 <= cfg.max_bytes);
        for line in text.lines() {
            assert_eq!(parse_line(line).unwrap().len(), 29);
        }
    }
    assert_eq!(first.lines().count() as u64, per_file);
    assert_eq!(second.lines().count() as u64, per_file);
    // The newest lines are in the current file, the oldest kept ones in `.2`.
    let sent = |text: &str| -> Vec<u64> {
        text.lines()
            .map(|l| parse_line(l).unwrap()[11].parse().unwrap())
            .collect()
    };
    let last = sent(&current);
    assert_eq!(*last.last().unwrap(), 100 + total - 1);
    assert_eq!(sent(&first).last().unwrap() + 1, last[0]);
    assert_eq!(sent(&second).last().unwrap() + 1, sent(&first)[0]);
}

#[test]
fn an_existing_file_is_appended_to_and_counts_towards_rotation() {
    let dir = TempDir::new("append");
    let path = dir.path().join("access.log");
    std::fs::write(&path, "x".repeat(1500) + "\n").unwrap();
    let cfg = model::AccessLog {
        path: path.clone(),
        max_bytes: 2000,
        max_files: 1,
    };
    let log = AccessLogHandle::spawn(&cfg).unwrap();
    log.log(aws_example());
    log.shutdown();
    assert!(
        std::fs::read_to_string(dir.path().join("access.log.1"))
            .unwrap()
            .starts_with("xxx")
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{AWS_LINE}\n")
    );
}
