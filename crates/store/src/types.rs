//! The values that cross the store's API.

use ecount_election::{BatchManifest, PaperKind, RejectionHead, Vote};
use ecount_scan::Outcome;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchInfo {
    pub batch_id: String,
    pub folder: String,
    /// Area id from the election definition (from the manifest or the folder's name).
    pub area: Option<String>,
    pub manifest: Option<BatchManifest>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaperInput {
    pub batch_id: String,
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
    pub outcome: Outcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Recorded {
    New {
        paper_id: i64,
        status: PaperStatus,
    },
    /// The same bytes were stored before (from `first_path`); nothing changed.
    Duplicate {
        first_path: String,
    },
    /// This path was recorded before with other bytes (a box rescanned into its old folder):
    /// not counted, so no paper is counted twice; listed for the count staff to resolve.
    Replaced {
        first_paper: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaperStatus {
    /// Read without flags: the machine's vote counts.
    Counted,
    /// Waiting for a clerk.
    AwaitingReview,
    /// A clerk proposed rejection: waiting for the CRO.
    AwaitingCro,
    /// A final decision counts.
    Adjudicated,
    /// Not a paper of this election (or not an image): kept aside with its reason.
    SetAside,
}

impl PaperStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Counted => "counted",
            Self::AwaitingReview => "awaiting_review",
            Self::AwaitingCro => "awaiting_cro",
            Self::Adjudicated => "adjudicated",
            Self::SetAside => "set_aside",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Counted,
            Self::AwaitingReview,
            Self::AwaitingCro,
            Self::Adjudicated,
            Self::SetAside,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// What the pipeline makes of a reader's outcome.
    pub fn of_outcome(outcome: &Outcome) -> Self {
        match outcome {
            Ok(r) if r.flags.is_empty() => Self::Counted,
            Ok(_) => Self::AwaitingReview,
            Err(u) if u.wants_official_mark_review() => Self::AwaitingReview,
            Err(_) => Self::SetAside,
        }
    }
}

/// Which queue: clerks' adjudication, or the CRO's confirmation of proposed rejections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Clerk,
    Cro,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::Cro => "cro",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "clerk" => Some(Self::Clerk),
            "cro" => Some(Self::Cro),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFilter {
    /// Only papers of these areas (indices into `Election::areas`); `None` = all.
    pub areas: Option<Vec<usize>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    pub paper_id: i64,
    pub stage: Stage,
    pub lease_holder: Option<String>,
    pub lease_expires: Option<i64>,
    pub batch_id: String,
    pub path: String,
    /// The clerk's proposed rejection (CRO stage).
    pub proposal: Option<DecisionRow>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KindCounts {
    pub mayor: u64,
    pub constituency: u64,
    pub london_wide: u64,
}

impl KindCounts {
    pub fn add(&mut self, kind: PaperKind, n: u64) {
        match kind {
            PaperKind::Mayor => self.mayor += n,
            PaperKind::Constituency => self.constituency += n,
            PaperKind::LondonWide => self.london_wide += n,
        }
    }
    pub fn total(&self) -> u64 {
        self.mayor + self.constituency + self.london_wide
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchSummary {
    pub batch_id: String,
    pub folder: String,
    pub area: Option<String>,
    pub manifest: Option<BatchManifest>,
    /// Distinct papers stored from this batch.
    pub found: u64,
    /// Read papers by kind (what the manifest's account is checked against).
    pub found_by_kind: KindCounts,
    pub set_aside: u64,
    /// Papers awaiting the reviewer for want of an official mark (no kind known).
    pub unidentified: u64,
    /// Images in this batch whose bytes were already stored from another path.
    pub duplicates: u64,
    /// Read papers by the area index their style names (to spot papers of another area).
    pub by_area: Vec<(usize, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaProgress {
    /// Index into `Election::areas`.
    pub area: usize,
    pub scanned: u64,
    /// Papers the reader identified as papers of this election.
    pub read: u64,
    pub counted: u64,
    pub awaiting_review: u64,
    pub awaiting_cro: u64,
    pub adjudicated: u64,
    pub set_aside: u64,
    pub by_kind: KindCounts,
    pub duplicates: u64,
    /// Batches whose manifest (or folder) names this area.
    pub batches: Vec<BatchSummary>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRow {
    pub id: i64,
    pub paper_id: i64,
    pub actor: String,
    pub role: Role,
    pub action: String,
    pub area: usize,
    pub contest: usize,
    pub vote: Vote,
    /// A final decision counts; a clerk's proposed rejection does not until the CRO confirms.
    pub is_final: bool,
    pub decided_at: i64,
    pub audit_seq: i64,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaperRow {
    pub id: i64,
    pub batch_id: String,
    pub path: String,
    pub sha256: String,
    pub status: PaperStatus,
    pub outcome: Outcome,
    /// The latest final decision, if any.
    pub decision: Option<DecisionRow>,
}

impl PaperRow {
    /// (area, contest, vote) this paper currently adds to the tally.
    pub fn effect(&self) -> Option<(usize, usize, Vote)> {
        match (self.status, &self.outcome, &self.decision) {
            (PaperStatus::Counted, Ok(r), _) => Some((r.area, r.contest, r.vote)),
            (PaperStatus::Adjudicated, _, Some(d)) => Some((d.area, d.contest, d.vote)),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PaperDetail {
    pub id: i64,
    pub batch_id: String,
    pub batch_area: Option<String>,
    pub path: String,
    pub sha256: String,
    pub status: PaperStatus,
    pub outcome: Outcome,
    pub queue: Option<QueueEntry>,
    /// Every decision on this paper, oldest first.
    pub decisions: Vec<DecisionRow>,
}

impl PaperDetail {
    pub fn current(&self) -> Option<&DecisionRow> {
        self.decisions.iter().rev().find(|d| d.is_final)
    }
    pub fn proposal(&self) -> Option<&DecisionRow> {
        match self.status {
            PaperStatus::AwaitingCro => self.decisions.iter().rev().find(|d| !d.is_final),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Clerk,
    Cro,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clerk => "clerk",
            Self::Cro => "cro",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "clerk" => Some(Self::Clerk),
            "cro" => Some(Self::Cro),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum DecisionAction {
    /// Clerk: the machine's reading stands (for a paper without a style: want of official mark).
    Accept,
    /// Clerk: the votes as corrected.
    Correct { vote: Vote },
    /// Clerk: reject under a statutory head (goes to the CRO).
    ProposeRejection { head: RejectionHead },
    /// CRO: the proposed rejection stands.
    CroConfirm,
    /// CRO: the paper is valid after all, with these votes.
    CroOverturn { vote: Vote },
    /// CRO: a fresh decision on an adjudicated paper; it replaces the earlier one's effect.
    Redecide { vote: Vote },
}

impl DecisionAction {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Correct { .. } => "correct",
            Self::ProposeRejection { .. } => "propose_rejection",
            Self::CroConfirm => "cro_confirm",
            Self::CroOverturn { .. } => "cro_overturn",
            Self::Redecide { .. } => "redecide",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecisionInput {
    pub paper_id: i64,
    pub actor: String,
    pub role: Role,
    pub action: DecisionAction,
    /// Required for a paper without a reading (no style): the contest it is a paper of.
    pub area: Option<usize>,
    pub contest: Option<usize>,
    /// What the page showed the decider (recorded in the audit entry).
    pub shown: serde_json::Value,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DecisionResult {
    pub decision_id: i64,
    pub audit_seq: i64,
    pub status: PaperStatus,
    pub vote: Vote,
    pub is_final: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub name: String,
    pub role: Role,
    /// A PHC string (argon2); the store never sees passwords.
    pub password_hash: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub name: String,
    pub role: Role,
    pub password_hash: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    /// SHA-256 (hex) of the cookie's token: the token itself is never stored.
    pub token_hash: String,
    pub user_name: String,
    pub csrf: String,
    pub created_at: i64,
    pub expires_at: i64,
}
