//! Tallying the 2016 replay: every record (about 2.65 million papers in each of the three
//! contests) through `Tally::add`, one at a time, on one core. Building the records is
//! outside the measurement. Sample sizes are small so `cargo bench` takes seconds.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ecount_election::Election;
use ecount_tally::{declare, replay, Tally};
use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let election =
        Election::load(root.join("../../elections/gla-2016.toml")).expect("gla-2016.toml");
    let data = root.join("../../../shared/data/gla-2016");
    let replay = replay::build(&data, &election).expect("2016 data");
    let mut g = c.benchmark_group("replay-2016");
    g.sample_size(10)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    g.throughput(Throughput::Elements(replay.records.len() as u64));
    g.bench_function("tally (all records, one core)", |b| {
        b.iter(|| black_box(replay.tally(&election)))
    });
    let tally = replay.tally(&election);
    g.throughput(Throughput::Elements(1));
    g.bench_function("merge 14 area tallies", |b| {
        let parts: Vec<Tally> = (0..election.areas.len())
            .map(|a| {
                let mut t = Tally::new(&election);
                for r in replay.records.iter().filter(|r| r.area as usize == a) {
                    t.add(r.area as usize, r.contest as usize, &r.vote);
                }
                t
            })
            .collect();
        b.iter(|| {
            let mut t = Tally::new(&election);
            for p in &parts {
                t.merge(p);
            }
            black_box(t)
        })
    });
    g.bench_function("declare", |b| {
        b.iter(|| black_box(declare(&election, &tally, 2016)))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
