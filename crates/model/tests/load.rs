#![allow(clippy::unwrap_used)]

use std::path::Path;

fn example(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(name)
}

#[test]
fn seed_loads_without_warnings() {
    let v = model::load_file(&example("seed.yaml")).unwrap();
    assert!(v.warnings.is_empty(), "{}", v.warnings);
    let m = v.model;
    assert_eq!(m.subnets.len(), 3);
    assert_eq!(m.instances.len(), 4);
    // AWS's default group and default NACL exist even though the file does not define them.
    assert!(m.default_security_group().is_some());
    assert!(m.default_network_acl().is_some());
}

#[test]
fn export_then_load_gives_the_same_model() {
    let m = model::load_file(&example("seed.yaml")).unwrap().model;
    let yaml = model::to_yaml(&m).unwrap();
    let again = model::load_str(&yaml, "exported.yaml").unwrap().model;
    assert_eq!(m, again, "{yaml}");
}

#[test]
fn routes_inside_the_vpc_go_to_local_or_a_middlebox_only() {
    let y = "vpc: {cidr_blocks: [10.0.0.0/16]}\n\
             internet_gateway: {name: igw}\n\
             firewall_endpoints: {fw: {}}\n\
             route_tables:\n  r:\n    routes:\n\
             \x20     - {destination: 10.0.0.0/16, target: internet_gateway}\n\
             \x20     - {destination: 10.0.5.0/24, target: {firewall_endpoint: fw}}\n\
             \x20     - {destination: 10.0.6.0/24, target: {external: eni-0123456789abcdef0}}\n";
    let e = model::load_str(y, "r.yaml").unwrap_err().to_string();
    assert!(e.contains("route_tables.r.routes[0].target"), "{e}");
    assert!(e.contains("inside the VPC's block 10.0.0.0/16"), "{e}");
    assert!(!e.contains("routes[1]") && !e.contains("routes[2]"), "{e}");
}
