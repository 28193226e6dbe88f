//! Stage one of the configuration: the document exactly as written, with every leaf kept as text
//! and its position, so that stage two ([`crate::validate`]) can report every bad value at once.
//!
//! Unknown keys are refused here (`deny_unknown_fields`); wrong shapes (a list where a map is
//! expected) stop parsing with one located error.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::diag::Pos;

/// A scalar as written (`443`, `tcp`, `10.0.0.0/16`), and where.
#[derive(Clone, Debug, Default)]
pub struct Leaf {
    pub text: String,
    pub pos: Option<Pos>,
}

impl Leaf {
    /// A leaf made by a program (an import), with no position in a YAML file.
    pub fn new(text: impl Into<String>) -> Leaf {
        Leaf {
            text: text.into(),
            pos: None,
        }
    }
}

impl PartialEq for Leaf {
    fn eq(&self, other: &Leaf) -> bool {
        self.text == other.text
    }
}

fn pos_of(loc: &serde_saphyr::Location) -> Option<Pos> {
    (loc.line() > 0).then(|| Pos {
        line: loc.line() as usize,
        column: loc.column() as usize,
    })
}

impl<'de> Deserialize<'de> for Leaf {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Leaf, D::Error> {
        let s = serde_saphyr::Spanned::<String>::deserialize(d)?;
        Ok(Leaf {
            pos: pos_of(&s.referenced),
            text: s.value,
        })
    }
}

impl Serialize for Leaf {
    /// Numbers and booleans are written bare, so an exported file reads as a person would
    /// write it; everything is read back as text, so the round trip is exact.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let t = self.text.as_str();
        let plain_number = !t.is_empty()
            && t.len() <= 10
            && t.bytes().all(|b| b.is_ascii_digit())
            && (t == "0" || !t.starts_with('0'));
        if plain_number && let Ok(n) = t.parse::<u64>() {
            return s.serialize_u64(n);
        }
        match t {
            "true" => s.serialize_bool(true),
            "false" => s.serialize_bool(false),
            _ => s.serialize_str(t),
        }
    }
}

/// A YAML mapping from names to items, in document order, each name with its position.
/// Duplicate names are refused by the YAML reader.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedMap<T>(pub Vec<(Leaf, T)>);

impl<T> Default for NamedMap<T> {
    fn default() -> Self {
        NamedMap(Vec::new())
    }
}

impl<T> NamedMap<T> {
    pub fn iter(&self) -> impl Iterator<Item = (&Leaf, &T)> {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn push(&mut self, name: impl Into<String>, item: T) {
        self.0.push((Leaf::new(name), item));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NamedMap<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NamedMap<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = NamedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping from names to definitions")
            }
            fn visit_unit<E: de::Error>(self) -> Result<NamedMap<T>, E> {
                Ok(NamedMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<NamedMap<T>, A::Error> {
                // Keys are read as plain strings so that error paths can name them; the
                // item's own position stands in for the key's.
                let mut items = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, serde_saphyr::Spanned<T>>()? {
                    let key = Leaf {
                        text: k,
                        pos: pos_of(&v.referenced),
                    };
                    items.push((key, v.value));
                }
                Ok(NamedMap(items))
            }
        }
        d.deserialize_map(V(PhantomData))
    }
}

impl<T: Serialize> Serialize for NamedMap<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(&k.text, v)?;
        }
        m.end()
    }
}

/// A whole `rampart.yaml`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<RawVpc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_gateway: Option<RawInternetGateway>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub prefix_lists: NamedMap<RawPrefixList>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub route_tables: NamedMap<RawRouteTable>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub subnets: NamedMap<RawSubnet>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub nat_gateways: NamedMap<RawNatGateway>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub firewall_endpoints: NamedMap<RawFirewallEndpoint>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub network_acls: NamedMap<RawNetworkAcl>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub security_groups: NamedMap<RawSecurityGroup>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub instances: NamedMap<RawInstance>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub target_groups: NamedMap<RawTargetGroup>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub load_balancers: NamedMap<RawLoadBalancer>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub web_acls: NamedMap<RawWebAcl>,

    // Sections of the layers that later versions add. Named here so that using one gives a
    // clear "not supported by this version" instead of a bare unknown-key error.
    #[serde(default, skip_serializing)]
    pub network_firewall: Option<Reserved>,
    #[serde(default, skip_serializing)]
    pub shield: Option<Reserved>,
    #[serde(default, skip_serializing)]
    pub session_manager: Option<Reserved>,
}

/// A section this version does not read; only its position is kept.
#[derive(Clone, Debug, PartialEq)]
pub struct Reserved(pub Option<Pos>);

impl<'de> Deserialize<'de> for Reserved {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Reserved, D::Error> {
        let s = serde_saphyr::Spanned::<de::IgnoredAny>::deserialize(d)?;
        Ok(Reserved(pos_of(&s.referenced)))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawVpc {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default)]
    pub cidr_blocks: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_cidr_blocks: Vec<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawInternetGateway {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    /// The gateway route table (edge association) that routes traffic arriving from the internet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrefixList {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address_family: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_entries: Option<Leaf>,
    /// Absent when the entries are unknown (an AWS-managed list imported without them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entries: Option<Vec<RawPrefixListEntry>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawPrefixListEntry {
    pub cidr: Leaf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouteTable {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub main: Option<Leaf>,
    #[serde(default)]
    pub routes: Vec<RawRoute>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRoute {
    pub destination: Leaf,
    pub target: RawRouteTarget,
}

/// `local`, `internet_gateway`, `blackhole`, or a one-key mapping naming a gateway:
/// `{nat_gateway: nat-a}`, `{firewall_endpoint: fw-a}`, `{external: pcx-0123}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawRouteTarget {
    pub kind: Leaf,
    pub name: Option<Leaf>,
}

impl<'de> Deserialize<'de> for RawRouteTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawRouteTarget, D::Error> {
        let s = serde_saphyr::Spanned::<TargetShape>::deserialize(d)?;
        let pos = pos_of(&s.referenced);
        Ok(match s.value {
            TargetShape::Word(w) => RawRouteTarget {
                kind: Leaf { text: w, pos },
                name: None,
            },
            TargetShape::Named(k, v) => RawRouteTarget {
                kind: Leaf { text: k, pos },
                name: Some(v),
            },
        })
    }
}

enum TargetShape {
    Word(String),
    Named(String, Leaf),
}

impl<'de> Deserialize<'de> for TargetShape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<TargetShape, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TargetShape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a route target: local, internet_gateway, blackhole, or a mapping such as \
                     {nat_gateway: NAME}",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TargetShape, E> {
                Ok(TargetShape::Word(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<TargetShape, E> {
                Ok(TargetShape::Word(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<TargetShape, E> {
                Ok(TargetShape::Word(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<TargetShape, E> {
                Ok(TargetShape::Word(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<TargetShape, E> {
                Ok(TargetShape::Word(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<TargetShape, A::Error> {
                let Some((k, v)) = m.next_entry::<String, Leaf>()? else {
                    return Err(de::Error::custom(
                        "a route target mapping needs one key, e.g. {nat_gateway: NAME}",
                    ));
                };
                if m.next_key::<de::IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom(
                        "a route target mapping has exactly one key, e.g. {nat_gateway: NAME}",
                    ));
                }
                Ok(TargetShape::Named(k, v))
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for RawRouteTarget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.name {
            None => s.serialize_str(&self.kind.text),
            Some(name) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry(&self.kind.text, name)?;
                m.end()
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSubnet {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_cidr: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability_zone: Option<Leaf>,
    /// `public`, `private` or `firewall`: what the subnet is meant to be, which the audit
    /// compares with what its routes make it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route_table: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_acl: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawNatGateway {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_ip: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFirewallEndpoint {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subnet: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetworkAcl {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    /// The VPC's default NACL, used by every subnet with no explicit association.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Leaf>,
    /// Absent on the default NACL means AWS's default rules; absent elsewhere means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<RawNaclRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<RawNaclRule>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawNaclRule {
    pub rule: Leaf,
    pub action: Leaf,
    pub protocol: Leaf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<Leaf>,
    pub cidr: Leaf,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecurityGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Leaf>,
    /// Absent means AWS's default for a new group: none, or, for `default`, all from itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<RawSgRule>>,
    /// Absent means AWS's default for a new group: all traffic out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<RawSgRule>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawSgRule {
    pub protocol: Leaf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ports: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_group: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix_list: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawInstance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Leaf>,
    pub subnet: Leaf,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub private_ips: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv6_addresses: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_ip: Option<Leaf>,
    /// Absent means the VPC's `default` group, as for an instance launched with none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_groups: Option<Vec<Leaf>>,
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub tags: NamedMap<Leaf>,
}

// ── Load balancing ─────────────────────────────────────────────────────────────────────────

/// `target_groups.NAME`: AWS's target-group settings and attributes, snake_case.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargetGroup {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<Leaf>,
    /// The port of targets that name none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<RawTarget>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health_check: Option<RawHealthCheck>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slow_start_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deregistration_delay_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stickiness: Option<RawStickiness>,
}

/// A target: `10.0.2.10:8080` (`[2001:db8::10]:8080`; the port may be left to the group), or
/// `{instance: NAME, port: 8080}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawTarget {
    /// The written address of the scalar form.
    pub address: Option<Leaf>,
    pub instance: Option<Leaf>,
    pub port: Option<Leaf>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawInstanceTarget {
    instance: Leaf,
    #[serde(default)]
    port: Option<Leaf>,
}

impl<'de> Deserialize<'de> for RawTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawTarget, D::Error> {
        let s = serde_saphyr::Spanned::<ScalarOr<RawInstanceTarget>>::deserialize(d)?;
        Ok(match s.value {
            ScalarOr::Scalar(text) => RawTarget {
                address: Some(Leaf {
                    text,
                    pos: pos_of(&s.referenced),
                }),
                ..RawTarget::default()
            },
            ScalarOr::Map(t) => RawTarget {
                address: None,
                instance: Some(t.instance),
                port: t.port,
            },
        })
    }
}

impl Serialize for RawTarget {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match (&self.address, &self.instance) {
            (Some(a), _) => a.serialize(s),
            (None, instance) => {
                let mut m = s.serialize_map(None)?;
                if let Some(i) = instance {
                    m.serialize_entry("instance", i)?;
                }
                if let Some(p) = &self.port {
                    m.serialize_entry("port", p)?;
                }
                m.end()
            }
        }
    }
}

/// A value written either as one scalar (a shorthand) or as a mapping of its full form.
enum ScalarOr<T> {
    Scalar(String),
    Map(T),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for ScalarOr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<ScalarOr<T>, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = ScalarOr<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a single value or a mapping")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ScalarOr<T>, E> {
                Ok(ScalarOr::Scalar(v.to_owned()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<ScalarOr<T>, E> {
                Ok(ScalarOr::Scalar(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ScalarOr<T>, E> {
                Ok(ScalarOr::Scalar(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<ScalarOr<T>, E> {
                Ok(ScalarOr::Scalar(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<ScalarOr<T>, E> {
                Ok(ScalarOr::Scalar(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, m: A) -> Result<ScalarOr<T>, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(m)).map(ScalarOr::Map)
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Leaf>,
    /// A port, or `traffic-port` (AWS's word for the target's own port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub healthy_threshold: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unhealthy_threshold: Option<Leaf>,
    /// `200`, `200,202` or `200-299`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matcher: Option<Leaf>,
}

/// Target-group stickiness (`stickiness.*` attributes).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawStickiness {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Leaf>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<Leaf>,
}

/// `load_balancers.NAME`: an Application Load Balancer.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLoadBalancer {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub subnets: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<RawLbAttributes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<RawLbLimits>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_log: Option<RawAccessLog>,
    /// The web ACL associated with it (AWS: at most one per load balancer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_acl: Option<Leaf>,
    #[serde(default)]
    pub listeners: Vec<RawListener>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLbAttributes {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idle_timeout_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_keep_alive_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desync_mitigation_mode: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop_invalid_header_fields: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preserve_host_header: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xff_header_processing: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub xff_client_port: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http2: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_version_and_cipher_headers: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawLbLimits {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_line_bytes: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_header_bytes: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_request_head_bytes: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_read_timeout_seconds: Option<Leaf>,
    /// Absent or `null`: no limit, as on AWS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body_bytes: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connect_timeout_seconds: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_idle_per_target: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAccessLog {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_bytes: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_files: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawListener {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ssl_policy: Option<Leaf>,
    /// The default certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<RawCertificate>,
    /// More certificates, chosen by SNI.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub certificates: Vec<RawCertificate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<RawRule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<RawAction>,
}

/// `{cert: FILE, key: FILE}` or `{self_signed: [NAME, …]}`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawCertificate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cert: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_signed: Option<Vec<Leaf>>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Leaf>,
    #[serde(default, skip_serializing_if = "RawConditions::is_empty")]
    pub conditions: RawConditions,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<RawAction>,
}

/// A rule's conditions, ANDed. Each list holds the values of one condition (ORed), except
/// `http_header`, whose items are separate conditions on different headers.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawConditions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_header: Option<Vec<Leaf>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<Vec<Leaf>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub http_header: Vec<RawHttpHeader>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_request_method: Option<Vec<Leaf>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query_string: Option<Vec<RawQueryPair>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_ip: Option<Vec<Leaf>>,
}

impl RawConditions {
    pub fn is_empty(&self) -> bool {
        *self == RawConditions::default()
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawHttpHeader {
    pub name: Leaf,
    #[serde(default)]
    pub values: Vec<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawQueryPair {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<Leaf>,
    pub value: Leaf,
}

/// One of `forward`, `redirect` or `fixed_response`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawAction {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forward: Option<RawForward>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect: Option<RawRedirect>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_response: Option<RawFixedResponse>,
}

/// `{forward: GROUP}`, or `{forward: {target_groups: [{name, weight}], stickiness: …}}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RawForward {
    /// The shorthand: one group, weight 1.
    pub target_group: Option<Leaf>,
    pub target_groups: Vec<RawWeightedGroup>,
    pub stickiness: Option<RawForwardStickiness>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
struct RawForwardConfig {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    target_groups: Vec<RawWeightedGroup>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    stickiness: Option<RawForwardStickiness>,
}

impl<'de> Deserialize<'de> for RawForward {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<RawForward, D::Error> {
        let s = serde_saphyr::Spanned::<ScalarOr<RawForwardConfig>>::deserialize(d)?;
        Ok(match s.value {
            ScalarOr::Scalar(text) => RawForward {
                target_group: Some(Leaf {
                    text,
                    pos: pos_of(&s.referenced),
                }),
                ..RawForward::default()
            },
            ScalarOr::Map(c) => RawForward {
                target_group: None,
                target_groups: c.target_groups,
                stickiness: c.stickiness,
            },
        })
    }
}

impl Serialize for RawForward {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.target_group {
            Some(g) => g.serialize(s),
            None => RawForwardConfig {
                target_groups: self.target_groups.clone(),
                stickiness: self.stickiness.clone(),
            }
            .serialize(s),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWeightedGroup {
    pub name: Leaf,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight: Option<Leaf>,
}

/// Target-group stickiness of a forward action (`TargetGroupStickinessConfig`).
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawForwardStickiness {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedirect {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<Leaf>,
    /// `HTTP_301` or `HTTP_302`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<Leaf>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawFixedResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_body: Option<Leaf>,
}

/// `web_acls.NAME`: an AWS WAF web ACL in AWS's JSON, and the documents it references.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct RawWebAcl {
    /// The web ACL: `{"WebACL": …}` as `aws wafv2 get-web-acl` prints it, or the bare object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rule_groups: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_sets: Vec<Leaf>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regex_pattern_sets: Vec<Leaf>,
    /// The addresses behind a managed IP list, by rule name: a file of one CIDR per line.
    #[serde(default, skip_serializing_if = "NamedMap::is_empty")]
    pub ip_lists: NamedMap<Leaf>,
    /// Where AWS WAF log records go, one JSON object per line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<RawAccessLog>,
    /// A MaxMind-format database for `GeoMatchStatement`, `AsnMatchStatement` and the log's
    /// country.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_database: Option<Leaf>,
    /// A file of at least 32 secret bytes that signs the CAPTCHA and Challenge tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_secret_file: Option<Leaf>,
}
