//! Java deserialization and expression-language injection: the serialization stream magic in
//! its raw, hex and base64 spellings, class names that only gadget chains and exploits use,
//! `Runtime.getRuntime().exec`, OGNL (`#_memberAccess`, `@ognl.OgnlContext@…`), SpEL
//! (`T(java.lang.Runtime)`), and the Spring4Shell and Spring Cloud Function parameters.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::Detection;
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

/// Whether `input` carries a Java deserialization or expression-language exploit.
pub(crate) fn detect(input: &[u8]) -> Option<Detection> {
    if let Some(p) = memchr::memmem::find(input, b"\xac\xed\x00\x05") {
        return Some(found(
            "java:serialized-object",
            &input[p..input.len().min(p + 24)],
        ));
    }
    let m = AC.find(input)?;
    Some(found(
        "java:gadget",
        &input[m.start()..input.len().min(m.end() + 24)],
    ))
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
