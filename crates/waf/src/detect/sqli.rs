//! SQL injection detection.

use super::Detection;

/// `SqliMatchStatement`'s `SensitivityLevel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Sensitivity {
    #[default]
    Low,
    High,
}

/// Whether `input` carries SQL injection.
pub fn detect(input: &[u8], sensitivity: Sensitivity) -> Option<Detection> {
    let _ = (input, sensitivity);
    None
}
