//! Reading AWS WAF's JSON documents and validating them as AWS does.
//!
//! Two stages, as everywhere in Rampart: serde reads the shapes (an unknown or misspelt field,
//! a wrong type or a missing required field stops there, located by its JSON path and its line
//! and column), then [`validate`] checks names, priorities, limits and cross-references and
//! reports every problem at once.

pub mod json;
pub(crate) mod validate;

use std::fmt;

pub use validate::{
    validate_ip_set, validate_regex_pattern_set, validate_rule_group, validate_web_acl,
};

/// One problem in a WAF document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclError {
    /// Where in the document: `$.WebACL.Rules[2].Statement.ByteMatchStatement.SearchString`.
    pub path: String,
    /// 1-based, when the problem was found while reading the text.
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl fmt::Display for AclError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let (Some(l), Some(c)) = (self.line, self.column) {
            write!(f, "{l}:{c}: ")?;
        }
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl AclError {
    pub(crate) fn at(path: impl Into<String>, message: impl Into<String>) -> AclError {
        AclError {
            path: path.into(),
            line: None,
            column: None,
            message: message.into(),
        }
    }
}

/// How `ByteMatchStatement.SearchString` is written in a document.
///
/// The API and the CLI's `get-web-acl` output carry the blob base64-encoded; the console's JSON
/// rule editor and CloudFormation write it as text. A document wrapped as the API answers
/// (`{"WebACL": …}`, `{"RuleGroup": …}`) is read as base64, an unwrapped one as text. ⚠ This
/// is Rampart's reading of AWS's two conventions; `SearchStringBase64` is base64 in both.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SearchStringEncoding {
    Text,
    Base64,
}

/// A document read from JSON, with how its search strings are encoded.
#[derive(Clone, Debug)]
pub struct Loaded<T> {
    pub value: T,
    pub search_strings: SearchStringEncoding,
}

/// Reads a web ACL: `{"WebACL": {…}}` as `get-web-acl` prints it, or the bare object.
pub fn load_web_acl(text: &str) -> Result<Loaded<json::WebAcl>, Vec<AclError>> {
    let loaded = read_wrapped::<json::WebAcl>(text, "WebACL")?;
    validate_web_acl(&loaded.value, loaded.search_strings, false)?;
    Ok(loaded)
}

/// Reads a rule group: `{"RuleGroup": {…}}` or the bare object.
pub fn load_rule_group(text: &str) -> Result<Loaded<json::RuleGroup>, Vec<AclError>> {
    let loaded = read_wrapped::<json::RuleGroup>(text, "RuleGroup")?;
    validate_rule_group(&loaded.value, loaded.search_strings, false)?;
    Ok(loaded)
}

/// Reads an IP set: `{"IPSet": {…}}` or the bare object.
pub fn load_ip_set(text: &str) -> Result<json::IpSet, Vec<AclError>> {
    let loaded = read_wrapped::<json::IpSet>(text, "IPSet")?;
    validate_ip_set(&loaded.value, "$")?;
    Ok(loaded.value)
}

/// Reads a regex pattern set: `{"RegexPatternSet": {…}}` or the bare object.
pub fn load_regex_pattern_set(text: &str) -> Result<json::RegexPatternSet, Vec<AclError>> {
    let loaded = read_wrapped::<json::RegexPatternSet>(text, "RegexPatternSet")?;
    validate_regex_pattern_set(&loaded.value, "$")?;
    Ok(loaded.value)
}

/// Parses `text` as `T`, inside a `{wrapper: …}` object (other members of that object, such as
/// `LockToken`, are ignored) or bare.
pub(crate) fn read_wrapped<T: serde::de::DeserializeOwned>(
    text: &str,
    wrapper: &str,
) -> Result<Loaded<T>, Vec<AclError>> {
    let syntax = |e: serde_json::Error, path: String| {
        vec![AclError {
            path,
            line: Some(e.line()),
            column: Some(e.column()),
            message: strip_position(&e.to_string()),
        }]
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| syntax(e, "$".into()))?;
    let wrapped = value.get(wrapper).is_some();
    // Read again from the text, so that shape errors carry a line and column too.
    let mut de = serde_json::Deserializer::from_str(text);
    let read = if wrapped {
        serde_path_to_error::deserialize(&mut de).map(|w: Wrapper<T>| w.inner)
    } else {
        serde_path_to_error::deserialize(&mut de)
    };
    let value = read.map_err(|e| {
        let path = e.path().to_string();
        let path = match path.as_str() {
            "." => "$".to_string(),
            p => format!("$.{p}"),
        };
        syntax(e.into_inner(), path)
    })?;
    Ok(Loaded {
        value,
        search_strings: if wrapped {
            SearchStringEncoding::Base64
        } else {
            SearchStringEncoding::Text
        },
    })
}

/// `{"WebACL": {…}, "LockToken": …}`: the one member that is not `LockToken` and friends.
struct Wrapper<T> {
    inner: T,
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Wrapper<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for V<T> {
            type Value = Wrapper<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Wrapper<T>, A::Error> {
                let mut inner = None;
                while let Some(key) = map.next_key::<String>()? {
                    if matches!(
                        key.as_str(),
                        "WebACL" | "RuleGroup" | "IPSet" | "RegexPatternSet"
                    ) {
                        inner = Some(map.next_value::<T>()?);
                    } else {
                        map.next_value::<serde::de::IgnoredAny>()?;
                    }
                }
                inner
                    .map(|inner| Wrapper { inner })
                    .ok_or_else(|| serde::de::Error::custom("missing the wrapped document"))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}
