//! `rampart.yaml` loading: YAML parsing, stage-one shape checks, validation. Whatever the
//! bytes, loading returns a model or diagnostics; a model it returns exports and loads again
//! to the same model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(v) = model::load_str(text, "fuzz.yaml") {
        let yaml = model::to_yaml(&v.model).expect("a valid model exports");
        let again = model::load_str(&yaml, "exported.yaml").expect("an exported model loads");
        assert_eq!(v.model, again.model);
    }
});
