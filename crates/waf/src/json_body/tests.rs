//! Examples marked "AWS" are the AWS WAF Developer Guide's (JSON body request component).

use super::*;
use proptest::prelude::*;

fn p(body: &str) -> Parsed<'_> {
    parse(body.as_bytes(), &Limits::default())
}

fn texts<'p>(it: impl Iterator<Item = &'p [u8]>) -> Vec<String> {
    it.map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

fn all(parsed: &Parsed<'_>, scope: MatchScope) -> Vec<String> {
    texts(select(parsed, &MatchPattern::All, scope))
}

fn paths(parsed: &Parsed<'_>, pointers: &[&str], scope: MatchScope) -> Vec<String> {
    let pattern = MatchPattern::IncludedPaths(
        pointers
            .iter()
            .map(|s| JsonPointer::parse(s).unwrap())
            .collect(),
    );
    texts(select(parsed, &pattern, scope))
}

fn kind(parsed: &Parsed<'_>) -> Option<ParseErrorKind> {
    parsed.error().map(|e| e.kind)
}

#[test]
fn aws_leniency_examples_give_two_pairs() {
    for body in [
        r#"{"key1":"value1""key2":"value2"}"#,
        r#"{"key1":"value1","key2""value2"}"#,
        r#"{"key1"::"value1","key2""value2"}"#,
    ] {
        let parsed = p(body);
        assert!(parsed.is_complete(), "{body}: {:?}", parsed.error());
        assert_eq!(
            all(&parsed, MatchScope::All),
            ["key1", "value1", "key2", "value2"],
            "{body}"
        );
        assert_eq!(all(&parsed, MatchScope::Key), ["key1", "key2"]);
        assert_eq!(all(&parsed, MatchScope::Value), ["value1", "value2"]);
    }
}

#[test]
fn aws_included_path_example() {
    let body = r#"{
      "a":{
        "c":"d",
        "b":{
          "e":{
            "f":"g"
          }
        }
      }
    }"#;
    let parsed = p(body);
    assert!(parsed.is_complete());
    assert_eq!(paths(&parsed, &["/a/b"], MatchScope::All), ["e", "f", "g"]);
    assert_eq!(paths(&parsed, &["/a/b"], MatchScope::Key), ["e", "f"]);
    assert_eq!(paths(&parsed, &["/a/b"], MatchScope::Value), ["g"]);
    assert_eq!(
        all(&parsed, MatchScope::All),
        ["a", "c", "d", "b", "e", "f", "g"]
    );
}

#[test]
fn aws_dogs_example_names_scalar_values() {
    let parsed = p(r#"{"dogs":[{"name":"rex","age":3},{"name":"fido"},{"name":"x"}]}"#);
    assert_eq!(
        paths(
            &parsed,
            &["/dogs/0/name", "/dogs/1/name"],
            MatchScope::Value
        ),
        ["rex", "fido"]
    );
    // the pointer's own key is not inspected
    assert!(paths(&parsed, &["/dogs/0/name"], MatchScope::Key).is_empty());
    assert_eq!(
        paths(&parsed, &["/dogs/0"], MatchScope::All),
        ["name", "rex", "age", "3"]
    );
    assert_eq!(
        paths(&parsed, &["/dogs"], MatchScope::Key),
        ["name", "age", "name", "name"]
    );
    assert!(
        paths(
            &parsed,
            &["/dogs/00/name", "/dogs/-", "/cats"],
            MatchScope::All
        )
        .is_empty()
    );
    // overlapping pointers: a key under one pointer is inspected even if another names it
    assert_eq!(
        paths(&parsed, &["/dogs/0/name", "/dogs/0"], MatchScope::Key),
        ["name", "age"]
    );
    // the empty pointer is the whole document
    assert_eq!(
        paths(&parsed, &[""], MatchScope::All),
        all(&parsed, MatchScope::All)
    );
}

#[test]
fn pointer_escapes() {
    let parsed = p(r#"{"a/b":{"m~n":"x"},"a":{"b":"y"},"":{"":"z"}}"#);
    assert_eq!(paths(&parsed, &["/a~1b"], MatchScope::Value), ["x"]);
    assert_eq!(paths(&parsed, &["/a~1b/m~0n"], MatchScope::Value), ["x"]);
    assert_eq!(paths(&parsed, &["/a/b"], MatchScope::Value), ["y"]);
    assert_eq!(paths(&parsed, &["/"], MatchScope::All), ["", "z"]);
    assert_eq!(paths(&parsed, &["//"], MatchScope::All), ["z"]);
    assert_eq!(JsonPointer::parse("a"), Err(PointerError::MissingSlash));
    assert_eq!(JsonPointer::parse("/a~2"), Err(PointerError::BadEscape));
    assert_eq!(JsonPointer::parse("/a~"), Err(PointerError::BadEscape));
    assert_eq!(
        JsonPointer::parse(&"/x".repeat(JsonPointer::MAX_TOKENS + 1)),
        Err(PointerError::TooLong)
    );
    assert!(JsonPointer::parse(&"/x".repeat(JsonPointer::MAX_TOKENS)).is_ok());
    assert_eq!(JsonPointer::parse("/a~1b").unwrap().as_str(), "/a~1b");
}

#[test]
fn element_pointers_for_logs() {
    let parsed = p(r#"{"a":[1,{"b/c":true}],"~":null}"#);
    let got: Vec<String> = (0..parsed.elements().len())
        .map(|i| parsed.pointer(i).unwrap())
        .collect();
    assert_eq!(got, ["/a", "/a/0", "/a/1/b~1c", "/a/1/b~1c", "/~0", "/~0"]);
    assert_eq!(parsed.pointer(99), None);
}

#[test]
fn scalars_are_elements_as_written() {
    let parsed = p(r#"[1, -2.5e+3, true, false, null, "s", {}, []]"#);
    assert!(parsed.is_complete());
    assert_eq!(
        all(&parsed, MatchScope::All),
        ["1", "-2.5e+3", "true", "false", "null", "s"]
    );
    let kinds: Vec<ElementKind> = parsed.elements().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            ElementKind::Number,
            ElementKind::Number,
            ElementKind::Boolean,
            ElementKind::Boolean,
            ElementKind::Null,
            ElementKind::String
        ]
    );
}

#[test]
fn strings_are_unescaped() {
    let parsed = p(
        r#"{"k\u0041\"":"\u003cscript\u003e \/ \\ \b\f\n\r\t \u00e9 \ud83d\ude00 \ud83d \ude00x"}"#,
    );
    assert!(parsed.is_complete(), "{:?}", parsed.error());
    assert_eq!(
        all(&parsed, MatchScope::All),
        [
            "kA\"",
            "<script> / \\ \u{8}\u{c}\n\r\t é 😀 \u{FFFD} \u{FFFD}x"
        ]
    );
    // without escapes the text borrows the body
    let body = br#"{"plain":"text"}"#;
    let parsed = parse(body, &Limits::default());
    assert!(
        parsed
            .elements()
            .iter()
            .all(|e| matches!(e.text, Cow::Borrowed(_)))
    );
}

#[test]
fn errors_stop_the_parse_and_keep_what_came_before() {
    // AWS's reasons: invalid characters, duplicate keys, truncation, a root that is no container
    let parsed = p(r#"{"a":1,"b":x,"c":2}"#);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::InvalidCharacter));
    assert_eq!(all(&parsed, MatchScope::All), ["a", "1", "b"]);
    assert_eq!(parsed.error().unwrap().offset, 11);

    let parsed = p(r#"{"a":1,"a":"<script>","c":2}"#);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::DuplicateKey));
    assert_eq!(all(&parsed, MatchScope::All), ["a", "1"]);
    assert_eq!(parsed.error().unwrap().offset, 7);

    // the same key in two objects is not a duplicate
    let parsed = p(r#"{"a":{"a":1},"b":{"a":2}}"#);
    assert!(parsed.is_complete());

    let parsed = p(r#"{"a":[1,2],"b":"tru"#);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::Truncated));
    assert_eq!(all(&parsed, MatchScope::All), ["a", "1", "2", "b", "tru"]);

    for (body, want) in [
        ("", ParseErrorKind::Truncated),
        ("   ", ParseErrorKind::Truncated),
        ("{", ParseErrorKind::Truncated),
        (r#"{"a":tr"#, ParseErrorKind::Truncated),
        (r#"{"a":"\u00"#, ParseErrorKind::Truncated),
        (r#"{"a":"x\"#, ParseErrorKind::Truncated),
        (r#"{"a""#, ParseErrorKind::Truncated),
        ("\"just a string\"", ParseErrorKind::RootNotContainer),
        ("42", ParseErrorKind::RootNotContainer),
        ("null", ParseErrorKind::RootNotContainer),
        ("a=1&b=2", ParseErrorKind::RootNotContainer),
        (r#"{"a":1} x"#, ParseErrorKind::TrailingData),
        (r#"{"a":1}{"b":2}"#, ParseErrorKind::TrailingData),
        (r#"{"a":"\q"}"#, ParseErrorKind::InvalidEscape),
        (r#"{"a":"\u00zz"}"#, ParseErrorKind::InvalidEscape),
        (r#"{a:1}"#, ParseErrorKind::InvalidCharacter),
        (r#"{"a":1]"#, ParseErrorKind::InvalidCharacter),
        (r#"[1}"#, ParseErrorKind::InvalidCharacter),
        (r#"{"a":trux}"#, ParseErrorKind::InvalidCharacter),
        (r#"{"a":'x'}"#, ParseErrorKind::InvalidCharacter),
        (r#"{:1}"#, ParseErrorKind::InvalidCharacter),
    ] {
        assert_eq!(kind(&p(body)), Some(want), "{body:?}");
    }
    // an invalid escape hides its string
    let parsed = p(r#"{"a":"ok","b":"\x<script>"}"#);
    assert_eq!(all(&parsed, MatchScope::All), ["a", "ok", "b"]);
}

#[test]
fn truncated_strings_are_inspected_up_to_the_cut() {
    let parsed = p(r#"{"comment":"<script>alert(1"#);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::Truncated));
    assert_eq!(all(&parsed, MatchScope::Value), ["<script>alert(1"]);
    let parsed = p(r#"{"a":"x\u003cscr"#);
    assert_eq!(all(&parsed, MatchScope::Value), ["x<scr"]);
    let parsed = p(r#"{"<scr"#);
    assert_eq!(all(&parsed, MatchScope::Key), ["<scr"]);
}

#[test]
fn other_leniencies() {
    for (body, want) in [
        (r#"[1,,2,]"#, &["1", "2"][..]),
        (r#"[1 2 "x"]"#, &["1", "2", "x"]),
        (r#"{"a","b":1}"#, &["a", "b", "1"]),
        (r#"{"a":,"b":1,}"#, &["a", "b", "1"]),
        ("\u{feff}{\"a\":1}", &["a", "1"]),
        ("{\"a\":\"x\ty\u{1}\"}", &["a", "x\ty\u{1}"]),
        (" \r\n\t{ \"a\" : [ ] } \n", &["a"]),
        (r#"{"n":-}"#, &["n", "-"]),
    ] {
        let parsed = p(body);
        assert!(parsed.is_complete(), "{body:?}: {:?}", parsed.error());
        assert_eq!(all(&parsed, MatchScope::All), want, "{body:?}");
    }
    // bytes that are not UTF-8 inside strings
    let parsed = parse(b"{\"a\":\"\xff\xfe\"}", &Limits::default());
    assert!(parsed.is_complete());
    assert_eq!(parsed.elements()[1].text.as_ref(), b"\xff\xfe");
}

#[test]
fn limits_bound_depth_and_elements() {
    let limits = Limits {
        max_depth: 4,
        max_elements: 5,
    };
    let parsed = parse(br#"[[[["deep"]]]]"#, &limits);
    assert!(parsed.is_complete());
    let parsed = parse(br#"[[[[["too deep"]]]]]"#, &limits);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::TooDeep));

    let parsed = parse(br#"[1,2,3,4,5]"#, &limits);
    assert!(parsed.is_complete());
    let parsed = parse(br#"[1,2,3,4,5,6]"#, &limits);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::TooManyElements));
    assert_eq!(parsed.elements().len(), 5);
    // empty containers count as positions
    let parsed = parse(br#"[[],[],[],[],[],[]]"#, &limits);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::TooManyElements));

    // a deep body with the default limits: no recursion, a clean error
    let deep = "[".repeat(100_000);
    let parsed = parse(deep.as_bytes(), &Limits::default());
    assert_eq!(kind(&parsed), Some(ParseErrorKind::TooDeep));
    let ok = format!("{}1{}", "[".repeat(128), "]".repeat(128));
    assert!(parse(ok.as_bytes(), &Limits::default()).is_complete());
}

#[test]
fn many_keys_in_one_object_parse_in_linear_time() {
    let mut body = String::from("{");
    for i in 0..20_000 {
        body.push_str(&format!("\"k{i}\":{i},"));
    }
    body.push_str("\"k0\":\"dup\"}");
    let parsed = p(&body);
    assert_eq!(kind(&parsed), Some(ParseErrorKind::DuplicateKey));
    assert_eq!(parsed.elements().len(), 40_000);
}

#[test]
fn evaluate_applies_the_fallback_only_after_an_error() {
    let bad = p(r#"{"a":"<script>","a":1}"#);
    let good = p(r#"{"a":"<script>"}"#);
    let pattern = MatchPattern::All;
    let scope = MatchScope::Value;
    let elements = |e: Evaluation<'_, '_>| match e {
        Evaluation::Elements(s) => Some(texts(s)),
        _ => None,
    };
    assert_eq!(
        elements(evaluate(&bad, &pattern, scope, None)),
        Some(vec!["<script>".to_owned()])
    );
    assert!(matches!(
        evaluate(&bad, &pattern, scope, Some(InvalidFallback::Match)),
        Evaluation::Match
    ));
    assert!(matches!(
        evaluate(&bad, &pattern, scope, Some(InvalidFallback::NoMatch)),
        Evaluation::NoMatch
    ));
    assert!(matches!(
        evaluate(
            &bad,
            &pattern,
            scope,
            Some(InvalidFallback::EvaluateAsString)
        ),
        Evaluation::WholeBody
    ));
    for fallback in [
        None,
        Some(InvalidFallback::Match),
        Some(InvalidFallback::NoMatch),
        Some(InvalidFallback::EvaluateAsString),
    ] {
        assert_eq!(
            elements(evaluate(&good, &pattern, scope, fallback)),
            Some(vec!["<script>".to_owned()])
        );
    }
}

#[test]
fn names() {
    for s in [MatchScope::All, MatchScope::Key, MatchScope::Value] {
        assert_eq!(MatchScope::from_name(s.name()), Some(s));
    }
    for f in [
        InvalidFallback::Match,
        InvalidFallback::NoMatch,
        InvalidFallback::EvaluateAsString,
    ] {
        assert_eq!(InvalidFallback::from_name(f.name()), Some(f));
    }
    assert_eq!(MatchScope::from_name("all"), None);
}

/// A JSON value, for generating documents.
fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| serde_json::Value::Number(n.into())),
        "\\PC{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::Array),
            proptest::collection::btree_map("\\PC{0,6}", inner, 0..6)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

/// The keys and scalar values of `v`, in document order, as text.
fn flatten(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Null => out.push("null".into()),
        serde_json::Value::Bool(b) => out.push(b.to_string()),
        serde_json::Value::Number(n) => out.push(n.to_string()),
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|x| flatten(x, out)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                out.push(k.clone());
                flatten(x, out);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn valid_json_parses_completely_to_its_elements(v in json_value()) {
        let root = match v {
            serde_json::Value::Array(_) | serde_json::Value::Object(_) => v,
            other => serde_json::Value::Array(vec![other]),
        };
        let mut want = Vec::new();
        flatten(&root, &mut want);
        for text in [serde_json::to_string(&root).unwrap(), serde_json::to_string_pretty(&root).unwrap()] {
            let parsed = parse(text.as_bytes(), &Limits::default());
            prop_assert!(parsed.is_complete(), "{text}: {:?}", parsed.error());
            prop_assert_eq!(&all(&parsed, MatchScope::All), &want);
            // every element's own pointer selects it
            for i in 0..parsed.elements().len() {
                let ptr = parsed.pointer(i).unwrap();
                let pattern = MatchPattern::IncludedPaths(vec![JsonPointer::parse(&ptr).unwrap()]);
                let element = &parsed.elements()[i];
                if !element.kind.is_key() {
                    prop_assert!(select(&parsed, &pattern, MatchScope::Value).any(|t| t == element.text.as_ref()));
                }
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_respect_limits(
        body in proptest::collection::vec(prop_oneof![
            Just(b'{'), Just(b'}'), Just(b'['), Just(b']'), Just(b'"'), Just(b':'), Just(b','),
            Just(b'\\'), Just(b'u'), Just(b'1'), Just(b'a'), Just(b' '), Just(b't'), Just(b'd'),
            any::<u8>(),
        ], 0..300),
        depth in 1usize..8,
        cap in 1usize..20,
    ) {
        let limits = Limits { max_depth: depth, max_elements: cap };
        let parsed = parse(&body, &limits);
        prop_assert!(parsed.elements().len() <= cap);
        if let Some(e) = parsed.error() {
            prop_assert!(e.offset <= body.len());
        }
        for i in 0..parsed.elements().len() {
            prop_assert!(parsed.pointer(i).is_some());
        }
        let pattern = MatchPattern::IncludedPaths(vec![
            JsonPointer::parse("/a").unwrap(),
            JsonPointer::parse("/0").unwrap(),
            JsonPointer::parse("").unwrap(),
        ]);
        for scope in [MatchScope::All, MatchScope::Key, MatchScope::Value] {
            let n = select(&parsed, &pattern, scope).count();
            prop_assert!(n <= parsed.elements().len());
        }
    }
}
