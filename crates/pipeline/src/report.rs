//! What a scan reports: the run's counts, the verification of each batch against its ballot
//! paper account (as at the London count: differences are reported, never stop the count),
//! and provisional results per area.

use ecount_election::{Election, PaperKind};
use ecount_store::{BatchSummary, KindCounts};
use ecount_tally::Tally;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

/// One difference between a batch and its manifest, or something else the count should see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Discrepancy {
    /// No manifest: nothing to verify against.
    NoManifest,
    /// The manifest names an area the election does not have.
    UnknownArea { area: String },
    /// Papers of this election read, against the account's total. `unidentified` papers
    /// (no official mark found: awaiting review) and `set_aside` pages (not read) are named,
    /// as they may explain the difference.
    PaperTotal {
        expected: u64,
        found: u64,
        unidentified: u64,
        set_aside: u64,
    },
    /// Papers of one kind read against the account for that kind.
    KindTotal {
        paper: &'static str,
        expected: u64,
        found: u64,
    },
    /// Papers whose style names another area than the batch's.
    OtherArea { area: String, papers: u64 },
    /// Images whose bytes were already stored from another file.
    DuplicateImages { images: u64 },
}

impl std::fmt::Display for Discrepancy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoManifest => write!(f, "no manifest: papers not verified against an account"),
            Self::UnknownArea { area } => {
                write!(f, "manifest area '{area}' is not in the election")
            }
            Self::PaperTotal {
                expected,
                found,
                unidentified,
                set_aside,
            } => {
                write!(f, "account says {expected} papers, {found} read")?;
                if *unidentified > 0 {
                    write!(
                        f,
                        "; {unidentified} without an official mark (awaiting review)"
                    )?;
                }
                if *set_aside > 0 {
                    write!(f, "; {set_aside} pages set aside unread")?;
                }
                Ok(())
            }
            Self::KindTotal {
                paper,
                expected,
                found,
            } => write!(f, "account says {expected} {paper} papers, {found} read"),
            Self::OtherArea { area, papers } => {
                write!(f, "{papers} papers of another area ({area})")
            }
            Self::DuplicateImages { images } => {
                write!(f, "{images} duplicate images (same bytes as another file)")
            }
        }
    }
}

/// A batch checked against its ballot paper account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BatchReport {
    pub batch_id: String,
    pub folder: String,
    pub area: Option<String>,
    pub found: u64,
    pub found_by_kind: KindCounts,
    pub set_aside: u64,
    pub unidentified: u64,
    pub discrepancies: Vec<Discrepancy>,
}

impl BatchReport {
    /// Verified: a manifest was there and everything agreed with it.
    pub fn verified(&self) -> bool {
        self.discrepancies.is_empty()
    }

    pub fn verify(b: &BatchSummary, election: &Election) -> Self {
        let mut discrepancies = Vec::new();
        let area_ix = b.area.as_deref().and_then(|a| election.area_index(a));
        if let (Some(area), None) = (&b.area, area_ix) {
            discrepancies.push(Discrepancy::UnknownArea { area: area.clone() });
        }
        match &b.manifest {
            None => discrepancies.push(Discrepancy::NoManifest),
            Some(m) => {
                let papers = b.found_by_kind.total();
                if m.papers != papers {
                    discrepancies.push(Discrepancy::PaperTotal {
                        expected: m.papers,
                        found: papers,
                        unidentified: b.unidentified,
                        set_aside: b.set_aside,
                    });
                }
                if let Some(acc) = &m.account {
                    for (paper, expected, found) in [
                        ("mayor", acc.mayor, b.found_by_kind.mayor),
                        (
                            "constituency",
                            acc.constituency,
                            b.found_by_kind.constituency,
                        ),
                        ("london-wide", acc.london_wide, b.found_by_kind.london_wide),
                    ] {
                        if expected != found {
                            discrepancies.push(Discrepancy::KindTotal {
                                paper,
                                expected,
                                found,
                            });
                        }
                    }
                }
            }
        }
        if let Some(own) = area_ix {
            for &(area, papers) in &b.by_area {
                if area != own && papers > 0 {
                    let area = election
                        .areas
                        .get(area)
                        .map_or_else(|| format!("#{area}"), |a| a.id.clone());
                    discrepancies.push(Discrepancy::OtherArea { area, papers });
                }
            }
        }
        if b.duplicates > 0 {
            discrepancies.push(Discrepancy::DuplicateImages {
                images: b.duplicates,
            });
        }
        Self {
            batch_id: b.batch_id.clone(),
            folder: b.folder.clone(),
            area: b.area.clone(),
            found: b.found,
            found_by_kind: b.found_by_kind,
            set_aside: b.set_aside,
            unidentified: b.unidentified,
            discrepancies,
        }
    }
}

/// The outcome of one `scan` run.
#[derive(Debug, Clone)]
pub struct ScanSummary {
    /// Image files under the root when the scan started.
    pub files: u64,
    /// Files hashed and handed to the store in this run (new, duplicate or already stored).
    pub files_seen: u64,
    /// Papers newly stored by this run.
    pub read: u64,
    pub counted: u64,
    /// Newly queued for adjudication (flagged readings and papers without an official mark).
    pub review: u64,
    /// Of `review`: papers with no reading, by outcome name.
    pub review_unidentified: BTreeMap<&'static str, u64>,
    /// Set aside, by outcome name.
    pub set_aside: BTreeMap<&'static str, u64>,
    /// Stored by an earlier run (resume or re-scan).
    pub already_recorded: u64,
    /// (path, path of the first copy).
    pub duplicates: Vec<(String, String)>,
    /// Paths recorded before with other bytes (a box rescanned into its old folder): not
    /// counted.
    pub replaced: Vec<String>,
    /// Files that could not be opened: (path, error). Not stored; a later run tries again.
    pub file_errors: Vec<(String, String)>,
    pub batches_done: u64,
    /// Verification of each batch scanned, from everything the store holds for it.
    pub batches: Vec<BatchReport>,
    /// Other problems met (unreadable manifests, folders that could not be listed).
    pub problems: Vec<String>,
    /// The provisional tally of the whole count, from the store.
    pub tally: Tally,
    pub elapsed: Duration,
}

impl ScanSummary {
    pub(crate) fn new(files: u64, election: &Election) -> Self {
        Self {
            files,
            files_seen: 0,
            read: 0,
            counted: 0,
            review: 0,
            review_unidentified: BTreeMap::new(),
            set_aside: BTreeMap::new(),
            already_recorded: 0,
            duplicates: Vec::new(),
            replaced: Vec::new(),
            file_errors: Vec::new(),
            batches_done: 0,
            batches: Vec::new(),
            problems: Vec::new(),
            tally: Tally::new(election),
            elapsed: Duration::ZERO,
        }
    }

    pub fn set_aside_total(&self) -> u64 {
        self.set_aside.values().sum()
    }

    pub fn to_text(&self) -> String {
        let mut t = String::new();
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            self.files_seen as f64 / secs
        } else {
            0.0
        };
        let _ = writeln!(
            t,
            "Scanned {} of {} image files in {:.1} s ({:.1} papers/s)",
            self.files_seen, self.files, secs, rate
        );
        let _ = writeln!(t, "  read now:            {}", self.read);
        let _ = writeln!(t, "  counted (valid):     {}", self.counted);
        let _ = writeln!(t, "  queued for review:   {}", self.review);
        for (name, n) in &self.review_unidentified {
            let _ = writeln!(t, "    of which {name}: {n}");
        }
        let _ = writeln!(t, "  set aside:           {}", self.set_aside_total());
        for (name, n) in &self.set_aside {
            let _ = writeln!(t, "    {name}: {n}");
        }
        let _ = writeln!(t, "  already stored:      {}", self.already_recorded);
        let _ = writeln!(t, "  duplicate images:    {}", self.duplicates.len());
        for (path, first) in &self.duplicates {
            let _ = writeln!(t, "    {path} (same as {first})");
        }
        if !self.replaced.is_empty() {
            let _ = writeln!(
                t,
                "  replaced images:     {} (recorded before with other content; not counted: \
                 scan a rescanned box into a new folder)",
                self.replaced.len()
            );
            for path in &self.replaced {
                let _ = writeln!(t, "    {path}");
            }
        }
        if !self.file_errors.is_empty() {
            let _ = writeln!(t, "  files not opened:    {}", self.file_errors.len());
            for (path, e) in &self.file_errors {
                let _ = writeln!(t, "    {path}: {e}");
            }
        }
        let verified = self.batches.iter().filter(|b| b.verified()).count();
        let _ = writeln!(
            t,
            "Batches: {} scanned, {} verified, {} with discrepancies",
            self.batches.len(),
            verified,
            self.batches.len() - verified
        );
        for b in self.batches.iter().filter(|b| !b.verified()) {
            let _ = writeln!(t, "  {}:", b.batch_id);
            for d in &b.discrepancies {
                let _ = writeln!(t, "    {d}");
            }
        }
        for p in &self.problems {
            let _ = writeln!(t, "  problem: {p}");
        }
        t
    }
}

/// Provisional first-choice (or single-vote) shares per area and contest, one line each,
/// options with votes in descending order.
pub fn provisional_text(election: &Election, tally: &Tally) -> String {
    let mut t = String::new();
    for (ai, area) in election.areas.iter().enumerate() {
        let mut lines = Vec::new();
        for (ci, contest) in election.contests.iter().enumerate() {
            if !contest.areas.contains(&ai) || tally.papers(ai, ci) == 0 {
                continue;
            }
            let papers = tally.papers(ai, ci);
            let mut shares = ecount_tally::shares(tally, ai, ci);
            let valid: u64 = shares.iter().map(|&(_, v)| v).sum();
            shares.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let parts: Vec<String> = shares
                .iter()
                .filter(|&&(_, v)| v > 0)
                .map(|&(o, v)| {
                    let name = contest.options.get(o).map_or("?", |x| x.name.as_str());
                    format!(
                        "{name} {v} ({:.1}%)",
                        100.0 * v as f64 / valid.max(1) as f64
                    )
                })
                .collect();
            let what = if contest.kind.paper_kind() == PaperKind::Mayor {
                "first choices"
            } else {
                "votes"
            };
            lines.push(format!(
                "  {}: {papers} papers, {valid} valid; {what}: {}",
                contest.title,
                if parts.is_empty() {
                    "none yet".to_string()
                } else {
                    parts.join(", ")
                }
            ));
        }
        if !lines.is_empty() {
            let _ = writeln!(t, "{} ({})", area.name, area.id);
            for l in lines {
                let _ = writeln!(t, "{l}");
            }
        }
    }
    if t.is_empty() {
        t.push_str("No papers counted yet.\n");
    }
    t
}
