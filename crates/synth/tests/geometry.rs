//! Reads the printed geometry back from rendered IMAGES (threshold + connected components and
//! cell sampling, measured here, not taken from the renderer) and checks it against the spec
//! within 0.5 mm at 150, 200 and 300 dpi; checks the spec's CRC check values through a strip.

use ecount_election::code::STRIP_CELLS;
use ecount_election::layout::{Point, Rect};
use ecount_election::{Election, StyleCode};
use ecount_synth::render_printed;
use image::GrayImage;

const TOL_MM: f64 = 0.5;

fn gla() -> Election {
    Election::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../elections/gla-2016.toml"
    ))
    .expect("gla-2016 loads")
}

/// A dark connected component: bounding box (px, inclusive), pixel count, centroid (px).
#[derive(Debug)]
struct Blob {
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
    count: u64,
    cx: f64,
    cy: f64,
}

fn components(img: &GrayImage, threshold: u8) -> Vec<Blob> {
    let (w, h) = img.dimensions();
    let dark: Vec<bool> = img.pixels().map(|p| p.0[0] < threshold).collect();
    let mut seen = vec![false; dark.len()];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..dark.len() {
        if !dark[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut b = Blob {
            x0: u32::MAX,
            y0: u32::MAX,
            x1: 0,
            y1: 0,
            count: 0,
            cx: 0.0,
            cy: 0.0,
        };
        while let Some(i) = stack.pop() {
            let (x, y) = ((i as u32) % w, (i as u32) / w);
            b.x0 = b.x0.min(x);
            b.y0 = b.y0.min(y);
            b.x1 = b.x1.max(x);
            b.y1 = b.y1.max(y);
            b.count += 1;
            b.cx += f64::from(x) + 0.5;
            b.cy += f64::from(y) + 0.5;
            let mut push = |j: usize| {
                if dark[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w as usize);
            }
            if y + 1 < h {
                push(i + w as usize);
            }
        }
        b.cx /= b.count as f64;
        b.cy /= b.count as f64;
        out.push(b);
    }
    out
}

fn mm(px: f64, dpi: u32) -> f64 {
    px * 25.4 / f64::from(dpi)
}

fn blob_rect_mm(b: &Blob, dpi: u32) -> Rect {
    Rect::new(
        mm(f64::from(b.x0), dpi),
        mm(f64::from(b.y0), dpi),
        mm(f64::from(b.x1 + 1), dpi),
        mm(f64::from(b.y1 + 1), dpi),
    )
}

fn near(a: Point, b: Point) -> f64 {
    ((a.x - b.x).powi(2) + (a.y - b.y).powi(2)).sqrt()
}

/// Reads the strip from the image: mean luminance over the middle of each cell.
fn read_strip(img: &GrayImage, cells: &[Rect], dpi: u32) -> [bool; STRIP_CELLS] {
    let k = f64::from(dpi) / 25.4;
    std::array::from_fn(|i| {
        let c = cells[i].inflate(-1.0);
        let (x0, x1) = ((c.x0 * k) as u32, (c.x1 * k) as u32);
        let (y0, y1) = ((c.y0 * k) as u32, (c.y1 * k) as u32);
        let (mut sum, mut n) = (0u64, 0u64);
        for y in y0..y1 {
            for x in x0..x1 {
                sum += u64::from(img.get_pixel(x, y).0[0]);
                n += 1;
            }
        }
        sum / n.max(1) < 128
    })
}

#[test]
fn fiducials_boxes_and_strip_read_back_within_half_a_millimetre() {
    let e = gla();
    for dpi in [150, 200, 300] {
        for code in [257u16, 523, 782, 263] {
            let style = e.style(StyleCode(code)).expect("style in gla-2016");
            let layout = e.layout(style);
            let img = render_printed(&e, style, dpi);
            assert_eq!(img.width(), (210.0 * f64::from(dpi) / 25.4).round() as u32);
            let blobs = components(&img, 128);

            // Fiducials: solid squares about 6 mm across.
            let solid: Vec<&Blob> = blobs
                .iter()
                .filter(|b| {
                    let r = blob_rect_mm(b, dpi);
                    (r.width() - 6.0).abs() < 1.0 && (r.height() - 6.0).abs() < 1.0
                })
                .collect();
            for want in layout.fiducial_centres() {
                let found = solid
                    .iter()
                    .map(|b| Point::new(mm(b.cx, dpi), mm(b.cy, dpi)))
                    .min_by(|a, b| near(*a, want).total_cmp(&near(*b, want)))
                    .expect("a fiducial-sized blob");
                assert!(
                    near(found, want) < TOL_MM,
                    "{dpi} dpi style {code}: fiducial at {found:?}, spec {want:?}"
                );
            }

            // Boxes: ring-shaped blobs; their outer corners are the bounding box.
            for vb in layout.voting_boxes() {
                let want = vb.outer;
                let b = blobs
                    .iter()
                    .find(|b| near(blob_rect_mm(b, dpi).centre(), want.centre()) < 2.0)
                    .unwrap_or_else(|| panic!("{dpi} dpi {code}: no blob at box {vb:?}"));
                let got = blob_rect_mm(b, dpi);
                for (g, w) in got.corners().iter().zip(want.corners()) {
                    assert!(
                        near(*g, w) < TOL_MM,
                        "{dpi} dpi {code}: box r{} c{} corner {g:?}, spec {w:?}",
                        vb.row,
                        vb.column
                    );
                }
                // A ring, not a filled square: the middle is white.
                let c = want.centre();
                let k = f64::from(dpi) / 25.4;
                assert!(img.get_pixel((c.x * k) as u32, (c.y * k) as u32).0[0] > 250);
            }

            // Code strip: printed cells are blobs where the spec puts them; bits decode.
            let cells = layout.strip_cells();
            let bits = read_strip(&img, &cells, dpi);
            assert_eq!(
                bits,
                style.code.strip_bits(),
                "{dpi} dpi {code}: strip bits"
            );
            for cell in layout.strip_printed(style.code) {
                let b = blobs
                    .iter()
                    .find(|b| near(blob_rect_mm(b, dpi).centre(), cell.centre()) < 1.0)
                    .expect("a blob for each printed cell");
                let got = blob_rect_mm(b, dpi);
                for (g, w) in got.corners().iter().zip(cell.corners()) {
                    assert!(
                        near(*g, w) < TOL_MM,
                        "{dpi} dpi {code}: cell {g:?} vs {w:?}"
                    );
                }
            }
            assert_eq!(StyleCode::from_strip_bits(&bits), Some(StyleCode(code)));
        }
    }
}

#[test]
fn spec_crc_check_values_round_trip_through_a_rendered_strip() {
    let e = gla();
    // (code, CRC from spec section 4)
    for (code, crc) in [(257u16, 0x12u8), (523, 0x1B), (782, 0x15), (263, 0x00)] {
        let style = e.style(StyleCode(code)).expect("style");
        let layout = e.layout(style);
        let img = render_printed(&e, style, 200);
        let bits = read_strip(&img, &layout.strip_cells(), 200);
        let read_code = bits[4..20]
            .iter()
            .fold(0u16, |a, &b| (a << 1) | u16::from(b));
        let read_crc = bits[20..28]
            .iter()
            .fold(0u8, |a, &b| (a << 1) | u8::from(b));
        assert_eq!(read_code, code);
        assert_eq!(read_crc, crc, "code {code}");
        assert_eq!(&bits[..4], &[true, true, false, true]);
        assert_eq!(&bits[28..], &[true, false, true, true]);
    }
}

#[test]
fn rule_weight_is_right_at_150_dpi() {
    // The 0.3 mm rules carry 0.3 mm of ink across them even where that is under two pixels.
    let e = gla();
    let style = e.style(StyleCode(257)).expect("style");
    let dpi = 150;
    let img = render_printed(&e, style, dpi);
    let k = f64::from(dpi) / 25.4;
    // Across the vertical rule at x = 16, in the middle of row 5 (no text there at x 10..17).
    let y = ((100.0 + 18.0 * 5.0 + 9.0) * k) as u32;
    let ink: f64 = ((10.0 * k) as u32..(17.5 * k) as u32)
        .map(|x| f64::from(255 - img.get_pixel(x, y).0[0]) / 255.0)
        .sum();
    assert!((ink / k - 0.3).abs() < 0.03, "rule ink {} mm", ink / k);
}

#[test]
fn text_stays_inside_the_row_text_zone() {
    // Ink in each row lies in the row text box (x 18..132), the rules or the boxes: nothing
    // between the text box and the first box column except the rule at x = 136.
    let e = gla();
    for style in e.styles.iter().filter(|s| s.area == 10) {
        let layout = e.layout(style);
        let img = render_printed(&e, style, 200);
        let k = 200.0 / 25.4;
        for row in 0..layout.options {
            let r = layout.row_text(row);
            for y in ((r.y0 + 0.5) * k) as u32..((r.y1 - 0.5) * k) as u32 {
                for x in [(132.2 * k) as u32, (135.0 * k) as u32, (17.0 * k) as u32] {
                    assert!(
                        img.get_pixel(x, y).0[0] > 240,
                        "ink outside text zone at row {row}"
                    );
                }
            }
        }
    }
}
