//! The family detectors as they were before their fast-reject paths, kept verbatim (tests
//! removed) as the oracle the equivalence tests compare the shipped detectors with.
//!
//! A change that alters a detector's verdicts on purpose must be made here too (or the file
//! re-copied from the detector without its fast rejects): the equivalence tests then keep
//! checking that the rejects stay sound.

#![allow(dead_code, clippy::all)]

mod admin_paths;
mod bad_bot;
mod exploitable_paths;
mod java;
mod lfi;
mod log4j;
mod metadata_ssrf;
mod php;
mod powershell;
mod protocol;
mod restricted_ext;
mod rfi;
mod shell;
mod util;

pub(crate) use super::Detection;
use super::Detector;

/// What the original detector `d` answers on `input`.
pub(crate) fn detect(d: Detector, input: &[u8]) -> Option<Detection> {
    match d {
        Detector::Lfi => lfi::detect(input),
        Detector::Rfi => rfi::detect(input),
        Detector::UnixShell => shell::detect_unix(input),
        Detector::WindowsShell => shell::detect_windows(input),
        Detector::Powershell => powershell::detect(input),
        Detector::Php => php::detect(input),
        Detector::JavaDeserialization => java::detect(input),
        Detector::Log4j => log4j::detect(input),
        Detector::Ec2MetadataSsrf => metadata_ssrf::detect(input),
        Detector::RestrictedExtensions => restricted_ext::detect(input),
        Detector::BadBotUserAgent => bad_bot::detect(input),
        Detector::AdminPaths => admin_paths::detect(input),
        Detector::ExploitablePaths => exploitable_paths::detect(input),
        Detector::ProtocolAttack => protocol::detect(input),
    }
}
