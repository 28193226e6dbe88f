#![allow(clippy::unwrap_used)]

use super::{Sensitivity, detect};

#[test]
fn classic_tautology_is_detected() {
    assert!(detect(b"' or 1=1--", Sensitivity::Low).is_some());
    assert!(detect(b"O'Reilly", Sensitivity::Low).is_none());
}
