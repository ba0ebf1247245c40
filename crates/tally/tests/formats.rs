//! Declarations on a small election with ties: lots are drawn, recorded and reported in every
//! format, and the NIST report (with an independent on the list) validates.

use ecount_election::{Election, SecondChoice, Vote};
use ecount_tally::{declare, nist_election_results, Declarations, Outcome, SeatDecided, Tally};
use std::path::Path;

mod common;
use common::election;

fn sv(first: u16, second: Option<u16>) -> Vote {
    Vote::Supplementary {
        first,
        second: second.map_or(
            SecondChoice::NotCounted(ecount_election::SecondChoiceVoid::Unmarked),
            SecondChoice::Counted,
        ),
    }
}

fn add(t: &mut Tally, area: usize, contest: usize, v: Vote, n: usize) {
    for _ in 0..n {
        t.add(area, contest, &v);
    }
}

/// Mayor: A 4, B 4, C 2 (C's papers: one second for A, one for B) -> 5 : 5, a lot.
/// North constituency: n1 10, n2 10 -> a lot. South: s2 wins. List: independent leads.
fn tied(e: &Election) -> Tally {
    let mut t = Tally::new(e);
    add(&mut t, 0, 0, sv(0, Some(1)), 4);
    add(&mut t, 1, 0, sv(1, None), 4);
    add(&mut t, 1, 0, sv(2, Some(0)), 1);
    add(&mut t, 0, 0, sv(2, Some(1)), 1);
    add(&mut t, 0, 1, Vote::Single { option: 0 }, 10);
    add(&mut t, 0, 1, Vote::Single { option: 1 }, 10);
    add(&mut t, 1, 2, Vote::Single { option: 1 }, 7);
    add(&mut t, 0, 3, Vote::Single { option: 4 }, 50); // the independent
    add(&mut t, 1, 3, Vote::Single { option: 0 }, 40);
    add(&mut t, 1, 3, Vote::Single { option: 1 }, 20);
    add(
        &mut t,
        1,
        3,
        Vote::Rejected {
            head: ecount_election::RejectionHead::TooMany,
        },
        3,
    );
    t
}

#[test]
fn lots_are_drawn_recorded_and_reported() {
    let e = election();
    let d = declare(&e, &tied(&e), 7);
    let Outcome::SupplementaryVote(m) = &d.result("mayor").expect("mayor").outcome else {
        panic!("mayor")
    };
    assert_eq!(m.continuing, vec![0, 1]);
    assert_eq!(m.added, vec![1, 1, 0, 0]);
    assert!(m.by_lot);
    let Outcome::FirstPastThePost(n) = &d.result("constituency-north").expect("north").outcome
    else {
        panic!("north")
    };
    assert!(n.by_lot);
    assert_eq!(d.lots.len(), 2);
    assert_eq!(d.lots[0].contest, "mayor");
    assert_eq!(Some(d.lots[0].chosen), m.elected);
    assert_eq!(d.lots[1].tied, vec![0, 1]);
    // The same seed draws the same; the draw is repeatable from what is recorded.
    assert_eq!(declare(&e, &tied(&e), 7), d);

    let text = d.to_text();
    assert!(text.contains("(equal totals: decided by lot)"));
    assert!(text.contains("(by lot)"));
    assert!(text.contains("Lots, where needed, drawn with seed 7."));
    let csv = d.to_csv();
    assert_eq!(csv.lines().filter(|l| l.starts_with("lot,")).count(), 2);
    assert!(csv.contains("lot,,mayor,"));
}

#[test]
fn list_with_an_independent_and_turnout() {
    let e = election();
    let d = declare(&e, &tied(&e), 7);
    let Outcome::AdditionalMember(lw) = &d.result("london-wide").expect("list").outcome else {
        panic!("list")
    };
    // The independent (50) takes the first seat and no more; p1 (40, one constituency seat
    // if n1 won the lot) and p2 (20) share the rest.
    assert_eq!(lw.list_seats[4], 1);
    assert_eq!(lw.steps[0].winner, 4);
    assert_eq!(lw.steps[0].decided, SeatDecided::HighestFigure);
    assert_eq!(lw.list_seats.iter().sum::<u64>(), 5);
    // Turnout only where the electorate is known (north: 1,000; 5 Mayor papers).
    let north: Vec<_> = d.local.iter().filter(|l| l.area == 0).collect();
    assert!(north.iter().all(|l| l.electorate == Some(1000)));
    let mayor_north = north.iter().find(|l| l.contest == 0).expect("mayor north");
    assert_eq!(mayor_north.papers, 5);
    assert_eq!(mayor_north.turnout_percent, Some(0.5));
    assert!(d
        .local
        .iter()
        .filter(|l| l.area == 1)
        .all(|l| l.turnout_percent.is_none()));
    let rejected_south = d
        .local
        .iter()
        .find(|l| l.area == 1 && l.contest == 3)
        .expect("list south");
    assert_eq!(rejected_south.rejected_total, 3);
}

#[test]
fn nist_report_validates_with_lots_and_an_independent() {
    let e = election();
    let d = declare(&e, &tied(&e), 7);
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/schemas/NIST_V2_election_results_reporting.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("schema"))
            .expect("schema json");
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let doc = nist_election_results(&e, &d);
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert!(doc["Notes"]
        .as_str()
        .expect("notes")
        .contains("Lot drawn in mayor"));
    // An empty count validates too, and elects nobody.
    let empty = declare(&e, &Tally::new(&e), 0);
    let doc = nist_election_results(&e, &empty);
    assert!(validator.is_valid(&doc));
    assert!(empty.lots.is_empty());
    let back: Declarations = serde_json::from_value(d.to_json()).expect("round trip");
    assert_eq!(back, d);
}
