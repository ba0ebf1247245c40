//! Times each reading stage on cached 200-dpi Mayor papers (development aid).
use ecount_election::{Election, PaperKind};
use ecount_synth::{generate_paper, Mix, OutputFormat, RenderOptions};
use std::time::Instant;

fn main() {
    let e = Election::load("elections/gla-2016.toml").unwrap();
    let opts = RenderOptions {
        dpi: 200,
        format: OutputFormat::Jpeg,
        bilevel: false,
        jpeg_quality: Some(85),
    };
    let papers: Vec<Vec<u8>> = (0..)
        .map(|i| generate_paper(&e, 7, i, Mix::Clean, &opts))
        .filter(|p| p.truth.kind == Some(PaperKind::Mayor))
        .take(6)
        .map(|p| p.bytes)
        .collect();
    let decoded: Vec<_> = papers
        .iter()
        .map(|b| ecount_scan::decode::decode(b).unwrap())
        .collect();
    let mut t = [0f64; 5];
    let n = 60;
    for k in 0..n {
        let d = &decoded[k % decoded.len()];
        let t0 = Instant::now();
        let r = ecount_scan::register::register(d).unwrap();
        let t1 = Instant::now();
        let id = ecount_scan::identify::identify(r, &e).unwrap();
        let t2 = Instant::now();
        let s = ecount_scan::score::score(id);
        let t3 = Instant::now();
        let _ = ecount_scan::interpret::interpret(s, &e);
        let t4 = Instant::now();
        t[0] += (t1 - t0).as_secs_f64();
        t[1] += (t2 - t1).as_secs_f64();
        t[2] += (t3 - t2).as_secs_f64();
        t[3] += (t4 - t3).as_secs_f64();
    }
    let t0 = Instant::now();
    for k in 0..n {
        let _ = ecount_scan::decode::decode(&papers[k % papers.len()]);
    }
    t[4] = t0.elapsed().as_secs_f64();
    println!(
        "ms per paper: register {:.2} identify {:.2} score {:.2} interpret {:.2} | decode {:.2}",
        t[0] * 1e3 / n as f64,
        t[1] * 1e3 / n as f64,
        t[2] * 1e3 / n as f64,
        t[3] * 1e3 / n as f64,
        t[4] * 1e3 / n as f64
    );
}
