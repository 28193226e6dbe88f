#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use model::aws::{ImportError, ImportOptions, Imported, import_dir, import_documents};
use model::{
    Cidr, GroupRef, IcmpMatch, L4Match, Model, PortRange, Protocol, RouteTarget, SgPeer, TCP,
};
use serde_json::{Value, json};

fn example_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/aws")
}

fn example() -> Imported {
    import_dir(&example_dir(), &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn cidr(s: &str) -> Cidr {
    s.parse().unwrap()
}

fn doc(name: &str, v: Value) -> (String, Vec<u8>) {
    (name.to_owned(), serde_json::to_vec_pretty(&v).unwrap())
}

fn vpc(id: &str, name: &str, block: &str) -> Value {
    json!({
        "VpcId": id, "CidrBlock": block, "State": "available", "OwnerId": "111122223333",
        "CidrBlockAssociationSet": [
            {"AssociationId": "vpc-cidr-assoc-1", "CidrBlock": block,
             "CidrBlockState": {"State": "associated"}}
        ],
        "Tags": [{"Key": "Name", "Value": name}]
    })
}

fn one_vpc() -> (String, Vec<u8>) {
    doc(
        "describe-vpcs.json",
        json!({"Vpcs": [vpc("vpc-0aaaaaaaaaaaaaaa1", "prod", "10.0.0.0/16")]}),
    )
}

fn subnet(id: &str, vpc: &str, block: &str, name: &str) -> Value {
    json!({
        "SubnetId": id, "VpcId": vpc, "CidrBlock": block, "AvailabilityZone": "us-east-1a",
        "Ipv6CidrBlockAssociationSet": [], "Tags": [{"Key": "Name", "Value": name}]
    })
}

fn import(docs: &[(String, Vec<u8>)]) -> Imported {
    import_documents(docs, &ImportOptions::default()).unwrap_or_else(|e| panic!("{e}"))
}

fn import_err(docs: &[(String, Vec<u8>)], opts: &ImportOptions) -> ImportError {
    match import_documents(docs, opts) {
        Ok(_) => panic!("the import should fail"),
        Err(e) => e,
    }
}

fn has_note(i: &Imported, part: &str) -> bool {
    i.notes.iter().any(|n| n.contains(part))
}

// ---- the example export ---------------------------------------------------------------------

#[test]
fn example_imports_every_resource_of_the_vpc() {
    let i = example();
    assert!(i.validated.warnings.is_empty(), "{}", i.validated.warnings);
    let m = &i.validated.model;
    assert_eq!(m.vpc.name, "seed");
    assert_eq!(m.vpc.id.as_deref(), Some("vpc-0a1b2c3d4e5f60718"));
    assert_eq!(m.vpc.cidr_blocks, [cidr("10.0.0.0/16")]);
    assert_eq!(m.vpc.ipv6_cidr_blocks, [cidr("2600:1f18:6e:5600::/56")]);
    assert_eq!(m.subnets.len(), 3);
    assert_eq!(m.route_tables.len(), 5);
    assert_eq!(m.network_acls.len(), 3);
    assert_eq!(m.security_groups.len(), 4);
    // The terminated instance is left out.
    assert_eq!(m.instances.len(), 4);
    assert_eq!(m.prefix_lists.len(), 2);
    assert_eq!(m.nat_gateways.len(), 1);
    assert_eq!(m.firewall_endpoints.len(), 1);
    assert!(has_note(
        &i,
        "i-0a1b2c3d4e5f60009 (app-old) is skipped: it is terminated"
    ));
    assert!(has_note(&i, "route to prefix list pl-63a5400a is skipped"));

    let tiers: Vec<String> = (0..3)
        .map(|s| m.subnets[s].tier.map(|t| t.to_string()).unwrap_or_default())
        .collect();
    assert_eq!(tiers, ["firewall", "public", "private"]);
    let default_sg = m.default_security_group().unwrap();
    assert_eq!(m.security_group(default_sg).name, "default");
    assert_eq!(
        m.security_group(default_sg).id.as_deref(),
        Some("sg-0a0b0c0d0e0f10001")
    );
}

#[test]
fn example_lb_group_rules_are_one_per_peer_in_aws_order() {
    let m = example().validated.model;
    let lb = m.security_group(m.security_group_by_name("lb").unwrap());
    let app = m.security_group_by_name("app").unwrap();
    let corp = m
        .prefix_lists
        .iter()
        .position(|p| p.name == "corp-offices")
        .unwrap();
    let summary: Vec<(Protocol, L4Match, SgPeer, Option<&str>)> = lb
        .ingress
        .iter()
        .map(|r| (r.protocol, r.l4, r.peer.clone(), r.description.as_deref()))
        .collect();
    let https = L4Match::Ports(PortRange::single(443));
    assert_eq!(
        summary,
        [
            (
                Protocol::Number(TCP),
                https,
                SgPeer::Cidr(cidr("0.0.0.0/0")),
                None
            ),
            (
                Protocol::Number(TCP),
                https,
                SgPeer::Cidr(cidr("::/0")),
                None
            ),
            (
                Protocol::Number(TCP),
                L4Match::Ports(PortRange::single(8443)),
                SgPeer::PrefixList(GroupRef::Local(model::PrefixListIdx(corp as u32))),
                Some("admin console from the offices"),
            ),
            (
                Protocol::Number(1),
                L4Match::Icmp(IcmpMatch {
                    icmp_type: Some(3),
                    code: Some(4)
                }),
                SgPeer::Cidr(cidr("0.0.0.0/0")),
                Some("path MTU discovery"),
            ),
        ]
    );
    assert_eq!(lb.egress.len(), 1);
    assert_eq!(
        lb.egress[0].peer,
        SgPeer::SecurityGroup(GroupRef::Local(app))
    );
    assert_eq!(lb.egress[0].l4, L4Match::Ports(PortRange::single(8080)));
    // The AWS-managed S3 list has no entries file: its entries are unknown, not empty.
    let s3 = m
        .prefix_lists
        .iter()
        .find(|p| p.id.as_deref() == Some("pl-63a5400a"))
        .unwrap();
    assert_eq!(s3.name, "com.amazonaws.us-east-1.s3");
    assert_eq!(s3.entries, None);
    assert_eq!(m.prefix_lists[corp].max_entries, Some(10));
    assert_eq!(m.prefix_lists[corp].entries.as_ref().map(Vec::len), Some(2));
}

#[test]
fn example_nacl_rules_are_in_number_order_without_the_star_rules() {
    let m = example().validated.model;
    let public = m
        .network_acls
        .iter()
        .find(|a| a.name == "seed-public")
        .unwrap();
    let numbers = |rules: &[model::NaclRule]| rules.iter().map(|r| r.number).collect::<Vec<_>>();
    assert_eq!(numbers(&public.ingress), [100, 110, 120, 130, 140, 150]);
    assert_eq!(numbers(&public.egress), [100, 110, 120, 130, 150]);
    let r = &public.egress[0];
    assert_eq!(r.cidr, cidr("10.0.2.0/24"));
    assert_eq!(r.l4, L4Match::Ports(PortRange::single(8080)));
    assert_eq!(
        public.ingress[5].l4,
        L4Match::Icmp(IcmpMatch {
            icmp_type: Some(3),
            code: Some(4)
        })
    );
    let default = m.network_acl(m.default_network_acl().unwrap());
    assert_eq!(default.name, "acl-0d1e2f3a4b5c60001");
    assert_eq!(numbers(&default.ingress), [100, 101]);
    assert_eq!(numbers(&default.egress), [100, 101]);
    // The firewall subnet uses the default NACL, implicitly; the others their own.
    let fw = m
        .subnets
        .iter()
        .find(|s| s.name == "seed-firewall-1a")
        .unwrap();
    assert_eq!(m.network_acl(fw.network_acl).name, default.name);
    assert!(!fw.network_acl_explicit);
    let public_subnet = m
        .subnets
        .iter()
        .find(|s| s.name == "seed-public-1a")
        .unwrap();
    assert_eq!(m.network_acl(public_subnet.network_acl).name, "seed-public");
}

#[test]
fn example_edge_route_table_sends_inbound_traffic_to_the_firewall_endpoint() {
    let m = example().validated.model;
    let igw = m.internet_gateway.as_ref().unwrap();
    assert_eq!(igw.id.as_deref(), Some("igw-0f1e2d3c4b5a69780"));
    let edge = m.route_table(igw.route_table.unwrap());
    assert_eq!(edge.name, "seed-igw-ingress");
    let fw = m.firewall_endpoint(model::FirewallEndpointIdx(0));
    assert_eq!(fw.name, "seed-inspection-us-east-1a");
    assert_eq!(fw.id.as_deref(), Some("vpce-0f1a2b3c4d5e6f708"));
    let to_public = edge.lookup("10.0.1.10".parse().unwrap()).unwrap();
    assert_eq!(
        to_public.target,
        RouteTarget::FirewallEndpoint(model::FirewallEndpointIdx(0))
    );
    let to_public6 = edge
        .lookup("2600:1f18:6e:5601::10".parse().unwrap())
        .unwrap();
    assert_eq!(to_public6.destination, cidr("2600:1f18:6e:5601::/64"));
    // Main table, and each subnet's own.
    let main = m.route_tables.iter().find(|t| t.main).unwrap();
    assert_eq!(main.name, "seed-main");
    let private = m
        .subnets
        .iter()
        .find(|s| s.name == "seed-private-1a")
        .unwrap();
    let default_route = m
        .route_table(private.route_table)
        .lookup("192.0.2.1".parse().unwrap())
        .unwrap();
    assert_eq!(
        default_route.target,
        RouteTarget::NatGateway(model::NatIdx(0))
    );
}

#[test]
fn example_nat_gateway_and_firewall_endpoint_are_placed_in_their_subnets() {
    let m = example().validated.model;
    let nat = m.nat_gateway(model::NatIdx(0));
    assert_eq!(nat.name, "seed-nat-1a");
    assert_eq!(m.subnet(nat.subnet.unwrap()).name, "seed-public-1a");
    assert_eq!(nat.public_ip, Some("203.0.113.20".parse().unwrap()));
    assert_eq!(nat.private_ip, Some("10.0.1.5".parse().unwrap()));
    let fw = m.firewall_endpoint(model::FirewallEndpointIdx(0));
    assert_eq!(m.subnet(fw.subnet.unwrap()).name, "seed-firewall-1a");
}

#[test]
fn example_instances_keep_every_address_group_and_tag() {
    let m = example().validated.model;
    let lb = m.instance(m.instance_by_name("lb-a").unwrap());
    assert_eq!(lb.id.as_deref(), Some("i-0a1b2c3d4e5f60001"));
    assert_eq!(
        lb.private_ips,
        [
            "10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap(),
            "10.0.1.11".parse().unwrap()
        ]
    );
    assert_eq!(
        lb.ipv6_addresses,
        ["2600:1f18:6e:5601::10"
            .parse::<std::net::Ipv6Addr>()
            .unwrap()]
    );
    assert_eq!(lb.public_ip, Some("203.0.113.10".parse().unwrap()));
    assert_eq!(
        lb.security_groups,
        [m.security_group_by_name("lb").unwrap()]
    );
    assert_eq!(
        lb.tags
            .get("aws:cloudformation:stack-name")
            .map(String::as_str),
        Some("seed-edge")
    );
    assert_eq!(lb.tags.get("Name").map(String::as_str), Some("lb-a"));
    let db = m.security_group_by_name("db").unwrap();
    assert_eq!(m.instances_with_sg(db).len(), 1);
}

#[test]
fn example_import_then_export_then_load_gives_the_same_model() {
    let m: Model = example().validated.model;
    let yaml = model::to_yaml(&m).unwrap();
    let again = model::load_str(&yaml, "exported.yaml")
        .unwrap_or_else(|e| panic!("{e}\n{yaml}"))
        .model;
    assert_eq!(m, again, "{yaml}");
}

#[test]
fn import_dir_and_import_documents_agree() {
    let dir = example_dir();
    let mut docs = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        docs.push((name, std::fs::read(entry.path()).unwrap()));
    }
    let from_docs = import(&docs);
    let from_dir = example();
    assert_eq!(from_docs.validated.model, from_dir.validated.model);
    assert_eq!(from_docs.raw, from_dir.raw);
    // The README beside the export is not worth a note.
    assert!(
        from_dir.notes.iter().all(|n| !n.contains("README")),
        "{:?}",
        from_dir.notes
    );
}

// ---- errors ---------------------------------------------------------------------------------

#[test]
fn missing_required_field_names_the_file_and_json_path() {
    let sgs = json!({"SecurityGroups": [
        {"GroupId": "sg-0aaaaaaaaaaaaaaa1", "VpcId": "vpc-0aaaaaaaaaaaaaaa1", "GroupName": "default",
         "IpPermissions": [], "IpPermissionsEgress": []},
        {"GroupId": "sg-0aaaaaaaaaaaaaaa2", "VpcId": "vpc-0aaaaaaaaaaaaaaa1", "GroupName": "web",
         "IpPermissions": [{"FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
         "IpPermissionsEgress": []}
    ]});
    let e = import_err(
        &[one_vpc(), doc("describe-security-groups.json", sgs)],
        &ImportOptions::default(),
    );
    let ImportError::Json(d) = &e else {
        panic!("expected a JSON error, got {e}")
    };
    let d = &d.0[0];
    assert_eq!(d.file, "describe-security-groups.json");
    assert_eq!(d.path, "SecurityGroups[1].IpPermissions[0].IpProtocol");
    assert!(d.line.is_some() && d.column.is_some(), "{d}");
    assert!(e.to_string().contains("IpProtocol"), "{e}");
}

#[test]
fn wrong_type_names_the_field() {
    let acls = json!({"NetworkAcls": [
        {"NetworkAclId": "acl-0aaaaaaaaaaaaaaa1", "VpcId": "vpc-0aaaaaaaaaaaaaaa1",
         "IsDefault": "yes", "Entries": [], "Associations": []}
    ]});
    let e = import_err(
        &[one_vpc(), doc("describe-network-acls.json", acls)],
        &ImportOptions::default(),
    );
    let d = e.diagnostics().unwrap();
    assert_eq!(d.0[0].path, "NetworkAcls[0].IsDefault");
    assert!(
        d.0[0].message.contains("invalid type"),
        "{}",
        d.0[0].message
    );
}

#[test]
fn malformed_json_has_line_and_column() {
    let bad = b"{\n  \"Vpcs\": [\n    {\"VpcId\": \"vpc-1\",}\n  ]\n}\n".to_vec();
    let e = import_err(
        &[("describe-vpcs.json".into(), bad)],
        &ImportOptions::default(),
    );
    let d = &e.diagnostics().unwrap().0[0];
    assert_eq!(d.file, "describe-vpcs.json");
    assert_eq!(d.line, Some(3));
    assert!(d.column.is_some_and(|c| c > 0));
    assert!(d.message.starts_with("malformed JSON"), "{}", d.message);
    // Every broken file is reported at once.
    let e = import_err(
        &[
            ("describe-vpcs.json".into(), b"{".to_vec()),
            ("describe-subnets.json".into(), b"[]".to_vec()),
        ],
        &ImportOptions::default(),
    );
    assert_eq!(e.diagnostics().unwrap().len(), 2, "{e}");
}

#[test]
fn missing_describe_vpcs_is_explained() {
    let e = import_err(
        &[doc("describe-subnets.json", json!({"Subnets": []}))],
        &ImportOptions::default(),
    );
    assert!(matches!(e, ImportError::Vpc(_)));
    let text = e.to_string();
    assert!(text.contains("describe-vpcs.json is missing"), "{text}");
    assert!(text.contains("CIDR blocks"), "{text}");
}

fn two_vpcs() -> Vec<(String, Vec<u8>)> {
    vec![
        doc(
            "describe-vpcs.json",
            json!({"Vpcs": [
                vpc("vpc-0aaaaaaaaaaaaaaa1", "prod", "10.0.0.0/16"),
                vpc("vpc-0bbbbbbbbbbbbbbb2", "staging", "10.1.0.0/16"),
            ]}),
        ),
        doc(
            "describe-subnets.json",
            json!({"Subnets": [
                subnet("subnet-0aaaaaaaaaaaaaaa1", "vpc-0aaaaaaaaaaaaaaa1", "10.0.1.0/24", "prod-a"),
                subnet("subnet-0bbbbbbbbbbbbbbb2", "vpc-0bbbbbbbbbbbbbbb2", "10.1.1.0/24", "staging-a"),
            ]}),
        ),
    ]
}

#[test]
fn several_vpcs_without_a_choice_are_listed() {
    let e = import_err(&two_vpcs(), &ImportOptions::default());
    let ImportError::Vpc(text) = &e else {
        panic!("{e}")
    };
    assert!(text.contains("--vpc"), "{text}");
    assert!(text.contains("vpc-0aaaaaaaaaaaaaaa1 (prod)"), "{text}");
    assert!(text.contains("vpc-0bbbbbbbbbbbbbbb2 (staging)"), "{text}");
}

#[test]
fn vpc_is_chosen_by_id_or_name_tag_and_others_are_left_out() {
    for wanted in ["vpc-0bbbbbbbbbbbbbbb2", "staging"] {
        let opts = ImportOptions {
            vpc: Some(wanted.into()),
        };
        let i = import_documents(&two_vpcs(), &opts).unwrap();
        let m = &i.validated.model;
        assert_eq!(m.vpc.id.as_deref(), Some("vpc-0bbbbbbbbbbbbbbb2"));
        let names: Vec<&str> = m.subnets.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["staging-a"]);
        assert!(has_note(&i, "1 subnets of other VPCs skipped"));
    }
    let e = import_err(
        &two_vpcs(),
        &ImportOptions {
            vpc: Some("dev".into()),
        },
    );
    let text = e.to_string();
    assert!(
        text.contains("`dev`") && text.contains("vpc-0aaaaaaaaaaaaaaa1 (prod)"),
        "{text}"
    );
}

#[test]
fn unknown_fields_are_ignored() {
    let mut v = vpc("vpc-0aaaaaaaaaaaaaaa1", "prod", "10.0.0.0/16");
    v["SomeFutureField"] = json!({"Nested": [1, 2, {"Deep": null}]});
    v["CidrBlockAssociationSet"][0]["AnotherNewField"] = json!(true);
    let mut s = subnet(
        "subnet-0aaaaaaaaaaaaaaa1",
        "vpc-0aaaaaaaaaaaaaaa1",
        "10.0.1.0/24",
        "a",
    );
    s["Ipv6Native"] = json!(false);
    s["BlockPublicAccessStates"] = json!({"InternetGatewayBlockMode": "off"});
    let i = import(&[
        doc(
            "describe-vpcs.json",
            json!({"Vpcs": [v], "NextToken": "abc"}),
        ),
        doc("describe-subnets.json", json!({"Subnets": [s]})),
    ]);
    assert_eq!(i.validated.model.subnets.len(), 1);
}

fn groups(list: Value) -> (String, Vec<u8>) {
    doc(
        "describe-security-groups.json",
        json!({ "SecurityGroups": list }),
    )
}

fn group(id: &str, name: &str, ingress: Value) -> Value {
    json!({
        "GroupId": id, "GroupName": name, "VpcId": "vpc-0aaaaaaaaaaaaaaa1",
        "Description": format!("{name} group"), "OwnerId": "111122223333",
        "IpPermissions": ingress, "IpPermissionsEgress": []
    })
}

#[test]
fn stale_group_reference_stays_an_external_reference() {
    let i = import(&[
        one_vpc(),
        groups(json!([group(
            "sg-0aaaaaaaaaaaaaaa1",
            "web",
            json!([{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
            "UserIdGroupPairs": [
                {"GroupId": "sg-0deadbeefdeadbeef", "UserId": "111122223333"},
                {"GroupId": "sg-0aaaaaaaaaaaaaaa1", "UserId": "111122223333"},
                {"GroupId": "sg-0cccccccccccccccc", "UserId": "444455556666",
                 "VpcId": "vpc-0ccccccccccccccc3", "VpcPeeringConnectionId": "pcx-0123456789abcdef0",
                 "PeeringStatus": "active"}
            ]}])
        )])),
    ]);
    let m = &i.validated.model;
    let web = m.security_group_by_name("web").unwrap();
    let peers: Vec<&SgPeer> = m
        .security_group(web)
        .ingress
        .iter()
        .map(|r| &r.peer)
        .collect();
    assert_eq!(
        peers,
        [
            &SgPeer::SecurityGroup(GroupRef::External("sg-0deadbeefdeadbeef".into())),
            &SgPeer::SecurityGroup(GroupRef::Local(web)),
            &SgPeer::SecurityGroup(GroupRef::External("sg-0cccccccccccccccc".into())),
        ]
    );
}

#[test]
fn protocols_ports_and_icmp_follow_aws_encoding() {
    let i = import(&[
        one_vpc(),
        groups(json!([group(
            "sg-0aaaaaaaaaaaaaaa1",
            "mixed",
            json!([
                {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                {"IpProtocol": "17", "FromPort": 1024, "ToPort": 65535, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
                {"IpProtocol": "icmpv6", "FromPort": 128, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
                {"IpProtocol": "50", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
            ])
        )])),
    ]);
    let m = &i.validated.model;
    let g = m.security_group(m.security_group_by_name("mixed").unwrap());
    let l4: Vec<(Protocol, L4Match)> = g.ingress.iter().map(|r| (r.protocol, r.l4)).collect();
    assert_eq!(
        l4,
        [
            (Protocol::All, L4Match::Any),
            (
                Protocol::Number(17),
                L4Match::Ports(PortRange {
                    from: 1024,
                    to: 65535
                })
            ),
            (Protocol::Number(1), L4Match::Icmp(IcmpMatch::ANY)),
            (
                Protocol::Number(58),
                L4Match::Icmp(IcmpMatch {
                    icmp_type: Some(128),
                    code: None
                })
            ),
            (Protocol::Number(50), L4Match::Any),
        ]
    );
    assert!(i.validated.warnings.is_empty(), "{}", i.validated.warnings);
}

#[test]
fn exact_duplicate_rules_are_dropped_with_a_note() {
    let i = import(&[
        one_vpc(),
        groups(json!([group(
            "sg-0aaaaaaaaaaaaaaa1",
            "dup",
            json!([
                {"IpProtocol": "icmpv6", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
                {"IpProtocol": "58", "FromPort": -1, "ToPort": -1, "Ipv6Ranges": [{"CidrIpv6": "::/0", "Description": "again"}]}
            ])
        )])),
    ]);
    let m = &i.validated.model;
    let g = m.security_group(m.security_group_by_name("dup").unwrap());
    assert_eq!(g.ingress.len(), 1);
    assert!(
        has_note(&i, "security group dup: a second ingress rule icmpv6"),
        "{:?}",
        i.notes
    );
}

#[test]
fn default_nacl_star_rules_are_skipped() {
    let entry = |n: u32, egress: bool, action: &str| {
        json!({"CidrBlock": "0.0.0.0/0", "Egress": egress, "Protocol": "-1",
               "RuleAction": action, "RuleNumber": n})
    };
    let acls = json!({"NetworkAcls": [{
        "NetworkAclId": "acl-0aaaaaaaaaaaaaaa1", "VpcId": "vpc-0aaaaaaaaaaaaaaa1", "IsDefault": true,
        "Associations": [{"NetworkAclAssociationId": "aclassoc-1", "NetworkAclId": "acl-0aaaaaaaaaaaaaaa1",
                          "SubnetId": "subnet-0aaaaaaaaaaaaaaa1"}],
        "Entries": [entry(100, true, "allow"), entry(32767, true, "deny"),
                    entry(100, false, "allow"), entry(32767, false, "deny"),
                    {"Ipv6CidrBlock": "::/0", "Egress": false, "Protocol": "-1",
                     "RuleAction": "deny", "RuleNumber": 32768}],
        "Tags": []
    }]});
    let i = import(&[
        one_vpc(),
        doc(
            "describe-subnets.json",
            json!({"Subnets": [subnet("subnet-0aaaaaaaaaaaaaaa1", "vpc-0aaaaaaaaaaaaaaa1", "10.0.1.0/24", "a")]}),
        ),
        doc("describe-network-acls.json", acls),
    ]);
    let m = &i.validated.model;
    let acl = m.network_acl(m.default_network_acl().unwrap());
    assert_eq!(acl.id.as_deref(), Some("acl-0aaaaaaaaaaaaaaa1"));
    assert_eq!(
        acl.ingress.iter().map(|r| r.number).collect::<Vec<_>>(),
        [100]
    );
    assert_eq!(
        acl.egress.iter().map(|r| r.number).collect::<Vec<_>>(),
        [100]
    );
    assert_eq!(m.subnets[0].network_acl, m.default_network_acl().unwrap());
}

#[test]
fn nacl_entry_without_a_cidr_is_a_json_error() {
    let acls = json!({"NetworkAcls": [{
        "NetworkAclId": "acl-0aaaaaaaaaaaaaaa1", "VpcId": "vpc-0aaaaaaaaaaaaaaa1", "IsDefault": false,
        "Entries": [{"Egress": false, "Protocol": "-1", "RuleAction": "deny", "RuleNumber": 10}]
    }]});
    let e = import_err(
        &[one_vpc(), doc("describe-network-acls.json", acls)],
        &ImportOptions::default(),
    );
    let d = &e.diagnostics().unwrap().0[0];
    assert_eq!(
        (d.file.as_str(), d.path.as_str()),
        ("describe-network-acls.json", "NetworkAcls[0].Entries[0]")
    );
}

#[test]
fn name_collisions_get_id_suffixes() {
    let subnets = json!({"Subnets": [
        subnet("subnet-0aaaaaaaaaaaaaaa1", "vpc-0aaaaaaaaaaaaaaa1", "10.0.1.0/24", "app"),
        subnet("subnet-0aaaaaaaaaaaaaaa2", "vpc-0aaaaaaaaaaaaaaa1", "10.0.2.0/24", "app"),
        subnet("subnet-0aaaaaaaaaaaaaaa3", "vpc-0aaaaaaaaaaaaaaa1", "10.0.3.0/24", "db tier/a"),
    ]});
    let mut impostor = group("sg-0aaaaaaaaaaaaaaa2", "not-default", json!([]));
    impostor["Tags"] = json!([{"Key": "Name", "Value": "default"}]);
    let mut sg_named = group("sg-0aaaaaaaaaaaaaaa3", "web", json!([]));
    sg_named["Tags"] = json!([{"Key": "Name", "Value": "sg-web"}]);
    let instance = |id: &str, name: &str, ip: &str| {
        json!({"InstanceId": id, "State": {"Code": 16, "Name": "running"},
               "VpcId": "vpc-0aaaaaaaaaaaaaaa1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa1",
               "PrivateIpAddress": ip, "SecurityGroups": [{"GroupId": "sg-0aaaaaaaaaaaaaaa1", "GroupName": "default"}],
               "Tags": [{"Key": "Name", "Value": name}]})
    };
    let i = import(&[
        one_vpc(),
        doc("describe-subnets.json", subnets),
        groups(json!([
            impostor,
            group("sg-0aaaaaaaaaaaaaaa1", "default", json!([])),
            sg_named
        ])),
        doc(
            "describe-instances.json",
            json!({"Reservations": [{"Instances": [
                instance("i-0aaaaaaaaaaaaaaa1", "internet", "10.0.1.10"),
                instance("i-0aaaaaaaaaaaaaaa2", "web", "10.0.1.11"),
            ]}]}),
        ),
    ]);
    let m = &i.validated.model;
    let subnets: Vec<&str> = m.subnets.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        subnets,
        [
            "app-subnet-0aaaaaaaaaaaaaaa1",
            "app-subnet-0aaaaaaaaaaaaaaa2",
            "db-tier-a"
        ]
    );
    let groups: Vec<&str> = m.security_groups.iter().map(|g| g.name.as_str()).collect();
    // A group cannot take `default` from the default group, nor a name starting with sg-.
    assert_eq!(groups, ["default-sg-0aaaaaaaaaaaaaaa2", "default", "web"]);
    assert_eq!(m.default_security_group(), Some(model::SgIdx(1)));
    let instances: Vec<&str> = m.instances.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(instances, ["internet-i-0aaaaaaaaaaaaaaa1", "web"]);
    assert!(has_note(
        &i,
        "subnet subnet-0aaaaaaaaaaaaaaa1 is named `app-subnet-0aaaaaaaaaaaaaaa1`"
    ));
    // IDs are kept, whatever the name.
    assert_eq!(m.subnets[0].id.as_deref(), Some("subnet-0aaaaaaaaaaaaaaa1"));
}

fn route_tables(routes: Value, assoc: Value) -> (String, Vec<u8>) {
    doc(
        "describe-route-tables.json",
        json!({"RouteTables": [{
            "RouteTableId": "rtb-0aaaaaaaaaaaaaaa1", "VpcId": "vpc-0aaaaaaaaaaaaaaa1",
            "Associations": assoc, "Routes": routes, "Tags": []
        }]}),
    )
}

#[test]
fn route_targets_without_their_own_files_still_resolve() {
    let i = import(&[
        one_vpc(),
        doc(
            "describe-subnets.json",
            json!({"Subnets": [subnet("subnet-0aaaaaaaaaaaaaaa1", "vpc-0aaaaaaaaaaaaaaa1", "10.0.1.0/24", "a")]}),
        ),
        route_tables(
            json!([
                {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
                {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-0aaaaaaaaaaaaaaa1", "State": "active"},
                {"DestinationCidrBlock": "172.16.0.0/12", "TransitGatewayId": "tgw-0aaaaaaaaaaaaaaa1", "State": "active"},
                {"DestinationCidrBlock": "192.168.0.0/16", "VpcPeeringConnectionId": "pcx-0aaaaaaaaaaaaaaa1", "State": "blackhole"},
                {"DestinationCidrBlock": "100.64.0.0/10", "GatewayId": "vpce-0aaaaaaaaaaaaaaa1", "State": "active"},
                {"DestinationIpv6CidrBlock": "2001:db8::/32", "EgressOnlyInternetGatewayId": "eigw-0aaaaaaaaaaaaaaa1", "State": "active"},
                {"DestinationCidrBlock": "198.51.100.0/24", "GatewayId": "igw-0aaaaaaaaaaaaaaa1", "State": "active"}
            ]),
            json!([{"Main": true}, {"Main": false, "SubnetId": "subnet-0aaaaaaaaaaaaaaa1"}]),
        ),
        (
            "describe-vpc-endpoints.json".into(),
            b"not read, so not parsed".to_vec(),
        ),
        ("README.md".into(), b"# notes".to_vec()),
    ]);
    let m = &i.validated.model;
    let rt = &m.route_tables[0];
    assert!(rt.main);
    assert_eq!(m.subnets[0].route_table, model::RouteTableIdx(0));
    let targets: Vec<&RouteTarget> = rt.routes.iter().map(|r| &r.target).collect();
    assert_eq!(
        targets,
        [
            &RouteTarget::Local,
            &RouteTarget::NatGateway(model::NatIdx(0)),
            &RouteTarget::External("tgw-0aaaaaaaaaaaaaaa1".into()),
            &RouteTarget::Blackhole,
            &RouteTarget::FirewallEndpoint(model::FirewallEndpointIdx(0)),
            &RouteTarget::External("eigw-0aaaaaaaaaaaaaaa1".into()),
            &RouteTarget::InternetGateway,
        ]
    );
    assert_eq!(m.nat_gateways[0].subnet, None);
    assert_eq!(m.firewall_endpoints[0].subnet, None);
    assert_eq!(
        m.internet_gateway.as_ref().and_then(|g| g.id.as_deref()),
        Some("igw-0aaaaaaaaaaaaaaa1")
    );
    assert!(has_note(
        &i,
        "NAT gateway nat-0aaaaaaaaaaaaaaa1 is used by routes but not placed"
    ));
    assert!(has_note(
        &i,
        "firewall endpoint vpce-0aaaaaaaaaaaaaaa1 is used by routes but not placed"
    ));
    assert!(has_note(
        &i,
        "describe-vpc-endpoints.json: not a file the import reads; ignored"
    ));
    assert!(!has_note(&i, "README"));
}

#[test]
fn instance_with_interfaces_in_different_groups_gets_their_union() {
    let eni = |index: i64, ip: &str, group: &str| {
        json!({"NetworkInterfaceId": format!("eni-0aaaaaaaaaaaaaa{index}0"), "SubnetId": "subnet-0aaaaaaaaaaaaaaa1",
               "Attachment": {"DeviceIndex": index, "Status": "attached"},
               "PrivateIpAddresses": [{"Primary": true, "PrivateIpAddress": ip}],
               "Ipv6Addresses": [], "Groups": [{"GroupId": group, "GroupName": group}]})
    };
    let i = import(&[
        one_vpc(),
        doc(
            "describe-subnets.json",
            json!({"Subnets": [subnet("subnet-0aaaaaaaaaaaaaaa1", "vpc-0aaaaaaaaaaaaaaa1", "10.0.1.0/24", "a")]}),
        ),
        groups(json!([
            group("sg-0aaaaaaaaaaaaaaa1", "default", json!([])),
            group("sg-0aaaaaaaaaaaaaaa2", "web", json!([])),
            group("sg-0aaaaaaaaaaaaaaa3", "admin", json!([]))
        ])),
        doc(
            "describe-instances.json",
            json!({"Reservations": [{"Instances": [{
                "InstanceId": "i-0aaaaaaaaaaaaaaa1", "State": {"Name": "running"},
                "VpcId": "vpc-0aaaaaaaaaaaaaaa1", "SubnetId": "subnet-0aaaaaaaaaaaaaaa1",
                "PrivateIpAddress": "10.0.1.10",
                // Listed out of device order, as nothing promises that order.
                "NetworkInterfaces": [eni(1, "10.0.1.20", "sg-0aaaaaaaaaaaaaaa3"), eni(0, "10.0.1.10", "sg-0aaaaaaaaaaaaaaa2")],
                "SecurityGroups": [{"GroupId": "sg-0aaaaaaaaaaaaaaa2", "GroupName": "web"}]
            }]}]}),
        ),
    ]);
    let m = &i.validated.model;
    let inst = &m.instances[0];
    assert_eq!(inst.name, "i-0aaaaaaaaaaaaaaa1");
    assert_eq!(
        inst.private_ips,
        [
            "10.0.1.10".parse::<std::net::Ipv4Addr>().unwrap(),
            "10.0.1.20".parse().unwrap()
        ]
    );
    let names: Vec<&str> = inst
        .security_groups
        .iter()
        .map(|g| m.security_group(*g).name.as_str())
        .collect();
    assert_eq!(names, ["web", "admin"]);
    assert!(has_note(&i, "models groups per instance"));
}

#[test]
fn invalid_values_fail_validation_not_parsing() {
    let e = import_err(
        &[
            one_vpc(),
            doc(
                "describe-subnets.json",
                json!({"Subnets": [subnet("subnet-0aaaaaaaaaaaaaaa1", "vpc-0aaaaaaaaaaaaaaa1", "10.9.1.0/24", "a")]}),
            ),
        ],
        &ImportOptions::default(),
    );
    let ImportError::Invalid(d) = &e else {
        panic!("{e}")
    };
    assert_eq!(d.0[0].path, "subnets.a.cidr");
}

#[test]
fn missing_directory_is_an_io_error() {
    let e = import_dir(
        Path::new("/nonexistent/rampart-aws-export"),
        &ImportOptions::default(),
    )
    .err()
    .unwrap();
    assert!(matches!(e, ImportError::Io { .. }), "{e}");
}

#[test]
fn multibyte_group_name_does_not_panic_validation() {
    // The third byte of `ü€` falls inside `€`; validation used to slice there and panic.
    let mut g = group("sg-0aaaaaaaaaaaaaaa2", "ü€", json!([]));
    g["Tags"] = json!([{"Key": "Name", "Value": "ü€"}]);
    let i = import(&[one_vpc(), groups(json!([g]))]);
    assert!(i.validated.model.security_group_by_name("ü€").is_some());
}
