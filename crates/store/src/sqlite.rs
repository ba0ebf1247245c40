//! [`CountStore`] on SQLite (rusqlite, bundled). Only the connection setup here is SQLite's
//! own; the statements are in [`crate::sql`].

use crate::audit::{self, AuditEntry, AuditReport, GENESIS_HASH};
use crate::sql;
use crate::*;
use ecount_election::{ContestKind, PaperKind, RejectionHead, SecondChoice, Vote};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde_json::json;
use std::collections::HashMap;
use std::path::Path;

pub struct SqliteStore {
    conn: Connection,
}

fn to_json<T: serde::Serialize>(what: &str, v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|source| StoreError::Json {
        what: what.into(),
        source,
    })
}

fn from_json<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|source| StoreError::Json {
        what: what.into(),
        source,
    })
}

fn kind_str(k: PaperKind) -> &'static str {
    match k {
        PaperKind::Mayor => "mayor",
        PaperKind::Constituency => "constituency",
        PaperKind::LondonWide => "london-wide",
    }
}

fn parse_kind(s: &str) -> Option<PaperKind> {
    match s {
        "mayor" => Some(PaperKind::Mayor),
        "constituency" => Some(PaperKind::Constituency),
        "london-wide" => Some(PaperKind::LondonWide),
        _ => None,
    }
}

fn parse_status(s: &str) -> Result<PaperStatus, StoreError> {
    PaperStatus::parse(s).ok_or_else(|| StoreError::Corrupt(format!("unknown paper status {s:?}")))
}

fn idx(v: i64, what: &str) -> Result<usize, StoreError> {
    usize::try_from(v).map_err(|_| StoreError::Corrupt(format!("negative {what} index {v}")))
}

/// Whether `vote` is a vote of the right shape for `contest`, with options in range.
pub(crate) fn vote_fits(election: &Election, contest: usize, vote: &Vote) -> bool {
    let Some(c) = election.contests.get(contest) else {
        return false;
    };
    let n = c.options.len();
    match (c.kind, vote) {
        (_, Vote::Rejected { .. }) => true,
        (ContestKind::SupplementaryVote, Vote::Supplementary { first, second }) => {
            usize::from(*first) < n
                && match second {
                    SecondChoice::Counted(s) => usize::from(*s) < n && s != first,
                    SecondChoice::NotCounted(_) => true,
                }
        }
        (
            ContestKind::FirstPastThePost | ContestKind::AdditionalMember,
            Vote::Single { option },
        ) => usize::from(*option) < n,
        _ => false,
    }
}

fn decision_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RawDecision> {
    Ok(RawDecision {
        id: r.get(0)?,
        paper_id: r.get(1)?,
        actor: r.get(2)?,
        role: r.get(3)?,
        action: r.get(4)?,
        area: r.get(5)?,
        contest: r.get(6)?,
        vote: r.get(7)?,
        is_final: r.get(8)?,
        decided_at: r.get(9)?,
        audit_seq: r.get(10)?,
        note: r.get(11)?,
    })
}

struct RawDecision {
    id: i64,
    paper_id: i64,
    actor: String,
    role: String,
    action: String,
    area: i64,
    contest: i64,
    vote: String,
    is_final: i64,
    decided_at: i64,
    audit_seq: i64,
    note: String,
}

impl RawDecision {
    fn into_row(self) -> Result<DecisionRow, StoreError> {
        Ok(DecisionRow {
            id: self.id,
            paper_id: self.paper_id,
            role: Role::parse(&self.role)
                .ok_or_else(|| StoreError::Corrupt(format!("decision {}: role", self.id)))?,
            actor: self.actor,
            action: self.action,
            area: idx(self.area, "area")?,
            contest: idx(self.contest, "contest")?,
            vote: from_json("decision vote", &self.vote)?,
            is_final: self.is_final != 0,
            decided_at: self.decided_at,
            audit_seq: self.audit_seq,
            note: self.note,
        })
    }
}

fn audit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        action: r.get(3)?,
        paper_id: r.get(4)?,
        entry: r.get(5)?,
        prev_hash: r.get(6)?,
        hash: r.get(7)?,
    })
}

fn queue_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(QueueEntry, String)> {
    let stage: String = r.get(1)?;
    Ok((
        QueueEntry {
            paper_id: r.get(0)?,
            stage: Stage::Clerk,
            lease_holder: r.get(2)?,
            lease_expires: r.get(3)?,
            batch_id: r.get(4)?,
            path: r.get(5)?,
            proposal: None,
        },
        stage,
    ))
}

fn fix_stage((mut q, stage): (QueueEntry, String)) -> Result<QueueEntry, StoreError> {
    q.stage = Stage::parse(&stage)
        .ok_or_else(|| StoreError::Corrupt(format!("queue stage {stage:?}")))?;
    Ok(q)
}

fn load_decisions(conn: &Connection, paper_id: i64) -> Result<Vec<DecisionRow>, StoreError> {
    let mut st = conn.prepare_cached(sql::DECISIONS_OF_PAPER)?;
    let raws = st
        .query_map([paper_id], decision_from_row)?
        .collect::<Result<Vec<_>, _>>()?;
    raws.into_iter().map(RawDecision::into_row).collect()
}

fn load_paper(conn: &Connection, paper_id: i64) -> Result<PaperDetail, StoreError> {
    let row = conn
        .query_row(sql::PAPER_GET, [paper_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })
        .optional()?
        .ok_or(StoreError::NoSuchPaper(paper_id))?;
    let (id, batch_id, batch_area, path, sha256, status, outcome) = row;
    let decisions = load_decisions(conn, id)?;
    let mut queue = conn
        .query_row(sql::QUEUE_GET, [id], queue_from_row)
        .optional()?
        .map(fix_stage)
        .transpose()?;
    let status = parse_status(&status)?;
    if let Some(q) = queue.as_mut() {
        if status == PaperStatus::AwaitingCro {
            q.proposal = decisions.iter().rev().find(|d| !d.is_final).cloned();
        }
    }
    Ok(PaperDetail {
        id,
        batch_id,
        batch_area,
        path,
        sha256,
        status,
        outcome: from_json(&format!("paper {id} outcome"), &outcome)?,
        queue,
        decisions,
    })
}

/// Appends one audit entry inside the caller's transaction and moves the recorded head.
fn append_audit(
    conn: &Connection,
    at: i64,
    actor: &str,
    action: &str,
    paper_id: Option<i64>,
    mut body: serde_json::Value,
) -> Result<i64, StoreError> {
    let last: Option<(i64, String)> = conn
        .query_row(sql::AUDIT_LAST, [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = match last {
        Some((s, h)) => (s + 1, h),
        None => (1, GENESIS_HASH.to_string()),
    };
    if let Some(m) = body.as_object_mut() {
        m.insert("seq".into(), json!(seq));
        m.insert("at".into(), json!(at));
        m.insert("actor".into(), json!(actor));
        m.insert("action".into(), json!(action));
        m.insert("paper_id".into(), json!(paper_id));
    }
    let entry = audit::canonical_json(&body);
    let hash = audit::chain_hash(&prev, &entry);
    conn.execute(
        sql::AUDIT_INSERT,
        params![seq, at, actor, action, paper_id, entry, prev, hash],
    )?;
    let head = format!("{seq}:{hash}");
    conn.execute(sql::META_INSERT, params![sql::AUDIT_HEAD_KEY, head])?;
    conn.execute(sql::META_SET, params![sql::AUDIT_HEAD_KEY, head])?;
    Ok(seq)
}

impl SqliteStore {
    /// Opens (creating if need be) the store at `path`, in WAL mode.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        // WAL lets the review app read while the scan writes; FULL sync makes each committed
        // slice survive a power cut as well as a kill.
        let _mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        Self::setup(conn)
    }

    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch("PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;")?;
        for stmt in sql::SCHEMA {
            conn.execute(stmt, [])?;
        }
        conn.execute(
            sql::META_INSERT,
            params!["schema_version", sql::SCHEMA_VERSION],
        )?;
        Ok(Self { conn })
    }

    /// The underlying connection, for tests and tools that inspect the database directly.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    fn batch_summaries(&self) -> Result<Vec<BatchSummary>, StoreError> {
        let mut out = Vec::new();
        let mut index = HashMap::new();
        {
            let mut st = self.conn.prepare_cached(sql::BATCHES_ALL)?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                ))
            })?;
            for row in rows {
                let (batch_id, folder, area, manifest) = row?;
                let manifest = match manifest {
                    Some(m) => Some(from_json(&format!("batch {batch_id} manifest"), &m)?),
                    None => None,
                };
                index.insert(batch_id.clone(), out.len());
                out.push(BatchSummary {
                    batch_id,
                    folder,
                    area,
                    manifest,
                    found: 0,
                    found_by_kind: KindCounts::default(),
                    set_aside: 0,
                    unidentified: 0,
                    duplicates: 0,
                    by_area: Vec::new(),
                });
            }
        }
        let mut st = self.conn.prepare_cached(sql::BATCH_PAPER_COUNTS)?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (batch_id, status, kind, area, n) = row?;
            let Some(&i) = index.get(&batch_id) else {
                continue;
            };
            let b = &mut out[i];
            let n = n.max(0) as u64;
            b.found += n;
            match kind.as_deref().and_then(parse_kind) {
                Some(k) => b.found_by_kind.add(k, n),
                None if status == PaperStatus::SetAside.as_str() => b.set_aside += n,
                None => b.unidentified += n,
            }
            if let Some(a) = area {
                let a = idx(a, "area")?;
                match b.by_area.iter_mut().find(|(x, _)| *x == a) {
                    Some(e) => e.1 += n,
                    None => b.by_area.push((a, n)),
                }
            }
        }
        for b in &mut out {
            b.by_area.sort();
        }
        let mut st = self.conn.prepare_cached(sql::BATCH_DUPLICATES)?;
        let rows = st.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (batch_id, n) = row?;
            if let Some(&i) = index.get(&batch_id) {
                out[i].duplicates = n.max(0) as u64;
            }
        }
        Ok(out)
    }
}

impl CountStore for SqliteStore {
    fn begin_batch(&mut self, b: &BatchInfo) -> Result<(), StoreError> {
        let manifest = b
            .manifest
            .as_ref()
            .map(|m| to_json("manifest", m))
            .transpose()?;
        self.conn.execute(
            sql::BATCH_INSERT,
            params![b.batch_id, b.folder, b.area, manifest],
        )?;
        Ok(())
    }

    fn record_papers(&mut self, papers: &[PaperInput]) -> Result<Vec<Recorded>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut next_id: i64 = tx.query_row(sql::PAPER_NEXT_ID, [], |r| r.get(0))?;
        let mut out = Vec::with_capacity(papers.len());
        for p in papers {
            // A paper whose batch was never begun still gets a batch row (its folder).
            let folder = Path::new(&p.path)
                .parent()
                .map(|f| f.display().to_string())
                .unwrap_or_default();
            tx.execute(
                sql::BATCH_INSERT,
                params![p.batch_id, folder, None::<String>, None::<String>],
            )?;
            let earlier: Option<(i64, String)> = tx
                .query_row(sql::PAPER_BY_PATH, [&p.path], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            if let Some((first_paper, _)) = earlier.filter(|(_, sha)| *sha != p.sha256) {
                tx.execute(
                    sql::REPLACED_INSERT,
                    params![p.sha256, p.path, p.batch_id, first_paper],
                )?;
                out.push(Recorded::Replaced { first_paper });
                continue;
            }
            let status = PaperStatus::of_outcome(&p.outcome);
            let outcome = to_json("outcome", &p.outcome)?;
            let (reason, style, kind, area, contest, vote, flags) = match &p.outcome {
                Ok(r) => (
                    None,
                    Some(i64::from(r.style.0)),
                    Some(kind_str(r.kind)),
                    Some(r.area as i64),
                    Some(r.contest as i64),
                    Some(to_json("vote", &r.vote)?),
                    r.flags.len() as i64,
                ),
                Err(u) => (Some(u.name()), None, None, None, None, None, 0),
            };
            let n = tx.execute(
                sql::PAPER_INSERT,
                params![
                    next_id,
                    p.sha256,
                    p.path,
                    p.batch_id,
                    status.as_str(),
                    outcome,
                    reason,
                    style,
                    kind,
                    area,
                    contest,
                    vote,
                    flags
                ],
            )?;
            if n == 1 {
                if status == PaperStatus::AwaitingReview {
                    tx.execute(sql::QUEUE_INSERT, params![next_id, Stage::Clerk.as_str()])?;
                }
                out.push(Recorded::New {
                    paper_id: next_id,
                    status,
                });
                next_id += 1;
            } else {
                let (first_id, first_path): (i64, String) =
                    tx.query_row(sql::PAPER_BY_HASH, [&p.sha256], |r| {
                        Ok((r.get(0)?, r.get(1)?))
                    })?;
                if first_path != p.path {
                    tx.execute(
                        sql::DUPLICATE_INSERT,
                        params![p.path, p.sha256, p.batch_id, first_id],
                    )?;
                }
                out.push(Recorded::Duplicate { first_path });
            }
        }
        tx.commit()?;
        Ok(out)
    }

    fn known_hashes(&self) -> Result<HashSet<String>, StoreError> {
        let mut st = self.conn.prepare_cached(sql::PAPER_HASHES)?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn tally(&self, election: &Election) -> Result<Tally, StoreError> {
        let mut t = Tally::new(election);
        for q in [sql::TALLY_COUNTED, sql::TALLY_DECIDED] {
            let mut st = self.conn.prepare_cached(q)?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?;
            for row in rows {
                let (area, contest, vote) = row?;
                let vote: Vote = from_json("vote", &vote)?;
                let (area, contest) = (idx(area, "area")?, idx(contest, "contest")?);
                if area >= election.areas.len() || !vote_fits(election, contest, &vote) {
                    return Err(StoreError::Corrupt(format!(
                        "a stored vote (area {area}, contest {contest}) does not fit election {:?}: is this the right election file?",
                        election.id
                    )));
                }
                t.add(area, contest, &vote);
            }
        }
        Ok(t)
    }

    fn progress(&self, election: &Election) -> Result<Vec<AreaProgress>, StoreError> {
        let batches = self.batch_summaries()?;
        let mut out: Vec<AreaProgress> = (0..election.areas.len())
            .map(|area| AreaProgress {
                area,
                scanned: 0,
                read: 0,
                counted: 0,
                awaiting_review: 0,
                awaiting_cro: 0,
                adjudicated: 0,
                set_aside: 0,
                by_kind: KindCounts::default(),
                duplicates: 0,
                batches: Vec::new(),
            })
            .collect();
        let mut st = self.conn.prepare_cached(sql::PROGRESS_COUNTS)?;
        let rows = st.query_map([], |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        for row in rows {
            let (area, batch_area, status, kind, n) = row?;
            let area = match area {
                Some(a) => Some(idx(a, "area")?),
                None => batch_area.as_deref().and_then(|a| election.area_index(a)),
            };
            let Some(p) = area.and_then(|a| out.get_mut(a)) else {
                continue;
            };
            let n = n.max(0) as u64;
            p.scanned += n;
            let kind = kind.as_deref().and_then(parse_kind);
            if let Some(k) = kind {
                p.read += n;
                p.by_kind.add(k, n);
            }
            match parse_status(&status)? {
                PaperStatus::Counted => p.counted += n,
                PaperStatus::AwaitingReview => p.awaiting_review += n,
                PaperStatus::AwaitingCro => p.awaiting_cro += n,
                PaperStatus::Adjudicated => p.adjudicated += n,
                PaperStatus::SetAside => p.set_aside += n,
            }
        }
        for b in batches {
            if let Some(a) = b.area.as_deref().and_then(|a| election.area_index(a)) {
                out[a].duplicates += b.duplicates;
                out[a].batches.push(b);
            }
        }
        Ok(out)
    }

    fn batches(&self) -> Result<Vec<BatchSummary>, StoreError> {
        self.batch_summaries()
    }

    fn for_each_paper(&self, f: &mut dyn FnMut(&PaperRow)) -> Result<(), StoreError> {
        let mut current: HashMap<i64, DecisionRow> = HashMap::new();
        {
            let mut st = self.conn.prepare_cached(sql::DECISIONS_FINAL_LATEST)?;
            let raws = st
                .query_map([], decision_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            for r in raws {
                let d = r.into_row()?;
                current.insert(d.paper_id, d);
            }
        }
        let mut st = self.conn.prepare(sql::PAPERS_ALL)?;
        let mut rows = st.query([])?;
        while let Some(r) = rows.next()? {
            let id: i64 = r.get(0)?;
            let status: String = r.get(4)?;
            let outcome: String = r.get(5)?;
            let row = PaperRow {
                id,
                batch_id: r.get(1)?,
                path: r.get(2)?,
                sha256: r.get(3)?,
                status: parse_status(&status)?,
                outcome: from_json(&format!("paper {id} outcome"), &outcome)?,
                decision: current.remove(&id),
            };
            f(&row);
        }
        Ok(())
    }

    fn lease_next(
        &mut self,
        election: &Election,
        holder: &str,
        stage: Stage,
        filter: &QueueFilter,
        now: i64,
        lease_secs: i64,
    ) -> Result<Option<i64>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let wanted = |area: Option<i64>, batch_area: &Option<String>| -> bool {
            let Some(list) = &filter.areas else {
                return true;
            };
            let a = match area {
                Some(a) => usize::try_from(a).ok(),
                None => batch_area.as_deref().and_then(|b| election.area_index(b)),
            };
            a.is_some_and(|a| list.contains(&a))
        };
        let read_rows = |q: &str, p: &[&dyn rusqlite::ToSql]| -> Result<Vec<_>, StoreError> {
            let mut st = tx.prepare_cached(q)?;
            let rows = st
                .query_map(p, |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<i64>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                    ))
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(rows)
        };
        let held = read_rows(sql::QUEUE_HELD, &[&stage.as_str(), &holder, &now])?;
        let mut chosen = None;
        for (id, area, batch_area) in held {
            if chosen.is_none() && wanted(area, &batch_area) {
                chosen = Some(id);
            } else {
                // Held but outside the new filter (or a second one): give it back.
                tx.execute(sql::QUEUE_RELEASE, params![id, holder])?;
            }
        }
        if chosen.is_none() {
            let free = read_rows(sql::QUEUE_FREE, &[&stage.as_str(), &now])?;
            for (id, area, batch_area) in free {
                if !wanted(area, &batch_area) {
                    continue;
                }
                if tx.execute(sql::QUEUE_TAKE, params![id, holder, now + lease_secs, now])? == 1 {
                    chosen = Some(id);
                    break;
                }
            }
        } else if let Some(id) = chosen {
            tx.execute(sql::QUEUE_TAKE, params![id, holder, now + lease_secs, now])?;
        }
        tx.commit()?;
        Ok(chosen)
    }

    fn release_lease(&mut self, paper_id: i64, holder: &str) -> Result<(), StoreError> {
        self.conn
            .execute(sql::QUEUE_RELEASE, params![paper_id, holder])?;
        Ok(())
    }

    fn queue(&self, stage: Stage) -> Result<Vec<QueueEntry>, StoreError> {
        let mut st = self.conn.prepare_cached(sql::QUEUE_STAGE)?;
        let rows = st
            .query_map([stage.as_str()], queue_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let mut q = fix_stage(r)?;
            if q.stage == Stage::Cro {
                q.proposal = load_decisions(&self.conn, q.paper_id)?
                    .into_iter()
                    .rev()
                    .find(|d| !d.is_final);
            }
            out.push(q);
        }
        Ok(out)
    }

    fn paper(&self, paper_id: i64) -> Result<PaperDetail, StoreError> {
        load_paper(&self.conn, paper_id)
    }

    fn decide(
        &mut self,
        election: &Election,
        d: &DecisionInput,
        now: i64,
    ) -> Result<DecisionResult, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let paper = load_paper(&tx, d.paper_id)?;
        let id = paper.id;
        let lease_other =
            paper
                .queue
                .as_ref()
                .and_then(|q| match (&q.lease_holder, q.lease_expires) {
                    (Some(h), Some(exp)) if h != &d.actor && exp > now => Some(h.clone()),
                    _ => None,
                });
        let override_ac = match (d.area, d.contest) {
            (Some(a), Some(c)) => {
                if a >= election.areas.len() || c >= election.contests.len() {
                    return Err(StoreError::Invalid(format!(
                        "area {a} / contest {c} is not in election {:?}",
                        election.id
                    )));
                }
                Some((a, c))
            }
            _ => None,
        };
        let (area, contest, vote, is_final, replaces) = match &d.action {
            DecisionAction::Accept
            | DecisionAction::Correct { .. }
            | DecisionAction::ProposeRejection { .. } => {
                if paper.status != PaperStatus::AwaitingReview {
                    return Err(StoreError::Conflict(format!(
                        "paper {id} is not awaiting a clerk's review (it is {})",
                        paper.status.as_str()
                    )));
                }
                let q = paper.queue.as_ref();
                let holds = q.is_some_and(|q| {
                    q.lease_holder.as_deref() == Some(d.actor.as_str())
                        && q.lease_expires.is_some_and(|e| e > now)
                });
                if !holds {
                    return Err(StoreError::Conflict(format!(
                        "paper {id} is not leased to {} (the lease expired or another clerk has it)",
                        d.actor
                    )));
                }
                let (area, contest) = match &paper.outcome {
                    Ok(r) => (r.area, r.contest),
                    Err(_) => override_ac.ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "paper {id} has no style: the decision must name its area and contest"
                        ))
                    })?,
                };
                let vote = match &d.action {
                    DecisionAction::Accept => match &paper.outcome {
                        Ok(r) => r.vote,
                        Err(_) => Vote::Rejected {
                            head: RejectionHead::WantOfOfficialMark,
                        },
                    },
                    DecisionAction::Correct { vote } => *vote,
                    DecisionAction::ProposeRejection { head } => Vote::Rejected { head: *head },
                    _ => unreachable!("outer match arm"),
                };
                (area, contest, vote, vote.is_valid(), None)
            }
            DecisionAction::CroConfirm | DecisionAction::CroOverturn { .. } => {
                if d.role != Role::Cro {
                    return Err(StoreError::Forbidden(
                        "only the CRO confirms or overturns a proposed rejection".into(),
                    ));
                }
                if paper.status != PaperStatus::AwaitingCro {
                    return Err(StoreError::Conflict(format!(
                        "paper {id} has no proposed rejection awaiting the CRO"
                    )));
                }
                if let Some(h) = lease_other {
                    return Err(StoreError::Conflict(format!("paper {id} is leased to {h}")));
                }
                let proposal = paper.proposal().ok_or_else(|| {
                    StoreError::Corrupt(format!("paper {id} awaits the CRO without a proposal"))
                })?;
                let (area, contest) = override_ac.unwrap_or((proposal.area, proposal.contest));
                let vote = match &d.action {
                    DecisionAction::CroOverturn { vote } => *vote,
                    _ => proposal.vote,
                };
                (area, contest, vote, true, None)
            }
            DecisionAction::Redecide { vote } => {
                if d.role != Role::Cro {
                    return Err(StoreError::Forbidden(
                        "only the CRO changes a decided paper".into(),
                    ));
                }
                let current = match (paper.status, paper.current()) {
                    (PaperStatus::Adjudicated, Some(c)) => c,
                    _ => {
                        return Err(StoreError::Conflict(format!(
                            "paper {id} has no final decision to replace"
                        )))
                    }
                };
                let (area, contest) = override_ac.unwrap_or((current.area, current.contest));
                (area, contest, *vote, true, Some(current.id))
            }
        };
        if !vote_fits(election, contest, &vote) {
            return Err(StoreError::Invalid(format!(
                "{vote:?} is not a vote for contest {:?}",
                election.contests[contest].id
            )));
        }
        let decision_id: i64 = tx.query_row(sql::DECISION_NEXT_ID, [], |r| r.get(0))?;
        let machine = match &paper.outcome {
            Ok(r) => json!({"style": r.style, "vote": r.vote, "flags": r.flags}),
            Err(u) => json!({"unreadable": u}),
        };
        let body = json!({
            "role": d.role.as_str(),
            "paper": {"sha256": paper.sha256, "path": paper.path, "batch": paper.batch_id},
            "shown": {"machine": machine, "page": d.shown},
            "decided": {
                "decision_id": decision_id,
                "action": d.action.name(),
                "area": election.areas[area].id,
                "contest": election.contests[contest].id,
                "vote": vote,
                "final": is_final,
                "note": d.note,
                "replaces": replaces,
            },
        });
        let seq = append_audit(&tx, now, &d.actor, "decision", Some(id), body)?;
        tx.execute(
            sql::DECISION_INSERT,
            params![
                decision_id,
                id,
                d.actor,
                d.role.as_str(),
                d.action.name(),
                area as i64,
                contest as i64,
                to_json("vote", &vote)?,
                i64::from(is_final),
                now,
                seq,
                d.note
            ],
        )?;
        let status = if is_final {
            tx.execute(sql::QUEUE_DELETE, [id])?;
            PaperStatus::Adjudicated
        } else {
            tx.execute(sql::QUEUE_MOVE, params![id, Stage::Cro.as_str()])?;
            PaperStatus::AwaitingCro
        };
        tx.execute(sql::PAPER_SET_STATUS, params![id, status.as_str()])?;
        tx.commit()?;
        Ok(DecisionResult {
            decision_id,
            audit_seq: seq,
            status,
            vote,
            is_final,
        })
    }

    fn audit_event(
        &mut self,
        actor: &str,
        action: &str,
        details: serde_json::Value,
        now: i64,
    ) -> Result<i64, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let seq = append_audit(&tx, now, actor, action, None, json!({ "details": details }))?;
        tx.commit()?;
        Ok(seq)
    }

    fn audit_entries(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>, StoreError> {
        let mut st = self.conn.prepare_cached(sql::AUDIT_PAGE)?;
        let rows = st
            .query_map(params![after_seq, limit], audit_from_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn verify_audit(&self) -> Result<AuditReport, StoreError> {
        let rows = {
            let mut st = self.conn.prepare(sql::AUDIT_ALL)?;
            let rows = st
                .query_map([], audit_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            rows
        };
        let head: Option<String> = self
            .conn
            .query_row(sql::META_GET, [sql::AUDIT_HEAD_KEY], |r| r.get(0))
            .optional()?;
        let head = head.and_then(|h| {
            let (s, hash) = h.split_once(':')?;
            Some((s.parse::<i64>().ok()?, hash.to_string()))
        });
        let (head_hash, mut problems) = audit::verify_chain(&rows, head);
        // Every decision row must be the one its audit entry recorded, and every recorded
        // decision must still have its row.
        let by_seq: HashMap<i64, &AuditEntry> = rows.iter().map(|r| (r.seq, r)).collect();
        let decisions = {
            let mut st = self.conn.prepare(sql::DECISIONS_ALL)?;
            let raws = st
                .query_map([], decision_from_row)?
                .collect::<Result<Vec<_>, _>>()?;
            raws
        };
        let mut seen = std::collections::HashSet::new();
        for d in &decisions {
            seen.insert(d.audit_seq);
            let Some(e) = by_seq.get(&d.audit_seq) else {
                problems.push(format!(
                    "decision {} names audit entry {} which does not exist",
                    d.id, d.audit_seq
                ));
                continue;
            };
            let v: serde_json::Value = serde_json::from_str(&e.entry).unwrap_or_default();
            let dec = &v["decided"];
            let vote: serde_json::Value = serde_json::from_str(&d.vote).unwrap_or_default();
            let same = e.action == "decision"
                && e.paper_id == Some(d.paper_id)
                && e.actor == d.actor
                && dec["decision_id"].as_i64() == Some(d.id)
                && dec["vote"] == vote
                && dec["final"].as_bool() == Some(d.is_final != 0)
                && dec["action"].as_str() == Some(d.action.as_str());
            if !same {
                problems.push(format!(
                    "decision {} (paper {}) differs from audit entry {} (decision edited)",
                    d.id, d.paper_id, d.audit_seq
                ));
            }
        }
        for r in &rows {
            if r.action == "decision" && !seen.contains(&r.seq) {
                problems.push(format!(
                    "audit entry {} records a decision whose row is gone (decision deleted)",
                    r.seq
                ));
            }
        }
        Ok(AuditReport {
            entries: rows.len() as u64,
            head: head_hash,
            decisions_checked: decisions.len() as u64,
            problems,
        })
    }

    fn add_user(&mut self, user: &NewUser, now: i64) -> Result<(), StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let exists = tx
            .query_row(sql::USER_GET, [&user.name], |_| Ok(()))
            .optional()?
            .is_some();
        if exists {
            return Err(StoreError::Conflict(format!(
                "user {:?} already exists",
                user.name
            )));
        }
        tx.execute(
            sql::USER_INSERT,
            params![user.name, user.role.as_str(), user.password_hash, now],
        )?;
        append_audit(
            &tx,
            now,
            &user.name,
            "user_added",
            None,
            json!({"details": {"role": user.role.as_str()}}),
        )?;
        tx.commit()?;
        Ok(())
    }

    fn user(&self, name: &str) -> Result<Option<UserRow>, StoreError> {
        let row = self
            .conn
            .query_row(sql::USER_GET, [name], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .optional()?;
        row.map(|(name, role, password_hash, created_at)| {
            Ok(UserRow {
                role: Role::parse(&role)
                    .ok_or_else(|| StoreError::Corrupt(format!("user {name}: role {role:?}")))?,
                name,
                password_hash,
                created_at,
            })
        })
        .transpose()
    }

    fn users(&self) -> Result<Vec<UserRow>, StoreError> {
        let names: Vec<String> = {
            let mut st = self.conn.prepare_cached(sql::USERS_ALL)?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            rows
        };
        let mut out = Vec::new();
        for n in names {
            if let Some(u) = self.user(&n)? {
                out.push(u);
            }
        }
        Ok(out)
    }

    fn create_session(&mut self, s: &SessionRow) -> Result<(), StoreError> {
        self.conn.execute(sql::SESSION_PURGE, [s.created_at])?;
        self.conn.execute(
            sql::SESSION_INSERT,
            params![
                s.token_hash,
                s.user_name,
                s.csrf,
                s.created_at,
                s.expires_at
            ],
        )?;
        Ok(())
    }

    fn session(&self, token_hash: &str, now: i64) -> Result<Option<SessionRow>, StoreError> {
        Ok(self
            .conn
            .query_row(sql::SESSION_GET, params![token_hash, now], |r| {
                Ok(SessionRow {
                    token_hash: r.get(0)?,
                    user_name: r.get(1)?,
                    csrf: r.get(2)?,
                    created_at: r.get(3)?,
                    expires_at: r.get(4)?,
                })
            })
            .optional()?)
    }

    fn delete_session(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.conn.execute(sql::SESSION_DELETE, [token_hash])?;
        Ok(())
    }
}
