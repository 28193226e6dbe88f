//! Rampart's own detection engines: SQL injection and cross-site scripting by tokenizing, and
//! the attack families behind the managed rule groups.
//!
//! Every detector takes the bytes of one field (after the rule's text transformations) and
//! answers whether they carry an attack, with the evidence. The family detectors ([`Detector`])
//! first run a cheap, sound fast reject (`prefilter`: byte classes in one table pass, hashed
//! four-byte anchors of their keywords, exact word sets), so that a benign value costs one or
//! two passes over its bytes and no allocation; only a value that passes runs the automaton
//! (one per family, built once) and the hand-written checks behind it. The reject is a
//! necessary condition of a detection. `tests/detector_verdicts.rs` holds every detector to its
//! recorded verdicts and reasons (`tests/data/detector-verdicts.tsv`, written by
//! `examples/record_verdicts.rs`) on some 28,000 inputs: the detectors' keywords and fixtures
//! with variants of them, the benign lists and values from public attack corpora. They were
//! recorded when the detectors agreed with their implementations before the rejects on all of
//! them, so a reject that drops a detection fails there.

mod admin_paths;
mod bad_bot;
mod exploitable_paths;
mod java;
mod lfi;
mod log4j;
mod metadata_ssrf;
mod php;
mod powershell;
mod prefilter;
mod protocol;
mod restricted_ext;
mod rfi;
mod shell;
pub mod sqli;
mod summary;
mod util;

pub(crate) use summary::{Summary, classes_of};
pub mod xss;

/// What a detector found: why, and the evidence (AWS's `matchedData`: a few tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detection {
    /// A short name of the pattern that fired, e.g. `sqli:union-select`, `xss:event-handler`.
    pub reason: &'static str,
    /// At most a few tokens of the input that make the case, as AWS logs `matchedData`.
    pub matched: Vec<String>,
}

/// One attack family: what a `RampartDetectionStatement`'s `Detector` names.
///
/// Each looks at one field value (a query argument, a header value, a form field, the URI
/// path, …) after the rule's transformations, and also behaves sensibly on a whole raw body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Detector {
    /// Path traversal (plain, encoded, overlong UTF-8, backslash, `....//`) and sensitive
    /// files (`/etc/passwd`, `/proc/self/environ`, `win.ini`, `.ssh/id_rsa`, …).
    Lfi,
    /// Remote file inclusion: URLs with an IP host, URLs ending in `?`, SSRF-only schemes,
    /// known include parameters.
    Rfi,
    /// Unix command injection: a command after a shell separator, substitutions, `${IFS}`,
    /// quote/backslash splitting, wildcard paths, shell variables.
    UnixShell,
    /// cmd.exe command injection: a Windows command after a separator, `%COMSPEC%`, carets.
    WindowsShell,
    /// PowerShell: `powershell`/`pwsh` invocations, `IEX`, `-EncodedCommand`, verb-noun cmdlets.
    Powershell,
    /// PHP code injection: open tags, high-risk functions called, superglobals, stream
    /// wrappers, serialized objects, `php.ini` directives.
    Php,
    /// Java deserialization and expression-language gadgets (`rO0AB`, `java.lang.Runtime`, OGNL).
    JavaDeserialization,
    /// Log4Shell lookups (`${jndi:…}`), with nested-lookup evasions.
    Log4j,
    /// Cloud instance metadata endpoints (169.254.169.254 in every spelling, GCP, Azure, …).
    Ec2MetadataSsrf,
    /// File extensions that should not be served or named (`.log`, `.ini`, `.bak`, `.sql`, …).
    RestrictedExtensions,
    /// Security scanners' User-Agent values (nessus, nmap, sqlmap, nikto, …).
    BadBotUserAgent,
    /// Paths reserved for administration (`/admin`, `/wp-admin`, `/phpmyadmin`, …).
    AdminPaths,
    /// Paths that are probed for exploitable content (`/.git/`, `/.env`, `/WEB-INF/`, …).
    ExploitablePaths,
    /// CRLF/header injection, response splitting, smuggled request lines, LDAP injection,
    /// mail-protocol command injection.
    ProtocolAttack,
}

impl Detector {
    /// Every detector, in a stable order.
    pub const ALL: [Detector; 14] = [
        Detector::Lfi,
        Detector::Rfi,
        Detector::UnixShell,
        Detector::WindowsShell,
        Detector::Powershell,
        Detector::Php,
        Detector::JavaDeserialization,
        Detector::Log4j,
        Detector::Ec2MetadataSsrf,
        Detector::RestrictedExtensions,
        Detector::BadBotUserAgent,
        Detector::AdminPaths,
        Detector::ExploitablePaths,
        Detector::ProtocolAttack,
    ];

    /// The detector a rule names (`"LFI"`, `"UNIX_SHELL"`, …); case-sensitive, as AWS's enums.
    pub fn from_name(name: &str) -> Option<Detector> {
        Detector::ALL.into_iter().find(|d| d.name() == name)
    }

    /// The name used in rule JSON.
    pub fn name(self) -> &'static str {
        match self {
            Detector::Lfi => "LFI",
            Detector::Rfi => "RFI",
            Detector::UnixShell => "UNIX_SHELL",
            Detector::WindowsShell => "WINDOWS_SHELL",
            Detector::Powershell => "POWERSHELL",
            Detector::Php => "PHP",
            Detector::JavaDeserialization => "JAVA_DESERIALIZATION",
            Detector::Log4j => "LOG4J",
            Detector::Ec2MetadataSsrf => "EC2_METADATA_SSRF",
            Detector::RestrictedExtensions => "RESTRICTED_EXTENSIONS",
            Detector::BadBotUserAgent => "BAD_BOT_USER_AGENT",
            Detector::AdminPaths => "ADMIN_PATHS",
            Detector::ExploitablePaths => "EXPLOITABLE_PATHS",
            Detector::ProtocolAttack => "PROTOCOL_ATTACK",
        }
    }

    /// Whether `input` (one field value after transformations) carries this family's attack.
    pub fn detect(self, input: &[u8]) -> Option<Detection> {
        match self {
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
}

#[cfg(test)]
mod tests {
    use super::Detector;

    #[test]
    fn names_round_trip() {
        for d in Detector::ALL {
            assert_eq!(Detector::from_name(d.name()), Some(d));
        }
        assert_eq!(Detector::from_name("lfi"), None);
        assert_eq!(Detector::from_name("SQLI"), None);
    }

    /// Adversarial 64 KB values (the largest body AWS inspects): every detector must stay
    /// linear. A quadratic scan would take minutes here; the bound is generous for slow CI.
    #[test]
    fn pathological_inputs_stay_linear() {
        let units: [&[u8]; 16] = [
            b"../", b"${", b"$(", b"/*", b"O:1:\"", b"<?", b"if ", b"for ", b")(", b"\r\n",
            b"http://", b"/???/*", b"{a,", b"system(", b"%c0%ae", b"&#13;",
        ];
        let start = std::time::Instant::now();
        for unit in units {
            let input: Vec<u8> = unit.iter().copied().cycle().take(64 * 1024).collect();
            for d in Detector::ALL {
                let _ = d.detect(&input);
            }
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn empty_and_tiny_inputs_never_fire() {
        for d in Detector::ALL {
            for input in [&b""[..], b"a", b"/", b"?", b"$", b"..", b"\r\n", b"${"] {
                assert_eq!(d.detect(input), None, "{} on {input:?}", d.name());
            }
        }
    }
}
