//! Cast vote records rebuilt from the published 2016 counts (`shared/data/gla-2016`), to be
//! fed one at a time through [`Tally::add`], exactly as the scanner's readings are.
//!
//! Per ward, every published figure becomes that many records: Mayor first choices, rejected
//! papers by head, constituency and London-wide votes and rejections. The published data give
//! the Mayor's second choices only as column totals (whatever the first choice), so the first x
//! second choice matrix of each ward is built here: rows are the ward's first choices, columns
//! its second choices and second choices not counted, and
//! - where a candidate's first and second choices together exceed the ward's valid papers,
//!   the excess (the fewest possible) are papers marked twice for the same candidate, which
//!   the statutory rule does not count as a second choice (`SameAsFirst`);
//! - for the two candidates in the final round, the papers first for one and second for the
//!   other are spread over wards so that the second choices added in the final round from
//!   eliminated candidates' papers come to the published figures (mayor-result.csv);
//! - everything else is filled proportionally, then made exact by a max-flow on the residual
//!   (a transportation problem with the forbidden cells left out).

use crate::accum::Tally;
use ecount_election::{ContestKind, Election, RejectionHead, SecondChoice, SecondChoiceVoid, Vote};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{file}: cannot read: {source}")]
    Csv { file: PathBuf, source: csv::Error },
    #[error("{file}: {message}")]
    Data { file: PathBuf, message: String },
}

/// One paper's effect on one contest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub area: u16,
    pub contest: u16,
    pub vote: Vote,
}

/// The rebuilt count.
#[derive(Debug, Clone)]
pub struct Replay {
    pub records: Vec<Record>,
    /// Wards (and postal batches) read.
    pub wards: usize,
    /// How the records were made where the source needed a choice.
    pub notes: Vec<String>,
}

impl Replay {
    /// Feeds every record, one at a time, through `Tally::add`.
    pub fn tally(&self, election: &Election) -> Tally {
        let mut t = Tally::new(election);
        for r in &self.records {
            t.add(r.area as usize, r.contest as usize, &r.vote);
        }
        t
    }

    /// Papers per contest kind.
    pub fn papers_of(&self, election: &Election, kind: ContestKind) -> usize {
        self.records
            .iter()
            .filter(|r| election.contests[r.contest as usize].kind == kind)
            .count()
    }
}

const HEAD_COLUMNS: [(&str, RejectionHead); 5] = [
    (
        "rejected_want_of_official_mark",
        RejectionHead::WantOfOfficialMark,
    ),
    (
        "rejected_writing_identifying_voter",
        RejectionHead::IdentifyingMark,
    ),
    ("rejected_unmarked", RejectionHead::Unmarked),
    ("rejected_uncertain", RejectionHead::Uncertain),
    ("rejected_voting_for_too_many", RejectionHead::TooMany),
];
const VOID_COLUMNS: [(&str, SecondChoiceVoid); 3] = [
    ("unmarked", SecondChoiceVoid::Unmarked),
    ("uncertain", SecondChoiceVoid::Uncertain),
    ("voting_for_too_many", SecondChoiceVoid::TooMany),
];

struct Table {
    file: PathBuf,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: PathBuf) -> Result<Self, ReplayError> {
        let err = |source| ReplayError::Csv {
            file: path.clone(),
            source,
        };
        let mut r = csv::Reader::from_path(&path).map_err(err)?;
        let header = r
            .headers()
            .map_err(err)?
            .iter()
            .map(str::to_owned)
            .collect();
        let mut rows = Vec::new();
        for rec in r.records() {
            rows.push(rec.map_err(err)?.iter().map(str::to_owned).collect());
        }
        Ok(Table {
            file: path,
            header,
            rows,
        })
    }

    fn bad(&self, message: impl Into<String>) -> ReplayError {
        ReplayError::Data {
            file: self.file.clone(),
            message: message.into(),
        }
    }

    fn col(&self, name: &str) -> Result<usize, ReplayError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| self.bad(format!("no column '{name}'")))
    }

    fn num(&self, row: usize, col: usize) -> Result<u64, ReplayError> {
        let s = self.rows[row].get(col).map(|s| s.trim()).unwrap_or("");
        if s.is_empty() {
            return Ok(0);
        }
        s.parse().map_err(|_| {
            self.bad(format!(
                "row {}: column '{}': '{s}' is not a count",
                row + 2,
                self.header[col]
            ))
        })
    }

    fn text(&self, row: usize, col: usize) -> &str {
        self.rows[row].get(col).map_or("", |s| s.trim())
    }
}

fn surname(name: &str) -> String {
    name.split_whitespace().last().unwrap_or("").to_uppercase()
}

fn area_of(election: &Election, t: &Table, row: usize) -> Result<usize, ReplayError> {
    let name = t.text(row, 0);
    election
        .areas
        .iter()
        .position(|a| a.name.eq_ignore_ascii_case(name))
        .ok_or_else(|| t.bad(format!("row {}: unknown constituency '{name}'", row + 2)))
}

/// Builds the records from the published counts in `dir` for `election` (gla-2016.toml).
pub fn build(dir: &Path, election: &Election) -> Result<Replay, ReplayError> {
    let mut records = Vec::new();
    let mut notes = Vec::new();
    let wards = mayor(dir, election, &mut records, &mut notes)?;
    constituency(dir, election, &mut records)?;
    london_wide(dir, election, &mut records)?;
    Ok(Replay {
        records,
        wards,
        notes,
    })
}

fn push(records: &mut Vec<Record>, area: usize, contest: usize, vote: Vote, n: u64) {
    let r = Record {
        area: area as u16,
        contest: contest as u16,
        vote,
    };
    records.extend(std::iter::repeat_n(r, n as usize));
}

fn push_rejected(
    t: &Table,
    row: usize,
    heads: &[(usize, RejectionHead)],
    records: &mut Vec<Record>,
    area: usize,
    contest: usize,
) -> Result<(), ReplayError> {
    for &(col, head) in heads {
        push(
            records,
            area,
            contest,
            Vote::Rejected { head },
            t.num(row, col)?,
        );
    }
    Ok(())
}

fn head_cols(t: &Table) -> Result<Vec<(usize, RejectionHead)>, ReplayError> {
    HEAD_COLUMNS
        .iter()
        .map(|&(c, h)| Ok((t.col(c)?, h)))
        .collect()
}

/// One ward's Mayor papers.
struct MayorWard {
    area: usize,
    first: Vec<u64>,
    second: Vec<u64>,
    voids: [u64; 3],
    /// Papers marked twice for the same candidate, per candidate.
    same: Vec<u64>,
    x: u64,
    y: u64,
}

fn mayor(
    dir: &Path,
    election: &Election,
    records: &mut Vec<Record>,
    notes: &mut Vec<String>,
) -> Result<usize, ReplayError> {
    let fc = Table::read(dir.join("wards/mayor-first-choice-by-ward.csv"))?;
    let sc = Table::read(dir.join("wards/mayor-second-choice-by-ward.csv"))?;
    let contest = election
        .contests
        .iter()
        .position(|c| c.kind == ContestKind::SupplementaryVote)
        .ok_or_else(|| fc.bad("the election has no supplementary-vote contest"))?;
    let opts = &election.contests[contest].options;
    let n = opts.len();
    let cand_cols = |t: &Table| -> Result<Vec<usize>, ReplayError> {
        opts.iter().map(|o| t.col(&surname(&o.name))).collect()
    };
    let (fcols, scols) = (cand_cols(&fc)?, cand_cols(&sc)?);
    let fheads = head_cols(&fc)?;
    let vcols: Vec<usize> = VOID_COLUMNS
        .iter()
        .map(|&(c, _)| sc.col(c))
        .collect::<Result<_, _>>()?;
    let second_by_key: HashMap<(&str, &str, &str), usize> = (0..sc.rows.len())
        .map(|r| ((sc.text(r, 0), sc.text(r, 1), sc.text(r, 2)), r))
        .collect();

    let mut wards = Vec::with_capacity(fc.rows.len());
    for r in 0..fc.rows.len() {
        let area = area_of(election, &fc, r)?;
        let key = (fc.text(r, 0), fc.text(r, 1), fc.text(r, 2));
        let &s = second_by_key
            .get(&key)
            .ok_or_else(|| sc.bad(format!("no row for ward {key:?}")))?;
        let first: Vec<u64> = fcols
            .iter()
            .map(|&c| fc.num(r, c))
            .collect::<Result<_, _>>()?;
        let second: Vec<u64> = scols
            .iter()
            .map(|&c| sc.num(s, c))
            .collect::<Result<_, _>>()?;
        let mut voids = [0u64; 3];
        for (v, &c) in voids.iter_mut().zip(&vcols) {
            *v = sc.num(s, c)?;
        }
        let valid: u64 = first.iter().sum();
        let marked: u64 = second.iter().sum::<u64>() + voids.iter().sum::<u64>();
        if valid != marked {
            return Err(sc.bad(format!(
                "ward {key:?}: {valid} valid first choices but {marked} second-choice entries"
            )));
        }
        let same: Vec<u64> = (0..n)
            .map(|i| (first[i] + second[i]).saturating_sub(valid))
            .collect();
        push_rejected(&fc, r, &fheads, records, area, contest)?;
        wards.push(MayorWard {
            area,
            first: first.iter().zip(&same).map(|(f, d)| f - d).collect(),
            second: second.iter().zip(&same).map(|(f, d)| f - d).collect(),
            voids,
            same,
            x: 0,
            y: 0,
        });
    }
    let same_total: u64 = wards.iter().flat_map(|w| &w.same).sum();
    if same_total > 0 {
        notes.push(format!(
            "{same_total} Mayor papers must have the same candidate as first and second choice \
             (first + second choices exceed the valid papers in their ward); they are counted \
             as second choices not counted (same as first), not as the published second choices"
        ));
    }

    // The final round: the two continuing candidates and their published additions.
    let targets = final_round_targets(dir, election, contest)?;
    if let Some(((k, add_k), (g, add_g))) = targets {
        let total = |j: usize| wards.iter().map(|w| w.second[j]).sum::<u64>();
        // Papers first for the other finalist, second for this one.
        let x_total = total(k).checked_sub(add_k);
        let y_total = total(g).checked_sub(add_g);
        match (x_total, y_total) {
            (Some(x), Some(y)) => {
                spread_finalists(&mut wards, k, g, x, y);
                notes.push(format!(
                    "second choices arranged so the final round adds {} to {} and {} to {}",
                    add_k, opts[k].name, add_g, opts[g].name
                ));
            }
            _ => notes
                .push("published final-round additions exceed the second choices; ignored".into()),
        }
    } else {
        notes.push(
            "no published final-round additions: second choices spread proportionally".into(),
        );
    }

    for w in &wards {
        let fin = targets.map(|((k, _), (g, _))| (k, g));
        let matrix = fill_ward(w, fin).ok_or_else(|| {
            sc.bad(format!(
                "cannot arrange the second choices of a ward in {}",
                election.areas[w.area].name
            ))
        })?;
        let cols = n + 3;
        for i in 0..n {
            for j in 0..cols {
                let m = matrix[i * cols + j];
                let second = if j < n {
                    SecondChoice::Counted(j as u16)
                } else {
                    SecondChoice::NotCounted(VOID_COLUMNS[j - n].1)
                };
                push(
                    records,
                    w.area,
                    contest,
                    Vote::Supplementary {
                        first: i as u16,
                        second,
                    },
                    m,
                );
            }
            let second = SecondChoice::NotCounted(SecondChoiceVoid::SameAsFirst);
            push(
                records,
                w.area,
                contest,
                Vote::Supplementary {
                    first: i as u16,
                    second,
                },
                w.same[i],
            );
        }
    }
    Ok(wards.len())
}

/// From mayor-result.csv: the two candidates with second choices added in the final round,
/// and how many. None if the file is absent or names no two.
#[allow(clippy::type_complexity)]
fn final_round_targets(
    dir: &Path,
    election: &Election,
    contest: usize,
) -> Result<Option<((usize, u64), (usize, u64))>, ReplayError> {
    let path = dir.join("mayor-result.csv");
    if !path.exists() {
        return Ok(None);
    }
    let t = Table::read(path)?;
    let (cc, ac) = (
        t.col("candidate")?,
        t.col("second_choice_votes_added_in_final_round")?,
    );
    let opts = &election.contests[contest].options;
    let mut found = Vec::new();
    for r in 0..t.rows.len() {
        if t.text(r, ac).is_empty() {
            continue;
        }
        let name = surname(t.text(r, cc));
        let i = opts
            .iter()
            .position(|o| surname(&o.name) == name)
            .ok_or_else(|| t.bad(format!("row {}: unknown candidate '{name}'", r + 2)))?;
        found.push((i, t.num(r, ac)?));
    }
    Ok(match found.as_slice() {
        [a, b] => Some((*a, *b)),
        _ => None,
    })
}

/// Chooses per ward x = papers first for `g` second for `k`, y = first `k` second `g`, adding
/// up to `x_total` and `y_total`, proportionally to what each ward can take, and keeping each
/// ward feasible: the finalists' remaining second choices must fit the other candidates' rows.
fn spread_finalists(wards: &mut [MayorWard], k: usize, g: usize, x_total: u64, y_total: u64) {
    let hi_x: Vec<u64> = wards.iter().map(|w| w.second[k].min(w.first[g])).collect();
    let hi_y: Vec<u64> = wards.iter().map(|w| w.second[g].min(w.first[k])).collect();
    let need: Vec<u64> = wards
        .iter()
        .map(|w| {
            let others: u64 = w.first.iter().sum::<u64>() - w.first[k] - w.first[g];
            (w.second[k] + w.second[g]).saturating_sub(others)
        })
        .collect();
    let xs = apportion(x_total, &hi_x);
    let ys = apportion(y_total, &hi_y);
    for (w, (x, y)) in wards.iter_mut().zip(xs.into_iter().zip(ys)) {
        w.x = x;
        w.y = y;
    }
    // Repair wards below their need by moving units from wards with slack.
    for i in 0..wards.len() {
        while wards[i].x + wards[i].y < need[i] {
            let (use_x, room) = if wards[i].x < hi_x[i] {
                (true, hi_x[i] - wards[i].x)
            } else if wards[i].y < hi_y[i] {
                (false, hi_y[i] - wards[i].y)
            } else {
                break; // cannot be met: fill_ward will say so
            };
            let short = (need[i] - wards[i].x - wards[i].y).min(room);
            let donor = (0..wards.len()).find(|&j| {
                j != i
                    && wards[j].x + wards[j].y > need[j]
                    && if use_x {
                        wards[j].x > 0
                    } else {
                        wards[j].y > 0
                    }
            });
            let Some(j) = donor else { break };
            let slack = wards[j].x + wards[j].y - need[j];
            let have = if use_x { wards[j].x } else { wards[j].y };
            let m = short.min(slack).min(have);
            if use_x {
                wards[j].x -= m;
                wards[i].x += m;
            } else {
                wards[j].y -= m;
                wards[i].y += m;
            }
        }
    }
}

/// Splits `total` over slots in proportion to `caps` (never above a cap), largest remainder.
fn apportion(total: u64, caps: &[u64]) -> Vec<u64> {
    let sum: u64 = caps.iter().sum();
    let total = total.min(sum);
    if sum == 0 {
        return vec![0; caps.len()];
    }
    let mut out: Vec<u64> = caps
        .iter()
        .map(|&c| (u128::from(total) * u128::from(c) / u128::from(sum)) as u64)
        .collect();
    let mut rest = total - out.iter().sum::<u64>();
    let mut order: Vec<usize> = (0..caps.len()).collect();
    let rem = |i: usize| (u128::from(total) * u128::from(caps[i])) % u128::from(sum);
    order.sort_by(|&a, &b| rem(b).cmp(&rem(a)).then(a.cmp(&b)));
    while rest > 0 {
        let mut moved = false;
        for &i in &order {
            if rest == 0 {
                break;
            }
            if out[i] < caps[i] {
                out[i] += 1;
                rest -= 1;
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    out
}

/// The ward's matrix, `n x (n + 3)`: rows first choices, columns counted second choices then
/// the three published not-counted heads. Diagonal excluded; with finalists (k, g) the cells
/// (g, k) and (k, g) are fixed at the ward's x and y.
fn fill_ward(w: &MayorWard, finalists: Option<(usize, usize)>) -> Option<Vec<u64>> {
    let n = w.first.len();
    let cols = n + 3;
    let mut rows = w.first.clone();
    let mut colsum: Vec<u64> = w.second.iter().copied().chain(w.voids).collect();
    let mut fixed = vec![0u64; n * cols];
    let mut allowed = vec![true; n * cols];
    for i in 0..n {
        allowed[i * cols + i] = false;
    }
    if let Some((k, g)) = finalists {
        for (r, c, v) in [(g, k, w.x), (k, g, w.y)] {
            fixed[r * cols + c] = v;
            allowed[r * cols + c] = false;
            rows[r] = rows[r].checked_sub(v)?;
            colsum[c] = colsum[c].checked_sub(v)?;
        }
    }
    let flow = transport(&rows, &colsum, &allowed)?;
    Some(fixed.iter().zip(flow).map(|(a, b)| a + b).collect())
}

/// A non-negative integer matrix with the given row and column sums, zero where not allowed:
/// a proportional start, then augmenting paths (Edmonds-Karp) from that feasible flow.
pub fn transport(rows: &[u64], cols: &[u64], allowed: &[bool]) -> Option<Vec<u64>> {
    let (nr, nc) = (rows.len(), cols.len());
    let total: u64 = rows.iter().sum();
    if total != cols.iter().sum::<u64>() || allowed.len() != nr * nc {
        return None;
    }
    let mut m = vec![0u64; nr * nc];
    if total > 0 {
        for i in 0..nr {
            for j in 0..nc {
                if allowed[i * nc + j] {
                    m[i * nc + j] =
                        (u128::from(rows[i]) * u128::from(cols[j]) / u128::from(total)) as u64;
                }
            }
        }
    }
    // Nodes: 0 source, 1..=nr rows, then columns, then sink. res[u][v] = residual capacity.
    let v = nr + nc + 2;
    let (src, sink) = (0, v - 1);
    let row_node = |i: usize| 1 + i;
    let col_node = |j: usize| 1 + nr + j;
    let mut res = vec![0i128; v * v];
    for i in 0..nr {
        let used: u64 = m[i * nc..(i + 1) * nc].iter().sum();
        res[src * v + row_node(i)] = i128::from(rows[i] - used);
        res[row_node(i) * v + src] = i128::from(used);
    }
    for j in 0..nc {
        let used: u64 = (0..nr).map(|i| m[i * nc + j]).sum();
        res[col_node(j) * v + sink] = i128::from(cols[j] - used);
        res[sink * v + col_node(j)] = i128::from(used);
        for i in 0..nr {
            if allowed[i * nc + j] {
                let f = i128::from(m[i * nc + j]);
                res[row_node(i) * v + col_node(j)] = i128::from(total) - f;
                res[col_node(j) * v + row_node(i)] = f;
            }
        }
    }
    let mut flow: u64 = m.iter().sum();
    let mut prev = vec![usize::MAX; v];
    while flow < total {
        prev.fill(usize::MAX);
        prev[src] = src;
        let mut queue = std::collections::VecDeque::from([src]);
        while let Some(u) = queue.pop_front() {
            if u == sink {
                break;
            }
            for x in 0..v {
                if prev[x] == usize::MAX && res[u * v + x] > 0 {
                    prev[x] = u;
                    queue.push_back(x);
                }
            }
        }
        if prev[sink] == usize::MAX {
            return None;
        }
        let mut bottleneck = i128::MAX;
        let mut x = sink;
        while x != src {
            bottleneck = bottleneck.min(res[prev[x] * v + x]);
            x = prev[x];
        }
        let mut x = sink;
        while x != src {
            res[prev[x] * v + x] -= bottleneck;
            res[x * v + prev[x]] += bottleneck;
            x = prev[x];
        }
        flow += bottleneck as u64;
    }
    let mut out = vec![0u64; nr * nc];
    for i in 0..nr {
        for j in 0..nc {
            if allowed[i * nc + j] {
                out[i * nc + j] = res[col_node(j) * v + row_node(i)] as u64;
            }
        }
    }
    Some(out)
}

fn constituency(
    dir: &Path,
    election: &Election,
    records: &mut Vec<Record>,
) -> Result<(), ReplayError> {
    // The constituency contest of each area.
    let contest_of: HashMap<usize, usize> = election
        .contests
        .iter()
        .enumerate()
        .filter(|(_, c)| c.kind == ContestKind::FirstPastThePost)
        .filter_map(|(ci, c)| match c.areas.as_slice() {
            [a] => Some((*a, ci)),
            _ => None,
        })
        .collect();
    let t = Table::read(dir.join("wards/constituency-member-by-ward.csv"))?;
    let (sc, fc, vc) = (
        t.col("candidate_surname")?,
        t.col("candidate_forenames")?,
        t.col("votes")?,
    );
    for r in 0..t.rows.len() {
        let area = area_of(election, &t, r)?;
        let &ci = contest_of.get(&area).ok_or_else(|| {
            t.bad(format!(
                "row {}: no constituency contest for the area",
                r + 2
            ))
        })?;
        let full = format!("{} {}", t.text(r, fc), t.text(r, sc));
        let opts = &election.contests[ci].options;
        let option = opts
            .iter()
            .position(|o| o.name.eq_ignore_ascii_case(&full))
            .or_else(|| {
                let s = t.text(r, sc).to_uppercase();
                let hits: Vec<usize> = (0..opts.len())
                    .filter(|&i| surname(&opts[i].name) == s)
                    .collect();
                (hits.len() == 1).then(|| hits[0])
            })
            .ok_or_else(|| t.bad(format!("row {}: unknown candidate '{full}'", r + 2)))?;
        push(
            records,
            area,
            ci,
            Vote::Single {
                option: option as u16,
            },
            t.num(r, vc)?,
        );
    }
    let t = Table::read(dir.join("wards/constituency-member-rejected-by-ward.csv"))?;
    let heads = head_cols(&t)?;
    for r in 0..t.rows.len() {
        let area = area_of(election, &t, r)?;
        let &ci = contest_of.get(&area).ok_or_else(|| {
            t.bad(format!(
                "row {}: no constituency contest for the area",
                r + 2
            ))
        })?;
        push_rejected(&t, r, &heads, records, area, ci)?;
    }
    Ok(())
}

fn london_wide(
    dir: &Path,
    election: &Election,
    records: &mut Vec<Record>,
) -> Result<(), ReplayError> {
    let Some(ci) = election.list_contest() else {
        return Ok(());
    };
    let parties = Table::read(dir.join("london-wide-parties.csv"))?;
    let (kc, bc) = (
        parties.col("party_name_key_sheet")?,
        parties.col("ballot_number")?,
    );
    let n = election.contests[ci].options.len();
    let mut by_name = BTreeMap::new();
    for r in 0..parties.rows.len() {
        let b = parties.num(r, bc)? as usize;
        if b == 0 || b > n {
            return Err(parties.bad(format!("row {}: ballot number {b} out of range", r + 2)));
        }
        by_name.insert(parties.text(r, kc).to_owned(), b - 1);
    }
    let t = Table::read(dir.join("wards/london-wide-by-ward.csv"))?;
    let cols: Vec<(usize, usize)> = by_name
        .iter()
        .map(|(name, &o)| Ok((t.col(name)?, o)))
        .collect::<Result<_, ReplayError>>()?;
    let heads = head_cols(&t)?;
    for r in 0..t.rows.len() {
        let area = area_of(election, &t, r)?;
        for &(c, o) in &cols {
            push(
                records,
                area,
                ci,
                Vote::Single { option: o as u16 },
                t.num(r, c)?,
            );
        }
        push_rejected(&t, r, &heads, records, area, ci)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transport_meets_sums_and_avoids_forbidden_cells() {
        let rows = [5, 3, 2];
        let cols = [4, 4, 2];
        let allowed: Vec<bool> = (0..9).map(|k| k / 3 != k % 3).collect();
        let m = transport(&rows, &cols, &allowed).expect("feasible");
        for i in 0..3 {
            assert_eq!(m[i * 3..i * 3 + 3].iter().sum::<u64>(), rows[i]);
            assert_eq!(m[i * 3 + i], 0);
        }
        for j in 0..3 {
            assert_eq!((0..3).map(|i| m[i * 3 + j]).sum::<u64>(), cols[j]);
        }
    }

    #[test]
    fn transport_reports_infeasible() {
        // Row 0 may only go to column 0, which is too small.
        let allowed = [true, false, true, true];
        assert!(transport(&[3, 1], &[2, 2], &allowed).is_none());
    }

    #[test]
    fn apportion_respects_caps_and_total() {
        let out = apportion(10, &[1, 100, 5]);
        assert_eq!(out.iter().sum::<u64>(), 10);
        assert!(out[0] <= 1 && out[2] <= 5);
    }
}
