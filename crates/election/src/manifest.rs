//! The batch manifest: what a ballot box should hold (the ballot paper account), written beside
//! the scans as `manifest.toml` and verified by the count.

use serde::{Deserialize, Serialize};
use std::path::Path;

pub const MANIFEST_FILE: &str = "manifest.toml";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchManifest {
    /// Batch id, unique in the count (e.g. "merton-and-wandsworth-box-017").
    pub batch: String,
    /// Area id from the election definition.
    pub area: String,
    /// Papers the box should hold, all kinds together.
    pub papers: u64,
    /// The ballot paper account per paper kind, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Account>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Account {
    #[serde(default)]
    pub mayor: u64,
    #[serde(default)]
    pub constituency: u64,
    #[serde(default)]
    pub london_wide: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file}: cannot read: {source}")]
    Io {
        file: String,
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
}

impl BatchManifest {
    /// Reads `manifest.toml` from a batch folder; `Ok(None)` when there is none.
    pub fn read_from(dir: &Path) -> Result<Option<Self>, ManifestError> {
        let path = dir.join(MANIFEST_FILE);
        let file = path.display().to_string();
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(ManifestError::Io { file, source }),
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| ManifestError::Parse {
                file,
                message: e.to_string(),
            })
    }

    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let m = BatchManifest {
            batch: "b1".into(),
            area: "riverside".into(),
            papers: 30,
            account: Some(Account {
                mayor: 10,
                constituency: 10,
                london_wide: 10,
            }),
        };
        let back: BatchManifest = toml::from_str(&m.to_toml()).unwrap();
        assert_eq!(back, m);
        let dir = std::env::temp_dir().join(format!("ecount-manifest-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(BatchManifest::read_from(&dir).unwrap(), None);
        std::fs::write(dir.join(MANIFEST_FILE), "batch = 3\n").unwrap();
        let err = BatchManifest::read_from(&dir).unwrap_err().to_string();
        assert!(err.contains("manifest.toml"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
