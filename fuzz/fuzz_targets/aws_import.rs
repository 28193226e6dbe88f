//! AWS CLI JSON import. The example export is embedded; the input's first byte picks one of
//! its files and the rest replaces that file's content, so mutations reach the conversion and
//! validation of an otherwise realistic export. Whatever the bytes, import returns a model or
//! an error, and a model it returns exports and loads again to the same model.
#![no_main]

use libfuzzer_sys::fuzz_target;

const FILES: &[(&str, &[u8])] = &[
    ("describe-vpcs.json", include_bytes!("../../examples/aws/describe-vpcs.json")),
    ("describe-subnets.json", include_bytes!("../../examples/aws/describe-subnets.json")),
    ("describe-route-tables.json", include_bytes!("../../examples/aws/describe-route-tables.json")),
    ("describe-internet-gateways.json", include_bytes!("../../examples/aws/describe-internet-gateways.json")),
    ("describe-network-acls.json", include_bytes!("../../examples/aws/describe-network-acls.json")),
    ("describe-security-groups.json", include_bytes!("../../examples/aws/describe-security-groups.json")),
    ("describe-instances.json", include_bytes!("../../examples/aws/describe-instances.json")),
    ("describe-managed-prefix-lists.json", include_bytes!("../../examples/aws/describe-managed-prefix-lists.json")),
    ("describe-nat-gateways.json", include_bytes!("../../examples/aws/describe-nat-gateways.json")),
    ("describe-firewall.json", include_bytes!("../../examples/aws/describe-firewall.json")),
    (
        "get-managed-prefix-list-entries.pl-0a1b2c3d4e5f60718.json",
        include_bytes!("../../examples/aws/get-managed-prefix-list-entries.pl-0a1b2c3d4e5f60718.json"),
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, content)) = data.split_first() else {
        return;
    };
    let pick = usize::from(pick) % FILES.len();
    let docs: Vec<(String, Vec<u8>)> = FILES
        .iter()
        .enumerate()
        .map(|(i, (name, bytes))| {
            let body = if i == pick { content.to_vec() } else { bytes.to_vec() };
            ((*name).to_owned(), body)
        })
        .collect();
    let opts = model::aws::ImportOptions::default();
    if let Ok(imported) = model::aws::import_documents(&docs, &opts) {
        let m = imported.validated.model;
        let yaml = model::to_yaml(&m).expect("an imported model exports");
        let again = model::load_str(&yaml, "exported.yaml").expect("an exported model loads");
        assert_eq!(m, again.model);
    }
});
