//! NIST SP 1500-100 v2 election results (JSON), from the declarations.
//!
//! Mapping: London and each area are ReportingUnits (Type "other", OtherType "region" /
//! "constituency"). The Mayor and each constituency member are CandidateContests; the
//! London-wide members a PartyContest whose PartySelections carry votes (Type "total") and
//! list seats won (Type "seats"). Per area counts sit on the area's GpUnit; London totals on
//! London's. The Mayor's first choices are Round 1 totals; the final round is Round 2: the
//! second choices added (Type "other", OtherType "second-choices-added") and the final total.
//! Rejected papers are OtherCounts: Overvotes = rejected for voting for too many, Undervotes
//! = rejected as unmarked (the schema has no place for the other heads; they are in Notes).

use crate::declare::{Declarations, Outcome};
use ecount_election::{Election, OptionKind, RejectionHead};
use serde_json::{json, Value};

fn text(s: &str) -> Value {
    json!({
        "@type": "ElectionResults.InternationalizedText",
        "Text": [{ "@type": "ElectionResults.LanguageString", "Content": s, "Language": "en" }]
    })
}

fn count(gpu: &str, kind: &str, other: Option<&str>, round: Option<u32>, n: u64) -> Value {
    let mut v =
        json!({ "@type": "ElectionResults.VoteCounts", "Count": n, "GpUnitId": gpu, "Type": kind });
    if let Some(o) = other {
        v["OtherType"] = json!(o);
    }
    if let Some(r) = round {
        v["Round"] = json!(r);
    }
    v
}

fn other_counts(gpu: &str, rejected: &[(RejectionHead, u64)]) -> Value {
    let get = |h| {
        rejected
            .iter()
            .find(|(x, _)| *x == h)
            .map_or(0, |&(_, n)| n)
    };
    json!({
        "@type": "ElectionResults.OtherCounts",
        "GpUnitId": gpu,
        "Overvotes": get(RejectionHead::TooMany),
        "Undervotes": get(RejectionHead::Unmarked),
    })
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
fn utc_now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339_utc(i64::try_from(secs).unwrap_or(0))
}

/// Unix seconds as an RFC 3339 UTC timestamp (`1970-01-01T00:00:00Z`).
pub fn rfc3339_utc(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// SP 1500-100 v2 ElectionReport for the declared results.
pub fn nist_election_results(election: &Election, d: &Declarations) -> Value {
    let london = "gpu-london".to_owned();
    let gpu = |a: usize| format!("gpu-{}", election.areas[a].id);
    let mut gpunits = vec![json!({
        "@id": london,
        "@type": "ElectionResults.ReportingUnit",
        "Type": "other",
        "OtherType": "region",
        "Name": text("Greater London"),
        "ComposingGpUnitIds": (0..election.areas.len()).map(gpu).collect::<Vec<_>>(),
    })];
    for (ai, a) in election.areas.iter().enumerate() {
        let mut u = json!({
            "@id": gpu(ai),
            "@type": "ElectionResults.ReportingUnit",
            "Type": "other",
            "OtherType": "constituency",
            "Name": text(&a.name),
        });
        if let Some(e) = a.electorate {
            u["VotersRegistered"] = json!(e);
        }
        gpunits.push(u);
    }

    let list = election.list_contest();
    let party_id = |p: usize| {
        let id = list.map_or("", |l| election.contests[l].options[p].id.as_str());
        format!("party-{id}")
    };
    let mut parties = Vec::new();
    if let Some(l) = list {
        for (i, o) in election.contests[l].options.iter().enumerate() {
            if o.kind == OptionKind::Party {
                parties.push(json!({
                    "@id": party_id(i),
                    "@type": "ElectionResults.Party",
                    "Name": text(&o.name),
                }));
            }
        }
    }

    let mut candidates = Vec::new();
    let mut contests = Vec::new();
    let mut notes = vec![format!("Lots drawn with seed {}.", d.lot_seed)];
    for (seq, r) in d.results.iter().enumerate() {
        let c = &election.contests[r.contest];
        let cid = format!("contest-{}", c.id);
        let locals: Vec<_> = d.local.iter().filter(|l| l.contest == r.contest).collect();
        let mut other = vec![other_counts(&london, &r.rejected)];
        if locals.len() > 1 || c.areas.len() > 1 {
            other.extend(
                locals
                    .iter()
                    .map(|l| other_counts(&gpu(l.area), &l.rejected)),
            );
        }
        let heads: Vec<String> = r
            .rejected
            .iter()
            .map(|(h, n)| format!("{}: {n}", h.as_str()))
            .collect();
        notes.push(format!("{} rejected papers: {}.", c.id, heads.join(", ")));
        let district = match c.areas.as_slice() {
            [a] if election.areas.len() > 1 => gpu(*a),
            _ => london.clone(),
        };
        let per_area = |i: usize, kind: &str, round: Option<u32>| -> Vec<Value> {
            locals
                .iter()
                .map(|l| {
                    count(
                        &gpu(l.area),
                        kind,
                        None,
                        round,
                        l.votes.get(i).copied().unwrap_or(0),
                    )
                })
                .collect()
        };
        let mut selections = Vec::new();
        match &r.outcome {
            Outcome::SupplementaryVote(_) | Outcome::FirstPastThePost(_) => {
                let (elected, votes, runoff): (Option<usize>, &[u64], Vec<usize>) = match &r.outcome
                {
                    Outcome::SupplementaryVote(s) => (s.elected, &s.first, s.continuing.clone()),
                    Outcome::FirstPastThePost(f) => (f.elected, &f.votes, Vec::new()),
                    Outcome::AdditionalMember(_) => (None, &[], Vec::new()),
                };
                let is_sv = matches!(r.outcome, Outcome::SupplementaryVote(_));
                for o in &r.options {
                    let i = o.index;
                    let cand = format!("cand-{}-{}", c.id, o.id);
                    let status = if elected == Some(i) {
                        "winner"
                    } else if runoff.contains(&i) {
                        "advanced-to-runoff"
                    } else {
                        "defeated"
                    };
                    let mut cj = json!({
                        "@id": cand,
                        "@type": "ElectionResults.Candidate",
                        "BallotName": text(&o.name),
                        "PostElectionStatus": status,
                    });
                    if let Some(p) = c.options[i].party {
                        cj["PartyId"] = json!(party_id(p));
                    }
                    candidates.push(cj);
                    let round = is_sv.then_some(1);
                    let mut counts = vec![count(
                        &district,
                        "total",
                        None,
                        round,
                        votes.get(i).copied().unwrap_or(0),
                    )];
                    if district == london {
                        counts.extend(per_area(i, "total", round));
                    }
                    if let Outcome::SupplementaryVote(s) = &r.outcome {
                        if s.continuing.contains(&i) {
                            counts.push(count(
                                &london,
                                "other",
                                Some("second-choices-added"),
                                Some(2),
                                s.added[i],
                            ));
                            counts.push(count(&london, "total", None, Some(2), s.totals[i]));
                        }
                    }
                    selections.push(json!({
                        "@id": format!("sel-{}-{}", c.id, o.id),
                        "@type": "ElectionResults.CandidateSelection",
                        "CandidateIds": [cand],
                        "SequenceOrder": i + 1,
                        "VoteCounts": counts,
                    }));
                }
                let mut cj = json!({
                    "@id": cid,
                    "@type": "ElectionResults.CandidateContest",
                    "ElectionDistrictId": district,
                    "Name": c.title,
                    "NumberElected": c.seats,
                    "VotesAllowed": if is_sv { 2 } else { 1 },
                    "SequenceOrder": seq + 1,
                    "ContestSelection": selections,
                    "OtherCounts": other,
                });
                if is_sv {
                    cj["VoteVariation"] = json!("other");
                    cj["OtherVoteVariation"] = json!("supplementary-vote");
                    cj["NumberRunoff"] = json!(2);
                } else {
                    cj["VoteVariation"] = json!("plurality");
                }
                contests.push(cj);
            }
            Outcome::AdditionalMember(lw) => {
                for o in &r.options {
                    let i = o.index;
                    let mut counts = vec![count(&london, "total", None, None, lw.votes[i])];
                    counts.extend(per_area(i, "total", None));
                    counts.push(count(&london, "seats", None, None, lw.list_seats[i]));
                    let sel = if c.options[i].kind == OptionKind::Independent {
                        let cand = format!("cand-{}-{}", c.id, o.id);
                        candidates.push(json!({
                            "@id": cand,
                            "@type": "ElectionResults.Candidate",
                            "BallotName": text(&o.name),
                            "PostElectionStatus": if lw.list_seats[i] > 0 { "winner" } else { "defeated" },
                        }));
                        json!({
                            "@id": format!("sel-{}-{}", c.id, o.id),
                            "@type": "ElectionResults.CandidateSelection",
                            "CandidateIds": [cand],
                            "SequenceOrder": i + 1,
                            "VoteCounts": counts,
                        })
                    } else {
                        json!({
                            "@id": format!("sel-{}-{}", c.id, o.id),
                            "@type": "ElectionResults.PartySelection",
                            "PartyIds": [party_id(i)],
                            "SequenceOrder": i + 1,
                            "VoteCounts": counts,
                        })
                    };
                    selections.push(sel);
                }
                contests.push(json!({
                    "@id": cid,
                    "@type": "ElectionResults.PartyContest",
                    "ElectionDistrictId": london,
                    "Name": c.title,
                    "VoteVariation": "proportional",
                    "SequenceOrder": seq + 1,
                    "ContestSelection": selections,
                    "OtherCounts": other,
                }));
            }
        }
    }
    for l in &d.lots {
        notes.push(format!(
            "Lot drawn in {} ({}): tied options {:?}, fell to option {} (seed {}, stream {}).",
            l.contest, l.purpose, l.tied, l.chosen, l.seed, l.stream
        ));
    }

    json!({
        "@type": "ElectionResults.ElectionReport",
        "Format": "summary-contest",
        "GeneratedDate": utc_now(),
        "Issuer": "ecount",
        "IssuerAbbreviation": "ecount",
        "VendorApplicationId": concat!("ecount ", env!("CARGO_PKG_VERSION")),
        "SequenceStart": 1,
        "SequenceEnd": 1,
        "Status": "unofficial-complete",
        "Notes": notes.join(" "),
        "GpUnit": gpunits,
        "Party": parties,
        "Election": [{
            "@type": "ElectionResults.Election",
            "ElectionScopeId": london,
            "Name": text(&d.election_name),
            "StartDate": d.date,
            "EndDate": d.date,
            "Type": "general",
            "Candidate": candidates,
            "Contest": contests,
        }],
    })
}
