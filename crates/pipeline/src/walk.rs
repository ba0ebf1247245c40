//! Finding the batches under a scan root. A batch is one folder of page images (one ballot
//! box), with an optional `manifest.toml` giving its ballot paper account. Images directly in
//! the root form a batch too. Only file names are listed here, one folder at a time; no image
//! is opened.

use ecount_election::{BatchManifest, MANIFEST_FILE};
use std::path::{Path, PathBuf};

/// Extensions read as page images (compared without case).
pub const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "tif", "tiff"];

/// Folders nested deeper than this under the root are not searched (guards against link loops).
const MAX_DEPTH: usize = 8;

/// One batch folder found under the root.
#[derive(Debug, Clone)]
pub struct BatchDir {
    /// The manifest's batch id, else the folder's path relative to the root.
    pub id: String,
    pub folder: PathBuf,
    pub manifest: Option<BatchManifest>,
    /// Why `manifest.toml` could not be used, if it was there but bad.
    pub manifest_error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum WalkError {
    #[error("{path}: cannot list the folder: {source}")]
    List {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: the scan root is not a folder")]
    NotAFolder { path: String },
}

pub fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// The image files of one folder (not its subfolders), sorted by name.
pub fn image_files(folder: &Path) -> Result<Vec<PathBuf>, WalkError> {
    let list_err = |source| WalkError::List {
        path: folder.display().to_string(),
        source,
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).map_err(list_err)? {
        let entry = entry.map_err(list_err)?;
        let path = entry.path();
        // `metadata` follows links, so a linked image counts as the file it points to.
        if is_image(&path) && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Every batch folder under `root` (the root itself included when it holds images or a
/// manifest), in sorted path order.
pub fn find_batches(root: &Path) -> Result<Vec<BatchDir>, WalkError> {
    if !root.is_dir() {
        return Err(WalkError::NotAFolder {
            path: root.display().to_string(),
        });
    }
    let mut folders = Vec::new();
    collect_folders(root, 0, &mut folders)?;
    folders.sort();
    let mut batches = Vec::new();
    for folder in folders {
        let has_manifest = folder.join(MANIFEST_FILE).is_file();
        let has_images = !image_files(&folder)?.is_empty();
        if !has_manifest && !has_images {
            continue;
        }
        let (manifest, manifest_error) = match BatchManifest::read_from(&folder) {
            Ok(m) => (m, None),
            Err(e) => (None, Some(e.to_string())),
        };
        let id = match &manifest {
            Some(m) => m.batch.clone(),
            None => relative_id(root, &folder),
        };
        batches.push(BatchDir {
            id,
            folder,
            manifest,
            manifest_error,
        });
    }
    Ok(batches)
}

fn collect_folders(dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> Result<(), WalkError> {
    out.push(dir.to_owned());
    if depth >= MAX_DEPTH {
        return Ok(());
    }
    let list_err = |source| WalkError::List {
        path: dir.display().to_string(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(list_err)? {
        let path = entry.map_err(list_err)?.path();
        if std::fs::metadata(&path).is_ok_and(|m| m.is_dir()) {
            collect_folders(&path, depth + 1, out)?;
        }
    }
    Ok(())
}

fn relative_id(root: &Path, folder: &Path) -> String {
    match folder.strip_prefix(root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        _ => root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "root".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_batches_and_sorts_images() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("scans");
        std::fs::create_dir_all(root.join("box-b")).unwrap();
        std::fs::create_dir_all(root.join("box-a/inner")).unwrap();
        std::fs::create_dir_all(root.join("empty")).unwrap();
        for f in [
            "loose.png",
            "box-b/2.TIF",
            "box-b/10.jpg",
            "box-b/notes.txt",
        ] {
            std::fs::write(root.join(f), b"x").unwrap();
        }
        std::fs::write(root.join("box-a/inner/1.jpeg"), b"x").unwrap();
        std::fs::write(
            root.join("box-b/manifest.toml"),
            "batch = \"B-1\"\narea = \"riverside\"\npapers = 2\n",
        )
        .unwrap();
        std::fs::write(root.join("box-a/manifest.toml"), "batch = 7\n").unwrap();

        let batches = find_batches(&root).unwrap();
        let ids: Vec<&str> = batches.iter().map(|b| b.id.as_str()).collect();
        assert_eq!(ids, ["scans", "box-a", "box-a/inner", "B-1"]);
        assert!(batches[1]
            .manifest_error
            .as_deref()
            .unwrap()
            .contains("manifest.toml"));
        assert_eq!(batches[3].manifest.as_ref().unwrap().papers, 2);
        let names: Vec<String> = image_files(&batches[3].folder)
            .unwrap()
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["10.jpg", "2.TIF"]);
        assert!(find_batches(&root.join("loose.png")).is_err());
    }
}
