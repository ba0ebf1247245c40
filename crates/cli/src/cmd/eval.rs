//! `ecount eval`: renders papers with known truth, reads them, and compares.

use anyhow::Context;
use ecount_election::{Election, Vote};
use ecount_synth::{generate_paper, Expected, Mix, OutputFormat, RenderOptions, Truth};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args)]
pub struct Args {
    /// Election definition file (.toml or .json).
    #[arg(long)]
    election: PathBuf,
    /// Papers to generate and read.
    #[arg(long, default_value_t = 1000)]
    ballots: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// clean, realistic or hard.
    #[arg(long, default_value = "realistic")]
    mix: Mix,
    #[arg(long, default_value_t = 200)]
    dpi: u32,
    /// png, jpeg or tiff (CCITT G4 bilevel).
    #[arg(long, default_value = "jpeg")]
    format: OutputFormat,
    /// Threshold every page to black and white.
    #[arg(long)]
    bilevel: bool,
    /// Print a JSON summary object instead of the table.
    #[arg(long)]
    json: bool,
    /// List every paper that was not read as expected.
    #[arg(long)]
    verbose: bool,
    /// Write every paper not read as expected, with its truth.jsonl, into this folder: a
    /// scan tree to inspect, or to read again with `--from` after a change to the reader.
    #[arg(long)]
    keep: Option<PathBuf>,
    /// Read an existing scan tree (from `ecount generate`, or another renderer writing the
    /// same truth.jsonl beside each batch) instead of rendering papers.
    #[arg(long, conflicts_with_all = ["ballots", "seed", "mix", "dpi", "format", "bilevel"])]
    from: Option<PathBuf>,
}

/// How one paper's reading compares with its truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Counted unseen, and counted right.
    Counted,
    /// Sent to a person, as the truth expects.
    Flagged,
    /// Sent to a person although its marks are clear.
    FlaggedClear,
    /// Set aside with the expected reason.
    SetAside,
    /// Set aside, or set aside for another reason, when it should not be.
    WrongSetAside,
    /// Counted unseen and counted wrong: the error that must never happen.
    SilentMisread,
}

fn judge(truth: &Truth, outcome: &ecount_scan::Outcome) -> Verdict {
    match (&truth.expected, outcome) {
        (Expected::Vote(v), Ok(r)) if !r.needs_adjudication() => {
            if r.vote == *v {
                Verdict::Counted
            } else {
                Verdict::SilentMisread
            }
        }
        (Expected::Vote(_), Ok(_)) if truth.expect_review => Verdict::Flagged,
        (Expected::Vote(_), Ok(_)) => Verdict::FlaggedClear,
        (Expected::Vote(_), Err(_)) => Verdict::WrongSetAside,
        (_, Ok(r)) if !r.needs_adjudication() => Verdict::SilentMisread,
        (_, Ok(_)) => Verdict::Flagged,
        (Expected::SetAside { outcome }, Err(u)) if u.name() == outcome => Verdict::SetAside,
        (Expected::OfficialMarkReview, Err(u)) if u.wants_official_mark_review() => {
            Verdict::SetAside
        }
        (_, Err(_)) => Verdict::WrongSetAside,
    }
}

/// Share of a voting mark's ink in its box's mark zone below which a bilevel scan has erased
/// the mark: what is left is a few specks, which no reader or person can tell from dirt.
pub const LOST_BELOW: f32 = 0.05;

/// Whether the scan erased one of the paper's voting marks.
fn lost_in_scan(truth: &Truth) -> bool {
    truth.survived.iter().flatten().any(|&s| s < LOST_BELOW)
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub papers: u64,
    pub silent_misreads: u64,
    /// Silent misreads (of any case) of papers one of whose marks the bilevel scan erased:
    /// the image no longer shows what the voter drew.
    pub silent_misreads_mark_erased: u64,
    /// Ballots whose every mark is clear (the truth expects no person to look).
    pub clean_papers: u64,
    pub clean_flagged: u64,
    pub clean_flagged_percent: f64,
    /// Ballots void under the rules.
    pub void_papers: u64,
    pub void_flagged_with_correct_head: u64,
    /// Ballots with a valid vote and only clear marks as drawn, one of which the bilevel
    /// scan erased (less than [`LOST_BELOW`] of it left): not counted in `clean_papers`,
    /// since the image shows no clear mark. Silent misreads among them are still counted in
    /// `silent_misreads`.
    pub marks_lost_in_scan: u64,
    pub marks_lost_flagged: u64,
    pub marks_lost_silent_misreads: u64,
    /// Void ballots (included in `void_papers`) one of whose marks the bilevel scan erased:
    /// a too-many paper may then show one mark, an uncertain one none.
    pub void_marks_lost_in_scan: u64,
    pub void_marks_lost_flagged_with_correct_head: u64,
    pub ballots_set_aside: u64,
    pub non_ballots: u64,
    pub non_ballots_set_aside_correctly: u64,
    pub decode_ms_per_paper: f64,
    pub read_ms_per_paper: f64,
    /// Per case: verdict -> papers.
    pub cases: BTreeMap<String, BTreeMap<Verdict, u64>>,
}

struct One {
    truth: Truth,
    verdict: Verdict,
    void_right_head: bool,
    decode: f64,
    read: f64,
    got: String,
    /// The image, kept when `--keep` asks for it and the paper was not read as expected.
    bytes: Option<Vec<u8>>,
}

impl One {
    fn void_wrong_head(&self) -> bool {
        matches!(&self.truth.expected, Expected::Vote(v) if !v.is_valid()) && !self.void_right_head
    }

    fn unexpected(&self) -> bool {
        !matches!(
            self.verdict,
            Verdict::Counted | Verdict::Flagged | Verdict::SetAside
        ) || self.void_wrong_head()
    }
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let election = Election::load(&args.election).context("loading the election definition")?;
    let opts = RenderOptions {
        dpi: args.dpi,
        format: args.format,
        bilevel: args.bilevel,
        jpeg_quality: None,
    };
    let evaluate = |truth: Truth, bytes: &[u8]| -> One {
        let t0 = Instant::now();
        let decoded = ecount_scan::decode::decode(bytes);
        let t1 = Instant::now();
        let outcome = decoded.and_then(|d| ecount_scan::read_decoded(&d, &election));
        let t2 = Instant::now();
        let verdict = judge(&truth, &outcome);
        let void_right_head = match (&truth.expected, &outcome) {
            (Expected::Vote(v @ Vote::Rejected { .. }), Ok(r)) => {
                r.needs_adjudication() && r.vote == *v
            }
            _ => false,
        };
        let got = match &outcome {
            Ok(r) => format!("{:?} flags={:?}", r.vote, r.flags),
            Err(u) => u.to_string(),
        };
        let mut one = One {
            truth,
            verdict,
            void_right_head,
            decode: (t1 - t0).as_secs_f64(),
            read: (t2 - t1).as_secs_f64(),
            got,
            bytes: None,
        };
        if args.keep.is_some() && one.unexpected() {
            one.bytes = Some(bytes.to_vec());
        }
        one
    };
    let results: Vec<One> = match &args.from {
        Some(root) => {
            let papers = tree_papers(root)?;
            papers
                .into_par_iter()
                .map(|(truth, path)| {
                    let bytes = std::fs::read(&path).unwrap_or_default();
                    evaluate(truth, &bytes)
                })
                .collect()
        }
        None => (0..args.ballots)
            .into_par_iter()
            .map(|i| {
                let paper = generate_paper(&election, args.seed, i, args.mix, &opts);
                evaluate(paper.truth, &paper.bytes)
            })
            .collect(),
    };

    let mut s = Summary::default();
    let (mut decode, mut read, mut timed) = (0.0, 0.0, 0u64);
    for r in &results {
        s.papers += 1;
        *s.cases
            .entry(r.truth.case.clone())
            .or_default()
            .entry(r.verdict)
            .or_default() += 1;
        if r.verdict == Verdict::SilentMisread {
            s.silent_misreads += 1;
            s.silent_misreads_mark_erased += u64::from(lost_in_scan(&r.truth));
        }
        match &r.truth.expected {
            Expected::Vote(v) => {
                if !r.truth.expect_review && v.is_valid() && lost_in_scan(&r.truth) {
                    s.marks_lost_in_scan += 1;
                    s.marks_lost_flagged += u64::from(r.verdict == Verdict::FlaggedClear);
                    s.marks_lost_silent_misreads += u64::from(r.verdict == Verdict::SilentMisread);
                } else if !r.truth.expect_review && v.is_valid() {
                    s.clean_papers += 1;
                    if r.verdict == Verdict::FlaggedClear {
                        s.clean_flagged += 1;
                    }
                }
                if !v.is_valid() {
                    s.void_papers += 1;
                    s.void_flagged_with_correct_head += u64::from(r.void_right_head);
                    if lost_in_scan(&r.truth) {
                        s.void_marks_lost_in_scan += 1;
                        s.void_marks_lost_flagged_with_correct_head += u64::from(r.void_right_head);
                    }
                }
                if r.verdict == Verdict::WrongSetAside {
                    s.ballots_set_aside += 1;
                }
                decode += r.decode;
                read += r.read;
                timed += 1;
            }
            _ => {
                s.non_ballots += 1;
                s.non_ballots_set_aside_correctly += u64::from(r.verdict == Verdict::SetAside);
            }
        }
    }
    s.clean_flagged_percent = 100.0 * s.clean_flagged as f64 / s.clean_papers.max(1) as f64;
    s.decode_ms_per_paper = 1e3 * decode / timed.max(1) as f64;
    s.read_ms_per_paper = 1e3 * read / timed.max(1) as f64;

    if let Some(dir) = &args.keep {
        keep(dir, &results)?;
    }
    if args.verbose {
        for r in results.iter().filter(|r| r.unexpected()) {
            let verdict = match r.verdict {
                Verdict::Flagged => "FlaggedOtherHead".to_string(),
                v => format!("{v:?}"),
            };
            eprintln!(
                "{verdict} {} case={} expected={:?} got={}",
                r.truth.file, r.truth.case, r.truth.expected, r.got
            );
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(());
    }
    print_table(&s, &args);
    Ok(())
}

/// Writes the kept papers and their truth as one batch folder.
fn keep(dir: &std::path::Path, results: &[One]) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut truth = String::new();
    for (k, r) in results.iter().enumerate() {
        let Some(bytes) = &r.bytes else { continue };
        // Numbered, since papers of different batches of a tree share names.
        let mut t = r.truth.clone();
        t.file = format!("{k:06}-{}", t.file);
        let path = dir.join(&t.file);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
        truth.push_str(&serde_json::to_string(&t)?);
        truth.push('\n');
    }
    let path = dir.join(ecount_synth::TRUTH_FILE);
    std::fs::write(&path, truth).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Every paper of a generated scan tree with its truth, batch by batch.
fn tree_papers(root: &std::path::Path) -> anyhow::Result<Vec<(Truth, PathBuf)>> {
    let mut out = Vec::new();
    for b in ecount_pipeline::walk::find_batches(root)? {
        let path = b.folder.join(ecount_synth::TRUTH_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {} (every batch needs its truth)", path.display()))?;
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let truth: Truth = serde_json::from_str(line)
                .with_context(|| format!("{}, line {}", path.display(), n + 1))?;
            let file = b.folder.join(&truth.file);
            out.push((truth, file));
        }
    }
    anyhow::ensure!(
        !out.is_empty(),
        "no papers with truth under {}",
        root.display()
    );
    Ok(out)
}

fn print_table(s: &Summary, args: &Args) {
    if let Some(root) = &args.from {
        println!("{} papers from {}", s.papers, root.display());
    } else {
        println!(
            "{} papers, {} mix, {} dpi, {}{}, seed {}",
            s.papers,
            args.mix.name(),
            args.dpi,
            args.format.name(),
            if args.bilevel { " bilevel" } else { "" },
            args.seed
        );
    }
    let cols = [
        Verdict::Counted,
        Verdict::Flagged,
        Verdict::FlaggedClear,
        Verdict::SetAside,
        Verdict::WrongSetAside,
        Verdict::SilentMisread,
    ];
    println!(
        "{:<22} {:>7} {:>7} {:>13} {:>9} {:>15} {:>14}",
        "case",
        "counted",
        "flagged",
        "flagged-clear",
        "set-aside",
        "wrong-set-aside",
        "silent-misread"
    );
    for (case, row) in &s.cases {
        let n = |v: Verdict| row.get(&v).copied().unwrap_or(0);
        println!(
            "{:<22} {:>7} {:>7} {:>13} {:>9} {:>15} {:>14}",
            case,
            n(cols[0]),
            n(cols[1]),
            n(cols[2]),
            n(cols[3]),
            n(cols[4]),
            n(cols[5])
        );
    }
    println!();
    println!(
        "silent misreads:              {} ({} with a mark the scanner erased)",
        s.silent_misreads, s.silent_misreads_mark_erased
    );
    println!(
        "clear papers sent to a person: {} of {} ({:.2}%)",
        s.clean_flagged, s.clean_papers, s.clean_flagged_percent
    );
    println!(
        "void papers flagged, right head: {} of {}",
        s.void_flagged_with_correct_head, s.void_papers
    );
    if s.marks_lost_in_scan > 0 {
        println!(
            "marks erased by the scanner:  {} papers ({} sent to a person, {} silently misread)",
            s.marks_lost_in_scan, s.marks_lost_flagged, s.marks_lost_silent_misreads
        );
    }
    if s.void_marks_lost_in_scan > 0 {
        println!(
            "void papers with a mark erased: {} ({} flagged under the right head)",
            s.void_marks_lost_in_scan, s.void_marks_lost_flagged_with_correct_head
        );
    }
    println!("ballots set aside wrongly:    {}", s.ballots_set_aside);
    println!(
        "non-ballots set aside right:  {} of {}",
        s.non_ballots_set_aside_correctly, s.non_ballots
    );
    println!(
        "time per paper: decode {:.2} ms, read {:.2} ms",
        s.decode_ms_per_paper, s.read_ms_per_paper
    );
}
