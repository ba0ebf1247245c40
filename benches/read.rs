//! Decode versus read time for 200-dpi Mayor papers. Reading (registration, strip, boxes,
//! stray ink) should cost at most a third of decoding: compare `decode and read` with
//! `decode`.

use criterion::{criterion_group, criterion_main, Criterion};
use ecount_election::{Election, PaperKind};
use ecount_synth::{generate_paper, Mix, OutputFormat, RenderOptions};
use std::path::Path;

fn mayor_papers(election: &Election, n: usize) -> Vec<Vec<u8>> {
    let opts = RenderOptions {
        dpi: 200,
        format: OutputFormat::Jpeg,
        bilevel: false,
        jpeg_quality: Some(85),
    };
    (0..)
        .map(|i| generate_paper(election, 7, i, Mix::Clean, &opts))
        .filter(|p| p.truth.kind == Some(PaperKind::Mayor))
        .take(n)
        .map(|p| p.bytes)
        .collect()
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let election = Election::load(root.join("elections/gla-2016.toml")).expect("definition");
    let papers = mayor_papers(&election, 8);
    let decoded: Vec<_> = papers
        .iter()
        .map(|b| ecount_scan::decode::decode(b).expect("decodes"))
        .collect();
    let mut g = c.benchmark_group("mayor-200dpi-jpeg");
    g.sample_size(20);
    g.bench_function("decode", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % papers.len();
            ecount_scan::decode::decode(&papers[i]).is_ok()
        })
    });
    // As a scan reads: each page straight after its decode, the image still warm in cache.
    // Reading's cost is this less `decode`.
    g.bench_function("decode and read", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % papers.len();
            ecount_scan::read_ballot(&papers[i], &election).is_ok()
        })
    });
    // Reading alone, from eight decoded pages taken in turn: 31 MB of images, so each read
    // starts with its page out of cache, which a scan never does.
    g.bench_function("read (decode excluded)", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % decoded.len();
            ecount_scan::read_decoded(&decoded[i], &election).is_ok()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
