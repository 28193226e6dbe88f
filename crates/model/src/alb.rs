//! The load-balancing layer of the model: Application Load Balancers, their listeners and
//! rules, and target groups, with AWS's defaults (section 6 of the reference semantics).
//!
//! These are plain data. Rule matching and redirect rendering live in [`crate::alb_eval`] so
//! that the proxy (`lb`) and the analyzer (`explain --request`) decide the same way.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use crate::addr::Cidr;
use crate::model::{InstanceIdx, SgIdx, SubnetIdx};

/// A target group of [`crate::Model::target_groups`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetGroupIdx(pub u32);

impl TargetGroupIdx {
    pub fn get(self) -> usize {
        self.0 as usize
    }
}

/// An Application Load Balancer.
#[derive(Clone, Debug, PartialEq)]
pub struct LoadBalancer {
    pub name: String,
    /// The subnets it sits in, when the configuration places it in the topology.
    pub subnets: Vec<SubnetIdx>,
    pub security_groups: Vec<SgIdx>,
    pub attributes: LbAttributes,
    pub listeners: Vec<Listener>,
    pub access_log: Option<AccessLog>,
    /// The web ACL that inspects its requests.
    pub web_acl: Option<crate::web_acl::WebAclIdx>,
}

/// Load balancer attributes, named as AWS names them (`idle_timeout.timeout_seconds` becomes
/// `idle_timeout`), plus the limits AWS fixes and Rampart lets the operator set.
#[derive(Clone, Debug, PartialEq)]
pub struct LbAttributes {
    /// `idle_timeout.timeout_seconds`, 1–4000, default 60.
    pub idle_timeout: Duration,
    /// `client_keep_alive.seconds`, 60–604800, default 3600.
    pub client_keep_alive: Duration,
    /// `routing.http.desync_mitigation_mode`, default defensive.
    pub desync_mitigation_mode: DesyncMode,
    /// `routing.http.drop_invalid_header_fields.enabled`, default false.
    pub drop_invalid_header_fields: bool,
    /// `routing.http.preserve_host_header.enabled`, default false.
    pub preserve_host_header: bool,
    /// `routing.http.xff_header_processing.mode`, default append.
    pub xff_header_processing: XffMode,
    /// `routing.http.xff_client_port.enabled`, default false.
    pub xff_client_port: bool,
    /// `routing.http2.enabled`, default true.
    pub http2: bool,
    /// `routing.http.x_amzn_tls_version_and_cipher_suite.enabled`, default false.
    pub tls_version_and_cipher_headers: bool,
    pub limits: LbLimits,
}

/// Sizes and times that bound the load balancer's resources. Defaults are AWS's fixed values
/// where AWS has one.
#[derive(Clone, Debug, PartialEq)]
pub struct LbLimits {
    /// The request line (AWS: 16 KiB, then 414 for the URI or 400).
    pub max_request_line_bytes: usize,
    /// One header field (AWS: 16 KiB, then 400).
    pub max_header_bytes: usize,
    /// The whole request head (AWS: 64 KiB, then 400).
    pub max_request_head_bytes: usize,
    /// Time allowed from the first byte of a request to the end of its head; a client that
    /// sends slower is answered 408 and closed. AWS has no separate limit (only the idle
    /// timeout); Rampart's default is 10 s so that a byte-a-time client cannot hold a
    /// connection for the whole idle timeout.
    pub header_read_timeout: Duration,
    /// Largest request body accepted, then 413. `None` (the default) is AWS's: no limit.
    pub max_body_bytes: Option<u64>,
    /// Client connections open at once per load balancer; beyond it new connections are
    /// closed at accept (fail closed). Default 10,000.
    pub max_connections: usize,
    /// Connecting to a target (AWS: 10 s, then 504).
    pub connect_timeout: Duration,
    /// Idle keep-alive connections kept per target. Default 128.
    pub max_idle_per_target: usize,
}

/// `routing.http.desync_mitigation_mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DesyncMode {
    Monitor,
    Defensive,
    Strictest,
}

/// `routing.http.xff_header_processing.mode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum XffMode {
    Append,
    Preserve,
    Remove,
}

/// Where access-log lines go: a file, rotated by size.
#[derive(Clone, Debug, PartialEq)]
pub struct AccessLog {
    pub path: PathBuf,
    /// Rotate when the file reaches this size. Default 100 MiB.
    pub max_bytes: u64,
    /// Rotated files kept (`access.log.1` … `access.log.N`). Default 10.
    pub max_files: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ListenerProtocol {
    Http,
    Https,
}

impl ListenerProtocol {
    /// `http` or `https`, as `#{protocol}` and `X-Forwarded-Proto` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerProtocol::Http => "http",
            ListenerProtocol::Https => "https",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Listener {
    pub protocol: ListenerProtocol,
    /// The address it binds. Default `0.0.0.0`.
    pub address: IpAddr,
    pub port: u16,
    /// Present exactly when the protocol is HTTPS.
    pub tls: Option<ListenerTls>,
    /// Sorted by priority, lowest first.
    pub rules: Vec<ListenerRule>,
    pub default_action: Action,
}

impl Listener {
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.port)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListenerTls {
    pub ssl_policy: SslPolicy,
    /// Served when the client sends no SNI or none of the others match.
    pub default_certificate: Certificate,
    /// Chosen by SNI.
    pub certificates: Vec<Certificate>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Certificate {
    /// PEM files: the chain (leaf first) and the private key.
    Files { cert: PathBuf, key: PathBuf },
    /// Generated in memory when the listener starts, for these DNS names (demos and labs).
    SelfSigned { names: Vec<String> },
}

/// A TLS version a policy may allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

/// An ELB security policy, by AWS's name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SslPolicy {
    pub name: String,
    /// The lowest version the policy allows, as AWS defines it.
    pub min_version: TlsVersion,
    pub max_version: TlsVersion,
    /// Cipher suites in AWS's (OpenSSL) names, in preference order.
    pub ciphers: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ListenerRule {
    /// 1–50000.
    pub priority: u32,
    /// All must match (AND); values inside one condition are ORed.
    pub conditions: Vec<RuleCondition>,
    pub action: Action,
}

/// A listener-rule condition. Patterns are kept as written; matching is in
/// [`crate::alb_eval`].
#[derive(Clone, Debug, PartialEq)]
pub enum RuleCondition {
    /// Case-insensitive, `*` and `?`.
    HostHeader(Vec<String>),
    /// Case-sensitive, `*` and `?`, the path without the query.
    PathPattern(Vec<String>),
    /// Name case-insensitive, no wildcards; values case-insensitive with `*` and `?`.
    HttpHeader { name: String, values: Vec<String> },
    /// Case-sensitive exact.
    HttpRequestMethod(Vec<String>),
    /// Pairs, case-insensitive with `*` and `?`; a pair without key matches any key.
    QueryString(Vec<QueryStringPattern>),
    /// The packet source (not `X-Forwarded-For`).
    SourceIp(Vec<Cidr>),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryStringPattern {
    pub key: Option<String>,
    pub value: String,
}

/// A terminal action.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Forward(ForwardAction),
    Redirect(RedirectAction),
    FixedResponse(FixedResponseAction),
}

impl Action {
    /// AWS's name for it, as in `actions_executed`.
    pub fn kind(&self) -> &'static str {
        match self {
            Action::Forward(_) => "forward",
            Action::Redirect(_) => "redirect",
            Action::FixedResponse(_) => "fixed-response",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ForwardAction {
    /// One to five groups; weights 0–999.
    pub target_groups: Vec<WeightedTargetGroup>,
    /// Target-group stickiness (`AWSALBTG` cookie) and its duration.
    pub stickiness: Option<Duration>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WeightedTargetGroup {
    pub target_group: TargetGroupIdx,
    pub weight: u16,
}

/// A redirect. `None` components keep the request's value; the others may hold the
/// placeholders `#{protocol}`, `#{host}`, `#{port}`, `#{path}`, `#{query}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RedirectAction {
    pub protocol: Option<String>,
    pub port: Option<String>,
    pub host: Option<String>,
    pub path: Option<String>,
    pub query: Option<String>,
    pub status_code: RedirectStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedirectStatus {
    /// `HTTP_301`.
    Permanent,
    /// `HTTP_302`.
    Found,
}

impl RedirectStatus {
    pub fn code(self) -> u16 {
        match self {
            RedirectStatus::Permanent => 301,
            RedirectStatus::Found => 302,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixedResponseAction {
    /// 2XX, 4XX or 5XX.
    pub status_code: u16,
    pub content_type: Option<String>,
    /// At most 1024 bytes.
    pub message_body: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetProtocol {
    Http,
    Https,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ProtocolVersion {
    Http1,
    Http2,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Algorithm {
    RoundRobin,
    LeastOutstandingRequests,
    WeightedRandom,
}

impl Algorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::RoundRobin => "round_robin",
            Algorithm::LeastOutstandingRequests => "least_outstanding_requests",
            Algorithm::WeightedRandom => "weighted_random",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TargetGroup {
    pub name: String,
    pub protocol: TargetProtocol,
    pub protocol_version: ProtocolVersion,
    /// The port targets use when they name none.
    pub port: Option<u16>,
    pub targets: Vec<Target>,
    pub health_check: HealthCheck,
    pub algorithm: Algorithm,
    /// `slow_start.duration_seconds`; `None` is off (AWS's default).
    pub slow_start: Option<Duration>,
    /// `deregistration_delay.timeout_seconds`, default 300 s.
    pub deregistration_delay: Duration,
    /// `stickiness.lb_cookie.duration_seconds` when `lb_cookie` stickiness is on.
    pub stickiness: Option<Duration>,
}

/// A registered target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub addr: SocketAddr,
    /// The instance behind the address, when the target names one.
    pub instance: Option<InstanceIdx>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    pub enabled: bool,
    pub protocol: TargetProtocol,
    /// `HealthCheckPath`, default `/`.
    pub path: String,
    /// `None` is the traffic port.
    pub port: Option<u16>,
    /// 5–300 s, default 30.
    pub interval: Duration,
    /// 2–120 s, default 5.
    pub timeout: Duration,
    /// 2–10, default 5.
    pub healthy_threshold: u8,
    /// 2–10, default 2.
    pub unhealthy_threshold: u8,
    /// Success codes, default 200.
    pub matcher: Vec<RangeInclusive<u16>>,
}

impl HealthCheck {
    /// Whether a status code counts as healthy.
    pub fn is_success(&self, status: u16) -> bool {
        self.matcher.iter().any(|r| r.contains(&status))
    }
}
