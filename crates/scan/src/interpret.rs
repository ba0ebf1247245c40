//! Stage 5: the statutory rules (Greater London Authority Elections Rules) applied to the
//! scored boxes, and the reasons a person must look at the paper.

use crate::reading::{BoxClass, BoxReading, Flag, Reading, StrayInk};
use crate::score::Scored;
use ecount_election::{PaperKind, RejectionHead, SecondChoice, SecondChoiceVoid, Vote};

pub fn interpret(scored: Scored, election: &ecount_election::Election) -> Reading {
    let id = &scored.identified;
    let style = id.style;
    let (vote, flags) = apply_rules(
        style.kind,
        &scored.boxes,
        &scored.straddles,
        &scored.stray_ink,
    );
    let _ = election;
    Reading {
        style: style.code,
        kind: style.kind,
        area: style.area,
        contest: style.contest,
        upside_down: id.upside_down,
        transform: id.transform,
        residual_mm: id.residual_mm as f32,
        boxes: scored.boxes,
        stray_ink: scored.stray_ink,
        vote,
        flags,
    }
}

/// What one column of boxes says.
#[derive(Debug, PartialEq)]
enum Column {
    None,
    One(u16),
    Many,
}

fn column(boxes: &[BoxReading], col: u8) -> (Column, bool) {
    let marked: Vec<u16> = boxes
        .iter()
        .filter(|b| b.column == col && b.class == BoxClass::Marked)
        .map(|b| b.row)
        .collect();
    let doubtful = boxes
        .iter()
        .any(|b| b.column == col && b.class == BoxClass::Doubtful);
    let c = match marked.as_slice() {
        [] => Column::None,
        [one] => Column::One(*one),
        _ => Column::Many,
    };
    (c, doubtful)
}

/// The machine's interpretation and the flags that send the paper to a person.
///
/// Doubtful boxes never change the machine's vote (it reads only clear marks) but always
/// flag the paper, so a doubtful mark can never be counted or lost unseen.
pub fn apply_rules(
    kind: PaperKind,
    boxes: &[BoxReading],
    straddles: &[(u16, u8)],
    stray: &[StrayInk],
) -> (Vote, Vec<Flag>) {
    // A mark across the gap between two boxes of a column makes that column's choice
    // uncertain, whatever else it holds; so does ink beside the box next to a column's only
    // clear mark (the mark reaching towards its neighbour).
    let beside = |b: &BoxReading| {
        b.class == BoxClass::Doubtful
            && b.score < crate::score::EMPTY_BELOW
            && b.halo >= crate::score::HALO_DOUBTFUL
    };
    let straddled = |col: u8| {
        straddles.iter().any(|&(_, c)| c == col)
            || match column(boxes, col).0 {
                Column::One(row) => boxes
                    .iter()
                    .any(|b| b.column == col && b.row.abs_diff(row) == 1 && beside(b)),
                _ => false,
            }
    };
    let mut flags: Vec<Flag> = boxes
        .iter()
        .filter(|b| b.class == BoxClass::Doubtful)
        .map(|b| {
            // Halo ink beside a box whose zone is (near) empty; a trace in the zone itself,
            // as a bilevel scan leaves of a light pencil line, is a doubtful box.
            if beside(b) {
                Flag::MarkBesideBox {
                    row: b.row,
                    column: b.column,
                    halo: b.halo,
                }
            } else {
                Flag::DoubtfulBox {
                    row: b.row,
                    column: b.column,
                    score: b.score,
                }
            }
        })
        .collect();
    let stray_area: f32 = stray.iter().map(|s| s.area_mm2).sum();
    if !stray.is_empty() {
        flags.push(Flag::PossibleIdentifyingMark {
            area_mm2: stray_area,
        });
    }
    // A column with no clear mark whose only doubt is one doubtful box, with no ink beside
    // it, reads as unmarked: dust, a faint mark, a dot or a mark rubbed out, on any scan;
    // nothing there points at two candidates. Its box is flagged, so a person who sees a
    // vote there counts it.
    let trace_only = |col: u8| {
        let mut doubtful = boxes
            .iter()
            .filter(|b| b.column == col && b.class == BoxClass::Doubtful);
        matches!((doubtful.next(), doubtful.next()), (Some(b), None) if !beside(b))
    };
    let (first, first_doubtful) = column(boxes, 0);
    let mut vote = match first {
        _ if straddled(0) => Vote::Rejected {
            head: RejectionHead::Uncertain,
        },
        // Ink in two boxes of the column, or beside one, but no clear mark: which candidate
        // it is for is uncertain until a person looks.
        Column::None if first_doubtful && !trace_only(0) => Vote::Rejected {
            head: RejectionHead::Uncertain,
        },
        Column::None => Vote::Rejected {
            head: RejectionHead::Unmarked,
        },
        Column::Many => Vote::Rejected {
            head: RejectionHead::TooMany,
        },
        Column::One(row) => match kind {
            PaperKind::Mayor => {
                let (second, second_doubtful) = column(boxes, 1);
                let second = match second {
                    _ if straddled(1) => SecondChoice::NotCounted(SecondChoiceVoid::Uncertain),
                    Column::None if second_doubtful && !trace_only(1) => {
                        SecondChoice::NotCounted(SecondChoiceVoid::Uncertain)
                    }
                    Column::None => SecondChoice::NotCounted(SecondChoiceVoid::Unmarked),
                    Column::Many => SecondChoice::NotCounted(SecondChoiceVoid::TooMany),
                    Column::One(r2) if r2 == row => {
                        SecondChoice::NotCounted(SecondChoiceVoid::SameAsFirst)
                    }
                    Column::One(r2) => SecondChoice::Counted(r2),
                };
                if let SecondChoice::NotCounted(why) = second {
                    if why != SecondChoiceVoid::Unmarked || second_doubtful {
                        flags.push(Flag::SecondChoiceNotCounted { why });
                    }
                }
                Vote::Supplementary { first: row, second }
            }
            PaperKind::Constituency | PaperKind::LondonWide => Vote::Single { option: row },
        },
    };
    // Writing that may identify the voter voids the paper, if a person agrees it does; it
    // also names the head when the only other doubt is ink the writing may have left near a
    // box.
    // So does it when the only other doubt is a trace in one box, which may be a vote.
    let uncertain = match vote {
        Vote::Rejected {
            head: RejectionHead::Uncertain,
        } => true,
        Vote::Rejected {
            head: RejectionHead::Unmarked,
        } => first_doubtful,
        _ => false,
    };
    if !stray.is_empty() && (vote.is_valid() || uncertain) {
        vote = Vote::Rejected {
            head: RejectionHead::IdentifyingMark,
        };
    }
    // In London every apparently void paper is examined by a person before it is rejected.
    if let Vote::Rejected { head } = vote {
        flags.insert(0, Flag::ApparentlyVoid { head });
    }
    (vote, flags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn b(row: u16, column: u8, class: BoxClass) -> BoxReading {
        let score = match class {
            BoxClass::Empty => 0.0,
            BoxClass::Doubtful => 0.02,
            BoxClass::Marked => 0.2,
        };
        BoxReading {
            row,
            column,
            score,
            darkness: if score > 0.0 { 0.6 } else { 0.0 },
            halo: 0.0,
            class,
            quad: [[0.0; 2]; 4],
        }
    }

    fn mayor(first: &[u16], second: &[u16], n: u16) -> Vec<BoxReading> {
        let mut v = Vec::new();
        for r in 0..n {
            for c in 0..2u8 {
                let on = if c == 0 {
                    first.contains(&r)
                } else {
                    second.contains(&r)
                };
                v.push(b(
                    r,
                    c,
                    if on {
                        BoxClass::Marked
                    } else {
                        BoxClass::Empty
                    },
                ));
            }
        }
        v
    }

    #[test]
    fn mayor_rules() {
        let sv = |f: &[u16], s: &[u16]| apply_rules(PaperKind::Mayor, &mayor(f, s, 5), &[], &[]);
        assert_eq!(
            sv(&[1], &[3]).0,
            Vote::Supplementary {
                first: 1,
                second: SecondChoice::Counted(3)
            }
        );
        assert!(sv(&[1], &[3]).1.is_empty());
        let (v, f) = sv(&[1], &[]);
        assert_eq!(
            v,
            Vote::Supplementary {
                first: 1,
                second: SecondChoice::NotCounted(SecondChoiceVoid::Unmarked)
            }
        );
        assert!(
            f.is_empty(),
            "no second choice is common and needs no person"
        );
        assert_eq!(
            sv(&[], &[]).0,
            Vote::Rejected {
                head: RejectionHead::Unmarked
            }
        );
        assert_eq!(
            sv(&[], &[2]).0,
            Vote::Rejected {
                head: RejectionHead::Unmarked
            },
            "second choice only"
        );
        assert_eq!(
            sv(&[0, 2], &[3]).0,
            Vote::Rejected {
                head: RejectionHead::TooMany
            }
        );
        let (v, f) = sv(&[2], &[2]);
        assert_eq!(
            v,
            Vote::Supplementary {
                first: 2,
                second: SecondChoice::NotCounted(SecondChoiceVoid::SameAsFirst)
            }
        );
        assert_eq!(
            f,
            vec![Flag::SecondChoiceNotCounted {
                why: SecondChoiceVoid::SameAsFirst
            }]
        );
        let (v, _) = sv(&[2], &[0, 4]);
        assert_eq!(
            v,
            Vote::Supplementary {
                first: 2,
                second: SecondChoice::NotCounted(SecondChoiceVoid::TooMany)
            }
        );
    }

    #[test]
    fn doubtful_and_stray_always_flag() {
        let mut boxes = mayor(&[1], &[], 4);
        boxes[4].class = BoxClass::Doubtful; // row 2, column 0
        boxes[4].score = 0.02;
        let (v, f) = apply_rules(PaperKind::Mayor, &boxes, &[], &[]);
        assert!(matches!(v, Vote::Supplementary { first: 1, .. }));
        assert_eq!(f.len(), 1);
        let stray = [StrayInk {
            paper_mm: [0.0; 4],
            area_mm2: 9.0,
        }];
        let (v, f) = apply_rules(
            PaperKind::Constituency,
            &[b(0, 0, BoxClass::Marked), b(1, 0, BoxClass::Empty)],
            &[],
            &stray,
        );
        assert_eq!(
            v,
            Vote::Rejected {
                head: RejectionHead::IdentifyingMark
            }
        );
        assert_eq!(
            f[0],
            Flag::ApparentlyVoid {
                head: RejectionHead::IdentifyingMark
            }
        );
        assert!(matches!(f[1], Flag::PossibleIdentifyingMark { .. }));
    }

    #[test]
    fn ink_beside_a_box_is_told_from_a_trace_in_it() {
        // (zone, halo) of a doubtful box at row 2, column 0: halo ink beside an empty zone,
        // then what a bilevel scan keeps of a light pencil line (a zone trace, no halo ink).
        for (score, halo, beside) in [(0.0, 0.02, true), (0.001, 0.0, false)] {
            let mut boxes = mayor(&[0], &[], 3);
            boxes[4].class = BoxClass::Doubtful;
            boxes[4].score = score;
            boxes[4].halo = halo;
            let (_, f) = apply_rules(PaperKind::Mayor, &boxes, &[], &[]);
            let at = match f[..] {
                [Flag::MarkBesideBox { row, column, .. }] if beside => (row, column),
                [Flag::DoubtfulBox { row, column, .. }] if !beside => (row, column),
                _ => panic!("zone {score}, halo {halo}: flags {f:?}"),
            };
            assert_eq!(at, (2, 0));
        }
    }

    #[test]
    fn ink_beside_the_box_next_to_the_only_mark_makes_the_choice_uncertain() {
        // Hard 150-dpi corpus: a cross across rows 8 and 9 read as a vote for row 8, with
        // ink beside row 9's box; the truth is void for uncertainty.
        for (second_col, beside_row) in [(false, 2usize), (true, 2), (false, 0)] {
            let mut boxes = mayor(&[1], &[], 4);
            let at = beside_row * 2 + usize::from(second_col);
            boxes[at].class = BoxClass::Doubtful;
            boxes[at].score = 0.0;
            boxes[at].halo = 0.03;
            let (vote, _) = apply_rules(PaperKind::Mayor, &boxes, &[], &[]);
            let want = if second_col {
                Vote::Supplementary {
                    first: 1,
                    second: SecondChoice::NotCounted(SecondChoiceVoid::Uncertain),
                }
            } else {
                Vote::Rejected {
                    head: RejectionHead::Uncertain,
                }
            };
            assert_eq!(vote, want, "beside row {beside_row}, column {second_col}");
        }
    }

    #[test]
    fn a_trace_in_one_box_of_an_unmarked_column_is_unmarked_and_flagged() {
        // Hard 200-dpi G4: 19 of 27 void papers proposed under the wrong head were blank
        // papers whose one doubtful box held what the threshold left of dust.
        let trace = |boxes: &mut Vec<BoxReading>, at: usize| {
            boxes[at].class = BoxClass::Doubtful;
            boxes[at].score = 0.002;
        };
        let doubtful_at = |f: &[Flag], row: u16, col: u8| {
            f.iter().any(|f| {
                matches!(f, Flag::DoubtfulBox { row: r, column: c, .. } if (*r, *c) == (row, col))
            })
        };
        let mut boxes = mayor(&[], &[], 4);
        trace(&mut boxes, 4);
        let (vote, f) = apply_rules(PaperKind::Mayor, &boxes, &[], &[]);
        let unmarked = Vote::Rejected {
            head: RejectionHead::Unmarked,
        };
        assert_eq!(vote, unmarked);
        assert!(doubtful_at(&f, 2, 0), "{f:?}");
        // Traces in two boxes point at two candidates.
        trace(&mut boxes, 6);
        let (vote, _) = apply_rules(PaperKind::Mayor, &boxes, &[], &[]);
        assert_eq!(
            vote,
            Vote::Rejected {
                head: RejectionHead::Uncertain
            }
        );
        // With writing on the paper, the trace may be a vote: the writing names the head.
        let mut boxes = mayor(&[], &[], 4);
        trace(&mut boxes, 4);
        let stray = [StrayInk {
            paper_mm: [0.0; 4],
            area_mm2: 9.0,
        }];
        let (vote, _) = apply_rules(PaperKind::Mayor, &boxes, &[], &stray);
        assert_eq!(
            vote,
            Vote::Rejected {
                head: RejectionHead::IdentifyingMark
            }
        );
        // A blank paper with writing stays unmarked.
        let (vote, _) = apply_rules(PaperKind::Mayor, &mayor(&[], &[], 4), &[], &stray);
        assert_eq!(vote, unmarked);
        // A trace in the second column: no second choice, and the paper still goes to a
        // person.
        let mut boxes = mayor(&[1], &[], 4);
        trace(&mut boxes, 7);
        let (vote, f) = apply_rules(PaperKind::Mayor, &boxes, &[], &[]);
        assert_eq!(
            vote,
            Vote::Supplementary {
                first: 1,
                second: SecondChoice::NotCounted(SecondChoiceVoid::Unmarked),
            }
        );
        assert!(doubtful_at(&f, 3, 1), "{f:?}");
    }

    #[test]
    fn writing_names_the_head_over_uncertainty() {
        let stray = [StrayInk {
            paper_mm: [0.0; 4],
            area_mm2: 9.0,
        }];
        let boxes = mayor(&[2], &[], 4);
        // A valid vote, and one a straddle would make uncertain.
        for straddles in [vec![], vec![(2u16, 0u8)]] {
            let (vote, flags) = apply_rules(PaperKind::Mayor, &boxes, &straddles, &stray);
            assert_eq!(
                vote,
                Vote::Rejected {
                    head: RejectionHead::IdentifyingMark
                }
            );
            assert!(flags
                .iter()
                .any(|f| matches!(f, Flag::PossibleIdentifyingMark { .. })));
        }
        // Two clear marks stay too many.
        let (vote, _) = apply_rules(PaperKind::Mayor, &mayor(&[1, 2], &[], 4), &[], &stray);
        assert_eq!(
            vote,
            Vote::Rejected {
                head: RejectionHead::TooMany
            }
        );
    }

    proptest! {
        /// Whatever the boxes, a paper is left unflagged only if every box is clearly empty or
        /// clearly marked, the vote is valid, and the vote is exactly what the marks say.
        #[test]
        fn unflagged_means_clear_and_valid(
            classes in proptest::collection::vec((0u8..3, 0.0f32..0.05, 0.0f32..0.03), 2..=24),
            mayor_paper in any::<bool>(),
            straddle in proptest::option::of((0u16..12, 0u8..2)),
            writing in any::<bool>(),
        ) {
            let kind = if mayor_paper { PaperKind::Mayor } else { PaperKind::LondonWide };
            let cols = if mayor_paper { 2 } else { 1 };
            let boxes: Vec<BoxReading> = classes.iter().enumerate().map(|(i, &(c, score, halo))| {
                let class = [BoxClass::Empty, BoxClass::Doubtful, BoxClass::Marked][c as usize];
                // Any score and halo for a doubtful box: a trace, ink beside it, or both.
                let mut b = b((i / cols) as u16, (i % cols) as u8, class);
                if class == BoxClass::Doubtful {
                    b.score = score;
                    b.halo = halo;
                }
                b
            }).collect();
            let straddles: Vec<(u16, u8)> = straddle.into_iter().filter(|&(_, c)| usize::from(c) < cols).collect();
            let stray: Vec<StrayInk> = if writing {
                vec![StrayInk { paper_mm: [0.0; 4], area_mm2: 9.0 }]
            } else {
                Vec::new()
            };
            let (vote, flags) = apply_rules(kind, &boxes, &straddles, &stray);
            // Every doubtful box is shown to the person, at its own row and column.
            for d in boxes.iter().filter(|b| b.class == BoxClass::Doubtful) {
                prop_assert!(flags.iter().any(|f| matches!(f,
                    Flag::DoubtfulBox { row, column, .. } | Flag::MarkBesideBox { row, column, .. }
                        if (*row, *column) == (d.row, d.column))), "{:?}: {:?}", d, flags);
            }
            if writing {
                prop_assert!(!flags.is_empty());
            }
            let marked = |col: u8| boxes.iter().filter(|b| b.column == col && b.class == BoxClass::Marked).count();
            if flags.is_empty() {
                prop_assert!(vote.is_valid());
                prop_assert!(boxes.iter().all(|b| b.class != BoxClass::Doubtful));
                prop_assert_eq!(marked(0), 1);
                if mayor_paper { prop_assert!(marked(1) <= 1); }
            }
            if marked(0) != 1 {
                prop_assert!(!vote.is_valid());
                prop_assert!(!flags.is_empty());
            }
        }
    }
}
