//! Rampart's own detection engines: SQL injection and cross-site scripting by tokenizing, and
//! the attack families behind the managed rule groups.
//!
//! Every detector takes the bytes of one field (after the rule's text transformations) and
//! answers whether they carry an attack, with the evidence. None allocates unless it detects.

pub mod sqli;
pub mod xss;

/// What a detector found: why, and the evidence (AWS's `matchedData`: a few tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    /// A short name of the pattern that fired, e.g. `sqli:union-select`, `xss:event-handler`.
    pub reason: &'static str,
    /// At most a few tokens of the input that make the case, as AWS logs `matchedData`.
    pub matched: Vec<String>,
}

/// The attack families behind the managed rule groups (Rampart's detection statement).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Detector {}

impl Detector {
    pub fn from_name(name: &str) -> Option<Detector> {
        let _ = name;
        None
    }

    pub fn name(self) -> &'static str {
        match self {}
    }

    pub fn detect(self, input: &[u8]) -> Option<Detection> {
        let _ = input;
        match self {}
    }
}
