//! A small count for the review tests: the demo election, two clerks and a CRO, and a few
//! flagged papers whose image is a PNG written here.
#![allow(dead_code)]

use ecount_election::{Election, PaperKind, Vote};
use ecount_review::{hash_password, App, Config, Shared};
use ecount_scan::{BoxClass, BoxReading, Flag, Outcome, Reading, Transform};
use ecount_store::{BatchInfo, CountStore, NewUser, PaperInput, Role, SqliteStore};
use std::path::{Path, PathBuf};

pub const PASSWORD: &str = "correct horse battery staple";

pub fn election() -> Election {
    Election::load(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../elections/demo.toml"))
        .expect("demo election")
}

/// A white "paper" with black boxes down the right and a mark in some of them.
pub fn write_paper_png(path: &Path, rows: usize, marked: &[usize]) -> Vec<[[f32; 2]; 4]> {
    let (w, h) = (620u32, 180 + 90 * rows as u32);
    let mut img = image::GrayImage::from_pixel(w, h, image::Luma([255]));
    let mut quads = Vec::new();
    for r in 0..rows {
        let (x0, y0) = (480u32, 120 + 90 * r as u32);
        let (x1, y1) = (x0 + 60, y0 + 60);
        for x in x0..=x1 {
            for y in [y0, y0 + 1, y1 - 1, y1] {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        for y in y0..=y1 {
            for x in [x0, x0 + 1, x1 - 1, x1] {
                img.put_pixel(x, y, image::Luma([0]));
            }
        }
        if marked.contains(&r) {
            for d in 10..50 {
                img.put_pixel(x0 + d, y0 + d, image::Luma([0]));
                img.put_pixel(x0 + d + 1, y0 + d, image::Luma([0]));
                img.put_pixel(x1 - d, y0 + d, image::Luma([0]));
                img.put_pixel(x1 - d - 1, y0 + d, image::Luma([0]));
            }
        }
        let (x0, y0, x1, y1) = (x0 as f32, y0 as f32, x1 as f32, y1 as f32);
        quads.push([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]);
    }
    img.save(path).expect("write test image");
    quads
}

pub fn constituency_reading(
    e: &Election,
    quads: &[[[f32; 2]; 4]],
    vote: Vote,
    flags: Vec<Flag>,
) -> Outcome {
    let s = e
        .styles
        .iter()
        .find(|s| s.kind == PaperKind::Constituency)
        .unwrap();
    let boxes = quads
        .iter()
        .enumerate()
        .map(|(row, q)| BoxReading {
            row: row as u16,
            column: 0,
            score: if row == 1 { 0.31 } else { 0.02 },
            darkness: if row == 1 { 0.2 } else { 0.0 },
            halo: 0.0,
            class: if row == 1 {
                BoxClass::Doubtful
            } else {
                BoxClass::Empty
            },
            quad: *q,
        })
        .collect();
    Ok(Reading {
        style: s.code,
        kind: PaperKind::Constituency,
        area: s.area,
        contest: s.contest,
        upside_down: false,
        transform: Transform::upright(3.0),
        residual_mm: 0.1,
        boxes,
        stray_ink: Vec::new(),
        vote,
        flags,
    })
}

pub struct Fixture {
    pub app: Shared,
    pub dir: tempfile::TempDir,
    pub paper_ids: Vec<i64>,
}

/// `n` flagged constituency papers (machine reading: a vote for option 0, box 2 doubtful),
/// plus one paper without a style and one counted unseen.
pub fn fixture(n: usize, config: Config) -> Fixture {
    let e = election();
    let dir = tempfile::tempdir().unwrap();
    let mut store = SqliteStore::open(&dir.path().join("count.db")).unwrap();
    store
        .begin_batch(&BatchInfo {
            batch_id: "box-1".into(),
            folder: dir.path().display().to_string(),
            area: Some("riverside".into()),
            manifest: None,
        })
        .unwrap();
    let rows = e.contests[e
        .styles
        .iter()
        .find(|s| s.kind == PaperKind::Constituency)
        .unwrap()
        .contest]
        .options
        .len();
    let mut papers = Vec::new();
    for i in 0..n {
        let path = dir.path().join(format!("paper-{i}.png"));
        let quads = write_paper_png(&path, rows, &[0]);
        papers.push(PaperInput {
            batch_id: "box-1".into(),
            path: path.display().to_string(),
            sha256: format!("{:064x}", i + 1),
            outcome: constituency_reading(
                &e,
                &quads,
                Vote::Single { option: 0 },
                vec![Flag::DoubtfulBox {
                    row: 1,
                    column: 0,
                    score: 0.31,
                }],
            ),
        });
    }
    let counted = dir.path().join("counted.png");
    let quads = write_paper_png(&counted, rows, &[2]);
    papers.push(PaperInput {
        batch_id: "box-1".into(),
        path: counted.display().to_string(),
        sha256: format!("{:064x}", 1000),
        outcome: constituency_reading(&e, &quads, Vote::Single { option: 2 }, vec![]),
    });
    let ids = store
        .record_papers(&papers)
        .unwrap()
        .into_iter()
        .filter_map(|r| match r {
            ecount_store::Recorded::New {
                paper_id,
                status: ecount_store::PaperStatus::AwaitingReview,
            } => Some(paper_id),
            _ => None,
        })
        .collect();
    for (name, role) in [
        ("alice", Role::Clerk),
        ("bob", Role::Clerk),
        ("carol", Role::Cro),
    ] {
        store
            .add_user(
                &NewUser {
                    name: name.into(),
                    role,
                    password_hash: hash_password(PASSWORD).unwrap(),
                },
                1,
            )
            .unwrap();
    }
    Fixture {
        app: App::new(store, e, config),
        dir,
        paper_ids: ids,
    }
}

/// A fixture whose queued paper is a real rendered constituency paper read by the real reader
/// (its boxes and scores are the reader's; a flag is added if it read cleanly, so that it is
/// queued). `None` if no such paper turns up in the first pages of the run.
pub fn real_fixture(config: Config) -> Option<Fixture> {
    use sha2::Digest;
    let f = fixture(0, config);
    let e = &f.app.election;
    let opts = ecount_synth::RenderOptions {
        dpi: 150,
        format: ecount_synth::OutputFormat::Png,
        bilevel: false,
        jpeg_quality: Some(90),
    };
    for index in 0..24 {
        let g = ecount_synth::generate_paper(e, 11, index, ecount_synth::Mix::Clean, &opts);
        let Ok(mut reading) = ecount_scan::read_ballot(&g.bytes, e) else {
            continue;
        };
        if reading.kind != PaperKind::Constituency {
            continue;
        }
        if reading.flags.is_empty() {
            reading.flags.push(Flag::DoubtfulBox {
                row: 1,
                column: 0,
                score: reading.boxes.get(1).map_or(0.0, |b| b.score),
            });
            if let Some(b) = reading.boxes.get_mut(1) {
                b.class = BoxClass::Doubtful;
            }
        }
        let path = f.dir.path().join(&g.file_name);
        std::fs::write(&path, &g.bytes).unwrap();
        let id = {
            let mut store = f.app.store.lock().unwrap();
            let r = store
                .record_papers(&[PaperInput {
                    batch_id: "box-1".into(),
                    path: path.display().to_string(),
                    sha256: hex::encode(sha2::Sha256::digest(&g.bytes)),
                    outcome: Ok(reading),
                }])
                .unwrap();
            match r[0] {
                ecount_store::Recorded::New { paper_id, .. } => paper_id,
                _ => continue,
            }
        };
        return Some(Fixture {
            paper_ids: vec![id],
            ..f
        });
    }
    None
}
