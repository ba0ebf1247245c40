//! The cast vote record export validates against the NIST SP 1500-103 JSON schema, carries each
//! box's mark metric in the original snapshot, and a modified snapshot for adjudicated papers.

use ecount_election::{Election, SecondChoice, StyleCode, Vote};
use ecount_pipeline::cvr::write_cvr_report;
use ecount_scan::{BoxClass, BoxReading, Flag, Reading, Transform, Unreadable};
use ecount_store::{
    CountStore, DecisionAction, DecisionInput, PaperInput, QueueFilter, Role, SqliteStore, Stage,
};
use serde_json::Value;
use std::path::Path;

fn repo(p: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(p)
}

fn reading(
    e: &Election,
    contest: usize,
    vote: Vote,
    marked: &[(u16, u8)],
    flags: Vec<Flag>,
) -> Reading {
    let c = &e.contests[contest];
    let style = e.styles.iter().find(|s| s.contest == contest).unwrap();
    let columns = if c.kind == ecount_election::ContestKind::SupplementaryVote {
        2
    } else {
        1
    };
    let mut boxes = Vec::new();
    for row in 0..c.options.len() as u16 {
        for column in 0..columns {
            let on = marked.contains(&(row, column));
            boxes.push(BoxReading {
                row,
                column,
                score: if on { 0.41 } else { 0.01 },
                darkness: if on { 0.8 } else { 0.0 },
                halo: 0.0,
                class: if on {
                    BoxClass::Marked
                } else {
                    BoxClass::Empty
                },
                quad: [[0.0; 2]; 4],
            });
        }
    }
    Reading {
        style: StyleCode(style.code.0),
        kind: style.kind,
        area: style.area,
        contest,
        upside_down: false,
        transform: Transform::upright(11.8),
        residual_mm: 0.05,
        boxes,
        stray_ink: Vec::new(),
        vote,
        flags,
    }
}

#[test]
fn export_validates_against_the_nist_schema() {
    let e = Election::load(repo("elections/demo.toml")).unwrap();
    let mayor = e.contests.iter().position(|c| c.id == "mayor").unwrap();
    let cons = e
        .contests
        .iter()
        .position(|c| c.id == "constituency")
        .unwrap();
    let mut store = SqliteStore::open_in_memory().unwrap();
    let paper = |n: u8, outcome| PaperInput {
        batch_id: "b1".into(),
        path: format!("b1/{n}.png"),
        sha256: format!("{n:064x}"),
        outcome,
    };
    let sv = Vote::Supplementary {
        first: 1,
        second: SecondChoice::Counted(2),
    };
    let rec = store
        .record_papers(&[
            paper(1, Ok(reading(&e, mayor, sv, &[(1, 0), (2, 1)], vec![]))),
            paper(
                2,
                Ok(reading(
                    &e,
                    cons,
                    Vote::Single { option: 0 },
                    &[(0, 0)],
                    vec![Flag::DoubtfulBox {
                        row: 1,
                        column: 0,
                        score: 0.12,
                    }],
                )),
            ),
            paper(
                3,
                Err(Unreadable::NotABallot {
                    detail: "blank".into(),
                }),
            ),
            paper(
                4,
                Err(Unreadable::CodeStripUnreadable {
                    probable_kind: None,
                }),
            ),
        ])
        .unwrap();
    let id2 = match rec[1] {
        ecount_store::Recorded::New { paper_id, .. } => paper_id,
        _ => panic!("paper 2 not new"),
    };
    let leased = store
        .lease_next(
            &e,
            "clerk1",
            Stage::Clerk,
            &QueueFilter::default(),
            1_700_000_000,
            600,
        )
        .unwrap();
    assert_eq!(leased, Some(id2));
    store
        .decide(
            &e,
            &DecisionInput {
                paper_id: id2,
                actor: "clerk1".into(),
                role: Role::Clerk,
                action: DecisionAction::Correct {
                    vote: Vote::Single { option: 1 },
                },
                area: None,
                contest: None,
                shown: serde_json::json!({}),
                note: "tick in box 2".into(),
            },
            1_700_000_000,
        )
        .unwrap();

    let mut out = Vec::new();
    let stats = write_cvr_report(&store, &e, "2026-05-08T01:02:03Z", &mut out).unwrap();
    assert_eq!(
        (stats.records, stats.adjudicated, stats.left_out),
        (3, 1, 1)
    );
    let report: Value = serde_json::from_slice(&out).unwrap();

    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo("../shared/schemas/NIST_V0_cast_vote_records.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|err| format!("{} at {}", err, err.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // The validator does look deep: a bad value inside a record is caught.
    let mut bad = report.clone();
    bad["CVR"][0]["CVRSnapshot"][0]["CVRContest"][0]["CVRContestSelection"][0]
        ["SelectionPosition"][0]["HasIndication"] = Value::String("maybe".into());
    assert!(!validator.is_valid(&bad));

    let cvrs = report["CVR"].as_array().unwrap();
    // Paper 1: original snapshot only, with the mark metric of each box and two counted votes.
    let first = &cvrs[0];
    assert_eq!(first["CurrentSnapshotId"], first["CVRSnapshot"][0]["@id"]);
    let sels = first["CVRSnapshot"][0]["CVRContest"][0]["CVRContestSelection"]
        .as_array()
        .unwrap();
    assert_eq!(sels.len(), e.contests[mayor].options.len());
    let votes: u64 = sels
        .iter()
        .flat_map(|s| s["SelectionPosition"].as_array().unwrap())
        .map(|p| p["NumberVotes"].as_u64().unwrap())
        .sum();
    assert_eq!(votes, 2);
    assert_eq!(
        sels[1]["SelectionPosition"][0]["MarkMetricValue"][0],
        "0.4100"
    );
    // Paper 2: a modified snapshot with the clerk's correction is current.
    let second = &cvrs[1];
    assert_eq!(second["CVRSnapshot"].as_array().unwrap().len(), 2);
    assert_eq!(second["CVRSnapshot"][1]["Type"], "modified");
    assert_eq!(second["CurrentSnapshotId"], second["CVRSnapshot"][1]["@id"]);
    let chosen = &second["CVRSnapshot"][1]["CVRContest"][0]["CVRContestSelection"][0];
    assert_eq!(chosen["ContestSelectionId"], "sel-constituency-fox");
    assert_eq!(second["CVRSnapshot"][0]["Status"][0], "needs-adjudication");
    // Paper 4 (no official mark, awaiting review) is there; paper 3 (not a ballot) is not.
    assert_eq!(
        cvrs[2]["CVRSnapshot"][0]["OtherStatus"],
        "code_strip_unreadable"
    );
}
