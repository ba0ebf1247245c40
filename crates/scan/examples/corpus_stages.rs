//! Times each reading stage on a folder of scans, decode excluded (development aid).
//! Usage: corpus_stages ELECTION DIR [N] [LOOPS]
use ecount_election::Election;
use std::time::Instant;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let e = Election::load(&a[1]).expect("election");
    let n: usize = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(200);
    let loops: usize = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(3);
    let mut files: Vec<_> = walk(std::path::Path::new(&a[2]));
    files.sort();
    files.truncate(n);
    let bytes: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    // Each paper is decoded and read straight after, as in a scan (the image is warm in
    // cache); the fastest of the loops is kept per paper and stage, since a shared machine
    // only ever slows a run down.
    let mut best = vec![[f64::MAX; 7]; bytes.len()];
    let mut scratch = Vec::new();
    for _ in 0..loops {
        for (b, best) in bytes.iter().zip(best.iter_mut()) {
            let t0 = Instant::now();
            let Ok(d) = ecount_scan::decode::decode(b) else {
                continue;
            };
            let t1 = Instant::now();
            let r = ecount_scan::register::register(&d);
            let t2 = Instant::now();
            let mut t = [
                t1 - t0,
                t2 - t1,
                Default::default(),
                Default::default(),
                Default::default(),
                Default::default(),
                Default::default(),
            ];
            if let Ok(r) = r {
                let id = ecount_scan::identify::identify(r, &e);
                let t3 = Instant::now();
                t[2] = t3 - t2;
                if let Ok(id) = id {
                    let s = ecount_scan::score::score(id.clone());
                    let t4 = Instant::now();
                    let reading = ecount_scan::interpret::interpret(s, &e);
                    t[3] = t4 - t3;
                    t[4] = t4.elapsed();
                    // The crease path as read_decoded runs it.
                    if ecount_scan::crease::suspected(&reading, &id.registered) {
                        let t5 = Instant::now();
                        let creases = ecount_scan::crease::find(&id);
                        t[5] = t5.elapsed();
                        if !creases.is_empty() {
                            let t6 = Instant::now();
                            let (_, buffer) = ecount_scan::read_without_creases(
                                id,
                                &creases,
                                &e,
                                std::mem::take(&mut scratch),
                            );
                            t[6] = t6.elapsed();
                            scratch = buffer;
                        }
                    }
                }
            }
            for (b, t) in best.iter_mut().zip(t) {
                *b = b.min(t.as_secs_f64());
            }
        }
    }
    // Files that do not decode are left out.
    best.retain(|b| b[0] < f64::MAX);
    let k = best.len() as f64 / 1e3;
    let sum = |i: usize| best.iter().map(|b| b[i]).sum::<f64>() / k;
    let read = (1..7).map(sum).sum::<f64>();
    let count = |i: usize| best.iter().filter(|b| b[i] > 0.0).count();
    println!(
        "{} papers, ms per paper: decode {:.2} | register {:.2} identify {:.2} score {:.2} interpret {:.2} crease find {:.2} ({}) taken back and read again {:.2} ({}) | read {:.2} = {:.0}% of decode",
        best.len(),
        sum(0),
        sum(1),
        sum(2),
        sum(3),
        sum(4),
        sum(5),
        count(5),
        sum(6),
        count(6),
        read,
        100.0 * read / sum(0)
    );
}

fn walk(d: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            v.extend(walk(&p));
        } else if matches!(
            p.extension().and_then(|x| x.to_str()),
            Some("jpg" | "jpeg" | "png" | "tif" | "tiff")
        ) {
            v.push(p);
        }
    }
    v
}
