//! Development aid: print the creases found on a page and save it with them taken back.
//! cargo run --release -p ecount-scan --example crease_dbg -- FILE OUT.png
use ecount_election::Election;

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let e = Election::load("elections/gla-2016.toml").expect("election");
    let bytes = std::fs::read(&a[1]).expect("file");
    let decoded = ecount_scan::decode::decode(&bytes).expect("decoded");
    let registered = ecount_scan::register::register(&decoded).expect("registered");
    let identified = ecount_scan::identify::identify(registered, &e).expect("identified");
    let creases = ecount_scan::crease::find(&identified);
    println!("{creases:?}");
    let repaired = ecount_scan::crease::repair(
        identified.registered.image,
        &creases,
        identified.registered.ppm,
    );
    repaired.save(&a[2]).expect("saved");
}
