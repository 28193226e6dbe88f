//! Stage two: a [`RawConfig`] becomes a [`Model`], or every problem is reported at once.
//!
//! AWS's own rules are enforced where AWS enforces them (rule numbers, ICMP `-1` pairs,
//! duplicate security-group rules, reserved subnet addresses, group names); AWS's defaults are
//! filled in where AWS fills them in (the default security group and NACL, default egress, the
//! main route table, local routes).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::addr::{Cidr, Family, ParsedCidr, is_special_purpose};
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::*;
use crate::proto::{ICMP, ICMPV6, IcmpMatch, L4Match, PortRange, Protocol, TCP, UDP};
use crate::raw::*;

mod alb;
mod web_acl;

pub(crate) use alb::matcher_text;

/// Sections that later layers add; each is refused by name until its layer exists.
const RESERVED: [(&str, &str); 3] = [
    ("network_firewall", "the Network Firewall layer"),
    ("shield", "the Shield layer"),
    ("session_manager", "the Session Manager layer"),
];

/// The result of validation: the model and the warnings that did not stop it.
#[derive(Debug, Clone)]
pub struct Validated {
    pub model: Model,
    pub warnings: Diagnostics,
}

/// Validates a parsed document. `file` names the source in every diagnostic.
pub fn validate(raw: &RawConfig, file: &str) -> Result<Validated, Diagnostics> {
    let mut cx = Cx {
        file,
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    let model = cx.model(raw);
    if cx.errors.is_empty() {
        let mut model = model;
        model.reindex();
        Ok(Validated {
            model,
            warnings: Diagnostics(cx.warnings),
        })
    } else {
        Err(Diagnostics(cx.errors))
    }
}

/// Whether a name can be used for a resource: 1–255 characters, none of them whitespace or
/// `:` `/` `,` (which the command line uses as separators).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 255
        && !name.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ':' | '/' | ',' | '[' | ']')
        })
}

struct Cx<'a> {
    file: &'a str,
    errors: Vec<Diagnostic>,
    warnings: Vec<Diagnostic>,
}

/// Name → index for every kind of resource, built before anything is resolved.
#[derive(Default)]
struct Names {
    route_tables: HashMap<String, usize>,
    subnets: HashMap<String, usize>,
    nacls: HashMap<String, usize>,
    sgs: HashMap<String, usize>,
    prefix_lists: HashMap<String, usize>,
    nats: HashMap<String, usize>,
    endpoints: HashMap<String, usize>,
    instances: HashMap<String, usize>,
}

impl Cx<'_> {
    fn diag(&self, path: &str, at: Option<&Leaf>, found: Option<&str>, msg: String) -> Diagnostic {
        let pos = at.and_then(|l| l.pos);
        Diagnostic {
            file: self.file.to_owned(),
            path: path.to_owned(),
            line: pos.map(|p| p.line),
            column: pos.map(|p| p.column),
            found: found.map(str::to_owned),
            message: msg,
        }
    }

    /// An error about a value: `found` is the value as written.
    fn bad(&mut self, path: &str, leaf: &Leaf, msg: impl Into<String>) {
        let d = self.diag(path, Some(leaf), Some(&leaf.text), msg.into());
        self.errors.push(d);
    }

    /// An error about something missing or about a whole item.
    fn missing(&mut self, path: &str, at: Option<&Leaf>, msg: impl Into<String>) {
        let d = self.diag(path, at, None, msg.into());
        self.errors.push(d);
    }

    fn warn(&mut self, path: &str, leaf: &Leaf, msg: impl Into<String>) {
        let d = self.diag(path, Some(leaf), Some(&leaf.text), msg.into());
        self.warnings.push(d);
    }

    fn text(leaf: &Option<Leaf>) -> Option<String> {
        leaf.as_ref().map(|l| l.text.clone())
    }

    fn bool(&mut self, path: &str, leaf: &Option<Leaf>) -> bool {
        match leaf {
            None => false,
            Some(l) => match l.text.as_str() {
                "true" => true,
                "false" => false,
                _ => {
                    self.bad(path, l, "expected true or false");
                    false
                }
            },
        }
    }

    /// A CIDR for a rule: non-canonical forms are accepted and canonicalised as AWS does,
    /// with a warning, because `10.0.1.5/24` is usually a typo for `/32`.
    fn rule_cidr(&mut self, path: &str, leaf: &Leaf) -> Option<Cidr> {
        match ParsedCidr::parse(&leaf.text) {
            Ok(p) => {
                if !p.canonical {
                    self.warn(
                        path,
                        leaf,
                        format!("means {} (AWS clears the host bits)", p.cidr),
                    );
                }
                Some(p.cidr)
            }
            Err(e) => {
                self.bad(
                    path,
                    leaf,
                    format!("expected a CIDR block such as 10.0.0.0/16: {e}"),
                );
                None
            }
        }
    }

    /// A CIDR of the topology (VPC, subnet, route): must be canonical.
    fn block(&mut self, path: &str, leaf: &Leaf, family: Family) -> Option<Cidr> {
        match ParsedCidr::parse(&leaf.text) {
            Ok(p) if p.cidr.family() != family => {
                self.bad(path, leaf, format!("expected an {family} CIDR block"));
                None
            }
            Ok(p) if !p.canonical => {
                self.bad(
                    path,
                    leaf,
                    format!("has host bits set; the block is written {}", p.cidr),
                );
                None
            }
            Ok(p) => Some(p.cidr),
            Err(e) => {
                self.bad(path, leaf, format!("expected an {family} CIDR block: {e}"));
                None
            }
        }
    }

    fn ipv4(&mut self, path: &str, leaf: &Leaf) -> Option<Ipv4Addr> {
        match leaf.text.trim().parse::<Ipv4Addr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.bad(path, leaf, "expected an IPv4 address such as 10.0.1.10");
                None
            }
        }
    }

    fn ipv6(&mut self, path: &str, leaf: &Leaf) -> Option<Ipv6Addr> {
        match leaf.text.trim().parse::<Ipv6Addr>() {
            Ok(a) => Some(a),
            Err(_) => {
                self.bad(path, leaf, "expected an IPv6 address such as 2001:db8::10");
                None
            }
        }
    }

    fn public_ip(&mut self, path: &str, leaf: &Leaf) -> Option<Ipv4Addr> {
        let a = self.ipv4(path, leaf)?;
        if is_special_purpose(IpAddr::V4(a)) {
            self.bad(
                path,
                leaf,
                "expected a public IPv4 address (private, loopback, link-local and reserved ranges are not public)",
            );
            return None;
        }
        Some(a)
    }

    fn name(&mut self, path: &str, leaf: &Leaf) {
        if !is_valid_name(&leaf.text) {
            self.bad(
                path,
                leaf,
                "expected a name of 1 to 255 characters without spaces, ':', '/', ',', '[' or ']'",
            );
        }
    }

    fn names<T>(&mut self, section: &str, map: &NamedMap<T>) -> HashMap<String, usize> {
        let mut out = HashMap::new();
        for (i, (name, _)) in map.0.iter().enumerate() {
            let path = format!("{section}.{}", name.text);
            self.name(&path, name);
            if out.insert(name.text.clone(), i).is_some() {
                self.bad(&path, name, format!("is defined twice in {section}"));
            }
        }
        out
    }

    /// Resolves a reference by name, then by AWS ID.
    fn resolve<T>(
        &mut self,
        path: &str,
        leaf: &Leaf,
        what: &str,
        names: &HashMap<String, usize>,
        map: &NamedMap<T>,
        id_of: impl Fn(&T) -> Option<&Leaf>,
    ) -> Option<usize> {
        if let Some(&i) = names.get(&leaf.text) {
            return Some(i);
        }
        if let Some(i) = map
            .0
            .iter()
            .position(|(_, item)| id_of(item).is_some_and(|id| id.text == leaf.text))
        {
            return Some(i);
        }
        let mut msg = format!("no {what} has this name or ID");
        let candidates: Vec<&str> = map.0.iter().map(|(k, _)| k.text.as_str()).collect();
        if let Some(s) = suggest(&leaf.text, &candidates) {
            msg.push_str(&format!("; did you mean `{s}`?"));
        } else if candidates.is_empty() {
            msg.push_str(" (none are defined)");
        } else {
            msg.push_str(&format!("; defined: {}", candidates.join(", ")));
        }
        self.bad(path, leaf, msg);
        None
    }

    fn model(&mut self, raw: &RawConfig) -> Model {
        for (section, layer) in RESERVED {
            let present = match section {
                "network_firewall" => &raw.network_firewall,
                "shield" => &raw.shield,
                _ => &raw.session_manager,
            };
            if let Some(Reserved(pos)) = present {
                let d = Diagnostic {
                    file: self.file.to_owned(),
                    path: section.to_owned(),
                    line: pos.map(|p| p.line),
                    column: pos.map(|p| p.column),
                    found: None,
                    message: format!(
                        "this section belongs to {layer}, which this version of Rampart does not have yet"
                    ),
                };
                self.errors.push(d);
            }
        }

        // A file that only runs load balancers needs no VPC; anything of the topology does.
        if raw.vpc.is_none() && !has_topology(raw) && has_load_balancing(raw) {
            return self.load_balancing_only(raw);
        }
        let vpc = self.vpc(raw.vpc.as_ref());
        let mut names = Names {
            route_tables: self.names("route_tables", &raw.route_tables),
            subnets: self.names("subnets", &raw.subnets),
            nacls: self.names("network_acls", &raw.network_acls),
            sgs: self.names("security_groups", &raw.security_groups),
            prefix_lists: self.names("prefix_lists", &raw.prefix_lists),
            nats: self.names("nat_gateways", &raw.nat_gateways),
            endpoints: self.names("firewall_endpoints", &raw.firewall_endpoints),
            instances: self.names("instances", &raw.instances),
        };
        // A file that defines no `default` group gets AWS's, appended after its own groups.
        if !names.sgs.contains_key("default") {
            names
                .sgs
                .insert("default".into(), raw.security_groups.0.len());
        }

        let prefix_lists = self.prefix_lists(raw);
        let route_tables = self.route_tables(raw, &vpc, &names);
        let network_acls = self.network_acls(raw, &vpc);
        let security_groups = self.security_groups(raw, &vpc, &names);
        let subnets = self.subnets(raw, &vpc, &names, &route_tables, &network_acls);
        let internet_gateway = raw.internet_gateway.as_ref().map(|igw| InternetGateway {
            name: Self::text(&igw.name).unwrap_or_else(|| "igw".into()),
            id: Self::text(&igw.id),
            route_table: igw.route_table.as_ref().and_then(|l| {
                self.resolve(
                    "internet_gateway.route_table",
                    l,
                    "route table",
                    &names.route_tables,
                    &raw.route_tables,
                    |t| t.id.as_ref(),
                )
                .map(|i| RouteTableIdx(i as u32))
            }),
        });
        if let Some(igw) = &raw.internet_gateway
            && let Some(n) = &igw.name
        {
            self.name("internet_gateway.name", n);
        }
        self.check_gateway_routes(raw, &route_tables, internet_gateway.as_ref());

        let nat_gateways = raw
            .nat_gateways
            .iter()
            .map(|(name, n)| {
                let path = format!("nat_gateways.{}", name.text);
                let subnet = n.subnet.as_ref().and_then(|l| {
                    self.resolve(
                        &format!("{path}.subnet"),
                        l,
                        "subnet",
                        &names.subnets,
                        &raw.subnets,
                        |s| s.id.as_ref(),
                    )
                });
                let private_ip = n.private_ip.as_ref().and_then(|l| {
                    let p = format!("{path}.private_ip");
                    let a = match l.text.trim().parse::<IpAddr>() {
                        Ok(a) => Some(a),
                        Err(_) => {
                            self.bad(&p, l, "expected an IP address");
                            None
                        }
                    }?;
                    if let Some(s) = subnet.and_then(|s| subnets.get(s))
                        && !s.cidrs().any(|c| c.contains(a))
                    {
                        self.bad(&p, l, format!("is not inside subnet {}", s.name));
                    }
                    Some(a)
                });
                NatGateway {
                    name: name.text.clone(),
                    id: Self::text(&n.id),
                    subnet: subnet.map(|s| SubnetIdx(s as u32)),
                    public_ip: n
                        .public_ip
                        .as_ref()
                        .and_then(|l| self.public_ip(&format!("{path}.public_ip"), l)),
                    private_ip,
                }
            })
            .collect();

        let firewall_endpoints = raw
            .firewall_endpoints
            .iter()
            .map(|(name, e)| FirewallEndpoint {
                name: name.text.clone(),
                id: Self::text(&e.id),
                subnet: e.subnet.as_ref().and_then(|l| {
                    self.resolve(
                        &format!("firewall_endpoints.{}.subnet", name.text),
                        l,
                        "subnet",
                        &names.subnets,
                        &raw.subnets,
                        |s| s.id.as_ref(),
                    )
                    .map(|i| SubnetIdx(i as u32))
                }),
            })
            .collect();

        let instances = self.instances(raw, &names, &subnets, &security_groups);
        let topo = alb::Topology {
            names: &names,
            instances: &instances,
        };
        let (target_groups, group_names) = self.target_groups(raw, &topo);
        let web_acls = self.web_acls(raw);
        let load_balancers = self.load_balancers(raw, &topo, &target_groups, &group_names);

        Model {
            vpc,
            internet_gateway,
            prefix_lists,
            route_tables,
            subnets,
            nat_gateways,
            firewall_endpoints,
            network_acls,
            security_groups,
            instances,
            load_balancers,
            target_groups,
            web_acls,
            index: Index::default(),
        }
    }

    /// A model with load balancers and target groups and no network: an empty VPC, and none
    /// of AWS's default resources, since there is no VPC to hold them.
    fn load_balancing_only(&mut self, raw: &RawConfig) -> Model {
        let names = Names::default();
        let topo = alb::Topology {
            names: &names,
            instances: &[],
        };
        let (target_groups, group_names) = self.target_groups(raw, &topo);
        let web_acls = self.web_acls(raw);
        let load_balancers = self.load_balancers(raw, &topo, &target_groups, &group_names);
        Model {
            vpc: Vpc::none(),
            internet_gateway: None,
            prefix_lists: Vec::new(),
            route_tables: Vec::new(),
            subnets: Vec::new(),
            nat_gateways: Vec::new(),
            firewall_endpoints: Vec::new(),
            network_acls: Vec::new(),
            security_groups: Vec::new(),
            instances: Vec::new(),
            load_balancers,
            target_groups,
            web_acls,
            index: Index::default(),
        }
    }

    fn vpc(&mut self, raw: Option<&RawVpc>) -> Vpc {
        let Some(raw) = raw else {
            self.missing(
                "vpc",
                None,
                "a configuration needs a `vpc` section with at least one IPv4 CIDR block \
                 (only a file that defines nothing but load_balancers and target_groups may omit it)",
            );
            return Vpc::none();
        };
        if let Some(n) = &raw.name {
            self.name("vpc.name", n);
        }
        if raw.cidr_blocks.is_empty() {
            self.missing(
                "vpc.cidr_blocks",
                raw.name.as_ref(),
                "a VPC needs at least one IPv4 CIDR block",
            );
        }
        let mut cidr_blocks = Vec::new();
        for (i, l) in raw.cidr_blocks.iter().enumerate() {
            let path = format!("vpc.cidr_blocks[{i}]");
            if let Some(c) = self.block(&path, l, Family::Ipv4) {
                if !(16..=28).contains(&c.prefix_len()) {
                    self.bad(&path, l, "an AWS VPC block is between /16 and /28");
                } else if cidr_blocks.iter().any(|o: &Cidr| o.overlaps(&c)) {
                    self.bad(&path, l, "overlaps another block of the VPC");
                } else {
                    cidr_blocks.push(c);
                }
            }
        }
        let mut ipv6_cidr_blocks = Vec::new();
        for (i, l) in raw.ipv6_cidr_blocks.iter().enumerate() {
            let path = format!("vpc.ipv6_cidr_blocks[{i}]");
            if let Some(c) = self.block(&path, l, Family::Ipv6) {
                if c.prefix_len() > 64 {
                    self.bad(
                        &path,
                        l,
                        "an IPv6 VPC block is /64 or larger (AWS assigns /56)",
                    );
                } else if ipv6_cidr_blocks.iter().any(|o: &Cidr| o.overlaps(&c)) {
                    self.bad(&path, l, "overlaps another block of the VPC");
                } else {
                    ipv6_cidr_blocks.push(c);
                }
            }
        }
        Vpc {
            name: Self::text(&raw.name).unwrap_or_else(|| "vpc".into()),
            id: Self::text(&raw.id),
            cidr_blocks,
            ipv6_cidr_blocks,
        }
    }

    fn prefix_lists(&mut self, raw: &RawConfig) -> Vec<PrefixList> {
        let mut out = Vec::new();
        for (name, pl) in raw.prefix_lists.iter() {
            let path = format!("prefix_lists.{}", name.text);
            let declared = pl.address_family.as_ref().and_then(|l| {
                match l.text.to_ascii_lowercase().as_str() {
                    "ipv4" => Some(Family::Ipv4),
                    "ipv6" => Some(Family::Ipv6),
                    _ => {
                        self.bad(
                            &format!("{path}.address_family"),
                            l,
                            "expected IPv4 or IPv6",
                        );
                        None
                    }
                }
            });
            let entries = pl.entries.as_ref().map(|entries| {
                let mut seen = HashSet::new();
                let mut v = Vec::new();
                for (i, e) in entries.iter().enumerate() {
                    let p = format!("{path}.entries[{i}].cidr");
                    if let Some(c) = self.rule_cidr(&p, &e.cidr) {
                        if !seen.insert(c) {
                            self.bad(&p, &e.cidr, "is already an entry of this prefix list");
                        }
                        v.push(PrefixListEntry {
                            cidr: c,
                            description: Self::text(&e.description),
                        });
                    }
                }
                v
            });
            let family = declared
                .or_else(|| entries.as_ref()?.first().map(|e| e.cidr.family()))
                .unwrap_or(Family::Ipv4);
            for (i, e) in entries.iter().flatten().enumerate() {
                if e.cidr.family() != family
                    && let Some(raw_e) = pl.entries.as_ref().and_then(|v| v.get(i))
                {
                    self.bad(
                        &format!("{path}.entries[{i}].cidr"),
                        &raw_e.cidr,
                        format!("this prefix list holds {family} blocks only"),
                    );
                }
            }
            let max_entries = pl.max_entries.as_ref().and_then(|l| {
                let p = format!("{path}.max_entries");
                match l.text.parse::<u32>() {
                    Ok(n) if n >= 1 => {
                        let count = entries.as_ref().map_or(0, Vec::len);
                        if count > n as usize {
                            self.bad(
                                &p,
                                l,
                                format!("the list has {count} entries, more than its maximum"),
                            );
                        }
                        Some(n)
                    }
                    _ => {
                        self.bad(&p, l, "expected a positive number");
                        None
                    }
                }
            });
            out.push(PrefixList {
                name: name.text.clone(),
                id: Self::text(&pl.id),
                family,
                max_entries,
                entries,
            });
        }
        out
    }

    fn route_tables(&mut self, raw: &RawConfig, vpc: &Vpc, names: &Names) -> Vec<RouteTable> {
        let mut out = Vec::new();
        let mut main_seen: Option<String> = None;
        for (name, rt) in raw.route_tables.iter() {
            let path = format!("route_tables.{}", name.text);
            let main = self.bool(&format!("{path}.main"), &rt.main);
            if main {
                if let Some(first) = &main_seen {
                    let at = rt.main.as_ref().unwrap_or(name);
                    self.bad(
                        &format!("{path}.main"),
                        at,
                        format!(
                            "route table {first} is already the main route table; a VPC has one"
                        ),
                    );
                }
                main_seen = Some(name.text.clone());
            }
            let mut routes: Vec<Route> = Vec::new();
            for (i, r) in rt.routes.iter().enumerate() {
                let rp = format!("{path}.routes[{i}]");
                let Some(dest) = ParsedCidr::parse(&r.destination.text)
                    .map_err(|e| {
                        self.bad(
                            &format!("{rp}.destination"),
                            &r.destination,
                            format!("expected a CIDR block such as 0.0.0.0/0: {e}"),
                        )
                    })
                    .ok()
                else {
                    continue;
                };
                if !dest.canonical {
                    self.bad(
                        &format!("{rp}.destination"),
                        &r.destination,
                        format!("has host bits set; the block is written {}", dest.cidr),
                    );
                    continue;
                }
                let dest = dest.cidr;
                if routes.iter().any(|o| o.destination == dest) {
                    self.bad(
                        &format!("{rp}.destination"),
                        &r.destination,
                        "the route table already has a route to this destination",
                    );
                    continue;
                }
                let Some(target) =
                    self.route_target(&format!("{rp}.target"), &r.target, raw, names)
                else {
                    continue;
                };
                if target == RouteTarget::Local && !vpc.cidrs().any(|c| *c == dest) {
                    self.bad(
                        &format!("{rp}.destination"),
                        &r.destination,
                        "a local route's destination is one of the VPC's CIDR blocks",
                    );
                    continue;
                }
                if matches!(
                    target,
                    RouteTarget::InternetGateway | RouteTarget::NatGateway(_)
                ) && let Some(block) = vpc.cidrs().find(|c| c.covers(&dest))
                {
                    self.bad(
                        &format!("{rp}.target"),
                        &r.target.kind,
                        format!(
                            "{dest} is inside the VPC's block {block}: AWS routes it only to local or \
                             to a middlebox (a firewall endpoint or network interface)"
                        ),
                    );
                    continue;
                }
                if target == RouteTarget::InternetGateway && raw.internet_gateway.is_none() {
                    self.bad(
                        &format!("{rp}.target"),
                        &r.target.kind,
                        "routes to the internet gateway, but the configuration has no internet_gateway",
                    );
                }
                routes.push(Route {
                    destination: dest,
                    target,
                    index: Some(i),
                });
            }
            for block in vpc.cidrs() {
                if !routes.iter().any(|r| r.destination == *block) {
                    routes.push(Route {
                        destination: *block,
                        target: RouteTarget::Local,
                        index: None,
                    });
                }
            }
            out.push(RouteTable {
                name: name.text.clone(),
                id: Self::text(&rt.id),
                main,
                routes,
            });
        }
        if main_seen.is_none() {
            out.push(RouteTable {
                name: fresh_name("main", &names.route_tables),
                id: None,
                main: true,
                routes: vpc
                    .cidrs()
                    .map(|c| Route {
                        destination: *c,
                        target: RouteTarget::Local,
                        index: None,
                    })
                    .collect(),
            });
        }
        out
    }

    fn route_target(
        &mut self,
        path: &str,
        t: &RawRouteTarget,
        raw: &RawConfig,
        names: &Names,
    ) -> Option<RouteTarget> {
        const EXPECTED: &str = "expected local, internet_gateway, blackhole, {nat_gateway: NAME}, \
                                {firewall_endpoint: NAME} or {external: AWS-ID}";
        match (t.kind.text.as_str(), &t.name) {
            ("local", None) => Some(RouteTarget::Local),
            ("internet_gateway", None) => Some(RouteTarget::InternetGateway),
            ("blackhole", None) => Some(RouteTarget::Blackhole),
            ("nat_gateway", Some(n)) => self
                .resolve(
                    path,
                    n,
                    "NAT gateway",
                    &names.nats,
                    &raw.nat_gateways,
                    |g| g.id.as_ref(),
                )
                .map(|i| RouteTarget::NatGateway(NatIdx(i as u32))),
            ("firewall_endpoint", Some(n)) => self
                .resolve(
                    path,
                    n,
                    "firewall endpoint",
                    &names.endpoints,
                    &raw.firewall_endpoints,
                    |e| e.id.as_ref(),
                )
                .map(|i| RouteTarget::FirewallEndpoint(FirewallEndpointIdx(i as u32))),
            ("external", Some(n)) if !n.text.trim().is_empty() => {
                Some(RouteTarget::External(n.text.clone()))
            }
            _ => {
                self.bad(path, &t.kind, EXPECTED);
                None
            }
        }
    }

    /// An internet gateway's own route table takes traffic that arrives from the internet;
    /// AWS lets it point only inside the VPC.
    fn check_gateway_routes(
        &mut self,
        raw: &RawConfig,
        tables: &[RouteTable],
        igw: Option<&InternetGateway>,
    ) {
        let Some(rt) = igw.and_then(|g| g.route_table) else {
            return;
        };
        let Some(table) = tables.get(rt.get()) else {
            return;
        };
        let Some((name, raw_rt)) = raw.route_tables.0.get(rt.get()) else {
            return;
        };
        for r in &table.routes {
            let bad = matches!(
                r.target,
                RouteTarget::InternetGateway | RouteTarget::NatGateway(_)
            );
            if let (true, Some(i)) = (bad, r.index)
                && let Some(raw_r) = raw_rt.routes.get(i)
            {
                self.bad(
                    &format!("route_tables.{}.routes[{i}].target", name.text),
                    &raw_r.target.kind,
                    "this is the internet gateway's route table: its routes lead into the VPC \
                     (local or a firewall endpoint)",
                );
            }
        }
    }

    fn network_acls(&mut self, raw: &RawConfig, vpc: &Vpc) -> Vec<NetworkAcl> {
        let mut out = Vec::new();
        let mut default_seen: Option<String> = None;
        for (name, acl) in raw.network_acls.iter() {
            let path = format!("network_acls.{}", name.text);
            let is_default = self.bool(&format!("{path}.default"), &acl.default);
            if is_default {
                if let Some(first) = &default_seen {
                    let at = acl.default.as_ref().unwrap_or(name);
                    self.bad(
                        &format!("{path}.default"),
                        at,
                        format!("network ACL {first} is already the default; a VPC has one"),
                    );
                }
                default_seen = Some(name.text.clone());
            }
            let mut rules = |dir: Direction, list: &Option<Vec<RawNaclRule>>| match list {
                None if is_default => default_nacl_rules(vpc),
                None => Vec::new(),
                Some(list) => self.nacl_rules(&format!("{path}.{dir}"), list),
            };
            let ingress = rules(Direction::Ingress, &acl.ingress);
            let egress = rules(Direction::Egress, &acl.egress);
            out.push(NetworkAcl {
                name: name.text.clone(),
                id: Self::text(&acl.id),
                is_default,
                ingress,
                egress,
            });
        }
        if default_seen.is_none() {
            let taken: HashMap<String, usize> = out
                .iter()
                .enumerate()
                .map(|(i, a)| (a.name.clone(), i))
                .collect();
            out.push(NetworkAcl {
                name: fresh_name("default", &taken),
                id: None,
                is_default: true,
                ingress: default_nacl_rules(vpc),
                egress: default_nacl_rules(vpc),
            });
        }
        out
    }

    fn nacl_rules(&mut self, path: &str, list: &[RawNaclRule]) -> Vec<NaclRule> {
        let mut out: Vec<NaclRule> = Vec::new();
        let mut numbers: HashMap<u16, usize> = HashMap::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let number = match r.rule.text.parse::<u32>() {
                Ok(n @ 1..=32766) => Some(n as u16),
                Ok(32767 | 32768) => {
                    self.bad(
                        &format!("{p}.rule"),
                        &r.rule,
                        "rules 32767 and 32768 are AWS's implicit `*` deny; leave them out",
                    );
                    None
                }
                _ => {
                    self.bad(
                        &format!("{p}.rule"),
                        &r.rule,
                        "expected a rule number from 1 to 32766",
                    );
                    None
                }
            };
            if let Some(n) = number
                && let Some(first) = numbers.insert(n, i)
            {
                self.bad(
                    &format!("{p}.rule"),
                    &r.rule,
                    format!("rule number {n} is already used by {path}[{first}]"),
                );
            }
            let action = match r.action.text.as_str() {
                "allow" => Some(RuleAction::Allow),
                "deny" => Some(RuleAction::Deny),
                _ => {
                    self.bad(&format!("{p}.action"), &r.action, "expected allow or deny");
                    None
                }
            };
            let cidr = self.rule_cidr(&format!("{p}.cidr"), &r.cidr);
            let protocol = self.protocol(&format!("{p}.protocol"), &r.protocol);
            let l4 = protocol.and_then(|proto| {
                self.l4(
                    &p,
                    proto,
                    r.ports.as_ref(),
                    r.icmp_type.as_ref(),
                    r.icmp_code.as_ref(),
                    cidr.map(|c| c.family()),
                    Layer::Nacl,
                )
            });
            if let (Some(number), Some(action), Some(cidr), Some(protocol), Some(l4)) =
                (number, action, cidr, protocol, l4)
            {
                out.push(NaclRule {
                    number,
                    action,
                    protocol,
                    l4,
                    cidr,
                    index: i,
                });
            }
        }
        out.sort_by_key(|r| r.number);
        out
    }

    fn protocol(&mut self, path: &str, leaf: &Leaf) -> Option<Protocol> {
        let p = Protocol::parse(&leaf.text);
        if p.is_none() {
            self.bad(
                path,
                leaf,
                "expected tcp, udp, icmp, icmpv6, all (or -1), or a protocol number 0-255",
            );
        }
        p
    }

    /// Ports and ICMP type/code under AWS's rules: tcp and udp need ports; `-1` and other
    /// protocols match everything whatever was written; ICMP takes type and code with `-1`
    /// meaning any, and a type of `-1` needs a code of `-1`.
    #[allow(clippy::too_many_arguments)]
    fn l4(
        &mut self,
        path: &str,
        proto: Protocol,
        ports: Option<&Leaf>,
        icmp_type: Option<&Leaf>,
        icmp_code: Option<&Leaf>,
        family: Option<Family>,
        layer: Layer,
    ) -> Option<L4Match> {
        let n = match proto {
            Protocol::All => None,
            Protocol::Number(n) => Some(n),
        };
        let is_icmp = matches!(n, Some(ICMP) | Some(ICMPV6));
        if !is_icmp {
            for (key, leaf) in [("icmp_type", icmp_type), ("icmp_code", icmp_code)] {
                if let Some(l) = leaf {
                    self.bad(
                        &format!("{path}.{key}"),
                        l,
                        format!("applies to icmp and icmpv6 only, not to protocol {proto}"),
                    );
                }
            }
        }
        match n {
            Some(TCP) | Some(UDP) => {
                let Some(ports) = ports else {
                    self.missing(
                        &format!("{path}.ports"),
                        None,
                        format!("protocol {proto} needs `ports`: a port (443), a range (1024-65535) or all"),
                    );
                    return None;
                };
                match PortRange::parse(&ports.text) {
                    Ok(r) => Some(L4Match::Ports(r)),
                    Err(e) => {
                        self.bad(
                            &format!("{path}.ports"),
                            ports,
                            format!("expected a port (443), a range (1024-65535) or all: {e}"),
                        );
                        None
                    }
                }
            }
            Some(ICMP) | Some(ICMPV6) => {
                if let Some(p) = ports {
                    self.bad(
                        &format!("{path}.ports"),
                        p,
                        "ICMP has no ports: use icmp_type and icmp_code (-1 for any)",
                    );
                    return None;
                }
                // AWS: protocol 58 in a NACL rule with an IPv4 CIDR matches every ICMP type.
                if layer == Layer::Nacl && n == Some(ICMPV6) && family == Some(Family::Ipv4) {
                    return Some(L4Match::Any);
                }
                let t = self.icmp_number(&format!("{path}.icmp_type"), icmp_type)?;
                let c = self.icmp_number(&format!("{path}.icmp_code"), icmp_code)?;
                if let (None, Some(_), Some(leaf)) = (t, c, icmp_code) {
                    self.bad(
                        &format!("{path}.icmp_code"),
                        leaf,
                        "with an icmp_type of -1 (any), the code must be -1 too",
                    );
                    return None;
                }
                Some(L4Match::Icmp(IcmpMatch {
                    icmp_type: t,
                    code: c,
                }))
            }
            _ => {
                if let Some(p) = ports {
                    self.warn(
                        &format!("{path}.ports"),
                        p,
                        format!("is ignored: for protocol {proto} AWS allows every port"),
                    );
                }
                Some(L4Match::Any)
            }
        }
    }

    /// `None` inside means any (-1 or absent); the outer `None` means invalid.
    fn icmp_number(&mut self, path: &str, leaf: Option<&Leaf>) -> Option<Option<u8>> {
        let Some(l) = leaf else {
            return Some(None);
        };
        match l.text.trim() {
            "-1" => Some(None),
            t => match t.parse::<u8>() {
                Ok(v) if !t.starts_with('+') => Some(Some(v)),
                _ => {
                    self.bad(path, l, "expected a number from 0 to 255, or -1 for any");
                    None
                }
            },
        }
    }

    fn security_groups(&mut self, raw: &RawConfig, vpc: &Vpc, names: &Names) -> Vec<SecurityGroup> {
        let mut out = Vec::new();
        for (gi, (name, sg)) in raw.security_groups.iter().enumerate() {
            let path = format!("security_groups.{}", name.text);
            // `get` rather than slicing: the third byte may fall inside a multibyte character.
            if name
                .text
                .get(..3)
                .is_some_and(|p| p.eq_ignore_ascii_case("sg-"))
            {
                self.bad(
                    &path,
                    name,
                    "a security group name cannot start with sg- (AWS reserves it for IDs)",
                );
            }
            if let Some(d) = &sg.description
                && d.text.chars().count() > 255
            {
                self.bad(
                    &format!("{path}.description"),
                    d,
                    "a description is at most 255 characters",
                );
            }
            let is_default = name.text == "default";
            let ingress = match &sg.ingress {
                None if is_default => vec![SgRule {
                    index: 0,
                    protocol: Protocol::All,
                    l4: L4Match::Any,
                    peer: SgPeer::SecurityGroup(GroupRef::Local(SgIdx(gi as u32))),
                    description: None,
                }],
                None => Vec::new(),
                Some(list) => self.sg_rules(&format!("{path}.ingress"), list, raw, names),
            };
            let egress = match &sg.egress {
                None => default_egress(vpc),
                Some(list) => self.sg_rules(&format!("{path}.egress"), list, raw, names),
            };
            out.push(SecurityGroup {
                name: name.text.clone(),
                id: Self::text(&sg.id),
                description: Self::text(&sg.description),
                is_default,
                ingress,
                egress,
            });
        }
        if !raw.security_groups.iter().any(|(n, _)| n.text == "default") {
            let gi = out.len();
            out.push(SecurityGroup {
                name: "default".into(),
                id: None,
                description: Some("default VPC security group".into()),
                is_default: true,
                ingress: vec![SgRule {
                    index: 0,
                    protocol: Protocol::All,
                    l4: L4Match::Any,
                    peer: SgPeer::SecurityGroup(GroupRef::Local(SgIdx(gi as u32))),
                    description: None,
                }],
                egress: default_egress(vpc),
            });
        }
        out
    }

    fn sg_rules(
        &mut self,
        path: &str,
        list: &[RawSgRule],
        raw: &RawConfig,
        names: &Names,
    ) -> Vec<SgRule> {
        let mut out: Vec<SgRule> = Vec::new();
        for (i, r) in list.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let protocol = self.protocol(&format!("{p}.protocol"), &r.protocol);
            let peers: Vec<(&str, &Leaf)> = [
                ("cidr", r.cidr.as_ref()),
                ("security_group", r.security_group.as_ref()),
                ("prefix_list", r.prefix_list.as_ref()),
            ]
            .into_iter()
            .filter_map(|(k, v)| v.map(|v| (k, v)))
            .collect();
            let peer = match peers.as_slice() {
                [] => {
                    self.missing(
                        &p,
                        Some(&r.protocol),
                        "a rule needs one peer: cidr, security_group or prefix_list",
                    );
                    None
                }
                [("cidr", l)] => self.rule_cidr(&format!("{p}.cidr"), l).map(SgPeer::Cidr),
                [("security_group", l)] => self
                    .group_ref(
                        &format!("{p}.security_group"),
                        l,
                        "sg-",
                        "security group",
                        &names.sgs,
                        &raw.security_groups,
                        |g| g.id.as_ref(),
                    )
                    .map(|g| SgPeer::SecurityGroup(g.map_local(|i| SgIdx(i as u32)))),
                [("prefix_list", l)] => self
                    .group_ref(
                        &format!("{p}.prefix_list"),
                        l,
                        "pl-",
                        "prefix list",
                        &names.prefix_lists,
                        &raw.prefix_lists,
                        |g| g.id.as_ref(),
                    )
                    .map(|g| SgPeer::PrefixList(g.map_local(|i| PrefixListIdx(i as u32)))),
                [_, (second, l), ..] => {
                    self.bad(
                        &format!("{p}.{second}"),
                        l,
                        "a rule has exactly one peer (cidr, security_group or prefix_list); write one rule per peer",
                    );
                    None
                }
                [(_, _)] => None,
            };
            let family = match &peer {
                Some(SgPeer::Cidr(c)) => Some(c.family()),
                _ => None,
            };
            let l4 = protocol.and_then(|proto| {
                self.l4(
                    &p,
                    proto,
                    r.ports.as_ref(),
                    r.icmp_type.as_ref(),
                    r.icmp_code.as_ref(),
                    family,
                    Layer::SecurityGroup,
                )
            });
            if let (Some(protocol), Some(l4), Some(peer)) = (protocol, l4, peer) {
                if let Some(first) = out
                    .iter()
                    .find(|o| o.protocol == protocol && o.l4 == l4 && o.peer == peer)
                {
                    self.missing(
                        &p,
                        Some(&r.protocol),
                        format!(
                            "duplicates {path}[{}] (AWS refuses it: InvalidPermission.Duplicate)",
                            first.index
                        ),
                    );
                    continue;
                }
                out.push(SgRule {
                    index: i,
                    protocol,
                    l4,
                    peer,
                    description: Self::text(&r.description),
                });
            }
        }
        out
    }

    /// A reference to a group or list: a name or ID in this model, or an AWS ID outside it.
    #[allow(clippy::too_many_arguments)]
    fn group_ref<T>(
        &mut self,
        path: &str,
        leaf: &Leaf,
        id_prefix: &str,
        what: &str,
        names: &HashMap<String, usize>,
        map: &NamedMap<T>,
        id_of: impl Fn(&T) -> Option<&Leaf>,
    ) -> Option<GroupRef<usize>> {
        let known = names.contains_key(&leaf.text)
            || map
                .0
                .iter()
                .any(|(_, g)| id_of(g).is_some_and(|id| id.text == leaf.text));
        if !known && looks_like_aws_id(&leaf.text, id_prefix) {
            return Some(GroupRef::External(leaf.text.clone()));
        }
        self.resolve(path, leaf, what, names, map, id_of)
            .map(GroupRef::Local)
    }

    fn subnets(
        &mut self,
        raw: &RawConfig,
        vpc: &Vpc,
        names: &Names,
        tables: &[RouteTable],
        acls: &[NetworkAcl],
    ) -> Vec<Subnet> {
        let main = tables.iter().position(|t| t.main).unwrap_or(0);
        let default_acl = acls.iter().position(|a| a.is_default).unwrap_or(0);
        let mut out: Vec<Subnet> = Vec::new();
        for (name, s) in raw.subnets.iter() {
            let path = format!("subnets.{}", name.text);
            let cidr = s.cidr.as_ref().and_then(|l| {
                let p = format!("{path}.cidr");
                let c = self.block(&p, l, Family::Ipv4)?;
                if !(16..=28).contains(&c.prefix_len()) {
                    self.bad(&p, l, "an AWS subnet block is between /16 and /28");
                    return None;
                }
                if !vpc.cidr_blocks.iter().any(|v| v.covers(&c)) {
                    self.bad(&p, l, "is not inside any IPv4 block of the VPC");
                    return None;
                }
                Some(c)
            });
            let ipv6_cidr = s.ipv6_cidr.as_ref().and_then(|l| {
                let p = format!("{path}.ipv6_cidr");
                let c = self.block(&p, l, Family::Ipv6)?;
                if !vpc.ipv6_cidr_blocks.iter().any(|v| v.covers(&c)) {
                    self.bad(&p, l, "is not inside any IPv6 block of the VPC");
                    return None;
                }
                Some(c)
            });
            if s.cidr.is_none() && s.ipv6_cidr.is_none() {
                self.missing(
                    &path,
                    Some(name),
                    "a subnet needs a cidr, an ipv6_cidr, or both",
                );
            }
            for (c, leaf) in [(cidr, &s.cidr), (ipv6_cidr, &s.ipv6_cidr)] {
                let (Some(c), Some(leaf)) = (c, leaf) else {
                    continue;
                };
                if let Some(other) = out.iter().find(|o| o.cidrs().any(|oc| oc.overlaps(&c))) {
                    self.bad(
                        &format!(
                            "{path}.{}",
                            if c.family() == Family::Ipv4 {
                                "cidr"
                            } else {
                                "ipv6_cidr"
                            }
                        ),
                        leaf,
                        format!("overlaps subnet {}", other.name),
                    );
                }
            }
            let tier = s.tier.as_ref().and_then(|l| match l.text.as_str() {
                "public" => Some(Tier::Public),
                "private" => Some(Tier::Private),
                "firewall" => Some(Tier::Firewall),
                _ => {
                    self.bad(
                        &format!("{path}.tier"),
                        l,
                        "expected public, private or firewall",
                    );
                    None
                }
            });
            let route_table = s.route_table.as_ref().and_then(|l| {
                self.resolve(
                    &format!("{path}.route_table"),
                    l,
                    "route table",
                    &names.route_tables,
                    &raw.route_tables,
                    |t| t.id.as_ref(),
                )
            });
            let network_acl = s.network_acl.as_ref().and_then(|l| {
                self.resolve(
                    &format!("{path}.network_acl"),
                    l,
                    "network ACL",
                    &names.nacls,
                    &raw.network_acls,
                    |a| a.id.as_ref(),
                )
            });
            out.push(Subnet {
                name: name.text.clone(),
                id: Self::text(&s.id),
                cidr,
                ipv6_cidr,
                availability_zone: Self::text(&s.availability_zone),
                tier,
                route_table: RouteTableIdx(route_table.unwrap_or(main) as u32),
                route_table_explicit: route_table.is_some(),
                network_acl: NaclIdx(network_acl.unwrap_or(default_acl) as u32),
                network_acl_explicit: network_acl.is_some(),
            });
        }
        out
    }

    fn instances(
        &mut self,
        raw: &RawConfig,
        names: &Names,
        subnets: &[Subnet],
        groups: &[SecurityGroup],
    ) -> Vec<Instance> {
        let default_sg = groups.iter().position(|g| g.is_default);
        let mut private_owner: HashMap<IpAddr, String> = HashMap::new();
        let mut public_owner: HashMap<Ipv4Addr, String> = HashMap::new();
        for (name, nat) in raw.nat_gateways.iter() {
            if let Some(a) = nat.private_ip.as_ref().and_then(|l| l.text.parse().ok()) {
                private_owner.insert(a, format!("NAT gateway {}", name.text));
            }
            if let Some(a) = nat.public_ip.as_ref().and_then(|l| l.text.parse().ok()) {
                public_owner.insert(a, format!("NAT gateway {}", name.text));
            }
        }
        let mut out = Vec::new();
        for (name, inst) in raw.instances.iter() {
            let path = format!("instances.{}", name.text);
            if name.text == "internet" {
                self.bad(
                    &path,
                    name,
                    "`internet` is reserved: explain uses it for any public address",
                );
            }
            let subnet = self
                .resolve(
                    &format!("{path}.subnet"),
                    &inst.subnet,
                    "subnet",
                    &names.subnets,
                    &raw.subnets,
                    |s| s.id.as_ref(),
                )
                .and_then(|i| subnets.get(i).map(|s| (i, s)));
            let mut private_ips = Vec::new();
            for (i, l) in inst.private_ips.iter().enumerate() {
                let p = format!("{path}.private_ips[{i}]");
                let Some(a) = self.ipv4(&p, l) else { continue };
                if let Some((_, s)) = subnet {
                    match s.cidr {
                        None => self.bad(&p, l, format!("subnet {} has no IPv4 block", s.name)),
                        Some(c) if !c.contains(IpAddr::V4(a)) => {
                            self.bad(&p, l, format!("is not inside subnet {} ({c})", s.name))
                        }
                        Some(c) => {
                            if let Some(why) = reserved_in_subnet(c, IpAddr::V4(a)) {
                                self.bad(&p, l, format!("AWS reserves this address of {c}: {why}"));
                            }
                        }
                    }
                }
                if let Some(owner) = private_owner.insert(IpAddr::V4(a), name.text.clone()) {
                    self.bad(&p, l, format!("is already the address of {owner}"));
                }
                private_ips.push(a);
            }
            let mut ipv6_addresses = Vec::new();
            for (i, l) in inst.ipv6_addresses.iter().enumerate() {
                let p = format!("{path}.ipv6_addresses[{i}]");
                let Some(a) = self.ipv6(&p, l) else { continue };
                if let Some((_, s)) = subnet {
                    match s.ipv6_cidr {
                        None => self.bad(&p, l, format!("subnet {} has no IPv6 block", s.name)),
                        Some(c) if !c.contains(IpAddr::V6(a)) => {
                            self.bad(&p, l, format!("is not inside subnet {} ({c})", s.name))
                        }
                        Some(c) => {
                            if let Some(why) = reserved_in_subnet(c, IpAddr::V6(a)) {
                                self.bad(&p, l, format!("AWS reserves this address of {c}: {why}"));
                            }
                        }
                    }
                }
                if let Some(owner) = private_owner.insert(IpAddr::V6(a), name.text.clone()) {
                    self.bad(&p, l, format!("is already the address of {owner}"));
                }
                ipv6_addresses.push(a);
            }
            if inst.private_ips.is_empty() && inst.ipv6_addresses.is_empty() {
                self.missing(
                    &format!("{path}.private_ips"),
                    Some(&inst.subnet),
                    "an instance needs at least one private IPv4 or IPv6 address",
                );
            }
            let public_ip = inst.public_ip.as_ref().and_then(|l| {
                let p = format!("{path}.public_ip");
                let a = self.public_ip(&p, l)?;
                if let Some(owner) = public_owner.insert(a, name.text.clone()) {
                    self.bad(&p, l, format!("is already the public address of {owner}"));
                }
                Some(a)
            });
            let security_groups = match &inst.security_groups {
                None => default_sg.map(|g| SgIdx(g as u32)).into_iter().collect(),
                Some(list) => {
                    let p = format!("{path}.security_groups");
                    if list.is_empty() {
                        self.missing(&p, Some(name), "an instance has at least one security group (omit the key for the default group)");
                    }
                    if list.len() > 16 {
                        self.missing(
                            &p,
                            Some(name),
                            format!(
                                "{} groups; AWS allows at most 16 per network interface",
                                list.len()
                            ),
                        );
                    }
                    let mut v: Vec<SgIdx> = Vec::new();
                    for (i, l) in list.iter().enumerate() {
                        let gp = format!("{p}[{i}]");
                        let g = self.resolve(
                            &gp,
                            l,
                            "security group",
                            &names.sgs,
                            &raw.security_groups,
                            |g| g.id.as_ref(),
                        );
                        if let Some(g) = g {
                            let g = SgIdx(g as u32);
                            if v.contains(&g) {
                                self.bad(&gp, l, "is listed twice");
                            } else {
                                v.push(g);
                            }
                        }
                    }
                    v
                }
            };
            let mut tags = BTreeMap::new();
            for (k, v) in inst.tags.iter() {
                tags.insert(k.text.clone(), v.text.clone());
            }
            if let Some((si, _)) = subnet {
                out.push(Instance {
                    name: name.text.clone(),
                    id: Self::text(&inst.id),
                    subnet: SubnetIdx(si as u32),
                    private_ips,
                    ipv6_addresses,
                    public_ip,
                    security_groups,
                    tags,
                });
            }
        }
        out
    }
}

/// Whether the file defines any part of the VPC's topology, which then needs a `vpc`.
fn has_topology(raw: &RawConfig) -> bool {
    raw.internet_gateway.is_some()
        || !raw.prefix_lists.is_empty()
        || !raw.route_tables.is_empty()
        || !raw.subnets.is_empty()
        || !raw.nat_gateways.is_empty()
        || !raw.firewall_endpoints.is_empty()
        || !raw.network_acls.is_empty()
        || !raw.security_groups.is_empty()
        || !raw.instances.is_empty()
}

fn has_load_balancing(raw: &RawConfig) -> bool {
    !raw.load_balancers.is_empty() || !raw.target_groups.is_empty() || !raw.web_acls.is_empty()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Layer {
    Nacl,
    SecurityGroup,
}

impl<T> GroupRef<T> {
    fn map_local<U>(self, f: impl FnOnce(T) -> U) -> GroupRef<U> {
        match self {
            GroupRef::Local(t) => GroupRef::Local(f(t)),
            GroupRef::External(s) => GroupRef::External(s),
        }
    }
}

/// AWS's rules for a new security group's egress: all traffic to 0.0.0.0/0, and to ::/0 when
/// the VPC has IPv6. ⚠ The VPC guide confirms the ::/0 rule only for the default group; Rampart
/// adds it for every group, the likely behaviour.
fn default_egress(vpc: &Vpc) -> Vec<SgRule> {
    let mut v = vec![SgRule {
        index: 0,
        protocol: Protocol::All,
        l4: L4Match::Any,
        peer: SgPeer::Cidr(Family::Ipv4.everything()),
        description: None,
    }];
    if vpc.has_ipv6() {
        v.push(SgRule {
            index: 1,
            protocol: Protocol::All,
            l4: L4Match::Any,
            peer: SgPeer::Cidr(Family::Ipv6.everything()),
            description: None,
        });
    }
    v
}

/// The default NACL's rules: 100 allows all IPv4, and 101 allows all IPv6 in an IPv6 VPC.
fn default_nacl_rules(vpc: &Vpc) -> Vec<NaclRule> {
    let mut v = vec![NaclRule {
        number: 100,
        action: RuleAction::Allow,
        protocol: Protocol::All,
        l4: L4Match::Any,
        cidr: Family::Ipv4.everything(),
        index: 0,
    }];
    if vpc.has_ipv6() {
        v.push(NaclRule {
            number: 101,
            action: RuleAction::Allow,
            protocol: Protocol::All,
            l4: L4Match::Any,
            cidr: Family::Ipv6.everything(),
            index: 1,
        });
    }
    v
}

/// The five addresses AWS reserves in every IPv4 subnet, and the first four of an IPv6 one.
fn reserved_in_subnet(subnet: Cidr, addr: IpAddr) -> Option<&'static str> {
    let (first, last) = subnet.range();
    let a = crate::addr::addr_to_u128(addr);
    match a - first {
        0 => Some("the network address"),
        1 => Some("the VPC router"),
        2 => Some("the Amazon DNS server"),
        3 => Some("reserved for future use"),
        _ if a == last && subnet.family() == Family::Ipv4 => Some("the broadcast address"),
        _ => None,
    }
}

fn looks_like_aws_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|rest| {
        (8..=17).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

fn fresh_name(base: &str, taken: &HashMap<String, usize>) -> String {
    if !taken.contains_key(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|n| !taken.contains_key(n))
        .unwrap_or_else(|| base.to_owned())
}

/// The closest known name, when it is close enough to be a typo.
fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != *cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
