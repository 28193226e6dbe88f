//! Upkeep: references the model cannot resolve (RMP009), unused groups (RMP010), instances on
//! the default group (RMP017), redundant group rules (RMP018) and AWS quotas (RMP014).

use std::collections::{HashMap, HashSet};

use model::{Direction, Family, GroupRef, InstanceIdx, Model, NaclIdx, SgIdx, SgPeer, SgRule};

use super::boxes::{PacketBox, intersects_any, rule_boxes, subtract_all};
use super::catalog::{
    DEFAULT_SG_IN_USE, QUOTA_EXCEEDED, REDUNDANT_SG_RULE, UNRESOLVED_REFERENCE,
    UNUSED_SECURITY_GROUP,
};
use super::{
    Cx, Finding, Severity, and_list, capped_list, instance_path, nacl_path, sg_path, sg_rule_path,
};
use crate::explain::describe_sg_rule;

/// AWS's default quotas (VPC user guide, "Amazon VPC quotas").
const SG_RULES: usize = 60;
const SGS_PER_ENI: usize = 5;
const SGS_PER_ENI_MAX: usize = 16;
const RULES_TIMES_GROUPS: usize = 1000;
const NACL_RULES: usize = 20;
const NACL_RULES_MAX: usize = 40;
const NACLS_PER_VPC: usize = 200;

/// Past this many rules in one direction of one group, redundancy is not computed (the group is
/// far over quota already, which is reported).
const MAX_RULES_FOR_REDUNDANCY: usize = 500;

pub(super) fn check(cx: &mut Cx<'_>) {
    unresolved(cx);
    unused_groups(cx);
    default_group_in_use(cx);
    redundant_rules(cx);
    quotas(cx);
}

fn unresolved(cx: &mut Cx<'_>) {
    let m = cx.m;
    let mut uses_unknown_list: HashMap<usize, Vec<String>> = HashMap::new();
    let mut found = Vec::new();
    for (gi, g) in m.security_groups.iter().enumerate() {
        let gi = SgIdx(gi as u32);
        for dir in [Direction::Ingress, Direction::Egress] {
            for r in g.rules(dir) {
                let path = sg_rule_path(m, gi, dir, r.index);
                match &r.peer {
                    SgPeer::SecurityGroup(GroupRef::External(id)) => found.push(
                        Finding::new(UNRESOLVED_REFERENCE, path.clone())
                            .message(format!(
                                "security group {} {dir} rule references security group {id}, which is not in this VPC",
                                g.name
                            ))
                            .explanation(format!(
                                "A referenced group matches the private addresses of the interfaces that carry it. \
                                 {id} is not in the model: it was deleted (AWS then keeps the rule as a stale rule \
                                 that matches nothing) or it belongs to a peered VPC. Rampart treats the rule as \
                                 matching nothing, so neither `explain` nor this audit can say what {path} allows."
                            ))
                            .fix(format!(
                                "Delete {path} if {id} is gone; if it is in a peered VPC, reference the peer's CIDR \
                                 instead, or add the group to the model."
                            )),
                    ),
                    SgPeer::PrefixList(GroupRef::External(id)) => found.push(
                        Finding::new(UNRESOLVED_REFERENCE, path.clone())
                            .severity(Severity::Low)
                            .message(format!(
                                "security group {} {dir} rule references prefix list {id}, which is not defined",
                                g.name
                            ))
                            .explanation(format!(
                                "{id} is not in the model (an AWS-managed list such as S3's or CloudFront's, or a \
                                 list of another account). Its entries are unknown, so Rampart treats {path} as \
                                 matching nothing and cannot check what it allows."
                            ))
                            .fix(format!(
                                "Add {id} under prefix_lists with its entries (`aws ec2 get-managed-prefix-list-entries`)."
                            )),
                    ),
                    SgPeer::PrefixList(GroupRef::Local(p))
                        if m.prefix_list(*p).entries.is_none() =>
                    {
                        uses_unknown_list.entry(p.get()).or_default().push(path);
                    }
                    _ => {}
                }
            }
        }
    }
    let mut lists: Vec<(usize, Vec<String>)> = uses_unknown_list.into_iter().collect();
    lists.sort();
    for (p, users) in lists {
        let pl = &m.prefix_lists[p];
        found.push(
            Finding::new(UNRESOLVED_REFERENCE, format!("prefix_lists.{}", pl.name))
                .severity(Severity::Low)
                .message(format!(
                    "prefix list {} has no known entries but {} rule{} use{} it",
                    pl.name,
                    users.len(),
                    if users.len() == 1 { "" } else { "s" },
                    if users.len() == 1 { "s" } else { "" }
                ))
                .explanation(format!(
                    "Without its entries Rampart treats the list as empty, so {} match{} nothing here and what \
                     {} allow{} in AWS cannot be checked.",
                    capped_list(&users, 4),
                    if users.len() == 1 { "es" } else { "" },
                    if users.len() == 1 { "it" } else { "they" },
                    if users.len() == 1 { "s" } else { "" },
                ))
                .fix(format!(
                    "Add `entries:` to prefix_lists.{} (`aws ec2 get-managed-prefix-list-entries`).",
                    pl.name
                ))
                .related(users),
        );
    }
    cx.out.extend(found);
}

/// Rules that reference each group.
fn references(m: &Model) -> HashMap<SgIdx, Vec<String>> {
    let mut refs: HashMap<SgIdx, Vec<String>> = HashMap::new();
    for (gi, g) in m.security_groups.iter().enumerate() {
        for dir in [Direction::Ingress, Direction::Egress] {
            for r in g.rules(dir) {
                if let SgPeer::SecurityGroup(GroupRef::Local(h)) = r.peer
                    && h.get() != gi
                {
                    refs.entry(h).or_default().push(sg_rule_path(
                        m,
                        SgIdx(gi as u32),
                        dir,
                        r.index,
                    ));
                }
            }
        }
    }
    refs
}

/// A group is used when an instance or a load balancer of the model carries it. A reference
/// from another group's rule does not count: it matches only the interfaces that carry the group.
fn unused_groups(cx: &mut Cx<'_>) {
    let m = cx.m;
    let refs = references(m);
    let on_load_balancers: HashSet<SgIdx> = m
        .load_balancers
        .iter()
        .flat_map(|lb| lb.security_groups.iter().copied())
        .collect();
    for (gi, g) in m.security_groups.iter().enumerate() {
        let gi = SgIdx(gi as u32);
        if g.is_default || !m.instances_with_sg(gi).is_empty() || on_load_balancers.contains(&gi) {
            continue;
        }
        let referenced = refs.get(&gi).cloned().unwrap_or_default();
        let refs_sentence = if referenced.is_empty() {
            String::new()
        } else {
            format!(
                " {} reference{} it, and match{} nothing while no interface carries it.",
                capped_list(&referenced, 4),
                if referenced.len() == 1 { "s" } else { "" },
                if referenced.len() == 1 { "es" } else { "" }
            )
        };
        cx.push(
            Finding::new(UNUSED_SECURITY_GROUP, sg_path(m, gi))
                .message(format!(
                    "security group {} is attached to no instance or load balancer",
                    g.name
                ))
                .explanation(format!(
                    "No instance or load balancer in the model carries group {}, so its {} ingress and {} egress \
                     rules apply to nothing. Unused groups collect rules nobody reviews and are attached again by \
                     mistake.{refs_sentence} (Resources outside the model, such as Lambda functions, VPC \
                     endpoints or databases, may still use it.)",
                    g.name,
                    g.ingress.len(),
                    g.egress.len()
                ))
                .fix(format!(
                    "Delete security_groups.{}, or attach it where it is meant to be used.",
                    g.name
                ))
                .related(referenced),
        );
    }
}

fn default_group_in_use(cx: &mut Cx<'_>) {
    let m = cx.m;
    let Some(def) = m.default_security_group() else {
        return;
    };
    let group = m.security_group(def);
    if group.ingress.is_empty() {
        return;
    }
    let members: Vec<InstanceIdx> = m.instances_with_sg(def).to_vec();
    let self_ref = group.ingress.iter().any(|r| {
        r.peer == SgPeer::SecurityGroup(GroupRef::Local(def)) && r.protocol == model::Protocol::All
    });
    for i in &members {
        let inst = m.instance(*i);
        let others: Vec<String> = members
            .iter()
            .filter(|o| *o != i)
            .map(|o| m.instance(*o).name.clone())
            .collect();
        let reach = if self_ref {
            format!(
                "The default group lets in all traffic from its own members, so every instance given it (and every \
                 instance launched without a group) can reach {} on every port{}.",
                inst.name,
                if others.is_empty() {
                    String::new()
                } else {
                    format!("; today: {}", capped_list(&others, 5))
                }
            )
        } else {
            format!(
                "The default group's rules ({}) apply to every instance launched without a group.",
                group.ingress.len()
            )
        };
        cx.push(
            Finding::new(DEFAULT_SG_IN_USE, instance_path(m, *i))
                .message(format!(
                    "instance {} uses the VPC's default security group {}",
                    inst.name, group.name
                ))
                .explanation(format!(
                    "{reach} CIS AWS Foundations recommends that the default group restrict all traffic and that \
                     nothing use it."
                ))
                .fix(format!(
                    "Give {} a purpose-made group with only the rules it needs, and list it under \
                     instances.{}.security_groups.",
                    inst.name, inst.name
                ))
                .related(vec![sg_path(m, def)]),
        );
    }
}

/// The boxes of packets a group rule allows, when its peer is a set of addresses the model
/// knows exactly (a CIDR, a prefix list with entries).
fn sg_rule_boxes(m: &Model, r: &SgRule) -> Option<(Family, Vec<PacketBox>)> {
    match &r.peer {
        SgPeer::Cidr(c) => Some((c.family(), rule_boxes(r.protocol, &r.l4, c.range()))),
        SgPeer::PrefixList(GroupRef::Local(p)) => {
            let pl = m.prefix_list(*p);
            let entries = pl.entries.as_deref()?;
            let boxes = entries
                .iter()
                .filter(|e| e.cidr.family() == pl.family)
                .flat_map(|e| rule_boxes(r.protocol, &r.l4, e.cidr.range()))
                .collect();
            Some((pl.family, boxes))
        }
        _ => None,
    }
}

fn redundant_rules(cx: &mut Cx<'_>) {
    let m = cx.m;
    let mut found = Vec::new();
    for (gi, g) in m.security_groups.iter().enumerate() {
        let gi = SgIdx(gi as u32);
        for dir in [Direction::Ingress, Direction::Egress] {
            let rules = g.rules(dir);
            if rules.len() < 2 || rules.len() > MAX_RULES_FOR_REDUNDANCY {
                continue;
            }
            let boxes: Vec<Option<(Family, Vec<PacketBox>)>> =
                rules.iter().map(|r| sg_rule_boxes(m, r)).collect();
            let mut redundant = vec![false; rules.len()];
            for i in 0..rules.len() {
                let Some((family, mine)) = &boxes[i] else {
                    continue;
                };
                let mut rest = mine.clone();
                let mut by = Vec::new();
                for (j, other) in boxes.iter().enumerate() {
                    let Some((f, theirs)) = other else { continue };
                    if j == i || redundant[j] || f != family || !intersects_any(&rest, theirs) {
                        continue;
                    }
                    match subtract_all(&rest, theirs) {
                        Some(next) => rest = next,
                        None => {
                            by.clear();
                            break;
                        }
                    }
                    by.push(j);
                    if rest.is_empty() {
                        break;
                    }
                }
                if !rest.is_empty() || by.is_empty() {
                    continue;
                }
                redundant[i] = true;
                let r = &rules[i];
                let covering: Vec<String> = by
                    .iter()
                    .map(|&j| sg_rule_path(m, gi, dir, rules[j].index))
                    .collect();
                let described: Vec<String> = by
                    .iter()
                    .map(|&j| {
                        format!(
                            "{} ({})",
                            sg_rule_path(m, gi, dir, rules[j].index),
                            describe_sg_rule(m, &rules[j], dir)
                        )
                    })
                    .collect();
                let path = sg_rule_path(m, gi, dir, r.index);
                found.push(
                    Finding::new(REDUNDANT_SG_RULE, path.clone())
                        .message(format!(
                            "security group {} {dir} rule {} ({}) is redundant: {} already allow{} everything it allows",
                            g.name,
                            r.index,
                            describe_sg_rule(m, r, dir),
                            and_list(&covering),
                            if covering.len() == 1 { "s" } else { "" }
                        ))
                        .explanation(format!(
                            "Security group rules are one set: a packet is allowed if any rule matches, in any order. \
                             {} together match every packet {path} matches (computed exactly over protocol × port or \
                             ICMP type/code × address), so it adds nothing, yet it counts toward the {SG_RULES}-rule \
                             quota.",
                            and_list(&described)
                        ))
                        .fix(format!("Delete {path}."))
                        .related(covering),
                );
            }
        }
    }
    cx.out.extend(found);
}

/// Rules per direction and family as AWS counts them: a CIDR counts once toward its family, a
/// group reference once toward each family, a prefix list as its maximum entries (an unknown
/// one as a single rule).
fn weighted_counts(m: &Model, rules: &[SgRule]) -> [usize; 2] {
    let mut n = [0usize; 2];
    let fam = |f: Family| match f {
        Family::Ipv4 => 0,
        Family::Ipv6 => 1,
    };
    for r in rules {
        match &r.peer {
            SgPeer::Cidr(c) => n[fam(c.family())] += 1,
            SgPeer::SecurityGroup(_) => {
                n[0] += 1;
                n[1] += 1;
            }
            SgPeer::PrefixList(GroupRef::Local(p)) => {
                let pl = m.prefix_list(*p);
                let weight = pl
                    .max_entries
                    .map(|x| x as usize)
                    .or_else(|| pl.entries.as_ref().map(Vec::len))
                    .unwrap_or(1)
                    .max(1);
                n[fam(pl.family)] += weight;
            }
            SgPeer::PrefixList(GroupRef::External(_)) => n[0] += 1,
        }
    }
    n
}

fn quotas(cx: &mut Cx<'_>) {
    let m = cx.m;
    let mut found = Vec::new();
    // The rules-per-group quota is one regional setting: it must fit the largest group.
    let mut largest: Option<(usize, SgIdx)> = None;
    for (gi, g) in m.security_groups.iter().enumerate() {
        let gi = SgIdx(gi as u32);
        for dir in [Direction::Ingress, Direction::Egress] {
            let counts = weighted_counts(m, g.rules(dir));
            for (k, family) in [Family::Ipv4, Family::Ipv6].into_iter().enumerate() {
                let n = counts[k];
                if largest.is_none_or(|(best, _)| n > best) {
                    largest = Some((n, gi));
                }
                if n <= SG_RULES {
                    continue;
                }
                let hard = n > RULES_TIMES_GROUPS;
                found.push(
                    Finding::new(QUOTA_EXCEEDED, format!("{}.{dir}", sg_path(m, gi)))
                        .severity(if hard { Severity::Medium } else { Severity::Low })
                        .key(format!("sg-rules/{dir}/{family}"))
                        .message(format!(
                            "security group {} has {n} {family} {dir} rules; AWS allows {SG_RULES} per direction and family",
                            g.name
                        ))
                        .explanation(format!(
                            "AWS counts {dir} rules per group separately for IPv4 and IPv6 (a group reference counts \
                             toward both, a prefix list as its maximum number of entries) and refuses rules past the \
                             quota, so creating this group fails{}.",
                            if hard {
                                format!(
                                    "; the quota cannot be raised this far, because rules per group × groups per \
                                     interface may not exceed {RULES_TIMES_GROUPS}"
                                )
                            } else {
                                " until the quota is raised".into()
                            }
                        ))
                        .fix(
                            "Merge rules (wider CIDRs, port ranges, a prefix list, a group reference), or split the \
                             group in two; otherwise request an increase of \"Inbound or outbound rules per security \
                             group\" (which lowers how many groups an interface may carry).",
                        ),
                );
            }
        }
    }
    let needed_rules = largest.map_or(SG_RULES, |(n, _)| n.max(SG_RULES));
    for (ii, inst) in m.instances.iter().enumerate() {
        let i = InstanceIdx(ii as u32);
        let k = inst.security_groups.len();
        if k > SGS_PER_ENI {
            found.push(
                Finding::new(QUOTA_EXCEEDED, instance_path(m, i))
                    .severity(Severity::Low)
                    .key("groups-per-interface")
                    .message(format!(
                        "instance {} has {k} security groups; AWS allows {SGS_PER_ENI} per network interface",
                        inst.name
                    ))
                    .explanation(format!(
                        "The default quota of security groups per network interface is {SGS_PER_ENI} (adjustable \
                         to {SGS_PER_ENI_MAX}); launching the instance with {k} fails until it is raised."
                    ))
                    .fix(
                        "Merge the groups' rules into fewer groups, or request an increase of \"Security groups per \
                         network interface\".",
                    ),
            );
        }
        if k * needed_rules > RULES_TIMES_GROUPS
            && let Some((n, g)) = largest
        {
            found.push(
                Finding::new(QUOTA_EXCEEDED, instance_path(m, i))
                    .key("rules-times-groups")
                    .message(format!(
                        "instance {} needs {k} security groups while group {} needs a quota of {n} rules: {} > {RULES_TIMES_GROUPS}",
                        inst.name,
                        m.security_group(g).name,
                        k * needed_rules
                    ))
                    .explanation(format!(
                        "AWS requires rules per security group × security groups per network interface ≤ \
                         {RULES_TIMES_GROUPS}. Both quotas are regional settings, so the rules quota must fit the \
                         largest group ({n}) and the groups quota this instance ({k}); no setting allows both."
                    ))
                    .fix(format!(
                        "Shrink security group {} below {} rules per direction and family, or give {} fewer groups.",
                        m.security_group(g).name,
                        RULES_TIMES_GROUPS / k + 1,
                        inst.name
                    ))
                    .related(vec![sg_path(m, g)]),
            );
        }
    }
    for (ni, acl) in m.network_acls.iter().enumerate() {
        let ni = NaclIdx(ni as u32);
        for dir in [Direction::Ingress, Direction::Egress] {
            for family in [Family::Ipv4, Family::Ipv6] {
                let written = acl
                    .rules(dir)
                    .iter()
                    .filter(|r| r.cidr.family() == family)
                    .count();
                // The quota counts the family's `*` deny too.
                let n = written + 1;
                if n <= NACL_RULES {
                    continue;
                }
                let hard = n > NACL_RULES_MAX;
                found.push(
                    Finding::new(QUOTA_EXCEEDED, format!("{}.{dir}", nacl_path(m, ni)))
                        .severity(if hard { Severity::Medium } else { Severity::Low })
                        .key(format!("nacl-rules/{dir}/{family}"))
                        .message(format!(
                            "network ACL {} has {n} {family} {dir} rules counting the `*` deny; AWS allows {NACL_RULES}",
                            acl.name
                        ))
                        .explanation(format!(
                            "AWS allows {NACL_RULES} rules per NACL per direction, counted separately for IPv4 and \
                             IPv6 and including the `*` deny; the quota can be raised to {NACL_RULES_MAX} at most{}.",
                            if hard {
                                ", so this NACL cannot be created as written"
                            } else {
                                ", which this NACL needs"
                            }
                        ))
                        .fix(
                            "Merge rules (adjacent port ranges, covering CIDRs), move filtering that needs many rules \
                             to security groups or a Network Firewall, or request an increase of \"Rules per network \
                             ACL\".",
                        ),
                );
            }
        }
    }
    if m.network_acls.len() > NACLS_PER_VPC {
        found.push(
            Finding::new(QUOTA_EXCEEDED, "network_acls")
                .severity(Severity::Low)
                .key("nacls-per-vpc")
                .message(format!(
                    "the VPC has {} network ACLs; AWS allows {NACLS_PER_VPC} per VPC",
                    m.network_acls.len()
                ))
                .explanation(format!(
                    "The default quota is {NACLS_PER_VPC} network ACLs per VPC (adjustable); creating more fails \
                     until it is raised."
                ))
                .fix(
                    "Share NACLs between subnets with the same role, or request an increase of \"Network ACLs per \
                     VPC\".",
                ),
        );
    }
    cx.out.extend(found);
}
