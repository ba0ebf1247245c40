//! Declarations: what the returning officers read out, built from a [`Tally`] by the rules in
//! [`crate::rules`], and written as text, CSV or JSON.

use crate::accum::{Cell, Tally, VOIDS};
use crate::rules::{
    first_past_the_post, london_members, supplementary_vote, FptpOutcome, ListOutcome, LotDraw,
    Lots, SeatDecided, SvOutcome,
};
use ecount_election::{ContestKind, Election, OptionKind, RejectionHead, SecondChoiceVoid};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// One option as declared.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionLine {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub description: String,
}

/// One contest's count in one area, as that area's returning officer reads it out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocalStatement {
    pub area: usize,
    pub area_id: String,
    pub area_name: String,
    pub contest: usize,
    pub contest_id: String,
    pub contest_title: String,
    pub kind: ContestKind,
    /// Valid votes (Mayor: first choices) per option, in ballot order.
    pub votes: Vec<u64>,
    pub valid: u64,
    /// Rejected papers per head, in the order read out.
    pub rejected: Vec<(RejectionHead, u64)>,
    pub rejected_total: u64,
    /// Valid + rejected.
    pub papers: u64,
    pub electorate: Option<u64>,
    /// Papers counted / electorate, percent to two places.
    pub turnout_percent: Option<f64>,
    /// Supplementary vote only.
    pub second: Option<SecondChoices>,
    /// First past the post only: the area's winner (the contest is the whole area).
    pub elected: Option<usize>,
}

/// The Mayor's second choices in one area: totals, not counted by reason, and the full
/// first x second choice matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecondChoices {
    /// Counted second choices per option.
    pub counted: Vec<u64>,
    /// Not counted, in `SecondChoiceVoid::ALL` order.
    pub not_counted: Vec<(SecondChoiceVoid, u64)>,
    /// `matrix[first][second]`, counted second choices.
    pub matrix: Vec<Vec<u64>>,
    /// `not_counted_by_first[first][reason]`.
    pub not_counted_by_first: Vec<Vec<u64>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    SupplementaryVote(SvOutcome),
    FirstPastThePost(FptpOutcome),
    AdditionalMember(ListOutcome),
}

/// A whole contest's result over all its areas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContestResult {
    pub contest: usize,
    pub id: String,
    pub title: String,
    /// Area names when the contest is one area's, else empty.
    pub area_name: Option<String>,
    pub options: Vec<OptionLine>,
    pub rejected: Vec<(RejectionHead, u64)>,
    pub rejected_total: u64,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Declarations {
    pub election_id: String,
    pub election_name: String,
    pub date: String,
    pub lot_seed: u64,
    /// Per area, per contest voted on there, area by area.
    pub local: Vec<LocalStatement>,
    /// Per contest, in definition order.
    pub results: Vec<ContestResult>,
    /// Every drawing of lots, in the order drawn.
    pub lots: Vec<LotDraw>,
    /// Anything a returning officer must know before declaring.
    pub warnings: Vec<String>,
}

fn rejected_lines(c: &Cell) -> Vec<(RejectionHead, u64)> {
    RejectionHead::ALL
        .iter()
        .zip(c.rejected)
        .map(|(&h, n)| (h, n))
        .collect()
}

fn second_choices(c: &Cell) -> Option<SecondChoices> {
    if !c.supplementary {
        return None;
    }
    let n = c.options.max(1);
    Some(SecondChoices {
        counted: c.second_choices(),
        not_counted: SecondChoiceVoid::ALL
            .iter()
            .copied()
            .zip(c.not_counted_by_reason())
            .collect(),
        matrix: c.matrix.chunks_exact(n).map(<[u64]>::to_vec).collect(),
        not_counted_by_first: c
            .not_counted
            .chunks_exact(VOIDS)
            .map(<[u64]>::to_vec)
            .collect(),
    })
}

/// Whole results: SV with run-off, FPTP per constituency, London-wide d'Hondt. `lot_seed`
/// seeds every drawing of lots; the draws are recorded in the result.
pub fn declare(election: &Election, tally: &Tally, lot_seed: u64) -> Declarations {
    let mut lots = Lots::new(lot_seed);
    let mut warnings = Vec::new();
    if !tally.is_consistent() {
        warnings
            .push("some counts are negative: a vote was removed that was never added".to_owned());
    }
    if tally.misfits() != 0 {
        warnings.push(format!(
            "{} vote(s) fitted no contest (unknown area, contest or option) and are not counted",
            tally.misfits() as i64
        ));
    }

    let mut local = Vec::new();
    for (ai, area) in election.areas.iter().enumerate() {
        for (ci, contest) in election.contests.iter().enumerate() {
            let Some(c) = tally.cell(ai, ci) else {
                continue;
            };
            let papers = c.valid() + c.rejected_total();
            let turnout_percent = area
                .electorate
                .filter(|&e| e > 0)
                .map(|e| (papers as f64 * 10_000.0 / e as f64).round() / 100.0);
            local.push(LocalStatement {
                area: ai,
                area_id: area.id.clone(),
                area_name: area.name.clone(),
                contest: ci,
                contest_id: contest.id.clone(),
                contest_title: contest.title.clone(),
                kind: contest.kind,
                votes: c.votes.clone(),
                valid: c.valid(),
                rejected: rejected_lines(c),
                rejected_total: c.rejected_total(),
                papers,
                electorate: area.electorate,
                turnout_percent,
                second: second_choices(c),
                elected: None,
            });
        }
    }

    // FPTP first: the London-wide allocation needs the constituency winners.
    let mut outcomes: Vec<Option<Outcome>> = vec![None; election.contests.len()];
    let mut totals: Vec<Cell> = Vec::with_capacity(election.contests.len());
    for (ci, contest) in election.contests.iter().enumerate() {
        let total = tally.contest_total(
            ci,
            contest.options.len(),
            contest.kind == ContestKind::SupplementaryVote,
        );
        match contest.kind {
            ContestKind::SupplementaryVote => {
                let r = supplementary_vote(&total.votes, &total.matrix, &mut lots, ci, &contest.id);
                if r.elected.is_none() {
                    warnings.push(format!("{}: no valid votes, nobody elected", contest.id));
                }
                outcomes[ci] = Some(Outcome::SupplementaryVote(r));
            }
            ContestKind::FirstPastThePost => {
                let r = first_past_the_post(&total.votes, &mut lots, ci, &contest.id);
                if r.elected.is_none() {
                    warnings.push(format!("{}: no valid votes, nobody elected", contest.id));
                }
                outcomes[ci] = Some(Outcome::FirstPastThePost(r));
            }
            ContestKind::AdditionalMember => {}
        }
        totals.push(total);
    }
    for (ci, contest) in election.contests.iter().enumerate() {
        if contest.kind != ContestKind::AdditionalMember {
            continue;
        }
        let n = contest.options.len();
        let mut cons = vec![0u64; n];
        for &k in &contest.constituency_contests {
            if let Some(Outcome::FirstPastThePost(FptpOutcome {
                elected: Some(w), ..
            })) = &outcomes[k]
            {
                if let Some(p) = election.contests[k].options[*w].party {
                    if p < n {
                        cons[p] += 1;
                    }
                }
            }
        }
        let independent: Vec<bool> = contest
            .options
            .iter()
            .map(|o| o.kind == OptionKind::Independent)
            .collect();
        let r = london_members(
            &totals[ci].votes,
            &independent,
            &cons,
            contest.seats,
            contest.threshold_percent,
            &mut lots,
            ci,
            &contest.id,
        );
        if r.unfilled > 0 {
            warnings.push(format!(
                "{}: {} seat(s) unfilled: no party or individual qualifies",
                contest.id, r.unfilled
            ));
        }
        outcomes[ci] = Some(Outcome::AdditionalMember(r));
    }

    let mut results = Vec::new();
    for (ci, contest) in election.contests.iter().enumerate() {
        let Some(outcome) = outcomes[ci].take() else {
            continue;
        };
        if let Outcome::FirstPastThePost(r) = &outcome {
            for l in local.iter_mut().filter(|l| l.contest == ci) {
                l.elected = r.elected;
            }
        }
        let area_name = match contest.areas.as_slice() {
            [a] if contest.kind == ContestKind::FirstPastThePost || election.areas.len() > 1 => {
                Some(election.areas[*a].name.clone())
            }
            _ => None,
        };
        results.push(ContestResult {
            contest: ci,
            id: contest.id.clone(),
            title: contest.title.clone(),
            area_name,
            options: contest
                .options
                .iter()
                .enumerate()
                .map(|(i, o)| OptionLine {
                    index: i,
                    id: o.id.clone(),
                    name: o.name.clone(),
                    description: o.description.clone(),
                })
                .collect(),
            rejected: rejected_lines(&totals[ci]),
            rejected_total: totals[ci].rejected_total(),
            outcome,
        });
    }

    Declarations {
        election_id: election.id.clone(),
        election_name: election.name.clone(),
        date: election.date.clone(),
        lot_seed,
        local,
        results,
        lots: lots.draws,
        warnings,
    }
}

/// 1234567 -> "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits: Vec<char> = n.to_string().chars().collect();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.iter().enumerate() {
        let left = digits.len() - i;
        if i > 0 && left.is_multiple_of(3) {
            out.push(',');
        }
        out.push(*ch);
    }
    out
}

fn label(o: &OptionLine) -> String {
    if o.description.is_empty() || o.description == o.name {
        o.name.clone()
    } else {
        format!("{} ({})", o.name, o.description)
    }
}

impl Declarations {
    pub fn result(&self, contest_id: &str) -> Option<&ContestResult> {
        self.results.iter().find(|r| r.id == contest_id)
    }

    fn options_of(&self, contest: usize) -> &[OptionLine] {
        self.results
            .iter()
            .find(|r| r.contest == contest)
            .map_or(&[], |r| r.options.as_slice())
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(t, "{} ({})", self.election_name, self.date);
        let _ = writeln!(
            t,
            "Declarations. Lots, where needed, drawn with seed {}.",
            self.lot_seed
        );
        for w in &self.warnings {
            let _ = writeln!(t, "WARNING: {w}");
        }

        let mut last_area = usize::MAX;
        for l in &self.local {
            if l.area != last_area {
                let _ = writeln!(t, "\n==== {} ====", l.area_name);
                last_area = l.area;
            }
            let opts = self.options_of(l.contest);
            let _ = writeln!(t, "\n-- {} --", l.contest_title);
            let what = match l.kind {
                ContestKind::SupplementaryVote => "first choices",
                _ => "votes",
            };
            let _ = writeln!(t, "The number of {what} recorded for each was:");
            let width = opts.iter().map(|o| label(o).len()).max().unwrap_or(0);
            for o in opts {
                let v = l.votes.get(o.index).copied().unwrap_or(0);
                let mark = if l.elected == Some(o.index) {
                    "  ELECTED"
                } else {
                    ""
                };
                let _ = writeln!(t, "  {:<width$}  {:>10}{mark}", label(o), thousands(v));
            }
            let _ = writeln!(t, "  Total valid: {}", thousands(l.valid));
            let _ = writeln!(t, "  Rejected ballot papers:");
            for (h, n) in &l.rejected {
                let _ = writeln!(t, "    {:<56} {:>8}", h.label(), thousands(*n));
            }
            let _ = writeln!(
                t,
                "    {:<56} {:>8}",
                "Total rejected",
                thousands(l.rejected_total)
            );
            let _ = writeln!(t, "  Ballot papers counted: {}", thousands(l.papers));
            if let (Some(e), Some(p)) = (l.electorate, l.turnout_percent) {
                let _ = writeln!(t, "  Electorate: {}  Turnout: {p:.2}%", thousands(e));
            }
            if let Some(s) = &l.second {
                let _ = writeln!(t, "  Second choices counted:");
                for o in opts {
                    let v = s.counted.get(o.index).copied().unwrap_or(0);
                    let _ = writeln!(t, "    {:<width$}  {:>10}", o.name, thousands(v));
                }
                let _ = writeln!(t, "  Second choices not counted:");
                for (why, n) in &s.not_counted {
                    let _ = writeln!(t, "    {:<14} {:>10}", why.as_str(), thousands(*n));
                }
            }
            if let Some(w) = l.elected.and_then(|w| opts.get(w)) {
                let _ = writeln!(t, "  {} is duly elected.", label(w));
            }
        }

        for r in &self.results {
            match &r.outcome {
                Outcome::SupplementaryVote(sv) => self.text_sv(&mut t, r, sv),
                Outcome::AdditionalMember(lw) => self.text_list(&mut t, r, lw),
                Outcome::FirstPastThePost(_) => {}
            }
        }
        self.text_constituency_summary(&mut t);

        // The matrices last: they are long.
        for l in &self.local {
            let Some(s) = &l.second else { continue };
            let opts = self.options_of(l.contest);
            let _ = writeln!(
                t,
                "\n==== {}: {} — first choice (rows) x second choice (columns) ====",
                l.area_name, l.contest_title
            );
            let short: Vec<String> = opts.iter().map(|o| short_name(&o.name)).collect();
            let _ = write!(t, "{:<12}", "");
            for s in &short {
                let _ = write!(t, "{s:>10}");
            }
            for why in SecondChoiceVoid::ALL {
                let _ = write!(t, "{:>14}", why.as_str());
            }
            let _ = writeln!(t);
            for (i, row) in s.matrix.iter().enumerate() {
                let _ = write!(t, "{:<12}", short.get(i).map_or("", |s| s.as_str()));
                for v in row {
                    let _ = write!(t, "{v:>10}");
                }
                for v in s.not_counted_by_first.get(i).into_iter().flatten() {
                    let _ = write!(t, "{v:>14}");
                }
                let _ = writeln!(t);
            }
        }
        t
    }

    fn text_sv(&self, t: &mut String, r: &ContestResult, sv: &SvOutcome) {
        let _ = writeln!(t, "\n==== {} — result ====", r.title);
        let _ = writeln!(t, "First choices (valid {}):", thousands(sv.valid));
        let width = r.options.iter().map(|o| label(o).len()).max().unwrap_or(0);
        for o in &r.options {
            let _ = writeln!(
                t,
                "  {:<width$}  {:>10}",
                label(o),
                thousands(sv.first[o.index])
            );
        }
        let _ = writeln!(t, "Rejected ballot papers:");
        for (h, n) in &r.rejected {
            let _ = writeln!(t, "  {:<56} {:>8}", h.label(), thousands(*n));
        }
        let _ = writeln!(
            t,
            "  {:<56} {:>8}",
            "Total rejected",
            thousands(r.rejected_total)
        );
        if sv.elected_outright {
            if let Some(w) = sv.elected.and_then(|w| r.options.get(w)) {
                let _ = writeln!(
                    t,
                    "{} has more than half of the valid first choices and is duly elected.",
                    label(w)
                );
            }
            return;
        }
        if sv.continuing.is_empty() {
            let _ = writeln!(t, "No valid votes: nobody elected.");
            return;
        }
        let _ = writeln!(
            t,
            "No candidate has more than half of the valid first choices. Second round:"
        );
        let _ = writeln!(
            t,
            "  {:<width$}  {:>10}  {:>10}  {:>10}",
            "", "first", "added", "total"
        );
        for &i in &sv.continuing {
            let _ = writeln!(
                t,
                "  {:<width$}  {:>10}  {:>10}  {:>10}",
                label(&r.options[i]),
                thousands(sv.first[i]),
                thousands(sv.added[i]),
                thousands(sv.totals[i])
            );
        }
        if let Some(w) = sv.elected.and_then(|w| r.options.get(w)) {
            let how = if sv.by_lot {
                " (equal totals: decided by lot)"
            } else {
                ""
            };
            let _ = writeln!(t, "{} is duly elected{how}.", label(w));
        }
    }

    fn text_list(&self, t: &mut String, r: &ContestResult, lw: &ListOutcome) {
        let _ = writeln!(t, "\n==== {} — result ====", r.title);
        let width = r.options.iter().map(|o| o.name.len()).max().unwrap_or(0);
        let _ = writeln!(
            t,
            "Valid London votes {}; threshold {}% = {} votes.",
            thousands(lw.valid),
            lw.threshold_percent,
            thousands(lw.threshold_votes)
        );
        let _ = writeln!(
            t,
            "  {:<width$}  {:>10}  {:>5}  {:>5}  {:>5}",
            "", "votes", "qual", "const", "list"
        );
        for o in &r.options {
            let i = o.index;
            let _ = writeln!(
                t,
                "  {:<width$}  {:>10}  {:>5}  {:>5}  {:>5}",
                o.name,
                thousands(lw.votes[i]),
                if lw.qualifies[i] { "yes" } else { "no" },
                lw.constituency_seats[i],
                lw.list_seats[i]
            );
        }
        let _ = writeln!(t, "Rejected ballot papers:");
        for (h, n) in &r.rejected {
            let _ = writeln!(t, "  {:<56} {:>8}", h.label(), thousands(*n));
        }
        let _ = writeln!(
            t,
            "  {:<56} {:>8}",
            "Total rejected",
            thousands(r.rejected_total)
        );
        let _ = writeln!(
            t,
            "Allocation of London members (figure = votes / (seats held + 1)):"
        );
        for s in &lw.steps {
            let mut figs: Vec<(usize, f64)> = s
                .figures
                .iter()
                .enumerate()
                .filter_map(|(i, f)| f.map(|f| (i, f.value())))
                .collect();
            figs.sort_by(|a, b| b.1.total_cmp(&a.1));
            let runner = figs.iter().find(|(i, _)| *i != s.winner);
            let how = match s.decided {
                SeatDecided::HighestFigure => String::new(),
                SeatDecided::Recalculated => {
                    " (equal figures: recalculated with one more seat)".into()
                }
                SeatDecided::Lot => " (equal figures: decided by lot)".into(),
            };
            let win = figs
                .iter()
                .find(|(i, _)| *i == s.winner)
                .map_or(0.0, |f| f.1);
            let _ = write!(
                t,
                "  seat {:>2}: {} at {}{how}",
                s.seat,
                r.options[s.winner].name,
                fig(win)
            );
            if let Some((i, f)) = runner {
                let _ = write!(t, "; next {} at {}", r.options[*i].name, fig(*f));
            }
            let _ = writeln!(t);
        }
        if lw.unfilled > 0 {
            let _ = writeln!(t, "  {} seat(s) unfilled.", lw.unfilled);
        }
    }

    fn text_constituency_summary(&self, t: &mut String) {
        let fptp: Vec<&ContestResult> = self
            .results
            .iter()
            .filter(|r| matches!(r.outcome, Outcome::FirstPastThePost(_)))
            .collect();
        if fptp.is_empty() {
            return;
        }
        let _ = writeln!(t, "\n==== Constituency members returned ====");
        for r in fptp {
            let Outcome::FirstPastThePost(f) = &r.outcome else {
                continue;
            };
            let who = f
                .elected
                .and_then(|w| r.options.get(w))
                .map_or("nobody (no valid votes)".to_owned(), label);
            let lot = if f.by_lot { " (by lot)" } else { "" };
            let _ = writeln!(
                t,
                "  {:<24} {who}{lot}",
                r.area_name.as_deref().unwrap_or(&r.id)
            );
        }
    }

    /// One long table: section, area, contest, option, item, value.
    pub fn to_csv(&self) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let mut row = |cols: [&str; 6]| {
            let _ = w.write_record(cols);
        };
        row(["section", "area", "contest", "option", "item", "value"]);
        for l in &self.local {
            let opts = self.options_of(l.contest);
            let first = if l.kind == ContestKind::SupplementaryVote {
                "first_choice"
            } else {
                "votes"
            };
            for o in opts {
                let v = l.votes.get(o.index).copied().unwrap_or(0).to_string();
                row(["local", &l.area_id, &l.contest_id, &o.id, first, &v]);
            }
            row([
                "local",
                &l.area_id,
                &l.contest_id,
                "",
                "valid",
                &l.valid.to_string(),
            ]);
            for (h, n) in &l.rejected {
                row([
                    "local",
                    &l.area_id,
                    &l.contest_id,
                    "",
                    &format!("rejected:{h}"),
                    &n.to_string(),
                ]);
            }
            row([
                "local",
                &l.area_id,
                &l.contest_id,
                "",
                "rejected_total",
                &l.rejected_total.to_string(),
            ]);
            row([
                "local",
                &l.area_id,
                &l.contest_id,
                "",
                "papers",
                &l.papers.to_string(),
            ]);
            if let Some(e) = l.electorate {
                row([
                    "local",
                    &l.area_id,
                    &l.contest_id,
                    "",
                    "electorate",
                    &e.to_string(),
                ]);
            }
            if let Some(p) = l.turnout_percent {
                row([
                    "local",
                    &l.area_id,
                    &l.contest_id,
                    "",
                    "turnout_percent",
                    &format!("{p:.2}"),
                ]);
            }
            if let Some(w) = l.elected.and_then(|w| opts.get(w)) {
                row(["local", &l.area_id, &l.contest_id, &w.id, "elected", "1"]);
            }
            if let Some(s) = &l.second {
                for o in opts {
                    let v = s.counted.get(o.index).copied().unwrap_or(0).to_string();
                    row([
                        "local",
                        &l.area_id,
                        &l.contest_id,
                        &o.id,
                        "second_choice",
                        &v,
                    ]);
                }
                for (why, n) in &s.not_counted {
                    row([
                        "local",
                        &l.area_id,
                        &l.contest_id,
                        "",
                        &format!("second_not_counted:{}", why.as_str()),
                        &n.to_string(),
                    ]);
                }
                for (i, r) in s.matrix.iter().enumerate() {
                    let Some(fo) = opts.get(i) else { continue };
                    for (j, v) in r.iter().enumerate() {
                        let so = opts.get(j).map_or("", |o| o.id.as_str());
                        row([
                            "matrix",
                            &l.area_id,
                            &l.contest_id,
                            &fo.id,
                            &format!("second:{so}"),
                            &v.to_string(),
                        ]);
                    }
                    for (k, v) in s
                        .not_counted_by_first
                        .get(i)
                        .into_iter()
                        .flatten()
                        .enumerate()
                    {
                        let why = SecondChoiceVoid::ALL[k];
                        row([
                            "matrix",
                            &l.area_id,
                            &l.contest_id,
                            &fo.id,
                            &format!("not_counted:{}", why.as_str()),
                            &v.to_string(),
                        ]);
                    }
                }
            }
        }
        for r in &self.results {
            let c = r.id.as_str();
            for (h, n) in &r.rejected {
                row([
                    "result",
                    "",
                    c,
                    "",
                    &format!("rejected:{h}"),
                    &n.to_string(),
                ]);
            }
            match &r.outcome {
                Outcome::SupplementaryVote(sv) => {
                    for o in &r.options {
                        let i = o.index;
                        row([
                            "result",
                            "",
                            c,
                            &o.id,
                            "first_choice",
                            &sv.first[i].to_string(),
                        ]);
                        if sv.continuing.contains(&i) {
                            row([
                                "result",
                                "",
                                c,
                                &o.id,
                                "second_round_added",
                                &sv.added[i].to_string(),
                            ]);
                            row([
                                "result",
                                "",
                                c,
                                &o.id,
                                "final_total",
                                &sv.totals[i].to_string(),
                            ]);
                        }
                    }
                    if let Some(w) = sv.elected.and_then(|w| r.options.get(w)) {
                        let how = if sv.elected_outright {
                            "outright"
                        } else if sv.by_lot {
                            "lot"
                        } else {
                            "second_round"
                        };
                        row(["result", "", c, &w.id, "elected", how]);
                    }
                }
                Outcome::FirstPastThePost(f) => {
                    for o in &r.options {
                        row([
                            "result",
                            "",
                            c,
                            &o.id,
                            "votes",
                            &f.votes[o.index].to_string(),
                        ]);
                    }
                    if let Some(w) = f.elected.and_then(|w| r.options.get(w)) {
                        row([
                            "result",
                            "",
                            c,
                            &w.id,
                            "elected",
                            if f.by_lot { "lot" } else { "most_votes" },
                        ]);
                    }
                }
                Outcome::AdditionalMember(lw) => {
                    row([
                        "result",
                        "",
                        c,
                        "",
                        "threshold_votes",
                        &lw.threshold_votes.to_string(),
                    ]);
                    for o in &r.options {
                        let i = o.index;
                        row(["result", "", c, &o.id, "votes", &lw.votes[i].to_string()]);
                        row([
                            "result",
                            "",
                            c,
                            &o.id,
                            "qualifies",
                            if lw.qualifies[i] { "1" } else { "0" },
                        ]);
                        row([
                            "result",
                            "",
                            c,
                            &o.id,
                            "constituency_seats",
                            &lw.constituency_seats[i].to_string(),
                        ]);
                        row([
                            "result",
                            "",
                            c,
                            &o.id,
                            "list_seats",
                            &lw.list_seats[i].to_string(),
                        ]);
                    }
                    for s in &lw.steps {
                        for (i, f) in s.figures.iter().enumerate() {
                            let Some(f) = f else { continue };
                            let id = r.options.get(i).map_or("", |o| o.id.as_str());
                            row([
                                "dhondt",
                                "",
                                c,
                                id,
                                &format!("seat:{}:figure:{}/{}", s.seat, f.votes, f.divisor),
                                &format!("{:.2}", f.value()),
                            ]);
                        }
                        let id = r.options.get(s.winner).map_or("", |o| o.id.as_str());
                        let how = match s.decided {
                            SeatDecided::HighestFigure => "highest_figure",
                            SeatDecided::Recalculated => "recalculated",
                            SeatDecided::Lot => "lot",
                        };
                        row(["dhondt", "", c, id, &format!("seat:{}:won", s.seat), how]);
                    }
                }
            }
        }
        for (k, d) in self.lots.iter().enumerate() {
            let tied: Vec<String> = d.tied.iter().map(|i| i.to_string()).collect();
            row([
                "lot",
                "",
                &d.contest,
                &d.chosen.to_string(),
                &format!("draw:{k}:{}", d.purpose),
                &format!(
                    "tied {} seed {} stream {}",
                    tied.join(" "),
                    d.seed,
                    d.stream
                ),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

/// A London figure as read out: whole numbers plainly, else to two places.
fn fig(v: f64) -> String {
    let hundredths = (v * 100.0).round() as u64;
    let (whole, frac) = (hundredths / 100, hundredths % 100);
    match frac {
        0 => thousands(whole),
        f if f % 10 == 0 => format!("{}.{}", thousands(whole), f / 10),
        f => format!("{}.{f:02}", thousands(whole)),
    }
}

fn short_name(name: &str) -> String {
    let last = name.split_whitespace().last().unwrap_or(name);
    last.chars().take(9).collect()
}
