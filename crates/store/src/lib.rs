//! The durable count store: batches, papers, the review queue, decisions and the audit chain.
//!
//! One trait, [`CountStore`], is the whole API; [`SqliteStore`] implements it on SQLite
//! (rusqlite, bundled, WAL). Every SQL statement lives in [`sql`] and is written to run
//! unchanged on PostgreSQL (standard types, `ON CONFLICT DO NOTHING`, no SQLite functions).
//!
//! - Papers are keyed by the SHA-256 of their bytes: a paper is recorded once, whatever path or
//!   run it comes from, so a re-scan or a resume after `kill -9` neither loses nor double-counts.
//! - The tally is rebuilt from the store: machine votes of counted papers plus the latest final
//!   decision of each adjudicated paper.
//! - Every decision appends an entry to a hash-chained audit log ([`audit`]).

pub mod audit;
pub mod sql;
mod sqlite;
mod types;

pub use audit::{canonical_json, AuditEntry, AuditReport, GENESIS_HASH};
pub use sqlite::SqliteStore;
pub use types::*;

use ecount_election::Election;
use ecount_tally::Tally;
use std::collections::HashSet;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store database: {0}")]
    Sql(#[from] rusqlite::Error),
    #[error("store: cannot encode/decode {what}: {source}")]
    Json {
        what: String,
        source: serde_json::Error,
    },
    #[error("store: paper {0} not found")]
    NoSuchPaper(i64),
    #[error("store: {0}")]
    Conflict(String),
    #[error("store: not allowed: {0}")]
    Forbidden(String),
    #[error("store: invalid decision: {0}")]
    Invalid(String),
    #[error("store: corrupt row: {0}")]
    Corrupt(String),
}

/// Everything the count needs from durable storage. The pipeline uses the first group, the
/// review application the rest.
pub trait CountStore {
    // ---- pipeline-facing ----

    /// Registers a batch (ballot box); a batch already known is left as it is.
    fn begin_batch(&mut self, b: &BatchInfo) -> Result<(), StoreError>;
    /// One transaction for the whole slice; each paper keyed by sha256: a paper already stored
    /// (same bytes, any path) comes back as Duplicate and changes nothing (a different path is
    /// noted once as a duplicate image for the verification report).
    fn record_papers(&mut self, papers: &[PaperInput]) -> Result<Vec<Recorded>, StoreError>;
    /// Content hashes of every stored paper, to skip work on resume.
    fn known_hashes(&self) -> Result<HashSet<String>, StoreError>;
    /// The tally of every paper's current effect, rebuilt from the store.
    fn tally(&self, election: &Election) -> Result<Tally, StoreError>;
    /// Per-area counts of papers by state and kind, with the area's batches.
    fn progress(&self, election: &Election) -> Result<Vec<AreaProgress>, StoreError>;
    /// Every batch with what was found in it.
    fn batches(&self) -> Result<Vec<BatchSummary>, StoreError>;
    /// Every paper in insertion order with its stored outcome and current decision.
    fn for_each_paper(&self, f: &mut dyn FnMut(&PaperRow)) -> Result<(), StoreError>;

    // ---- review-facing ----

    /// Gives `holder` one paper of `stage` under a lease until `now + lease_secs`: the paper
    /// it already holds, else the oldest whose lease is free or expired. `None` when the queue
    /// (as filtered) is empty.
    fn lease_next(
        &mut self,
        election: &Election,
        holder: &str,
        stage: Stage,
        filter: &QueueFilter,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<i64>, StoreError>;
    /// Gives a leased paper back to the queue (no-op if `holder` does not hold it).
    fn release_lease(&mut self, paper_id: i64, holder: &str) -> Result<(), StoreError>;
    /// Papers waiting at `stage`, oldest first.
    fn queue(&self, stage: Stage) -> Result<Vec<QueueEntry>, StoreError>;
    fn paper(&self, paper_id: i64) -> Result<PaperDetail, StoreError>;
    /// Records a decision, its audit entry and its effect in one transaction.
    fn decide(
        &mut self,
        election: &Election,
        d: &DecisionInput,
        now: i64,
    ) -> Result<DecisionResult, StoreError>;
    /// Appends a non-decision event (user added, sign-in, ...) to the audit log.
    fn audit_event(
        &mut self,
        actor: &str,
        action: &str,
        details: serde_json::Value,
        now: i64,
    ) -> Result<i64, StoreError>;
    fn audit_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError>;
    /// Recomputes the chain and cross-checks decisions against it.
    fn verify_audit(&self) -> Result<AuditReport, StoreError>;

    fn add_user(&mut self, user: &NewUser, now: i64) -> Result<(), StoreError>;
    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError>;
    fn users(&self) -> Result<Vec<UserRow>, StoreError>;
    fn create_session(&mut self, s: &SessionRow) -> Result<(), StoreError>;
    /// The session with this token hash if it has not expired at `now`.
    fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError>;
    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError>;
}

/// The default (area, contest) for a paper the reader could not identify: the batch area's
/// contest of the probable paper kind (Mayor when unknown).
pub fn default_area_contest(election: &Election, detail: &PaperDetail) -> Option<(usize, usize)> {
    if let Ok(r) = &detail.outcome {
        return Some((r.area, r.contest));
    }
    let area = election.area_index(detail.batch_area.as_deref()?)?;
    let kind = match &detail.outcome {
        Err(ecount_scan::Unreadable::CodeStripUnreadable {
            probable_kind: Some(k),
        }) => *k,
        Err(ecount_scan::Unreadable::StyleUnknown { code }) => ecount_election::StyleCode(*code)
            .kind()
            .unwrap_or(ecount_election::PaperKind::Mayor),
        _ => ecount_election::PaperKind::Mayor,
    };
    let contest = election
        .contests
        .iter()
        .position(|c| c.kind.paper_kind() == kind && c.areas.contains(&area))
        .or_else(|| {
            election
                .contests
                .iter()
                .position(|c| c.kind.paper_kind() == kind)
        })?;
    Some((area, contest))
}
