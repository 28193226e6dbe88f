//! Names for imported resources: AWS's `Name` tags are free text and need not be unique, while
//! Rampart's names are unique per kind and cannot hold the command line's separators.

use std::collections::{HashMap, HashSet};

use crate::validate::is_valid_name;

const MAX_NAME: usize = 255;

/// `text` as a valid name: characters that [`is_valid_name`] refuses become `-`, and the
/// result is cut to 255 characters. `None` when nothing is left.
pub(crate) fn sanitize(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut out: String = text
        .chars()
        .take(MAX_NAME)
        .map(|c| {
            let mut buf = [0u8; 4];
            if is_valid_name(c.encode_utf8(&mut buf)) {
                c
            } else {
                '-'
            }
        })
        .collect();
    if !is_valid_name(&out) {
        // Unreachable with the current rule, kept so a stricter rule can't make us emit a bad name.
        out = out
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
    }
    (!out.is_empty()).then_some(out)
}

/// One resource asking for a name.
#[derive(Debug)]
pub(crate) struct Wanted {
    /// Its AWS ID, used as the suffix when the name is taken.
    pub(crate) id: String,
    /// The name it would like, already sanitized.
    pub(crate) base: String,
    /// Whether `base` is a reserved name that belongs to this resource (the default group).
    pub(crate) owns_reserved: bool,
}

/// The name given to one resource, and whether it differs from the one it asked for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Given {
    pub(crate) name: String,
    pub(crate) suffixed: bool,
}

/// Unique names for one kind of resource. A name wanted by several resources, or a reserved
/// name wanted by a resource that does not own it, is suffixed with `-<id>` on every claimant,
/// so that no one of them silently keeps the plain name.
pub(crate) fn allocate(items: &[Wanted], reserved: &[&str]) -> Vec<Given> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for w in items {
        *count.entry(w.base.as_str()).or_default() += 1;
    }
    let mut taken: HashSet<String> = HashSet::new();
    let mut keep = vec![false; items.len()];
    for (i, w) in items.iter().enumerate() {
        let is_reserved = reserved.contains(&w.base.as_str());
        let plain = if is_reserved {
            w.owns_reserved
        } else {
            count.get(w.base.as_str()).copied().unwrap_or(0) == 1
        };
        if plain && taken.insert(w.base.clone()) {
            keep[i] = true;
        }
    }
    // Reserved names stay reserved even when their owner is absent.
    for r in reserved {
        taken.insert((*r).to_owned());
    }
    items
        .iter()
        .zip(keep)
        .map(|(w, keep)| {
            if keep {
                return Given {
                    name: w.base.clone(),
                    suffixed: false,
                };
            }
            let id = sanitize(&w.id).unwrap_or_else(|| "x".into());
            let mut name = with_suffix(&w.base, &id);
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = with_suffix(&w.base, &format!("{id}-{n}"));
                n += 1;
            }
            Given {
                name,
                suffixed: true,
            }
        })
        .collect()
}

/// `base-suffix`, with `base` shortened so that the whole stays within 255 characters.
fn with_suffix(base: &str, suffix: &str) -> String {
    let room = MAX_NAME.saturating_sub(suffix.chars().count() + 1);
    let base: String = base.chars().take(room).collect();
    let name = format!("{base}-{suffix}");
    if name.chars().count() > MAX_NAME {
        name.chars().skip(name.chars().count() - MAX_NAME).collect()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(id: &str, base: &str) -> Wanted {
        Wanted {
            id: id.into(),
            base: base.into(),
            owns_reserved: false,
        }
    }

    #[test]
    fn sanitize_replaces_separators_and_refuses_blank() {
        assert_eq!(
            sanitize(" web tier: a/b ").as_deref(),
            Some("web-tier--a-b")
        );
        assert_eq!(sanitize("[x],y").as_deref(), Some("-x--y"));
        assert_eq!(sanitize("   "), None);
        let long = "a".repeat(300);
        assert_eq!(sanitize(&long).map(|s| s.len()), Some(255));
    }

    #[test]
    fn every_claimant_of_a_shared_name_is_suffixed() {
        let got = allocate(
            &[
                w("subnet-1", "app"),
                w("subnet-2", "db"),
                w("subnet-3", "app"),
            ],
            &[],
        );
        let names: Vec<&str> = got.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["app-subnet-1", "db", "app-subnet-3"]);
        assert!(got[0].suffixed && !got[1].suffixed);
    }

    #[test]
    fn reserved_names_go_only_to_their_owner() {
        let mut owner = w("sg-1", "default");
        owner.owns_reserved = true;
        let got = allocate(&[w("sg-2", "default"), owner], &["default"]);
        assert_eq!(got[0].name, "default-sg-2");
        assert_eq!(got[1].name, "default");
        let got = allocate(&[w("i-1", "internet")], &["internet"]);
        assert_eq!(got[0].name, "internet-i-1");
    }

    #[test]
    fn a_suffixed_name_never_collides_with_a_plain_one() {
        let got = allocate(&[w("b", "a"), w("c", "a"), w("d", "a-b")], &[]);
        let names: HashSet<&str> = got.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names.len(), 3, "{got:?}");
        assert!(got.iter().all(|g| is_valid_name(&g.name)));
    }

    #[test]
    fn long_names_stay_within_the_limit() {
        let long = "n".repeat(255);
        let got = allocate(&[w("sg-0123456789abcdef0", &long), w("sg-1", &long)], &[]);
        assert!(got.iter().all(|g| g.name.chars().count() <= 255));
        assert!(got[0].name.ends_with("-sg-0123456789abcdef0"));
    }
}
