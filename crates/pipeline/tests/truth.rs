//! Scans a rendered multi-batch folder and checks every count against the generator's truth:
//! papers counted, queued for review, set aside by reason, each batch's papers by kind, and
//! the provisional totals of every candidate from the unflagged papers. Scanning again adds
//! nothing.
//!
//! The reader may send a clear paper to review (a faint mark it will not trust): that is safe
//! and allowed, within a small share. It may never count a paper a person should see, nor count
//! a vote other than the voter's.

use ecount_election::{Election, PaperKind};
use ecount_pipeline::{scan, Discrepancy, Quiet, ScanOptions};
use ecount_store::{CountStore, KindCounts, PaperStatus, SqliteStore};
use ecount_synth::{write_scan_tree, Expected, Mix, OutputFormat, RenderOptions, Truth};
use ecount_tally::Tally;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

fn truths(root: &Path) -> HashMap<(String, String), Truth> {
    let mut all = HashMap::new();
    for e in std::fs::read_dir(root).unwrap() {
        let d = e.unwrap().path();
        if !d.is_dir() {
            continue;
        }
        let text = std::fs::read_to_string(d.join(ecount_synth::TRUTH_FILE)).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let t: Truth = serde_json::from_str(line).unwrap();
            all.insert((t.batch.clone(), t.file.clone()), t);
        }
    }
    all
}

#[test]
fn scan_matches_the_truth_and_a_rescan_adds_nothing() {
    let election =
        Election::load(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../elections/gla-2016.toml"))
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("scans");
    let opts = RenderOptions {
        dpi: 150,
        format: OutputFormat::Png,
        bilevel: false,
        jpeg_quality: None,
    };
    let tree = write_scan_tree(&election, &root, 240, 11, Mix::Realistic, &opts, &|_| {}).unwrap();
    assert!(tree.batches.len() >= 2, "want a multi-batch folder");
    let truth = truths(&root);
    assert_eq!(truth.len() as u64, tree.files);

    let mut store = SqliteStore::open_in_memory().unwrap();
    let scan_opts = ScanOptions {
        threads: 2,
        papers_per_transaction: 64,
        ..ScanOptions::default()
    };
    let s = scan(&root, &election, &mut store, &scan_opts, &Quiet).unwrap();
    assert_eq!(s.files, tree.files);
    assert_eq!(s.read, tree.files);
    assert!(s.duplicates.is_empty() && s.file_errors.is_empty());

    // Every paper against its truth.
    let mut counted = 0u64;
    let mut review = 0u64;
    let mut over_review = Vec::new();
    let mut set_aside: BTreeMap<String, u64> = BTreeMap::new();
    let mut truth_tally = Tally::new(&election);
    let mut by_batch: BTreeMap<String, KindCounts> = BTreeMap::new();
    let mut rows = 0u64;
    let mut unread = Vec::new();
    let mut unread_aside: BTreeMap<String, u64> = BTreeMap::new();
    store
        .for_each_paper(&mut |r| {
            rows += 1;
            let file = Path::new(&r.path).file_name().unwrap().to_string_lossy();
            let t = &truth[&(r.batch_id.clone(), file.to_string())];
            let what = match &r.outcome {
                Ok(rd) => format!(
                    "{} ({}): {:?} {:?} {:?}",
                    r.path, t.case, r.status, rd.vote, rd.flags
                ),
                Err(u) => format!("{} ({}): {:?} {u}", r.path, t.case, r.status),
            };
            match &t.expected {
                Expected::SetAside { outcome } => {
                    assert_eq!(r.status, PaperStatus::SetAside, "{what}");
                    assert_eq!(r.outcome.as_ref().unwrap_err().name(), outcome, "{what}");
                    *set_aside.entry(outcome.clone()).or_default() += 1;
                }
                Expected::OfficialMarkReview => {
                    assert_eq!(r.status, PaperStatus::AwaitingReview, "{what}");
                    review += 1;
                }
                Expected::Vote(v) => {
                    let Ok(reading) = r.outcome.as_ref() else {
                        // A ballot the reader could not read is never counted; it is set aside
                        // (or queued) and its batch then fails verification against the account.
                        assert_ne!(r.status, PaperStatus::Counted, "{what}");
                        if let (PaperStatus::SetAside, Err(u)) = (r.status, &r.outcome) {
                            *unread_aside.entry(u.name().to_string()).or_default() += 1;
                        } else {
                            review += 1;
                        }
                        unread.push(what);
                        return;
                    };
                    by_batch
                        .entry(t.batch.clone())
                        .or_default()
                        .add(t.kind.unwrap_or(PaperKind::Mayor), 1);
                    match r.status {
                        PaperStatus::Counted => {
                            assert!(
                                !t.expect_review,
                                "counted a paper a person must see: {what}"
                            );
                            assert_eq!(&reading.vote, v, "{what}");
                            truth_tally.add(reading.area, reading.contest, v);
                            counted += 1;
                        }
                        PaperStatus::AwaitingReview => {
                            if !t.expect_review {
                                over_review.push(what);
                            }
                            review += 1;
                        }
                        other => panic!("{what}: status {other:?}"),
                    }
                }
            }
        })
        .unwrap();
    assert_eq!(rows, tree.files);
    for w in &over_review {
        eprintln!("sent to review though clear: {w}");
    }
    for w in &unread {
        eprintln!("ballot not read: {w}");
    }
    assert!(
        (over_review.len() + unread.len()) * 20 <= truth.len(),
        "{} of {} clear papers sent to review, {} ballots not read",
        over_review.len(),
        truth.len(),
        unread.len()
    );
    for (k, n) in unread_aside {
        *set_aside.entry(k).or_default() += n;
    }

    // The run's summary says the same.
    assert_eq!(s.counted, counted, "papers counted");
    assert_eq!(s.review, review, "papers queued for review");
    let got_aside: BTreeMap<String, u64> = s
        .set_aside
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    assert_eq!(got_aside, set_aside, "papers set aside by reason");
    assert_eq!(s.batches.len(), tree.batches.len());
    for b in &s.batches {
        let want = by_batch.get(&b.batch_id).copied().unwrap_or_default();
        assert_eq!(b.found_by_kind, want, "batch {} papers by kind", b.batch_id);
        let meta = tree.batches.iter().find(|m| m.batch == b.batch_id).unwrap();
        let total_wrong = b
            .discrepancies
            .iter()
            .any(|d| matches!(d, Discrepancy::PaperTotal { .. }));
        assert_eq!(
            total_wrong,
            meta.manifest_papers != want.total(),
            "batch {}: {:?}",
            b.batch_id,
            b.discrepancies
        );
    }
    // Every candidate's provisional total: the voters' own votes on the papers counted.
    assert_eq!(s.tally, truth_tally, "provisional totals");

    let again = scan(&root, &election, &mut store, &scan_opts, &Quiet).unwrap();
    assert_eq!(again.read, 0);
    assert_eq!(again.already_recorded, tree.files);
    assert_eq!(again.tally, truth_tally);
    let mut papers = 0u64;
    store.for_each_paper(&mut |_| papers += 1).unwrap();
    assert_eq!(papers, tree.files);
}
