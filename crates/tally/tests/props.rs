//! Property tests of the tally and the rules.

use ecount_election::{Election, RejectionHead, SecondChoice, SecondChoiceVoid, Vote};
use ecount_tally::rules::{london_members, supplementary_vote, Lots};
use ecount_tally::{declare, Outcome, Tally};
use proptest::prelude::*;

mod common;
use common::election;

type Paper = (usize, usize, Vote);

fn head() -> impl Strategy<Value = RejectionHead> {
    prop::sample::select(RejectionHead::ALL.to_vec())
}

fn vote_for(contest: usize) -> BoxedStrategy<Vote> {
    let n: u16 = match contest {
        0 => 4,
        1 | 2 => 3,
        _ => 5,
    };
    if contest == 0 {
        let second = prop_oneof![
            4 => (0..n).prop_map(SecondChoice::Counted),
            1 => prop::sample::select(SecondChoiceVoid::ALL.to_vec()).prop_map(SecondChoice::NotCounted),
        ];
        prop_oneof![
            9 => (0..n, second).prop_map(|(first, second)| Vote::Supplementary { first, second }),
            1 => head().prop_map(|head| Vote::Rejected { head }),
        ]
        .boxed()
    } else {
        prop_oneof![
            9 => (0..n).prop_map(|option| Vote::Single { option }),
            1 => head().prop_map(|head| Vote::Rejected { head }),
        ]
        .boxed()
    }
}

/// A paper for a contest voted on in its area.
fn paper() -> impl Strategy<Value = Paper> {
    (0usize..2, 0usize..3).prop_flat_map(|(area, which)| {
        let contest = match which {
            0 => 0,
            1 => 1 + area, // the area's own constituency
            _ => 3,
        };
        vote_for(contest).prop_map(move |v| (area, contest, v))
    })
}

fn tally_of(e: &Election, papers: &[Paper]) -> Tally {
    let mut t = Tally::new(e);
    for (a, c, v) in papers {
        t.add(*a, *c, v);
    }
    t
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn merge_is_associative_and_order_independent(
        a in prop::collection::vec(paper(), 0..60),
        b in prop::collection::vec(paper(), 0..60),
        c in prop::collection::vec(paper(), 0..60),
    ) {
        let e = election();
        let (ta, tb, tc) = (tally_of(&e, &a), tally_of(&e, &b), tally_of(&e, &c));
        let mut left = ta.clone();
        left.merge(&tb);
        left.merge(&tc);
        let mut bc = tb.clone();
        bc.merge(&tc);
        let mut right = ta.clone();
        right.merge(&bc);
        let mut reversed = tc.clone();
        reversed.merge(&tb);
        reversed.merge(&ta);
        let all: Vec<Paper> = a.iter().chain(&b).chain(&c).cloned().collect();
        let one = tally_of(&e, &all);
        prop_assert_eq!(&left, &one);
        prop_assert_eq!(&right, &one);
        prop_assert_eq!(&reversed, &one);
        let papers: u64 = (0..2).flat_map(|ar| (0..4).map(move |co| (ar, co))).map(|(ar, co)| one.papers(ar, co)).sum();
        prop_assert_eq!(papers, all.len() as u64);
    }

    #[test]
    fn remove_undoes_add_even_across_partial_tallies(
        keep in prop::collection::vec(paper(), 0..60),
        undo in prop::collection::vec(paper(), 0..30),
    ) {
        let e = election();
        let mut t = tally_of(&e, &keep);
        let before = t.clone();
        for (a, c, v) in &undo { t.add(*a, *c, v); }
        for (a, c, v) in undo.iter().rev() { t.remove(*a, *c, v); }
        prop_assert_eq!(&t, &before);
        // A removal recorded in another partial tally (an adjudication at another desk).
        let mut adds = tally_of(&e, &keep);
        for (a, c, v) in &undo { adds.add(*a, *c, v); }
        let mut removals = Tally::new(&e);
        for (a, c, v) in &undo { removals.remove(*a, *c, v); }
        prop_assert!(undo.is_empty() || !removals.is_consistent());
        adds.merge(&removals);
        prop_assert_eq!(&adds, &before);
        prop_assert!(adds.is_consistent());
    }

    #[test]
    fn permuting_ballots_never_changes_a_result(
        (papers, shuffled) in prop::collection::vec(paper(), 0..150)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
        seed in any::<u64>(),
    ) {
        let e = election();
        let d1 = declare(&e, &tally_of(&e, &papers), seed);
        let d2 = declare(&e, &tally_of(&e, &shuffled), seed);
        prop_assert_eq!(d1, d2);
    }

    #[test]
    fn supplementary_vote_equals_brute_force(
        n in 2usize..6,
        raw in prop::collection::vec((0usize..6, 0usize..7), 1..40),
        seed in any::<u64>(),
    ) {
        // Each ballot: a first choice and a second choice (or none when out of range).
        let ballots: Vec<(usize, Option<usize>)> = raw
            .iter()
            .map(|&(f, s)| (f % n, (s < n && s != f % n).then_some(s)))
            .collect();
        let mut first = vec![0u64; n];
        let mut matrix = vec![0u64; n * n];
        for &(f, s) in &ballots {
            first[f] += 1;
            if let Some(s) = s { matrix[f * n + s] += 1; }
        }
        let mut lots = Lots::new(seed);
        let got = supplementary_vote(&first, &matrix, &mut lots, 0, "mayor");

        // Brute force, straight from the words of Sch. 2 para 4.
        let valid = ballots.len() as u64;
        let outright = (0..n).find(|&c| 2 * first[c] > valid);
        if let Some(w) = outright {
            prop_assert!(got.elected_outright);
            prop_assert_eq!(got.elected, Some(w));
            return Ok(());
        }
        // A candidate stays in unless two or more others have strictly more first choices.
        let stays: Vec<usize> = (0..n)
            .filter(|&c| (0..n).filter(|&d| first[d] > first[c]).count() < 2)
            .collect();
        let mut totals = first.clone();
        for &(f, s) in &ballots {
            if let Some(s) = s {
                if !stays.contains(&f) && stays.contains(&s) { totals[s] += 1; }
            }
        }
        prop_assert!(!got.elected_outright);
        prop_assert_eq!(&got.continuing, &stays);
        for &c in &stays { prop_assert_eq!(got.totals[c], totals[c]); }
        let best = stays.iter().map(|&c| totals[c]).max().unwrap_or(0);
        let top: Vec<usize> = stays.iter().copied().filter(|&c| totals[c] == best).collect();
        let w = got.elected.expect("somebody elected");
        prop_assert!(top.contains(&w));
        prop_assert_eq!(got.by_lot, top.len() > 1);
        prop_assert_eq!(lots.draws.len(), usize::from(top.len() > 1));
    }

    #[test]
    fn dhondt_invariants(
        votes in prop::collection::vec(0u64..5000, 2..8),
        ind_mask in any::<u8>(),
        cons_raw in prop::collection::vec(0u64..4, 8),
        seats in 1u32..15,
        seed in any::<u64>(),
    ) {
        let n = votes.len();
        let independent: Vec<bool> = (0..n).map(|i| ind_mask & (1 << i) != 0).collect();
        let cons: Vec<u64> = (0..n).map(|i| if independent[i] { 0 } else { cons_raw[i] }).collect();
        let mut lots = Lots::new(seed);
        let r = london_members(&votes, &independent, &cons, seats, 5.0, &mut lots, 0, "lw");
        let total: u64 = votes.iter().sum();
        // Every seat filled unless nobody qualifies any more.
        prop_assert_eq!(r.list_seats.iter().sum::<u64>() + u64::from(r.unfilled), u64::from(seats));
        for i in 0..n {
            // Below the threshold: no seat.
            if votes[i] * 100 < 5 * total { prop_assert_eq!(r.list_seats[i], 0); prop_assert!(!r.qualifies[i]); }
            if independent[i] { prop_assert!(r.list_seats[i] <= 1); }
        }
        let mut last = f64::INFINITY;
        for s in &r.steps {
            let w = s.figures[s.winner].expect("winner had a figure").value();
            // The winner held the highest figure; the winning figures never rise.
            for f in s.figures.iter().flatten() { prop_assert!(f.value() <= w); }
            prop_assert!(w <= last);
            last = w;
        }
        // Highest averages: a party that won a list seat deserved it over every other party.
        for a in 0..n {
            if independent[a] || r.list_seats[a] == 0 { continue; }
            for b in 0..n {
                if b == a || independent[b] || !r.qualifies[b] { continue; }
                let fa = votes[a] as f64 / (cons[a] + r.list_seats[a]) as f64;
                let fb = votes[b] as f64 / (cons[b] + r.list_seats[b] + 1) as f64;
                prop_assert!(fa >= fb - 1e-9, "party {} at {} vs {} at {}", a, fa, b, fb);
            }
        }
        // Lots only when figures were equal after recalculation.
        prop_assert_eq!(lots.draws.len(), r.steps.iter().filter(|s| s.decided == ecount_tally::SeatDecided::Lot).count());
    }

    #[test]
    fn dhondt_equals_a_naive_count_when_there_are_no_ties(
        votes in prop::collection::vec(0u64..100_000, 2..9),
        ind_mask in any::<u8>(),
        cons_raw in prop::collection::vec(0u64..6, 9),
        seats in 1u32..20,
    ) {
        let n = votes.len();
        let independent: Vec<bool> = (0..n).map(|i| ind_mask & (1 << i) != 0 && i % 3 == 0).collect();
        let cons: Vec<u64> = (0..n).map(|i| if independent[i] { 0 } else { cons_raw[i] }).collect();
        let mut lots = Lots::new(0);
        let r = london_members(&votes, &independent, &cons, seats, 5.0, &mut lots, 0, "lw");
        prop_assume!(r.steps.iter().all(|s| s.tied.len() == 1));
        // Naive: floating-point figures, seat by seat.
        let total: u64 = votes.iter().sum();
        let mut won = vec![0u64; n];
        for _ in 0..seats {
            let mut best: Option<(f64, usize)> = None;
            for i in 0..n {
                if votes[i] == 0 || votes[i] * 100 < 5 * total { continue; }
                if independent[i] && won[i] > 0 { continue; }
                let f = if independent[i] { votes[i] as f64 } else { votes[i] as f64 / (cons[i] + won[i] + 1) as f64 };
                if best.is_none_or(|(b, _)| f > b) { best = Some((f, i)); }
            }
            match best { Some((_, i)) => won[i] += 1, None => break }
        }
        prop_assert_eq!(&r.list_seats, &won);
    }

    #[test]
    fn declaration_matches_the_rules_on_random_elections(
        papers in prop::collection::vec(paper(), 0..200),
        seed in any::<u64>(),
    ) {
        let e = election();
        let t = tally_of(&e, &papers);
        let d = declare(&e, &t, seed);
        // Every local statement adds up.
        for l in &d.local {
            prop_assert_eq!(l.valid + l.rejected_total, l.papers);
            prop_assert_eq!(l.papers, t.papers(l.area, l.contest));
        }
        // The list's constituency seats are the parties of the constituency winners.
        let lw = d.result("london-wide").expect("list");
        let Outcome::AdditionalMember(r) = &lw.outcome else { panic!("list outcome") };
        let mut expect = vec![0u64; 5];
        for id in ["constituency-north", "constituency-south"] {
            let c = e.contest_index(id).expect("contest");
            let Outcome::FirstPastThePost(f) = &d.result(id).expect("fptp").outcome else { panic!("fptp") };
            if let Some(p) = f.elected.and_then(|w| e.contests[c].options[w].party) { expect[p] += 1; }
        }
        prop_assert_eq!(&r.constituency_seats, &expect);
        // Every lot drawn is reported, and chosen among the tied.
        for l in &d.lots { prop_assert!(l.tied.contains(&l.chosen)); }
    }
}

#[test]
fn misfit_votes_are_counted_apart_not_lost() {
    let e = election();
    let mut t = Tally::new(&e);
    t.add(0, 0, &Vote::Single { option: 1 }); // a one-mark vote for the Mayor
    t.add(0, 2, &Vote::Single { option: 0 }); // south's constituency, in the north
    t.add(0, 1, &Vote::Single { option: 9 }); // no such option
    t.add(
        7,
        0,
        &Vote::Rejected {
            head: RejectionHead::Unmarked,
        },
    ); // no such area
    assert_eq!(t.misfits(), 4);
    assert_eq!(t.papers(0, 0), 0);
    let d = declare(&e, &t, 0);
    assert!(d.warnings.iter().any(|w| w.contains("4 vote(s)")));
}

#[test]
fn a_second_choice_for_the_first_choice_is_not_counted() {
    let e = election();
    let mut t = Tally::new(&e);
    let v = Vote::Supplementary {
        first: 2,
        second: SecondChoice::Counted(2),
    };
    t.add(1, 0, &v);
    let c = t.cell(1, 0).expect("cell");
    assert_eq!(c.second_choices(), vec![0; 4]);
    assert_eq!(c.not_counted_by_reason()[3], 1);
    t.remove(1, 0, &v);
    assert_eq!(t, Tally::new(&e));
}

#[test]
fn a_malformed_stored_tally_never_panics() {
    let e = election();
    let mut json = serde_json::to_value(Tally::new(&e)).expect("serialize");
    // Truncate every counter vector and point an index entry past the cells.
    for cell in json["cells"].as_array_mut().expect("cells") {
        for k in ["votes", "matrix", "not_counted"] {
            cell[k] = serde_json::json!([]);
        }
    }
    json["index"][0] = serde_json::json!(999);
    let mut t: Tally = serde_json::from_value(json).expect("deserialize");
    let votes = [
        Vote::Supplementary {
            first: 1,
            second: SecondChoice::Counted(2),
        },
        Vote::Single { option: 0 },
        Vote::Rejected {
            head: RejectionHead::TooMany,
        },
    ];
    for a in 0..3 {
        for c in 0..5 {
            for v in &votes {
                t.add(a, c, v);
                t.remove(a, c, v);
                t.add(a, c, v);
            }
        }
    }
    let d = declare(&e, &t, 1);
    assert!(!d.warnings.is_empty());
    let _ = (
        d.to_text(),
        d.to_csv(),
        ecount_tally::nist_election_results(&e, &d),
    );
}
