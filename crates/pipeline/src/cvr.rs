//! Cast vote records: NIST SP 1500-103 (`CastVoteRecordReport`, JSON, version 1.0.0).
//!
//! One `CVR` per ballot paper stored, in insertion order. Its `original` snapshot is the
//! machine's reading: every voting box with its mark metric (the mark-zone ink score) and
//! whether it counts; a paper a person has decided also has a `modified` snapshot with the
//! decision, which is then the current one. Pages set aside as not ballot papers of this
//! election are left out (the report's `Notes` says how many).
//!
//! The report is streamed, one record at a time, so memory does not grow with the count.

use ecount_election::{ContestKind, Election, OptionKind, SecondChoice, Vote};
use ecount_scan::{BoxClass, Reading};
use ecount_store::{CountStore, DecisionRow, PaperRow, PaperStatus, StoreError};
use serde_json::{json, Map, Value};
use std::io::Write;

pub const DEVICE_ID: &str = "ecount-scanner";

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the cast vote records: {0}")]
    Io(#[from] std::io::Error),
    #[error("encoding a cast vote record: {0}")]
    Json(#[from] serde_json::Error),
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CvrStats {
    pub records: u64,
    pub adjudicated: u64,
    pub left_out: u64,
}

fn election_ref(e: &Election) -> String {
    format!("election-{}", e.id)
}
fn scope_ref(e: &Election) -> String {
    format!("gpunit-{}", e.id)
}
fn area_ref(e: &Election, area: usize) -> String {
    e.areas
        .get(area)
        .map_or_else(|| format!("area-{area}"), |a| format!("area-{}", a.id))
}
fn contest_ref(e: &Election, c: usize) -> String {
    format!("contest-{}", e.contests[c].id)
}
fn selection_ref(e: &Election, c: usize, o: usize) -> String {
    format!("sel-{}-{}", e.contests[c].id, e.contests[c].options[o].id)
}
fn party_ref(e: &Election, list_option: usize) -> Option<String> {
    let list = e.list_contest()?;
    Some(format!(
        "party-{}",
        e.contests[list].options.get(list_option)?.id
    ))
}

/// Writes the whole report for everything in `store`. `generated` is the report's
/// `GeneratedDate` (RFC 3339, e.g. from [`rfc3339_utc`]).
pub fn write_cvr_report<S: CountStore + ?Sized>(
    store: &S,
    election: &Election,
    generated: &str,
    mut out: impl Write,
) -> Result<CvrStats, ExportError> {
    let mut stats = CvrStats::default();
    out.write_all(b"{\"@type\":\"CVR.CastVoteRecordReport\",\"CVR\":[")?;
    let mut failed: Option<ExportError> = None;
    store.for_each_paper(&mut |row: &PaperRow| {
        if failed.is_some() {
            return;
        }
        let Some(cvr) = paper_cvr(election, row) else {
            stats.left_out += 1;
            return;
        };
        let sep: &[u8] = if stats.records == 0 { b"" } else { b"," };
        let res = out
            .write_all(sep)
            .map_err(ExportError::from)
            .and_then(|()| serde_json::to_writer(&mut out, &cvr).map_err(ExportError::from));
        match res {
            Ok(()) => {
                stats.records += 1;
                if row.decision.is_some() {
                    stats.adjudicated += 1;
                }
            }
            Err(e) => failed = Some(e),
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    out.write_all(b"],")?;
    let mut head = header(election, generated);
    head.insert(
        "Notes".into(),
        Value::String(format!(
            "{} ballot papers; {} adjudicated; {} pages set aside as not ballot papers of this \
             election are not included. MarkMetricValue is the mark-zone ink fraction (0..1).",
            stats.records, stats.adjudicated, stats.left_out
        )),
    );
    let head = serde_json::to_string(&Value::Object(head))?;
    // `head` is an object: splice its members after the CVR array.
    out.write_all(&head.as_bytes()[1..])?;
    out.flush()?;
    Ok(stats)
}

/// The report's fields other than `CVR` and `Notes`: the election, its contests, candidates,
/// parties and areas, and the scanning device.
fn header(e: &Election, generated: &str) -> Map<String, Value> {
    let mut candidates = Vec::new();
    let mut contests = Vec::new();
    for (ci, c) in e.contests.iter().enumerate() {
        let mut selections = Vec::new();
        for (oi, o) in c.options.iter().enumerate() {
            let id = selection_ref(e, ci, oi);
            if o.kind == OptionKind::Party {
                selections.push(json!({
                    "@type": "CVR.PartySelection", "@id": id,
                    "PartyIds": [format!("party-{}", o.id)],
                }));
            } else {
                let cand = format!("cand-{}-{}", c.id, o.id);
                let mut cj = json!({"@type": "CVR.Candidate", "@id": cand, "Name": o.name});
                if let Some(p) = o.party.and_then(|p| party_ref(e, p)) {
                    cj["PartyId"] = Value::String(p);
                }
                candidates.push(cj);
                selections.push(json!({
                    "@type": "CVR.CandidateSelection", "@id": id, "CandidateIds": [cand],
                }));
            }
        }
        let (variation, other) = match c.kind {
            ContestKind::SupplementaryVote => ("other", Some("supplementary-vote")),
            ContestKind::FirstPastThePost => ("plurality", None),
            ContestKind::AdditionalMember => ("proportional", None),
        };
        let mut cj = json!({
            "@type": "CVR.CandidateContest", "@id": contest_ref(e, ci), "Name": c.title,
            "ContestSelection": selections, "NumberElected": c.seats, "VotesAllowed": 1,
            "VoteVariation": variation,
        });
        if let Some(o) = other {
            cj["OtherVoteVariation"] = Value::String(o.into());
        }
        contests.push(cj);
    }
    let parties: Vec<Value> = e
        .list_contest()
        .map(|l| {
            e.contests[l]
                .options
                .iter()
                .filter(|o| o.kind == OptionKind::Party)
                .map(|o| json!({"@type": "CVR.Party", "@id": format!("party-{}", o.id), "Name": o.name}))
                .collect()
        })
        .unwrap_or_default();
    let mut units = vec![json!({
        "@type": "CVR.GpUnit", "@id": scope_ref(e), "Name": e.name, "Type": "other",
        "OtherType": "election", "ReportingDeviceIds": [DEVICE_ID],
    })];
    for (ai, a) in e.areas.iter().enumerate() {
        units.push(json!({
            "@type": "CVR.GpUnit", "@id": area_ref(e, ai), "Name": a.name, "Type": "other",
            "OtherType": "constituency",
        }));
    }
    let v = json!({
        "Version": "1.0.0",
        "GeneratedDate": generated,
        "ReportType": ["originating-device-export", "adjudicated"],
        "ReportGeneratingDeviceIds": [DEVICE_ID],
        "ReportingDevice": [{
            "@type": "CVR.ReportingDevice", "@id": DEVICE_ID, "Application": "ecount",
            "Manufacturer": "ecount", "Model": "ecount-scan", "MarkMetricType": "ink-fraction",
        }],
        "Election": [{
            "@type": "CVR.Election", "@id": election_ref(e), "Name": e.name,
            "ElectionScopeId": scope_ref(e), "Contest": contests, "Candidate": candidates,
        }],
        "GpUnit": units,
        "Party": parties,
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The record of one stored paper, or `None` for a page set aside (not a ballot paper).
pub fn paper_cvr(e: &Election, row: &PaperRow) -> Option<Value> {
    let reading = row.outcome.as_ref().ok();
    if reading.is_none() && row.decision.is_none() && row.status == PaperStatus::SetAside {
        return None;
    }
    let original_id = format!("paper-{}-original", row.id);
    let mut original = json!({"@type": "CVR.CVRSnapshot", "@id": original_id, "Type": "original"});
    match reading {
        Some(r) => {
            original["CVRContest"] = json!([reading_contest(e, r)]);
            if !r.flags.is_empty() {
                original["Status"] = json!(["needs-adjudication"]);
            }
        }
        None => {
            let name = row
                .outcome
                .as_ref()
                .err()
                .map_or("unreadable", |u| u.name());
            original["Status"] = json!(["other"]);
            original["OtherStatus"] = Value::String(name.into());
        }
    }
    let mut snapshots = vec![original];
    let mut current = original_id;
    if let Some(d) = &row.decision {
        let id = format!("paper-{}-modified", row.id);
        snapshots.push(decision_snapshot(e, d, &id));
        current = id;
    } else if matches!(
        row.status,
        PaperStatus::AwaitingReview | PaperStatus::AwaitingCro
    ) && reading.is_none()
    {
        snapshots[0]["Status"] = json!(["needs-adjudication"]);
    }
    let mut cvr = json!({
        "@type": "CVR.CVR",
        "ElectionId": election_ref(e),
        "CurrentSnapshotId": current,
        "CVRSnapshot": snapshots,
        "BatchId": row.batch_id,
        "UniqueId": row.sha256,
        "CreatingDeviceId": DEVICE_ID,
        "BallotAuditId": row.path,
    });
    if let Some(r) = reading {
        cvr["BallotStyleId"] = Value::String(r.style.0.to_string());
        cvr["BallotStyleUnitId"] = Value::String(area_ref(e, r.area));
    }
    Some(cvr)
}

/// Whether the box at (row, column) carries a vote that counts under `vote`.
fn counts(vote: &Vote, row: u16, column: u8) -> bool {
    match *vote {
        Vote::Supplementary { first, second } => {
            (column == 0 && first == row) || (column == 1 && second == SecondChoice::Counted(row))
        }
        Vote::Single { option } => column == 0 && option == row,
        Vote::Rejected { .. } => false,
    }
}

fn reading_contest(e: &Election, r: &Reading) -> Value {
    let sv = e.contests.get(r.contest).map(|c| c.kind) == Some(ContestKind::SupplementaryVote);
    let options = e.contests.get(r.contest).map_or(0, |c| c.options.len());
    let mut selections = Vec::new();
    for oi in 0..options {
        let boxes: Vec<_> = r.boxes.iter().filter(|b| b.row as usize == oi).collect();
        if boxes.is_empty() {
            continue;
        }
        let mut doubtful = false;
        let positions: Vec<Value> = boxes
            .iter()
            .map(|b| {
                let indication = match b.class {
                    BoxClass::Marked => "yes",
                    BoxClass::Empty => "no",
                    BoxClass::Doubtful => {
                        doubtful = true;
                        "unknown"
                    }
                };
                let mut p = json!({
                    "@type": "CVR.SelectionPosition",
                    "HasIndication": indication,
                    "NumberVotes": u8::from(counts(&r.vote, b.row, b.column)),
                    "MarkMetricValue": [format!("{:.4}", b.score)],
                    "Position": u32::from(b.column) + 1,
                });
                if sv {
                    p["Rank"] = json!(u32::from(b.column) + 1);
                }
                p
            })
            .collect();
        let mut s = json!({
            "@type": "CVR.CVRContestSelection",
            "ContestSelectionId": selection_ref(e, r.contest, oi),
            "OptionPosition": oi + 1,
            "SelectionPosition": positions,
        });
        if doubtful {
            s["Status"] = json!(["needs-adjudication"]);
        }
        selections.push(s);
    }
    contest_json(e, r.contest, &r.vote, selections)
}

fn contest_json(e: &Election, contest: usize, vote: &Vote, selections: Vec<Value>) -> Value {
    let mut c = json!({
        "@type": "CVR.CVRContest",
        "ContestId": contest_ref(e, contest),
        "CVRContestSelection": selections,
        "Selections": match vote {
            Vote::Supplementary { second: SecondChoice::Counted(_), .. } => 2,
            Vote::Supplementary { .. } | Vote::Single { .. } => 1,
            Vote::Rejected { .. } => 0,
        },
    });
    if let Vote::Rejected { head } = vote {
        c["Status"] = json!(["invalidated-rules"]);
        c["OtherStatus"] = Value::String(head.as_str().into());
    }
    c
}

fn decision_snapshot(e: &Election, d: &DecisionRow, id: &str) -> Value {
    let mut snap = json!({
        "@type": "CVR.CVRSnapshot", "@id": id, "Type": "modified",
        "Annotation": [{
            "@type": "CVR.Annotation",
            "AdjudicatorName": [d.actor],
            "Message": [format!("{}{}{}", d.action, if d.note.is_empty() { "" } else { ": " }, d.note)],
            "TimeStamp": rfc3339_utc(d.decided_at),
        }],
    });
    if d.contest < e.contests.len() {
        let mut chosen: Vec<(u16, u8)> = Vec::new();
        match d.vote {
            Vote::Supplementary { first, second } => {
                chosen.push((first, 0));
                if let SecondChoice::Counted(s) = second {
                    chosen.push((s, 1));
                }
            }
            Vote::Single { option } => chosen.push((option, 0)),
            Vote::Rejected { .. } => {}
        }
        let sv = e.contests[d.contest].kind == ContestKind::SupplementaryVote;
        let selections: Vec<Value> = chosen
            .into_iter()
            .filter(|&(o, _)| (o as usize) < e.contests[d.contest].options.len())
            .map(|(o, col)| {
                let mut p = json!({
                    "@type": "CVR.SelectionPosition", "HasIndication": "yes", "NumberVotes": 1,
                    "Position": u32::from(col) + 1, "Status": ["adjudicated"],
                });
                if sv {
                    p["Rank"] = json!(u32::from(col) + 1);
                }
                json!({
                    "@type": "CVR.CVRContestSelection",
                    "ContestSelectionId": selection_ref(e, d.contest, o as usize),
                    "OptionPosition": o as usize + 1,
                    "SelectionPosition": [p],
                })
            })
            .collect();
        snap["CVRContest"] = json!([contest_json(e, d.contest, &d.vote, selections)]);
    }
    snap
}

pub use ecount_tally::nist::rfc3339_utc;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_462_406_399), "2016-05-04T23:59:59Z");
    }
}
