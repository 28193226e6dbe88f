//! Reading a configuration: bytes → [`RawConfig`] (stage one) → [`Model`] (stage two).

use std::path::Path;

use crate::diag::{Diagnostic, Diagnostics};
use crate::raw::RawConfig;
use crate::validate::{Validated, validate};

/// Largest configuration file read, so a stray multi-gigabyte file is refused, not loaded.
pub const MAX_CONFIG_BYTES: usize = 16 * 1024 * 1024;

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The file could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The input is not a valid document, or not of the expected shape.
    #[error("{0}")]
    Syntax(Diagnostics),
    /// The document is well formed, but some values are wrong.
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl LoadError {
    /// Every diagnostic, for callers that print or serialise them.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            LoadError::Syntax(d) | LoadError::Invalid(d) => Some(d),
            LoadError::Io { .. } => None,
        }
    }
}

/// Parses YAML text into the raw document. `file` names it in errors.
pub fn parse_yaml(text: &str, file: &str) -> Result<RawConfig, Diagnostics> {
    let diag = |line, column, path: String, message: String| {
        Diagnostics(vec![Diagnostic {
            file: file.to_owned(),
            path,
            line,
            column,
            found: None,
            message,
        }])
    };
    if text.len() > MAX_CONFIG_BYTES {
        return Err(diag(
            None,
            None,
            String::new(),
            format!("the file is larger than {MAX_CONFIG_BYTES} bytes"),
        ));
    }
    if text
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#') || l.trim() == "---")
    {
        return Ok(RawConfig::default());
    }
    // Tracking the path costs about half again the parse, so it is done only to locate an
    // error once one is known to exist.
    let options = serde_saphyr::options! { with_snippet: false };
    if let Ok(raw) = serde_saphyr::from_str_with_options::<RawConfig>(text, options.clone()) {
        return Ok(raw);
    }
    let mut path = String::new();
    serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
        serde_path_to_error::deserialize::<_, RawConfig>(de).map_err(|e| {
            path = e.path().to_string();
            e.into_inner()
        })
    })
    .map_err(|e| {
        let loc = e.location();
        // The path ends inside our leaf wrappers; users know the key, not the wrapper.
        let path = clean_path(&path);
        let message = first_line(&e.to_string());
        diag(
            loc.map(|l| l.line() as usize).filter(|l| *l > 0),
            loc.map(|l| l.column() as usize).filter(|c| *c > 0),
            path,
            message,
        )
    })
}

/// The path to the error without the segments that our own wrappers add (`value` of a spanned
/// leaf, `?` of an unnamed key).
fn clean_path(path: &str) -> String {
    path.split('.')
        .filter(|seg| !seg.is_empty() && *seg != "value" && *seg != "?")
        .map(|seg| seg.strip_suffix(".value").unwrap_or(seg))
        .collect::<Vec<_>>()
        .join(".")
}

/// The message of a YAML error without its `line N column M:` prefix, which the diagnostic
/// prints in its own place.
fn first_line(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or(msg);
    let line = line.strip_prefix("error: ").unwrap_or(line);
    let line = match line.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest,
        _ => line,
    };
    let line = match line.rfind(" at line ") {
        Some(i) if line[i..].contains(", column ") => &line[..i],
        _ => line,
    };
    if line == "expected string scalar" {
        return "expected a single value here, not a list or a mapping".into();
    }
    line.to_owned()
}

/// Parses and validates YAML text.
pub fn load_str(text: &str, file: &str) -> Result<Validated, LoadError> {
    let raw = parse_yaml(text, file).map_err(LoadError::Syntax)?;
    validate(&raw, file).map_err(LoadError::Invalid)
}

/// Reads, parses and validates a `rampart.yaml`, then reads and compiles the web ACLs it
/// names (their documents' paths are as written, relative to the working directory).
pub fn load_file(path: &Path) -> Result<Validated, LoadError> {
    let name = path.display().to_string();
    let bytes = read_bounded(path)?;
    let text = String::from_utf8(bytes).map_err(|_| {
        LoadError::Syntax(Diagnostics(vec![Diagnostic {
            file: name.clone(),
            path: String::new(),
            line: None,
            column: None,
            found: None,
            message: "the file is not UTF-8 text".into(),
        }]))
    })?;
    let raw = parse_yaml(&text, &name).map_err(LoadError::Syntax)?;
    let v = validate(&raw, &name).map_err(LoadError::Invalid)?;
    load_web_acls(&raw, &v, &name)?;
    Ok(v)
}

/// Reads and compiles every web ACL of a validated configuration, so that a WAF document's
/// problems are reported with the rest (and before a load balancer would refuse it). What
/// concerns `rampart.yaml` itself (a file that cannot be read) points at its line.
fn load_web_acls(raw: &RawConfig, v: &Validated, file: &str) -> Result<(), LoadError> {
    let mut errors = Vec::new();
    for w in &v.model.web_acls {
        if let Err(d) = crate::web_acl::load_web_acl(w, file) {
            errors.extend(d.0.into_iter().map(|mut d| {
                if d.file == file
                    && d.line.is_none()
                    && let Some(p) = crate::locate::locate(raw, &d.path)
                {
                    d.line = Some(p.line);
                    d.column = Some(p.column);
                }
                d
            }));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(LoadError::Invalid(Diagnostics(errors)))
    }
}

/// Reads a file of at most [`MAX_CONFIG_BYTES`].
pub(crate) fn read_bounded(path: &Path) -> Result<Vec<u8>, LoadError> {
    use std::io::Read;
    let io = |source| LoadError::Io {
        path: path.display().to_string(),
        source,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    f.take(MAX_CONFIG_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_CONFIG_BYTES {
        return Err(LoadError::Syntax(Diagnostics(vec![Diagnostic {
            file: path.display().to_string(),
            path: String::new(),
            line: None,
            column: None,
            found: None,
            message: format!("the file is larger than {MAX_CONFIG_BYTES} bytes"),
        }])));
    }
    Ok(bytes)
}
