//! User-Agent values of vulnerability scanners and attack tools.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::util::{at, automaton, before, found};

/// Tool names, matched at word boundaries (case-insensitive).
const TOOLS: &[&str] = &[
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

/// Whether `input` (a User-Agent value) names a scanner.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    for m in AC.find_iter(input) {
        let (s, e) = (m.start(), m.end());
        if before(input, s).is_ascii_alphabetic() || at(input, e).is_ascii_alphabetic() {
            continue;
        }
        return Some(found("bad-bot", &input[s..e]));
    }
    None
}
