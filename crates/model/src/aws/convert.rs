//! AWS's resources → the raw document that [`crate::validate`] reads.
//!
//! Nothing here judges values (CIDRs, ports, addresses): they are copied as text so that the
//! one validation path reports them. What is decided here is what AWS's JSON *means* in
//! Rampart's terms: which resources belong to the chosen VPC, their names, which target a
//! route has, how an `IpPermission` becomes rules. Whatever is left out or assumed becomes a
//! note for the user.

use std::collections::{HashMap, HashSet};

use super::json::{self, Tag, tag};
use super::names::{Wanted, allocate, sanitize};
use super::{
    FIREWALL, INSTANCES, INTERNET_GATEWAYS, NAT_GATEWAYS, NETWORK_ACLS, PREFIX_LIST_ENTRIES,
    PREFIX_LISTS, ROUTE_TABLES, SECURITY_GROUPS, SUBNETS,
};
use crate::addr::{Cidr, ParsedCidr};
use crate::diag::Diagnostic;
use crate::raw::*;

/// The parsed files of one export; `None` for a file that is not there.
#[derive(Debug, Default)]
pub(crate) struct Docs {
    pub(crate) vpcs: Option<json::DescribeVpcs>,
    pub(crate) subnets: Option<json::DescribeSubnets>,
    pub(crate) route_tables: Option<json::DescribeRouteTables>,
    pub(crate) internet_gateways: Option<json::DescribeInternetGateways>,
    pub(crate) network_acls: Option<json::DescribeNetworkAcls>,
    pub(crate) security_groups: Option<json::DescribeSecurityGroups>,
    pub(crate) instances: Option<json::DescribeInstances>,
    pub(crate) prefix_lists: Option<json::DescribeManagedPrefixLists>,
    pub(crate) nat_gateways: Option<json::DescribeNatGateways>,
    pub(crate) firewall: Option<json::DescribeFirewall>,
    /// Prefix list ID → its entries, in file-name order.
    pub(crate) prefix_list_entries: Vec<(String, json::PrefixListEntries)>,
}

/// The raw document and what the user should know about how it was made.
#[derive(Debug)]
pub(crate) struct Output {
    pub(crate) raw: RawConfig,
    pub(crate) notes: Vec<String>,
}

/// Picks the VPC to import: the only one, or the one `wanted` names by ID or `Name` tag.
pub(crate) fn select_vpc<'a>(
    vpcs: &'a [json::Vpc],
    wanted: Option<&str>,
) -> Result<&'a json::Vpc, String> {
    let list = || {
        vpcs.iter()
            .map(|v| match tag(&v.tags, "Name") {
                Some(n) => format!("{} ({n})", v.vpc_id),
                None => v.vpc_id.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (vpcs, wanted) {
        ([], _) => Err(format!("{} lists no VPC", super::VPCS)),
        ([only], None) => Ok(only),
        (_, None) => Err(format!(
            "{} lists {} VPCs; choose one with --vpc ID-or-Name: {}",
            super::VPCS,
            vpcs.len(),
            list()
        )),
        (_, Some(w)) => {
            if let Some(v) = vpcs.iter().find(|v| v.vpc_id == w) {
                return Ok(v);
            }
            let named: Vec<&json::Vpc> = vpcs
                .iter()
                .filter(|v| tag(&v.tags, "Name") == Some(w.trim()))
                .collect();
            match named.as_slice() {
                [one] => Ok(one),
                [] => Err(format!(
                    "no VPC in {} has the ID or Name tag `{w}`; it lists: {}",
                    super::VPCS,
                    list()
                )),
                several => Err(format!(
                    "{} VPCs are named `{w}`; choose one by ID: {}",
                    several.len(),
                    several
                        .iter()
                        .map(|v| v.vpc_id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            }
        }
    }
}

/// Builds the raw document of `vpc` from the files in `docs`.
pub(crate) fn convert(docs: &Docs, vpc: &json::Vpc) -> Result<Output, Vec<Diagnostic>> {
    let mut cx = Cx {
        docs,
        vpc_id: &vpc.vpc_id,
        notes: Vec::new(),
        errors: Vec::new(),
    };
    let raw = cx.build(vpc);
    if cx.errors.is_empty() {
        Ok(Output {
            raw,
            notes: cx.notes,
        })
    } else {
        Err(cx.errors)
    }
}

fn leaf(s: impl Into<String>) -> Leaf {
    Leaf::new(s)
}

/// `Some` for a present, non-blank string.
fn present(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.trim().is_empty())
}

/// Whether an association is in effect; a missing state is taken as associated.
fn associated(state: &Option<json::AssociationState>) -> bool {
    state.as_ref().is_none_or(|s| s.state == "associated")
}

/// The name a resource asks for: its `Name` tag, else `fallback`, else its ID.
fn wanted(id: &str, tags: &[Tag], fallback: Option<&str>) -> Wanted {
    let base = tag(tags, "Name")
        .and_then(sanitize)
        .or_else(|| fallback.and_then(sanitize))
        .or_else(|| sanitize(id))
        .unwrap_or_else(|| "unnamed".into());
    Wanted {
        id: id.to_owned(),
        base,
        owns_reserved: false,
    }
}

/// How `id` reads in a note: `sg-0123 (web)` when the resource has a `Name` tag.
fn labelled(id: &str, tags: &[Tag]) -> String {
    match tag(tags, "Name") {
        Some(n) if n != id => format!("{id} ({n})"),
        _ => id.to_owned(),
    }
}

/// What a route points at, in Rampart's terms.
enum Target<'r> {
    Blackhole,
    Local,
    InternetGateway(&'r str),
    Nat(&'r str),
    Endpoint(&'r str),
    External(&'r str),
    Missing,
}

fn classify(r: &json::Route) -> Target<'_> {
    if r.state.as_deref() == Some("blackhole") {
        return Target::Blackhole;
    }
    if let Some(g) = present(&r.gateway_id) {
        if g == "local" {
            return Target::Local;
        }
        if g.starts_with("igw-") {
            return Target::InternetGateway(g);
        }
        // A CIDR route to `vpce-…` is a Gateway Load Balancer endpoint, which is what a
        // Network Firewall endpoint is; gateway endpoints (S3, DynamoDB) are routed by
        // prefix list, and those routes never reach here.
        if g.starts_with("vpce-") {
            return Target::Endpoint(g);
        }
    }
    if let Some(n) = present(&r.nat_gateway_id) {
        return Target::Nat(n);
    }
    if let Some(e) = present(&r.vpc_endpoint_id) {
        return Target::Endpoint(e);
    }
    [
        &r.transit_gateway_id,
        &r.vpc_peering_connection_id,
        // An instance route also names the instance's interface; the instance reads better.
        &r.instance_id,
        &r.network_interface_id,
        &r.egress_only_internet_gateway_id,
        &r.carrier_gateway_id,
        &r.local_gateway_id,
        &r.core_network_arn,
        &r.odb_network_arn,
        &r.ip_address,
        &r.gateway_id,
    ]
    .into_iter()
    .find_map(present)
    .map_or(Target::Missing, Target::External)
}

fn destination(r: &json::Route) -> Option<&str> {
    present(&r.destination_cidr_block).or(present(&r.destination_ipv6_cidr_block))
}

/// `-1` → `all`, protocol numbers AWS also names → the name, anything else as written.
fn protocol_text(p: &str) -> String {
    let t = p.trim().to_ascii_lowercase();
    match t.as_str() {
        "-1" | "all" => "all".into(),
        "6" | "tcp" => "tcp".into(),
        "17" | "udp" => "udp".into(),
        "1" | "icmp" => "icmp".into(),
        "58" | "icmpv6" => "icmpv6".into(),
        _ => t,
    }
}

fn port_text(from: i64, to: i64) -> String {
    if from == to {
        from.to_string()
    } else {
        format!("{from}-{to}")
    }
}

/// ICMP type and code with AWS's `-1` (any) left out; a type of any makes the code any too.
fn icmp_fields(icmp_type: Option<i64>, code: Option<i64>) -> (Option<Leaf>, Option<Leaf>) {
    match icmp_type {
        None | Some(-1) => (None, None),
        Some(t) => (
            Some(leaf(t.to_string())),
            code.filter(|c| *c != -1).map(|c| leaf(c.to_string())),
        ),
    }
}

/// A CIDR in canonical form when it parses, else as written: for comparisons only.
fn canonical(text: &str) -> String {
    ParsedCidr::parse(text).map_or_else(|_| text.trim().to_owned(), |p| p.cidr.to_string())
}

struct Cx<'a> {
    docs: &'a Docs,
    vpc_id: &'a str,
    notes: Vec<String>,
    errors: Vec<Diagnostic>,
}

/// Names given so far, by AWS ID.
#[derive(Default)]
struct Ids {
    subnets: HashMap<String, String>,
    route_tables: HashMap<String, String>,
    nats: HashMap<String, String>,
    endpoints: HashMap<String, String>,
    prefix_lists: HashMap<String, String>,
    security_groups: HashMap<String, String>,
}

impl Cx<'_> {
    fn note(&mut self, text: impl Into<String>) {
        self.notes.push(text.into());
    }

    fn ours(&self, vpc_id: &str) -> bool {
        vpc_id == self.vpc_id
    }

    /// Names for one kind, with a note for each resource whose name had to change.
    fn name_all(&mut self, kind: &str, wanted: &[Wanted], reserved: &[&str]) -> Vec<String> {
        let given = allocate(wanted, reserved);
        for (w, g) in wanted.iter().zip(&given) {
            if g.suffixed {
                let why = if reserved.contains(&w.base.as_str()) {
                    "is reserved".to_owned()
                } else {
                    format!("is shared with another {kind}")
                };
                self.note(format!(
                    "{kind} {} is named `{}`: the name `{}` {why}",
                    w.id, g.name, w.base
                ));
            }
        }
        given.into_iter().map(|g| g.name).collect()
    }

    fn skipped_elsewhere(&mut self, file: &str, what: &str, count: usize) {
        if count > 0 {
            self.note(format!(
                "{file}: {count} {what} of other VPCs skipped (the import takes {} only)",
                self.vpc_id
            ));
        }
    }

    fn missing_file(&mut self, file: &str, consequence: &str) {
        self.note(format!("{file} not found: {consequence}"));
    }

    fn build(&mut self, vpc: &json::Vpc) -> RawConfig {
        let docs = self.docs;
        let mut ids = Ids::default();
        let raw_vpc = self.vpc(vpc);
        let vpc_blocks: Vec<Cidr> = raw_vpc
            .cidr_blocks
            .iter()
            .chain(&raw_vpc.ipv6_cidr_blocks)
            .filter_map(|l| ParsedCidr::parse(&l.text).ok().map(|p| p.cidr))
            .collect();

        let tables: Vec<&json::RouteTable> = match &docs.route_tables {
            Some(d) => {
                let (ours, other): (Vec<_>, Vec<_>) =
                    d.route_tables.iter().partition(|t| self.ours(&t.vpc_id));
                self.skipped_elsewhere(ROUTE_TABLES, "route tables", other.len());
                ours
            }
            None => {
                self.missing_file(
                    ROUTE_TABLES,
                    "every subnet uses a main route table with local routes only",
                );
                Vec::new()
            }
        };

        let mut subnets = self.subnets(&mut ids);
        let mut igw = self.internet_gateway(&tables);
        let nats = self.nat_gateways(&tables, &subnets, &mut ids);
        let endpoints = self.firewall_endpoints(&tables, &subnets, &mut ids);
        let prefix_lists = self.prefix_lists(&tables, &mut ids);

        let table_names = {
            let wanted: Vec<Wanted> = tables
                .iter()
                .map(|t| wanted(&t.route_table_id, &t.tags, None))
                .collect();
            self.name_all("route table", &wanted, &[])
        };
        let mut route_tables = NamedMap::default();
        for (t, name) in tables.iter().zip(table_names) {
            ids.route_tables
                .entry(t.route_table_id.clone())
                .or_insert_with(|| name.clone());
            let rt = self.route_table(t, &name, &vpc_blocks, igw.as_ref(), &ids);
            for a in &t.associations {
                if !associated(&a.association_state) {
                    continue;
                }
                if let Some(s) = present(&a.subnet_id) {
                    match subnets
                        .0
                        .iter_mut()
                        .find(|(_, raw)| raw.id.as_ref().is_some_and(|id| id.text == s))
                    {
                        Some((_, raw)) => raw.route_table = Some(leaf(&name)),
                        None if docs.subnets.is_some() => self.note(format!(
                            "route table {name}: its association with subnet {s} is skipped: \
                             {SUBNETS} does not list that subnet"
                        )),
                        None => {}
                    }
                }
                if let Some(g) = present(&a.gateway_id) {
                    match igw.as_mut() {
                        Some(igw) if igw.id.as_ref().is_some_and(|id| id.text == g) => {
                            igw.route_table = Some(leaf(&name));
                        }
                        _ => self.note(format!(
                            "route table {name}: its edge association with {g} is skipped: \
                             Rampart models the internet gateway's edge association only"
                        )),
                    }
                }
            }
            route_tables.push(name, rt);
        }

        let network_acls = self.network_acls(&mut subnets, &ids);
        let security_groups = self.security_groups(&mut ids);
        let instances = self.instances(&ids);

        RawConfig {
            vpc: Some(raw_vpc),
            internet_gateway: igw,
            prefix_lists,
            route_tables,
            subnets,
            nat_gateways: nats,
            firewall_endpoints: endpoints,
            network_acls,
            security_groups,
            instances,
            ..RawConfig::default()
        }
    }

    fn vpc(&mut self, vpc: &json::Vpc) -> RawVpc {
        let mut cidr_blocks: Vec<Leaf> = vpc
            .cidr_block_association_set
            .iter()
            .flatten()
            .filter(|a| associated(&a.cidr_block_state))
            .map(|a| leaf(a.cidr_block.trim()))
            .collect();
        if cidr_blocks.is_empty()
            && let Some(c) = present(&vpc.cidr_block)
        {
            cidr_blocks.push(leaf(c.trim()));
        }
        let ipv6_cidr_blocks = vpc
            .ipv6_cidr_block_association_set
            .iter()
            .filter(|a| associated(&a.ipv6_cidr_block_state))
            .filter_map(|a| present(&a.ipv6_cidr_block))
            .map(|c| leaf(c.trim()))
            .collect();
        let name = wanted(&vpc.vpc_id, &vpc.tags, None).base;
        RawVpc {
            name: Some(leaf(name)),
            id: Some(leaf(&vpc.vpc_id)),
            cidr_blocks,
            ipv6_cidr_blocks,
        }
    }

    fn subnets(&mut self, ids: &mut Ids) -> NamedMap<RawSubnet> {
        let Some(d) = &self.docs.subnets else {
            self.missing_file(
                SUBNETS,
                "the import has no subnets, so instances, NAT gateways and firewall endpoints \
                 are not placed",
            );
            return NamedMap::default();
        };
        let (ours, other): (Vec<&json::Subnet>, Vec<_>) =
            d.subnets.iter().partition(|s| self.ours(&s.vpc_id));
        self.skipped_elsewhere(SUBNETS, "subnets", other.len());
        let wanted: Vec<Wanted> = ours
            .iter()
            .map(|s| wanted(&s.subnet_id, &s.tags, None))
            .collect();
        let names = self.name_all("subnet", &wanted, &[]);
        let mut out = NamedMap::default();
        for (s, name) in ours.into_iter().zip(names) {
            let mut v6 = s
                .ipv6_cidr_block_association_set
                .iter()
                .filter(|a| associated(&a.ipv6_cidr_block_state))
                .filter_map(|a| present(&a.ipv6_cidr_block));
            let ipv6_cidr = v6.next().map(|c| leaf(c.trim()));
            if v6.next().is_some() {
                self.note(format!(
                    "subnet {name}: only its first IPv6 block is imported"
                ));
            }
            let tier = self.tier(&name, &s.tags);
            ids.subnets
                .entry(s.subnet_id.clone())
                .or_insert_with(|| name.clone());
            out.push(
                name,
                RawSubnet {
                    id: Some(leaf(&s.subnet_id)),
                    cidr: present(&s.cidr_block).map(|c| leaf(c.trim())),
                    ipv6_cidr,
                    availability_zone: present(&s.availability_zone).map(leaf),
                    tier: tier.map(leaf),
                    route_table: None,
                    network_acl: None,
                },
            );
        }
        out
    }

    /// A subnet's declared tier. AWS has no such attribute, so it is read from, in order:
    /// - a tag `rampart:tier` or `Tier` whose value is `public`, `private` or `firewall`
    ///   (any case);
    /// - the `Name` tag: containing `firewall` or `inspection` → firewall, else `private` →
    ///   private, else `public` → public (case-insensitive);
    /// - otherwise no tier, and the audit infers one from the routes.
    fn tier(&mut self, name: &str, tags: &[Tag]) -> Option<&'static str> {
        for key in ["rampart:tier", "Tier", "tier"] {
            if let Some(v) = tag(tags, key) {
                match v.to_ascii_lowercase().as_str() {
                    "public" => return Some("public"),
                    "private" => return Some("private"),
                    "firewall" => return Some("firewall"),
                    _ => self.note(format!(
                        "subnet {name}: tag {key}={v} is not public, private or firewall; ignored"
                    )),
                }
            }
        }
        let n = tag(tags, "Name")?.to_ascii_lowercase();
        let tier = if n.contains("firewall") || n.contains("inspection") {
            "firewall"
        } else if n.contains("private") {
            "private"
        } else if n.contains("public") {
            "public"
        } else {
            return None;
        };
        self.note(format!(
            "subnet {name}: tier {tier} inferred from its Name tag"
        ));
        Some(tier)
    }

    /// The internet gateway attached to the VPC, or, when the export does not list it, the
    /// one the route tables use.
    fn internet_gateway(&mut self, tables: &[&json::RouteTable]) -> Option<RawInternetGateway> {
        if let Some(d) = &self.docs.internet_gateways {
            let attached: Vec<&json::InternetGateway> = d
                .internet_gateways
                .iter()
                .filter(|g| {
                    g.attachments.iter().any(|a| {
                        self.ours(&a.vpc_id)
                            && !matches!(a.state.as_deref(), Some("detached" | "detaching"))
                    })
                })
                .collect();
            if let Some(first) = attached.first() {
                for extra in &attached[1..] {
                    self.note(format!(
                        "{INTERNET_GATEWAYS}: {} is skipped: a VPC has one internet gateway",
                        labelled(&extra.internet_gateway_id, &extra.tags)
                    ));
                }
                let name = wanted(&first.internet_gateway_id, &first.tags, None).base;
                return Some(RawInternetGateway {
                    name: Some(leaf(name)),
                    id: Some(leaf(&first.internet_gateway_id)),
                    route_table: None,
                });
            }
        }
        let used = tables.iter().find_map(|t| {
            t.routes
                .iter()
                .filter(|r| destination(r).is_some())
                .find_map(|r| match classify(r) {
                    Target::InternetGateway(g) => Some(g),
                    _ => None,
                })
                .or_else(|| {
                    t.associations
                        .iter()
                        .filter_map(|a| present(&a.gateway_id))
                        .find(|g| g.starts_with("igw-"))
                })
        })?;
        let why = if self.docs.internet_gateways.is_some() {
            "does not list it as attached to this VPC"
        } else {
            "is missing"
        };
        self.note(format!(
            "internet gateway {used} is taken from the route tables: {INTERNET_GATEWAYS} {why}"
        ));
        Some(RawInternetGateway {
            name: Some(leaf(sanitize(used).unwrap_or_else(|| "igw".into()))),
            id: Some(leaf(used)),
            route_table: None,
        })
    }

    /// IDs of route targets of one kind, in the order the route tables use them.
    fn route_targets<'t>(
        tables: &[&'t json::RouteTable],
        pick: impl Fn(Target<'t>) -> Option<&'t str>,
    ) -> Vec<&'t str> {
        let mut seen = HashSet::new();
        tables
            .iter()
            .flat_map(|t| &t.routes)
            .filter(|r| destination(r).is_some())
            .filter_map(|r| pick(classify(r)))
            .filter(|id| seen.insert(*id))
            .collect()
    }

    fn nat_gateways(
        &mut self,
        tables: &[&json::RouteTable],
        subnets: &NamedMap<RawSubnet>,
        ids: &mut Ids,
    ) -> NamedMap<RawNatGateway> {
        let subnet_name = |id: &str| {
            subnets
                .iter()
                .find(|(_, s)| s.id.as_ref().is_some_and(|l| l.text == id))
                .map(|(n, _)| n.text.clone())
        };
        // (id, tags, entry)
        let mut found: Vec<(String, &[Tag], RawNatGateway)> = Vec::new();
        if let Some(d) = &self.docs.nat_gateways {
            let (ours, other): (Vec<&json::NatGateway>, Vec<_>) =
                d.nat_gateways.iter().partition(|n| self.ours(&n.vpc_id));
            self.skipped_elsewhere(NAT_GATEWAYS, "NAT gateways", other.len());
            for n in ours {
                if matches!(n.state.as_deref(), Some("deleted" | "failed")) {
                    self.note(format!(
                        "NAT gateway {} is skipped: its state is {}",
                        labelled(&n.nat_gateway_id, &n.tags),
                        n.state.as_deref().unwrap_or_default()
                    ));
                    continue;
                }
                let primary = n
                    .nat_gateway_addresses
                    .iter()
                    .find(|a| a.is_primary == Some(true))
                    .or_else(|| n.nat_gateway_addresses.first());
                if n.nat_gateway_addresses.len() > 1 {
                    self.note(format!(
                        "NAT gateway {}: only its primary address is imported",
                        n.nat_gateway_id
                    ));
                }
                let subnet = present(&n.subnet_id).and_then(|s| {
                    let name = subnet_name(s);
                    if name.is_none() {
                        self.note(format!(
                            "NAT gateway {} is not placed: its subnet {s} is not imported",
                            n.nat_gateway_id
                        ));
                    }
                    name
                });
                found.push((
                    n.nat_gateway_id.clone(),
                    &n.tags,
                    RawNatGateway {
                        id: Some(leaf(&n.nat_gateway_id)),
                        subnet: subnet.map(leaf),
                        public_ip: primary.and_then(|a| present(&a.public_ip)).map(leaf),
                        private_ip: primary.and_then(|a| present(&a.private_ip)).map(leaf),
                    },
                ));
            }
        }
        let routed = Self::route_targets(tables, |t| match t {
            Target::Nat(n) => Some(n),
            _ => None,
        });
        for id in routed {
            if found.iter().any(|(f, _, _)| f == id) {
                continue;
            }
            let why = if self.docs.nat_gateways.is_some() {
                format!("{NAT_GATEWAYS} does not list it")
            } else {
                format!("{NAT_GATEWAYS} is missing")
            };
            self.note(format!(
                "NAT gateway {id} is used by routes but not placed in a subnet: {why}"
            ));
            found.push((
                id.to_owned(),
                &[],
                RawNatGateway {
                    id: Some(leaf(id)),
                    ..RawNatGateway::default()
                },
            ));
        }
        let wanted: Vec<Wanted> = found
            .iter()
            .map(|(id, tags, _)| wanted(id, tags, None))
            .collect();
        let names = self.name_all("NAT gateway", &wanted, &[]);
        let mut out = NamedMap::default();
        for ((id, _, nat), name) in found.into_iter().zip(names) {
            ids.nats.entry(id).or_insert_with(|| name.clone());
            out.push(name, nat);
        }
        out
    }

    fn firewall_endpoints(
        &mut self,
        tables: &[&json::RouteTable],
        subnets: &NamedMap<RawSubnet>,
        ids: &mut Ids,
    ) -> NamedMap<RawFirewallEndpoint> {
        let subnet_name = |id: &str| {
            subnets
                .iter()
                .find(|(_, s)| s.id.as_ref().is_some_and(|l| l.text == id))
                .map(|(n, _)| n.text.clone())
        };
        // (endpoint id, wanted name, subnet)
        let mut found: Vec<(String, Option<String>, Option<String>)> = Vec::new();
        if let Some(d) = &self.docs.firewall {
            let fw_name = d.firewall.as_ref().and_then(|f| present(&f.firewall_name));
            let fw_vpc = d.firewall.as_ref().and_then(|f| present(&f.vpc_id));
            if let Some(v) = fw_vpc
                && !self.ours(v)
            {
                self.note(format!(
                    "{FIREWALL}: the firewall{} is in {v}, not {}; its endpoints are skipped",
                    fw_name.map(|n| format!(" {n}")).unwrap_or_default(),
                    self.vpc_id
                ));
            } else {
                for (az, state) in &d.firewall_status.sync_states {
                    let Some(a) = &state.attachment else {
                        self.note(format!("{FIREWALL}: no endpoint in {az} yet; skipped"));
                        continue;
                    };
                    let Some(endpoint) = present(&a.endpoint_id) else {
                        self.note(format!(
                            "{FIREWALL}: the endpoint in {az} has no ID yet; skipped"
                        ));
                        continue;
                    };
                    let subnet = subnet_name(&a.subnet_id);
                    if subnet.is_none() {
                        self.note(format!(
                            "firewall endpoint {endpoint} is not placed: its subnet {} is not imported",
                            a.subnet_id
                        ));
                    }
                    let base = fw_name.map(|n| format!("{n}-{az}"));
                    found.push((endpoint.to_owned(), base, subnet));
                }
            }
        }
        let routed = Self::route_targets(tables, |t| match t {
            Target::Endpoint(e) => Some(e),
            _ => None,
        });
        for id in routed {
            if found.iter().any(|(f, _, _)| f == id) {
                continue;
            }
            let why = if self.docs.firewall.is_some() {
                format!(
                    "{FIREWALL} does not list it (a Gateway Load Balancer endpoint, or another firewall's)"
                )
            } else {
                format!("{FIREWALL} is missing")
            };
            self.note(format!(
                "firewall endpoint {id} is used by routes but not placed in a subnet: {why}"
            ));
            found.push((id.to_owned(), None, None));
        }
        let wanted: Vec<Wanted> = found
            .iter()
            .map(|(id, base, _)| wanted(id, &[], base.as_deref()))
            .collect();
        let names = self.name_all("firewall endpoint", &wanted, &[]);
        let mut out = NamedMap::default();
        for ((id, _, subnet), name) in found.into_iter().zip(names) {
            out.push(
                name.clone(),
                RawFirewallEndpoint {
                    id: Some(leaf(&id)),
                    subnet: subnet.map(leaf),
                },
            );
            ids.endpoints.entry(id).or_insert(name);
        }
        out
    }

    fn route_table(
        &mut self,
        t: &json::RouteTable,
        name: &str,
        vpc_blocks: &[Cidr],
        igw: Option<&RawInternetGateway>,
        ids: &Ids,
    ) -> RawRouteTable {
        let main = t
            .associations
            .iter()
            .any(|a| a.main && associated(&a.association_state));
        let mut routes = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for r in &t.routes {
            let Some(dest) = destination(r) else {
                match present(&r.destination_prefix_list_id) {
                    Some(pl) => self.note(format!(
                        "route table {name}: the route to prefix list {pl} is skipped: Rampart \
                         routes by CIDR block only"
                    )),
                    None => self.note(format!(
                        "route table {name}: a route with no destination is skipped"
                    )),
                }
                continue;
            };
            if !seen.insert(canonical(dest)) {
                self.note(format!(
                    "route table {name}: a second route to {dest} is skipped (the first one \
                     listed is kept)"
                ));
                continue;
            }
            let word = |w: &str| RawRouteTarget {
                kind: leaf(w),
                name: None,
            };
            let named = |k: &str, n: &str| RawRouteTarget {
                kind: leaf(k),
                name: Some(leaf(n)),
            };
            let target = match classify(r) {
                Target::Blackhole => word("blackhole"),
                Target::Local => {
                    let in_vpc =
                        ParsedCidr::parse(dest).is_ok_and(|p| vpc_blocks.contains(&p.cidr));
                    if !in_vpc && !vpc_blocks.is_empty() {
                        self.note(format!(
                            "route table {name}: the local route to {dest} is skipped: it is not \
                             one of the VPC's associated blocks"
                        ));
                        continue;
                    }
                    word("local")
                }
                Target::InternetGateway(g) => {
                    if igw.is_some_and(|i| i.id.as_ref().is_some_and(|id| id.text == g)) {
                        word("internet_gateway")
                    } else {
                        self.note(format!(
                            "route table {name}: the route to {dest} uses {g}, which is not this \
                             VPC's internet gateway; it is kept as an external target"
                        ));
                        named("external", g)
                    }
                }
                Target::Nat(n) => named("nat_gateway", ids.nats.get(n).map_or(n, String::as_str)),
                Target::Endpoint(e) => named(
                    "firewall_endpoint",
                    ids.endpoints.get(e).map_or(e, String::as_str),
                ),
                Target::External(x) => named("external", x),
                Target::Missing => {
                    self.note(format!(
                        "route table {name}: the route to {dest} has no target Rampart knows; skipped"
                    ));
                    continue;
                }
            };
            routes.push(RawRoute {
                destination: leaf(dest.trim()),
                target,
            });
        }
        RawRouteTable {
            id: Some(leaf(&t.route_table_id)),
            main: main.then(|| leaf("true")),
            routes,
        }
    }

    fn network_acls(
        &mut self,
        subnets: &mut NamedMap<RawSubnet>,
        ids: &Ids,
    ) -> NamedMap<RawNetworkAcl> {
        let Some(d) = &self.docs.network_acls else {
            self.missing_file(
                NETWORK_ACLS,
                "every subnet uses a default network ACL with AWS's default rules",
            );
            return NamedMap::default();
        };
        let mut ours = Vec::new();
        let mut other = 0;
        for (i, acl) in d.network_acls.iter().enumerate() {
            if self.ours(&acl.vpc_id) {
                ours.push((i, acl));
            } else {
                other += 1;
            }
        }
        self.skipped_elsewhere(NETWORK_ACLS, "network ACLs", other);
        let wanted: Vec<Wanted> = ours
            .iter()
            .map(|(_, a)| wanted(&a.network_acl_id, &a.tags, None))
            .collect();
        let names = self.name_all("network ACL", &wanted, &[]);
        let mut out = NamedMap::default();
        for ((ai, acl), name) in ours.into_iter().zip(names) {
            let mut ingress = Vec::new();
            let mut egress = Vec::new();
            for (ei, e) in acl.entries.iter().enumerate() {
                // AWS's `*` rules, which Rampart applies implicitly.
                if matches!(e.rule_number, 32767 | 32768) {
                    continue;
                }
                let Some(cidr) = present(&e.cidr_block).or(present(&e.ipv6_cidr_block)) else {
                    self.errors.push(Diagnostic {
                        file: NETWORK_ACLS.into(),
                        path: format!("NetworkAcls[{ai}].Entries[{ei}]"),
                        line: None,
                        column: None,
                        found: None,
                        message: "an entry needs a CidrBlock or an Ipv6CidrBlock".into(),
                    });
                    continue;
                };
                let protocol = protocol_text(&e.protocol);
                let (mut ports, mut icmp_type, mut icmp_code) = (None, None, None);
                match protocol.as_str() {
                    "tcp" | "udp" => {
                        ports = e.port_range.as_ref().map(|p| leaf(port_text(p.from, p.to)));
                    }
                    "icmp" | "icmpv6" => {
                        if let Some(tc) = &e.icmp_type_code {
                            (icmp_type, icmp_code) = icmp_fields(Some(tc.icmp_type), Some(tc.code));
                        }
                    }
                    _ => {}
                }
                let rule = RawNaclRule {
                    rule: leaf(e.rule_number.to_string()),
                    action: leaf(e.rule_action.trim().to_ascii_lowercase()),
                    protocol: leaf(protocol),
                    ports,
                    icmp_type,
                    icmp_code,
                    cidr: leaf(cidr.trim()),
                };
                if e.egress {
                    egress.push(rule);
                } else {
                    ingress.push(rule);
                }
            }
            for a in &acl.associations {
                let Some(subnet) = ids.subnets.get(&a.subnet_id) else {
                    if self.docs.subnets.is_some() {
                        self.note(format!(
                            "network ACL {name}: its association with subnet {} is skipped: \
                             {SUBNETS} does not list that subnet",
                            a.subnet_id
                        ));
                    }
                    continue;
                };
                // Subnets on the default NACL are left implicit, as a new subnet would be.
                if !acl.is_default
                    && let Some((_, s)) = subnets.0.iter_mut().find(|(n, _)| &n.text == subnet)
                {
                    s.network_acl = Some(leaf(&name));
                }
            }
            out.push(
                name,
                RawNetworkAcl {
                    id: Some(leaf(&acl.network_acl_id)),
                    default: acl.is_default.then(|| leaf("true")),
                    ingress: Some(ingress),
                    egress: Some(egress),
                },
            );
        }
        out
    }

    /// Customer-managed lists, lists used by this VPC's rules or routes, and lists whose
    /// entries were exported. Other AWS-managed lists (every region has a dozen) are left
    /// out so that they do not crowd the configuration.
    fn prefix_lists(
        &mut self,
        tables: &[&json::RouteTable],
        ids: &mut Ids,
    ) -> NamedMap<RawPrefixList> {
        let docs = self.docs;
        let mut used: HashSet<&str> = tables
            .iter()
            .flat_map(|t| &t.routes)
            .filter_map(|r| present(&r.destination_prefix_list_id))
            .collect();
        if let Some(d) = &docs.security_groups {
            for g in d.security_groups.iter().filter(|g| self.ours(&g.vpc_id)) {
                for p in g.ip_permissions.iter().chain(&g.ip_permissions_egress) {
                    used.extend(p.prefix_list_ids.iter().map(|p| p.prefix_list_id.as_str()));
                }
            }
        }
        let entries_of = |id: &str| {
            docs.prefix_list_entries
                .iter()
                .find(|(pl, _)| pl == id)
                .map(|(_, e)| e)
        };
        let mut found: Vec<(String, RawPrefixList)> = Vec::new();
        let mut wanted_names: Vec<Wanted> = Vec::new();
        let mut left_out = Vec::new();
        for pl in docs.prefix_lists.iter().flat_map(|d| &d.prefix_lists) {
            let id = pl.prefix_list_id.as_str();
            let aws_managed = pl.owner_id.as_deref() == Some("AWS");
            if aws_managed && !used.contains(id) && entries_of(id).is_none() {
                left_out.push(
                    present(&pl.prefix_list_name)
                        .map_or_else(|| id.to_owned(), |n| format!("{id} ({n})")),
                );
                continue;
            }
            if found.iter().any(|(f, _)| f == id) {
                continue;
            }
            let entries = match entries_of(id) {
                Some(e) => Some(Self::entries(e)),
                None => {
                    self.note(format!(
                        "prefix list {}: entries unknown ({PREFIX_LIST_ENTRIES}{id}.json is \
                         missing), so rules that use it match nothing here",
                        labelled(id, &pl.tags)
                    ));
                    None
                }
            };
            wanted_names.push(wanted(id, &pl.tags, present(&pl.prefix_list_name)));
            found.push((
                id.to_owned(),
                RawPrefixList {
                    id: Some(leaf(id)),
                    address_family: present(&pl.address_family).map(leaf),
                    max_entries: pl.max_entries.map(|n| leaf(n.to_string())),
                    entries,
                },
            ));
        }
        if !left_out.is_empty() {
            self.note(format!(
                "{PREFIX_LISTS}: {} AWS-managed prefix lists that nothing here uses are left out: {}",
                left_out.len(),
                left_out.join(", ")
            ));
        }
        for (id, e) in &docs.prefix_list_entries {
            if found.iter().any(|(f, _)| f == id) {
                continue;
            }
            self.note(format!(
                "prefix list {id} is imported from its entries alone: {PREFIX_LISTS} does not \
                 list it"
            ));
            wanted_names.push(wanted(id, &[], None));
            found.push((
                id.clone(),
                RawPrefixList {
                    id: Some(leaf(id)),
                    entries: Some(Self::entries(e)),
                    ..RawPrefixList::default()
                },
            ));
        }
        let names = self.name_all("prefix list", &wanted_names, &[]);
        let mut out = NamedMap::default();
        for ((id, pl), name) in found.into_iter().zip(names) {
            ids.prefix_lists.entry(id).or_insert_with(|| name.clone());
            out.push(name, pl);
        }
        out
    }

    fn entries(e: &json::PrefixListEntries) -> Vec<RawPrefixListEntry> {
        e.entries
            .iter()
            .map(|e| RawPrefixListEntry {
                cidr: leaf(e.cidr.trim()),
                description: present(&e.description).map(leaf),
            })
            .collect()
    }

    fn security_groups(&mut self, ids: &mut Ids) -> NamedMap<RawSecurityGroup> {
        let Some(d) = &self.docs.security_groups else {
            self.missing_file(
                SECURITY_GROUPS,
                "the VPC gets AWS's default security group only",
            );
            return NamedMap::default();
        };
        let (ours, other): (Vec<&json::SecurityGroup>, Vec<_>) =
            d.security_groups.iter().partition(|g| self.ours(&g.vpc_id));
        self.skipped_elsewhere(SECURITY_GROUPS, "security groups", other.len());
        let mut wanted_names = Vec::new();
        for g in &ours {
            if g.group_name.as_deref() == Some("default") {
                wanted_names.push(Wanted {
                    id: g.group_id.clone(),
                    base: "default".into(),
                    owns_reserved: true,
                });
                continue;
            }
            // AWS reserves `sg-` for IDs, so a name that starts with it cannot be used.
            let usable = |s: Option<&str>| {
                s.and_then(sanitize)
                    .filter(|n| !n.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("sg-")))
            };
            let base = usable(tag(&g.tags, "Name"))
                .or_else(|| usable(g.group_name.as_deref()))
                .or_else(|| sanitize(&format!("group-{}", g.group_id)))
                .unwrap_or_else(|| "group".into());
            wanted_names.push(Wanted {
                id: g.group_id.clone(),
                base,
                owns_reserved: false,
            });
        }
        let names = self.name_all("security group", &wanted_names, &["default"]);
        for (g, name) in ours.iter().zip(&names) {
            ids.security_groups
                .entry(g.group_id.clone())
                .or_insert_with(|| name.clone());
        }
        let mut out = NamedMap::default();
        for (g, name) in ours.into_iter().zip(names) {
            let ingress = self.sg_rules(&name, "ingress", &g.ip_permissions, ids);
            let egress = self.sg_rules(&name, "egress", &g.ip_permissions_egress, ids);
            out.push(
                name,
                RawSecurityGroup {
                    id: Some(leaf(&g.group_id)),
                    description: present(&g.description).map(leaf),
                    ingress: Some(ingress),
                    egress: Some(egress),
                },
            );
        }
        out
    }

    /// One rule per range, prefix list and group of each permission, in AWS's order.
    fn sg_rules(
        &mut self,
        group: &str,
        dir: &str,
        perms: &[json::IpPermission],
        ids: &Ids,
    ) -> Vec<RawSgRule> {
        let mut out = Vec::new();
        let mut seen: HashSet<(String, String, String, String, &str, String)> = HashSet::new();
        for p in perms {
            let protocol = protocol_text(&p.ip_protocol);
            let (mut ports, mut icmp_type, mut icmp_code) = (None, None, None);
            match protocol.as_str() {
                "tcp" | "udp" => {
                    ports = match (p.from_port, p.to_port) {
                        (Some(f), Some(t)) => Some(leaf(port_text(f, t))),
                        (Some(x), None) | (None, Some(x)) => Some(leaf(x.to_string())),
                        (None, None) => None,
                    };
                }
                "icmp" | "icmpv6" => (icmp_type, icmp_code) = icmp_fields(p.from_port, p.to_port),
                // AWS allows every port for other protocols, whatever the range says.
                _ => {}
            }
            let base = RawSgRule {
                protocol: leaf(&protocol),
                ports,
                icmp_type,
                icmp_code,
                ..RawSgRule::default()
            };
            let mut rules: Vec<(&str, RawSgRule)> = Vec::new();
            for r in &p.ip_ranges {
                rules.push((
                    "cidr",
                    RawSgRule {
                        cidr: Some(leaf(r.cidr_ip.trim())),
                        description: present(&r.description).map(leaf),
                        ..base.clone()
                    },
                ));
            }
            for r in &p.ipv6_ranges {
                rules.push((
                    "cidr",
                    RawSgRule {
                        cidr: Some(leaf(r.cidr_ipv6.trim())),
                        description: present(&r.description).map(leaf),
                        ..base.clone()
                    },
                ));
            }
            for r in &p.prefix_list_ids {
                let id = r.prefix_list_id.trim();
                rules.push((
                    "prefix_list",
                    RawSgRule {
                        prefix_list: Some(leaf(
                            ids.prefix_lists.get(id).map_or(id, String::as_str),
                        )),
                        description: present(&r.description).map(leaf),
                        ..base.clone()
                    },
                ));
            }
            for r in &p.user_id_group_pairs {
                // A group of another VPC or account, or a deleted one, stays an ID, which
                // validation keeps as an external reference.
                let id = r.group_id.trim();
                rules.push((
                    "security_group",
                    RawSgRule {
                        security_group: Some(leaf(
                            ids.security_groups.get(id).map_or(id, String::as_str),
                        )),
                        description: present(&r.description).map(leaf),
                        ..base.clone()
                    },
                ));
            }
            for (kind, rule) in rules {
                let peer = match kind {
                    "cidr" => rule.cidr.as_ref().map(|l| canonical(&l.text)),
                    "prefix_list" => rule.prefix_list.as_ref().map(|l| l.text.clone()),
                    _ => rule.security_group.as_ref().map(|l| l.text.clone()),
                }
                .unwrap_or_default();
                let text =
                    |l: &Option<Leaf>| l.as_ref().map(|l| l.text.clone()).unwrap_or_default();
                let key = (
                    protocol.clone(),
                    text(&rule.ports),
                    text(&rule.icmp_type),
                    text(&rule.icmp_code),
                    kind,
                    peer.clone(),
                );
                if !seen.insert(key) {
                    self.note(format!(
                        "security group {group}: a second {dir} rule {protocol}{}{} with {peer} is \
                         dropped: AWS reports it twice, Rampart keeps one",
                        rule.ports
                            .as_ref()
                            .map(|p| format!(" {}", p.text))
                            .unwrap_or_default(),
                        rule.icmp_type
                            .as_ref()
                            .map(|t| format!(" type {}", t.text))
                            .unwrap_or_default(),
                    ));
                    continue;
                }
                out.push(rule);
            }
        }
        out
    }

    fn instances(&mut self, ids: &Ids) -> NamedMap<RawInstance> {
        let Some(d) = &self.docs.instances else {
            self.missing_file(INSTANCES, "the import has no instances");
            return NamedMap::default();
        };
        let mut kept: Vec<(&json::Instance, RawInstance)> = Vec::new();
        let mut other = 0;
        for inst in d.reservations.iter().flat_map(|r| &r.instances) {
            let label = labelled(&inst.instance_id, &inst.tags);
            let state = inst.state.as_ref().map(|s| s.name.as_str());
            if matches!(state, Some("terminated" | "shutting-down")) {
                self.note(format!(
                    "instance {label} is skipped: it is {}",
                    state.unwrap_or_default()
                ));
                continue;
            }
            let subnet_id = present(&inst.subnet_id);
            let in_vpc = match present(&inst.vpc_id) {
                Some(v) => self.ours(v),
                None => subnet_id.is_some_and(|s| ids.subnets.contains_key(s)),
            };
            if !in_vpc {
                other += 1;
                continue;
            }
            let Some((subnet_id, subnet)) =
                subnet_id.and_then(|s| ids.subnets.get(s).map(|n| (s, n)))
            else {
                if self.docs.subnets.is_some() {
                    self.note(format!(
                        "instance {label} is skipped: its subnet {} is not in {SUBNETS}",
                        subnet_id.unwrap_or("(none)")
                    ));
                }
                continue;
            };
            if let Some(raw) = self.instance(inst, &label, subnet_id, subnet, ids) {
                kept.push((inst, raw));
            }
        }
        self.skipped_elsewhere(INSTANCES, "instances", other);
        let wanted: Vec<Wanted> = kept
            .iter()
            .map(|(i, _)| wanted(&i.instance_id, &i.tags, None))
            .collect();
        let names = self.name_all("instance", &wanted, &["internet"]);
        let mut out = NamedMap::default();
        for ((_, raw), name) in kept.into_iter().zip(names) {
            out.push(name, raw);
        }
        out
    }

    fn instance(
        &mut self,
        inst: &json::Instance,
        label: &str,
        subnet_id: &str,
        subnet: &str,
        ids: &Ids,
    ) -> Option<RawInstance> {
        // The primary interface (device 0) first; addresses on interfaces in other subnets
        // cannot be modelled, as Rampart places an instance in one subnet.
        let mut enis: Vec<&json::NetworkInterface> = inst.network_interfaces.iter().collect();
        enis.sort_by_key(|e| {
            e.attachment
                .as_ref()
                .and_then(|a| a.device_index)
                .unwrap_or(i64::MAX)
        });
        let (enis, elsewhere): (Vec<_>, Vec<_>) = enis
            .into_iter()
            .partition(|e| present(&e.subnet_id).is_none_or(|s| s == subnet_id));
        for e in elsewhere {
            self.note(format!(
                "instance {label}: the addresses of its interface {} in subnet {} are skipped: \
                 Rampart places an instance in one subnet",
                e.network_interface_id.as_deref().unwrap_or("(unnamed)"),
                e.subnet_id.as_deref().unwrap_or_default()
            ));
        }
        let mut private_ips: Vec<String> = Vec::new();
        let mut ipv6: Vec<String> = Vec::new();
        let mut public_ips: Vec<&str> = Vec::new();
        for e in &enis {
            let mut addrs: Vec<&json::PrivateIpAddress> = e.private_ip_addresses.iter().collect();
            addrs.sort_by_key(|a| !a.primary);
            for a in addrs {
                let ip = a.private_ip_address.trim().to_owned();
                if !ip.is_empty() && !private_ips.contains(&ip) {
                    private_ips.push(ip);
                }
                if let Some(p) = a.association.as_ref().and_then(|x| present(&x.public_ip)) {
                    public_ips.push(p);
                }
            }
            for a in &e.ipv6_addresses {
                let ip = a.ipv6_address.trim().to_owned();
                if !ip.is_empty() && !ipv6.contains(&ip) {
                    ipv6.push(ip);
                }
            }
        }
        if private_ips.is_empty()
            && let Some(ip) = present(&inst.private_ip_address)
        {
            private_ips.push(ip.trim().to_owned());
        }
        if private_ips.is_empty() && ipv6.is_empty() {
            self.note(format!(
                "instance {label} is skipped: it has no private address"
            ));
            return None;
        }
        let public_ip = present(&inst.public_ip_address).or(public_ips.first().copied());
        if public_ips.iter().any(|p| Some(*p) != public_ip) {
            self.note(format!(
                "instance {label}: only its primary public address is imported"
            ));
        }

        // Rampart applies groups per instance; AWS per interface.
        let mut group_ids: Vec<&str> = Vec::new();
        let mut sets: Vec<Vec<&str>> = Vec::new();
        let instance_level: Vec<&str> = inst
            .security_groups
            .iter()
            .map(|g| g.group_id.trim())
            .collect();
        if !instance_level.is_empty() {
            sets.push(instance_level.clone());
        }
        for e in &enis {
            if !e.groups.is_empty() {
                sets.push(e.groups.iter().map(|g| g.group_id.trim()).collect());
            }
        }
        for set in &sets {
            for g in set {
                if !group_ids.contains(g) {
                    group_ids.push(g);
                }
            }
        }
        let differ = sets.iter().any(|s| {
            let a: HashSet<&&str> = s.iter().collect();
            let b: HashSet<&&str> = group_ids.iter().collect();
            a != b
        });
        if differ {
            self.note(format!(
                "instance {label}: its interfaces have different security groups; Rampart \
                 models groups per instance and gives it all of them"
            ));
        }
        let mut groups = Vec::new();
        let mut unknown = Vec::new();
        for g in &group_ids {
            match ids.security_groups.get(*g) {
                Some(n) => groups.push(leaf(n)),
                None => unknown.push(*g),
            }
        }
        if !unknown.is_empty() {
            self.note(format!(
                "instance {label}: security groups {} are not in {SECURITY_GROUPS} and are left out{}",
                unknown.join(", "),
                if groups.is_empty() {
                    "; it gets the VPC's default group"
                } else {
                    ""
                }
            ));
        }
        let mut tags = NamedMap::default();
        for t in &inst.tags {
            tags.push(&t.key, leaf(&t.value));
        }
        Some(RawInstance {
            id: Some(leaf(&inst.instance_id)),
            subnet: leaf(subnet),
            private_ips: private_ips.into_iter().map(leaf).collect(),
            ipv6_addresses: ipv6.into_iter().map(leaf).collect(),
            public_ip: public_ip.map(|p| leaf(p.trim())),
            security_groups: (!groups.is_empty()).then_some(groups),
            tags,
        })
    }
}
