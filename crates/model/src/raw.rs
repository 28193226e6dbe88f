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

    // Sections of the layers that later versions add. Named here so that using one gives a
    // clear "not supported by this version" instead of a bare unknown-key error.
    #[serde(default, skip_serializing)]
    pub network_firewall: Option<Reserved>,
    #[serde(default, skip_serializing)]
    pub load_balancers: Option<Reserved>,
    #[serde(default, skip_serializing)]
    pub web_acls: Option<Reserved>,
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
