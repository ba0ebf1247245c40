//! The store's promises: exactly-once per content hash, duplicates, resume after kill -9,
//! leases, decisions replacing (not editing) earlier effects, and a tamper-evident audit log.

use ecount_election::{
    Election, PaperKind, RejectionHead, SecondChoice, SecondChoiceVoid, StyleCode, Vote,
};
use ecount_scan::{Flag, Outcome, Reading, Transform, Unreadable};
use ecount_store::*;
use serde_json::json;
use std::path::PathBuf;

fn election() -> Election {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../elections/demo.toml");
    Election::load(p).expect("demo election")
}

fn style_of(e: &Election, kind: PaperKind) -> (StyleCode, usize, usize) {
    let s = e.styles.iter().find(|s| s.kind == kind).expect("style");
    (s.code, s.area, s.contest)
}

fn reading(e: &Election, kind: PaperKind, vote: Vote, flags: Vec<Flag>) -> Outcome {
    let (style, area, contest) = style_of(e, kind);
    Ok(Reading {
        style,
        kind,
        area,
        contest,
        upside_down: false,
        transform: Transform::upright(10.0),
        residual_mm: 0.1,
        boxes: Vec::new(),
        stray_ink: Vec::new(),
        vote,
        flags,
    })
}

fn single(o: u16) -> Vote {
    Vote::Single { option: o }
}

fn doubtful() -> Vec<Flag> {
    // A score whose f64 text does not parse back to the same digits without serde_json's
    // float_roundtrip: the audit entry holding it must still verify.
    vec![Flag::DoubtfulBox {
        row: 0,
        column: 0,
        score: 0.003_312_629_4,
    }]
}

fn input(batch: &str, name: &str, outcome: Outcome) -> PaperInput {
    PaperInput {
        batch_id: batch.into(),
        path: format!("/scans/{batch}/{name}"),
        // Content hash stands for the bytes: the same name means the same bytes here.
        sha256: format!("{:064x}", fxhash(name)),
        outcome,
    }
}

fn fxhash(s: &str) -> u128 {
    s.bytes().fold(0xcbf29ce484222325u128, |h, b| {
        (h ^ u128::from(b)).wrapping_mul(0x100000001b3)
    })
}

fn batch(store: &mut SqliteStore, id: &str) {
    store
        .begin_batch(&BatchInfo {
            batch_id: id.into(),
            folder: format!("/scans/{id}"),
            area: Some("riverside".into()),
            manifest: None,
        })
        .unwrap();
}

/// A mixed slice: counted, flagged, set aside, and a paper wanting an official mark.
fn mixed(e: &Election, batch: &str, n: usize) -> Vec<PaperInput> {
    (0..n)
        .map(|i| {
            let name = format!("p{i:04}.png");
            let outcome = match i % 5 {
                0 | 1 => reading(e, PaperKind::Constituency, single((i % 3) as u16), vec![]),
                2 => reading(
                    e,
                    PaperKind::Mayor,
                    Vote::Supplementary {
                        first: 1,
                        second: SecondChoice::NotCounted(SecondChoiceVoid::Unmarked),
                    },
                    doubtful(),
                ),
                3 => Err(Unreadable::NotABallot {
                    detail: "blank".into(),
                }),
                _ => Err(Unreadable::CodeStripUnreadable {
                    probable_kind: Some(PaperKind::Constituency),
                }),
            };
            input(batch, &name, outcome)
        })
        .collect()
}

#[test]
fn each_paper_is_recorded_once_and_duplicates_are_reported() {
    let e = election();
    let mut s = SqliteStore::open_in_memory().unwrap();
    batch(&mut s, "b1");
    let papers = mixed(&e, "b1", 10);
    let first = s.record_papers(&papers).unwrap();
    let statuses: Vec<_> = first
        .iter()
        .map(|r| match r {
            Recorded::New { status, .. } => *status,
            other => panic!("fresh store recorded {other:?}"),
        })
        .collect();
    assert_eq!(statuses[0], PaperStatus::Counted);
    assert_eq!(statuses[2], PaperStatus::AwaitingReview);
    assert_eq!(statuses[3], PaperStatus::SetAside);
    assert_eq!(statuses[4], PaperStatus::AwaitingReview);
    let tally1 = s.tally(&e).unwrap();

    // Scanning the same folder again adds nothing and reports no duplicate images.
    let again = s.record_papers(&papers).unwrap();
    for (r, p) in again.iter().zip(&papers) {
        assert_eq!(
            r,
            &Recorded::Duplicate {
                first_path: p.path.clone()
            }
        );
    }
    assert_eq!(s.tally(&e).unwrap(), tally1);
    assert_eq!(s.known_hashes().unwrap().len(), 10);
    assert_eq!(s.batches().unwrap()[0].duplicates, 0);

    // The same bytes under another name (a double feed) are a duplicate image, once.
    let mut dup = papers[0].clone();
    dup.path = "/scans/b2/copy.png".into();
    dup.batch_id = "b2".into();
    for _ in 0..2 {
        let r = s.record_papers(std::slice::from_ref(&dup)).unwrap();
        assert_eq!(
            r,
            vec![Recorded::Duplicate {
                first_path: papers[0].path.clone()
            }]
        );
    }
    let b2 = s
        .batches()
        .unwrap()
        .into_iter()
        .find(|b| b.batch_id == "b2")
        .expect("b2 created on the fly");
    assert_eq!((b2.found, b2.duplicates), (0, 1));
    assert_eq!(s.tally(&e).unwrap(), tally1);

    // Two identical images in one slice: the second is the duplicate.
    let mut twin = input(
        "b1",
        "twin.png",
        reading(&e, PaperKind::Constituency, single(2), vec![]),
    );
    let r = s
        .record_papers(&[twin.clone(), {
            twin.path = "/scans/b1/twin-again.png".into();
            twin
        }])
        .unwrap();
    assert!(matches!(r[0], Recorded::New { .. }));
    assert!(
        matches!(&r[1], Recorded::Duplicate { first_path } if first_path.ends_with("twin.png"))
    );

    // Tally: constituency papers 0,1,5,6 of 10 counted unseen, plus the twin.
    let (_, area, contest) = style_of(&e, PaperKind::Constituency);
    assert_eq!(s.tally(&e).unwrap().papers(area, contest), 5);
    let p = &s.progress(&e).unwrap()[area];
    assert_eq!(
        (
            p.scanned,
            p.read,
            p.counted,
            p.awaiting_review,
            p.set_aside,
            p.duplicates
        ),
        (11, 7, 5, 4, 2, 1)
    );
}

#[test]
fn reopening_a_file_store_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("count.db");
    let e = election();
    let tally = {
        let mut s = SqliteStore::open(&db).unwrap();
        batch(&mut s, "b1");
        s.record_papers(&mixed(&e, "b1", 20)).unwrap();
        s.tally(&e).unwrap()
    };
    let s = SqliteStore::open(&db).unwrap();
    assert_eq!(s.tally(&e).unwrap(), tally);
    assert_eq!(s.known_hashes().unwrap().len(), 20);
    let mut n = 0;
    s.for_each_paper(&mut |_| n += 1).unwrap();
    assert_eq!(n, 20);
}

/// Child half of the kill -9 test: records slices until killed.
#[test]
fn child_records_until_killed() {
    let Ok(db) = std::env::var("ECOUNT_STORE_KILL_CHILD_DB") else {
        return; // only runs when the kill test starts it
    };
    let e = election();
    let mut s = SqliteStore::open(std::path::Path::new(&db)).unwrap();
    batch(&mut s, "b1");
    let papers = mixed(&e, "b1", 400);
    for slice in papers.chunks(7) {
        s.record_papers(slice).unwrap();
    }
    // Finished before the kill: wait to be killed so the parent's kill is real.
    std::thread::sleep(std::time::Duration::from_secs(60));
}

fn snapshot(s: &SqliteStore) -> Vec<(String, String, PaperStatus)> {
    let mut v = Vec::new();
    s.for_each_paper(&mut |p| v.push((p.sha256.clone(), p.path.clone(), p.status)))
        .unwrap();
    v.sort();
    v
}

#[test]
fn kill_nine_then_resume_gives_the_uninterrupted_result() {
    let e = election();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("killed.db");
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_records_until_killed", "--nocapture"])
        .env("ECOUNT_STORE_KILL_CHILD_DB", &db)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill once some slices are in, mid-run (std's kill is SIGKILL on Unix).
    loop {
        if let Ok(s) = SqliteStore::open(&db) {
            if s.known_hashes().map(|h| h.len()).unwrap_or(0) >= 50 {
                break;
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();

    // Resume: skip what the store knows, record the rest; then record everything once more.
    let mut s = SqliteStore::open(&db).unwrap();
    let known = s.known_hashes().unwrap();
    assert!(!known.is_empty());
    batch(&mut s, "b1");
    let papers = mixed(&e, "b1", 400);
    let rest: Vec<_> = papers
        .iter()
        .filter(|p| !known.contains(&p.sha256))
        .cloned()
        .collect();
    for slice in rest.chunks(7) {
        s.record_papers(slice).unwrap();
    }
    s.record_papers(&papers).unwrap();

    let mut clean = SqliteStore::open_in_memory().unwrap();
    batch(&mut clean, "b1");
    clean.record_papers(&papers).unwrap();
    assert_eq!(snapshot(&s), snapshot(&clean));
    assert_eq!(s.tally(&e).unwrap(), clean.tally(&e).unwrap());
    assert_eq!(
        s.queue(Stage::Clerk).unwrap().len(),
        clean.queue(Stage::Clerk).unwrap().len()
    );
}

fn decision(paper_id: i64, actor: &str, role: Role, action: DecisionAction) -> DecisionInput {
    DecisionInput {
        paper_id,
        actor: actor.into(),
        role,
        action,
        area: None,
        contest: None,
        shown: json!({"page": "test"}),
        note: String::new(),
    }
}

fn flagged_store(e: &Election, n: usize) -> SqliteStore {
    let mut s = SqliteStore::open_in_memory().unwrap();
    batch(&mut s, "b1");
    let papers: Vec<_> = (0..n)
        .map(|i| {
            input(
                "b1",
                &format!("f{i}.png"),
                reading(e, PaperKind::Constituency, single(0), doubtful()),
            )
        })
        .collect();
    s.record_papers(&papers).unwrap();
    s
}

#[test]
fn leases_give_each_paper_to_one_clerk_and_expired_ones_return() {
    let e = election();
    let mut s = flagged_store(&e, 2);
    let all = QueueFilter::default();
    let a = s
        .lease_next(&e, "alice", Stage::Clerk, &all, 1000, 300)
        .unwrap();
    let b = s
        .lease_next(&e, "bob", Stage::Clerk, &all, 1001, 300)
        .unwrap();
    assert!(a.is_some() && b.is_some() && a != b);
    // Asking again gives the same paper; a third clerk finds nothing free.
    assert_eq!(
        s.lease_next(&e, "alice", Stage::Clerk, &all, 1002, 300)
            .unwrap(),
        a
    );
    assert_eq!(
        s.lease_next(&e, "carol", Stage::Clerk, &all, 1003, 300)
            .unwrap(),
        None
    );
    // Alice walks away; after expiry Carol gets her paper, and Alice can no longer decide it.
    assert_eq!(
        s.lease_next(&e, "carol", Stage::Clerk, &all, 1303, 300)
            .unwrap(),
        a
    );
    let a = a.unwrap();
    let err = s
        .decide(
            &e,
            &decision(a, "alice", Role::Clerk, DecisionAction::Accept),
            1304,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err}");
    s.decide(
        &e,
        &decision(a, "carol", Role::Clerk, DecisionAction::Accept),
        1305,
    )
    .unwrap();
    // A released lease returns at once.
    let b = b.unwrap();
    s.release_lease(b, "bob").unwrap();
    assert_eq!(
        s.lease_next(&e, "carol", Stage::Clerk, &all, 1306, 300)
            .unwrap(),
        Some(b)
    );
    // Filters: no paper of another area.
    let other = QueueFilter {
        areas: Some(vec![99]),
    };
    assert_eq!(
        s.lease_next(&e, "dave", Stage::Clerk, &other, 1307, 300)
            .unwrap(),
        None
    );
}

#[test]
fn decisions_count_once_and_a_second_replaces_the_first() {
    let e = election();
    let mut s = flagged_store(&e, 1);
    let (_, area, contest) = style_of(&e, PaperKind::Constituency);
    let all = QueueFilter::default();
    assert_eq!(s.tally(&e).unwrap().papers(area, contest), 0);
    let id = s
        .lease_next(&e, "alice", Stage::Clerk, &all, 10, 60)
        .unwrap()
        .unwrap();
    let r = s
        .decide(
            &e,
            &decision(
                id,
                "alice",
                Role::Clerk,
                DecisionAction::Correct { vote: single(2) },
            ),
            11,
        )
        .unwrap();
    assert!(r.is_final);
    assert_eq!(r.status, PaperStatus::Adjudicated);
    let t = s.tally(&e).unwrap();
    assert_eq!(t.papers(area, contest), 1);
    assert_eq!(
        ecount_tally::shares(&t, area, contest)
            .iter()
            .map(|x| x.1)
            .sum::<u64>(),
        1
    );
    // A clerk cannot decide it again; the CRO can, and that replaces the effect.
    assert!(s
        .decide(
            &e,
            &decision(id, "alice", Role::Clerk, DecisionAction::Accept),
            12
        )
        .is_err());
    let err = s
        .decide(
            &e,
            &decision(
                id,
                "alice",
                Role::Clerk,
                DecisionAction::Redecide { vote: single(1) },
            ),
            12,
        )
        .unwrap_err();
    assert!(matches!(err, StoreError::Forbidden(_)));
    s.decide(
        &e,
        &decision(
            id,
            "cro",
            Role::Cro,
            DecisionAction::Redecide { vote: single(1) },
        ),
        13,
    )
    .unwrap();
    let t2 = s.tally(&e).unwrap();
    assert_eq!(t2.papers(area, contest), 1);
    let mut expected = ecount_tally::Tally::new(&e);
    expected.add(area, contest, &single(1));
    assert_eq!(t2, expected);
    let p = s.paper(id).unwrap();
    assert_eq!(p.decisions.len(), 2);
    assert_eq!(
        p.decisions[0].vote,
        single(2),
        "the first decision is kept, not edited"
    );
    assert_eq!(p.current().unwrap().vote, single(1));
    let report = s.verify_audit().unwrap();
    assert!(report.ok(), "{:?}", report.problems);
    assert_eq!((report.entries, report.decisions_checked), (2, 2));
    // Invalid votes are refused.
    assert!(matches!(
        s.decide(
            &e,
            &decision(
                id,
                "cro",
                Role::Cro,
                DecisionAction::Redecide { vote: single(9) }
            ),
            14
        ),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn proposed_rejections_go_to_the_cro() {
    let e = election();
    let mut s = flagged_store(&e, 2);
    let (_, area, contest) = style_of(&e, PaperKind::Constituency);
    let all = QueueFilter::default();
    let id = s
        .lease_next(&e, "alice", Stage::Clerk, &all, 10, 60)
        .unwrap()
        .unwrap();
    let r = s
        .decide(
            &e,
            &decision(
                id,
                "alice",
                Role::Clerk,
                DecisionAction::ProposeRejection {
                    head: RejectionHead::Uncertain,
                },
            ),
            11,
        )
        .unwrap();
    assert_eq!((r.status, r.is_final), (PaperStatus::AwaitingCro, false));
    assert_eq!(s.tally(&e).unwrap().papers(area, contest), 0);
    let cq = s.queue(Stage::Cro).unwrap();
    assert_eq!(cq.len(), 1);
    assert_eq!(
        cq[0].proposal.as_ref().unwrap().vote,
        Vote::Rejected {
            head: RejectionHead::Uncertain
        }
    );
    // A clerk cannot confirm.
    assert!(matches!(
        s.decide(
            &e,
            &decision(id, "alice", Role::Clerk, DecisionAction::CroConfirm),
            12
        ),
        Err(StoreError::Forbidden(_))
    ));
    s.decide(
        &e,
        &decision(id, "cro", Role::Cro, DecisionAction::CroConfirm),
        13,
    )
    .unwrap();
    assert_eq!(s.tally(&e).unwrap().papers(area, contest), 1);
    assert!(s.queue(Stage::Cro).unwrap().is_empty());

    // The other paper: proposed, then overturned with votes.
    let id2 = s
        .lease_next(&e, "bob", Stage::Clerk, &all, 20, 60)
        .unwrap()
        .unwrap();
    s.decide(
        &e,
        &decision(
            id2,
            "bob",
            Role::Clerk,
            DecisionAction::ProposeRejection {
                head: RejectionHead::IdentifyingMark,
            },
        ),
        21,
    )
    .unwrap();
    s.decide(
        &e,
        &decision(
            id2,
            "cro",
            Role::Cro,
            DecisionAction::CroOverturn { vote: single(2) },
        ),
        22,
    )
    .unwrap();
    let t = s.tally(&e).unwrap();
    let mut expected = ecount_tally::Tally::new(&e);
    expected.add(
        area,
        contest,
        &Vote::Rejected {
            head: RejectionHead::Uncertain,
        },
    );
    expected.add(area, contest, &single(2));
    assert_eq!(t, expected);
}

#[test]
fn a_paper_without_a_style_is_decided_for_a_named_contest() {
    let e = election();
    let mut s = SqliteStore::open_in_memory().unwrap();
    batch(&mut s, "b1");
    let woom = Err(Unreadable::CodeStripUnreadable {
        probable_kind: Some(PaperKind::Constituency),
    });
    let genuine = Err(Unreadable::StyleUnknown { code: 0x0263 });
    s.record_papers(&[input("b1", "w1.png", woom), input("b1", "w2.png", genuine)])
        .unwrap();
    let all = QueueFilter {
        areas: Some(vec![0]),
    };
    let id = s
        .lease_next(&e, "alice", Stage::Clerk, &all, 10, 60)
        .unwrap()
        .unwrap();
    let detail = s.paper(id).unwrap();
    let (area, contest) = default_area_contest(&e, &detail).unwrap();
    assert_eq!(
        e.contests[contest].kind.paper_kind(),
        PaperKind::Constituency
    );
    // Without naming the contest the decision is refused.
    assert!(matches!(
        s.decide(
            &e,
            &decision(id, "alice", Role::Clerk, DecisionAction::Accept),
            11
        ),
        Err(StoreError::Invalid(_))
    ));
    let mut d = decision(id, "alice", Role::Clerk, DecisionAction::Accept);
    d.area = Some(area);
    d.contest = Some(contest);
    let r = s.decide(&e, &d, 11).unwrap();
    assert_eq!(
        r.vote,
        Vote::Rejected {
            head: RejectionHead::WantOfOfficialMark
        }
    );
    assert_eq!(r.status, PaperStatus::AwaitingCro);
    s.decide(
        &e,
        &decision(id, "cro", Role::Cro, DecisionAction::CroConfirm),
        12,
    )
    .unwrap();
    // The second is identified by the clerk as a genuine paper, with its vote.
    let id2 = s
        .lease_next(&e, "alice", Stage::Clerk, &all, 20, 60)
        .unwrap()
        .unwrap();
    let mut d = decision(
        id2,
        "alice",
        Role::Clerk,
        DecisionAction::Correct { vote: single(1) },
    );
    d.area = Some(area);
    d.contest = Some(contest);
    s.decide(&e, &d, 21).unwrap();
    let mut expected = ecount_tally::Tally::new(&e);
    expected.add(
        area,
        contest,
        &Vote::Rejected {
            head: RejectionHead::WantOfOfficialMark,
        },
    );
    expected.add(area, contest, &single(1));
    assert_eq!(s.tally(&e).unwrap(), expected);
}

/// A store with a few decisions and events, on disk so it can be copied and tampered with.
fn audited_store(dir: &std::path::Path) -> PathBuf {
    let e = election();
    let db = dir.join("audit.db");
    let mut s = SqliteStore::open(&db).unwrap();
    s.add_user(
        &NewUser {
            name: "alice".into(),
            role: Role::Clerk,
            password_hash: "x".into(),
        },
        1,
    )
    .unwrap();
    batch(&mut s, "b1");
    let papers: Vec<_> = (0..3)
        .map(|i| {
            input(
                "b1",
                &format!("a{i}.png"),
                reading(&e, PaperKind::Constituency, single(0), doubtful()),
            )
        })
        .collect();
    s.record_papers(&papers).unwrap();
    for t in 0..3 {
        let id = s
            .lease_next(
                &e,
                "alice",
                Stage::Clerk,
                &QueueFilter::default(),
                10 + t,
                60,
            )
            .unwrap()
            .unwrap();
        s.decide(
            &e,
            &decision(id, "alice", Role::Clerk, DecisionAction::Accept),
            10 + t,
        )
        .unwrap();
    }
    s.audit_event("alice", "sign_in", json!({}), 20).unwrap();
    assert!(s.verify_audit().unwrap().ok());
    db
}

fn tampered(sql: &str) -> AuditReport {
    let dir = tempfile::tempdir().unwrap();
    let db = audited_store(dir.path());
    let s = SqliteStore::open(&db).unwrap();
    s.connection().execute_batch(sql).unwrap();
    s.verify_audit().unwrap()
}

#[test]
fn audit_chain_detects_edits_inserts_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let db = audited_store(dir.path());
    let s = SqliteStore::open(&db).unwrap();
    let r = s.verify_audit().unwrap();
    assert!(r.ok(), "{:?}", r.problems);
    assert_eq!(r.entries, 5);
    let entry3: String = s
        .connection()
        .query_row("SELECT entry FROM audit_log WHERE seq = 3", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(entry3.contains("\"option\":0"));

    let cases = [
        // Edit the decided vote inside an entry.
        "UPDATE audit_log SET entry = REPLACE(entry, '\"option\":0', '\"option\":1') WHERE seq = 3",
        // Edit a row's column outside the hashed text.
        "UPDATE audit_log SET actor = 'mallory' WHERE seq = 2",
        // Delete an entry from the middle, and from the end.
        "DELETE FROM audit_log WHERE seq = 3",
        "DELETE FROM audit_log WHERE seq = 5",
        // Insert an entry at the end, and one renumbered into the middle.
        "INSERT INTO audit_log VALUES (6, 30, 'mallory', 'sign_in', NULL, '{}', 'x', 'y')",
        "UPDATE audit_log SET seq = seq + 100 WHERE seq >= 3;
         UPDATE audit_log SET seq = seq - 99 WHERE seq >= 100;
         INSERT INTO audit_log SELECT 3, at, actor, action, paper_id, entry, prev_hash, hash
           FROM audit_log WHERE seq = 2",
        // Edit or delete a decision row behind the log's back.
        "UPDATE decisions SET vote = '{\"type\":\"single\",\"option\":2}' WHERE id = 1",
        "DELETE FROM decisions WHERE id = 2",
    ];
    for sql in cases {
        let r = tampered(sql);
        assert!(!r.ok(), "not detected: {sql}");
    }
}

#[test]
fn users_and_sessions() {
    let mut s = SqliteStore::open_in_memory().unwrap();
    let u = NewUser {
        name: "cro1".into(),
        role: Role::Cro,
        password_hash: "$argon2id$stub".into(),
    };
    s.add_user(&u, 5).unwrap();
    assert!(matches!(s.add_user(&u, 6), Err(StoreError::Conflict(_))));
    let got = s.user("cro1").unwrap().unwrap();
    assert_eq!(
        (got.role, got.password_hash.as_str()),
        (Role::Cro, "$argon2id$stub")
    );
    assert!(s.user("nobody").unwrap().is_none());
    let sess = SessionRow {
        token_hash: "h".into(),
        user_name: "cro1".into(),
        csrf: "c".into(),
        created_at: 10,
        expires_at: 100,
    };
    s.create_session(&sess).unwrap();
    assert_eq!(s.session("h", 50).unwrap(), Some(sess));
    assert_eq!(s.session("h", 100).unwrap(), None, "expired");
    s.delete_session("h").unwrap();
    assert_eq!(s.session("h", 50).unwrap(), None);
    assert_eq!(s.users().unwrap().len(), 1);
}
