//! ALB access log lines, in AWS's field order, written by a dedicated thread to a file rotated
//! by size. The same writer ([`LogWriter`]) carries the WAF log's JSON lines.
//!
//! Logging fails open, like AWS's best-effort delivery: the proxy never waits for the disk.
//! A record that finds the queue full, or that the disk refuses, is dropped and counted.
//!
//! Escaping (⚠ AWS does not document its own): in quoted fields `"` and `\` are
//! backslash-escaped and control bytes (0x00–0x1f, 0x7f) become `\xHH`; in bare fields spaces
//! and quotes are escaped as `\xHH` too. A line therefore never contains a raw newline, and a
//! request cannot end a field early, whatever bytes it carries.

use std::fmt::Write as _;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write as _};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The number of fields AWS documents (up to `classification_reason`).
pub const FIELDS: usize = 29;

/// `user_agent` is cut at 8 KB, as AWS does.
const MAX_USER_AGENT: usize = 8 * 1024;

/// Records waiting for the writer thread before new ones are dropped.
pub(crate) const QUEUE: usize = 65_536;

/// The `type` field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogType {
    Http,
    Https,
    H2,
    Grpcs,
    Ws,
    Wss,
}

impl LogType {
    pub fn as_str(self) -> &'static str {
        match self {
            LogType::Http => "http",
            LogType::Https => "https",
            LogType::H2 => "h2",
            LogType::Grpcs => "grpcs",
            LogType::Ws => "ws",
            LogType::Wss => "wss",
        }
    }
}

/// One request, as an ALB access log line describes it. `None` is written `-` (and a failed
/// processing time `-1`, as AWS does).
#[derive(Clone, Debug, PartialEq)]
pub struct AccessLogRecord {
    pub kind: LogType,
    /// When the response was sent (or the WebSocket connection closed).
    pub time: SystemTime,
    /// The load balancer, e.g. `app/my-alb/…`.
    pub elb: String,
    pub client: SocketAddr,
    pub target: Option<SocketAddr>,
    /// `None` when the request failed before or at that stage (`-1`).
    pub request_processing_time: Option<Duration>,
    pub target_processing_time: Option<Duration>,
    pub response_processing_time: Option<Duration>,
    pub elb_status_code: Option<u16>,
    pub target_status_code: Option<u16>,
    pub received_bytes: u64,
    pub sent_bytes: u64,
    /// `METHOD proto://host:port/uri HTTP/x`; see [`request_field`].
    pub request: String,
    pub user_agent: Option<String>,
    pub ssl_cipher: Option<&'static str>,
    pub ssl_protocol: Option<&'static str>,
    pub target_group_arn: Option<String>,
    pub trace_id: Option<String>,
    /// The SNI name.
    pub domain_name: Option<String>,
    pub chosen_cert_arn: Option<String>,
    /// 1–50000, 0 for the default rule, -1 for a rule evaluation error.
    pub matched_rule_priority: Option<i32>,
    pub request_creation_time: SystemTime,
    /// `waf`, `authenticate`, `forward`, `redirect`, `fixed-response`, …
    pub actions_executed: Vec<&'static str>,
    pub redirect_url: Option<String>,
    pub error_reason: Option<&'static str>,
    pub target_port_list: Vec<SocketAddr>,
    pub target_status_code_list: Vec<u16>,
    pub classification: Option<&'static str>,
    pub classification_reason: Option<&'static str>,
}

impl AccessLogRecord {
    /// A record with every optional field absent.
    pub fn new(kind: LogType, elb: &str, client: SocketAddr, now: SystemTime) -> Self {
        AccessLogRecord {
            kind,
            time: now,
            elb: elb.to_owned(),
            client,
            target: None,
            request_processing_time: None,
            target_processing_time: None,
            response_processing_time: None,
            elb_status_code: None,
            target_status_code: None,
            received_bytes: 0,
            sent_bytes: 0,
            request: String::new(),
            user_agent: None,
            ssl_cipher: None,
            ssl_protocol: None,
            target_group_arn: None,
            trace_id: None,
            domain_name: None,
            chosen_cert_arn: None,
            matched_rule_priority: None,
            request_creation_time: now,
            actions_executed: Vec::new(),
            redirect_url: None,
            error_reason: None,
            target_port_list: Vec::new(),
            target_status_code_list: Vec::new(),
            classification: None,
            classification_reason: None,
        }
    }

    /// Appends the line, without its newline.
    pub fn write_line(&self, out: &mut String) {
        let mut f = Fields(out, true);
        f.bare(self.kind.as_str());
        f.sep();
        format_time(self.time, f.0);
        f.bare(&self.elb);
        f.sep();
        let _ = write!(f.0, "{}", self.client);
        match self.target {
            Some(t) => {
                f.sep();
                let _ = write!(f.0, "{t}");
            }
            None => f.bare("-"),
        }
        for t in [
            self.request_processing_time,
            self.target_processing_time,
            self.response_processing_time,
        ] {
            f.sep();
            match t {
                Some(d) => {
                    let _ = write!(f.0, "{:.3}", d.as_secs_f64());
                }
                None => f.0.push_str("-1"),
            }
        }
        f.number(self.elb_status_code);
        f.number(self.target_status_code);
        f.number(Some(self.received_bytes));
        f.number(Some(self.sent_bytes));
        f.quoted(Some(&self.request));
        f.quoted(
            self.user_agent
                .as_deref()
                .map(|ua| truncate(ua, MAX_USER_AGENT)),
        );
        f.bare(self.ssl_cipher.unwrap_or("-"));
        f.bare(self.ssl_protocol.unwrap_or("-"));
        f.bare(self.target_group_arn.as_deref().unwrap_or("-"));
        f.quoted(self.trace_id.as_deref());
        f.quoted(self.domain_name.as_deref());
        f.quoted(self.chosen_cert_arn.as_deref());
        f.number(self.matched_rule_priority);
        f.sep();
        format_time(self.request_creation_time, f.0);
        let actions = self.actions_executed.join(",");
        f.quoted((!actions.is_empty()).then_some(actions.as_str()));
        f.quoted(self.redirect_url.as_deref());
        f.quoted(self.error_reason);
        let targets = join(&self.target_port_list);
        f.quoted((!targets.is_empty()).then_some(targets.as_str()));
        let codes = join(&self.target_status_code_list);
        f.quoted((!codes.is_empty()).then_some(codes.as_str()));
        f.quoted(self.classification);
        f.quoted(self.classification_reason);
    }

    pub fn to_line(&self) -> String {
        let mut s = String::with_capacity(512);
        self.write_line(&mut s);
        s
    }
}

fn join<T: std::fmt::Display>(items: &[T]) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        let _ = write!(s, "{item}");
    }
    s
}

fn truncate(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// The `request` field: `GET https://example.com:443/path?q HTTP/1.1`.
pub fn request_field(
    method: &str,
    scheme: &str,
    host: &str,
    port: u16,
    uri: &str,
    version: &str,
) -> String {
    format!("{method} {scheme}://{host}:{port}{uri} {version}")
}

/// Rampart has no ARNs; a target group is named in an ARN-shaped string so that tools
/// expecting `arn:` keep working.
pub fn target_group_arn(name: &str) -> String {
    format!("arn:rampart:elasticloadbalancing:local:000000000000:targetgroup/{name}")
}

/// Writes fields separated by single spaces.
struct Fields<'a>(&'a mut String, bool);

impl Fields<'_> {
    fn sep(&mut self) {
        if !self.1 {
            self.0.push(' ');
        }
        self.1 = false;
    }

    fn bare(&mut self, s: &str) {
        self.sep();
        if s.is_empty() {
            self.0.push('-');
        }
        for c in s.chars() {
            if c == ' ' || c == '"' || c == '\\' || c.is_ascii_control() {
                let _ = write!(self.0, "\\x{:02x}", c as u32);
            } else {
                self.0.push(c);
            }
        }
    }

    fn number<T: std::fmt::Display>(&mut self, n: Option<T>) {
        self.sep();
        match n {
            Some(n) => {
                let _ = write!(self.0, "{n}");
            }
            None => self.0.push('-'),
        }
    }

    fn quoted(&mut self, s: Option<&str>) {
        self.sep();
        self.0.push('"');
        match s {
            None => self.0.push('-'),
            Some(s) => {
                for c in s.chars() {
                    match c {
                        '"' => self.0.push_str("\\\""),
                        '\\' => self.0.push_str("\\\\"),
                        c if c.is_ascii_control() => {
                            let _ = write!(self.0, "\\x{:02x}", c as u32);
                        }
                        c => self.0.push(c),
                    }
                }
            }
        }
        self.0.push('"');
    }
}

/// ISO 8601 in UTC with microseconds, as AWS writes it: `2026-11-24T18:30:04.123456Z`.
pub(crate) fn format_time(t: SystemTime, out: &mut String) {
    let since = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    let _ = write!(
        out,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        since.subsec_micros()
    );
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Why a line is not an access log line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("byte {at}: quoted field not closed")]
    Unterminated { at: usize },
    #[error("byte {at}: invalid escape")]
    BadEscape { at: usize },
    #[error("byte {at}: expected a space between fields")]
    MissingSeparator { at: usize },
    #[error("{found} fields, at least {FIELDS} expected")]
    TooFewFields { found: usize },
}

/// Splits a line into its fields, unquoted and unescaped. Fields after the 29th are kept:
/// AWS appends new fields over time, so readers must accept them.
pub fn parse_line(line: &str) -> Result<Vec<String>, ParseError> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let b = line.as_bytes();
    let mut fields = Vec::with_capacity(FIELDS + 1);
    let mut i = 0;
    while i < b.len() {
        let mut field = Vec::new();
        if b[i] == b'"' {
            let start = i;
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(ParseError::Unterminated { at: start }),
                    Some(b'"') => {
                        i += 1;
                        break;
                    }
                    Some(b'\\') => i = unescape(b, i, &mut field)?,
                    Some(&c) => {
                        field.push(c);
                        i += 1;
                    }
                }
            }
            if i < b.len() && b[i] != b' ' {
                return Err(ParseError::MissingSeparator { at: i });
            }
        } else {
            while i < b.len() && b[i] != b' ' {
                if b[i] == b'\\' {
                    i = unescape(b, i, &mut field)?;
                } else {
                    field.push(b[i]);
                    i += 1;
                }
            }
        }
        // Escapes produce ASCII only, so the bytes stay UTF-8.
        fields.push(String::from_utf8_lossy(&field).into_owned());
        if i < b.len() {
            i += 1;
        }
    }
    if fields.len() < FIELDS {
        return Err(ParseError::TooFewFields {
            found: fields.len(),
        });
    }
    Ok(fields)
}

/// Decodes the escape at `b[i]` (a backslash); returns the index after it.
fn unescape(b: &[u8], i: usize, out: &mut Vec<u8>) -> Result<usize, ParseError> {
    match b.get(i + 1) {
        Some(&c @ (b'"' | b'\\')) => {
            out.push(c);
            Ok(i + 2)
        }
        Some(b'x') => {
            let hex = b
                .get(i + 2..i + 4)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .filter(u8::is_ascii)
                .ok_or(ParseError::BadEscape { at: i })?;
            out.push(hex);
            Ok(i + 4)
        }
        _ => Err(ParseError::BadEscape { at: i }),
    }
}

/// A record that a log writer thread formats as one line.
pub(crate) trait LogLine: Send + 'static {
    /// Appends the line, without its newline.
    fn write_line(&self, out: &mut String);
}

impl LogLine for AccessLogRecord {
    fn write_line(&self, out: &mut String) {
        AccessLogRecord::write_line(self, out);
    }
}

enum Msg<R> {
    Record(Box<R>),
    Shutdown,
}

#[derive(Debug, Default)]
struct Counters {
    written: AtomicU64,
    dropped: AtomicU64,
}

struct Shared<R> {
    tx: SyncSender<Msg<R>>,
    counters: Arc<Counters>,
    thread: Mutex<Option<JoinHandle<()>>>,
    what: &'static str,
}

impl<R> std::fmt::Debug for Shared<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriter")
            .field("what", &self.what)
            .field("counters", &self.counters)
            .finish_non_exhaustive()
    }
}

impl<R> Shared<R> {
    fn stop(&self) {
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // Blocking is fine here: this is shutdown, not the request path.
            let _ = self.tx.send(Msg::Shutdown);
            if thread.join().is_err() {
                tracing::error!("{} writer panicked", self.what);
            }
        }
    }
}

impl<R> Drop for Shared<R> {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A log file fed by the proxy and written by a thread of its own: the ALB access log, the
/// WAF log. Cheap to clone; the last clone dropped (or [`LogWriter::shutdown`]) flushes the
/// file and stops the thread.
#[derive(Debug)]
pub(crate) struct LogWriter<R> {
    shared: Arc<Shared<R>>,
}

impl<R> Clone for LogWriter<R> {
    fn clone(&self) -> Self {
        LogWriter {
            shared: Arc::clone(&self.shared),
        }
    }
}

impl<R: LogLine> LogWriter<R> {
    /// Opens (creating its directory) the log file and starts the writer thread. `what`
    /// names the log in the thread's name and its errors.
    pub(crate) fn spawn(
        cfg: &model::AccessLog,
        what: &'static str,
        queue: usize,
    ) -> io::Result<LogWriter<R>> {
        let file = LogFile::open(&cfg.path, cfg.max_bytes, cfg.max_files)?;
        let (tx, rx) = mpsc::sync_channel(queue);
        let counters = Arc::new(Counters::default());
        let thread_counters = Arc::clone(&counters);
        let thread = std::thread::Builder::new()
            .name(what.replace(' ', "-"))
            .spawn(move || writer(rx, file, &thread_counters, what))?;
        Ok(LogWriter {
            shared: Arc::new(Shared {
                tx,
                counters,
                thread: Mutex::new(Some(thread)),
                what,
            }),
        })
    }

    /// Queues a record; never blocks. When the queue is full the record is dropped and
    /// counted.
    pub(crate) fn log(&self, record: R) {
        match self.shared.tx.try_send(Msg::Record(Box::new(record))) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.shared.counters.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Lines written and records dropped so far.
    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.shared.counters.written.load(Ordering::Relaxed),
            self.shared.counters.dropped.load(Ordering::Relaxed),
        )
    }

    /// Writes what is queued, flushes and stops the writer. Later records are dropped.
    pub(crate) fn shutdown(&self) {
        self.shared.stop();
    }
}

/// Where the proxy sends access log records. Cheap to clone; the last clone dropped (or
/// [`AccessLogHandle::shutdown`]) flushes the file and stops the writer thread.
#[derive(Clone, Debug)]
pub struct AccessLogHandle {
    writer: LogWriter<AccessLogRecord>,
}

impl AccessLogHandle {
    /// Opens (creating its directory) the log file and starts the writer thread.
    pub fn spawn(cfg: &model::AccessLog) -> io::Result<AccessLogHandle> {
        Self::spawn_with_queue(cfg, QUEUE)
    }

    fn spawn_with_queue(cfg: &model::AccessLog, queue: usize) -> io::Result<AccessLogHandle> {
        Ok(AccessLogHandle {
            writer: LogWriter::spawn(cfg, "access log", queue)?,
        })
    }

    /// Queues a record; never blocks. When the queue is full the record is dropped and
    /// counted.
    pub fn log(&self, record: AccessLogRecord) {
        self.writer.log(record);
    }

    /// Lines written and records dropped so far.
    pub fn stats(&self) -> (u64, u64) {
        self.writer.stats()
    }

    /// Writes what is queued, flushes and stops the writer. Later records are dropped.
    pub fn shutdown(&self) {
        self.writer.shutdown();
    }
}

/// The writer thread: formats, writes, flushes at least every second.
fn writer<R: LogLine>(
    rx: mpsc::Receiver<Msg<R>>,
    mut file: LogFile,
    counters: &Counters,
    what: &str,
) {
    const FLUSH_EVERY: Duration = Duration::from_secs(1);
    let mut line = String::with_capacity(1024);
    let mut last_flush = Instant::now();
    let mut failing = false;
    loop {
        let msg = rx.recv_timeout(FLUSH_EVERY);
        let stop = matches!(msg, Ok(Msg::Shutdown) | Err(RecvTimeoutError::Disconnected));
        if let Ok(Msg::Record(record)) = msg {
            line.clear();
            record.write_line(&mut line);
            line.push('\n');
            match file.write(line.as_bytes()) {
                Ok(()) => {
                    counters.written.fetch_add(1, Ordering::Relaxed);
                    failing = false;
                }
                Err(e) => {
                    counters.dropped.fetch_add(1, Ordering::Relaxed);
                    if !failing {
                        tracing::error!(path = %file.path.display(), error = %e, "{what} write failed; dropping records");
                    }
                    failing = true;
                }
            }
        }
        if stop || last_flush.elapsed() >= FLUSH_EVERY {
            if let Err(e) = file.flush() {
                tracing::error!(path = %file.path.display(), error = %e, "{what} flush failed");
            }
            last_flush = Instant::now();
        }
        if stop {
            return;
        }
    }
}

/// The current file and its size-based rotation (`access.log` → `access.log.1` … `.N`).
struct LogFile {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    size: u64,
    max_bytes: u64,
    max_files: u32,
}

impl LogFile {
    fn open(path: &Path, max_bytes: u64, max_files: u32) -> io::Result<LogFile> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        let size = file.metadata()?.len();
        Ok(LogFile {
            path: path.to_path_buf(),
            out: Some(BufWriter::with_capacity(64 * 1024, file)),
            size,
            max_bytes,
            max_files,
        })
    }

    fn write(&mut self, line: &[u8]) -> io::Result<()> {
        if self.size > 0 && self.size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        let out = match &mut self.out {
            Some(out) => out,
            None => self.reopen()?,
        };
        out.write_all(line)?;
        self.size += line.len() as u64;
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.out {
            Some(out) => out.flush(),
            None => Ok(()),
        }
    }

    fn rotated(&self, n: u32) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> io::Result<()> {
        if let Some(mut out) = self.out.take() {
            out.flush()?;
        }
        if self.max_files == 0 {
            fs::remove_file(&self.path)?;
        } else {
            for n in (1..self.max_files).rev() {
                let from = self.rotated(n);
                if from.exists() {
                    fs::rename(&from, self.rotated(n + 1))?;
                }
            }
            fs::rename(&self.path, self.rotated(1))?;
        }
        self.size = 0;
        self.reopen()?;
        Ok(())
    }

    fn reopen(&mut self) -> io::Result<&mut BufWriter<File>> {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        self.size = file.metadata()?.len();
        Ok(self.out.insert(BufWriter::with_capacity(64 * 1024, file)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64, micros: u32) -> String {
        let mut s = String::new();
        format_time(
            UNIX_EPOCH + Duration::from_secs(secs) + Duration::from_micros(u64::from(micros)),
            &mut s,
        );
        s
    }

    #[test]
    fn times_are_iso8601_utc_with_microseconds() {
        assert_eq!(at(0, 0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(at(951_782_400, 1), "2000-02-29T00:00:00.000001Z");
        assert_eq!(at(1_530_570_180, 186_641), "2018-07-02T22:23:00.186641Z");
        assert_eq!(at(1_795_545_004, 123_456), "2026-11-24T18:30:04.123456Z");
        assert_eq!(at(4_107_542_399, 999_999), "2100-02-28T23:59:59.999999Z");
        assert_eq!(at(4_107_542_400, 0), "2100-03-01T00:00:00.000000Z");
        assert_eq!(at(253_402_300_799, 0), "9999-12-31T23:59:59.000000Z");
    }

    #[test]
    fn civil_dates_agree_with_a_day_by_day_count() {
        let month_days = |y: i64, m: u32| match m {
            2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        let (mut y, mut m, mut d) = (1970, 1, 1);
        for z in 0..(200 * 366) {
            assert_eq!(civil_from_days(z), (y, m, d), "day {z}");
            d += 1;
            if d > month_days(y, m) {
                d = 1;
                m += 1;
                if m > 12 {
                    m = 1;
                    y += 1;
                }
            }
        }
    }

    #[test]
    fn a_full_queue_drops_and_counts() {
        let (tx, _rx) = mpsc::sync_channel(1);
        let handle = AccessLogHandle {
            writer: LogWriter {
                shared: Arc::new(Shared {
                    tx,
                    counters: Arc::new(Counters::default()),
                    thread: Mutex::new(None),
                    what: "access log",
                }),
            },
        };
        let rec = AccessLogRecord::new(
            LogType::Http,
            "app/a",
            "192.0.2.1:1234".parse().unwrap(),
            UNIX_EPOCH,
        );
        handle.log(rec.clone());
        handle.log(rec.clone());
        handle.log(rec);
        assert_eq!(handle.stats(), (0, 2));
    }

    #[test]
    fn user_agents_are_cut_at_8_kib_on_a_character_boundary() {
        let ua = "é".repeat(5000);
        let cut = truncate(&ua, MAX_USER_AGENT);
        assert_eq!(cut.len(), MAX_USER_AGENT);
        let ua = format!("a{}", "é".repeat(5000));
        assert_eq!(truncate(&ua, MAX_USER_AGENT).len(), MAX_USER_AGENT - 1);
    }
}
