//! Ballot-paper geometry, exactly as `spec/ballot-paper.md` sets it out, in millimetres with the
//! origin at the top-left of the front face. The renderer draws from this and the reader
//! measures against it; nothing else in the workspace knows a paper coordinate.

use crate::code::{PaperKind, StyleCode, STRIP_CELLS};
use serde::{Deserialize, Serialize};

pub const WIDTH: f64 = 210.0;
pub const FIDUCIAL_SIZE: f64 = 6.0;
/// Clear space the spec keeps around each fiducial.
pub const FIDUCIAL_QUIET: f64 = 6.0;
pub const FIDUCIAL_INSET: f64 = 12.0;
pub const ROW_TOP: f64 = 100.0;
pub const ROW_HEIGHT: f64 = 18.0;
pub const BOX_SIZE: f64 = 12.0;
pub const BOX_OUTLINE: f64 = 0.5;
pub const BOX_TOP_IN_ROW: f64 = 3.0;
/// Mark zone inset from the outline's inner edge (spec section 8).
pub const MARK_ZONE_INSET: f64 = 1.0;
/// Halo width outside the outline's outer edge (spec section 8).
pub const HALO: f64 = 3.0;
pub const RULE_WIDTH: f64 = 0.3;
pub const STRIP_X0: f64 = 30.0;
pub const STRIP_PITCH: f64 = 5.0;
pub const STRIP_CELL: f64 = 4.0;
/// Column x ranges: Mayor column 1 and the single/second column.
pub const COLUMN_1_X: f64 = 145.0;
pub const COLUMN_2_X: f64 = 175.0;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

impl Point {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// An axis-aligned rectangle on the paper, `[x0, x1] x [y0, y1]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x0: f64,
    pub y0: f64,
    pub x1: f64,
    pub y1: f64,
}

impl Rect {
    pub const fn new(x0: f64, y0: f64, x1: f64, y1: f64) -> Self {
        Self { x0, y0, x1, y1 }
    }
    pub fn centred(c: Point, w: f64, h: f64) -> Self {
        Self::new(c.x - w / 2.0, c.y - h / 2.0, c.x + w / 2.0, c.y + h / 2.0)
    }
    pub fn width(&self) -> f64 {
        self.x1 - self.x0
    }
    pub fn height(&self) -> f64 {
        self.y1 - self.y0
    }
    pub fn centre(&self) -> Point {
        Point::new((self.x0 + self.x1) / 2.0, (self.y0 + self.y1) / 2.0)
    }
    /// Grown (or, with a negative `d`, shrunk) by `d` on every side.
    pub fn inflate(&self, d: f64) -> Self {
        Self::new(self.x0 - d, self.y0 - d, self.x1 + d, self.y1 + d)
    }
    pub fn contains(&self, p: Point) -> bool {
        p.x >= self.x0 && p.x <= self.x1 && p.y >= self.y0 && p.y <= self.y1
    }
    /// Whether `r` lies wholly inside.
    pub fn encloses(&self, r: &Rect) -> bool {
        r.x0 >= self.x0 && r.x1 <= self.x1 && r.y0 >= self.y0 && r.y1 <= self.y1
    }
    /// The smallest rectangle holding both.
    pub fn union(&self, r: &Rect) -> Self {
        Self::new(
            self.x0.min(r.x0),
            self.y0.min(r.y0),
            self.x1.max(r.x1),
            self.y1.max(r.y1),
        )
    }
    pub fn corners(&self) -> [Point; 4] {
        [
            Point::new(self.x0, self.y0),
            Point::new(self.x1, self.y0),
            Point::new(self.x1, self.y1),
            Point::new(self.x0, self.y1),
        ]
    }
}

/// A printed rule: a line segment of width [`RULE_WIDTH`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub from: Point,
    pub to: Point,
}

/// A voting box: which row and column, and its outer edge.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct VotingBox {
    pub row: usize,
    /// 0 for the first (or only) column, 1 for the Mayor second-choice column.
    pub column: usize,
    pub outer: Rect,
}

impl VotingBox {
    pub fn inner(&self) -> Rect {
        self.outer.inflate(-BOX_OUTLINE)
    }
    /// The 9 x 9 zone where a mark counts as in the box.
    pub fn mark_zone(&self) -> Rect {
        self.inner().inflate(-MARK_ZONE_INSET)
    }
    /// The band 3 wide around the outline's outer edge.
    pub fn halo(&self) -> Rect {
        self.outer.inflate(HALO)
    }
}

/// The whole geometry of one paper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PaperLayout {
    pub kind: PaperKind,
    pub options: usize,
    pub width: f64,
    pub height: f64,
}

impl PaperLayout {
    pub fn new(kind: PaperKind, options: usize) -> Self {
        Self {
            kind,
            options,
            width: WIDTH,
            height: Self::height_for(options),
        }
    }

    /// `H = 100 + 18 N + 30`.
    pub fn height_for(options: usize) -> f64 {
        ROW_TOP + ROW_HEIGHT * options as f64 + 30.0
    }

    /// Centres in the order top-left, top-right, bottom-left, bottom-right.
    pub fn fiducial_centres(&self) -> [Point; 4] {
        let (l, r) = (FIDUCIAL_INSET, self.width - FIDUCIAL_INSET);
        let (t, b) = (FIDUCIAL_INSET, self.height - FIDUCIAL_INSET);
        [
            Point::new(l, t),
            Point::new(r, t),
            Point::new(l, b),
            Point::new(r, b),
        ]
    }

    pub fn fiducials(&self) -> [Rect; 4] {
        self.fiducial_centres()
            .map(|c| Rect::centred(c, FIDUCIAL_SIZE, FIDUCIAL_SIZE))
    }

    /// Cell `i` of the code strip.
    pub fn strip_cell(&self, i: usize) -> Rect {
        let x0 = STRIP_X0 + STRIP_PITCH * i as f64;
        Rect::new(x0, self.height - 14.0, x0 + STRIP_CELL, self.height - 10.0)
    }

    pub fn strip_cells(&self) -> [Rect; STRIP_CELLS] {
        std::array::from_fn(|i| self.strip_cell(i))
    }

    /// The cells printed black for this code.
    pub fn strip_printed(&self, code: StyleCode) -> Vec<Rect> {
        code.strip_bits()
            .iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(i, _)| self.strip_cell(i))
            .collect()
    }

    /// The strip's whole extent, cell 0 to cell 31.
    pub fn strip_area(&self) -> Rect {
        let first = self.strip_cell(0);
        let last = self.strip_cell(STRIP_CELLS - 1);
        Rect::new(first.x0, first.y0, last.x1, last.y1)
    }

    pub fn header_zone(&self) -> Rect {
        Rect::new(20.0, 22.0, 190.0, 86.0)
    }

    pub fn column_heading_zone(&self) -> Rect {
        Rect::new(16.0, 88.0, 194.0, 100.0)
    }

    /// Row `k`'s band, full width of the table.
    pub fn row(&self, k: usize) -> Rect {
        let y0 = ROW_TOP + ROW_HEIGHT * k as f64;
        Rect::new(16.0, y0, 194.0, y0 + ROW_HEIGHT)
    }

    /// Where row `k`'s name and description are printed.
    pub fn row_text(&self, k: usize) -> Rect {
        let r = self.row(k);
        Rect::new(18.0, r.y0, 132.0, r.y1)
    }

    /// x ranges of the box columns, left to right.
    pub fn column_xs(&self) -> &'static [f64] {
        match self.kind {
            PaperKind::Mayor => &[COLUMN_1_X, COLUMN_2_X],
            PaperKind::Constituency | PaperKind::LondonWide => &[COLUMN_2_X],
        }
    }

    /// Column centre x for headings.
    pub fn column_centre_x(&self, column: usize) -> f64 {
        self.column_xs()[column] + BOX_SIZE / 2.0
    }

    pub fn voting_box(&self, row: usize, column: usize) -> VotingBox {
        let x0 = self.column_xs()[column];
        let y0 = ROW_TOP + ROW_HEIGHT * row as f64 + BOX_TOP_IN_ROW;
        VotingBox {
            row,
            column,
            outer: Rect::new(x0, y0, x0 + BOX_SIZE, y0 + BOX_SIZE),
        }
    }

    /// Every box, row by row, column 0 before column 1 within a row.
    pub fn voting_boxes(&self) -> Vec<VotingBox> {
        (0..self.options)
            .flat_map(|row| (0..self.kind.columns()).map(move |col| (row, col)))
            .map(|(row, col)| self.voting_box(row, col))
            .collect()
    }

    /// x positions of the vertical rules.
    pub fn vertical_rule_xs(&self) -> &'static [f64] {
        match self.kind {
            PaperKind::Mayor => &[16.0, 136.0, 166.0, 194.0],
            PaperKind::Constituency | PaperKind::LondonWide => &[16.0, 166.0, 194.0],
        }
    }

    pub fn rules(&self) -> Vec<Rule> {
        let bottom = ROW_TOP + ROW_HEIGHT * self.options as f64;
        let horizontal = (0..=self.options).map(|k| {
            let y = ROW_TOP + ROW_HEIGHT * k as f64;
            Rule {
                from: Point::new(16.0, y),
                to: Point::new(194.0, y),
            }
        });
        let vertical = self.vertical_rule_xs().iter().map(|&x| Rule {
            from: Point::new(x, 88.0),
            to: Point::new(x, bottom),
        });
        horizontal.chain(vertical).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_from_spec() {
        assert_eq!(PaperLayout::height_for(12), 346.0);
        assert_eq!(PaperLayout::height_for(20), 490.0);
    }

    #[test]
    fn boxes_and_zones() {
        let l = PaperLayout::new(PaperKind::Mayor, 12);
        let b = l.voting_box(0, 0);
        assert_eq!(b.outer, Rect::new(145.0, 103.0, 157.0, 115.0));
        assert_eq!(
            l.voting_box(2, 1).outer,
            Rect::new(175.0, 139.0, 187.0, 151.0)
        );
        let z = b.mark_zone();
        assert!((z.width() - 9.0).abs() < 1e-9 && (z.height() - 9.0).abs() < 1e-9);
        assert_eq!(b.halo(), Rect::new(142.0, 100.0, 160.0, 118.0));
        assert_eq!(l.voting_boxes().len(), 24);
        let one = PaperLayout::new(PaperKind::Constituency, 5);
        assert_eq!(one.voting_boxes().len(), 5);
        assert_eq!(one.voting_box(4, 0).outer.x0, 175.0);
    }

    #[test]
    fn strip_and_fiducials() {
        let l = PaperLayout::new(PaperKind::Mayor, 12);
        assert_eq!(l.strip_cell(0), Rect::new(30.0, 332.0, 34.0, 336.0));
        assert_eq!(l.strip_cell(31), Rect::new(185.0, 332.0, 189.0, 336.0));
        assert_eq!(l.fiducial_centres()[3], Point::new(198.0, 334.0));
        // Nothing within 6 of a fiducial's edge: the strip's ends clear the bottom fiducials.
        let f = l.fiducials();
        assert!(l.strip_area().x0 >= f[2].x1 + FIDUCIAL_QUIET);
        assert!(l.strip_area().x1 <= f[3].x0 - FIDUCIAL_QUIET + 1e-9);
    }

    #[test]
    fn rules_count() {
        assert_eq!(PaperLayout::new(PaperKind::Mayor, 12).rules().len(), 13 + 4);
        assert_eq!(
            PaperLayout::new(PaperKind::LondonWide, 12).rules().len(),
            13 + 3
        );
    }
}
