//! AWS's predefined ELB security policies for HTTPS listeners: the TLS versions and the
//! cipher suites (OpenSSL names, in AWS's preference order) each one allows.
//!
//! AWS has no custom policies, so a listener names one of these. The lists follow AWS's
//! "Security policies for your Application Load Balancer" table; ⚠ marks lists reconstructed
//! from memory of that table where it could not be checked against the page.

use crate::alb::{SslPolicy, TlsVersion};

/// The policy a new HTTPS listener gets, as AWS's console recommends.
pub const DEFAULT_SSL_POLICY: &str = "ELBSecurityPolicy-TLS13-1-2-2021-06";

const TLS13: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

/// Forward-secret AEAD suites only.
const ECDHE_GCM: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
];

/// Forward-secret suites with TLS 1.2 MACs (GCM and SHA-2 CBC).
const ECDHE_TLS12: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
];

/// Forward-secret suites including the SHA-1 CBC ones TLS 1.0 and 1.1 clients need.
const ECDHE_ALL: &[&str] = &[
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES128-SHA256",
    "ECDHE-RSA-AES128-SHA256",
    "ECDHE-ECDSA-AES128-SHA",
    "ECDHE-RSA-AES128-SHA",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA384",
    "ECDHE-RSA-AES256-SHA",
    "ECDHE-ECDSA-AES256-SHA",
];

/// RSA key exchange (no forward secrecy) with TLS 1.2 MACs.
const RSA_TLS12: &[&str] = &[
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
];

/// RSA key exchange including SHA-1 CBC.
const RSA_ALL: &[&str] = &[
    "AES128-GCM-SHA256",
    "AES128-SHA256",
    "AES128-SHA",
    "AES256-GCM-SHA384",
    "AES256-SHA256",
    "AES256-SHA",
];

const DES: &[&str] = &["DES-CBC3-SHA"];

use TlsVersion::{Tls10, Tls11, Tls12, Tls13};

type Row = (
    &'static str,
    TlsVersion,
    TlsVersion,
    &'static [&'static [&'static str]],
);

/// Name, minimum and maximum version, and the cipher lists concatenated in order.
const POLICIES: &[Row] = &[
    (
        "ELBSecurityPolicy-TLS13-1-2-2021-06",
        Tls12,
        Tls13,
        &[TLS13, ECDHE_TLS12],
    ),
    (
        "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
        Tls12,
        Tls13,
        &[TLS13, ECDHE_GCM],
    ),
    // ⚠ Ext1 adds the RSA key-exchange TLS 1.2 suites; Ext2 also the SHA-1 ones.
    (
        "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
        Tls12,
        Tls13,
        &[TLS13, ECDHE_TLS12, RSA_TLS12],
    ),
    (
        "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
        Tls12,
        Tls13,
        &[TLS13, ECDHE_ALL, RSA_ALL],
    ),
    // ⚠ The 1.1 and 1.0 TLS 1.3 policies: the 2016-08 suites plus TLS 1.3's.
    (
        "ELBSecurityPolicy-TLS13-1-1-2021-06",
        Tls11,
        Tls13,
        &[TLS13, ECDHE_ALL, RSA_ALL],
    ),
    (
        "ELBSecurityPolicy-TLS13-1-0-2021-06",
        Tls10,
        Tls13,
        &[TLS13, ECDHE_ALL, RSA_ALL],
    ),
    (
        "ELBSecurityPolicy-TLS13-1-3-2021-06",
        Tls13,
        Tls13,
        &[TLS13],
    ),
    (
        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
        Tls12,
        Tls12,
        &[ECDHE_GCM],
    ),
    (
        "ELBSecurityPolicy-FS-1-2-Res-2019-08",
        Tls12,
        Tls12,
        &[ECDHE_TLS12],
    ),
    (
        "ELBSecurityPolicy-FS-1-2-2019-08",
        Tls12,
        Tls12,
        &[ECDHE_ALL],
    ),
    (
        "ELBSecurityPolicy-FS-1-1-2019-08",
        Tls11,
        Tls12,
        &[ECDHE_ALL],
    ),
    ("ELBSecurityPolicy-FS-2018-06", Tls10, Tls12, &[ECDHE_ALL]),
    (
        "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
        Tls12,
        Tls12,
        &[ECDHE_ALL, RSA_ALL],
    ),
    (
        "ELBSecurityPolicy-TLS-1-2-2017-01",
        Tls12,
        Tls12,
        &[ECDHE_TLS12, RSA_TLS12],
    ),
    (
        "ELBSecurityPolicy-TLS-1-1-2017-01",
        Tls11,
        Tls12,
        &[ECDHE_ALL, RSA_ALL],
    ),
    (
        "ELBSecurityPolicy-2016-08",
        Tls10,
        Tls12,
        &[ECDHE_ALL, RSA_ALL],
    ),
    (
        "ELBSecurityPolicy-TLS-1-0-2015-04",
        Tls10,
        Tls12,
        &[ECDHE_ALL, RSA_ALL, DES],
    ),
    // Kept by AWS as an alias of 2016-08.
    (
        "ELBSecurityPolicy-2015-05",
        Tls10,
        Tls12,
        &[ECDHE_ALL, RSA_ALL],
    ),
];

/// The predefined policy of this name (names are case-sensitive, as in AWS's API).
pub fn ssl_policy(name: &str) -> Option<SslPolicy> {
    let (name, min, max, lists) = POLICIES.iter().find(|row| row.0 == name)?;
    Some(SslPolicy {
        name: (*name).to_owned(),
        min_version: *min,
        max_version: *max,
        ciphers: lists
            .iter()
            .flat_map(|l| l.iter())
            .map(|c| (*c).to_owned())
            .collect(),
    })
}

/// Every predefined policy name, newest recommendation first.
pub fn ssl_policy_names() -> impl Iterator<Item = &'static str> {
    POLICIES.iter().map(|row| row.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_policy_resolves_and_its_ciphers_fit_its_versions() {
        for name in ssl_policy_names() {
            let p = ssl_policy(name).unwrap();
            assert!(p.min_version <= p.max_version, "{name}");
            let has13 = p.ciphers.iter().any(|c| c.starts_with("TLS_"));
            assert_eq!(has13, p.max_version == Tls13, "{name}");
            let has12 = p.ciphers.iter().any(|c| !c.starts_with("TLS_"));
            assert_eq!(has12, p.min_version <= Tls12, "{name}");
            let mut seen = std::collections::HashSet::new();
            assert!(p.ciphers.iter().all(|c| seen.insert(c)), "{name}");
        }
        assert!(ssl_policy(DEFAULT_SSL_POLICY).is_some());
        assert!(ssl_policy("elbsecuritypolicy-2016-08").is_none());
    }
}
