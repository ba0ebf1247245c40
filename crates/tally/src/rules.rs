//! The counting rules of the Greater London Authority Act 1999, Schedule 2: the supplementary
//! vote (para 4), first past the post (para 3, constituency members) and the London-wide
//! additional-member allocation (paras 5 to 8). Pure functions of the counts; every drawing
//! of lots goes through [`Lots`], which records it.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// One drawing of lots, as the declaration reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LotDraw {
    /// Contest id.
    pub contest: String,
    /// What the lot decided, e.g. "elected", "London member seat 7".
    pub purpose: String,
    /// Option indices of the tied options, ascending.
    pub tied: Vec<usize>,
    /// The option the lot fell to.
    pub chosen: usize,
    /// The seed and stream the draw came from, so anyone can repeat it.
    pub seed: u64,
    pub stream: u64,
}

/// A seeded, recorded source of lots. Each contest draws from its own ChaCha8 stream (the
/// contest's index), so one contest's tie never changes another's draw.
#[derive(Debug)]
pub struct Lots {
    seed: u64,
    rngs: Vec<Option<ChaCha8Rng>>,
    pub draws: Vec<LotDraw>,
}

impl Lots {
    pub fn new(seed: u64) -> Self {
        Lots {
            seed,
            rngs: Vec::new(),
            draws: Vec::new(),
        }
    }

    /// Draws one of `tied` (non-empty) for contest number `stream`, and records it.
    pub fn draw(&mut self, stream: usize, contest: &str, purpose: &str, tied: &[usize]) -> usize {
        if self.rngs.len() <= stream {
            self.rngs.resize_with(stream + 1, || None);
        }
        let seed = self.seed;
        let rng = self.rngs[stream].get_or_insert_with(|| {
            let mut r = ChaCha8Rng::seed_from_u64(seed);
            r.set_stream(stream as u64);
            r
        });
        let mut sorted = tied.to_vec();
        sorted.sort_unstable();
        let chosen = match sorted.len() {
            0 => usize::MAX,
            1 => sorted[0],
            n => sorted[rng.gen_range(0..n)],
        };
        self.draws.push(LotDraw {
            contest: contest.to_owned(),
            purpose: purpose.to_owned(),
            tied: sorted,
            chosen,
            seed,
            stream: stream as u64,
        });
        chosen
    }
}

/// Who wins among `candidates` by `value`, drawing lots between equal highest values.
/// Returns the winner and whether a lot decided it. None for an empty list.
fn highest(
    candidates: &[usize],
    value: impl Fn(usize) -> u64,
    lots: &mut Lots,
    stream: usize,
    contest: &str,
    purpose: &str,
) -> Option<(usize, bool)> {
    let max = candidates.iter().map(|&i| value(i)).max()?;
    let top: Vec<usize> = candidates
        .iter()
        .copied()
        .filter(|&i| value(i) == max)
        .collect();
    if top.len() == 1 {
        Some((top[0], false))
    } else {
        Some((lots.draw(stream, contest, purpose, &top), true))
    }
}

// ---- supplementary vote ----

/// The Mayor count: both rounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvOutcome {
    /// First choices per option.
    pub first: Vec<u64>,
    pub valid: u64,
    /// Elected on first choices alone (more than half of the valid first choices).
    pub elected_outright: bool,
    /// Options still in the contest for the second round (empty when elected outright).
    pub continuing: Vec<usize>,
    /// Second choices added in the final round, per option (zero for those not continuing).
    pub added: Vec<u64>,
    /// First choices + added, per option (continuing options only; others keep their first).
    pub totals: Vec<u64>,
    pub elected: Option<usize>,
    pub by_lot: bool,
}

/// Sch. 2 para 4. `matrix` is `n x n`, row = first choice, column = counted second choice.
pub fn supplementary_vote(
    first: &[u64],
    matrix: &[u64],
    lots: &mut Lots,
    stream: usize,
    contest: &str,
) -> SvOutcome {
    let n = first.len();
    let valid: u64 = first.iter().sum();
    let mut out = SvOutcome {
        first: first.to_vec(),
        valid,
        elected_outright: false,
        continuing: Vec::new(),
        added: vec![0; n],
        totals: first.to_vec(),
        elected: None,
        by_lot: false,
    };
    if valid == 0 {
        return out;
    }
    // para 4(2): more than half of the valid first choices.
    if let Some(w) = (0..n).find(|&i| u128::from(first[i]) * 2 > u128::from(valid)) {
        out.elected_outright = true;
        out.elected = Some(w);
        return out;
    }
    // para 4(3)-(4): the two with most first choices continue; where equality means more
    // than two would be needed, all those equal continue.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| first[b].cmp(&first[a]).then(a.cmp(&b)));
    let cut = if n >= 2 {
        first[order[1]]
    } else {
        first[order[0]]
    };
    let continuing: Vec<usize> = (0..n).filter(|&i| first[i] >= cut).collect();
    let is_cont: Vec<bool> = (0..n).map(|i| first[i] >= cut).collect();
    // para 4(5): second choices for a continuing candidate on papers whose first choice
    // went to a candidate no longer in the contest.
    let mut added = vec![0u64; n];
    if matrix.len() == n * n {
        for (i, row) in matrix.chunks_exact(n.max(1)).enumerate() {
            if is_cont[i] {
                continue;
            }
            for &j in &continuing {
                added[j] += row[j];
            }
        }
    }
    let totals: Vec<u64> = (0..n).map(|i| first[i] + added[i]).collect();
    // para 4(6)-(7): most votes elected; equality decided by lot.
    let (w, by_lot) = highest(&continuing, |i| totals[i], lots, stream, contest, "elected")
        .unwrap_or((usize::MAX, false));
    out.continuing = continuing;
    out.added = added;
    out.totals = totals;
    out.elected = (w != usize::MAX).then_some(w);
    out.by_lot = by_lot;
    out
}

// ---- first past the post ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FptpOutcome {
    pub votes: Vec<u64>,
    pub valid: u64,
    pub elected: Option<usize>,
    pub by_lot: bool,
}

pub fn first_past_the_post(
    votes: &[u64],
    lots: &mut Lots,
    stream: usize,
    contest: &str,
) -> FptpOutcome {
    let valid: u64 = votes.iter().sum();
    let all: Vec<usize> = (0..votes.len()).collect();
    let (elected, by_lot) = if valid == 0 {
        (None, false)
    } else {
        match highest(&all, |i| votes[i], lots, stream, contest, "elected") {
            Some((w, l)) => (Some(w), l),
            None => (None, false),
        }
    };
    FptpOutcome {
        votes: votes.to_vec(),
        valid,
        elected,
        by_lot,
    }
}

// ---- London-wide d'Hondt ----

/// A London figure, kept exact as votes / divisor. Equality and order are by value.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Figure {
    pub votes: u64,
    pub divisor: u64,
}

impl Figure {
    pub fn value(self) -> f64 {
        self.votes as f64 / self.divisor as f64
    }
}

impl Ord for Figure {
    fn cmp(&self, other: &Self) -> Ordering {
        (u128::from(self.votes) * u128::from(other.divisor))
            .cmp(&(u128::from(other.votes) * u128::from(self.divisor)))
    }
}

impl PartialEq for Figure {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Figure {}

impl PartialOrd for Figure {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// How a seat was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatDecided {
    HighestFigure,
    /// Equal figures, separated by recalculating as though each had one more seat.
    Recalculated,
    Lot,
}

/// One London member seat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DhondtStep {
    /// 1-based.
    pub seat: u32,
    /// Each option's figure for this seat; None for those disregarded (below threshold,
    /// or an individual already returned).
    pub figures: Vec<Option<Figure>>,
    /// Options sharing the highest figure (one unless there was a tie).
    pub tied: Vec<usize>,
    /// The tied options' recalculated figures (each as though one more seat), if any.
    pub recalculated: Vec<(usize, Figure)>,
    pub winner: usize,
    pub decided: SeatDecided,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListOutcome {
    pub votes: Vec<u64>,
    pub valid: u64,
    pub threshold_percent: f64,
    /// The least number of votes that reaches the threshold.
    pub threshold_votes: u64,
    pub qualifies: Vec<bool>,
    pub independent: Vec<bool>,
    pub constituency_seats: Vec<u64>,
    pub steps: Vec<DhondtStep>,
    pub list_seats: Vec<u64>,
    /// Seats left unfilled because nobody qualified.
    pub unfilled: u32,
}

/// Sch. 2 paras 7-8. `independent[i]` for an individual candidate, `constituency_seats[i]`
/// for a party's constituency members returned.
#[allow(clippy::too_many_arguments)]
pub fn london_members(
    votes: &[u64],
    independent: &[bool],
    constituency_seats: &[u64],
    seats: u32,
    threshold_percent: f64,
    lots: &mut Lots,
    stream: usize,
    contest: &str,
) -> ListOutcome {
    let n = votes.len();
    let valid: u64 = votes.iter().sum();
    // Less than threshold_percent of the London votes: disregarded. Exact in hundredths of
    // a percent, which is the precision the Act uses.
    let pct_hundredths = (threshold_percent * 100.0).round().max(0.0) as u128;
    let threshold_votes = (u128::from(valid) * pct_hundredths).div_ceil(10_000) as u64;
    let qualifies: Vec<bool> = votes
        .iter()
        .map(|&v| valid > 0 && u128::from(v) * 10_000 >= u128::from(valid) * pct_hundredths)
        .collect();
    let ind = |i: usize| independent.get(i).copied().unwrap_or(false);
    let cons = |i: usize| constituency_seats.get(i).copied().unwrap_or(0);
    let mut list_seats = vec![0u64; n];
    let mut steps = Vec::new();
    let mut unfilled = 0;
    for seat in 1..=seats {
        let figure = |i: usize, extra: u64, list: &[u64]| -> Option<Figure> {
            if !qualifies[i] || votes[i] == 0 {
                return None;
            }
            if ind(i) {
                if list[i] > 0 || cons(i) > 0 {
                    return None; // an individual takes at most one seat
                }
                return Some(Figure {
                    votes: votes[i],
                    divisor: 1 + extra,
                });
            }
            Some(Figure {
                votes: votes[i],
                divisor: cons(i) + list[i] + 1 + extra,
            })
        };
        let figures: Vec<Option<Figure>> = (0..n).map(|i| figure(i, 0, &list_seats)).collect();
        let Some(best) = figures.iter().flatten().max().copied() else {
            unfilled = seats - seat + 1;
            break;
        };
        let tied: Vec<usize> = (0..n).filter(|&i| figures[i] == Some(best)).collect();
        let (winner, decided, recalculated) = if tied.len() == 1 {
            (tied[0], SeatDecided::HighestFigure, Vec::new())
        } else {
            // Equal figures: recalculate as though each had one more seat.
            let re: Vec<(usize, Figure)> = tied
                .iter()
                .filter_map(|&i| figure(i, 1, &list_seats).map(|f| (i, f)))
                .collect();
            let top = re.iter().map(|&(_, f)| f).max();
            let still: Vec<usize> = re
                .iter()
                .filter(|&&(_, f)| Some(f) == top)
                .map(|&(i, _)| i)
                .collect();
            if still.len() == 1 {
                (still[0], SeatDecided::Recalculated, re)
            } else {
                let w = lots.draw(
                    stream,
                    contest,
                    &format!("London member seat {seat}"),
                    &still,
                );
                (w, SeatDecided::Lot, re)
            }
        };
        list_seats[winner] += 1;
        steps.push(DhondtStep {
            seat,
            figures,
            tied,
            recalculated,
            winner,
            decided,
        });
    }
    ListOutcome {
        votes: votes.to_vec(),
        valid,
        threshold_percent,
        threshold_votes,
        qualifies,
        independent: (0..n).map(ind).collect(),
        constituency_seats: (0..n).map(cons).collect(),
        steps,
        list_seats,
        unfilled,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outright_majority_needs_more_than_half() {
        let mut lots = Lots::new(1);
        let exactly_half = supplementary_vote(&[5, 3, 2], &[0; 9], &mut lots, 0, "m");
        assert!(!exactly_half.elected_outright);
        let more = supplementary_vote(&[6, 3, 2], &[0; 9], &mut lots, 0, "m");
        assert!(more.elected_outright);
        assert_eq!(more.elected, Some(0));
    }

    #[test]
    fn tie_for_second_keeps_all_tied_in() {
        let mut lots = Lots::new(1);
        // C and B tie for second; D's papers give C two seconds, B one.
        let n = 4;
        let mut m = vec![0u64; n * n];
        m[3 * n + 2] = 2;
        m[3 * n + 1] = 1;
        let r = supplementary_vote(&[5, 3, 3, 3], &m, &mut lots, 0, "m");
        assert_eq!(r.continuing, vec![0, 1, 2, 3]);
        // D tied too, so stays in and its papers transfer nowhere.
        assert_eq!(r.added, vec![0; 4]);
        let r = supplementary_vote(&[5, 3, 3, 2], &m, &mut lots, 0, "m");
        assert_eq!(r.continuing, vec![0, 1, 2]);
        assert_eq!(r.added, vec![0, 1, 2, 0]);
        assert_eq!(r.elected, Some(0));
    }

    #[test]
    fn equal_final_totals_go_to_lot_and_are_recorded() {
        let mut lots = Lots::new(42);
        let r = supplementary_vote(&[4, 4, 2], &[0; 9], &mut lots, 0, "mayor");
        assert!(r.by_lot);
        assert_eq!(lots.draws.len(), 1);
        assert_eq!(lots.draws[0].tied, vec![0, 1]);
        assert_eq!(Some(lots.draws[0].chosen), r.elected);
        // Same seed, same draw.
        let mut again = Lots::new(42);
        let r2 = supplementary_vote(&[4, 4, 2], &[0; 9], &mut again, 0, "mayor");
        assert_eq!(r.elected, r2.elected);
    }

    #[test]
    fn lots_fall_both_ways_over_seeds() {
        let winners: std::collections::HashSet<usize> = (0..64)
            .map(|s| Lots::new(s).draw(0, "c", "elected", &[3, 7]))
            .collect();
        assert_eq!(winners.len(), 2);
    }

    #[test]
    fn independent_takes_at_most_one_seat() {
        let mut lots = Lots::new(0);
        let r = london_members(
            &[1000, 100],
            &[true, false],
            &[0, 0],
            3,
            5.0,
            &mut lots,
            0,
            "lw",
        );
        assert_eq!(r.list_seats, vec![1, 2]);
    }

    #[test]
    fn threshold_excludes_below_five_percent() {
        let mut lots = Lots::new(0);
        // 4 of 100 is under 5%; 5 of 100 is not.
        let r = london_members(
            &[91, 5, 4],
            &[false; 3],
            &[0; 3],
            30,
            5.0,
            &mut lots,
            0,
            "lw",
        );
        assert_eq!(r.qualifies, vec![true, true, false]);
        assert_eq!(r.list_seats[2], 0);
        assert_eq!(r.threshold_votes, 5);
    }

    #[test]
    fn tie_recalculated_with_one_more_seat() {
        let mut lots = Lots::new(0);
        // A: 300 votes, 2 constituency seats -> 100; B: 100 votes, none -> 100.
        // Recalculated: A 300/4 = 75, B 100/2 = 50: A wins without a lot.
        let r = london_members(
            &[300, 100],
            &[false, false],
            &[2, 0],
            1,
            0.0,
            &mut lots,
            0,
            "lw",
        );
        assert_eq!(r.steps[0].decided, SeatDecided::Recalculated);
        assert_eq!(r.steps[0].winner, 0);
        assert!(lots.draws.is_empty());
    }
}
