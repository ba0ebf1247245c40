//! Development loop: generate papers, read them, and print what went wrong.
//! cargo run --release -p ecount-scan --example quickeval -- MIX N SEED DPI FORMAT [bilevel]

use ecount_election::Election;
use ecount_synth::{generate_paper, Expected, Mix, OutputFormat, RenderOptions};
use rayon::prelude::*;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let mix: Mix = a
        .get(1)
        .map(|s| s.parse().unwrap())
        .unwrap_or(Mix::Realistic);
    let n: u64 = a.get(2).map(|s| s.parse().unwrap()).unwrap_or(200);
    let seed: u64 = a.get(3).map(|s| s.parse().unwrap()).unwrap_or(1);
    let dpi: u32 = a.get(4).map(|s| s.parse().unwrap()).unwrap_or(200);
    let format: OutputFormat = a
        .get(5)
        .map(|s| s.parse().unwrap())
        .unwrap_or(OutputFormat::Jpeg);
    let bilevel = a.get(6).is_some_and(|s| s == "bilevel");
    let dump = std::env::var("DUMP").ok();
    let e = Election::load("elections/gla-2016.toml").unwrap();
    let opts = RenderOptions {
        dpi,
        format,
        bilevel,
        jpeg_quality: None,
    };
    let from: u64 = std::env::var("FROM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let results: Vec<String> = (from..n)
        .into_par_iter()
        .filter_map(|i| {
            let dir = format!("/tmp/evalcache/{mix:?}-{seed}-{dpi}-{format:?}-{bilevel}");
            std::fs::create_dir_all(&dir).unwrap();
            let path = format!("{dir}/{i}.json");
            let p = match std::fs::read(&path).ok().and_then(|b| {
                serde_json::from_slice::<(String, Vec<u8>, ecount_synth::Truth)>(&b).ok()
            }) {
                Some((file_name, bytes, truth)) => ecount_synth::GeneratedPaper {
                    file_name,
                    bytes,
                    truth,
                },
                None => {
                    let p = generate_paper(&e, seed, i, mix, &opts);
                    std::fs::write(
                        &path,
                        serde_json::to_vec(&(&p.file_name, &p.bytes, &p.truth)).unwrap(),
                    )
                    .unwrap();
                    p
                }
            };
            let out = ecount_scan::read_ballot(&p.bytes, &e);
            let t = &p.truth;
            if std::env::var("CAL").is_ok() {
                if let Ok(r) = &out {
                    for b in &r.boxes {
                        let m = t.marks.iter().find(|m| m.target == Some((b.row, b.column)));
                        let label = match m {
                            Some(m) => format!("{:?}/{:?}", m.kind, m.pen.instrument),
                            None => "empty".to_string(),
                        };
                        println!("CAL {label} {:.4} {:.4} {}", b.score, b.halo, p.file_name);
                    }
                }
            }
            let verdict = match (&t.expected, &out) {
                (Expected::Vote(v), Ok(r)) if !r.needs_adjudication() && r.vote != *v => {
                    "SILENT_MISREAD"
                }
                (Expected::Vote(v), Ok(r)) if r.needs_adjudication() && !t.expect_review => {
                    let _ = v;
                    "clean_flagged"
                }
                (Expected::Vote(ecount_election::Vote::Rejected { head }), Ok(r)) => {
                    if r.vote == (ecount_election::Vote::Rejected { head: *head }) {
                        "ok"
                    } else {
                        "void_wrong_head"
                    }
                }
                (Expected::Vote(_), Ok(_)) => "ok",
                (Expected::Vote(_), Err(_)) => "BALLOT_SET_ASIDE",
                (Expected::SetAside { outcome }, Err(u)) if u.name() == outcome => "ok",
                (Expected::OfficialMarkReview, Err(u)) if u.wants_official_mark_review() => "ok",
                (_, Ok(r)) if !r.needs_adjudication() => "SILENT_MISREAD",
                _ => "wrong_set_aside",
            };
            if let Some(d) = &dump {
                if verdict != "ok" {
                    std::fs::write(format!("{d}/{}", p.file_name), &p.bytes).unwrap();
                }
            }
            (verdict != "ok").then(|| {
                let got = match &out {
                    Ok(r) => format!(
                        "{:?} flags={:?} boxes={:?}",
                        r.vote,
                        r.flags,
                        r.boxes
                            .iter()
                            .filter(|b| b.score > 0.005 || b.halo > 0.005)
                            .map(|b| (b.row, b.column, b.score, b.halo))
                            .collect::<Vec<_>>()
                    ),
                    Err(u) => u.to_string(),
                };
                // The least of the voter's marks the scan kept (bilevel scans erase some).
                let kept = t.survived.iter().flatten().fold(1.0f32, |a, &s| a.min(s));
                format!(
                    "{verdict} {} case={} kept={kept:.2} expected={:?} review={} got={got}",
                    p.file_name, t.case, t.expected, t.expect_review
                )
            })
        })
        .collect();
    let mut counts = std::collections::BTreeMap::new();
    for r in &results {
        *counts
            .entry(r.split(' ').next().unwrap().to_string())
            .or_insert(0) += 1;
        println!("{r}");
    }
    println!("{n} papers; problems: {counts:?}");
}
