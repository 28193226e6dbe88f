//! The managed rule groups Rampart ships, under AWS's names, as rule-group JSON compiled into
//! the binary (`crates/waf/managed/`).

use std::sync::LazyLock;

use crate::acl::json::RuleGroup;

/// The ARN prefix of the IP lists behind the IP-reputation groups: the rest is the rule name,
/// and the addresses are the ones the configuration supplies for it.
pub(crate) const IP_LIST_ARN_PREFIX: &str = "rampart:managed-ip-list:";

/// (vendor, name, JSON).
const SHIPPED: &[(&str, &str, &str)] = &[
    (
        "AWS",
        "AWSManagedRulesAdminProtectionRuleSet",
        include_str!("../managed/AWSManagedRulesAdminProtectionRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesAmazonIpReputationList",
        include_str!("../managed/AWSManagedRulesAmazonIpReputationList.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesAnonymousIpList",
        include_str!("../managed/AWSManagedRulesAnonymousIpList.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesCommonRuleSet",
        include_str!("../managed/AWSManagedRulesCommonRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesKnownBadInputsRuleSet",
        include_str!("../managed/AWSManagedRulesKnownBadInputsRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesLinuxRuleSet",
        include_str!("../managed/AWSManagedRulesLinuxRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesPHPRuleSet",
        include_str!("../managed/AWSManagedRulesPHPRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesSQLiRuleSet",
        include_str!("../managed/AWSManagedRulesSQLiRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesUnixRuleSet",
        include_str!("../managed/AWSManagedRulesUnixRuleSet.json"),
    ),
    (
        "AWS",
        "AWSManagedRulesWindowsRuleSet",
        include_str!("../managed/AWSManagedRulesWindowsRuleSet.json"),
    ),
    (
        "Rampart",
        "RampartProtocolRuleSet",
        include_str!("../managed/RampartProtocolRuleSet.json"),
    ),
];

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

#[cfg(test)]
mod tests {
    /// Every shipped group reads and validates (a broken file would otherwise surface only
    /// when a web ACL names it).
    #[test]
    fn every_shipped_group_is_valid() {
        for (vendor, name, group) in super::GROUPS.iter() {
            if let Err(e) = group {
                panic!("{vendor}/{name}: {e}");
            }
        }
        assert_eq!(super::GROUPS.len(), 11);
    }
}
