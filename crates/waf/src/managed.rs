//! The managed rule groups Rampart ships, under AWS's names, as rule-group JSON compiled into
//! the binary (`crates/waf/managed/`).

use std::sync::LazyLock;

use crate::acl::json::RuleGroup;

/// The ARN prefix of the IP lists behind the IP-reputation groups: the rest is the rule name,
/// and the addresses are the ones the configuration supplies for it.
pub(crate) const IP_LIST_ARN_PREFIX: &str = "rampart:managed-ip-list:";

/// (vendor, name, JSON).
const SHIPPED: &[(&str, &str, &str)] = &[];

type Shipped = (&'static str, &'static str, Result<RuleGroup, String>);

static GROUPS: LazyLock<Vec<Shipped>> = LazyLock::new(|| {
    SHIPPED
        .iter()
        .map(|(vendor, name, text)| {
            let group = crate::acl::read_wrapped::<RuleGroup>(text, "RuleGroup")
                .map(|l| l.value)
                .map_err(|e| format!("{e:?}"));
            (*vendor, *name, group)
        })
        .collect()
});

/// The shipped group `vendor`/`name`.
pub(crate) fn group(vendor: &str, name: &str) -> Option<RuleGroup> {
    GROUPS
        .iter()
        .find(|(v, n, _)| *v == vendor && *n == name)
        .and_then(|(_, _, g)| g.as_ref().ok().cloned())
}

/// `Vendor/Name` of every shipped group.
pub fn names() -> Vec<String> {
    SHIPPED.iter().map(|(v, n, _)| format!("{v}/{n}")).collect()
}
