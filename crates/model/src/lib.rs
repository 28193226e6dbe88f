//! Rampart's model of a network and its layer 3–4 defences, with AWS's semantics.
//!
//! ```text
//!  rampart.yaml ──parse──► RawConfig ──validate()──► Model ◄──import── AWS CLI JSON
//!  (text, spans)          (deny unknown keys)       (typed, resolved)
//!                                                     │
//!                        eval: security groups, NACLs, routes (pure)
//!                                                     │
//!                         analyze (explain, audit) · netfilter (nftables) · …
//! ```
//!
//! The model is the single source of truth that every engine compiles from: VPC, subnets,
//! route tables, gateways, instances, security groups, network ACLs and prefix lists, and the
//! load balancers (listeners, rules, target groups) with the rule evaluation the proxy and
//! `explain --request` share, and the web ACLs associated with them (AWS WAF's own JSON,
//! compiled by the `waf` engine). A file that defines only load balancing needs no VPC.
//! Configuration is read in two stages: raw serde structures that refuse unknown keys, then a
//! pure [`validate`] that parses every value, resolves every reference, applies AWS's defaults,
//! and reports every problem at once with its file, path, line and what was expected.
//!
//! This crate does no network I/O and starts no threads. It reads files only in [`load_file`],
//! [`load_web_acl`] and [`aws::import_dir`].

#![forbid(unsafe_code)]

mod addr;
mod alb;
mod alb_eval;
mod alb_policies;
pub mod aws;
mod diag;
mod eval;
mod export;
mod load;
mod locate;
mod model;
mod proto;
pub mod raw;
mod validate;
mod web_acl;

pub use addr::{
    Cidr, CidrError, Family, ParsedCidr, addr_to_u128, is_special_purpose, u128_to_addr,
};
pub use alb::{
    AccessLog, Action, Algorithm, Certificate, DesyncMode, FixedResponseAction, ForwardAction,
    HealthCheck, LbAttributes, LbLimits, Listener, ListenerProtocol, ListenerRule, ListenerTls,
    LoadBalancer, ProtocolVersion, QueryStringPattern, RedirectAction, RedirectStatus,
    RuleCondition, SslPolicy, Target, TargetGroup, TargetGroupIdx, TargetProtocol, TlsVersion,
    WeightedTargetGroup, XffMode,
};
pub use alb_eval::{
    REDIRECT_PLACEHOLDERS, RedirectSource, RequestFacts, Routed, RuleRef, redirect_location,
    wildcard_match,
};
pub use alb_policies::{DEFAULT_SSL_POLICY, ssl_policy, ssl_policy_names};
pub use diag::{Diagnostic, Diagnostics, Pos};
pub use eval::{NaclDecision, NaclRuleRef, SgContext, SgMatch};
pub use export::{export, to_yaml};
pub use load::{LoadError, MAX_CONFIG_BYTES, load_file, load_str, parse_yaml};
pub use locate::locate;
pub use model::{
    Direction, FirewallEndpoint, FirewallEndpointIdx, GroupRef, Instance, InstanceIdx,
    InternetGateway, Model, NaclIdx, NaclRule, NatGateway, NatIdx, NetworkAcl, PrefixList,
    PrefixListEntry, PrefixListIdx, Route, RouteTable, RouteTableIdx, RouteTarget, RuleAction,
    SecurityGroup, SgIdx, SgPeer, SgRule, Subnet, SubnetIdx, Tier, Vpc,
};
pub use proto::{
    ICMP, ICMPV6, IcmpMatch, L4, L4Match, Packet, PortRange, Protocol, TCP, UDP, icmp_reply_type,
    l4_for, protocol_name,
};
pub use validate::{Validated, is_valid_name, validate};
pub use web_acl::{LoadedWebAcl, WebAclConfig, WebAclIdx, load_web_acl, load_web_acl_with};
