//! Stage two for load balancing: `target_groups` and `load_balancers`, with AWS's limits and
//! defaults (section 6 of the reference semantics).

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::time::Duration;

use super::{Cx, Names};
use crate::addr::ParsedCidr;
use crate::alb::*;
use crate::alb_eval::REDIRECT_PLACEHOLDERS;
use crate::alb_policies::{DEFAULT_SSL_POLICY, ssl_policy, ssl_policy_names};
use crate::model::{Instance, InstanceIdx, SgIdx, SubnetIdx};
use crate::raw::*;

/// AWS's quotas and ranges, named as AWS's documentation names them.
const MAX_LISTENERS: usize = 50;
const MAX_RULES: usize = 100;
const MAX_CERTIFICATES: usize = 25;
const MAX_VALUES_PER_CONDITION: usize = 3;
const MAX_VALUES_PER_RULE: usize = 5;
const MAX_WILDCARDS_PER_RULE: usize = 5;
const MAX_FORWARD_GROUPS: usize = 5;
const MAX_PATTERN: usize = 128;
const MAX_BODY: usize = 1024;
const FIXED_RESPONSE_TYPES: [&str; 5] = [
    "text/plain",
    "text/css",
    "text/html",
    "application/javascript",
    "application/json",
];

/// What load-balancing validation needs from the topology.
pub(super) struct Topology<'t> {
    pub(super) names: &'t Names,
    pub(super) instances: &'t [Instance],
}

impl Cx<'_> {
    fn number(&mut self, path: &str, leaf: &Leaf, range: RangeInclusive<u64>) -> Option<u64> {
        match leaf.text.trim().parse::<u64>() {
            Ok(n) if range.contains(&n) => Some(n),
            _ => {
                self.bad(
                    path,
                    leaf,
                    format!(
                        "expected a whole number from {} to {}",
                        range.start(),
                        range.end()
                    ),
                );
                None
            }
        }
    }

    fn opt_number(
        &mut self,
        path: &str,
        leaf: &Option<Leaf>,
        range: RangeInclusive<u64>,
        default: u64,
    ) -> u64 {
        leaf.as_ref()
            .and_then(|l| self.number(path, l, range))
            .unwrap_or(default)
    }

    /// A log file: `{path, max_bytes, max_files}`, rotated by size.
    pub(super) fn log_file(&mut self, at: &str, a: &RawAccessLog) -> Option<AccessLog> {
        let max_bytes = self.opt_number(
            &format!("{at}.max_bytes"),
            &a.max_bytes,
            1..=u64::MAX,
            100 * 1024 * 1024,
        );
        let max_files =
            self.opt_number(&format!("{at}.max_files"), &a.max_files, 0..=10_000, 10) as u32;
        match &a.path {
            Some(p) if !p.text.trim().is_empty() => Some(AccessLog {
                path: PathBuf::from(&p.text),
                max_bytes,
                max_files,
            }),
            _ => {
                self.missing(
                    &format!("{at}.path"),
                    a.path.as_ref(),
                    "a log needs a file `path`",
                );
                None
            }
        }
    }

    fn opt_seconds(
        &mut self,
        path: &str,
        leaf: &Option<Leaf>,
        range: RangeInclusive<u64>,
        default: u64,
    ) -> Duration {
        Duration::from_secs(self.opt_number(path, leaf, range, default))
    }

    fn opt_bool(&mut self, path: &str, leaf: &Option<Leaf>, default: bool) -> bool {
        match leaf {
            None => default,
            Some(_) => self.bool(path, leaf),
        }
    }

    /// One of a fixed set of words, compared ignoring case.
    fn word<T: Copy>(&mut self, path: &str, leaf: &Leaf, words: &[(&str, T)]) -> Option<T> {
        let found = words
            .iter()
            .find(|(w, _)| w.eq_ignore_ascii_case(leaf.text.trim()))
            .map(|(_, t)| *t);
        if found.is_none() {
            let list: Vec<&str> = words.iter().map(|(w, _)| *w).collect();
            self.bad(path, leaf, format!("expected {}", or_list(&list)));
        }
        found
    }

    fn opt_word<T: Copy>(
        &mut self,
        path: &str,
        leaf: &Option<Leaf>,
        words: &[(&str, T)],
        default: T,
    ) -> T {
        leaf.as_ref()
            .and_then(|l| self.word(path, l, words))
            .unwrap_or(default)
    }

    /// AWS's rule for load balancer and target group names: 1–32 letters, digits and hyphens,
    /// not starting or ending with a hyphen.
    fn elb_name(&mut self, path: &str, leaf: &Leaf, what: &str) {
        let n = &leaf.text;
        let ok = (1..=32).contains(&n.len())
            && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !n.starts_with('-')
            && !n.ends_with('-');
        if !ok {
            self.bad(
                path,
                leaf,
                format!(
                    "a {what} name has 1 to 32 letters, digits and hyphens, and does not start or end with a hyphen"
                ),
            );
        } else if what == "load balancer" && n.starts_with("internal-") {
            self.bad(path, leaf, "AWS reserves names starting with `internal-`");
        }
    }

    pub(super) fn target_groups(
        &mut self,
        raw: &RawConfig,
        topo: &Topology<'_>,
    ) -> (Vec<TargetGroup>, HashMap<String, usize>) {
        let names = self.names("target_groups", &raw.target_groups);
        let instance_idx: HashMap<&str, usize> = topo
            .instances
            .iter()
            .enumerate()
            .map(|(i, inst)| (inst.name.as_str(), i))
            .collect();
        let mut out = Vec::new();
        for (name, tg) in raw.target_groups.iter() {
            let path = format!("target_groups.{}", name.text);
            self.elb_name(&path, name, "target group");
            out.push(self.target_group(&path, name, tg, raw, topo, &instance_idx));
        }
        (out, names)
    }

    fn target_group(
        &mut self,
        path: &str,
        name: &Leaf,
        tg: &RawTargetGroup,
        raw: &RawConfig,
        topo: &Topology<'_>,
        instance_idx: &HashMap<&str, usize>,
    ) -> TargetGroup {
        let protocols = [
            ("HTTP", TargetProtocol::Http),
            ("HTTPS", TargetProtocol::Https),
        ];
        let protocol = self.opt_word(
            &format!("{path}.protocol"),
            &tg.protocol,
            &protocols,
            TargetProtocol::Http,
        );
        let protocol_version = match &tg.protocol_version {
            Some(l) if l.text.eq_ignore_ascii_case("grpc") => {
                self.bad(
                    &format!("{path}.protocol_version"),
                    l,
                    "gRPC target groups are not supported; expected HTTP1 or HTTP2",
                );
                ProtocolVersion::Http1
            }
            v => self.opt_word(
                &format!("{path}.protocol_version"),
                v,
                &[
                    ("HTTP1", ProtocolVersion::Http1),
                    ("HTTP2", ProtocolVersion::Http2),
                ],
                ProtocolVersion::Http1,
            ),
        };
        let port = tg
            .port
            .as_ref()
            .and_then(|l| self.number(&format!("{path}.port"), l, 1..=65535))
            .map(|p| p as u16);

        let mut targets: Vec<Target> = Vec::new();
        for (i, t) in tg.targets.iter().enumerate() {
            let tp = format!("{path}.targets[{i}]");
            let Some((target, at)) = self.target(&tp, t, port, raw, topo, instance_idx) else {
                continue;
            };
            if targets.iter().any(|o| o.addr == target.addr) {
                self.warn(
                    &tp,
                    at,
                    format!(
                        "{} is already a target of this group; AWS registers it once",
                        target.addr
                    ),
                );
                continue;
            }
            targets.push(target);
        }

        let health_check =
            self.health_check(&format!("{path}.health_check"), tg.health_check.as_ref());

        let algorithm = self.opt_word(
            &format!("{path}.algorithm"),
            &tg.algorithm,
            &[
                ("round_robin", Algorithm::RoundRobin),
                (
                    "least_outstanding_requests",
                    Algorithm::LeastOutstandingRequests,
                ),
                ("weighted_random", Algorithm::WeightedRandom),
            ],
            Algorithm::RoundRobin,
        );
        let slow_start = tg.slow_start_seconds.as_ref().and_then(|l| {
            let p = format!("{path}.slow_start_seconds");
            match l.text.trim().parse::<u64>() {
                Ok(0) => None,
                Ok(n @ 30..=900) => {
                    if algorithm == Algorithm::LeastOutstandingRequests {
                        self.bad(
                            &p,
                            l,
                            "slow start cannot be combined with the least_outstanding_requests algorithm (AWS)",
                        );
                    }
                    Some(Duration::from_secs(n))
                }
                _ => {
                    self.bad(&p, l, "expected 0 (off) or a number of seconds from 30 to 900");
                    None
                }
            }
        });
        let deregistration_delay = self.opt_seconds(
            &format!("{path}.deregistration_delay_seconds"),
            &tg.deregistration_delay_seconds,
            0..=3600,
            300,
        );
        let stickiness = tg.stickiness.as_ref().and_then(|s| {
            let sp = format!("{path}.stickiness");
            let enabled = self.opt_bool(&format!("{sp}.enabled"), &s.enabled, true);
            if let Some(k) = &s.kind {
                match k.text.as_str() {
                    "lb_cookie" => {}
                    "app_cookie" => self.bad(
                        &format!("{sp}.type"),
                        k,
                        "app_cookie stickiness is not supported; expected lb_cookie",
                    ),
                    _ => self.bad(&format!("{sp}.type"), k, "expected lb_cookie"),
                }
            }
            let d = self.opt_seconds(
                &format!("{sp}.duration_seconds"),
                &s.duration_seconds,
                1..=604_800,
                86_400,
            );
            enabled.then_some(d)
        });
        TargetGroup {
            name: name.text.clone(),
            protocol,
            protocol_version,
            port,
            targets,
            health_check,
            algorithm,
            slow_start,
            deregistration_delay,
            stickiness,
        }
    }

    fn target<'r>(
        &mut self,
        path: &str,
        t: &'r RawTarget,
        group_port: Option<u16>,
        raw: &RawConfig,
        topo: &Topology<'_>,
        instance_idx: &HashMap<&str, usize>,
    ) -> Option<(Target, &'r Leaf)> {
        let need_port = |cx: &mut Self, at: &Leaf| {
            if group_port.is_none() {
                cx.bad(
                    path,
                    at,
                    "the target names no port and the target group has none (`port:`)",
                );
            }
            group_port
        };
        if let Some(a) = &t.address {
            let text = a.text.trim();
            if let Ok(sa) = text.parse::<SocketAddr>() {
                if sa.port() == 0 {
                    self.bad(path, a, "expected a port from 1 to 65535");
                    return None;
                }
                return Some((
                    Target {
                        addr: sa,
                        instance: None,
                    },
                    a,
                ));
            }
            let bare = text
                .strip_prefix('[')
                .and_then(|s| s.strip_suffix(']'))
                .unwrap_or(text);
            if let Ok(ip) = bare.parse::<IpAddr>() {
                let port = need_port(self, a)?;
                return Some((
                    Target {
                        addr: SocketAddr::new(ip, port),
                        instance: None,
                    },
                    a,
                ));
            }
            self.bad(
                path,
                a,
                "expected ADDRESS:PORT (IPv6 as [2001:db8::10]:8080), or {instance: NAME, port: PORT}",
            );
            return None;
        }
        let inst = t.instance.as_ref()?;
        let ip_path = format!("{path}.instance");
        let i = self.resolve(
            &ip_path,
            inst,
            "instance",
            &topo.names.instances,
            &raw.instances,
            |i| i.id.as_ref(),
        );
        let port = match &t.port {
            Some(p) => self
                .number(&format!("{path}.port"), p, 1..=65535)
                .map(|p| p as u16),
            None => need_port(self, inst),
        };
        let (i, port) = (i?, port?);
        let name = &raw.instances.0.get(i)?.0.text;
        let idx = *instance_idx.get(name.as_str())?;
        let instance = topo.instances.get(idx)?;
        let Some(ip) = instance.private_addrs().next() else {
            self.bad(&ip_path, inst, "the instance has no private address");
            return None;
        };
        Some((
            Target {
                addr: SocketAddr::new(ip, port),
                instance: Some(InstanceIdx(idx as u32)),
            },
            inst,
        ))
    }

    fn health_check(&mut self, path: &str, hc: Option<&RawHealthCheck>) -> HealthCheck {
        let empty = RawHealthCheck::default();
        let hc = hc.unwrap_or(&empty);
        let enabled = self.opt_bool(&format!("{path}.enabled"), &hc.enabled, true);
        let protocol = self.opt_word(
            &format!("{path}.protocol"),
            &hc.protocol,
            &[
                ("HTTP", TargetProtocol::Http),
                ("HTTPS", TargetProtocol::Https),
            ],
            TargetProtocol::Http,
        );
        let hp = format!("{path}.path");
        let check_path = match &hc.path {
            None => "/".to_owned(),
            Some(l) => {
                if !l.text.starts_with('/') || l.text.len() > 1024 {
                    self.bad(
                        &hp,
                        l,
                        "expected a path starting with `/`, at most 1024 characters",
                    );
                } else if l.text.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
                    self.bad(
                        &hp,
                        l,
                        "a health check path is visible ASCII without spaces",
                    );
                }
                l.text.clone()
            }
        };
        let port = hc.port.as_ref().and_then(|l| {
            if l.text.trim() == "traffic-port" {
                None
            } else {
                match l.text.trim().parse::<u16>() {
                    Ok(p) if p >= 1 => Some(p),
                    _ => {
                        self.bad(
                            &format!("{path}.port"),
                            l,
                            "expected traffic-port or a port from 1 to 65535",
                        );
                        None
                    }
                }
            }
        });
        let interval = self.opt_seconds(
            &format!("{path}.interval_seconds"),
            &hc.interval_seconds,
            5..=300,
            30,
        );
        let timeout = self.opt_seconds(
            &format!("{path}.timeout_seconds"),
            &hc.timeout_seconds,
            2..=120,
            5,
        );
        if timeout >= interval {
            let at = hc.timeout_seconds.as_ref().or(hc.interval_seconds.as_ref());
            let msg = format!(
                "the timeout ({} s) must be shorter than the interval ({} s)",
                timeout.as_secs(),
                interval.as_secs()
            );
            match at {
                Some(l) => self.bad(&format!("{path}.timeout_seconds"), l, msg),
                None => self.missing(&format!("{path}.timeout_seconds"), None, msg),
            }
        }
        let healthy_threshold = self.opt_number(
            &format!("{path}.healthy_threshold"),
            &hc.healthy_threshold,
            2..=10,
            5,
        ) as u8;
        let unhealthy_threshold = self.opt_number(
            &format!("{path}.unhealthy_threshold"),
            &hc.unhealthy_threshold,
            2..=10,
            2,
        ) as u8;
        let matcher = match &hc.matcher {
            None => vec![200..=200],
            Some(l) => match parse_matcher(&l.text) {
                Some(m) => m,
                None => {
                    self.bad(
                        &format!("{path}.matcher"),
                        l,
                        "expected HTTP codes from 200 to 499: one (200), a list (200,202) or a range (200-299)",
                    );
                    vec![200..=200]
                }
            },
        };
        HealthCheck {
            enabled,
            protocol,
            path: check_path,
            port,
            interval,
            timeout,
            healthy_threshold,
            unhealthy_threshold,
            matcher,
        }
    }

    pub(super) fn load_balancers(
        &mut self,
        raw: &RawConfig,
        topo: &Topology<'_>,
        groups: &[TargetGroup],
        group_names: &HashMap<String, usize>,
    ) -> Vec<LoadBalancer> {
        let _ = self.names("load_balancers", &raw.load_balancers);
        let mut out = Vec::new();
        let mut bound: Vec<(SocketAddr, String)> = Vec::new();
        let mut used_groups: HashSet<usize> = HashSet::new();
        let web_acl_names: HashMap<String, usize> = raw
            .web_acls
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (k.text.clone(), i))
            .collect();
        let mut used_web_acls: HashSet<usize> = HashSet::new();
        for (name, lb) in raw.load_balancers.iter() {
            let path = format!("load_balancers.{}", name.text);
            self.elb_name(&path, name, "load balancer");
            let mut subnets = Vec::new();
            for (i, l) in lb.subnets.iter().enumerate() {
                if let Some(s) = self.resolve(
                    &format!("{path}.subnets[{i}]"),
                    l,
                    "subnet",
                    &topo.names.subnets,
                    &raw.subnets,
                    |s| s.id.as_ref(),
                ) {
                    subnets.push(SubnetIdx(s as u32));
                }
            }
            let mut security_groups = Vec::new();
            for (i, l) in lb.security_groups.iter().enumerate() {
                if let Some(g) = self.resolve(
                    &format!("{path}.security_groups[{i}]"),
                    l,
                    "security group",
                    &topo.names.sgs,
                    &raw.security_groups,
                    |g| g.id.as_ref(),
                ) {
                    security_groups.push(SgIdx(g as u32));
                }
            }
            let attributes = self.lb_attributes(&path, lb);
            let access_log = lb
                .access_log
                .as_ref()
                .and_then(|a| self.log_file(&format!("{path}.access_log"), a));
            let web_acl = lb.web_acl.as_ref().and_then(|l| {
                self.resolve(
                    &format!("{path}.web_acl"),
                    l,
                    "web ACL",
                    &web_acl_names,
                    &raw.web_acls,
                    |_| None,
                )
                .map(|i| {
                    used_web_acls.insert(i);
                    crate::web_acl::WebAclIdx(i as u32)
                })
            });
            if lb.listeners.is_empty() {
                self.missing(
                    &format!("{path}.listeners"),
                    Some(name),
                    "a load balancer needs at least one listener",
                );
            }
            if lb.listeners.len() > MAX_LISTENERS {
                self.missing(
                    &format!("{path}.listeners"),
                    Some(name),
                    format!(
                        "{} listeners; AWS allows at most {MAX_LISTENERS} per load balancer",
                        lb.listeners.len()
                    ),
                );
            }
            let rule_count: usize = lb.listeners.iter().map(|l| l.rules.len()).sum();
            if rule_count > MAX_RULES {
                self.missing(
                    &format!("{path}.listeners"),
                    Some(name),
                    format!("{rule_count} rules; AWS allows at most {MAX_RULES} per load balancer, not counting default rules"),
                );
            }
            let mut listeners = Vec::new();
            for (i, l) in lb.listeners.iter().enumerate() {
                let lp = format!("{path}.listeners[{i}]");
                let cx = ActionCx {
                    groups,
                    group_names,
                    raw,
                    used: &mut used_groups,
                };
                if let Some(listener) = self.listener(&lp, name, l, cx) {
                    let addr = listener.socket_addr();
                    let clash = bound.iter().find(|(o, _)| {
                        o.port() == addr.port()
                            && (o.ip() == addr.ip()
                                || o.ip().is_unspecified()
                                || addr.ip().is_unspecified())
                    });
                    if let Some((o, owner)) = clash {
                        let at = l.port.as_ref().or(l.address.as_ref()).unwrap_or(name);
                        self.bad(
                            &format!("{lp}.port"),
                            at,
                            format!("{owner} already listens on {o}; a port is bound once per address (and 0.0.0.0 covers every address)"),
                        );
                    } else {
                        bound.push((addr, lp.clone()));
                    }
                    listeners.push(listener);
                }
            }
            out.push(LoadBalancer {
                name: name.text.clone(),
                subnets,
                security_groups,
                attributes,
                listeners,
                access_log,
                web_acl,
            });
        }
        for (i, (name, _)) in raw.web_acls.0.iter().enumerate() {
            if !used_web_acls.contains(&i) {
                self.warn(
                    &format!("web_acls.{}", name.text),
                    name,
                    "no load balancer uses this web ACL",
                );
            }
        }
        for (i, (name, _)) in raw.target_groups.0.iter().enumerate() {
            if !used_groups.contains(&i) {
                self.warn(
                    &format!("target_groups.{}", name.text),
                    name,
                    "no listener forwards to this target group",
                );
            }
        }
        out
    }

    fn lb_attributes(&mut self, path: &str, lb: &RawLoadBalancer) -> LbAttributes {
        let empty = RawLbAttributes::default();
        let a = lb.attributes.as_ref().unwrap_or(&empty);
        let ap = format!("{path}.attributes");
        let p = |f: &str| format!("{ap}.{f}");
        let empty_limits = RawLbLimits::default();
        let l = lb.limits.as_ref().unwrap_or(&empty_limits);
        let lp = |f: &str| format!("{path}.limits.{f}");
        let max_body_bytes = l
            .max_body_bytes
            .as_ref()
            .filter(|b| !matches!(b.text.trim(), "" | "null" | "~"))
            .and_then(|b| self.number(&lp("max_body_bytes"), b, 0..=u64::MAX));
        let limits = LbLimits {
            max_request_line_bytes: self.opt_number(
                &lp("max_request_line_bytes"),
                &l.max_request_line_bytes,
                64..=1 << 24,
                16 * 1024,
            ) as usize,
            max_header_bytes: self.opt_number(
                &lp("max_header_bytes"),
                &l.max_header_bytes,
                64..=1 << 24,
                16 * 1024,
            ) as usize,
            max_request_head_bytes: self.opt_number(
                &lp("max_request_head_bytes"),
                &l.max_request_head_bytes,
                64..=1 << 26,
                64 * 1024,
            ) as usize,
            header_read_timeout: self.opt_seconds(
                &lp("header_read_timeout_seconds"),
                &l.header_read_timeout_seconds,
                1..=4000,
                10,
            ),
            max_body_bytes,
            max_connections: self.opt_number(
                &lp("max_connections"),
                &l.max_connections,
                1..=10_000_000,
                10_000,
            ) as usize,
            connect_timeout: self.opt_seconds(
                &lp("connect_timeout_seconds"),
                &l.connect_timeout_seconds,
                1..=4000,
                10,
            ),
            max_idle_per_target: self.opt_number(
                &lp("max_idle_per_target"),
                &l.max_idle_per_target,
                0..=100_000,
                128,
            ) as usize,
        };
        LbAttributes {
            idle_timeout: self.opt_seconds(
                &p("idle_timeout_seconds"),
                &a.idle_timeout_seconds,
                1..=4000,
                60,
            ),
            client_keep_alive: self.opt_seconds(
                &p("client_keep_alive_seconds"),
                &a.client_keep_alive_seconds,
                60..=604_800,
                3600,
            ),
            desync_mitigation_mode: self.opt_word(
                &p("desync_mitigation_mode"),
                &a.desync_mitigation_mode,
                &[
                    ("monitor", DesyncMode::Monitor),
                    ("defensive", DesyncMode::Defensive),
                    ("strictest", DesyncMode::Strictest),
                ],
                DesyncMode::Defensive,
            ),
            drop_invalid_header_fields: self.opt_bool(
                &p("drop_invalid_header_fields"),
                &a.drop_invalid_header_fields,
                false,
            ),
            preserve_host_header: self.opt_bool(
                &p("preserve_host_header"),
                &a.preserve_host_header,
                false,
            ),
            xff_header_processing: self.opt_word(
                &p("xff_header_processing"),
                &a.xff_header_processing,
                &[
                    ("append", XffMode::Append),
                    ("preserve", XffMode::Preserve),
                    ("remove", XffMode::Remove),
                ],
                XffMode::Append,
            ),
            xff_client_port: self.opt_bool(&p("xff_client_port"), &a.xff_client_port, false),
            http2: self.opt_bool(&p("http2"), &a.http2, true),
            tls_version_and_cipher_headers: self.opt_bool(
                &p("tls_version_and_cipher_headers"),
                &a.tls_version_and_cipher_headers,
                false,
            ),
            limits,
        }
    }

    fn listener(
        &mut self,
        path: &str,
        lb_name: &Leaf,
        l: &RawListener,
        mut cx: ActionCx<'_>,
    ) -> Option<Listener> {
        let protocol = match &l.protocol {
            Some(p) => self.word(
                &format!("{path}.protocol"),
                p,
                &[
                    ("HTTP", ListenerProtocol::Http),
                    ("HTTPS", ListenerProtocol::Https),
                ],
            ),
            None => {
                self.missing(
                    &format!("{path}.protocol"),
                    l.port.as_ref().or(Some(lb_name)),
                    "a listener needs a protocol: HTTP or HTTPS",
                );
                None
            }
        };
        let port = match &l.port {
            Some(p) => self
                .number(&format!("{path}.port"), p, 1..=65535)
                .map(|p| p as u16),
            None => {
                self.missing(
                    &format!("{path}.port"),
                    l.protocol.as_ref().or(Some(lb_name)),
                    "a listener needs a port from 1 to 65535",
                );
                None
            }
        };
        let address = match &l.address {
            None => Some(IpAddr::V4(Ipv4Addr::UNSPECIFIED)),
            Some(a) => match a.text.trim().parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    self.bad(
                        &format!("{path}.address"),
                        a,
                        "expected an IP address to listen on, such as 0.0.0.0",
                    );
                    None
                }
            },
        };
        let https = protocol == Some(ListenerProtocol::Https);
        let tls = if https {
            let policy = match &l.ssl_policy {
                None => ssl_policy(DEFAULT_SSL_POLICY),
                Some(p) => {
                    let found = ssl_policy(p.text.trim());
                    if found.is_none() {
                        let names: Vec<&str> = ssl_policy_names().collect();
                        let mut msg = "is not one of AWS's predefined security policies".to_owned();
                        if let Some(s) = super::suggest(p.text.trim(), &names) {
                            msg.push_str(&format!("; did you mean `{s}`?"));
                        } else {
                            msg.push_str(&format!("; for example {}", names[..4].join(", ")));
                        }
                        self.bad(&format!("{path}.ssl_policy"), p, msg);
                    }
                    found
                }
            };
            let default_certificate = match &l.certificate {
                Some(c) => self.certificate(&format!("{path}.certificate"), c),
                None => {
                    self.missing(
                        &format!("{path}.certificate"),
                        l.protocol.as_ref(),
                        "an HTTPS listener needs a default certificate: {cert: FILE, key: FILE} or {self_signed: [NAME, …]}",
                    );
                    None
                }
            };
            if l.certificates.len() > MAX_CERTIFICATES {
                self.missing(
                    &format!("{path}.certificates"),
                    l.protocol.as_ref(),
                    format!("{} certificates; AWS allows at most {MAX_CERTIFICATES} besides the default", l.certificates.len()),
                );
            }
            let certificates: Vec<Certificate> = l
                .certificates
                .iter()
                .enumerate()
                .filter_map(|(i, c)| self.certificate(&format!("{path}.certificates[{i}]"), c))
                .collect();
            match (policy, default_certificate) {
                (Some(ssl_policy), Some(default_certificate)) => Some(ListenerTls {
                    ssl_policy,
                    default_certificate,
                    certificates,
                }),
                _ => None,
            }
        } else {
            if protocol.is_some() {
                let only_https = "applies to HTTPS listeners only";
                if let Some(p) = &l.ssl_policy {
                    self.bad(&format!("{path}.ssl_policy"), p, only_https);
                }
                if let Some(c) = &l.certificate {
                    self.missing(
                        &format!("{path}.certificate"),
                        first_cert_leaf(c),
                        format!("a certificate {only_https}"),
                    );
                }
                if let Some(c) = l.certificates.first() {
                    self.missing(
                        &format!("{path}.certificates"),
                        first_cert_leaf(c),
                        format!("certificates {only_https}"),
                    );
                }
            }
            None
        };

        let mut rules: Vec<ListenerRule> = Vec::new();
        let mut priorities: HashMap<u32, usize> = HashMap::new();
        for (i, r) in l.rules.iter().enumerate() {
            let rp = format!("{path}.rules[{i}]");
            let priority = match &r.priority {
                Some(p) => {
                    let n = self
                        .number(&format!("{rp}.priority"), p, 1..=50_000)
                        .map(|n| n as u32);
                    if let Some(n) = n
                        && let Some(first) = priorities.insert(n, i)
                    {
                        self.bad(
                            &format!("{rp}.priority"),
                            p,
                            format!("rules[{first}] already has this priority; priorities are unique per listener"),
                        );
                    }
                    n
                }
                None => {
                    self.missing(
                        &format!("{rp}.priority"),
                        None,
                        "a rule needs a priority from 1 to 50000",
                    );
                    None
                }
            };
            let conditions = self.conditions(&format!("{rp}.conditions"), &r.conditions);
            if r.conditions.is_empty() {
                self.missing(
                    &format!("{rp}.conditions"),
                    r.priority.as_ref(),
                    "a rule needs at least one condition (the default action is the rule without conditions)",
                );
            }
            let action = match &r.action {
                Some(a) => self.action(&format!("{rp}.action"), a, protocol, &mut cx),
                None => {
                    self.missing(
                        &format!("{rp}.action"),
                        r.priority.as_ref(),
                        "a rule needs an action: forward, redirect or fixed_response",
                    );
                    None
                }
            };
            if let (Some(priority), Some(conditions), Some(action)) = (priority, conditions, action)
            {
                rules.push(ListenerRule {
                    priority,
                    conditions,
                    action,
                });
            }
        }
        rules.sort_by_key(|r| r.priority);
        let default_action = match &l.default_action {
            Some(a) => self.action(&format!("{path}.default_action"), a, protocol, &mut cx),
            None => {
                self.missing(
                    &format!("{path}.default_action"),
                    l.port.as_ref().or(l.protocol.as_ref()),
                    "a listener needs a default_action: forward, redirect or fixed_response",
                );
                None
            }
        };
        Some(Listener {
            protocol: protocol?,
            address: address?,
            port: port?,
            tls: if https { Some(tls?) } else { None },
            rules,
            default_action: default_action?,
        })
    }

    fn certificate(&mut self, path: &str, c: &RawCertificate) -> Option<Certificate> {
        match (&c.cert, &c.key, &c.self_signed) {
            (Some(cert), Some(key), None) => {
                for (f, l) in [("cert", cert), ("key", key)] {
                    if l.text.trim().is_empty() {
                        self.bad(&format!("{path}.{f}"), l, "expected a file path");
                    }
                }
                Some(Certificate::Files {
                    cert: PathBuf::from(&cert.text),
                    key: PathBuf::from(&key.text),
                })
            }
            (None, None, Some(names)) => {
                if names.is_empty() {
                    self.missing(
                        &format!("{path}.self_signed"),
                        None,
                        "a self-signed certificate needs at least one DNS name",
                    );
                }
                for (i, n) in names.iter().enumerate() {
                    if !is_dns_name(&n.text) {
                        self.bad(
                            &format!("{path}.self_signed[{i}]"),
                            n,
                            "expected a DNS name such as app.example.test (or *.example.test)",
                        );
                    }
                }
                Some(Certificate::SelfSigned {
                    names: names.iter().map(|n| n.text.clone()).collect(),
                })
            }
            _ => {
                self.missing(
                    path,
                    first_cert_leaf(c),
                    "a certificate is {cert: FILE, key: FILE} or {self_signed: [NAME, …]}",
                );
                None
            }
        }
    }

    fn conditions(&mut self, path: &str, c: &RawConditions) -> Option<Vec<RuleCondition>> {
        let mut out = Vec::new();
        let mut ok = true;
        let mut values = 0usize;
        let mut wildcards = 0usize;
        let mut first_leaf: Option<&Leaf> = None;
        if let Some(list) = &c.host_header {
            let p = format!("{path}.host_header");
            ok &= self.list_size(&p, list, "host_header");
            for (i, l) in list.iter().enumerate() {
                ok &= self.host_pattern(&format!("{p}[{i}]"), l);
            }
            values += list.len();
            wildcards += count_wildcards(list.iter());
            first_leaf = first_leaf.or(list.first());
            out.push(RuleCondition::HostHeader(
                list.iter().map(|l| l.text.clone()).collect(),
            ));
        }
        if let Some(list) = &c.path_pattern {
            let p = format!("{path}.path_pattern");
            ok &= self.list_size(&p, list, "path_pattern");
            for (i, l) in list.iter().enumerate() {
                ok &= self.path_pattern(&format!("{p}[{i}]"), l);
            }
            values += list.len();
            wildcards += count_wildcards(list.iter());
            first_leaf = first_leaf.or(list.first());
            out.push(RuleCondition::PathPattern(
                list.iter().map(|l| l.text.clone()).collect(),
            ));
        }
        for (h, header) in c.http_header.iter().enumerate() {
            let p = format!("{path}.http_header[{h}]");
            let n = &header.name;
            let token = !n.text.is_empty()
                && n.text.len() <= 40
                && n.text
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
                && !n.text.contains(['*', '?']);
            if !token {
                self.bad(
                    &format!("{p}.name"),
                    n,
                    "expected a header name of up to 40 characters, without wildcards",
                );
                ok = false;
            }
            ok &= self.list_size(&format!("{p}.values"), &header.values, "http_header");
            for (i, v) in header.values.iter().enumerate() {
                ok &= self.visible_value(&format!("{p}.values[{i}]"), v, "a header value");
            }
            values += header.values.len();
            wildcards += count_wildcards(header.values.iter());
            first_leaf = first_leaf.or(Some(n));
            out.push(RuleCondition::HttpHeader {
                name: n.text.clone(),
                values: header.values.iter().map(|l| l.text.clone()).collect(),
            });
        }
        if let Some(list) = &c.http_request_method {
            let p = format!("{path}.http_request_method");
            ok &= self.list_size(&p, list, "http_request_method");
            for (i, l) in list.iter().enumerate() {
                let valid = !l.text.is_empty()
                    && l.text.len() <= 40
                    && l.text
                        .bytes()
                        .all(|b| b.is_ascii_uppercase() || b == b'-' || b == b'_');
                if !valid {
                    self.bad(
                        &format!("{p}[{i}]"),
                        l,
                        "expected a method of up to 40 characters A–Z, `-` and `_` (matched exactly, case-sensitively: GET, not get)",
                    );
                    ok = false;
                }
            }
            // Methods take no wildcards, but count towards the rule's values.
            values += list.len();
            first_leaf = first_leaf.or(list.first());
            out.push(RuleCondition::HttpRequestMethod(
                list.iter().map(|l| l.text.clone()).collect(),
            ));
        }
        if let Some(pairs) = &c.query_string {
            let p = format!("{path}.query_string");
            if pairs.is_empty() || pairs.len() > MAX_VALUES_PER_CONDITION {
                self.missing(&p, None, format!("a query_string condition has 1 to {MAX_VALUES_PER_CONDITION} key/value pairs (AWS); found {}", pairs.len()));
                ok = false;
            }
            let mut leaves = Vec::new();
            for (i, q) in pairs.iter().enumerate() {
                if let Some(k) = &q.key {
                    ok &= self.query_part(&format!("{p}[{i}].key"), k);
                    leaves.push(k);
                }
                ok &= self.query_part(&format!("{p}[{i}].value"), &q.value);
                leaves.push(&q.value);
                first_leaf = first_leaf.or(Some(&q.value));
            }
            // A pair is one value; both of its halves may hold wildcards.
            values += pairs.len();
            wildcards += count_wildcards(leaves.into_iter());
            out.push(RuleCondition::QueryString(
                pairs
                    .iter()
                    .map(|q| QueryStringPattern {
                        key: q.key.as_ref().map(|k| k.text.clone()),
                        value: q.value.text.clone(),
                    })
                    .collect(),
            ));
        }
        if let Some(list) = &c.source_ip {
            let p = format!("{path}.source_ip");
            ok &= self.list_size(&p, list, "source_ip");
            let mut cidrs = Vec::new();
            for (i, l) in list.iter().enumerate() {
                let ip = format!("{p}[{i}]");
                match ParsedCidr::parse(&l.text) {
                    Ok(parsed) if parsed.cidr.to_string() == "255.255.255.255/32" => {
                        self.bad(
                            &ip,
                            l,
                            "AWS does not allow 255.255.255.255/32 in a source-ip condition",
                        );
                        ok = false;
                    }
                    Ok(parsed) => {
                        if !parsed.canonical {
                            self.warn(
                                &ip,
                                l,
                                format!("means {} (AWS clears the host bits)", parsed.cidr),
                            );
                        }
                        cidrs.push(parsed.cidr);
                    }
                    Err(e) => {
                        self.bad(
                            &ip,
                            l,
                            format!("expected a CIDR block such as 10.0.0.0/8: {e}"),
                        );
                        ok = false;
                    }
                }
            }
            values += list.len();
            first_leaf = first_leaf.or(list.first());
            out.push(RuleCondition::SourceIp(cidrs));
        }
        if values > MAX_VALUES_PER_RULE {
            self.missing(
                path,
                first_leaf,
                format!(
                    "{values} condition values; AWS allows at most {MAX_VALUES_PER_RULE} per rule"
                ),
            );
            ok = false;
        }
        // ⚠ AWS counts `*` and `?` together as the rule's wildcards.
        if wildcards > MAX_WILDCARDS_PER_RULE {
            self.missing(
                path,
                first_leaf,
                format!(
                    "{wildcards} wildcards; AWS allows at most {MAX_WILDCARDS_PER_RULE} per rule"
                ),
            );
            ok = false;
        }
        ok.then_some(out)
    }

    fn list_size(&mut self, path: &str, list: &[Leaf], what: &str) -> bool {
        if list.is_empty() || list.len() > MAX_VALUES_PER_CONDITION {
            self.missing(
                path,
                list.first(),
                format!(
                    "a {what} condition has 1 to {MAX_VALUES_PER_CONDITION} values (AWS); found {}",
                    list.len()
                ),
            );
            return false;
        }
        true
    }

    /// `A–Z a–z 0–9 - .` and wildcards, ≤128, at least one `.`, and only letters (or
    /// wildcards, ⚠ so that `admin.*` is accepted) after the last dot.
    fn host_pattern(&mut self, path: &str, l: &Leaf) -> bool {
        let t = &l.text;
        let charset = t
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'?'));
        let tld_ok = t.rsplit_once('.').is_some_and(|(_, tld)| {
            !tld.is_empty()
                && tld
                    .bytes()
                    .all(|b| b.is_ascii_alphabetic() || matches!(b, b'*' | b'?'))
        });
        if t.is_empty() || t.len() > MAX_PATTERN || !charset {
            self.bad(
                path,
                l,
                "expected a host name pattern of up to 128 characters: A–Z, a–z, 0–9, `-`, `.`, and the wildcards `*` and `?`",
            );
            return false;
        }
        if !tld_ok {
            self.bad(
                path,
                l,
                "a host pattern has at least one `.` and only letters after the last one (AWS), e.g. *.example.com",
            );
            return false;
        }
        true
    }

    fn path_pattern(&mut self, path: &str, l: &Leaf) -> bool {
        let t = &l.text;
        let charset = t.bytes().all(|b| {
            b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'_' | b'-'
                        | b'.'
                        | b'$'
                        | b'/'
                        | b'~'
                        | b'"'
                        | b'\''
                        | b'@'
                        | b':'
                        | b'+'
                        | b'&'
                        | b'*'
                        | b'?'
                )
        });
        if t.is_empty() || t.len() > MAX_PATTERN || !charset {
            self.bad(
                path,
                l,
                "expected a path pattern of up to 128 characters: A–Z, a–z, 0–9, _ - . $ / ~ \" ' @ : + &, and the wildcards `*` and `?`",
            );
            return false;
        }
        true
    }

    fn visible_value(&mut self, path: &str, l: &Leaf, what: &str) -> bool {
        if l.text.is_empty()
            || l.text.len() > MAX_PATTERN
            || l.text.bytes().any(|b| !(0x20..0x7f).contains(&b))
        {
            self.bad(
                path,
                l,
                format!("expected {what} of 1 to 128 visible ASCII characters"),
            );
            return false;
        }
        true
    }

    fn query_part(&mut self, path: &str, l: &Leaf) -> bool {
        if !self.visible_value(path, l, "a query-string key or value") {
            return false;
        }
        if let Some(c) = l.text.chars().find(|c| matches!(c, ' ' | '&' | '=' | '#')) {
            self.bad(
                path,
                l,
                format!("`{c}` is reserved in a query string; write it percent-encoded (AWS matches the encoded text)"),
            );
            return false;
        }
        true
    }

    fn action(
        &mut self,
        path: &str,
        a: &RawAction,
        listener: Option<ListenerProtocol>,
        cx: &mut ActionCx<'_>,
    ) -> Option<Action> {
        match (&a.forward, &a.redirect, &a.fixed_response) {
            (Some(f), None, None) => self
                .forward(&format!("{path}.forward"), f, listener, cx)
                .map(Action::Forward),
            (None, Some(r), None) => self
                .redirect(&format!("{path}.redirect"), r, listener)
                .map(Action::Redirect),
            (None, None, Some(f)) => self
                .fixed_response(&format!("{path}.fixed_response"), f)
                .map(Action::FixedResponse),
            _ => {
                self.missing(
                    path,
                    None,
                    "an action is exactly one of forward, redirect or fixed_response",
                );
                None
            }
        }
    }

    fn forward(
        &mut self,
        path: &str,
        f: &RawForward,
        listener: Option<ListenerProtocol>,
        cx: &mut ActionCx<'_>,
    ) -> Option<ForwardAction> {
        let shorthand;
        let entries: &[RawWeightedGroup] = match &f.target_group {
            Some(g) => {
                shorthand = [RawWeightedGroup {
                    name: g.clone(),
                    weight: None,
                }];
                &shorthand
            }
            None => &f.target_groups,
        };
        let gp = |i: usize| match &f.target_group {
            Some(_) => path.to_owned(),
            None => format!("{path}.target_groups[{i}]"),
        };
        if entries.is_empty() || entries.len() > MAX_FORWARD_GROUPS {
            self.missing(
                &format!("{path}.target_groups"),
                entries.first().map(|e| &e.name),
                format!(
                    "a forward action names 1 to {MAX_FORWARD_GROUPS} target groups; found {}",
                    entries.len()
                ),
            );
            return None;
        }
        let mut ok = true;
        let mut target_groups: Vec<WeightedTargetGroup> = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let np = if f.target_group.is_some() {
                gp(i)
            } else {
                format!("{}.name", gp(i))
            };
            let idx = self.resolve(
                &np,
                &e.name,
                "target group",
                cx.group_names,
                &cx.raw.target_groups,
                |_| None,
            );
            let weight = match &e.weight {
                Some(w) => self
                    .number(&format!("{}.weight", gp(i)), w, 0..=999)
                    .map(|w| w as u16),
                None => Some(1),
            };
            let (Some(idx), Some(weight)) = (idx, weight) else {
                ok = false;
                continue;
            };
            cx.used.insert(idx);
            let tg = TargetGroupIdx(idx as u32);
            if target_groups.iter().any(|t| t.target_group == tg) {
                self.bad(&np, &e.name, "is already a target group of this action");
                ok = false;
                continue;
            }
            if let (Some(group), Some(ListenerProtocol::Http)) = (cx.groups.get(idx), listener)
                && group.protocol_version == ProtocolVersion::Http2
            {
                self.bad(
                    &np,
                    &e.name,
                    "an HTTP2 target group can be used by HTTPS listeners only (AWS)",
                );
                ok = false;
            }
            target_groups.push(WeightedTargetGroup {
                target_group: tg,
                weight,
            });
        }
        if ok && target_groups.iter().all(|t| t.weight == 0) {
            self.missing(
                &format!("{path}.target_groups"),
                entries.first().map(|e| &e.name),
                "at least one target group needs a weight above 0",
            );
            ok = false;
        }
        let stickiness = match &f.stickiness {
            None => None,
            Some(s) => {
                let sp = format!("{path}.stickiness");
                let enabled = self.opt_bool(&format!("{sp}.enabled"), &s.enabled, true);
                match (&s.duration_seconds, enabled) {
                    (_, false) => None,
                    (Some(d), true) => self
                        .number(&format!("{sp}.duration_seconds"), d, 1..=604_800)
                        .map(Duration::from_secs),
                    (None, true) => {
                        self.missing(
                            &format!("{sp}.duration_seconds"),
                            s.enabled.as_ref(),
                            "target group stickiness needs duration_seconds, from 1 to 604800",
                        );
                        None
                    }
                }
            }
        };
        // ⚠ AWS requires target-group stickiness when a weighted group has its own.
        if ok && target_groups.len() > 1 && stickiness.is_none() {
            let sticky = target_groups.iter().find(|t| {
                cx.groups
                    .get(t.target_group.get())
                    .is_some_and(|g| g.stickiness.is_some())
            });
            if let Some(t) = sticky
                && let Some(g) = cx.groups.get(t.target_group.get())
            {
                self.missing(
                    &format!("{path}.stickiness"),
                    entries.first().map(|e| &e.name),
                    format!("target group {} uses stickiness, so an action splitting traffic between groups needs target group stickiness too (AWS)", g.name),
                );
                ok = false;
            }
        }
        ok.then_some(ForwardAction {
            target_groups,
            stickiness,
        })
    }

    fn redirect(
        &mut self,
        path: &str,
        r: &RawRedirect,
        listener: Option<ListenerProtocol>,
    ) -> Option<RedirectAction> {
        let mut ok = true;
        let parts = [
            ("protocol", &r.protocol),
            ("port", &r.port),
            ("host", &r.host),
            ("path", &r.path),
            ("query", &r.query),
        ];
        for (field, leaf) in parts {
            let Some(l) = leaf else { continue };
            let p = format!("{path}.{field}");
            if l.text.len() > MAX_PATTERN {
                self.bad(&p, l, "expected at most 128 characters");
                ok = false;
                continue;
            }
            if l.text.bytes().any(|b| !(0x21..0x7f).contains(&b)) {
                self.bad(&p, l, "expected visible ASCII without spaces");
                ok = false;
                continue;
            }
            let mut rest = l.text.as_str();
            while let Some(at) = rest.find("#{") {
                let tail = &rest[at..];
                let end = tail.find('}').map_or(tail.len(), |e| e + 1);
                let placeholder = &tail[..end];
                rest = &tail[end..];
                match REDIRECT_PLACEHOLDERS
                    .iter()
                    .find(|(n, _)| *n == placeholder)
                {
                    None => {
                        self.bad(&p, l, format!("`{placeholder}` is not a placeholder; AWS has #{{protocol}}, #{{host}}, #{{port}}, #{{path}} and #{{query}}"));
                        ok = false;
                    }
                    Some((_, allowed)) if !allowed.contains(&field) => {
                        self.bad(
                            &p,
                            l,
                            format!(
                                "`{placeholder}` may appear only in {} (AWS)",
                                or_list(allowed)
                            ),
                        );
                        ok = false;
                    }
                    Some(_) => {}
                }
            }
        }
        let protocol = r.protocol.as_ref().and_then(|l| {
            let t = l.text.trim();
            if t == "#{protocol}" {
                return Some(t.to_owned());
            }
            let up = t.to_ascii_uppercase();
            match up.as_str() {
                "HTTP" if listener == Some(ListenerProtocol::Https) => {
                    self.bad(
                        &format!("{path}.protocol"),
                        l,
                        "AWS does not allow redirecting from HTTPS to HTTP",
                    );
                    ok = false;
                    None
                }
                "HTTP" | "HTTPS" => Some(up),
                _ => {
                    self.bad(
                        &format!("{path}.protocol"),
                        l,
                        "expected HTTP, HTTPS or #{protocol}",
                    );
                    ok = false;
                    None
                }
            }
        });
        if let Some(l) = &r.port
            && l.text.trim() != "#{port}"
            && !matches!(l.text.trim().parse::<u16>(), Ok(1..))
        {
            self.bad(
                &format!("{path}.port"),
                l,
                "expected a port from 1 to 65535, or #{port}",
            );
            ok = false;
        }
        if let Some(l) = &r.path
            && !l.text.starts_with('/')
        {
            self.bad(
                &format!("{path}.path"),
                l,
                "a redirect path is absolute: it starts with `/` (e.g. /#{path})",
            );
            ok = false;
        }
        if let Some(l) = &r.query
            && l.text.starts_with('?')
        {
            self.bad(
                &format!("{path}.query"),
                l,
                "write the query without its leading `?`",
            );
            ok = false;
        }
        let unchanged =
            |leaf: &Option<Leaf>, same: &str| leaf.as_ref().is_none_or(|l| l.text.trim() == same);
        if unchanged(&r.protocol, "#{protocol}")
            && unchanged(&r.host, "#{host}")
            && unchanged(&r.port, "#{port}")
            && unchanged(&r.path, "/#{path}")
        {
            let at = r
                .protocol
                .as_ref()
                .or(r.host.as_ref())
                .or(r.port.as_ref())
                .or(r.path.as_ref())
                .or(r.query.as_ref())
                .or(r.status_code.as_ref());
            self.missing(
                path,
                at,
                "a redirect must change at least one of protocol, host, port or path; otherwise it would redirect to itself (AWS)",
            );
            ok = false;
        }
        let status_code = match &r.status_code {
            Some(l) => self.word(
                &format!("{path}.status_code"),
                l,
                &[
                    ("HTTP_301", RedirectStatus::Permanent),
                    ("HTTP_302", RedirectStatus::Found),
                    ("301", RedirectStatus::Permanent),
                    ("302", RedirectStatus::Found),
                ],
            ),
            None => {
                self.missing(
                    &format!("{path}.status_code"),
                    None,
                    "a redirect needs a status_code: HTTP_301 or HTTP_302",
                );
                None
            }
        };
        let text = |l: &Option<Leaf>| l.as_ref().map(|l| l.text.trim().to_owned());
        let status_code = status_code?;
        ok.then(|| RedirectAction {
            protocol,
            port: text(&r.port),
            host: text(&r.host),
            path: text(&r.path),
            query: text(&r.query),
            status_code,
        })
    }

    fn fixed_response(&mut self, path: &str, f: &RawFixedResponse) -> Option<FixedResponseAction> {
        let status_code = match &f.status_code {
            Some(l) => match l.text.trim().parse::<u16>() {
                Ok(c @ (200..=299 | 400..=599)) => Some(c),
                _ => {
                    self.bad(
                        &format!("{path}.status_code"),
                        l,
                        "expected a 2XX, 4XX or 5XX status code",
                    );
                    None
                }
            },
            None => {
                self.missing(
                    &format!("{path}.status_code"),
                    None,
                    "a fixed response needs a status_code (2XX, 4XX or 5XX)",
                );
                None
            }
        };
        let content_type = f.content_type.as_ref().and_then(|l| {
            let t = l.text.trim();
            if FIXED_RESPONSE_TYPES.contains(&t) {
                Some(t.to_owned())
            } else {
                self.bad(
                    &format!("{path}.content_type"),
                    l,
                    format!("expected {}", or_list(&FIXED_RESPONSE_TYPES)),
                );
                None
            }
        });
        let message_body = f
            .message_body
            .as_ref()
            .map_or(String::new(), |l| l.text.clone());
        if let Some(l) = &f.message_body
            && l.text.len() > MAX_BODY
        {
            self.missing(
                &format!("{path}.message_body"),
                Some(l),
                format!("{} bytes; AWS allows at most {MAX_BODY}", l.text.len()),
            );
            return None;
        }
        if f.content_type.is_some() && content_type.is_none() {
            return None;
        }
        Some(FixedResponseAction {
            status_code: status_code?,
            content_type,
            message_body,
        })
    }
}

/// What validating an action needs besides the action.
struct ActionCx<'a> {
    groups: &'a [TargetGroup],
    group_names: &'a HashMap<String, usize>,
    raw: &'a RawConfig,
    /// Target groups some action forwards to.
    used: &'a mut HashSet<usize>,
}

fn count_wildcards<'a>(leaves: impl Iterator<Item = &'a Leaf>) -> usize {
    leaves
        .map(|l| l.text.bytes().filter(|b| matches!(b, b'*' | b'?')).count())
        .sum()
}

fn first_cert_leaf(c: &RawCertificate) -> Option<&Leaf> {
    c.cert
        .as_ref()
        .or(c.key.as_ref())
        .or(c.self_signed.as_ref().and_then(|v| v.first()))
}

/// `a, b or c`.
fn or_list(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

fn is_dns_name(name: &str) -> bool {
    let name = name.strip_prefix("*.").unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

/// `200`, `200,202`, `200-299`, or a list mixing them; every code 200–499.
fn parse_matcher(text: &str) -> Option<Vec<RangeInclusive<u16>>> {
    let mut out = Vec::new();
    for part in text.split(',') {
        let part = part.trim();
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (a.trim().parse::<u16>().ok()?, b.trim().parse::<u16>().ok()?),
            None => {
                let c = part.parse::<u16>().ok()?;
                (c, c)
            }
        };
        if !(200..=499).contains(&lo) || !(200..=499).contains(&hi) || lo > hi {
            return None;
        }
        out.push(lo..=hi);
    }
    Some(out)
}

/// The matcher as AWS writes it.
pub(crate) fn matcher_text(m: &[RangeInclusive<u16>]) -> String {
    m.iter()
        .map(|r| {
            if r.start() == r.end() {
                r.start().to_string()
            } else {
                format!("{}-{}", r.start(), r.end())
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matcher_forms() {
        assert_eq!(parse_matcher("200"), Some(vec![200..=200]));
        assert_eq!(parse_matcher("200,202"), Some(vec![200..=200, 202..=202]));
        assert_eq!(parse_matcher("200-299"), Some(vec![200..=299]));
        assert_eq!(parse_matcher("199"), None);
        assert_eq!(parse_matcher("500"), None);
        assert_eq!(parse_matcher("300-200"), None);
        assert_eq!(matcher_text(&[200..=299, 302..=302]), "200-299,302");
    }
}
