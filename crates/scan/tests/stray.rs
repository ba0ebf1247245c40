//! Writing away from the boxes flags the paper, however much of the paper it covers.

use ecount_election::{Election, RejectionHead, SecondChoice, SecondChoiceVoid, StyleCode, Vote};
use ecount_scan::Flag;
use ecount_synth::render_printed;
use std::path::Path;

fn gla() -> Election {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    Election::load(root.join("elections/gla-2016.toml")).expect("election")
}

/// Paints paper rectangle `r` (mm) at grey `v` on a page rendered at `dpi`.
fn paint(img: &mut image::GrayImage, dpi: u32, r: [f64; 4], v: u8) {
    let k = f64::from(dpi) / 25.4;
    for y in (r[1] * k) as u32..(r[3] * k) as u32 {
        for x in (r[0] * k) as u32..(r[2] * k) as u32 {
            if x < img.width() && y < img.height() {
                img.put_pixel(x, y, image::Luma([v]));
            }
        }
    }
}

fn read(img: &image::GrayImage, e: &Election) -> ecount_scan::Reading {
    let mut bytes = Vec::new();
    img.write_to(
        &mut std::io::Cursor::new(&mut bytes),
        image::ImageFormat::Png,
    )
    .expect("png");
    ecount_scan::read_ballot(&bytes, e).expect("a ballot")
}

#[test]
fn dense_writing_between_the_table_and_the_strip_is_found() {
    // Hard 300-dpi corpus, paper 1817: a felt-pen signature about 26 x 8 mm just above the
    // code strip covered most of the paper its cells of the stray-ink grid measured white
    // on, so the ink was taken for paper and the vote was counted.
    let e = gla();
    let style = e.style(StyleCode(259)).expect("Mayor, Brent and Harrow");
    for dpi in [150, 200, 300] {
        let mut img = render_printed(&e, style, dpi);
        // A filled first choice in row 3 (box x 145-157, y 157-169), leaving the outline.
        paint(&mut img, dpi, [147.0, 159.0, 155.0, 167.0], 30);
        let clean = read(&img, &e);
        assert_eq!(
            clean.vote,
            Vote::Supplementary {
                first: 3,
                second: SecondChoice::NotCounted(SecondChoiceVoid::Unmarked),
            },
            "{dpi} dpi without writing"
        );
        assert!(
            clean.stray_ink.is_empty(),
            "{dpi} dpi: {:?}",
            clean.stray_ink
        );
        // H = 346: the table ends at 316, the strip starts at 332.
        paint(&mut img, dpi, [140.0, 318.0, 166.0, 327.0], 25);
        let signed = read(&img, &e);
        assert_eq!(
            signed.vote,
            Vote::Rejected {
                head: RejectionHead::IdentifyingMark
            },
            "{dpi} dpi"
        );
        assert!(signed
            .flags
            .iter()
            .any(|f| matches!(f, Flag::PossibleIdentifyingMark { .. })));
    }
}
