//! Determinism, file formats, and whole trees whose truth matches the requested mix.

use ecount_election::{
    BatchManifest, Election, PaperKind, RejectionHead, SecondChoice, SecondChoiceVoid, Vote,
};
use ecount_synth::{
    generate_paper, paper_truth, write_scan_tree, Expected, Instrument, MarkKind, Mix,
    OutputFormat, RenderOptions, Truth, TRUTH_FILE,
};
use std::collections::BTreeMap;
use std::path::Path;

fn gla() -> Election {
    Election::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../elections/gla-2016.toml"
    ))
    .expect("gla-2016 loads")
}

fn opts(dpi: u32, format: OutputFormat, bilevel: bool) -> RenderOptions {
    RenderOptions {
        dpi,
        format,
        bilevel,
        jpeg_quality: None,
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let e = gla();
    for format in [OutputFormat::Png, OutputFormat::Jpeg, OutputFormat::Tiff] {
        let o = opts(150, format, false);
        for index in [0u64, 5] {
            let a = generate_paper(&e, 42, index, Mix::Hard, &o);
            let b = generate_paper(&e, 42, index, Mix::Hard, &o);
            assert_eq!(a.bytes, b.bytes, "{format:?} index {index}");
            assert_eq!(a.truth, b.truth);
            // Only drawing shows how much of a mark a bilevel scan kept.
            let planned = Truth {
                survived: Vec::new(),
                ..a.truth.clone()
            };
            assert_eq!(planned, paper_truth(&e, 42, index, Mix::Hard, &o));
            let c = generate_paper(&e, 43, index, Mix::Hard, &o);
            assert_ne!(a.bytes, c.bytes);
        }
    }
}

fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    for entry in walk(dir) {
        let rel = entry
            .strip_prefix(dir)
            .expect("under dir")
            .display()
            .to_string();
        out.insert(rel, std::fs::read(&entry).expect("readable"));
    }
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let e = gla();
    let o = opts(150, OutputFormat::Jpeg, false);
    let run = |threads: usize| {
        let dir = tempfile::tempdir().expect("tempdir");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| write_scan_tree(&e, dir.path(), 12, 9, Mix::Hard, &o, &|_| {}))
            .expect("tree");
        let f = files(dir.path());
        (dir, f)
    };
    let (_d1, one) = run(1);
    let (_d2, two) = run(2);
    assert!(
        one.len() >= 12 + 3,
        "pages, manifest, truth and summary: {}",
        one.len()
    );
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    for (k, v) in &one {
        assert!(two[k] == *v, "{k} differs between 1 and 2 threads");
    }
}

/// Indices of pages with the given case in a mix, found from the truth alone.
fn indices_with_case(
    e: &Election,
    mix: Mix,
    o: &RenderOptions,
    case: &str,
    want: usize,
) -> Vec<u64> {
    (0..5000u64)
        .filter(|&i| paper_truth(e, 3, i, mix, o).case == case)
        .take(want)
        .collect()
}

#[test]
fn a_bilevel_scan_records_how_much_of_each_voting_mark_survived() {
    let e = gla();
    let tiff = opts(150, OutputFormat::Tiff, true);
    let jpeg = opts(150, OutputFormat::Jpeg, false);
    let clean = indices_with_case(&e, Mix::Realistic, &tiff, "clean", 3);
    let faint = indices_with_case(&e, Mix::Realistic, &tiff, "faint", 3);
    // Writing and marks across two boxes are measured too, over all their ink.
    let writing = indices_with_case(&e, Mix::Hard, &tiff, "stray_writing", 3);
    let mut ink = Vec::new();
    let mut faint_pencil = Vec::new();
    let mut signatures = 0;
    let papers = clean.iter().chain(&faint).map(|&i| (i, Mix::Realistic));
    for (i, mix) in papers.chain(writing.iter().map(|&i| (i, Mix::Hard))) {
        let t = generate_paper(&e, 3, i, mix, &tiff).truth;
        assert_eq!(t.survived.len(), t.marks.len());
        for (m, s) in t.marks.iter().zip(&t.survived) {
            let Some(s) = *s else {
                panic!("paper {i}: no survival for {m:?}");
            };
            signatures += usize::from(m.kind == MarkKind::Signature);
            assert!((0.0..=1.0).contains(&s));
            match m.pen.instrument {
                Instrument::Pencil if t.case == "faint" => faint_pencil.push(s),
                Instrument::Pencil => {}
                _ => ink.push(s),
            }
        }
    }
    // A pen line stays black; a faint pencil line at 150 dpi is mostly cut away.
    assert_eq!(signatures, 3);
    assert!(!ink.is_empty());
    assert!(ink.iter().all(|&s| s >= 0.6), "{ink:?}");
    assert!(!faint_pencil.is_empty());
    let mean = faint_pencil.iter().sum::<f32>() / faint_pencil.len() as f32;
    assert!(mean < 0.5, "{faint_pencil:?}");
    // A grey scan keeps every mark: nothing is recorded.
    assert!(generate_paper(&e, 3, faint[0], Mix::Realistic, &jpeg)
        .truth
        .survived
        .is_empty());
}

#[test]
fn g4_tiff_is_compression_4_and_decodes_to_the_bilevel_png() {
    let e = gla();
    let tiff_o = opts(200, OutputFormat::Tiff, true);
    let png_o = opts(200, OutputFormat::Png, true);
    for index in [0u64, 1] {
        let t = generate_paper(&e, 3, index, Mix::Clean, &tiff_o);
        let p = generate_paper(&e, 3, index, Mix::Clean, &png_o);
        let mut dec =
            tiff::decoder::Decoder::new(std::io::Cursor::new(&t.bytes)).expect("tiff header");
        assert_eq!(
            dec.get_tag_u32(tiff::tags::Tag::Compression)
                .expect("compression tag"),
            4
        );
        assert_eq!(
            dec.get_tag_u32(tiff::tags::Tag::PhotometricInterpretation)
                .expect("photometric"),
            0
        );
        let ti = image::load_from_memory(&t.bytes)
            .expect("image crate decodes the G4 TIFF")
            .to_luma8();
        let pi = image::load_from_memory(&p.bytes).expect("png").to_luma8();
        assert_eq!(ti.dimensions(), pi.dimensions());
        let differ = ti
            .pixels()
            .zip(pi.pixels())
            .filter(|(a, b)| a.0[0] != b.0[0])
            .count();
        assert_eq!(
            differ, 0,
            "index {index}: TIFF and PNG of the same bilevel page differ"
        );
        assert!(ti.pixels().any(|p| p.0[0] == 0) && ti.pixels().any(|p| p.0[0] == 255));
        assert!(
            t.bytes.len() * 4 < p.bytes.len() * 3,
            "G4 should be smaller than PNG"
        );
    }
}

#[test]
fn corrupt_files_do_not_decode_and_others_do() {
    let e = gla();
    for format in [OutputFormat::Png, OutputFormat::Jpeg, OutputFormat::Tiff] {
        let o = opts(150, format, false);
        let idx = indices_with_case(&e, Mix::Hard, &o, "corrupt", 4);
        assert!(idx.len() >= 3, "hard mix should hold corrupt files");
        for i in idx {
            let p = generate_paper(&e, 3, i, Mix::Hard, &o);
            assert_eq!(
                p.truth.expected,
                Expected::SetAside {
                    outcome: "decode_failed".into()
                }
            );
            assert!(
                image::load_from_memory(&p.bytes).is_err(),
                "{format:?} corrupt index {i} decoded"
            );
        }
        let fine = generate_paper(
            &e,
            3,
            indices_with_case(&e, Mix::Hard, &o, "not_a_ballot", 1)[0],
            Mix::Hard,
            &o,
        );
        image::load_from_memory(&fine.bytes).expect("a non-ballot page is still a valid image");
    }
}

/// Shares of what matters in a mix, over the truth of many pages.
#[derive(Debug, Default)]
struct Stats {
    pages: u64,
    mayor: u64,
    mayor_rejected: u64,
    mayor_too_many: u64,
    mayor_valid: u64,
    mayor_no_second: u64,
    reviewed: u64,
    pencil_marks: u64,
    marks: u64,
    non_ballots: u64,
    kinds: BTreeMap<String, u64>,
}

fn stats<'a>(truths: impl Iterator<Item = &'a Truth>) -> Stats {
    let mut s = Stats::default();
    for t in truths {
        s.pages += 1;
        s.reviewed += u64::from(t.expect_review);
        s.marks += t.marks.len() as u64;
        s.pencil_marks += t
            .marks
            .iter()
            .filter(|m| m.pen.instrument == Instrument::Pencil)
            .count() as u64;
        if let Some(k) = t.kind {
            *s.kinds.entry(format!("{k:?}")).or_insert(0) += 1;
        }
        match (&t.expected, t.kind) {
            (Expected::Vote(v), Some(PaperKind::Mayor)) => {
                s.mayor += 1;
                match v {
                    Vote::Rejected { head } => {
                        s.mayor_rejected += 1;
                        s.mayor_too_many += u64::from(*head == RejectionHead::TooMany);
                    }
                    Vote::Supplementary { second, .. } => {
                        s.mayor_valid += 1;
                        s.mayor_no_second += u64::from(
                            *second == SecondChoice::NotCounted(SecondChoiceVoid::Unmarked),
                        );
                    }
                    Vote::Single { .. } => panic!("a Mayor paper with a single vote"),
                }
            }
            (Expected::Vote(_), _) => {}
            _ => s.non_ballots += 1,
        }
    }
    s
}

fn pct(a: u64, b: u64) -> f64 {
    100.0 * a as f64 / b.max(1) as f64
}

#[test]
fn mixes_have_the_requested_rates() {
    let e = gla();
    let o = RenderOptions::default();
    let realistic: Vec<Truth> = (0..30_000)
        .map(|i| paper_truth(&e, 11, i, Mix::Realistic, &o))
        .collect();
    let s = stats(realistic.iter());
    // London 2016: 1.88% of Mayor papers rejected, about two thirds for too many first choices;
    // 14.7% of valid papers without a second choice.
    let rej = pct(s.mayor_rejected, s.mayor);
    assert!(
        (1.5..2.4).contains(&rej),
        "Mayor rejected {rej:.2}% ({s:?})"
    );
    assert!(pct(s.mayor_too_many, s.mayor_rejected) > 50.0, "{s:?}");
    let no2 = pct(s.mayor_no_second, s.mayor_valid);
    assert!((13.0..17.5).contains(&no2), "no second choice {no2:.1}%");
    assert!(pct(s.pencil_marks, s.marks) > 70.0, "mostly pencil");
    assert!(pct(s.non_ballots, s.pages) < 1.0);
    assert_eq!(s.kinds.len(), 3);
    for k in s.kinds.values() {
        assert!(
            (pct(*k, s.pages) - 33.3).abs() < 3.0,
            "kinds evenly spread: {:?}",
            s.kinds
        );
    }
    // Every case of the realistic mix occurs in 30,000 pages.
    let cases: std::collections::BTreeSet<&str> =
        realistic.iter().map(|t| t.case.as_str()).collect();
    for c in [
        "clean",
        "no_second_choice",
        "faint",
        "too_many_first",
        "too_many",
        "blank",
        "uncertain",
        "beside_box",
        "crossed_out",
        "same_candidate_twice",
        "upside_down",
        "skewed",
        "not_a_ballot",
        "corrupt",
        "foreign_election",
    ] {
        assert!(cases.contains(c), "realistic lacks {c}");
    }

    let clean: Vec<Truth> = (0..3000)
        .map(|i| paper_truth(&e, 11, i, Mix::Clean, &o))
        .collect();
    assert!(clean
        .iter()
        .all(|t| matches!(t.expected, Expected::Vote(v) if v.is_valid()) && !t.expect_review));
    let hard: Vec<Truth> = (0..3000)
        .map(|i| paper_truth(&e, 11, i, Mix::Hard, &o))
        .collect();
    let sh = stats(hard.iter());
    assert!(
        pct(sh.reviewed, sh.pages) > 40.0,
        "hard concentrates odd cases: {sh:?}"
    );
    assert!(pct(sh.non_ballots, sh.pages) > 3.0);
}

#[test]
fn truth_follows_the_statutory_rules() {
    let e = gla();
    let o = RenderOptions::default();
    for i in 0..20_000 {
        let t = paper_truth(&e, 5, i, Mix::Hard, &o);
        let Expected::Vote(v) = t.expected else {
            assert!(t.style.is_none() || t.case == "corrupt");
            continue;
        };
        match (t.case.as_str(), v) {
            ("too_many_first" | "too_many", Vote::Rejected { head }) => {
                assert_eq!(head, RejectionHead::TooMany)
            }
            ("blank" | "second_only", Vote::Rejected { head }) => {
                assert_eq!(head, RejectionHead::Unmarked)
            }
            ("uncertain", Vote::Rejected { head }) => assert_eq!(head, RejectionHead::Uncertain),
            ("stray_writing", Vote::Rejected { head }) => {
                assert_eq!(head, RejectionHead::IdentifyingMark)
            }
            ("same_candidate_twice", Vote::Supplementary { first, second }) => {
                assert_eq!(t.intended, vec![vec![first], vec![first]]);
                assert_eq!(
                    second,
                    SecondChoice::NotCounted(SecondChoiceVoid::SameAsFirst)
                );
            }
            ("no_second_choice", Vote::Supplementary { second, .. }) => {
                assert_eq!(second, SecondChoice::NotCounted(SecondChoiceVoid::Unmarked));
                assert!(!t.expect_review);
            }
            (_, Vote::Rejected { .. }) => panic!("case {} rejected", t.case),
            (_, Vote::Supplementary { first, second }) => {
                assert_eq!(t.intended[0], vec![first]);
                if let SecondChoice::Counted(s) = second {
                    assert_eq!(t.intended[1], vec![s]);
                    assert_ne!(s, first);
                }
            }
            (_, Vote::Single { option }) => assert_eq!(t.intended, vec![vec![option]]),
        }
        if !v.is_valid() {
            assert!(t.expect_review, "every apparently void paper is reviewed");
        }
        let odd = [
            "beside_box",
            "circle_round_box",
            "dot",
            "crossed_out",
            "stray_writing",
            "second_too_many",
        ];
        if odd.contains(&t.case.as_str()) {
            assert!(t.expect_review, "{} is reviewed", t.case);
        }
        if ["clean", "faint", "digits", "upside_down", "skewed"].contains(&t.case.as_str()) {
            assert!(!t.expect_review, "{} is not reviewed", t.case);
        }
    }
}

/// Generates a realistic 200-dpi JPEG tree and checks it against its own truth and the mix.
fn realistic_tree(n: u64) {
    let e = gla();
    let o = opts(200, OutputFormat::Jpeg, false);
    let dir = tempfile::tempdir().expect("tempdir");
    let done = std::sync::atomic::AtomicU64::new(0);
    let summary = write_scan_tree(&e, dir.path(), n, 2016, Mix::Realistic, &o, &|k| {
        done.fetch_add(k, std::sync::atomic::Ordering::Relaxed);
    })
    .expect("tree written");
    assert_eq!(done.into_inner(), n);
    assert_eq!(summary.files, n);
    let mut all = Vec::new();
    for b in &summary.batches {
        let folder = dir.path().join(&b.batch);
        let m = BatchManifest::read_from(&folder)
            .expect("manifest parses")
            .expect("manifest present");
        assert_eq!(m.area, b.area);
        let truths: Vec<Truth> = std::fs::read_to_string(folder.join(TRUTH_FILE))
            .expect("truth")
            .lines()
            .map(|l| serde_json::from_str(l).expect("truth line parses"))
            .collect();
        let papers = truths.iter().filter(|t| t.kind.is_some()).count() as u64;
        assert_eq!(m.papers, papers, "realistic manifests are right");
        assert!(!b.manifest_disagrees);
        for t in &truths {
            let bytes = std::fs::read(folder.join(&t.file)).expect("page file");
            assert_eq!(t.batch, b.batch);
            if let Some(a) = &t.area {
                assert_eq!(a, &b.area, "a box holds its own area's papers");
            }
            match image::load_from_memory(&bytes) {
                Ok(img) => {
                    assert_ne!(t.case, "corrupt");
                    // The paper (at least 210 mm) fits in the image.
                    assert!(
                        img.width().min(img.height()) as f64 >= 210.0 * 0.97 * 200.0 / 25.4 - 2.0
                    );
                }
                Err(_) => assert_eq!(t.case, "corrupt"),
            }
        }
        all.extend(truths);
    }
    assert_eq!(all.len() as u64, n);
    let s = stats(all.iter());
    assert_eq!(s.kinds.len(), 3, "all three kinds in the boxes");
    // Tolerances wide enough for a few hundred Mayor papers (binomial, > 3 sd).
    let rej = pct(s.mayor_rejected, s.mayor);
    assert!(
        rej < 1.9 + 3.0 * (190.0 / s.mayor as f64).sqrt() + 1.0,
        "Mayor rejected {rej:.1}%"
    );
    let no2 = pct(s.mayor_no_second, s.mayor_valid);
    let sd = (14.7 * 85.3 / s.mayor_valid.max(1) as f64).sqrt();
    assert!(
        (no2 - 14.7).abs() < 3.5 * sd + 1.0,
        "no second choice {no2:.1}% (sd {sd:.1})"
    );
    assert!(pct(s.pencil_marks, s.marks) > 65.0);
}

#[test]
fn realistic_tree_of_200_jpeg_pages_at_200_dpi() {
    realistic_tree(200);
}

/// The acceptance run; about a minute of CPU in release
/// (`cargo test -p ecount-synth --release -- --ignored`).
#[test]
#[ignore]
fn realistic_tree_of_1000_jpeg_pages_at_200_dpi() {
    realistic_tree(1000);
}
