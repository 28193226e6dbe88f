//! Java deserialization and expression-language injection: the serialization stream magic in
//! its raw, hex and base64 spellings, class names that only gadget chains and exploits use,
//! `Runtime.getRuntime().exec`, OGNL (`#_memberAccess`, `@ognl.OgnlContext@…`), SpEL
//! (`T(java.lang.Runtime)`), and the Spring4Shell and Spring Cloud Function parameters.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
use super::prefilter::Anchors;
use super::util::{automaton, found};

/// Each pattern is an attack on its own (case-insensitive).
const PATTERNS: &[&str] = &[
    // the serialization stream magic AC ED 00 05
    "rO0AB",
    "aced0005",
    // base64 of the magic at the other two alignments
    "KztAAU",
    "Cs7QAF",
    // gzip+base64 of a serialized stream
    "H4sIAAAAAAAAAJ",
    // classes and methods that gadget chains and exploits use
    "java.lang.runtime",
    "java.lang.processbuilder",
    "java.lang.process",
    "java.lang.system",
    "java.lang.reflect",
    "java.lang.classloader",
    "java.lang.thread",
    "java.io.file",
    "java.io.objectinputstream",
    "java.net.url",
    "java.net.socket",
    "java.util.prioritityqueue",
    "java.beans.xmldecoder",
    "javax.script.scriptenginemanager",
    "javax.naming.initialcontext",
    "javax.management.badattributevalueexpexception",
    "getruntime()",
    "getruntime().exec",
    ".getruntime",
    "processbuilder(",
    "new processbuilder",
    "invokertransformer",
    "chainedtransformer",
    "constanttransformer",
    "instantiatetransformer",
    "lazymap",
    "transformedmap",
    "org.apache.commons.collections",
    "org.apache.xalan",
    "com.sun.org.apache.xalan",
    "templatesimpl",
    "com.sun.rowset.jdbcrowsetimpl",
    "org.springframework.beans.factory",
    "org.codehaus.groovy.runtime",
    "com.mchange.v2.c3p0",
    "org.hibernate.engine",
    "com.thoughtworks.xstream",
    "ysoserial",
    "clonetransformer",
    "forclosure",
    "bsh.interpreter",
    "sun.misc.base64decoder",
    "sun.reflect.annotation",
    "javax.el.elprocessor",
    "java.util.hashtable",
    // OGNL (Struts)
    "#_memberaccess",
    "@ognl.ognlcontext",
    "ognlcontext@default_member_access",
    "com.opensymphony.xwork2",
    "xwork2.dispatcher",
    "#context[",
    "@java.lang.",
    // SpEL and Spring
    "t(java.lang.",
    "t (java.lang.",
    "class.module.classloader",
    "class.classloader",
    "spring.cloud.function.routing-expression",
    // scripting engines reached from Java
    "nashorn",
    "new java.lang.",
    "java.lang.class.forname",
    "class.forname(",
];

static AC: LazyLock<AhoCorasick> = LazyLock::new(|| automaton(PATTERNS));

/// Packages whose classes have no business in a request: any class name after them counts.
const PACKAGES: &[&str] = &[
    "java.io.",
    "java.lang.",
    "java.net.",
    "java.nio.",
    "java.rmi.",
    "java.security.",
    "java.util.jar.",
    "java.util.zip.",
    "java.util.concurrent.",
    "java.beans.",
    "javax.naming.",
    "javax.script.",
    "javax.management.",
    "javax.el.",
    "javax.xml.transform.",
    "com.sun.",
    "sun.misc.",
    "sun.reflect.",
    "sun.rmi.",
    "jdk.jshell.",
    "jdk.internal.",
    "org.apache.commons.collections",
    "org.apache.commons.beanutils",
    "org.springframework.",
    "org.codehaus.groovy.",
    "org.mozilla.javascript.",
    "bsh.",
    "org.python.",
    "ognl.",
];

/// Words that, together with `runtime` or `processbuilder`, spell a gadget chain.
const GADGET_WORDS: &[&str] = &[
    "clonetransformer",
    "forclosure",
    "instantiatefactory",
    "instantiatetransformer",
    "invokertransformer",
    "prototypeclonefactory",
    "prototypeserializationfactory",
    "whileclosure",
    "getproperty",
    "filewriter",
    "xmldecoder",
    "constanttransformer",
    "chainedtransformer",
];

#[derive(Clone, Copy)]
enum Word {
    Package,
    Gadget,
    Exec,
    Java,
}

static WORDS: LazyLock<(AhoCorasick, Vec<Word>)> = LazyLock::new(|| {
    let mut pats: Vec<&str> = Vec::new();
    let mut kinds = Vec::new();
    for p in PACKAGES {
        pats.push(p);
        kinds.push(Word::Package);
    }
    for g in GADGET_WORDS {
        pats.push(g);
        kinds.push(Word::Gadget);
    }
    for e in ["runtime", "processbuilder"] {
        pats.push(e);
        kinds.push(Word::Exec);
    }
    pats.push("java");
    kinds.push(Word::Java);
    (automaton(&pats), kinds)
});

/// Class names in dangerous packages, and gadget words next to `Runtime`/`ProcessBuilder`.
fn classes_and_gadgets(input: &[u8]) -> Option<Detection> {
    let (ac, kinds) = &*WORDS;
    let (mut gadget, mut exec, mut java) = (None, None, None);
    for m in ac.find_iter(input) {
        let (s, e) = (m.start(), m.end());
        match kinds[m.pattern().as_usize()] {
            Word::Package => {
                let glued = s > 0 && (input[s - 1].is_ascii_alphanumeric() || input[s - 1] == b'_');
                let next = input.get(e).copied().unwrap_or(0);
                if !glued && (next.is_ascii_alphabetic() || input[e - 1] != b'.') {
                    return Some(found("java:class-name", &input[s..input.len().min(e + 32)]));
                }
            }
            Word::Gadget => gadget = gadget.or(Some(s)),
            Word::Exec => exec = exec.or(Some(s)),
            Word::Java => {
                let glued = s > 0 && input[s - 1].is_ascii_alphabetic();
                // `java.evil.Runtime`: the package-style spelling, not prose about Java
                if !glued && input.get(e) == Some(&b'.') {
                    java = java.or(Some(s));
                }
            }
        }
    }
    match (exec, gadget, java) {
        (Some(x), Some(g), _) => Some(found(
            "java:gadget-chain",
            &input[x.min(g)..input.len().min(x.max(g) + 24)],
        )),
        (Some(x), None, Some(j)) if j < x => {
            Some(found("java:runtime", &input[j..input.len().min(x + 24)]))
        }
        _ => None,
    }
}

/// A fast reject: every detection needs one of these in the value (the stream magic, a
/// pattern, a package, or `runtime`/`processbuilder` for a gadget chain).
static GATE: LazyLock<Anchors> = LazyLock::new(|| Anchors::new(&gate_patterns()));

/// The patterns behind [`GATE`] (the value summary tests the same windows).
pub(super) fn gate_patterns() -> Vec<&'static [u8]> {
    let mut pats: Vec<&[u8]> = vec![b"\xac\xed\x00\x05", b"runtime", b"processbuilder"];
    pats.extend(PATTERNS.iter().map(|p| p.as_bytes()));
    pats.extend(PACKAGES.iter().map(|p| p.as_bytes()));
    pats
}

/// Whether `input` carries a Java deserialization or expression-language exploit.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    if !GATE.may_contain(input) {
        return None;
    }
    if let Some(p) = memchr::memmem::find(input, b"\xac\xed\x00\x05") {
        return Some(found(
            "java:serialized-object",
            &input[p..input.len().min(p + 24)],
        ));
    }
    if let Some(m) = AC.find(input) {
        return Some(found(
            "java:gadget",
            &input[m.start()..input.len().min(m.end() + 24)],
        ));
    }
    classes_and_gadgets(input)
}

#[cfg(test)]
mod tests {
    use super::detect;

    fn hit(s: &[u8]) -> bool {
        detect(s).is_some()
    }

    #[test]
    fn attacks() {
        for s in [
            &b"rO0ABXNyABdqYXZhLnV0aWwuUHJpb3JpdHlRdWV1ZQ=="[..],
            b"aced00057372",
            b"\xac\xed\x00\x05sr\x00",
            b"(java.lang.Runtime).getRuntime().exec(\"whoami\")",
            b"T(java.lang.Runtime).getRuntime().exec('id')",
            b"%{(#_memberAccess['allowStaticMethodAccess']=true)}",
            b"@ognl.OgnlContext@DEFAULT_MEMBER_ACCESS",
            b"class.module.classLoader.resources.context.parent.pipeline.first.pattern=x",
            b"spring.cloud.function.routing-expression: T(java.lang.Runtime)",
            b"org.apache.commons.collections.functors.InvokerTransformer",
            b"new java.lang.ProcessBuilder(\"id\").start()",
            b"<java class=\"java.beans.XMLDecoder\">",
            b"com.sun.rowset.JdbcRowSetImpl",
            b"${#context['xwork.MethodAccessor.denyMethodExecution']}",
            b"java.lang.Class.forName('x')",
            b"Runtime.getRuntime().exec(cmd)",
            b"java.io.BufferedInputStream",
            b"ProcessBuilder.evil.clonetransformer",
            b"java.evil.runtime",
            b"runtime.whileclosure",
            b"sun.misc.Unsafe",
        ] {
            assert!(hit(s), "{}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn benign() {
        for s in [
            &b"I love Java programming"[..],
            b"the runtime is fast",
            b"process builder pattern",
            b"java.util.List",
            b"Java runtime environment",
            b"javascript runtime",
            b"com.example.MyClass",
            b"rO0 is not it",
            b"aced it",
            b"Spring classes",
            b"getRuntime",
            b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
            b"context menu",
            b"lazy map of the city",
            b"see Templates",
            b"javascript:void(0)",
            b"The class loader",
        ] {
            assert!(!hit(s), "{}", String::from_utf8_lossy(s));
        }
    }
}
