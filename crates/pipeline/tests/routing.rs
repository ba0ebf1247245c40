//! The scan's plumbing on files that are not images: every one is set aside with its reason,
//! duplicates are found, batches are verified, the store keeps walk order whatever the thread
//! timing, and a second scan adds nothing.

use ecount_election::Election;
use ecount_pipeline::{scan, Discrepancy, Quiet, ScanOptions};
use ecount_store::{CountStore, PaperStatus, SqliteStore};
use std::path::Path;

fn demo() -> Election {
    Election::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../elections/demo.toml")).unwrap()
}

fn paths_in_store(store: &SqliteStore) -> Vec<(String, PaperStatus)> {
    let mut v = Vec::new();
    store
        .for_each_paper(&mut |r| v.push((r.path.clone(), r.status)))
        .unwrap();
    v
}

#[test]
fn garbage_is_set_aside_duplicates_found_and_rescan_adds_nothing() {
    let election = demo();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let boxdir = root.join("box-1");
    std::fs::create_dir_all(&boxdir).unwrap();
    std::fs::write(
        boxdir.join("manifest.toml"),
        "batch = \"riverside-1\"\narea = \"riverside\"\npapers = 3\n",
    )
    .unwrap();
    std::fs::write(boxdir.join("a.png"), b"not an image 1").unwrap();
    std::fs::write(boxdir.join("b.png"), b"not an image 2").unwrap();
    std::fs::write(boxdir.join("c.png"), b"not an image 1").unwrap();
    std::fs::write(boxdir.join("notes.txt"), b"ignored").unwrap();
    std::fs::write(root.join("z.jpg"), b"loose").unwrap();

    let mut store = SqliteStore::open_in_memory().unwrap();
    let opts = ScanOptions {
        threads: 2,
        papers_per_transaction: 2,
        ..ScanOptions::default()
    };
    let s = scan(root, &election, &mut store, &opts, &Quiet).unwrap();
    assert_eq!(s.files, 4);
    assert_eq!(s.files_seen, 4);
    assert_eq!(s.read, 3);
    assert_eq!(s.counted, 0);
    assert_eq!(s.review, 0);
    assert_eq!(s.set_aside.get("decode_failed"), Some(&3));
    assert_eq!(s.duplicates.len(), 1);
    assert!(s.duplicates[0].0.ends_with("c.png") && s.duplicates[0].1.ends_with("a.png"));
    assert_eq!(s.batches_done, 2);

    let b = s
        .batches
        .iter()
        .find(|b| b.batch_id == "riverside-1")
        .unwrap();
    assert_eq!(b.found, 2);
    assert!(b.discrepancies.contains(&Discrepancy::PaperTotal {
        expected: 3,
        found: 0,
        unidentified: 0,
        set_aside: 2
    }));
    assert!(b
        .discrepancies
        .contains(&Discrepancy::DuplicateImages { images: 1 }));
    let loose = s
        .batches
        .iter()
        .find(|b| b.batch_id != "riverside-1")
        .unwrap();
    assert!(loose.discrepancies.contains(&Discrepancy::NoManifest));

    let before = paths_in_store(&store);
    assert_eq!(before.len(), 3);
    assert!(before.iter().all(|(_, st)| *st == PaperStatus::SetAside));

    let again = scan(root, &election, &mut store, &opts, &Quiet).unwrap();
    assert_eq!(again.read, 0);
    assert_eq!(again.already_recorded, 3);
    assert_eq!(paths_in_store(&store), before);
    let b2 = again
        .batches
        .iter()
        .find(|b| b.batch_id == "riverside-1")
        .unwrap();
    assert_eq!(b2.found, 2);
    assert!(b2
        .discrepancies
        .contains(&Discrepancy::DuplicateImages { images: 1 }));
}

/// A box rescanned into its old folder has new bytes under old names: those pages are held
/// back (listed, never counted), so no paper can be counted twice.
#[test]
fn a_file_replaced_since_it_was_recorded_is_not_recorded_again() {
    let election = demo();
    let dir = tempfile::tempdir().unwrap();
    let boxdir = dir.path().join("box-1");
    std::fs::create_dir_all(&boxdir).unwrap();
    std::fs::write(boxdir.join("a.png"), b"first scan of a").unwrap();
    std::fs::write(boxdir.join("b.png"), b"first scan of b").unwrap();
    let mut store = SqliteStore::open_in_memory().unwrap();
    let opts = ScanOptions::default();
    let first = scan(dir.path(), &election, &mut store, &opts, &Quiet).unwrap();
    assert_eq!(first.read, 2);
    let before = paths_in_store(&store);

    std::fs::write(boxdir.join("b.png"), b"second scan of b").unwrap();
    std::fs::write(boxdir.join("c.png"), b"a new page").unwrap();
    let again = scan(dir.path(), &election, &mut store, &opts, &Quiet).unwrap();
    assert_eq!(again.already_recorded, 1);
    assert_eq!(again.replaced.len(), 1);
    assert!(again.replaced[0].ends_with("b.png"), "{:?}", again.replaced);
    let after = paths_in_store(&store);
    assert_eq!(after.len(), 3, "only the new page is added: {after:?}");
    assert!(before.iter().all(|p| after.contains(p)));
    assert!(again.to_text().contains("replaced images:     1"));
}

#[test]
fn store_order_is_walk_order_whatever_the_threads() {
    let election = demo();
    let dir = tempfile::tempdir().unwrap();
    let mut expected = Vec::new();
    for b in 0..3 {
        let folder = dir.path().join(format!("box-{b}"));
        std::fs::create_dir_all(&folder).unwrap();
        for i in 0..40 {
            let p = folder.join(format!("{i:03}.tif"));
            // Sizes differ so the workers finish out of order.
            std::fs::write(&p, vec![(b * 40 + i) as u8; 1 + (i % 7) * 50_000]).unwrap();
            expected.push(p.display().to_string());
        }
    }
    let mut store = SqliteStore::open_in_memory().unwrap();
    let opts = ScanOptions {
        threads: 3,
        papers_per_transaction: 7,
        ..ScanOptions::default()
    };
    let s = scan(dir.path(), &election, &mut store, &opts, &Quiet).unwrap();
    assert_eq!(s.read, 120);
    let got: Vec<String> = paths_in_store(&store).into_iter().map(|(p, _)| p).collect();
    assert_eq!(got, expected);
}

#[test]
fn a_missing_root_is_an_error_naming_it() {
    let election = demo();
    let mut store = SqliteStore::open_in_memory().unwrap();
    let err = scan(
        Path::new("/no/such/scans"),
        &election,
        &mut store,
        &ScanOptions::default(),
        &Quiet,
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("/no/such/scans"), "{err}");
}
