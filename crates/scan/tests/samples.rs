//! The committed sample scans read as their truth says: every clear paper counted with the
//! voter's votes, every other paper sent to a person or set aside for the named reason.

use ecount_election::Election;
use ecount_synth::{Expected, Truth, TRUTH_FILE};
use std::path::Path;

#[test]
fn sample_scans_read_as_their_truth() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let election = Election::load(root.join("elections/gla-2016.toml")).unwrap();
    let mut papers = 0;
    let mut counted = 0;
    for batch in std::fs::read_dir(root.join("sample_scans")).unwrap() {
        let dir = batch.unwrap().path();
        let Ok(text) = std::fs::read_to_string(dir.join(TRUTH_FILE)) else {
            continue;
        };
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let t: Truth = serde_json::from_str(line).unwrap();
            let bytes = std::fs::read(dir.join(&t.file)).unwrap();
            let outcome = ecount_scan::read_ballot(&bytes, &election);
            papers += 1;
            match (&t.expected, &outcome) {
                (Expected::Vote(v), Ok(r)) => {
                    if !r.needs_adjudication() {
                        assert_eq!(
                            r.vote, *v,
                            "{} ({}) counted with the wrong vote",
                            t.file, t.case
                        );
                        counted += 1;
                    }
                    if !v.is_valid() {
                        assert!(
                            r.needs_adjudication(),
                            "{}: a void paper must go to a person",
                            t.file
                        );
                    }
                    if t.expect_review {
                        assert!(
                            r.needs_adjudication(),
                            "{} ({}) must go to a person",
                            t.file,
                            t.case
                        );
                    }
                }
                (Expected::SetAside { outcome: want }, Err(u)) => {
                    assert_eq!(u.name(), want, "{} ({})", t.file, t.case)
                }
                (Expected::OfficialMarkReview, Err(u)) => {
                    assert!(
                        u.wants_official_mark_review(),
                        "{} ({}): {u}",
                        t.file,
                        t.case
                    )
                }
                (want, got) => panic!("{} ({}): expected {want:?}, got {got:?}", t.file, t.case),
            }
        }
    }
    assert!(papers >= 30, "{papers} sample papers");
    assert!(counted >= 10, "{counted} counted unseen");
}
