//! User-Agent values of vulnerability scanners and attack tools.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::prefilter::Anchors;
use super::util::{at, automaton, before, found};

/// Tool names, matched at word boundaries (case-insensitive).
pub(super) const TOOLS: &[&str] = &[
    "nessus",
    "nmap",
    "nikto",
    "sqlmap",
    "masscan",
    "zgrab",
    "zmeu",
    "acunetix",
    "netsparker",
    "w3af",
    "dirbuster",
    "gobuster",
    "wpscan",
    "openvas",
    "nuclei",
    "fimap",
    "havij",
    "jaeles",
    "arachni",
    "hydra",
    "ffuf",
    "feroxbuster",
    "wfuzz",
    "whatweb",
    "commix",
    "xsser",
    "skipfish",
    "paros",
    "webinspect",
    "appscan",
    "morfeus",
    "blackwidow",
    "grabber",
    "webshag",
    "nsauditor",
    "jorgee",
    "dirb",
    "sqlninja",
    "bsqlbf",
    "pangolin",
    "absinthe",
    "brutus",
    "webvulnscan",
    "vega",
    "burpcollaborator",
    "zap/",
    "owasp zap",
    "metasploit",
    "nmap scripting engine",
    "qualys",
    "nsfocus",
    "crowdstrike",
    "internet-measurement",
    "censys",
    "shodan",
    "l9explore",
    "l9tcpid",
    "leakix",
    "zmap",
    "httpx - open-source",
    "interactsh",
    "dotdotpwn",
    "sublist3r",
    "amass",
    "wapiti",
    "joomscan",
    "cmsmap",
    "droopescan",
    "struts-pwn",
    "log4j-scan",
    "autopwn",
    "muieblackcat",
    "floodgate",
    "webbandit",
    "mysqloit",
    "pmafind",
];

static AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(TOOLS));

/// A fast reject: a value without one of the names' windows names no tool.
static GATE: LazyLock<Anchors> = LazyLock::new(|| Anchors::new(TOOLS));

/// Whether `input` (a User-Agent value) names a scanner.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    if !GATE.may_contain(input) {
        return None;
    }
    for m in AC.find_iter(input) {
        let (s, e) = (m.start(), m.end());
        if before(input, s).is_ascii_alphabetic() || at(input, e).is_ascii_alphabetic() {
            continue;
        }
        return Some(found("bad-bot", &input[s..e]));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn scanners() {
        for s in [
            "Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)",
            "sqlmap/1.7.2#stable (https://sqlmap.org)",
            "Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)",
            "Nessus SOAP",
            "masscan/1.3 (https://github.com/robertdavidgraham/masscan)",
            "Mozilla/5.0 zgrab/0.x",
            "WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)",
            "Fuzz Faster U Fool v2.1.0 ffuf",
            "Nuclei - Open-source project (github.com/projectdiscovery/nuclei)",
            "gobuster/3.6",
            "Acunetix-Product",
            "Mozilla/4.0 (compatible; MSIE 6.0; ZmEu)",
            "OpenVAS-VT 22.4",
            "commix/v3.8",
            "Wfuzz/3.1.0",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn browsers_and_tools() {
        for s in [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
            "curl/8.4.0",
            "Wget/1.21.4",
            "python-requests/2.31.0",
            "Go-http-client/1.1",
            "Googlebot/2.1 (+http://www.google.com/bot.html)",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)",
            "okhttp/4.12.0",
            "PostmanRuntime/7.36.0",
            "Amazon CloudFront",
            "ELB-HealthChecker/2.0",
            "Slackbot-LinkExpanding 1.0",
            "Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0",
            "Vegan recipes app",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
