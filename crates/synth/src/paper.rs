//! The printed paper, exactly to `spec/ballot-paper.md`. Every coordinate comes from
//! [`PaperLayout`]; this module only chooses typography inside the zones the layout gives.

use crate::canvas::{Canvas, Ink};
use crate::text::{self, Weight};
use ecount_election::layout::{PaperLayout, Rect, RULE_WIDTH};
use ecount_election::{Election, PaperKind, Style, StyleCode};

pub const MAYOR_INSTRUCTIONS: &str = "Vote ONCE (X) in column 1 for your first choice, and vote ONCE (X) in column 2 for your second choice.";
pub const SINGLE_INSTRUCTIONS: &str =
    "Vote only ONCE by putting a cross (X) in the box next to your choice.";

/// What is printed on one paper, independent of any election object (so a paper of another
/// election can be printed too).
#[derive(Debug, Clone)]
pub struct PrintSpec {
    pub layout: PaperLayout,
    pub code: StyleCode,
    pub title: String,
    pub area_name: String,
    /// (name, description) per row, in ballot order.
    pub options: Vec<(String, String)>,
}

impl PrintSpec {
    pub fn for_style(election: &Election, style: &Style) -> Self {
        let contest = &election.contests[style.contest];
        PrintSpec {
            layout: election.layout(style),
            code: style.code,
            title: contest.title.clone(),
            area_name: election.areas[style.area].name.clone(),
            options: contest
                .options
                .iter()
                .map(|o| (o.name.clone(), o.description.clone()))
                .collect(),
        }
    }
}

/// Prints the paper on a white sheet at `dpi`; `channels` is 1 (grey) or 3 (RGB).
pub fn print(spec: &PrintSpec, dpi: u32, channels: usize) -> Canvas {
    let l = &spec.layout;
    let mut c = Canvas::new(l.width, l.height, dpi, channels);
    let black = Ink::BLACK;
    for f in l.fiducials() {
        c.fill_rect(f, None, &black);
    }
    for cell in l.strip_printed(spec.code) {
        c.fill_rect(cell, None, &black);
    }
    let hw = RULE_WIDTH / 2.0;
    for r in l.rules() {
        // Rules are axis-aligned: each is a rectangle RULE_WIDTH wide centred on its line.
        let rect = Rect::new(r.from.x - hw, r.from.y - hw, r.to.x + hw, r.to.y + hw);
        c.fill_rect(rect, None, &black);
    }
    for b in l.voting_boxes() {
        c.fill_rect(b.outer, Some(b.inner()), &black);
    }
    print_header(&mut c, spec);
    if l.kind == PaperKind::Mayor {
        print_column_headings(&mut c, l);
    }
    for (k, (name, desc)) in spec.options.iter().enumerate().take(l.options) {
        print_row(&mut c, l, k, name, desc);
    }
    c
}

fn print_header(c: &mut Canvas, spec: &PrintSpec) {
    let zone = spec.layout.header_zone();
    let width = zone.width() - 2.0;
    let cx = zone.centre().x;
    let title_size = text::fit_size(&spec.title, Weight::Bold, 6.5, width);
    text::draw_centred(c, &spec.title, Weight::Bold, title_size, cx, zone.y0 + 9.0);
    let area_size = text::fit_size(&spec.area_name, Weight::Regular, 5.5, width);
    text::draw_centred(
        c,
        &spec.area_name,
        Weight::Regular,
        area_size,
        cx,
        zone.y0 + 19.0,
    );
    let instructions = match spec.layout.kind {
        PaperKind::Mayor => MAYOR_INSTRUCTIONS,
        PaperKind::Constituency | PaperKind::LondonWide => SINGLE_INSTRUCTIONS,
    };
    let size = 4.0;
    let lines = text::wrap(instructions, Weight::Regular, size, width);
    // Room below the area name for the instructions; shrink if a definition's words need more.
    let room = zone.y1 - 3.0 - (zone.y0 + 30.0);
    let pitch = (room / lines.len().max(1) as f64).min(6.5);
    let size = size.min(pitch / 1.3);
    for (i, line) in lines.iter().enumerate() {
        let s = text::fit_size(line, Weight::Regular, size, width);
        text::draw_centred(
            c,
            line,
            Weight::Regular,
            s,
            cx,
            zone.y0 + 32.0 + pitch * i as f64,
        );
    }
}

fn print_column_headings(c: &mut Canvas, l: &PaperLayout) {
    let zone = l.column_heading_zone();
    let rules = l.vertical_rule_xs();
    let headings = [["Column 1", "first choice"], ["Column 2", "second choice"]];
    for (col, lines) in headings.iter().enumerate().take(l.kind.columns()) {
        let cx = l.column_centre_x(col);
        // Stay clear of the vertical rules either side of the column.
        let left = rules
            .iter()
            .copied()
            .filter(|&x| x < cx)
            .fold(zone.x0, f64::max);
        let right = rules
            .iter()
            .copied()
            .filter(|&x| x > cx)
            .fold(zone.x1, f64::min);
        let half = (cx - left).min(right - cx) - 1.0;
        for (i, line) in lines.iter().enumerate() {
            let s = text::fit_size(line, Weight::Bold, 3.3, 2.0 * half);
            text::draw_centred(c, line, Weight::Bold, s, cx, zone.y0 + 4.6 + 4.6 * i as f64);
        }
    }
}

fn print_row(c: &mut Canvas, l: &PaperLayout, k: usize, name: &str, desc: &str) {
    let zone = l.row_text(k);
    let x = zone.x0 + 0.5;
    let width = zone.width() - 1.0;
    let s = text::fit_size(name, Weight::Bold, 4.4, width);
    let e = text::measure(name, Weight::Bold, s);
    text::draw(c, name, Weight::Bold, s, x - e.left.min(0.0), zone.y0 + 7.8);
    if !desc.is_empty() {
        let s = text::fit_size(desc, Weight::Regular, 3.6, width);
        let e = text::measure(desc, Weight::Regular, s);
        text::draw(
            c,
            desc,
            Weight::Regular,
            s,
            x - e.left.min(0.0),
            zone.y0 + 13.6,
        );
    }
}
