//! The streaming accumulator: dense counters per (area, contest), fed one vote at a time.
//!
//! Counts use wrapping arithmetic, so `add`, `remove` and `merge` form a commutative group:
//! partial tallies merge in any order and grouping to the same answer, even when a removal
//! (an adjudication replacing a machine reading) lands in a different partial tally from
//! the addition it undoes. A count that would be negative once everything is merged shows
//! up as a huge number; [`Tally::is_consistent`] checks for that and `declare` warns.

use ecount_election::{ContestKind, Election, RejectionHead, SecondChoice, SecondChoiceVoid, Vote};
use serde::{Deserialize, Serialize};

pub(crate) const HEADS: usize = RejectionHead::ALL.len();
pub(crate) const VOIDS: usize = SecondChoiceVoid::ALL.len();
const NO_CELL: u32 = u32::MAX;

pub(crate) fn head_index(h: RejectionHead) -> usize {
    match h {
        RejectionHead::WantOfOfficialMark => 0,
        RejectionHead::IdentifyingMark => 1,
        RejectionHead::Unmarked => 2,
        RejectionHead::Uncertain => 3,
        RejectionHead::TooMany => 4,
    }
}

pub(crate) fn void_index(v: SecondChoiceVoid) -> usize {
    match v {
        SecondChoiceVoid::Unmarked => 0,
        SecondChoiceVoid::Uncertain => 1,
        SecondChoiceVoid::TooMany => 2,
        SecondChoiceVoid::SameAsFirst => 3,
    }
}

/// Counts for one contest in one area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub area: usize,
    pub contest: usize,
    /// Number of options in the contest.
    pub options: usize,
    pub supplementary: bool,
    /// Valid votes (first choices for the Mayor), per option in ballot order.
    pub votes: Vec<u64>,
    /// Rejected papers per head, in `RejectionHead::ALL` order.
    pub rejected: [u64; HEADS],
    /// Supplementary vote only: `options x options`, row = first choice, column = counted
    /// second choice (the diagonal stays zero: a second choice for the first-choice
    /// candidate is not counted).
    pub matrix: Vec<u64>,
    /// Supplementary vote only: `options x 4`, row = first choice, column = why the second
    /// choice was not counted, in `SecondChoiceVoid::ALL` order.
    pub not_counted: Vec<u64>,
}

impl Cell {
    fn new(area: usize, contest: usize, options: usize, supplementary: bool) -> Self {
        let (m, v) = if supplementary {
            (options * options, options * VOIDS)
        } else {
            (0, 0)
        };
        Cell {
            area,
            contest,
            options,
            supplementary,
            votes: vec![0; options],
            rejected: [0; HEADS],
            matrix: vec![0; m],
            not_counted: vec![0; v],
        }
    }

    pub fn valid(&self) -> u64 {
        self.votes.iter().fold(0u64, |a, &b| a.wrapping_add(b))
    }

    pub fn rejected_total(&self) -> u64 {
        self.rejected.iter().fold(0u64, |a, &b| a.wrapping_add(b))
    }

    /// Counted second choices per option (column sums of the matrix).
    pub fn second_choices(&self) -> Vec<u64> {
        let n = self.options;
        let mut out = vec![0u64; n];
        for row in self.matrix.chunks_exact(n.max(1)) {
            for (o, &c) in out.iter_mut().zip(row) {
                *o = o.wrapping_add(c);
            }
        }
        out
    }

    /// Second choices not counted per reason, in `SecondChoiceVoid::ALL` order.
    pub fn not_counted_by_reason(&self) -> [u64; VOIDS] {
        let mut out = [0u64; VOIDS];
        for row in self.not_counted.chunks_exact(VOIDS) {
            for (o, &c) in out.iter_mut().zip(row) {
                *o = o.wrapping_add(c);
            }
        }
        out
    }

    /// Applies one vote with `sign` = 1 (add) or `u64::MAX` (-1, remove). Returns false for
    /// a vote that does not fit this contest (wrong shape or option out of range).
    #[inline]
    fn apply(&mut self, vote: &Vote, sign: u64) -> bool {
        let n = self.options;
        let slot = match *vote {
            Vote::Rejected { head } => self.rejected.get_mut(head_index(head)),
            Vote::Single { option } if !self.supplementary => self.votes.get_mut(option as usize),
            Vote::Supplementary { first, second } if self.supplementary => {
                let f = first as usize;
                if f >= n || f >= self.votes.len() {
                    return false;
                }
                let cell = match second {
                    // The statutory rule, applied here too whatever the reader said.
                    SecondChoice::Counted(s) if s == first => self
                        .not_counted
                        .get_mut(f * VOIDS + void_index(SecondChoiceVoid::SameAsFirst)),
                    SecondChoice::Counted(s) if (s as usize) < n => {
                        self.matrix.get_mut(f * n + s as usize)
                    }
                    SecondChoice::Counted(_) => None,
                    SecondChoice::NotCounted(why) => {
                        self.not_counted.get_mut(f * VOIDS + void_index(why))
                    }
                };
                let Some(cell) = cell else { return false };
                *cell = cell.wrapping_add(sign);
                self.votes.get_mut(f)
            }
            _ => None,
        };
        match slot {
            Some(c) => {
                *c = c.wrapping_add(sign);
                true
            }
            None => false,
        }
    }

    fn merge(&mut self, other: &Cell) {
        fn add(a: &mut [u64], b: &[u64]) {
            for (x, &y) in a.iter_mut().zip(b) {
                *x = x.wrapping_add(y);
            }
        }
        add(&mut self.votes, &other.votes);
        add(&mut self.rejected, &other.rejected);
        add(&mut self.matrix, &other.matrix);
        add(&mut self.not_counted, &other.not_counted);
    }

    fn same_shape(&self, other: &Cell) -> bool {
        self.options == other.options && self.supplementary == other.supplementary
    }

    fn counters(&self) -> impl Iterator<Item = u64> + '_ {
        self.votes
            .iter()
            .chain(&self.rejected)
            .chain(&self.matrix)
            .chain(&self.not_counted)
            .copied()
    }
}

/// Per (contest, area) counts for a whole election.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tally {
    areas: usize,
    contests: usize,
    /// `areas x contests` -> index into `cells`, or `u32::MAX` where the contest is not voted
    /// on in that area.
    index: Vec<u32>,
    cells: Vec<Cell>,
    /// Votes that fit no cell (unknown area or contest, option out of range, a one-mark vote
    /// for the Mayor): counted here, not lost, so a declaration can say so. Net of removals.
    misfits: u64,
}

impl Tally {
    pub fn new(election: &Election) -> Self {
        let areas = election.areas.len();
        let contests = election.contests.len();
        let mut index = vec![NO_CELL; areas * contests];
        let mut cells = Vec::new();
        for area in 0..areas {
            for (ci, c) in election.contests.iter().enumerate() {
                if c.areas.contains(&area) {
                    index[area * contests + ci] = cells.len() as u32;
                    cells.push(Cell::new(
                        area,
                        ci,
                        c.options.len(),
                        c.kind == ContestKind::SupplementaryVote,
                    ));
                }
            }
        }
        Tally {
            areas,
            contests,
            index,
            cells,
            misfits: 0,
        }
    }

    #[inline]
    fn cell_index(&self, area: usize, contest: usize) -> Option<usize> {
        if area >= self.areas || contest >= self.contests {
            return None;
        }
        // `get` rather than indexing: a deserialized tally may be malformed.
        match self.index.get(area * self.contests + contest) {
            Some(&i) if i != NO_CELL && (i as usize) < self.cells.len() => Some(i as usize),
            _ => None,
        }
    }

    #[inline]
    fn apply(&mut self, area: usize, contest: usize, vote: &Vote, sign: u64) {
        let ok = match self.cell_index(area, contest) {
            Some(i) => self.cells[i].apply(vote, sign),
            None => false,
        };
        if !ok {
            self.misfits = self.misfits.wrapping_add(sign);
        }
    }

    /// Counts one paper's effect on one contest. `area`, `contest` index `election.areas`
    /// and `election.contests`.
    #[inline]
    pub fn add(&mut self, area: usize, contest: usize, vote: &Vote) {
        self.apply(area, contest, vote, 1);
    }

    /// Undoes an earlier `add` of the same vote.
    #[inline]
    pub fn remove(&mut self, area: usize, contest: usize, vote: &Vote) {
        self.apply(area, contest, vote, u64::MAX);
    }

    /// Adds another tally of the same election (per batch, per centre...) into this one.
    /// Cells are matched by (area, contest); a cell of another shape counts as misfits.
    pub fn merge(&mut self, other: &Tally) {
        for oc in &other.cells {
            match self.cell_index(oc.area, oc.contest) {
                Some(i) if self.cells[i].same_shape(oc) => self.cells[i].merge(oc),
                _ => {
                    let n = oc.valid().wrapping_add(oc.rejected_total());
                    self.misfits = self.misfits.wrapping_add(n);
                }
            }
        }
        self.misfits = self.misfits.wrapping_add(other.misfits);
    }

    /// Valid plus rejected papers counted so far for this contest in this area.
    pub fn papers(&self, area: usize, contest: usize) -> u64 {
        self.cell(area, contest)
            .map_or(0, |c| c.valid().wrapping_add(c.rejected_total()))
    }

    /// The counts of one contest in one area, if it is voted on there.
    pub fn cell(&self, area: usize, contest: usize) -> Option<&Cell> {
        self.cell_index(area, contest).map(|i| &self.cells[i])
    }

    /// Every cell of one contest, in area order.
    pub fn cells_of(&self, contest: usize) -> impl Iterator<Item = &Cell> + '_ {
        self.cells.iter().filter(move |c| c.contest == contest)
    }

    pub fn cells(&self) -> &[Cell] {
        &self.cells
    }

    pub fn misfits(&self) -> u64 {
        self.misfits
    }

    /// True when no counter has gone negative (more removals than additions).
    pub fn is_consistent(&self) -> bool {
        const NEG: u64 = 1 << 63;
        self.misfits < NEG && self.cells.iter().all(|c| c.counters().all(|v| v < NEG))
    }

    /// One contest summed over all its areas: a cell with `area` = `usize::MAX`.
    pub fn contest_total(&self, contest: usize, options: usize, supplementary: bool) -> Cell {
        let mut total = Cell::new(usize::MAX, contest, options, supplementary);
        for c in self.cells_of(contest) {
            if total.same_shape(c) {
                total.merge(c);
            }
        }
        total
    }
}

/// Provisional first-choice / vote shares for one area and contest: (option index, votes) in
/// ballot order. Empty where the contest is not voted on in that area.
pub fn shares(tally: &Tally, area: usize, contest: usize) -> Vec<(usize, u64)> {
    tally
        .cell(area, contest)
        .map(|c| c.votes.iter().copied().enumerate().collect())
        .unwrap_or_default()
}
