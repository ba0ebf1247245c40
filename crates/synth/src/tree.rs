//! Scan-folder trees: one folder per ballot box (batch) with its pages, `manifest.toml` (the
//! ballot paper account) and `truth.jsonl`, plus `summary.json` at the root. Pages are drawn in
//! parallel; each depends only on its index, so the thread count never changes a byte.

use crate::marks::Instrument;
use crate::plan::{Case, Forced};
use crate::truth::{BatchSummary, TreeSummary, Truth, SUMMARY_FILE, TRUTH_FILE};
use crate::{generate_in, Mix, OutputFormat, RenderOptions, SynthError, DPI_RANGE};
use ecount_election::{Account, BatchManifest, Election, PaperKind, MANIFEST_FILE};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

struct BatchPlan {
    id: String,
    area: usize,
    first: u64,
    len: u64,
    /// Deliberate error in the manifest's paper count (hard mix only).
    manifest_delta: i64,
}

fn plan_batches(election: &Election, ballots: u64, seed: u64, mix: Mix) -> Vec<BatchPlan> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0ba7_c4e5_0000_0001);
    let mut sizes = Vec::new();
    let mut left = ballots;
    while left > 0 {
        let s = rng.gen_range(100..=500u64).min(left);
        sizes.push(s);
        left -= s;
    }
    // A small remainder joins the previous box rather than standing alone.
    if sizes.len() > 1 && sizes[sizes.len() - 1] < 50 {
        let last = sizes.pop().unwrap_or(0);
        if let Some(prev) = sizes.last_mut() {
            *prev += last;
        }
    }
    let mut areas: Vec<usize> = Vec::new();
    let mut count_per_area: BTreeMap<usize, u32> = BTreeMap::new();
    let mut out = Vec::new();
    let mut first = 0;
    for (i, &len) in sizes.iter().enumerate() {
        if areas.is_empty() {
            areas = (0..election.areas.len().max(1)).collect();
            areas.shuffle(&mut rng);
        }
        let area = areas.pop().unwrap_or(0);
        let n = count_per_area.entry(area).or_insert(0);
        *n += 1;
        let area_id = election
            .areas
            .get(area)
            .map(|a| a.id.as_str())
            .unwrap_or("area");
        let disagree = mix == Mix::Hard && rng.gen_bool(0.3);
        let mut delta = 0;
        if disagree {
            delta = rng.gen_range(1..=3) * if rng.gen_bool(0.5) { 1 } else { -1 };
        }
        out.push(BatchPlan {
            id: format!("{area_id}-box-{:03}", n),
            area,
            first,
            len,
            manifest_delta: delta,
        });
        first += len;
        let _ = i;
    }
    // In the hard mix at least one of several boxes disagrees with its manifest.
    if mix == Mix::Hard && out.len() >= 2 && out.iter().all(|b| b.manifest_delta == 0) {
        let k = rng.gen_range(0..out.len());
        out[k].manifest_delta = 2;
    }
    out
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SynthError + '_ {
    move |source| SynthError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn validate(opts: &RenderOptions) -> Result<(), SynthError> {
    if !DPI_RANGE.contains(&opts.dpi) {
        return Err(SynthError::Options(format!(
            "dpi {} outside {}..={}",
            opts.dpi,
            DPI_RANGE.start(),
            DPI_RANGE.end()
        )));
    }
    if opts.jpeg_quality.is_some_and(|q| !(1..=100).contains(&q)) {
        return Err(SynthError::Options("jpeg quality must be 1..=100".into()));
    }
    Ok(())
}

/// Writes `ballots` pages under `out`, one folder per batch. `progress` is called with the
/// number of pages just finished (1 at a time), from worker threads.
pub fn write_scan_tree(
    election: &Election,
    out: &Path,
    ballots: u64,
    seed: u64,
    mix: Mix,
    opts: &RenderOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<TreeSummary, SynthError> {
    validate(opts)?;
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut summary = TreeSummary {
        election: election.id.clone(),
        seed,
        mix: mix.name().into(),
        dpi: opts.dpi,
        format: opts.format.name().into(),
        bilevel: opts.bilevel || opts.format == OutputFormat::Tiff,
        files: 0,
        batches: vec![],
        cases: BTreeMap::new(),
    };
    for b in plan_batches(election, ballots, seed, mix) {
        let dir = out.join(&b.id);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let truths: Vec<Truth> = (b.first..b.first + b.len)
            .into_par_iter()
            .map(|index| {
                let p = generate_in(election, seed, index, mix, opts, Some(b.area), &b.id, None);
                let path = dir.join(&p.file_name);
                std::fs::write(&path, &p.bytes).map_err(io(&path))?;
                progress(1);
                Ok(p.truth)
            })
            .collect::<Result<_, SynthError>>()?;
        let s = finish_batch(election, &dir, &b.id, b.area, &truths, b.manifest_delta)?;
        summary.files += s.files;
        summary.batches.push(s);
        for t in &truths {
            *summary.cases.entry(t.case.clone()).or_insert(0) += 1;
        }
    }
    let path = out.join(SUMMARY_FILE);
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(io(&path))?;
    Ok(summary)
}

/// Writes a batch's truth.jsonl and manifest.toml; the manifest is the true account unless
/// `delta` says to get it wrong.
fn finish_batch(
    election: &Election,
    dir: &Path,
    batch: &str,
    area: usize,
    truths: &[Truth],
    delta: i64,
) -> Result<BatchSummary, SynthError> {
    let mut lines = String::new();
    for t in truths {
        lines.push_str(&serde_json::to_string(t).unwrap_or_default());
        lines.push('\n');
    }
    let path = dir.join(TRUTH_FILE);
    std::fs::write(&path, lines).map_err(io(&path))?;
    let mut acc = Account::default();
    for t in truths {
        match t.kind {
            Some(PaperKind::Mayor) => acc.mayor += 1,
            Some(PaperKind::Constituency) => acc.constituency += 1,
            Some(PaperKind::LondonWide) => acc.london_wide += 1,
            None => {}
        }
    }
    let papers = acc.mayor + acc.constituency + acc.london_wide;
    let mut claimed = acc;
    // The error sits in the Mayor line of the account, as a miscount at the polling station.
    claimed.mayor = (claimed.mayor as i64 + delta).max(0) as u64;
    let claimed_papers = claimed.mayor + claimed.constituency + claimed.london_wide;
    let area_id = election
        .areas
        .get(area)
        .map(|a| a.id.clone())
        .unwrap_or_default();
    let manifest = BatchManifest {
        batch: batch.to_string(),
        area: area_id.clone(),
        papers: claimed_papers,
        account: Some(claimed),
    };
    let path = dir.join(MANIFEST_FILE);
    std::fs::write(&path, manifest.to_toml()).map_err(io(&path))?;
    Ok(BatchSummary {
        batch: batch.to_string(),
        area: area_id,
        files: truths.len() as u64,
        papers,
        mayor: acc.mayor,
        constituency: acc.constituency,
        london_wide: acc.london_wide,
        manifest_papers: claimed_papers,
        manifest_disagrees: claimed_papers != papers,
    })
}

/// One committed sample batch: area id, format, options, and the pages made to order.
struct SampleBatch {
    area: &'static str,
    opts: RenderOptions,
    pages: Vec<Forced>,
}

fn f(case: Case, kind: Option<PaperKind>, inst: Option<Instrument>) -> Forced {
    Forced {
        case,
        kind,
        instrument: inst,
        upside_down: Some(false),
        angle_deg: None,
    }
}

fn sample_batches() -> Vec<SampleBatch> {
    use Case::*;
    use Instrument::*;
    use PaperKind::*;
    let m = Some(Mayor);
    let c = Some(Constituency);
    let l = Some(LondonWide);
    let jpeg = RenderOptions {
        dpi: 150,
        format: OutputFormat::Jpeg,
        bilevel: false,
        jpeg_quality: Some(80),
    };
    let png_bilevel = RenderOptions {
        dpi: 200,
        format: OutputFormat::Png,
        bilevel: true,
        jpeg_quality: None,
    };
    let tiff = RenderOptions {
        dpi: 200,
        format: OutputFormat::Tiff,
        bilevel: true,
        jpeg_quality: None,
    };
    let mut upside = f(Clean, m, Some(BlackBallpoint));
    upside.upside_down = Some(true);
    let mut skewed = f(Clean, c, Some(Pencil));
    skewed.angle_deg = Some(2.8);
    let mut skewed2 = f(Clean, l, Some(BlueBallpoint));
    skewed2.angle_deg = Some(-2.6);
    vec![
        SampleBatch {
            area: "merton-and-wandsworth",
            opts: jpeg,
            pages: vec![
                f(Clean, m, Some(Pencil)),
                f(Clean, c, Some(BlackBallpoint)),
                f(Clean, l, Some(BlueBallpoint)),
                f(TooMany, m, Some(Pencil)),
                f(Blank, m, None),
                f(SecondOnly, m, Some(Pencil)),
                f(SameTwice, m, Some(Pencil)),
                f(NoSecond, m, Some(Pencil)),
                f(Faint, c, None),
                f(BesideBox, m, Some(Pencil)),
                f(StrayWriting, l, Some(BlackBallpoint)),
                upside,
                skewed,
                f(Foreign, None, Some(Pencil)),
                f(NotABallot, None, None),
                f(Corrupt, m, None),
            ],
        },
        SampleBatch {
            area: "west-central",
            opts: png_bilevel,
            pages: vec![
                f(Clean, m, Some(FeltPen)),
                f(Clean, c, Some(Pencil)),
                f(Clean, l, Some(Pencil)),
                f(Circle, c, Some(Pencil)),
                f(Dot, l, Some(BlackBallpoint)),
                f(CrossedOut, m, Some(BlueBallpoint)),
                f(Digits, m, Some(Pencil)),
                f(Uncertain, c, Some(Pencil)),
                f(SecondTooMany, m, Some(Pencil)),
                f(TooMany, l, Some(Pencil)),
                f(Faint, m, None),
                skewed2,
            ],
        },
        SampleBatch {
            area: "barnet-and-camden",
            opts: tiff,
            pages: vec![
                f(Clean, m, Some(Pencil)),
                f(Clean, c, Some(FeltPen)),
                f(Clean, l, Some(Pencil)),
                f(SecondUncertain, m, Some(Pencil)),
                f(Blank, c, None),
                f(StrayWriting, m, Some(Pencil)),
                f(NotABallot, None, None),
                f(Foreign, None, Some(BlackBallpoint)),
            ],
        },
    ]
}

/// Writes the committed sample set (`sample_scans/`) from gla-2016: three ballot boxes in
/// three formats covering every case at least once. Seeded, so it regenerates byte for byte.
pub fn write_sample_set(
    election: &Election,
    out: &Path,
    seed: u64,
) -> Result<TreeSummary, SynthError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let mut summary = TreeSummary {
        election: election.id.clone(),
        seed,
        mix: "samples".into(),
        dpi: 0,
        format: "mixed".into(),
        bilevel: false,
        files: 0,
        batches: vec![],
        cases: BTreeMap::new(),
    };
    let mut index = 0u64;
    for sb in sample_batches() {
        let area = election.area_index(sb.area).ok_or_else(|| {
            SynthError::Options(format!(
                "sample area {} is not in election {}",
                sb.area, election.id
            ))
        })?;
        let batch = format!("{}-box-001", sb.area);
        let dir = out.join(&batch);
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let first = index;
        index += sb.pages.len() as u64;
        let truths: Vec<Truth> = sb
            .pages
            .par_iter()
            .enumerate()
            .map(|(i, forced)| {
                let p = generate_in(
                    election,
                    seed,
                    first + i as u64,
                    Mix::Realistic,
                    &sb.opts,
                    Some(area),
                    &batch,
                    Some(forced),
                );
                let path = dir.join(&p.file_name);
                std::fs::write(&path, &p.bytes).map_err(io(&path))?;
                Ok(p.truth)
            })
            .collect::<Result<_, SynthError>>()?;
        let s = finish_batch(election, &dir, &batch, area, &truths, 0)?;
        summary.files += s.files;
        summary.batches.push(s);
        for t in &truths {
            *summary.cases.entry(t.case.clone()).or_insert(0) += 1;
        }
    }
    let path = out.join(SUMMARY_FILE);
    let text = serde_json::to_string_pretty(&summary).unwrap_or_default();
    std::fs::write(&path, text + "\n").map_err(io(&path))?;
    Ok(summary)
}

/// The truth `write_sample_set` writes, without drawing (for checking the committed set).
pub fn sample_set_truth(election: &Election, seed: u64) -> Result<Vec<Truth>, SynthError> {
    let mut out = Vec::new();
    let mut index = 0u64;
    for sb in sample_batches() {
        let area = election.area_index(sb.area).ok_or_else(|| {
            SynthError::Options(format!(
                "sample area {} is not in election {}",
                sb.area, election.id
            ))
        })?;
        let batch = format!("{}-box-001", sb.area);
        for forced in &sb.pages {
            out.push(crate::plan_truth(
                election,
                seed,
                index,
                Mix::Realistic,
                &sb.opts,
                Some(area),
                &batch,
                Some(forced),
            ));
            index += 1;
        }
    }
    Ok(out)
}
