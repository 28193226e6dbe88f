//! Load balancers against their own security groups: a listener on a port that no ingress rule
//! of the load balancer's groups opens can never be reached (RMP019).

use model::{Action, L4, Listener, TCP};

use super::catalog::LB_SG_BLOCKS_LISTENER;
use super::{Cx, Finding, and_list, sg_path};
use crate::query::LINUX_EPHEMERAL;
use crate::request::listener_name;

pub(super) fn check(cx: &mut Cx<'_>) {
    listeners_closed_by_own_groups(cx);
}

/// Reports each listener whose port no ingress rule of its load balancer's security groups
/// admits.
///
/// A listener counts as reachable when some ingress rule of one of the load balancer's groups
/// takes in tcp on its port ([`model::SgRule::matches_service`], the evaluator's own protocol
/// and port test) from any source at all: a CIDR of any size, a security group reference (even
/// to a group no instance carries, or one outside the model) or a prefix list (even one whose
/// entries are unknown). Which clients such a rule lets through is `explain`'s question; this
/// check reports only a port that is closed to everyone, so it never guesses who the clients
/// are, and an internal load balancer open only to the VPC or to its clients' group is fine.
///
/// A load balancer that names no security groups is not checked: every load balancer of a file
/// without `vpc` is one, and the model does not say which group AWS would give one in a VPC.
fn listeners_closed_by_own_groups(cx: &mut Cx<'_>) {
    let m = cx.m;
    for lb in &m.load_balancers {
        let names: Vec<String> = lb
            .security_groups
            .iter()
            .map(|g| m.security_group(*g).name.clone())
            .collect();
        let Some((last, init)) = names.split_last() else {
            continue;
        };
        let where_to = if init.is_empty() {
            format!("security_groups.{last}.ingress")
        } else {
            format!(
                "the ingress rules of one of its security groups ({} or {last})",
                init.join(", ")
            )
        };
        for (i, l) in lb.listeners.iter().enumerate() {
            let l4 = L4::Ports {
                src: LINUX_EPHEMERAL.from,
                dst: l.port,
            };
            let open = lb.security_groups.iter().any(|g| {
                m.security_group(*g)
                    .ingress
                    .iter()
                    .any(|r| r.matches_service(TCP, &l4))
            });
            if open {
                continue;
            }
            let path = format!("load_balancers.{}.listeners[{i}]", lb.name);
            let listener = listener_name(l);
            let port = l.port;
            let (groups, closed) = match names.as_slice() {
                [one] => (
                    format!("security group {one}"),
                    format!("its security group {one} allows no tcp {port} in"),
                ),
                _ => (
                    format!("security groups {}", and_list(&names)),
                    format!(
                        "none of its security groups ({}) allows tcp {port} in",
                        and_list(&names)
                    ),
                ),
            };
            let internet = if m.vpc.has_ipv6() {
                "0.0.0.0/0 and ::/0"
            } else {
                "0.0.0.0/0"
            };
            let vpc_blocks: Vec<String> = m.vpc.cidrs().map(ToString::to_string).collect();
            let mut related = vec![format!("load_balancers.{}.security_groups", lb.name)];
            related.extend(lb.security_groups.iter().map(|g| sg_path(m, *g)));
            cx.push(
                Finding::new(LB_SG_BLOCKS_LISTENER, path.clone())
                    .key(listener.clone())
                    .message(format!(
                        "load balancer {} listens on {listener}, but {closed}",
                        lb.name
                    ))
                    .explanation(format!(
                        "A load balancer accepts only the connections its security groups let in: they are \
                         allow-only, and the rules of all its groups are one set. No ingress rule of {groups} \
                         allows tcp {port}, from any source (CIDR, security group or prefix list), so every \
                         connection to {listener} is dropped before the load balancer sees it: clients wait for \
                         a timeout, and {}.",
                        never_runs(l)
                    ))
                    .fix(format!(
                        "Add to {where_to} a rule allowing tcp {port} from the clients that should reach \
                         {listener}: {internet} for an internet-facing load balancer (what AWS recommends for a \
                         listener port), the VPC's {} for an internal one. Or remove {path} if the port is not \
                         meant to be served.",
                        and_list(&vpc_blocks)
                    ))
                    .related(related),
            );
        }
    }
}

/// What the listener would have done: `its default action (redirect to HTTPS) never runs`.
fn never_runs(l: &Listener) -> String {
    let action = match &l.default_action {
        Action::Redirect(r) => match &r.protocol {
            Some(p) if !p.starts_with("#{") => format!("redirect to {p}"),
            _ => "redirect".to_owned(),
        },
        other => other.kind().to_owned(),
    };
    match l.rules.len() {
        0 => format!("its default action ({action}) never runs"),
        1 => format!("its rule and its default action ({action}) never run"),
        n => format!("its {n} rules and its default action ({action}) never run"),
    }
}
