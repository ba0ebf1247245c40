//! The committed `sample_scans/` set: made by `write_sample_set` from gla-2016 with seed 2016.
//! Regenerate it (byte for byte) with
//! `cargo test -p ecount-synth --release --test samples -- --ignored regenerate_sample_scans`.

use ecount_election::{BatchManifest, Election};
use ecount_synth::tree::sample_set_truth;
use ecount_synth::{write_sample_set, Truth, TRUTH_FILE};
use std::path::{Path, PathBuf};

const SEED: u64 = 2016;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn gla() -> Election {
    Election::load(root().join("elections/gla-2016.toml")).expect("gla-2016 loads")
}

#[test]
#[ignore]
fn regenerate_sample_scans() {
    let out = root().join("sample_scans");
    let summary = write_sample_set(&gla(), &out, SEED).expect("sample set written");
    println!(
        "{} files in {} batches",
        summary.files,
        summary.batches.len()
    );
}

/// A truth line without its `survived` field: how much ink a bilevel scan kept is known only
/// once the page is drawn, so the planned truth lacks it.
fn without_survival(line: &str) -> String {
    const KEY: &str = "\"survived\":[";
    match line.find(KEY) {
        Some(at) => {
            let end = line[at..].find(']').map_or(line.len(), |e| at + e + 1);
            let end = if line[end..].starts_with(',') {
                end + 1
            } else {
                end
            };
            format!("{}{}", &line[..at], &line[end..])
        }
        None => line.to_string(),
    }
}

#[test]
fn committed_samples_match_the_generator_and_cover_every_case() {
    let dir = root().join("sample_scans");
    let want = sample_set_truth(&gla(), SEED).expect("sample truth");
    let mut got: Vec<Truth> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    let mut bytes = 0u64;
    let mut batches: Vec<_> = std::fs::read_dir(&dir)
        .expect("sample_scans exists")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    batches.sort();
    assert_eq!(batches.len(), 3);
    for b in &batches {
        let m = BatchManifest::read_from(b)
            .expect("manifest parses")
            .expect("manifest present");
        let text = std::fs::read_to_string(b.join(TRUTH_FILE)).expect("truth.jsonl");
        lines.extend(text.lines().map(without_survival));
        let truths: Vec<Truth> = text
            .lines()
            .map(|l| serde_json::from_str(l).expect("truth line"))
            .collect();
        assert_eq!(
            m.papers,
            truths.iter().filter(|t| t.kind.is_some()).count() as u64
        );
        for t in &truths {
            let file = b.join(&t.file);
            let data = std::fs::read(&file).expect("sample file present");
            bytes += data.len() as u64;
            assert_eq!(
                image::load_from_memory(&data).is_ok(),
                t.case != "corrupt",
                "{}",
                t.file
            );
        }
        got.extend(truths);
    }
    // Compared as written (JSON text), so float parsing cannot blur the comparison.
    let mut want: Vec<String> = want
        .iter()
        .map(|t| serde_json::to_string(t).expect("json"))
        .collect();
    want.sort();
    lines.sort();
    assert!(
        lines == want,
        "sample_scans is out of date: regenerate it (see the top of this file)"
    );
    assert!(bytes < 5_000_000, "sample_scans holds {bytes} bytes");
    for case in [
        "clean",
        "too_many_first",
        "blank",
        "second_only",
        "same_candidate_twice",
        "faint",
        "beside_box",
        "stray_writing",
        "upside_down",
        "skewed",
        "foreign_election",
        "not_a_ballot",
        "corrupt",
    ] {
        assert!(got.iter().any(|t| t.case == case), "samples lack {case}");
    }
    let instruments: std::collections::BTreeSet<String> = got
        .iter()
        .flat_map(|t| t.marks.iter().map(|m| format!("{:?}", m.pen.instrument)))
        .collect();
    assert!(instruments.contains("Pencil") && instruments.contains("BlackBallpoint"));
}
