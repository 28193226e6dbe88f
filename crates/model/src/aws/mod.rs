//! Import of the JSON that the AWS CLI prints (`aws ec2 describe-*`).
//! (Interface placeholder; the importer lands on its own branch.)

use std::path::Path;

use crate::diag::Diagnostics;
use crate::raw::RawConfig;
use crate::validate::Validated;

#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    pub vpc: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Imported {
    pub raw: RawConfig,
    pub validated: Validated,
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("{0}")]
    Vpc(String),
    #[error("{0}")]
    Json(Diagnostics),
    #[error("{0}")]
    Invalid(Diagnostics),
}

impl ImportError {
    pub fn diagnostics(&self) -> Option<&Diagnostics> {
        match self {
            ImportError::Json(d) | ImportError::Invalid(d) => Some(d),
            ImportError::Vpc(_) => None,
        }
    }
}

pub fn import_dir(_dir: &Path, _opts: &ImportOptions) -> Result<Imported, ImportError> {
    Err(ImportError::Vpc(
        "AWS import is not available in this build".into(),
    ))
}
