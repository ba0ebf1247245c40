//! Ground truth for each generated page: what the voter meant, what the statutory rules make
//! of it, and whether a person is expected to look at it. One JSON object per line in each
//! batch's `truth.jsonl`.

use crate::marks::Mark;
use crate::scanner::ScanParams;
use ecount_election::{PaperKind, StyleCode, Vote};
use serde::{Deserialize, Serialize};

pub const TRUTH_FILE: &str = "truth.jsonl";
pub const SUMMARY_FILE: &str = "summary.json";

/// The outcome the rules give the page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// A ballot paper of this election: its vote (valid, or rejected under a head).
    Vote(Vote),
    /// Not read as a ballot: the reader's `Unreadable::name()` (`not_a_ballot`, `decode_failed`).
    SetAside { outcome: String },
    /// A paper of another election (style code not in this one): rejected for want of an
    /// official mark after a person has seen it.
    OfficialMarkReview,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    /// File name inside the batch folder.
    pub file: String,
    /// Batch id (the folder name); empty for a paper generated on its own.
    pub batch: String,
    /// The style of the paper scanned, when it is a paper of this election (also for a
    /// corrupt file of one); `None` for other pages.
    pub style: Option<StyleCode>,
    pub kind: Option<PaperKind>,
    /// Area id and contest id from the election definition.
    pub area: Option<String>,
    pub contest: Option<String>,
    /// Short case name: clean, no_second_choice, faint, too_many_first, too_many, blank,
    /// second_only, same_candidate_twice, second_too_many, second_uncertain, uncertain,
    /// beside_box, circle_round_box, dot, crossed_out, digits, stray_writing, upside_down,
    /// skewed, foreign_election, not_a_ballot, corrupt.
    pub case: String,
    /// Option indices the voter marked (or meant), per column: `[first, second]` on a Mayor
    /// paper, `[choices]` otherwise. For an ambiguous mark, every option it touches.
    pub intended: Vec<Vec<u16>>,
    pub expected: Expected,
    /// Whether a person should see the paper (apparently void, doubtful or odd marks, stray
    /// writing, a second choice not counted for a reason other than being left blank).
    pub expect_review: bool,
    /// The style code printed on a paper of another election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign_style: Option<u16>,
    /// Every mark drawn, in drawing order.
    pub marks: Vec<Mark>,
    /// On a bilevel scan, for each mark in `marks`: the share of its ink that is still black
    /// after thresholding (for a mark aimed at a voting box, of its ink in the box's mark
    /// zone; for a mark across two boxes or writing, of all its ink). A light pencil line can
    /// vanish, leaving no mark for any reader or person to see. Known only once the page is
    /// drawn; empty on grey and colour scans.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub survived: Vec<Option<f32>>,
    /// What the scanner did.
    pub scan: ScanParams,
}

/// What one batch folder holds, and whether its manifest was deliberately made to disagree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub batch: String,
    pub area: String,
    /// Files written to the folder (every page, readable or not).
    pub files: u64,
    /// Papers of this election actually in the folder, per kind, and in all.
    pub papers: u64,
    pub mayor: u64,
    pub constituency: u64,
    pub london_wide: u64,
    /// Papers the manifest claims.
    pub manifest_papers: u64,
    /// True when the manifest was written wrong on purpose (hard mix only).
    pub manifest_disagrees: bool,
}

/// Written as `summary.json` at the root of a generated tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeSummary {
    pub election: String,
    pub seed: u64,
    pub mix: String,
    pub dpi: u32,
    pub format: String,
    pub bilevel: bool,
    pub files: u64,
    pub batches: Vec<BatchSummary>,
    /// Pages per case name.
    pub cases: std::collections::BTreeMap<String, u64>,
}
