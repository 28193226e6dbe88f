//! Where a resource path (`security_groups.web.ingress[2]`, `network_acls.public`) is written in
//! a parsed document, so that a finding about the model can point at a line of the file.
//!
//! The path is resolved as far as the document allows: `security_groups.web.ingress[9]` in a
//! group with two rules gives the group's position, and a resource the file never wrote (AWS's
//! default group, a default rule) gives `None`.

use crate::diag::Pos;
use crate::raw::{
    Leaf, NamedMap, RawConfig, RawListener, RawNaclRule, RawNetworkAcl, RawPrefixListEntry,
    RawRoute, RawSecurityGroup, RawSgRule, RawTarget,
};

/// The position of the item at `path` in `raw`, or of the deepest item above it that the
/// document holds.
pub fn locate(raw: &RawConfig, path: &str) -> Option<Pos> {
    let (section, rest) = path.split_once('.').unwrap_or((path, ""));
    match section {
        "vpc" => {
            let v = raw.vpc.as_ref()?;
            let field = first_field(rest);
            let list = |l: &[Leaf]| match index_of(rest) {
                Some(i) => l.get(i).and_then(|l| l.pos),
                None => first_pos(l.iter()),
            };
            let pos = match field {
                "name" => leaf(&v.name),
                "id" => leaf(&v.id),
                "cidr_blocks" => list(&v.cidr_blocks),
                "ipv6_cidr_blocks" => list(&v.ipv6_cidr_blocks),
                _ => None,
            };
            pos.or_else(|| {
                first_pos(
                    v.name
                        .iter()
                        .chain(&v.id)
                        .chain(&v.cidr_blocks)
                        .chain(&v.ipv6_cidr_blocks),
                )
            })
        }
        "internet_gateway" => {
            let g = raw.internet_gateway.as_ref()?;
            let all = || first_pos(g.name.iter().chain(&g.id).chain(&g.route_table));
            match first_field(rest) {
                "name" => leaf(&g.name),
                "id" => leaf(&g.id),
                "route_table" => leaf(&g.route_table),
                _ => None,
            }
            .or_else(all)
        }
        "prefix_lists" => named(&raw.prefix_lists, rest, |pl, sub| match first_field(sub) {
            "id" => leaf(&pl.id),
            "address_family" => leaf(&pl.address_family),
            "max_entries" => leaf(&pl.max_entries),
            "entries" => {
                let entries = pl.entries.as_deref()?;
                match index_of(sub) {
                    Some(i) => entries.get(i).and_then(|e| entry_pos(e, after_index(sub))),
                    None => entries.first().and_then(|e| entry_pos(e, "")),
                }
            }
            _ => None,
        }),
        "route_tables" => named(&raw.route_tables, rest, |rt, sub| match first_field(sub) {
            "id" => leaf(&rt.id),
            "main" => leaf(&rt.main),
            "routes" => match index_of(sub) {
                Some(i) => rt
                    .routes
                    .get(i)
                    .and_then(|r| route_pos(r, after_index(sub))),
                None => rt.routes.first().and_then(|r| route_pos(r, "")),
            },
            _ => None,
        }),
        "subnets" => named(&raw.subnets, rest, |s, sub| match first_field(sub) {
            "id" => leaf(&s.id),
            "cidr" => leaf(&s.cidr),
            "ipv6_cidr" => leaf(&s.ipv6_cidr),
            "availability_zone" => leaf(&s.availability_zone),
            "tier" => leaf(&s.tier),
            "route_table" => leaf(&s.route_table),
            "network_acl" => leaf(&s.network_acl),
            _ => None,
        }),
        "nat_gateways" => named(&raw.nat_gateways, rest, |n, sub| match first_field(sub) {
            "id" => leaf(&n.id),
            "subnet" => leaf(&n.subnet),
            "public_ip" => leaf(&n.public_ip),
            "private_ip" => leaf(&n.private_ip),
            _ => None,
        }),
        "firewall_endpoints" => named(&raw.firewall_endpoints, rest, |e, sub| {
            match first_field(sub) {
                "id" => leaf(&e.id),
                "subnet" => leaf(&e.subnet),
                _ => None,
            }
        }),
        "network_acls" => named(&raw.network_acls, rest, nacl_pos),
        "security_groups" => named(&raw.security_groups, rest, sg_pos),
        "instances" => named(&raw.instances, rest, |i, sub| match first_field(sub) {
            "id" => leaf(&i.id),
            "subnet" => i.subnet.pos,
            "public_ip" => leaf(&i.public_ip),
            "private_ips" => list_pos(&i.private_ips, sub),
            "ipv6_addresses" => list_pos(&i.ipv6_addresses, sub),
            "security_groups" => list_pos(i.security_groups.as_deref()?, sub),
            "tags" => i.tags.0.first().and_then(|(k, _)| k.pos),
            _ => None,
        }),
        "target_groups" => named(&raw.target_groups, rest, |g, sub| match first_field(sub) {
            "protocol" => leaf(&g.protocol),
            "protocol_version" => leaf(&g.protocol_version),
            "port" => leaf(&g.port),
            "algorithm" => leaf(&g.algorithm),
            "slow_start_seconds" => leaf(&g.slow_start_seconds),
            "deregistration_delay_seconds" => leaf(&g.deregistration_delay_seconds),
            "targets" => match index_of(sub) {
                Some(i) => g.targets.get(i).and_then(target_pos),
                None => g.targets.first().and_then(target_pos),
            },
            _ => None,
        }),
        "load_balancers" => named(&raw.load_balancers, rest, |lb, sub| {
            match first_field(sub) {
                "subnets" => list_pos(&lb.subnets, sub),
                "security_groups" => list_pos(&lb.security_groups, sub),
                "listeners" => match index_of(sub) {
                    Some(i) => lb
                        .listeners
                        .get(i)
                        .and_then(|l| listener_pos(l, after_index(sub))),
                    None => lb.listeners.first().and_then(|l| listener_pos(l, "")),
                },
                "web_acl" => leaf(&lb.web_acl),
                _ => None,
            }
        }),
        "web_acls" => named(&raw.web_acls, rest, |w, sub| match first_field(sub) {
            "file" => leaf(&w.file),
            "rule_groups" => list_pos(&w.rule_groups, sub),
            "ip_sets" => list_pos(&w.ip_sets, sub),
            "regex_pattern_sets" => list_pos(&w.regex_pattern_sets, sub),
            "ip_lists" => {
                let rule = sub.strip_prefix("ip_lists.").unwrap_or("");
                w.ip_lists.iter().find(|(k, _)| k.text == rule).map_or_else(
                    || first_pos(w.ip_lists.iter().map(|(_, f)| f)),
                    |(_, f)| f.pos,
                )
            }
            "log" => w.log.as_ref().and_then(|l| leaf(&l.path)),
            "geo_database" => leaf(&w.geo_database),
            "token_secret_file" => leaf(&w.token_secret_file),
            _ => None,
        }),
        _ => None,
    }
}

fn target_pos(t: &RawTarget) -> Option<Pos> {
    leaf(&t.address).or(leaf(&t.instance))
}

/// A listener, or one of its rules (by the rule's priority, the first thing a rule says).
fn listener_pos(l: &RawListener, sub: &str) -> Option<Pos> {
    let fields = [
        ("protocol", l.protocol.as_ref()),
        ("port", l.port.as_ref()),
        ("address", l.address.as_ref()),
        ("ssl_policy", l.ssl_policy.as_ref()),
    ];
    if first_field(sub) == "rules"
        && let Some(r) = index_of(sub).and_then(|i| l.rules.get(i))
        && let Some(p) = leaf(&r.priority)
    {
        return Some(p);
    }
    field_or_first(&fields, sub)
}

/// An item of a named section: the longest name that the path starts with (names may hold
/// dots), then what `inner` finds below it, else the item itself.
fn named<T>(map: &NamedMap<T>, rest: &str, inner: impl Fn(&T, &str) -> Option<Pos>) -> Option<Pos> {
    let (key, item, sub) = map
        .0
        .iter()
        .filter_map(|(k, v)| {
            let n = k.text.as_str();
            if rest == n {
                Some((k, v, ""))
            } else {
                rest.strip_prefix(n)
                    .and_then(|r| r.strip_prefix('.'))
                    .map(|sub| (k, v, sub))
            }
        })
        .max_by_key(|(k, _, _)| k.text.len())?;
    if sub.is_empty() {
        return key.pos;
    }
    inner(item, sub).or(key.pos)
}

fn nacl_pos(acl: &RawNetworkAcl, sub: &str) -> Option<Pos> {
    let rules = match first_field(sub) {
        "id" => return leaf(&acl.id),
        "default" => return leaf(&acl.default),
        "ingress" => acl.ingress.as_deref()?,
        "egress" => acl.egress.as_deref()?,
        _ => return None,
    };
    match index_of(sub) {
        Some(i) => rules
            .get(i)
            .and_then(|r| nacl_rule_pos(r, after_index(sub))),
        None => rules.first().and_then(|r| nacl_rule_pos(r, "")),
    }
}

fn nacl_rule_pos(r: &RawNaclRule, field: &str) -> Option<Pos> {
    let fields = [
        ("rule", Some(&r.rule)),
        ("action", Some(&r.action)),
        ("protocol", Some(&r.protocol)),
        ("ports", r.ports.as_ref()),
        ("icmp_type", r.icmp_type.as_ref()),
        ("icmp_code", r.icmp_code.as_ref()),
        ("cidr", Some(&r.cidr)),
    ];
    field_or_first(&fields, field)
}

fn sg_pos(g: &RawSecurityGroup, sub: &str) -> Option<Pos> {
    let rules = match first_field(sub) {
        "id" => return leaf(&g.id),
        "description" => return leaf(&g.description),
        "ingress" => g.ingress.as_deref()?,
        "egress" => g.egress.as_deref()?,
        _ => return None,
    };
    match index_of(sub) {
        Some(i) => rules.get(i).and_then(|r| sg_rule_pos(r, after_index(sub))),
        None => rules.first().and_then(|r| sg_rule_pos(r, "")),
    }
}

fn sg_rule_pos(r: &RawSgRule, field: &str) -> Option<Pos> {
    let fields = [
        ("protocol", Some(&r.protocol)),
        ("ports", r.ports.as_ref()),
        ("icmp_type", r.icmp_type.as_ref()),
        ("icmp_code", r.icmp_code.as_ref()),
        ("cidr", r.cidr.as_ref()),
        ("security_group", r.security_group.as_ref()),
        ("prefix_list", r.prefix_list.as_ref()),
        ("description", r.description.as_ref()),
    ];
    field_or_first(&fields, field)
}

fn route_pos(r: &RawRoute, field: &str) -> Option<Pos> {
    let target = r.target.name.as_ref().unwrap_or(&r.target.kind);
    let fields = [
        ("destination", Some(&r.destination)),
        ("target", Some(target)),
    ];
    field_or_first(&fields, field)
}

fn entry_pos(e: &RawPrefixListEntry, field: &str) -> Option<Pos> {
    let fields = [
        ("cidr", Some(&e.cidr)),
        ("description", e.description.as_ref()),
    ];
    field_or_first(&fields, field)
}

/// The named field's position, else the first-written field's: a mapping has no position of
/// its own, so its earliest value stands for it.
fn field_or_first(fields: &[(&str, Option<&Leaf>)], field: &str) -> Option<Pos> {
    let named = fields
        .iter()
        .find(|(k, _)| *k == first_field(field))
        .and_then(|(_, l)| l.and_then(|l| l.pos));
    named.or_else(|| first_pos(fields.iter().filter_map(|(_, l)| *l)))
}

fn list_pos(list: &[Leaf], sub: &str) -> Option<Pos> {
    match index_of(sub) {
        Some(i) => list.get(i).and_then(|l| l.pos),
        None => first_pos(list.iter()),
    }
}

fn leaf(l: &Option<Leaf>) -> Option<Pos> {
    l.as_ref().and_then(|l| l.pos)
}

fn first_pos<'a>(leaves: impl Iterator<Item = &'a Leaf>) -> Option<Pos> {
    leaves.filter_map(|l| l.pos).min()
}

/// `ingress` of `ingress[2].ports`.
fn first_field(sub: &str) -> &str {
    let end = sub.find(['.', '[']).unwrap_or(sub.len());
    &sub[..end]
}

/// `2` of `ingress[2].ports`, when the first segment is indexed.
fn index_of(sub: &str) -> Option<usize> {
    let head = &sub[first_field(sub).len()..];
    let inner = head.strip_prefix('[')?;
    inner[..inner.find(']')?].parse().ok()
}

/// `ports` of `ingress[2].ports`.
fn after_index(sub: &str) -> &str {
    let head = &sub[first_field(sub).len()..];
    head.find(']')
        .map_or("", |i| head[i + 1..].trim_start_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::parse_yaml;

    const DOC: &str = "\
vpc: {cidr_blocks: [10.0.0.0/16]}
subnets:
  public:
    cidr: 10.0.1.0/24
    tier: public
security_groups:
  web.v2:
    description: dotted name
    ingress:
      - {protocol: tcp, ports: 22, cidr: 0.0.0.0/0}
      - protocol: tcp
        ports: 80
        cidr: 0.0.0.0/0
  web: {}
network_acls:
  public:
    ingress:
      - {rule: 100, action: allow, protocol: tcp, ports: 443, cidr: 0.0.0.0/0}
route_tables:
  main:
    main: true
    routes:
      - {destination: 0.0.0.0/0, target: internet_gateway}
instances:
  a:
    subnet: public
    private_ips: [10.0.1.10]
target_groups:
  app: {port: 80, targets: [10.0.1.20]}
load_balancers:
  web:
    listeners:
      - protocol: HTTP
        port: 80
        rules:
          - priority: 5
            conditions: {path_pattern: [/a]}
            action: {forward: app}
        default_action: {forward: app}
";

    fn at(path: &str) -> Option<(usize, usize)> {
        let raw = parse_yaml(DOC, "t.yaml").unwrap();
        locate(&raw, path).map(|p| (p.line, p.column))
    }

    #[test]
    fn locates_items_rules_and_fields() {
        assert_eq!(at("subnets.public"), Some((4, 5)));
        assert_eq!(at("subnets.public.tier"), Some((5, 11)));
        assert_eq!(at("security_groups.web.v2"), Some((8, 5)));
        assert_eq!(at("security_groups.web.v2.ingress[0]"), Some((10, 20)));
        assert_eq!(at("security_groups.web.v2.ingress[1]"), Some((11, 19)));
        assert_eq!(
            at("security_groups.web.v2.ingress[1].ports"),
            Some((12, 16))
        );
        assert_eq!(at("security_groups.web.v2.ingress"), Some((10, 20)));
        assert_eq!(at("network_acls.public.ingress[0]"), Some((18, 16)));
        assert_eq!(at("route_tables.main.routes[0]"), Some((23, 23)));
        assert_eq!(at("instances.a.private_ips[0]"), Some((27, 19)));
        assert_eq!(at("vpc"), Some((1, 21)));
        assert_eq!(at("target_groups.app.targets[0]"), Some((29, 29)));
        assert_eq!(at("load_balancers.web.listeners[0]"), Some((33, 19)));
        assert_eq!(at("load_balancers.web.listeners[0].port"), Some((34, 15)));
        assert_eq!(
            at("load_balancers.web.listeners[0].rules[0]"),
            Some((36, 23))
        );
    }

    #[test]
    fn falls_back_to_the_deepest_item_written() {
        // An index past the list, and a direction the file leaves to AWS's default.
        assert_eq!(at("security_groups.web.v2.ingress[9]"), Some((8, 5)));
        assert_eq!(
            at("security_groups.web.egress[0]"),
            at("security_groups.web")
        );
        assert_eq!(at("network_acls.public.egress"), Some((17, 5)));
        assert_eq!(at("security_groups.default"), None);
        assert_eq!(at("nonsense.x"), None);
    }
}
