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
