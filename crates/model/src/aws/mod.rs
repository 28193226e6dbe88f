//! Import of the JSON that the AWS CLI prints (`aws ec2 describe-*`) into a Rampart model.
//!
//! ```text
//!  DIR/describe-*.json ──serde_json──► AWS's shapes ──convert──► RawConfig ──validate()──► Model
//!  (one file per command)  (unknown fields ignored,   (one VPC, names,       (the same path
//!                           needed fields required)    notes)                 as a YAML file)
//! ```
//!
//! The import reads what the CLI prints, file by file (see `examples/aws/README.md` for the
//! commands): `describe-vpcs.json` is required, as the VPC's CIDR blocks come from it; every
//! other file is optional and what is missing is said in [`Imported::notes`]. Resources of other
//! VPCs are left out. Names come from `Name` tags, made unique and valid; every resource keeps
//! its AWS ID.
//!
//! The result goes through [`crate::validate`], like a hand-written file, so an import can
//! never yield a model that a YAML file could not. A JSON file of the wrong shape is reported
//! with its file, JSON path, line and column ([`ImportError::Json`]).
//!
//! What the import assumes about AWS's output, where the documentation is thin:
//! - a route to a Gateway Load Balancer or Network Firewall endpoint is reported with its
//!   `vpce-…` ID in `GatewayId` (the API's `Route` has no endpoint field); `VpcEndpointId` is
//!   read too, in case a later CLI prints it;
//! - `describe-instances` lists an instance's groups in `SecurityGroups` and each interface's
//!   in `NetworkInterfaces[].Groups`; the import takes the union.

mod convert;
mod json;
mod names;

use std::path::Path;

use serde::de::DeserializeOwned;

use crate::diag::{Diagnostic, Diagnostics};
use crate::load::{LoadError, read_bounded};
use crate::raw::RawConfig;
use crate::validate::{Validated, validate};

use convert::Docs;

pub(crate) const VPCS: &str = "describe-vpcs.json";
pub(crate) const SUBNETS: &str = "describe-subnets.json";
pub(crate) const ROUTE_TABLES: &str = "describe-route-tables.json";
pub(crate) const INTERNET_GATEWAYS: &str = "describe-internet-gateways.json";
pub(crate) const NETWORK_ACLS: &str = "describe-network-acls.json";
pub(crate) const SECURITY_GROUPS: &str = "describe-security-groups.json";
pub(crate) const INSTANCES: &str = "describe-instances.json";
pub(crate) const PREFIX_LISTS: &str = "describe-managed-prefix-lists.json";
pub(crate) const NAT_GATEWAYS: &str = "describe-nat-gateways.json";
pub(crate) const FIREWALL: &str = "describe-firewall.json";
/// Followed by the list's ID and `.json`.
pub(crate) const PREFIX_LIST_ENTRIES: &str = "get-managed-prefix-list-entries.";

/// How to import.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// The VPC to import, by ID or `Name` tag; needed when the export holds several VPCs.
    pub vpc: Option<String>,
}

/// A successful import.
#[derive(Clone, Debug)]
pub struct Imported {
    /// The document built from AWS's JSON, as a YAML file would have given it.
    pub raw: RawConfig,
    /// The validated model, and validation's warnings.
    pub validated: Validated,
    /// What was skipped or assumed, one sentence each, for the user to read.
    pub notes: Vec<String>,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    /// The directory or a file in it could not be read.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A file is not JSON, or not the shape the AWS CLI prints: file, JSON path, line, column.
    #[error("{0}")]
    Json(Diagnostics),
    /// No VPC to import, or several and no choice among them, or an unknown choice.
    #[error("{0}")]
    Vpc(String),
    /// The imported configuration does not validate.
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl ImportError {
    /// Every diagnostic, for callers that print or serialise them.
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            ImportError::Json(d) | ImportError::Invalid(d) => Some(d),
            ImportError::Io { .. } | ImportError::Vpc(_) => None,
        }
    }
}

/// Imports the AWS CLI output saved as files in `dir`.
pub fn import_dir(dir: &Path, opts: &ImportOptions) -> Result<Imported, ImportError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| ImportError::Io { path, source }
    };
    let mut files: Vec<(String, std::path::PathBuf)> = Vec::new();
    let mut notes = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let entry = entry.map_err(io(dir))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            notes.push(format!(
                "{}: the file name is not UTF-8; ignored",
                path.display()
            ));
            continue;
        };
        if kind_of(&name).is_none() {
            // Not read at all: a stray large file costs nothing.
            notes.extend(ignored(&name));
            continue;
        }
        if !std::fs::metadata(&path).map_err(io(&path))?.is_file() {
            notes.push(format!("{name}: not a regular file; ignored"));
            continue;
        }
        files.push((name, path));
    }
    files.sort();
    notes.sort();
    let mut docs = Vec::with_capacity(files.len());
    for (name, path) in files {
        let bytes = read_bounded(&path).map_err(|e| match e {
            LoadError::Io { path, source } => ImportError::Io { path, source },
            LoadError::Syntax(d) | LoadError::Invalid(d) => ImportError::Json(d),
        })?;
        docs.push((name, bytes));
    }
    let display = |name: &str| dir.join(name).display().to_string();
    let mut imported = import(&docs, opts, &display, &dir.display().to_string())?;
    notes.append(&mut imported.notes);
    imported.notes = notes;
    Ok(imported)
}

/// Imports AWS CLI output given as `(file name, bytes)` pairs, as [`import_dir`] would find
/// them in a directory. Pure: reads nothing, so it suits fuzzing and tests.
pub fn import_documents(
    docs: &[(String, Vec<u8>)],
    opts: &ImportOptions,
) -> Result<Imported, ImportError> {
    import(docs, opts, &|name: &str| name.to_owned(), "AWS export")
}

/// What a file of the export holds, by its name.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    Vpcs,
    Subnets,
    RouteTables,
    InternetGateways,
    NetworkAcls,
    SecurityGroups,
    Instances,
    PrefixLists,
    NatGateways,
    Firewall,
    PrefixListEntries(String),
}

fn kind_of(name: &str) -> Option<Kind> {
    Some(match name {
        VPCS => Kind::Vpcs,
        SUBNETS => Kind::Subnets,
        ROUTE_TABLES => Kind::RouteTables,
        INTERNET_GATEWAYS => Kind::InternetGateways,
        NETWORK_ACLS => Kind::NetworkAcls,
        SECURITY_GROUPS => Kind::SecurityGroups,
        INSTANCES => Kind::Instances,
        PREFIX_LISTS => Kind::PrefixLists,
        NAT_GATEWAYS => Kind::NatGateways,
        FIREWALL => Kind::Firewall,
        _ => {
            let id = name
                .strip_prefix(PREFIX_LIST_ENTRIES)?
                .strip_suffix(".json")?;
            if id.is_empty() {
                return None;
            }
            Kind::PrefixListEntries(id.to_owned())
        }
    })
}

/// A note for a file the import does not read, when it looks like a misnamed export; a README
/// beside the export needs no comment.
fn ignored(name: &str) -> Option<String> {
    name.ends_with(".json")
        .then(|| format!("{name}: not a file the import reads; ignored"))
}

fn import(
    docs: &[(String, Vec<u8>)],
    opts: &ImportOptions,
    display: &dyn Fn(&str) -> String,
    source: &str,
) -> Result<Imported, ImportError> {
    let mut parsed = Docs::default();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (name, bytes) in docs {
        let Some(kind) = kind_of(name) else {
            notes.extend(ignored(name));
            continue;
        };
        if !seen.insert(name.as_str()) {
            notes.push(format!("{name} is given twice; the first copy is used"));
            continue;
        }
        let file = display(name);
        let mut run = |r: Result<(), Box<Diagnostic>>| {
            if let Err(d) = r {
                errors.push(*d);
            }
        };
        match kind {
            Kind::Vpcs => run(parse(&file, bytes).map(|d| parsed.vpcs = Some(d))),
            Kind::Subnets => run(parse(&file, bytes).map(|d| parsed.subnets = Some(d))),
            Kind::RouteTables => run(parse(&file, bytes).map(|d| parsed.route_tables = Some(d))),
            Kind::InternetGateways => {
                run(parse(&file, bytes).map(|d| parsed.internet_gateways = Some(d)))
            }
            Kind::NetworkAcls => run(parse(&file, bytes).map(|d| parsed.network_acls = Some(d))),
            Kind::SecurityGroups => {
                run(parse(&file, bytes).map(|d| parsed.security_groups = Some(d)))
            }
            Kind::Instances => run(parse(&file, bytes).map(|d| parsed.instances = Some(d))),
            Kind::PrefixLists => run(parse(&file, bytes).map(|d| parsed.prefix_lists = Some(d))),
            Kind::NatGateways => run(parse(&file, bytes).map(|d| parsed.nat_gateways = Some(d))),
            Kind::Firewall => run(parse(&file, bytes).map(|d| parsed.firewall = Some(d))),
            Kind::PrefixListEntries(id) => {
                run(parse(&file, bytes).map(|d| parsed.prefix_list_entries.push((id, d))))
            }
        }
    }
    if !errors.is_empty() {
        return Err(ImportError::Json(Diagnostics(errors)));
    }
    let Some(vpcs) = &parsed.vpcs else {
        return Err(ImportError::Vpc(format!(
            "{VPCS} is missing; it is required, as the VPC's CIDR blocks come from it \
             (aws ec2 describe-vpcs --output json > {VPCS})"
        )));
    };
    let vpc = convert::select_vpc(&vpcs.vpcs, opts.vpc.as_deref()).map_err(ImportError::Vpc)?;
    let out = convert::convert(&parsed, vpc).map_err(|errs| {
        ImportError::Json(Diagnostics(
            errs.into_iter()
                .map(|d| Diagnostic {
                    file: display(&d.file),
                    ..d
                })
                .collect(),
        ))
    })?;
    notes.extend(out.notes);
    let validated = validate(&out.raw, source).map_err(ImportError::Invalid)?;
    Ok(Imported {
        raw: out.raw,
        validated,
        notes,
    })
}

/// Parses one file into `T`, or says where and why it is not what the CLI prints.
fn parse<T: DeserializeOwned>(file: &str, bytes: &[u8]) -> Result<T, Box<Diagnostic>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        json_diagnostic(file, &path, e.inner())
    })?;
    de.end().map_err(|e| json_diagnostic(file, "", &e))?;
    Ok(value)
}

fn json_diagnostic(file: &str, path: &str, e: &serde_json::Error) -> Box<Diagnostic> {
    use serde_json::error::Category;
    let mut path = if path == "." { "" } else { path }.to_owned();
    let mut message = e.to_string();
    // The position is reported in its own fields.
    if let Some(i) = message.rfind(" at line ") {
        message.truncate(i);
    }
    // serde names the missing field in the message and the path stops at its parent.
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|m| m.strip_suffix('`'))
    {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(field);
        message = "this field is required (the AWS CLI always prints it)".into();
    } else {
        message = match e.classify() {
            Category::Syntax => format!("malformed JSON: {message}"),
            Category::Eof => format!("the JSON ends early: {message}"),
            Category::Data => format!("not what the AWS CLI prints here: {message}"),
            Category::Io => message,
        };
    }
    let at = (e.line() > 0).then_some(e.line());
    Box::new(Diagnostic {
        file: file.to_owned(),
        path,
        line: at,
        column: at.map(|_| e.column()),
        found: None,
        message,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_kinds_are_known_by_exact_name() {
        assert_eq!(kind_of(VPCS), Some(Kind::Vpcs));
        assert_eq!(
            kind_of("get-managed-prefix-list-entries.pl-0123abcd.json"),
            Some(Kind::PrefixListEntries("pl-0123abcd".into()))
        );
        assert_eq!(kind_of("get-managed-prefix-list-entries..json"), None);
        assert_eq!(kind_of("describe-vpcs.json.bak"), None);
        assert_eq!(kind_of("README.md"), None);
    }

    #[test]
    fn missing_field_is_named_in_the_path() {
        let r: Result<json::DescribeVpcs, _> =
            parse("v.json", br#"{"Vpcs": [{"CidrBlock": "10.0.0.0/16"}]}"#);
        let d = r.err().map(|d| (d.path, d.line.is_some()));
        assert_eq!(d, Some(("Vpcs[0].VpcId".into(), true)));
    }

    #[test]
    fn trailing_garbage_is_refused() {
        let r: Result<json::DescribeVpcs, _> = parse("v.json", br#"{"Vpcs": []} x"#);
        assert!(r.is_err());
    }
}
