//! Real scanner output of other jurisdictions' papers: each is set aside with a named outcome,
//! never read as a vote.

use ecount_election::Election;
use std::path::Path;

#[test]
fn foreign_ballots_are_set_aside() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let election = Election::load(root.join("elections/gla-2016.toml")).unwrap();
    let dir = root.join("../shared/data/foreign-ballots");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("shared foreign ballots") {
        let path = entry.unwrap().path();
        if !matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("jpg" | "png")
        ) {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        match ecount_scan::read_ballot(&bytes, &election) {
            Ok(r) => panic!("{} read as a ballot: {:?}", path.display(), r.vote),
            Err(why) => {
                println!("{}: {} ({why})", path.display(), why.name());
                assert!(
                    !why.wants_official_mark_review(),
                    "{}: a foreign paper is not a paper of this specification: {why}",
                    path.display()
                );
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 4);
}
