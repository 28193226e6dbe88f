//! What `explain` is asked: a flow from a source to a destination port.

use std::fmt;
use std::net::IpAddr;

use model::{Family, ICMP, ICMPV6, PortRange, Protocol, TCP, UDP};

/// One end of a flow as the user names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndpointSpec {
    /// Any host on the internet: an address that no rule names specifically.
    Internet,
    /// An instance, by name or ID.
    Instance(String),
    /// An address: an instance's private or public address, or a host outside the VPC.
    Address(IpAddr),
}

impl EndpointSpec {
    /// `internet`, an IP address (IPv6 with or without brackets), or an instance name.
    pub fn parse(text: &str) -> Result<EndpointSpec, QueryError> {
        let t = text.trim();
        if t.is_empty() {
            return Err(QueryError::Syntax(
                "an endpoint is `internet`, an instance name or an IP address".into(),
            ));
        }
        if t.eq_ignore_ascii_case("internet") {
            return Ok(EndpointSpec::Internet);
        }
        let bare = t
            .strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or(t);
        if let Ok(a) = bare.parse::<IpAddr>() {
            return Ok(EndpointSpec::Address(a));
        }
        Ok(EndpointSpec::Instance(t.to_owned()))
    }
}

impl fmt::Display for EndpointSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EndpointSpec::Internet => f.write_str("internet"),
            EndpointSpec::Instance(n) => f.write_str(n),
            EndpointSpec::Address(a) => write!(f, "{a}"),
        }
    }
}

/// A flow to explain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlowQuery {
    pub from: EndpointSpec,
    pub to: EndpointSpec,
    /// The protocol number (6 for TCP).
    pub protocol: u8,
    /// Destination port for TCP and UDP; ICMP type for ICMP.
    pub port: u16,
    /// ICMP code.
    pub icmp_code: u8,
    /// The client's source ports: one pinned port, or the ephemeral range its OS picks from.
    /// The reply is judged for every port of it, because NACLs are stateless.
    pub source_ports: PortRange,
    /// Which address family to use when neither end is given as an address.
    pub family: Option<Family>,
}

/// Linux's and Amazon Linux's ephemeral range as AWS documents it.
pub const LINUX_EPHEMERAL: PortRange = PortRange {
    from: 32768,
    to: 61000,
};

/// The source ports a NAT gateway (and an ELB) uses.
pub const NAT_EPHEMERAL: PortRange = PortRange {
    from: 1024,
    to: 65535,
};

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    #[error("{0}")]
    Syntax(String),
    #[error("{0}")]
    Unknown(String),
}

impl FlowQuery {
    /// Parses `--to DST:PORT[/PROTO]`. DST is `internet`, an instance or an IP address (IPv6
    /// in brackets when a port follows). PROTO is `tcp` (the default), `udp`, `icmp`,
    /// `icmpv6`, a name such as `gre` or a number. For ICMP the port is `TYPE` or `TYPE.CODE`;
    /// for protocols without ports it may be left out (`db-1/gre`).
    pub fn parse_target(text: &str) -> Result<(EndpointSpec, u8, u16, u8), QueryError> {
        let syntax = |m: &str| QueryError::Syntax(format!("{text:?}: {m}"));
        let t = text.trim();
        let (rest, proto) = match t.rsplit_once('/') {
            Some((r, p)) => (
                r,
                Protocol::parse(p).ok_or_else(|| {
                    syntax("unknown protocol; expected tcp, udp, icmp, icmpv6, a name or a number")
                })?,
            ),
            None => (t, Protocol::Number(TCP)),
        };
        let Protocol::Number(proto) = proto else {
            return Err(syntax("a flow has one protocol; `all` is for rules"));
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (addr, after) = inner
                .split_once(']')
                .ok_or_else(|| syntax("missing `]` after the IPv6 address"))?;
            let port = match after {
                "" => None,
                p => Some(
                    p.strip_prefix(':')
                        .ok_or_else(|| syntax("expected `:PORT` after `]`"))?,
                ),
            };
            (format!("[{addr}]"), port)
        } else if rest.matches(':').count() > 1 {
            // A bare IPv6 address: no port can follow without brackets.
            (rest.to_owned(), None)
        } else {
            match rest.split_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (rest.to_owned(), None),
            }
        };
        let dst = EndpointSpec::parse(&host)?;
        let (port, code) = match (proto, port) {
            (TCP | UDP, None) => return Err(syntax("tcp and udp need a port: DST:PORT")),
            (TCP | UDP, Some(p)) => (
                p.parse::<u16>()
                    .map_err(|_| syntax("the port is a number from 0 to 65535"))?,
                0,
            ),
            (ICMP | ICMPV6, None) => (if proto == ICMP { 8 } else { 128 }, 0),
            (ICMP | ICMPV6, Some(p)) => {
                let (ty, code) = p.split_once('.').unwrap_or((p, "0"));
                let err = || syntax("for ICMP the port is TYPE or TYPE.CODE, e.g. 8 or 3.4");
                (
                    ty.parse::<u8>().map_err(|_| err())?.into(),
                    code.parse::<u8>().map_err(|_| err())?,
                )
            }
            (_, _) => (0, 0),
        };
        Ok((dst, proto, port, code))
    }
}
