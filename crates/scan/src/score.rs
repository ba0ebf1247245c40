//! Stage 4: measure ink in every voting box's mark zone and halo, through the fitted
//! transform. Only the pixels around the boxes are read here; the search for stray ink and
//! identifying writing (a sparse grid over the paper, clusters, print told from writing in the
//! text zones) lives in `stray.rs`.
//!
//! Darkness is measured against this image's own paper white (local to each box) and print
//! black (inside the fiducials), so a faint pencil on a dark scan and heavy ink on a light one
//! read alike. Thresholds are explained in docs/reading.md.

use crate::identify::Identified;
use crate::reading::{BoxClass, BoxReading, StrayInk, Transform};
use ecount_election::layout::{
    Rect, VotingBox, BOX_TOP_IN_ROW, MARK_ZONE_INSET, ROW_HEIGHT, RULE_WIDTH,
};
use image::GrayImage;

mod stray;

/// A mark-zone pixel (2 x 2 mean) is ink when at least this far from paper white towards
/// print black, and above the scan's noise.
pub const ZONE_INK_DARKNESS: f64 = 0.10;
/// A halo pixel is ink when at least this far from paper white towards print black (and well
/// above the scan's noise).
pub const HALO_INK_DARKNESS: f64 = 0.15;
/// Mark-zone ink fraction below which a box is empty.
pub const EMPTY_BELOW: f32 = 0.0025;
/// Mark-zone ink fraction at or above which a box is marked.
pub const MARKED_FROM: f32 = 0.008;
/// The same on a bilevel scan, where an empty box has no noise to rise above and a light
/// pencil line survives thresholding only in pieces.
pub const MARKED_FROM_BILEVEL: f32 = 0.004;
/// On a bilevel scan any ink in a zone is real (an empty box scores exactly 0): a trace this
/// small is what is left of a light pencil line, and makes the box doubtful.
pub const EMPTY_BELOW_BILEVEL: f32 = 0.0005;
/// Halo ink fraction beside an empty box that makes it doubtful.
pub const HALO_DOUBTFUL: f32 = 0.01;
/// Ink in the mark zone spanning less than this (mm) either way is a dot, not a clear mark.
pub const DOT_EXTENT_MM: f32 = 3.0;
/// ...and filling at least this share of the square on that span: a dot is solid, while a
/// small tick or cross of the same span is a thin line.
pub const DOT_FILL: f32 = 0.45;
/// A marked box's ink must run unbroken for this long (mm) along or across the image rows:
/// specks of dust, or the pieces thresholding leaves of a faint line, do not.
pub const STROKE_MIN_MM: f32 = 1.0;
/// ...and hold one connected piece this long (mm): a threshold's speckle of a rubbed-out or
/// faint mark puts a pixel or two in most rows, none touching the next (our hard 300-dpi G4,
/// seed 95, paper 1610: 0.25 mm), while what it leaves of a faint line keeps pieces of 0.66
/// mm and more at 150 dpi.
pub const PIECE_MIN_MM: f32 = 0.5;
/// A box that would be empty is searched again for ink this far from paper white (and 3
/// times the noise): a faint pencil line too light for the zone score.
pub const FAINT_DARKNESS: f64 = 0.05;
/// ...and is doubtful when such ink forms a connected line this long (mm). Paper noise at
/// that cut joins into pieces of at most 0.68 mm in empty boxes of the hard corpora (150 and
/// 200 dpi).
pub const FAINT_LINE_MM: f32 = 1.2;
/// Pieces of a broken stroke count as one when the faint search joins them this far (mm).
pub const JOINED_LINE_MM: f32 = 2.0;
/// Ink within this distance (mm) of the mark zone's edge reaches it.
const EDGE_TOUCH_MM: f64 = 0.5;
/// Halo ink on a neighbouring box's facing side that shows a stroke running between it and
/// a box whose weak ink sits at that edge.
const NEIGHBOUR_HALO: f32 = 0.005;
/// Below this a mark is weak enough that ink outside the box puts its meaning in doubt.
pub const WEAK_MARK: f32 = 0.05;
/// Halo score, as a share of the zone score, from which a weak mark counts as spilling.
pub const SPILL_RATIO: f32 = 0.3;
/// A weak mark at one edge of the zone spanning under this (mm) spills at [`TIP_RATIO`] of
/// its zone score beyond that edge, not [`SPILL_RATIO`]: it is the tip of a stroke drawn
/// outside the box. A voter's mark that small sits inside the box (on 15,100 G4 and JPEG
/// papers, none of the 9 voters' marks under 3 mm at an edge had ink beyond it, while 562
/// such marks that did were all in boxes the voter had not marked); an 18 mm cross between
/// two rows of the second-choice column left a tip of 1.9 mm in row 8 (hard 200-dpi G4,
/// seed 111, paper 214), where the column's outer edge has no neighbour box for
/// `off_centre` to ask, and the ink beyond it (0.0022) was under [`SPILL_RATIO`].
pub const TIP_EXTENT_MM: f32 = 3.0;
pub const TIP_RATIO: f32 = 0.1;
/// Halo ink on the facing sides of two boxes of a column above which a mark straddles them.
pub const STRADDLE: f32 = 0.01;
/// A faint stroke crossing the gap may leave only a trace on one facing side: when neither
/// box holds more than a weak mark, half of [`STRADDLE`] there is enough if the other side
/// has this much.
pub const STRADDLE_STRONG: f32 = 0.03;
/// Share of a zone's inked pixels, darkest first, that makes its ink's core.
const INK_CORE: f64 = 0.25;
/// A mark whose core is lighter than this share of the darkest mark on the paper is in
/// doubt: one pen or pencil makes a voter's marks alike, and a mark rubbed out leaves a
/// ghost at a fraction of its darkness.
pub const LIGHTER_THAN_OTHERS: f32 = 0.45;
/// A mark this light (a rubbed-out ghost, or a faint line) is in doubt already when under
/// [`GHOST_RATIO`] of the darkest: a thin line blurred at 150 dpi measures lighter than it
/// is, a smeared ghost does not.
pub const GHOST_DARKNESS: f32 = 0.16;
pub const GHOST_RATIO: f32 = 0.62;
/// Share of the darkest clear mark's darkness from which a weak box's line is the same pencil.
pub const SAME_PENCIL: f32 = 0.8;
/// Length of faint line (mm) a weak box needs to count as the same pencil's mark.
pub const FAINT_MARK_MM: f32 = 3.0;
/// Height (mm) down the rows a faint mark alone on the paper needs to count: creases across
/// empty boxes left lines 0.5-1.4 mm high in our hard 150-dpi JPEG tree.
pub const LONE_HEIGHT_MM: f32 = 2.0;
/// A speck in a box's zone under this score and this size (mm), with no faint line to it, is
/// dust or a fleck in the paper: dust specks measured 0.0014-0.0055 (0.1-0.45 mm²) on the
/// independent renderer's clean papers, a voter's dot from 0.0116. On a bilevel scan, what
/// thresholding left of a faint cross looks the same, so there only beside a mark the
/// threshold left standing ([`SOLID_STROKE_MM`], [`SPECK_BESIDE_MARK`]).
pub const SPECK_ZONE: f32 = 0.008;
pub const SPECK_MM: f32 = 1.0;
/// On a grey scan, specks apart in one box beside their column's clear mark are dust like
/// one speck when no piece reaches [`SPECK_MM`] and they are this dark: in the hard 200-dpi
/// JPEG (10,000, seed 2), two or three flecks of dust 1.7-5.9 mm apart (darkness 0.23-0.45)
/// sent 6 clear papers to a person. A pencil line too light to join even at the faint cut
/// leaves lighter grain in specks (a tick of grey 185 on paper of 200: 0.168), which stays
/// in doubt.
pub const SPECKS_DARKNESS: f32 = 0.2;
/// A bilevel mark with an unbroken stroke this long (mm) came from a pen or pencil dark
/// enough to survive the threshold whole: that voter's second mark in the column would too,
/// so a speck there is dust. Crosses run 5-8 mm; a faint cross the threshold broke up keeps
/// runs of 1-3 mm (our hard 150-dpi G4: 78 of 314 marks under 4 mm).
pub const SOLID_STROKE_MM: f32 = 4.0;
/// A solid mark is a line (a cross, a tick, a stroke, a digit), not a fill, when its ink
/// fills less than this share of the square on its span. On 6,100 G4 papers, ballpoint and
/// pencil crosses filled at most 0.32 and ticks 0.33, and 95% of pencil fills 0.41 or more;
/// a fill the threshold left in patches (0.31, 0.43) stays solid where the same pencil's
/// cross is erased to one speck.
pub const LINE_FILL: f32 = 0.3;
/// A bilevel mark whose zone keeps this much ink is a stroke the threshold left standing,
/// even if broken: a second mark in its column that the threshold left as a speck under
/// [`SPECK_ZONE`] and [`SPECK_MM`] is erased past what a person shown the box could see
/// (our hard 150-dpi G4, paper 134: a pencil tick kept 1.65% of its ink, 3 pixels, beside
/// one that kept 16.5%), and the same speck of dust on a clean paper is empty.
pub const SPECK_BESIDE_MARK: f32 = 0.02;
/// A scanner streak (dust on the glass or the sensor) darkens one image column from top to
/// bottom: through every box of a column of boxes, where a faint-line search takes it for a
/// pencil line. In one box, a streak is a dip: a run of image columns whose means over the
/// box's interior are this much (of the span) darker than its median column...
const STREAK_DARKNESS: f64 = 0.02;
/// ...at most this wide (mm), with paper just beyond both ends, and no darker anywhere than
/// `STREAK_MAX_DARKNESS` of the span (the independent renderer's streaks: 6-20 grey levels,
/// at most 0.11; a voter's pencil or pen line ruled down the boxes is darker)...
const STREAK_MAX_MM: f64 = 1.0;
const STREAK_MAX_DARKNESS: f64 = 0.2;
/// ...and an image column is a streak's where it dips in at least this share of the boxes
/// that show paper or ink there (not the measured area's edge), and in at least
/// [`STREAK_BOXES`] of them: on a skewed page a streak near the zones' side runs into the
/// outlines after a few boxes (three, on two of the independent renderer's papers).
const STREAK_SHARE: f64 = 0.75;
const STREAK_BOXES: u16 = 3;
/// Ink kept clear of the outline's outer edge before the halo starts, mm (registration slack).
const HALO_GAP: f64 = 0.4;

/// A paper with every box measured.
pub struct Scored<'a, 'e> {
    pub identified: Identified<'a, 'e>,
    pub boxes: Vec<BoxReading>,
    pub stray_ink: Vec<StrayInk>,
    /// (row, column) of each box whose mark runs across the gap into the box below.
    pub straddles: Vec<(u16, u8)>,
}

pub fn score<'a, 'e>(identified: Identified<'a, 'e>) -> Scored<'a, 'e> {
    let reg = &identified.registered;
    let tf = identified.transform;
    let inv = Inverse::of(&tf);
    let layout = &identified.layout;
    let mut sides: SideHistograms = [[0; 256]; 3];
    let vboxes = layout.voting_boxes();
    let streaks = scanner_streaks(reg.image, &tf, &inv, &vboxes, reg.black);
    let page = Pixels {
        img: reg.image,
        streaks: &streaks,
    };
    let mut measures: Vec<Measure> = vboxes
        .iter()
        .map(|vb| measure_box(&page, &tf, &inv, vb, reg.black, &mut sides))
        .collect();
    let columns = layout.kind.columns();
    // Ink at one edge of a zone is a stroke coming in from outside the box when the
    // neighbouring box on that side shows the same stroke facing it.
    for i in 0..measures.len() {
        let Some(edge) = measures[i].edge else {
            continue;
        };
        let (row, col) = (vboxes[i].row, vboxes[i].column);
        let neighbour = match edge {
            Edge::Top => (row > 0).then(|| i - columns),
            Edge::Bottom => Some(i + columns).filter(|&j| j < measures.len()),
            Edge::Left => (col == 1).then(|| i - 1),
            Edge::Right => (col == 0 && columns == 2).then_some(i + 1),
        };
        measures[i].shape.off_centre = neighbour.is_some_and(|j| {
            let n = &measures[j];
            let (facing_halo, facing_edge) = match edge {
                Edge::Top => (n.bottom, Edge::Bottom),
                Edge::Bottom => (n.top, Edge::Top),
                Edge::Left | Edge::Right => (n.beside, edge.opposite()),
            };
            facing_halo >= NEIGHBOUR_HALO || n.touches[facing_edge as usize]
        });
    }
    let mut straddles: Vec<(u16, u8)> = (0..vboxes.len())
        .filter(|&i| i + columns < vboxes.len())
        .filter(|&i| {
            let (upper, lower) = (&measures[i], &measures[i + columns]);
            // Two clear marks, neither confined to the half facing the other, are two
            // marks whose strokes meet in the gap (a too-many paper), not one across it.
            let apart = upper.zone.min(lower.zone) >= WEAK_MARK
                && upper.edge != Some(Edge::Bottom)
                && lower.edge != Some(Edge::Top);
            !apart && straddles(upper.bottom, lower.top, upper.zone, lower.zone)
        })
        .map(|i| (vboxes[i].row as u16, vboxes[i].column as u8))
        .collect();
    let classes: Vec<BoxClass> = measures
        .iter()
        .map(|m| classify(m.zone, m.halo, &m.shape, m.bilevel))
        .collect();
    let classes = against_darkest_mark(&classes, &measures, columns);
    let classes = clear_of_overshoot(classes, &measures, columns);
    straddles.extend(faint_straddles(&measures, &classes, columns, &straddles));
    // For checking a paper by hand (`--log ecount_scan=trace`).
    if tracing::enabled!(tracing::Level::TRACE) {
        for ((vb, m), c) in vboxes.iter().zip(&measures).zip(&classes) {
            if m.zone > 0.0 || m.halo > 0.0 || m.shape.faint_line > 0.0 {
                tracing::trace!(row = vb.row, column = vb.column, class = ?c, zone = m.zone,
                    darkness = m.darkness, halo = m.halo, shape = ?m.shape, edge = ?m.edge,
                    top = m.top, bottom = m.bottom, beside = m.beside,
                    bilevel = m.bilevel, "box measured");
            }
        }
    }
    let boxes: Vec<BoxReading> = vboxes
        .iter()
        .zip(&measures)
        .zip(classes)
        .map(|((vb, m), class)| BoxReading {
            row: vb.row as u16,
            column: vb.column as u8,
            score: m.zone,
            darkness: m.darkness,
            halo: m.halo,
            class,
            quad: vb.outer.corners().map(|p| {
                let (u, v) = tf.apply(p.x, p.y);
                [u as f32, v as f32]
            }),
        })
        .collect();
    // A bilevel scan's threshold has already joined neighbouring letters of print. Most of
    // its boxes see only black and white (dust leaves the odd speck beside some).
    let stray_ink = stray::find_stray_ink(&identified, &inv, &boxes, mostly_bilevel(&measures));
    Scored {
        identified,
        boxes,
        stray_ink,
        straddles,
    }
}

/// Each box's class measured against the paper's darkest marked box, since one voter's
/// marks come from one pencil or pen:
/// - a marked box much lighter than it becomes doubtful: a rubbed-out pencil mark keeps its
///   shape and some of its darkness;
/// - a marked box whose ink is specks that only fainter ink joins into a stroke must be as
///   dark (within [`SAME_PENCIL`]) as it: a fill rubbed out leaves an even grey tone that
///   the scan's noise breaks into specks, and a faint line joins them;
/// - a box doubtful only for want of ink, whose ink joins into a line of at least
///   [`FAINT_MARK_MM`] and is as dark (within [`SAME_PENCIL`]) as it, is that voter's faint
///   pencil again: a mark. With no mark on the paper to compare, such a box is a mark when
///   every other box is empty and its line rises [`LONE_HEIGHT_MM`] down the rows (a crease
///   across the box is flat, and is taken back when found).
///
/// A box doubtful only for a speck is empty on a grey scan, and on a bilevel one when its
/// column holds a mark the threshold left standing ([`SOLID_STROKE_MM`],
/// [`SPECK_BESIDE_MARK`]), or another column a solid mark (a connected piece of
/// [`SOLID_STROKE_MM`]) and its own none in pieces.
///
/// The darkest box itself passes the first test, so one pass serves them all.
///
/// On a bilevel scan all ink is black (darkness 1), so the first test passes every mark the
/// threshold kept, and the second and third are not made. There a marked box in pieces under
/// [`STROKE_MIN_MM`] is doubtful instead when another mark on the paper is solid (a
/// connected piece of [`SOLID_STROKE_MM`]): that voter's pen survives the threshold whole,
/// so what is left in pieces is a ghost (rubbed out) or another hand's.
fn against_darkest_mark(
    classes: &[BoxClass],
    measures: &[Measure],
    columns: usize,
) -> Vec<BoxClass> {
    let darkest = classes
        .iter()
        .zip(measures)
        .filter(|(c, _)| **c == BoxClass::Marked)
        .map(|(_, m)| m.darkness)
        .fold(0.0f32, f32::max);
    let page_bilevel = mostly_bilevel(measures);
    // Whether a marked box with an unbroken piece of `SOLID_STROKE_MM` passes `also`.
    let solid = |also: &dyn Fn(&Measure) -> bool| {
        classes
            .iter()
            .zip(measures)
            .any(|(c, m)| *c == BoxClass::Marked && m.shape.piece >= SOLID_STROKE_MM && also(m))
    };
    // A solid mark vouches for a speck elsewhere when its own box measures bilevel, or when
    // it is a line (not a fill) on a bilevel page, whatever its box measures (a pen's arms
    // past the outline, averaged 2 x 2, are grey): that pen's line survived the threshold.
    // Any solid mark on a bilevel page was too loose: a pencil fill stays solid where the
    // same pencil's tick is erased to one speck (hard 200-dpi G4 tree, seed 7, paper 742: the
    // fill kept 36% of its ink, the tick 1.7%, and the tick was cleared).
    let solid_mark = solid(&|m| {
        m.bilevel || (page_bilevel && m.shape.ink_mm2 < LINE_FILL * m.shape.extent.powi(2))
    });
    // A bilevel mark in pieces beside a solid one: a ghost, or another hand's. On a bilevel
    // page the solid mark's own box may measure grey (its edge, averaged 2 x 2, spills grey
    // into its halo), and still shows the voter's pen survived the threshold whole.
    let solid_on_page = solid(&|m| m.bilevel || page_bilevel);
    let broken = |m: &Measure| m.bilevel && m.shape.piece < STROKE_MIN_MM && solid_on_page;
    // Whether a column holds a mark with an unbroken stroke of `SOLID_STROKE_MM`, or ink of
    // `SPECK_BESIDE_MARK` that is not `broken`: a voter's pen or pencil that the threshold
    // left standing. Asked only of bilevel specks.
    let standing_in = |column: usize| {
        classes
            .iter()
            .zip(measures)
            .skip(column)
            .step_by(columns)
            .any(|(c, m)| {
                *c == BoxClass::Marked
                    && (m.shape.stroke >= SOLID_STROKE_MM
                        || (m.zone >= SPECK_BESIDE_MARK && !broken(m)))
            })
    };
    // Whether a solid mark elsewhere on the paper vouches for a column: that voter's pen
    // survived the threshold whole, so their mark in this column would have too. Not a
    // column holding a mark in pieces beside it (a ghost, or another hand's).
    let vouched = |column: usize| {
        solid_mark
            && !classes
                .iter()
                .zip(measures)
                .skip(column)
                .step_by(columns)
                .any(|(c, m)| *c == BoxClass::Marked && broken(m))
    };
    let marked_in = |column: usize| column_marked(classes, column, columns);
    // Boxes holding any ink: a doubtful box that is the only one is alone on the paper.
    let inked = classes.iter().filter(|&&c| c != BoxClass::Empty).count();
    classes
        .iter()
        .zip(measures)
        .enumerate()
        .map(|(i, (&c, m))| match c {
            BoxClass::Marked => {
                let ghost = m.darkness < GHOST_DARKNESS && m.darkness < GHOST_RATIO * darkest;
                // Specks that only fainter ink joins into a stroke, lighter than the voter's
                // other mark: a grainy ghost of a fill rubbed out as readily as a mark. No
                // piece need be as short as `PIECE_MIN_MM`: a rubbed-out cross left pieces
                // of 0.62 mm over 8.8 mm at 0.585 of its first choice (hard 200-dpi JPEG,
                // seed 94, paper 1493), while a voter's own line holds together.
                let joined = !m.bilevel
                    && m.shape.stroke.min(m.shape.piece) < STROKE_MIN_MM
                    && m.darkness < SAME_PENCIL * darkest;
                if m.darkness < LIGHTER_THAN_OTHERS * darkest || ghost || broken(m) || joined {
                    BoxClass::Doubtful
                } else {
                    c
                }
            }
            BoxClass::Doubtful => {
                // Enough ink, joined by a faint line, for a light pencil's mark on grey.
                let faint_mark =
                    !m.bilevel && m.zone >= EMPTY_BELOW && m.shape.faint_line >= FAINT_MARK_MM;
                let pencil = faint_mark && darkest > 0.0 && m.darkness >= SAME_PENCIL * darkest;
                // It passes every test of a mark but the amount of ink.
                let shaped = || classify(m.zone.max(MARKED_FROM), m.halo, &m.shape, m.bilevel);
                // A speck with no fainter line to it: dust on the glass, a fleck in the
                // paper. Alone on a paper it leaves the contest unmarked, and so void, which
                // a person examines anyway. On a bilevel scan it may be what the threshold
                // left of a faint mark, and stays in doubt to show the person where, unless
                // the column holds a mark the threshold left standing. The page says whether
                // it is bilevel: a speck at the zone's edge, averaged 2 x 2, makes its box
                // measure grey.
                let faint_free = m.zone < SPECK_ZONE
                    && m.halo < HALO_DOUBTFUL
                    && m.shape.faint_line < FAINT_LINE_MM;
                let speck = faint_free && m.shape.extent < SPECK_MM;
                // On a grey scan (not just a grey box: on a bilevel one a box whose mark
                // spills grey into its halo, 2 x 2, measures grey), so are dark specks apart
                // in the box, none of them a piece of SPECK_MM (two or three flecks of dust),
                // beside the column's clear mark: the voter's own pencil would leave a second
                // mark as dark and as joined as the first. Not in a column without one, where
                // clearing them could leave a faint second choice unused with nothing shown to
                // a person.
                let specks = faint_free
                    && !m.bilevel
                    && !page_bilevel
                    && m.darkness >= SPECKS_DARKNESS
                    && m.shape.stroke < SPECK_MM
                    && m.shape.piece < SPECK_MM
                    && marked_in(i % columns);
                // A faint pencil mark alone on the paper: nothing to measure it against, and
                // nothing else drawn to put the voter's meaning in doubt. Not a flat line,
                // which a crease across the box also leaves.
                let lone = faint_mark && inked == 1 && m.shape.faint_height >= LONE_HEIGHT_MM;
                if (pencil || lone) && shaped() == BoxClass::Marked {
                    BoxClass::Marked
                } else if specks
                    || (speck
                        && (!(m.bilevel || page_bilevel)
                            || standing_in(i % columns)
                            || vouched(i % columns)))
                {
                    BoxClass::Empty
                } else {
                    c
                }
            }
            BoxClass::Empty => c,
        })
        .collect()
}

/// A clear mark drawn large (a felt pen's cross) runs past its box's outline, across the
/// rule, into the halo of the box above or below. An empty box whose only doubt is halo ink
/// on a side facing such a mark holds the end of that mark's stroke, not a mark of its own.
/// The mark must fill its own zone from edge to edge across the rows (a mark centred in the
/// gap between the boxes reaches at most part way into either: that is a straddle, and stays
/// in doubt) and leave at least as much ink in its own facing halo as in the empty box's.
fn clear_of_overshoot(
    mut classes: Vec<BoxClass>,
    measures: &[Measure],
    columns: usize,
) -> Vec<BoxClass> {
    let spans = |j: usize| {
        let n = &measures[j];
        classes[j] == BoxClass::Marked
            && n.zone >= WEAK_MARK
            && n.touches[Edge::Top as usize]
            && n.touches[Edge::Bottom as usize]
    };
    let cleared: Vec<usize> = (0..measures.len())
        .filter(|&i| {
            let m = &measures[i];
            if classes[i] != BoxClass::Doubtful
                || classify(m.zone, 0.0, &m.shape, m.bilevel) != BoxClass::Empty
                || m.beside >= HALO_DOUBTFUL
            {
                return false;
            }
            // Each side with enough ink to put the box in doubt faces an overshooting mark.
            let above = i.checked_sub(columns).filter(|&j| spans(j));
            let below = Some(i + columns).filter(|&j| j < measures.len() && spans(j));
            let top = m.top < HALO_DOUBTFUL || above.is_some_and(|j| measures[j].bottom >= m.top);
            let bottom =
                m.bottom < HALO_DOUBTFUL || below.is_some_and(|j| measures[j].top >= m.bottom);
            top && bottom && (above.is_some() || below.is_some())
        })
        .collect();
    for i in cleared {
        classes[i] = BoxClass::Empty;
    }
    classes
}

/// Whether halo ink on the facing sides of two boxes of a column (the upper box's bottom,
/// the lower box's top) shows a mark crossing the gap between them, given the two boxes' zone
/// scores. When neither box holds a clear mark, a faint stroke across the gap counts on less
/// evidence, since the mark's body lies between the boxes. When one box holds a clear mark
/// and the other's zone is empty, the ink in the gap is that mark overshooting its box (a
/// big cross's arm): the mark's body is in one box, so it does not straddle.
pub fn straddles(upper_bottom: f32, lower_top: f32, upper_zone: f32, lower_zone: f32) -> bool {
    let (weak, strong) = (upper_bottom.min(lower_top), upper_bottom.max(lower_top));
    let zone = upper_zone.max(lower_zone);
    if zone >= WEAK_MARK && upper_zone.min(lower_zone) < EMPTY_BELOW {
        return false;
    }
    weak >= STRADDLE || (zone < WEAK_MARK && weak >= 0.5 * STRADDLE && strong >= STRADDLE_STRONG)
}

/// Whether a column of boxes holds a marked box (boxes listed row by row).
fn column_marked(classes: &[BoxClass], column: usize, columns: usize) -> bool {
    classes
        .iter()
        .skip(column)
        .step_by(columns)
        .any(|&c| c == BoxClass::Marked)
}

/// The gaps (as the upper box's row and column) that a faint stroke crosses in a column
/// holding no mark, on less evidence than [`straddles`] asks: a trace of ink on both facing
/// sides, [`STRADDLE`] on one, and a doubtful box on either side or no other halo ink in
/// the column. That column's choice is uncertain, as for a tick drawn between two boxes:
/// not unmarked, and for a second choice not "not used", which would count the paper with
/// nobody shown the stroke. In a column holding a mark the full evidence is needed, since
/// there a straddle voids a vote.
fn faint_straddles(
    measures: &[Measure],
    classes: &[BoxClass],
    columns: usize,
    known: &[(u16, u8)],
) -> Vec<(u16, u8)> {
    // Whether the two boxes of the gap below box `i` are the only ones of their column with
    // halo ink: a crease down the column, or a line drawn down it, puts ink round every box
    // it passes, a stroke across one gap round two.
    let alone_in_column = |i: usize| {
        measures
            .iter()
            .enumerate()
            .skip(i % columns)
            .step_by(columns)
            .all(|(k, m)| k == i || k == i + columns || m.halo == 0.0)
    };
    (0..measures.len().saturating_sub(columns))
        .filter(|&i| {
            let (upper, lower) = (&measures[i], &measures[i + columns]);
            let (weak, strong) = (upper.bottom.min(lower.top), upper.bottom.max(lower.top));
            weak > 0.0
                && strong >= STRADDLE
                && upper.zone.max(lower.zone) < WEAK_MARK
                && (classes[i] == BoxClass::Doubtful
                    || classes[i + columns] == BoxClass::Doubtful
                    || alone_in_column(i))
                && !column_marked(classes, i % columns, columns)
        })
        .map(|i| ((i / columns) as u16, (i % columns) as u8))
        .filter(|gap| !known.contains(gap))
        .collect()
}

/// The shape of a box's zone ink, beyond how much there is.
#[derive(Debug, Clone, Copy, Default)]
pub struct ZoneShape {
    /// Larger side (mm) of the box around the zone's ink: a dot is small, a stroke is not.
    pub extent: f32,
    /// Inked area of the zone, mm².
    pub ink_mm2: f32,
    /// Longest unbroken run of ink along or across the image rows, mm.
    pub stroke: f32,
    /// Longest connected piece of ink along or down the image rows, mm.
    pub piece: f32,
    /// The ink lies wholly in one half of the zone and reaches that half's edge, and the
    /// neighbouring box on that side shows ink facing it: the end of a stroke centred
    /// between the two boxes.
    pub off_centre: bool,
    /// Longest connected line (mm) of ink too faint for the zone score, searched in boxes
    /// that would otherwise be empty or weak, or hold only pieces.
    pub faint_line: f32,
    /// That line's height (mm) down the image rows: a crease across the box is flat.
    pub faint_height: f32,
    /// When the zone's ink keeps to the half at one edge and reaches it: the halo score of
    /// that side alone (a stroke centred outside the box shows there, diluted in the whole
    /// ring).
    pub edge_halo: f32,
}

/// Whether most boxes see only black and white: a bilevel scan. One box's own test fails
/// where a mark's edge, averaged 2 x 2, spills grey into its halo.
fn mostly_bilevel(measures: &[Measure]) -> bool {
    2 * measures.iter().filter(|m| m.bilevel).count() > measures.len()
}

/// The class of a box from its zone and halo scores and the shape of its zone ink.
pub fn classify(zone: f32, halo: f32, shape: &ZoneShape, bilevel: bool) -> BoxClass {
    let (empty_below, marked_from) = if bilevel {
        (EMPTY_BELOW_BILEVEL, MARKED_FROM_BILEVEL)
    } else {
        (EMPTY_BELOW, MARKED_FROM)
    };
    // A weak mark with as much ink outside the box as in it may be meant for a neighbour.
    // Beyond the edge its ink keeps to, less is enough when the mark is small: the tip of a
    // stroke drawn outside the box.
    let edge_ratio = if shape.extent < TIP_EXTENT_MM {
        TIP_RATIO
    } else {
        SPILL_RATIO
    };
    let spilling =
        zone < WEAK_MARK && (halo >= SPILL_RATIO * zone || shape.edge_halo >= edge_ratio * zone);
    // A weak mark only at one edge of the zone is the end of a stroke centred elsewhere
    // (between two boxes), not a mark in this one: `off_centre` asks the neighbour on that
    // side to show ink facing it, which a bilevel pencil mark broken into one half lacks.
    let edge_only = zone < WEAK_MARK && shape.off_centre;
    // A small dot (a resting pencil point?) is for a person to judge, however dark.
    let dot = shape.extent < DOT_EXTENT_MM && shape.ink_mm2 >= DOT_FILL * shape.extent.powi(2);
    // Scattered specks (dust, or what thresholding left of a faint line) are not a stroke,
    // unless fainter ink joins them into one.
    let specks = in_pieces(shape.stroke, shape.piece) && shape.faint_line < JOINED_LINE_MM;
    if zone >= marked_from && !spilling && !edge_only && !dot && !specks {
        BoxClass::Marked
    } else if zone >= empty_below || halo >= HALO_DOUBTFUL || shape.faint_line >= FAINT_LINE_MM {
        BoxClass::Doubtful
    } else {
        BoxClass::Empty
    }
}

/// Whether zone ink (its longest run of rows and its longest connected piece, mm) is pieces,
/// not a stroke: see [`STROKE_MIN_MM`] and [`PIECE_MIN_MM`].
fn in_pieces(stroke: f32, piece: f32) -> bool {
    stroke < STROKE_MIN_MM || piece < PIECE_MIN_MM
}

#[derive(Clone, Copy)]
struct Measure {
    zone: f32,
    /// Darkness of the zone's ink core, as a share of paper white to print black.
    darkness: f32,
    halo: f32,
    shape: ZoneShape,
    /// The edge of the zone whose half holds all the ink, when the ink reaches it.
    edge: Option<Edge>,
    /// Whether the ink reaches each edge of the zone, by [`Edge`].
    touches: [bool; 4],
    /// The box's surroundings are pure black and white with no noise: a bilevel scan.
    bilevel: bool,
    /// Halo ink above and below the box only: a mark across the gap between two boxes of a
    /// column shows in the lower box's top and the upper box's bottom.
    top: f32,
    bottom: f32,
    /// Halo ink left and right of the box.
    beside: f32,
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Edge {
    Top = 0,
    Bottom = 1,
    Left = 2,
    Right = 3,
}

impl Edge {
    fn opposite(self) -> Self {
        match self {
            Edge::Top => Edge::Bottom,
            Edge::Bottom => Edge::Top,
            Edge::Left => Edge::Right,
            Edge::Right => Edge::Left,
        }
    }
}

/// Halo histograms by [`Side`], reused from box to box.
type SideHistograms = [[u32; 256]; 3];

#[derive(Clone, Copy, PartialEq)]
enum Side {
    Top = 0,
    Bottom = 1,
    Beside = 2,
}

/// Image-to-paper map, the inverse of a [`Transform`].
struct Inverse {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    e: f64,
    f: f64,
}

impl Inverse {
    fn of(t: &Transform) -> Self {
        let det = t.a * t.e - t.b * t.d;
        let det = if det.abs() < 1e-12 { 1e-12 } else { det };
        let (a, b, d, e) = (t.e / det, -t.b / det, -t.d / det, t.a / det);
        Self {
            a,
            b,
            c: -(a * t.c + b * t.f),
            d,
            e,
            f: -(d * t.c + e * t.f),
        }
    }
}

impl Inverse {
    /// Paper position of image pixel (x, y).
    #[inline]
    fn at(&self, x: u32, y: f64) -> (f64, f64) {
        self.map(f64::from(x), y)
    }

    /// Paper position of image point (x, y).
    #[inline]
    fn map(&self, x: f64, y: f64) -> (f64, f64) {
        (
            self.a * x + self.b * y + self.c,
            self.d * x + self.e * y + self.f,
        )
    }

    /// The pixels of image row `y`, within `x0..=x1`, whose paper positions fall in `r`: both
    /// paper coordinates are linear along a row, so the span is solved, not searched.
    fn row_span(&self, r: &Rect, y: f64, x0: u32, x1: u32) -> Option<(u32, u32)> {
        let (mut lo, mut hi) = (f64::from(x0), f64::from(x1));
        // u = a x + (b y + c) in [r.x0, r.x1]; v = d x + (e y + f) in [r.y0, r.y1].
        for (k, base, min, max) in [
            (self.a, self.b * y + self.c, r.x0, r.x1),
            (self.d, self.e * y + self.f, r.y0, r.y1),
        ] {
            if k.abs() < 1e-12 {
                if base < min || base > max {
                    return None;
                }
                continue;
            }
            let (p, q) = ((min - base) / k, (max - base) / k);
            lo = lo.max(p.min(q));
            hi = hi.min(p.max(q));
        }
        let (lo, hi) = (lo.ceil(), hi.floor());
        (lo <= hi).then_some((lo as u32, hi as u32))
    }
}

fn image_bounds(tf: &Transform, r: &Rect, img: &GrayImage) -> (u32, u32, u32, u32) {
    let pts = r.corners().map(|p| tf.apply(p.x, p.y));
    let (w, h) = img.dimensions();
    let min_x = pts.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
    let max_x = pts.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
    let min_y = pts.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
    let max_y = pts.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
    let clamp = |v: f64, hi: u32| v.max(0.0).min(f64::from(hi.saturating_sub(1))) as u32;
    (
        clamp(min_x, w),
        clamp(min_y, h),
        clamp(max_x.ceil(), w),
        clamp(max_y.ceil(), h),
    )
}

/// The image, and the columns a scanner streak darkens (ranges of image x), which are read
/// as paper.
struct Pixels<'a> {
    img: &'a GrayImage,
    streaks: &'a [(u32, u32)],
}

impl Pixels<'_> {
    /// The raw pixels, the row length and the number of rows.
    fn raw(&self) -> (&[u8], usize, u32) {
        (
            self.img.as_raw(),
            self.img.width() as usize,
            self.img.height(),
        )
    }
    fn streak(&self, px: u32) -> bool {
        self.streaks.iter().any(|&(a, b)| a <= px && px <= b)
    }
    /// Whether a streak crosses image columns x0..=x1: tested once per row, so a row no
    /// streak crosses keeps its tight loop.
    fn crossed(&self, x0: u32, x1: u32) -> bool {
        self.streaks.iter().any(|&(a, b)| a <= x1 && x0 <= b)
    }
}

/// The image columns a scanner streak darkens through the boxes, as ranges of image x widened
/// by two pixels each side (the 2 x 2 mean, and blur or JPEG spreading the line). Each box's
/// interior is read on every other row for its dips ([`STREAK_DARKNESS`]).
fn scanner_streaks(
    img: &GrayImage,
    tf: &Transform,
    inv: &Inverse,
    vboxes: &[VotingBox],
    black: f64,
) -> Vec<(u32, u32)> {
    let (w, raw) = (img.width() as usize, img.as_raw());
    let widest = (STREAK_MAX_MM * tf.scale()).ceil() as usize;
    let mut dark = vec![0u16; w];
    let mut covered = vec![0u16; w];
    let (mut sums, mut counts): (Vec<u32>, Vec<u32>) = (Vec::new(), Vec::new());
    let (mut depth, mut sorted): (Vec<Option<f64>>, Vec<f64>) = (Vec::new(), Vec::new());
    for vb in vboxes {
        // The zone and the paper round it inside the outline (kept 0.25 mm clear of it): a
        // streak at the zone's edge has paper beyond it there.
        let zone = vb.mark_zone().inflate(MARK_ZONE_INSET - 0.25);
        let (x0, y0, x1, y1) = image_bounds(tf, &zone, img);
        let n = (x1 - x0 + 1) as usize;
        sums.clear();
        sums.resize(n, 0);
        counts.clear();
        counts.resize(n, 0);
        for py in (y0..=y1).step_by(2) {
            let Some((z0, z1)) = inv.row_span(&zone, f64::from(py), x0, x1) else {
                continue;
            };
            let row = &raw[py as usize * w..];
            for px in z0..=z1 {
                let i = (px - x0) as usize;
                sums[i] += u32::from(row[px as usize]);
                counts[i] += 1;
            }
        }
        // Each column's mean, where it crosses most of the zone's height (a tilted zone's
        // sides cross less); then how much darker than the zone's median column it is.
        let full = (counts.iter().copied().max().unwrap_or(0) / 2).max(1);
        depth.clear();
        depth.extend(
            (0..n).map(|i| (counts[i] >= full).then(|| f64::from(sums[i]) / f64::from(counts[i]))),
        );
        sorted.clear();
        sorted.extend(depth.iter().flatten());
        if sorted.is_empty() {
            continue;
        }
        sorted.sort_by(f64::total_cmp);
        let white = sorted[sorted.len() / 2];
        let span = (white - black).max(25.0);
        let (cut, darkest) = (STREAK_DARKNESS * span, STREAK_MAX_DARKNESS * span);
        depth.iter_mut().flatten().for_each(|m| *m = white - *m);
        let mut i = 0;
        while i < n {
            let Some(d) = depth[i] else {
                i += 1;
                continue;
            };
            if d < cut {
                covered[x0 as usize + i] += 1;
                i += 1;
                continue;
            }
            let run = i;
            while i < n && depth[i].is_some_and(|d| d >= cut) {
                i += 1;
            }
            // What lies just beyond each end: paper, more ink, or the zone's edge (unknown).
            let beyond = |j: Option<usize>| j.and_then(|j| depth.get(j).copied().flatten());
            let (before, after) = (beyond(run.checked_sub(2)), beyond(Some(i + 1)));
            let (Some(before), Some(after)) = (before, after) else {
                continue;
            };
            let faint = depth[run..i].iter().flatten().all(|&d| d <= darkest);
            let dip = i - run <= widest && before < cut && after < cut && faint;
            for x in x0 as usize + run..x0 as usize + i {
                covered[x] += 1;
                dark[x] += u16::from(dip);
            }
        }
    }
    let is_streak = |x: usize| {
        dark[x] >= STREAK_BOXES && f64::from(dark[x]) >= STREAK_SHARE * f64::from(covered[x])
    };
    let mut out = Vec::new();
    let mut x = 0;
    while x < w {
        if !is_streak(x) {
            x += 1;
            continue;
        }
        let start = x;
        while x < w && is_streak(x) {
            x += 1;
        }
        out.push((start.saturating_sub(2) as u32, (x + 1).min(w - 1) as u32));
    }
    out
}

fn measure_box(
    page: &Pixels,
    tf: &Transform,
    inv: &Inverse,
    vb: &VotingBox,
    black: f64,
    sides: &mut SideHistograms,
) -> Measure {
    let zone = vb.mark_zone();
    let halo = vb.halo();
    // A 2 x 2 mean widens the outline by a pixel.
    let px_per_mm = (tf.a * tf.e - tf.b * tf.d).abs().sqrt().max(1e-6);
    let halo_inner = vb.outer.inflate(HALO_GAP + 1.0 / px_per_mm);
    let rule_clear = RULE_WIDTH / 2.0 + 0.5;
    // Only the two rules bounding the box's own row pass through its halo.
    let (r0, r1) = (
        vb.outer.y0 - BOX_TOP_IN_ROW,
        vb.outer.y0 - BOX_TOP_IN_ROW + ROW_HEIGHT,
    );
    let near_rule = |y: f64| (y - r0).abs() < rule_clear || (y - r1).abs() < rule_clear;
    let img = page.img;
    let (raw, width, height) = page.raw();
    // The halo first (20 times the zone's area, so on every other pixel): it gives this box's
    // paper white and noise, and with them the zone is scored in one pass with no buffer.
    // One histogram per side, so the sides' ink is counted once the cut is known.
    sides.iter_mut().for_each(|h| h.fill(0));
    let (x0, y0, x1, y1) = image_bounds(tf, &halo, img);
    let dv = inv.d * 2.0;
    for py in (y0..=y1).step_by(2) {
        let fy = f64::from(py);
        // Only the stretches of this row inside the halo and outside the box are visited.
        let Some((h0, h1)) = inv.row_span(&halo, fy, x0, x1) else {
            continue;
        };
        let (_, v0) = inv.at(h0, fy);
        let crossed = page.crossed(h0, h1);
        // Samples stay on the grid h0 + 2k, whichever stretch they fall in.
        let stretches = match inv.row_span(&halo_inner, fy, h0, h1) {
            Some((i0, i1)) => [
                if i0 > h0 { (h0, i0 - 1) } else { (1, 0) },
                (i1 + 1 + ((i1 + 1 - h0) & 1), h1),
            ],
            None => [(h0, h1), (1, 0)],
        };
        for (s0, s1) in stretches {
            if s0 > s1 {
                continue;
            }
            let mut v = v0 + inv.d * f64::from(s0 - h0);
            for px in (s0..=s1).step_by(2) {
                if !(near_rule(v) || (crossed && page.streak(px))) {
                    let side = if v < vb.outer.y0 {
                        Side::Top
                    } else if v > vb.outer.y1 {
                        Side::Bottom
                    } else {
                        Side::Beside
                    };
                    sides[side as usize][mean2x2(raw, width, height, px, py) as usize] += 1;
                }
                v += dv;
            }
        }
    }
    // Paper white and its noise from the halo, which is mostly blank paper: the median is
    // unmoved by a mark spilling into part of it or by the odd speck.
    let mut hist = [0u32; 256];
    for (k, h) in hist.iter_mut().enumerate() {
        *h = sides[0][k] + sides[1][k] + sides[2][k];
    }
    let halo_n = hist.iter().map(|&n| n as usize).sum::<usize>();
    // The mark zone at full resolution (2 x 2 means: they halve the scan's pixel noise and
    // keep a two-pixel stroke).
    let (x0, y0, x1, y1) = image_bounds(tf, &zone, img);
    let zone_pass = |visit: &mut dyn FnMut(u8, f64, f64)| {
        for py in y0..=y1 {
            let fy = f64::from(py);
            let Some((z0, z1)) = inv.row_span(&zone, fy, x0, x1) else {
                continue;
            };
            let (mut u, mut v) = inv.at(z0, fy);
            for px in z0..=z1 {
                visit(mean2x2(raw, width, height, px, py), u, v);
                u += inv.a;
                v += inv.d;
            }
        }
    };
    let white = if halo_n == 0 {
        // No halo on the image (a box at its very edge): the zone's own light pixels.
        let mut zh = [0u32; 256];
        let mut n = 0usize;
        zone_pass(&mut |p, _, _| {
            zh[p as usize] += 1;
            n += 1;
        });
        hist_quantile(&zh, n, 0.9)
    } else {
        hist_quantile(&hist, halo_n, 0.5)
    };
    let span = (white - black).max(25.0);
    let noise = mad_sigma(&hist, halo_n, white);
    // Zone score: share of the zone inked beyond both a fixed darkness and this scan's noise
    // (the 2 x 2 mean halves the noise).
    let zone_cut = white - (ZONE_INK_DARKNESS * span).max(4.0 * noise);
    let ink = zone_ink(page, inv, &zone, (x0, y0, x1, y1), zone_cut);
    let zone_score = ink.inked as f64 / ink.total.max(1) as f64;
    // How dark the mark's ink is: its darkest quarter, which is the line's core whatever
    // its width and however much of it the 2 x 2 means blur into the cut.
    // Black-and-white ink (every 2 x 2 mean a sum of black and white pixels) is black: how
    // much of a thresholded line survived says nothing of how dark it was.
    let black_and_white = ink
        .levels
        .iter()
        .enumerate()
        .all(|(v, &n)| n == 0 || matches!(v, 0 | 63 | 127 | 191));
    let darkness = if ink.inked == 0 {
        0.0
    } else if black_and_white {
        1.0
    } else {
        ((white - hist_quantile(&ink.levels, ink.inked, INK_CORE)) / span).max(0.0) as f32
    };
    let extent = if ink.inked == 0 {
        0.0
    } else {
        (ink.hi.0 - ink.lo.0).max(ink.hi.1 - ink.lo.1) as f32
    };
    let (mid_x, mid_y) = ((zone.x0 + zone.x1) / 2.0, (zone.y0 + zone.y1) / 2.0);
    // Which edges of the zone the ink reaches, and the one whose half holds all of it.
    let t = EDGE_TOUCH_MM;
    let touches = [
        ink.lo.1 <= zone.y0 + t,
        ink.hi.1 >= zone.y1 - t,
        ink.lo.0 <= zone.x0 + t,
        ink.hi.0 >= zone.x1 - t,
    ]
    .map(|b| b && ink.inked > 0);
    let edge = [
        (Edge::Top, ink.hi.1 < mid_y),
        (Edge::Bottom, ink.lo.1 > mid_y),
        (Edge::Left, ink.hi.0 < mid_x),
        (Edge::Right, ink.lo.0 > mid_x),
    ]
    .into_iter()
    .find(|&(e, half)| half && touches[e as usize])
    .map(|(e, _)| e);
    let bilevel = noise == 0.0 && white >= 254.0 && hist[1..254].iter().all(|&n| n == 0);
    let stroke = (ink.run.saturating_sub(1) as f64 / px_per_mm) as f32;
    let piece = (ink.piece.saturating_sub(1) as f64 / px_per_mm) as f32;
    // A box that would be empty or weak, or holds only pieces, is searched again closer to paper
    // white: for a faint line, or for what joins the pieces into one.
    let (faint_line, faint_height) =
        if (zone_score < f64::from(MARKED_FROM) || in_pieces(stroke, piece)) && !bilevel {
            let cut = white - (FAINT_DARKNESS * span).max(3.0 * noise);
            let (line, height) = faint_line(page, inv, &zone, (x0, y0, x1, y1), cut);
            (line as f64 / px_per_mm, height as f64 / px_per_mm)
        } else {
            (0.0, 0.0)
        };
    let shape = ZoneShape {
        extent,
        ink_mm2: (zone_score * zone.width() * zone.height()) as f32,
        stroke,
        piece,
        off_centre: false,
        faint_line: faint_line as f32,
        faint_height: faint_height as f32,
        edge_halo: 0.0,
    };
    // Halo score: share of clearly inked pixels, with the cut above this scan's noise. A
    // light mark's own line is looked for outside the box at half its darkness (no lower
    // than the zone's cut): a faint pencil tick across the gap leaves little ink as dark as
    // the halo's usual cut.
    let halo_darkness = if darkness > 0.0 {
        HALO_INK_DARKNESS.min((0.5 * f64::from(darkness)).max(ZONE_INK_DARKNESS))
    } else {
        HALO_INK_DARKNESS
    };
    let cut = white - (halo_darkness * span).max(4.0 * noise);
    // Samples at or below the cut, from the histograms (p <= cut for a whole grey level p).
    let at_most = |h: &[u32; 256]| -> (usize, usize) {
        let top = cut.floor().clamp(-1.0, 255.0) as i32;
        let ink = (0..=top).map(|p| h[p as usize] as usize).sum();
        (ink, h.iter().map(|&n| n as usize).sum())
    };
    let share = |(ink, n): (usize, usize)| if n == 0 { 0.0 } else { ink as f64 / n as f64 };
    let halo_score = share(at_most(&hist));
    let side_score = |side: Side| share(at_most(&sides[side as usize])) as f32;
    let shape = ZoneShape {
        edge_halo: match edge {
            Some(Edge::Top) => side_score(Side::Top),
            Some(Edge::Bottom) => side_score(Side::Bottom),
            Some(Edge::Left | Edge::Right) => side_score(Side::Beside),
            None => 0.0,
        },
        ..shape
    };
    Measure {
        zone: zone_score as f32,
        darkness,
        halo: halo_score as f32,
        shape,
        edge,
        touches,
        bilevel,
        top: side_score(Side::Top),
        bottom: side_score(Side::Bottom),
        beside: side_score(Side::Beside),
    }
}

/// The zone's ink: pixels whose 2 x 2 mean is at most the cut, of all the zone's pixels, the
/// paper-space bounds of the inked ones, and the longest unbroken stretch of ink along an
/// image row and down consecutive rows (pixels): a stroke runs on, specks do not.
struct ZoneInk {
    inked: usize,
    total: usize,
    lo: (f64, f64),
    hi: (f64, f64),
    run: usize,
    /// The longest connected piece of ink along a row or down the rows (pixels): consecutive
    /// rows that each hold some ink need not hold one piece.
    piece: usize,
    /// Inked pixels by grey level (of their 2 x 2 mean).
    levels: [u32; 256],
}

/// Measures the zone's [`ZoneInk`]. Each row's stretch inside the zone is summed in one tight
/// loop; the paper coordinates are linear along a row, so a row's inked extremes lie at its
/// first and last inked pixels.
fn zone_ink(
    page: &Pixels,
    inv: &Inverse,
    zone: &Rect,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
    cut: f64,
) -> ZoneInk {
    let mut ink = ZoneInk {
        inked: 0,
        total: 0,
        lo: (f64::MAX, f64::MAX),
        hi: (f64::MIN, f64::MIN),
        run: 0,
        piece: 0,
        levels: [0; 256],
    };
    let (raw, width, height) = page.raw();
    if cut < 0.0 || width < 2 {
        return ink;
    }
    let t4 = sum_cut(cut);
    let last_x = (width - 2) as u32;
    // Down the rows, a piece's ink is 8-connected: each image column's count of rows of ink
    // reaching it from above through inked neighbours. What the threshold leaves of a
    // rubbed-out mark is a speckle with a pixel in most rows, none touching the last.
    let w = (x1.saturating_sub(x0) + 1) as usize;
    let (mut above, mut here) = (vec![0u16; w + 2], vec![0u16; w + 2]);
    let mut rows = 0usize;
    for py in y0..=y1 {
        let fy = f64::from(py);
        let Some((z0, z1)) = inv.row_span(zone, fy, x0, x1.min(last_x)) else {
            // No chain or run crosses a row outside the zone.
            above.fill(0);
            rows = 0;
            continue;
        };
        let row = py as usize * width;
        let below = if py + 1 < height { row + width } else { row };
        let (a, b) = (
            &raw[row + z0 as usize..row + z1 as usize + 2],
            &raw[below + z0 as usize..below + z1 as usize + 2],
        );
        // A streak's columns are paper (a sum no cut reaches).
        let crossed = page.crossed(z0, z1);
        let sums = || {
            a.windows(2)
                .zip(b.windows(2))
                .enumerate()
                .map(move |(i, (a, b))| {
                    if crossed && page.streak(z0 + i as u32) {
                        u16::MAX
                    } else {
                        u16::from(a[0]) + u16::from(a[1]) + u16::from(b[0]) + u16::from(b[1])
                    }
                })
        };
        let n = sums().filter(|&s| s <= t4).count();
        ink.total += (z1 - z0 + 1) as usize;
        if n == 0 {
            above.fill(0);
            rows = 0;
            continue;
        }
        ink.inked += n;
        rows += 1;
        ink.run = ink.run.max(rows);
        // Only rows with ink pay for the run-length pass. `here[k + 1]` is image column
        // x0 + k, with a zero either side for the neighbours of the ends. An unbroken piece
        // of a row continues every chain that reaches any of its pixels (a shallow line
        // moves several pixels a row).
        here.fill(0);
        let (mut along, mut reach) = (0usize, 0u16);
        let off = (z0 - x0) as usize + 1;
        let close = |end: usize, along: usize, reach: u16, here: &mut [u16]| {
            let chain = reach.saturating_add(1);
            here[end - along..end].fill(chain);
            usize::from(chain)
        };
        for (i, s) in sums().enumerate() {
            let k = off + i;
            if s <= t4 {
                ink.levels[usize::from(s >> 2)] += 1;
                along += 1;
                reach = reach.max(above[k - 1]).max(above[k]).max(above[k + 1]);
                ink.run = ink.run.max(along);
                ink.piece = ink.piece.max(along);
            } else if along > 0 {
                ink.piece = ink.piece.max(close(k, along, reach, &mut here));
                (along, reach) = (0, 0);
            }
        }
        if along > 0 {
            let end = off + (z1 - z0 + 1) as usize;
            ink.piece = ink.piece.max(close(end, along, reach, &mut here));
        }
        std::mem::swap(&mut above, &mut here);
        let first = sums().position(|s| s <= t4).unwrap_or(0) as u32;
        let last = sums().rposition(|s| s <= t4).unwrap_or(0) as u32;
        for px in [z0 + first, z0 + last] {
            let (u, v) = inv.at(px, fy);
            ink.lo = (ink.lo.0.min(u), ink.lo.1.min(v));
            ink.hi = (ink.hi.0.max(u), ink.hi.1.max(v));
        }
    }
    ink
}

/// The longest 8-connected piece (pixels, the larger side of its bounds, less the pixel a
/// 2 x 2 mean adds) of zone pixels whose 2 x 2 mean is at most `cut`, and its height down
/// the image rows. Noise at this cut leaves scattered single pixels; a faint pencil line
/// leaves a chain.
fn faint_line(
    page: &Pixels,
    inv: &Inverse,
    zone: &Rect,
    (x0, y0, x1, y1): (u32, u32, u32, u32),
    cut: f64,
) -> (usize, usize) {
    let (raw, width, height) = page.raw();
    if cut < 0.0 || width < 2 || x1 < x0 || y1 < y0 {
        return (0, 0);
    }
    let t4 = sum_cut(cut);
    let last_x = (width - 2) as u32;
    let (w, h) = ((x1 - x0 + 1) as usize, (y1 - y0 + 1) as usize);
    let mut on = vec![false; w * h];
    let mut seeds: Vec<usize> = Vec::new();
    for py in y0..=y1 {
        let Some((z0, z1)) = inv.row_span(zone, f64::from(py), x0, x1.min(last_x)) else {
            continue;
        };
        let crossed = page.crossed(z0, z1);
        let row = py as usize * width;
        let below = if py + 1 < height { row + width } else { row };
        for px in z0..=z1 {
            let k = px as usize;
            let sum = u16::from(raw[row + k])
                + u16::from(raw[row + k + 1])
                + u16::from(raw[below + k])
                + u16::from(raw[below + k + 1]);
            if sum <= t4 && !(crossed && page.streak(px)) {
                let at = (py - y0) as usize * w + (px - x0) as usize;
                on[at] = true;
                seeds.push(at);
            }
        }
    }
    // Fewer pixels than a line of FAINT_LINE_MM at 150 dpi cannot hold one.
    if seeds.len() < 8 {
        return (0, 0);
    }
    let mut best = (0usize, 0usize);
    let mut stack: Vec<usize> = Vec::new();
    for &seed in &seeds {
        if !on[seed] {
            continue;
        }
        on[seed] = false;
        stack.push(seed);
        let (mut lx, mut ly, mut hx, mut hy) = (w, h, 0, 0);
        while let Some(at) = stack.pop() {
            let (x, y) = (at % w, at / w);
            (lx, ly, hx, hy) = (lx.min(x), ly.min(y), hx.max(x), hy.max(y));
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    let n = ny * w + nx;
                    if on[n] {
                        on[n] = false;
                        stack.push(n);
                    }
                }
            }
        }
        best = best.max(((hx - lx).max(hy - ly), hy - ly));
    }
    best
}

/// The largest 2 x 2 pixel sum whose mean is ink at `cut`: floor(sum / 4) <= cut exactly
/// when sum <= 4 floor(cut) + 3.
fn sum_cut(cut: f64) -> u16 {
    (4.0 * cut.floor() + 3.0).min(1020.0) as u16
}

/// Robust noise estimate (median absolute deviation, scaled to a standard deviation) of the
/// `n` samples in `hist` around `centre`. The deviations are counted outwards from the centre,
/// so a clean paper's few grey levels of noise cost a few steps, not the whole histogram.
fn mad_sigma(hist: &[u32; 256], n: usize, centre: f64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    // Quantiles are whole grey levels, so the deviations are too.
    let c = centre.clamp(0.0, 255.0) as usize;
    let target = (0.5 * n as f64) as u64;
    let mut within = u64::from(hist[c]);
    for d in 0..256 {
        if d > 0 {
            within += c.checked_sub(d).map_or(0, |v| u64::from(hist[v]));
            within += hist.get(c + d).map_or(0, |&k| u64::from(k));
        }
        if within > target {
            return 1.4826 * d as f64;
        }
    }
    1.4826 * 255.0
}

/// The value below which a share `q` of the `n` samples in `hist` lie (`n` is the
/// histogram's total). Counted down from white, where paper samples gather.
fn hist_quantile(hist: &[u32; 256], n: usize, q: f64) -> f64 {
    let target = (q * n as f64) as u64;
    // The answer is the smallest v with more than `target` samples at or below it, that is
    // with fewer than n - target samples above it.
    let need = (n as u64).saturating_sub(target);
    let mut above = 0u64;
    for v in (1..256).rev() {
        let next = above + u64::from(hist[v]);
        if next >= need {
            return v as f64;
        }
        above = next;
    }
    0.0
}

/// Mean of the 2 x 2 block at (x, y): halves a scan's pixel noise, keeps a two-pixel stroke.
#[inline]
fn mean2x2(raw: &[u8], width: usize, height: u32, x: u32, y: u32) -> u8 {
    let row = y as usize * width;
    let below = if y + 1 < height { row + width } else { row };
    let k = x as usize;
    let right = usize::from(k + 1 < width);
    let sum = u16::from(raw[row + k])
        + u16::from(raw[row + k + right])
        + u16::from(raw[below + k])
        + u16::from(raw[below + k + right]);
    (sum / 4) as u8
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definitions the fast histogram walks must agree with.
    fn quantile_by_sorting(samples: &[u8], q: f64) -> f64 {
        let mut s = samples.to_vec();
        s.sort_unstable();
        f64::from(s[((q * s.len() as f64) as usize).min(s.len() - 1)])
    }

    fn histogram(samples: &[u8]) -> [u32; 256] {
        let mut h = [0u32; 256];
        for &v in samples {
            h[v as usize] += 1;
        }
        h
    }

    #[test]
    fn a_faint_tick_across_the_gap_straddles() {
        // Hard corpus, seed 4006 paper 1588: a pencil tick between rows 2 and 3 left 0.0066
        // in the upper box's bottom halo, 0.037 in the lower box's top, and 0.008 in the
        // upper zone; it was read as a first choice for row 2.
        assert!(straddles(0.0066, 0.037, 0.0081, 0.0));
        // The same halo traces beside a clear mark are the mark's own arms.
        assert!(!straddles(0.0066, 0.037, 0.2, 0.0));
        // A trace on one side alone is not a crossing.
        assert!(!straddles(0.004, 0.05, 0.0, 0.0));
        // Ink on both sides, and in both zones, is a mark across the gap.
        assert!(straddles(0.01, 0.01, 0.3, 0.003));
    }

    #[test]
    fn specks_are_not_a_stroke() {
        // Realistic 150-dpi G4, seed 4150, paper 1: four specks left of a faint pencil cross
        // scored 0.016 (four times the bilevel mark level) over 2 mm, but no piece ran on.
        let shape = |extent, ink_mm2, stroke, piece| ZoneShape {
            extent,
            ink_mm2,
            stroke,
            piece,
            ..ZoneShape::default()
        };
        // (zone, shape, bilevel, class)
        let cases = [
            (0.016, shape(2.0, 0.09, 0.3, 0.3), true, BoxClass::Doubtful),
            // The same ink as an unbroken stroke is a mark; so is a thin tick on grey.
            (0.016, shape(2.0, 0.09, 1.6, 1.6), true, BoxClass::Marked),
            (0.03, shape(4.0, 0.2, 3.5, 3.5), false, BoxClass::Marked),
            // Our hard 300-dpi G4, seed 95, paper 1610: a rubbed-out second choice the
            // threshold left as a speckle over 1.3 mm of rows, in pieces of 0.25 mm.
            (
                0.0072,
                shape(3.0, 0.5, 1.33, 0.25),
                true,
                BoxClass::Doubtful,
            ),
            // Pieces of 0.68 mm are what it leaves of a faint line at 150 dpi.
            (0.02, shape(4.0, 1.6, 1.17, 0.68), true, BoxClass::Marked),
            // A compact dot is doubtful however long its run.
            (0.2, shape(2.0, 2.0, 1.8, 1.8), false, BoxClass::Doubtful),
        ];
        for (zone, shape, bilevel, class) in cases {
            assert_eq!(classify(zone, 0.0, &shape, bilevel), class, "{shape:?}");
        }
    }

    /// `zone_ink` of zone 1-9 mm square on a white 100 x 100 page at 10 px/mm, black where
    /// `inked`, at grey `cut`.
    fn ink_in_zone(inked: &dyn Fn(u32, u32) -> bool, cut: f64) -> ZoneInk {
        let tf = Transform::upright(10.0);
        let zone = Rect::new(1.0, 1.0, 9.0, 9.0);
        let img = GrayImage::from_fn(100, 100, |x, y| {
            image::Luma([if inked(x, y) { 0 } else { 255 }])
        });
        let page = Pixels {
            img: &img,
            streaks: &[],
        };
        let bounds = image_bounds(&tf, &zone, &img);
        zone_ink(&page, &Inverse::of(&tf), &zone, bounds, cut)
    }

    #[test]
    fn a_stroke_runs_down_connected_rows_and_a_speckle_does_not() {
        // Our hard 300-dpi G4 (seed 95), paper 1610: a rubbed-out cross the threshold left as
        // a pixel or two in most rows ran 1.3 mm down rows that merely all held some ink.
        let run = |inked: &dyn Fn(u32, u32) -> bool| {
            let ink = ink_in_zone(inked, 200.0);
            (ink.run, ink.piece)
        };
        // A 2 px diagonal line 50 rows down, and a shallow one moving 3 px a row.
        let (rows, piece) = run(&|x, y| (20..70).contains(&y) && x.abs_diff(y) < 2);
        assert!(rows >= 50 && piece >= 50);
        let (rows, piece) = run(&|x, y| (30..50).contains(&y) && (3 * y - 70).abs_diff(x) < 3);
        assert!(rows >= 20 && piece >= 20);
        // One pixel in every row, each 7 columns from the last: never touching.
        let (rows, piece) = run(&|x, y| (20..70).contains(&y) && x == 15 + (y * 7) % 70);
        assert!(rows >= 50 && piece <= 2);
    }

    #[test]
    fn a_stretch_of_a_row_carries_its_chain_to_every_pixel() {
        // A staircase of steps 2 pixels tall and 6 wide, each 5 columns right of the last:
        // at a cut that needs 3 of a window's 4 pixels, a step's first row of windows is a
        // stretch of 6 and its second a pair at the right end, which alone touches the next
        // step's left end. The chain reaches the pair only through the stretch, so a window
        // that passed on just its own neighbours' chains would lose it at every step.
        let steps = |x: u32, y: u32| {
            let r = y.wrapping_sub(20) / 2;
            (20..44).contains(&y) && (12 + 5 * r..=17 + 5 * r).contains(&x)
        };
        let ink = ink_in_zone(&steps, 100.0);
        // 12 steps, 24 rows (a row of windows spans two image rows: 23 of them).
        assert!(ink.piece >= 20, "piece {}", ink.piece);
    }

    #[test]
    fn faint_lines_and_strokes_from_outside_the_box_are_doubtful() {
        // Hard 200-dpi corpus, seed 4200: a faint pencil second choice (paper 9810) scored 0
        // in its zone but left a 2 mm line at the faint cut; it was read as "not used".
        let faint = ZoneShape {
            faint_line: 2.5,
            ..ZoneShape::default()
        };
        assert_eq!(classify(0.0, 0.0, &faint, false), BoxClass::Doubtful);
        assert_eq!(
            classify(0.0, 0.0, &ZoneShape::default(), false),
            BoxClass::Empty
        );
        // Paper 4132: the arm of a tick centred between rows 2 and 3 scored 0.0117 at the
        // bottom edge of row 2's zone, and was read as a first choice for row 2.
        let edge = ZoneShape {
            extent: 3.0,
            ink_mm2: 0.9,
            stroke: 3.0,
            piece: 3.0,
            off_centre: true,
            ..ZoneShape::default()
        };
        assert_eq!(classify(0.0117, 0.0, &edge, false), BoxClass::Doubtful);
        // A clear mark may sit at an edge.
        assert_eq!(classify(0.08, 0.0, &edge, false), BoxClass::Marked);
        // Likewise on a bilevel scan. Hard 200-dpi G4 (seed 2), paper 466: a pencil tick
        // centred between rows 4 and 5 left 0.0149 at row 4's bottom edge, 0.030 in row 5's
        // top halo, and was counted for row 4.
        assert_eq!(classify(0.0149, 0.0, &edge, true), BoxClass::Doubtful);
        let centred = ZoneShape {
            off_centre: false,
            ..edge
        };
        assert_eq!(classify(0.0149, 0.0, &centred, true), BoxClass::Marked);
        // Pieces that fainter ink joins into a line are a stroke.
        let joined = ZoneShape {
            extent: 6.0,
            ink_mm2: 1.1,
            stroke: 0.8,
            faint_line: 5.0,
            ..ZoneShape::default()
        };
        assert_eq!(classify(0.0135, 0.0, &joined, false), BoxClass::Marked);
    }

    #[test]
    fn a_weak_line_of_the_voters_own_pencil_is_a_mark() {
        // Hard 150-dpi tree, paper 1802: a faint pencil first choice (zone 0.0156, darkness
        // 0.117) and a second choice of the same pencil whose grain broke it at the zone cut
        // (0.0058, darkness 0.101) but joined into a 3.97 mm line at the faint cut.
        let measure = |zone: f32, darkness: f32, faint_line: f32| Measure {
            zone,
            darkness,
            halo: 0.0,
            shape: ZoneShape {
                extent: 7.9,
                ink_mm2: zone * 81.0,
                stroke: 0.99,
                faint_line,
                ..ZoneShape::default()
            },
            edge: None,
            touches: [false; 4],
            bilevel: false,
            top: 0.0,
            bottom: 0.0,
            beside: 0.0,
        };
        let classes = [BoxClass::Marked, BoxClass::Doubtful];
        let read =
            |first: Measure, second: Measure| against_darkest_mark(&classes, &[first, second], 1);
        assert_eq!(
            read(measure(0.0156, 0.117, 0.0), measure(0.0058, 0.101, 3.97)),
            [BoxClass::Marked, BoxClass::Marked]
        );
        // Beside a dark mark the same trace is a rubbed-out one; a short line is pieces.
        for (first, second) in [
            (measure(0.2, 0.4, 0.0), measure(0.0058, 0.101, 3.97)),
            (measure(0.0156, 0.117, 0.0), measure(0.0058, 0.101, 1.7)),
        ] {
            assert_eq!(read(first, second), classes);
        }
        // With no clear mark on the paper there is no pencil to compare with, and a flat
        // line alone may be a crease (`LONE_HEIGHT_MM`).
        let lone = [BoxClass::Doubtful];
        assert_eq!(
            against_darkest_mark(&lone, &[measure(0.0058, 0.101, 3.97)], 1),
            lone
        );
    }

    /// A box's measure with ink in its zone only (no halo, no edge).
    fn zone_only(zone: f32, darkness: f32, shape: ZoneShape, bilevel: bool) -> Measure {
        Measure {
            zone,
            darkness,
            halo: 0.0,
            shape,
            edge: None,
            touches: [false; 4],
            bilevel,
            top: 0.0,
            bottom: 0.0,
            beside: 0.0,
        }
    }

    #[test]
    fn a_faint_tick_between_two_boxes_of_an_unmarked_column_is_uncertain() {
        use BoxClass::{Doubtful, Empty, Marked};
        // Realistic 200-dpi JPEG, seed 2, paper 6330: a pencil tick drawn between rows 7 and
        // 8 of the first-choice column (a one-column paper here) left 0.0035 in row 7's
        // bottom halo, 0.023 in row 8's top halo and a trace in row 8's zone (doubtful).
        let halos = |bottom: f32, top: f32, zone: f32| {
            let mut upper = zone_only(0.0, 0.0, ZoneShape::default(), false);
            upper.bottom = bottom;
            let mut lower = zone_only(zone, 0.2, ZoneShape::default(), false);
            lower.top = top;
            vec![upper, lower]
        };
        let tick = halos(0.0035, 0.023, 0.0067);
        assert_eq!(faint_straddles(&tick, &[Empty, Doubtful], 1, &[]), [(0, 0)]);
        // A gap already found straddled is not listed twice.
        assert!(faint_straddles(&tick, &[Empty, Doubtful], 1, &[(0, 0)]).is_empty());
        // Ink on one facing side only is not a crossing.
        let one_side = halos(0.0, 0.023, 0.0067);
        assert!(faint_straddles(&one_side, &[Empty, Doubtful], 1, &[]).is_empty());
        // Nor is a trace on both sides that nowhere reaches STRADDLE.
        let traces = halos(0.0035, 0.009, 0.0067);
        assert!(faint_straddles(&traces, &[Empty, Doubtful], 1, &[]).is_empty());
        // With no doubtful box beside the gap the stroke is still there: hard 200-dpi G4
        // (seed 2), paper 4795, a cross between the first two second-choice boxes left
        // 0.0036 and 0.025 on the facing sides and nothing in either zone, and was counted
        // as no second choice.
        let clear_zones = halos(0.0036, 0.025, 0.0);
        assert_eq!(
            faint_straddles(&clear_zones, &[Empty, Empty], 1, &[]),
            [(0, 0)]
        );
        // Unless other boxes of the column have halo ink too: a crease or a line down the
        // column crosses every gap it passes.
        let mut down_the_column = clear_zones.clone();
        down_the_column.push(Measure {
            halo: 0.002,
            ..clear_zones[0]
        });
        assert!(faint_straddles(&down_the_column, &[Empty, Empty, Empty], 1, &[]).is_empty());
        // In a column holding a mark (elsewhere: a third row), the weaker evidence does not
        // void it.
        let mut with_mark = tick.clone();
        with_mark.push(zone_only(0.3, 0.5, ZoneShape::default(), false));
        let classes = [Empty, Doubtful, Marked];
        assert!(faint_straddles(&with_mark, &classes, 1, &[]).is_empty());
        // Nor does a weak mark in one of the two boxes (WEAK_MARK or more).
        let weak = halos(0.0035, 0.023, 0.06);
        assert!(faint_straddles(&weak, &[Empty, Doubtful], 1, &[]).is_empty());
        // Two columns: the gap below row 0 of the second column, whose first holds a mark.
        let mut two = vec![zone_only(0.3, 0.5, ZoneShape::default(), false)];
        two.push(tick[0]);
        two.push(zone_only(0.0, 0.0, ZoneShape::default(), false));
        two.push(tick[1]);
        let classes = [Marked, Empty, Empty, Doubtful];
        assert_eq!(faint_straddles(&two, &classes, 2, &[]), [(0, 1)]);
    }

    #[test]
    fn specks_of_dust_apart_in_one_box_are_empty_on_grey() {
        // Hard 200-dpi JPEG (10,000, seed 2), papers 725, 2624, 2760, 5922, 6909 and 8585:
        // two or three specks of dust in one empty box, 1.7-5.9 mm apart, no piece of them
        // over 0.6 mm and no fainter line joining them (0.0037-0.0065 of the zone).
        let specks_of = |bilevel: bool, piece: f32, darkness: f32| {
            let shape = ZoneShape {
                extent: 5.9,
                ink_mm2: 0.33,
                stroke: piece,
                piece,
                faint_line: 0.62,
                ..ZoneShape::default()
            };
            zone_only(0.0041, darkness, shape, bilevel)
        };
        let specks = |bilevel: bool, piece: f32| specks_of(bilevel, piece, 0.24);
        let pen = zone_only(0.25, 0.76, ZoneShape::default(), false);
        let classes = [BoxClass::Marked, BoxClass::Doubtful];
        let read = |m: Measure| against_darkest_mark(&classes, &[pen, m], 1)[1];
        assert_eq!(read(specks(false, 0.62)), BoxClass::Empty);
        assert_eq!(
            read(specks_of(false, 0.62, SPECKS_DARKNESS)),
            BoxClass::Empty
        );
        // Specks as light as a pencil's grain may be all a light tick left (hard 200-dpi
        // JPEG paper 5135: 0.168).
        assert_eq!(read(specks_of(false, 0.62, 0.168)), BoxClass::Doubtful);
        assert_eq!(read(specks_of(false, 0.62, 0.19)), BoxClass::Doubtful);
        // A piece of SPECK_MM or more is a stroke's, not dust: in doubt; so is an unbroken
        // run of it along a row.
        assert_eq!(read(specks(false, 1.1)), BoxClass::Doubtful);
        let mut run = specks(false, 0.62);
        run.shape.stroke = 1.1;
        assert_eq!(read(run), BoxClass::Doubtful);
        // In a column with no clear mark (a Mayor paper's second choice beside the first
        // choice's mark), the specks may be a faint second choice: clearing them would leave
        // it unused with nothing shown to a person.
        let mayor = [
            BoxClass::Marked,
            BoxClass::Empty,
            BoxClass::Empty,
            BoxClass::Doubtful,
        ];
        let empty = zone_only(0.0, 0.0, ZoneShape::default(), false);
        let second = against_darkest_mark(&mayor, &[pen, empty, empty, specks(false, 0.62)], 2);
        assert_eq!(second[3], BoxClass::Doubtful);
        // On a bilevel scan specks apart may be what the threshold left of a faint mark;
        // also in a box that measures grey there, a mark's edge spilling grey into its halo
        // (hard 200-dpi G4, 10,000, seed 2, paper 3828: a pencil cross left specks of
        // 0.0033 beside the column's other mark, and the paper's too many was counted).
        assert_eq!(read(specks(true, 0.62)), BoxClass::Doubtful);
        let g4 = [BoxClass::Marked, BoxClass::Empty, BoxClass::Doubtful];
        let black = zone_only(0.25, 1.0, ZoneShape::default(), true);
        let white = zone_only(0.0, 0.0, ZoneShape::default(), true);
        let on_g4 = against_darkest_mark(&g4, &[black, white, specks(false, 0.62)], 1);
        assert_eq!(on_g4[2], BoxClass::Doubtful);
        // So may a fainter line joining them on grey.
        let mut joined = specks(false, 0.62);
        joined.shape.faint_line = 2.5;
        assert_eq!(read(joined), BoxClass::Doubtful);
    }

    #[test]
    fn a_speck_of_dust_beside_a_clear_mark_is_not_a_mark() {
        // Independent renderer, runs 3-5: heavy dust left specks of 0.1-0.45 mm² in empty
        // boxes of clean papers, and each went to a person. A voter's dot measured 0.9 mm²
        // and more. On a bilevel scan a speck stays in doubt unless its column holds a mark
        // the threshold left standing: there it may be all the threshold left of a faint
        // cross.
        let measure = |zone: f32, extent: f32, bilevel: bool| {
            let shape = ZoneShape {
                extent,
                ink_mm2: zone * 81.0,
                stroke: extent,
                ..ZoneShape::default()
            };
            zone_only(zone, 0.4, shape, bilevel)
        };
        let classes = [BoxClass::Marked, BoxClass::Doubtful];
        let read =
            |mark: Measure, speck: Measure| against_darkest_mark(&classes, &[mark, speck], 1);
        let (pen, broken) = (measure(0.2, 6.0, false), measure(0.017, 1.9, true));
        for mark in [pen, measure(0.2, 6.0, true)] {
            assert_eq!(
                read(mark, measure(0.004, 0.7, mark.bilevel)),
                [BoxClass::Marked, BoxClass::Empty]
            );
        }
        // A pencil mark the threshold broke but left standing: our realistic 150-dpi G4,
        // papers 479, 1595, 1653, 1709 and 1797 (marks of 0.026-0.085) went to a person for
        // dust in their column. Hard 150-dpi G4 paper 134's second tick, kept as a speck of
        // 0.0027 beside one of 0.037, reads the same way: erased, as a person would see it.
        let standing = measure(0.026, 1.9, true);
        assert_eq!(
            read(standing, measure(0.0055, 0.7, true)),
            [BoxClass::Marked, BoxClass::Empty]
        );
        // Not a ghost in pieces beside a solid mark in the other column: that is in doubt,
        // and so is the speck beside it.
        let ghost = in_pieces_of(0.03, 1.0, (0.8, 2.5), 0.0, true);
        let (solid, empty) = (
            in_pieces_of(0.2, 1.0, (6.8, 6.8), 0.0, true),
            measure(0.0, 0.0, true),
        );
        let two_columns = [
            BoxClass::Marked,
            BoxClass::Marked,
            BoxClass::Doubtful,
            BoxClass::Empty,
        ];
        assert_eq!(
            against_darkest_mark(
                &two_columns,
                &[ghost, solid, measure(0.004, 0.7, true), empty],
                2
            ),
            [
                BoxClass::Doubtful,
                BoxClass::Marked,
                BoxClass::Doubtful,
                BoxClass::Empty
            ]
        );
        // A Mayor paper's first choice in a solid stroke vouches for the second-choice
        // column: our hard 200-dpi G4 (seed 94), papers 322 and 1204, sent to a person for
        // a speck there on a paper with no second choice. A first choice the threshold
        // broke (standing by its ink only) does not: the same pencil's second choice may
        // be left as a speck (hard 150-dpi G4, papers 453 and 1267).
        let second_column = [
            BoxClass::Marked,
            BoxClass::Empty,
            BoxClass::Empty,
            BoxClass::Doubtful,
        ];
        let speck = measure(0.003, 0.5, true);
        assert_eq!(
            against_darkest_mark(&second_column, &[solid, empty, empty, speck], 2)[3],
            BoxClass::Empty
        );
        assert_eq!(
            against_darkest_mark(&second_column, &[standing, empty, empty, speck], 2)[3],
            BoxClass::Doubtful
        );
        // Nor does a speck whose own box measures grey on a bilevel page (the speck at the
        // zone's edge, averaged 2 x 2, is grey): hard 200-dpi G4 (seed 2), paper 1538, a
        // tick between two boxes of the second column, uncertain, left 0.0035 at one's edge
        // and was read as no second choice.
        let grey_speck = measure(0.0035, 0.6, false);
        assert_eq!(
            against_darkest_mark(&second_column, &[standing, empty, empty, grey_speck], 2)[3],
            BoxClass::Doubtful
        );
        // Our hard 150-dpi G4, paper 349 (too many): a faint cross broken into runs under
        // 2 mm, and the other cross a 0.5 mm speck.
        for (mark, kept) in [
            (broken, measure(0.004, 0.5, true)),
            (pen, measure(0.0116, 1.2, false)),
            (pen, measure(0.004, 2.5, false)),
        ] {
            assert_eq!(read(mark, kept), classes);
        }
        // A Mayor paper's solid first choice says nothing of a speck in the second column.
        let mayor = [
            BoxClass::Marked,
            BoxClass::Doubtful,
            BoxClass::Empty,
            BoxClass::Empty,
        ];
        let empty = measure(0.0, 0.0, true);
        assert_eq!(
            against_darkest_mark(
                &mayor,
                &[
                    measure(0.2, 6.0, true),
                    measure(0.004, 0.7, true),
                    empty,
                    empty
                ],
                2
            ),
            mayor
        );
        // Alone on a grey paper it leaves the contest unmarked: void, and seen by a person
        // all the same. On a bilevel one it may be all the threshold left of a faint vote.
        for (bilevel, class) in [(false, BoxClass::Empty), (true, BoxClass::Doubtful)] {
            assert_eq!(
                against_darkest_mark(&[BoxClass::Doubtful], &[measure(0.004, 0.7, bilevel)], 1),
                [class]
            );
        }
    }

    /// A zone's ink in pieces: its longest connected piece and unbroken run (mm), and the
    /// fainter line joining them (mm).
    fn in_pieces_of(
        zone: f32,
        darkness: f32,
        (piece, stroke): (f32, f32),
        faint_line: f32,
        bilevel: bool,
    ) -> Measure {
        let shape = ZoneShape {
            extent: 8.0,
            ink_mm2: zone * 81.0,
            stroke,
            piece,
            faint_line,
            ..ZoneShape::default()
        };
        zone_only(zone, darkness, shape, bilevel)
    }

    #[test]
    fn a_mark_in_pieces_beside_a_solid_one_is_in_doubt() {
        // Our hard 150-dpi G4 (seed 93), paper 93: a rubbed-out second choice the threshold
        // left in pieces of 0.83 mm (0.0156) was counted beside a first choice whose cross
        // held together over 6.8 mm.
        let measure = |zone: f32, piece: f32, bilevel: bool| {
            in_pieces_of(zone, 1.0, (piece, piece.max(2.5)), 0.0, bilevel)
        };
        let marked = [BoxClass::Marked, BoxClass::Marked];
        let read = |a: Measure, b: Measure| against_darkest_mark(&marked, &[a, b], 2);
        let (solid, ghost) = (measure(0.18, 6.8, true), measure(0.0156, 0.83, true));
        assert_eq!(read(solid, ghost), [BoxClass::Marked, BoxClass::Doubtful]);
        // Both in pieces: one faint pencil, as the threshold leaves it; both are marks.
        let faint = measure(0.02, 0.68, true);
        assert_eq!(read(faint, ghost), marked);
        // A solid mark and one broken at 2 mm are both whole enough.
        assert_eq!(read(solid, measure(0.03, 2.0, true)), marked);
        // On grey scans, darkness tells a ghost (`LIGHTER_THAN_OTHERS`), not pieces; and a
        // solid mark on grey says nothing of pieces on a bilevel box.
        let grey = |m: Measure| Measure {
            bilevel: false,
            ..m
        };
        assert_eq!(read(grey(solid), grey(ghost)), marked);
        assert_eq!(read(grey(solid), ghost), marked);
        // Unless the page is bilevel, where a solid mark's box measures grey for its edge
        // averaged 2 x 2 in its halo. Hard 200-dpi G4 (seed 2), paper 183: a rubbed-out
        // second choice left specks joined into pieces of 0.64 mm (0.0094) beside a pencil
        // cross of 8.7 mm whose box measured grey, and was counted with no flag.
        let blank = zone_only(0.0, 0.0, ZoneShape::default(), true);
        let page = [grey(solid), measure(0.0094, 0.64, true), blank, blank];
        let classes = [
            BoxClass::Marked,
            BoxClass::Marked,
            BoxClass::Empty,
            BoxClass::Empty,
        ];
        assert_eq!(
            against_darkest_mark(&classes, &page, 2),
            [
                BoxClass::Marked,
                BoxClass::Doubtful,
                BoxClass::Empty,
                BoxClass::Empty
            ]
        );
    }

    #[test]
    fn specks_joined_by_fainter_ink_are_in_doubt_beside_a_darker_mark() {
        // Hard 200-dpi JPEG (seed 2), paper 7110: a first choice in light, thin pencil
        // (darkness 0.151) and a fill rubbed out in row 8 that the noise broke into specks of
        // 0.37 mm (0.0174), joined by fainter ink over 8.8 mm, darkness 0.109: 0.72 of the
        // first choice, over `GHOST_RATIO`, and it was counted as the second choice.
        let measure = |zone: f32, darkness: f32, piece: f32| {
            in_pieces_of(zone, darkness, (piece, piece.max(0.87)), 8.8, false)
        };
        let marked = [BoxClass::Marked, BoxClass::Marked];
        let read = |a: Measure, b: Measure| against_darkest_mark(&marked, &[a, b], 2);
        let (first, ghost) = (measure(0.1017, 0.151, 8.5), measure(0.0174, 0.109, 0.37));
        assert_eq!(read(first, ghost), [BoxClass::Marked, BoxClass::Doubtful]);
        // As dark as the other mark (`SAME_PENCIL`), it is that voter's grainy pencil; and
        // alone on the paper there is nothing to compare it with.
        assert_eq!(read(first, measure(0.0174, 0.125, 0.37)), marked);
        assert_eq!(
            against_darkest_mark(&[BoxClass::Marked], &[ghost], 1),
            [BoxClass::Marked]
        );
        // Whole strokes as light are left to `GHOST_RATIO`.
        assert_eq!(read(first, measure(0.0174, 0.109, 2.0)), marked);
        // Hard 200-dpi JPEG (seed 94), paper 1493: a rubbed-out cross left pieces of 0.62 mm
        // (runs of 1.12 mm, 0.0188) at darkness 0.162 beside a first choice of 0.277: just
        // over `GHOST_DARKNESS` and `PIECE_MIN_MM`, and it was counted as the second choice.
        let cross = in_pieces_of(0.1223, 0.277, (8.2, 8.6), 0.0, false);
        let rubbed = |piece: f32| in_pieces_of(0.0188, 0.162, (piece, 1.12), 0.0, false);
        assert_eq!(
            read(cross, rubbed(0.62)),
            [BoxClass::Marked, BoxClass::Doubtful]
        );
        // A line as light that holds together is the voter's.
        assert_eq!(read(cross, rubbed(1.1)), marked);
    }

    #[test]
    fn a_faint_pencil_mark_alone_on_the_paper_is_a_vote_but_a_flat_line_is_not() {
        // Independent renderer, run 5, paper 400 (150-dpi JPEG): a light pencil "1" alone on
        // the paper, and our hard 150-dpi JPEG (seed 98), papers 144 and 530: ticks and crosses
        // in light pencil scoring 0.007 at darkness 0.11-0.12, with faint lines of 3.3-5.4
        // mm. Each went to a person as unmarked.
        let faint = |line: f32, height: f32| {
            let shape = ZoneShape {
                extent: 5.6,
                ink_mm2: 0.6,
                stroke: 0.7,
                piece: 0.7,
                faint_line: line,
                faint_height: height,
                ..ZoneShape::default()
            };
            zone_only(0.0074, 0.12, shape, false)
        };
        let empty = zone_only(0.0, 0.0, ZoneShape::default(), false);
        let read = |m: Measure, other: BoxClass| {
            against_darkest_mark(&[BoxClass::Doubtful, other], &[m, empty], 1)[0]
        };
        assert_eq!(read(faint(3.3, 3.0), BoxClass::Empty), BoxClass::Marked);
        // A crease across the box (our hard 150-dpi JPEG: lines 0.5-1.4 mm high) stays in
        // doubt, as does a line too short to be a stroke, or one with too little ink at the
        // zone cut (under `EMPTY_BELOW`).
        assert_eq!(read(faint(8.9, 1.4), BoxClass::Empty), BoxClass::Doubtful);
        assert_eq!(read(faint(2.2, 2.2), BoxClass::Empty), BoxClass::Doubtful);
        let trace = Measure {
            zone: 0.002,
            ..faint(3.3, 3.0)
        };
        assert_eq!(read(trace, BoxClass::Empty), BoxClass::Doubtful);
        // Anything else on the paper in doubt (a rubbed-out mark beside the new one, ink
        // beside a box) leaves the light line in doubt too.
        assert_eq!(
            read(faint(3.3, 3.0), BoxClass::Doubtful),
            BoxClass::Doubtful
        );
        // On a bilevel scan no fainter ink is searched, and nothing is promoted.
        let bilevel = Measure {
            bilevel: true,
            ..faint(3.3, 3.0)
        };
        assert_eq!(read(bilevel, BoxClass::Empty), BoxClass::Doubtful);
    }

    #[test]
    fn a_large_cross_running_into_the_next_box_halo_leaves_it_empty() {
        // Hard 150-dpi G4, seed 77, paper 1683: a 1.7 mm felt-pen cross in row 3 ran over
        // the rules into the halos of rows 2 (0.016) and 4 (0.013), whose zones were empty;
        // the paper was flagged uncertain. One column of three boxes, the cross in the middle.
        let boxes = |middle_touches: [bool; 4], upper_bottom: f32, middle_top: f32| {
            let empty = |top: f32, bottom: f32| Measure {
                zone: 0.0,
                darkness: 0.0,
                halo: top.max(bottom) / 3.0 + 0.01,
                shape: ZoneShape::default(),
                edge: None,
                touches: [false; 4],
                bilevel: true,
                top,
                bottom,
                beside: 0.0,
            };
            let cross = Measure {
                zone: 0.5,
                darkness: 1.0,
                halo: 0.14,
                shape: ZoneShape {
                    extent: 9.0,
                    ink_mm2: 40.0,
                    stroke: 9.0,
                    ..ZoneShape::default()
                },
                edge: None,
                touches: middle_touches,
                bilevel: true,
                top: middle_top,
                bottom: 0.2,
                beside: 0.1,
            };
            [empty(0.0, upper_bottom), cross, empty(0.04, 0.0)]
        };
        let classes = vec![BoxClass::Doubtful, BoxClass::Marked, BoxClass::Doubtful];
        let read = |m: &[Measure; 3]| clear_of_overshoot(classes.clone(), m, 1);
        let fills = [true; 4];
        assert_eq!(
            read(&boxes(fills, 0.05, 0.2)),
            [BoxClass::Empty, BoxClass::Marked, BoxClass::Empty]
        );
        // More ink beside the upper box than the cross leaves on its own side: a mark there.
        assert_eq!(
            read(&boxes(fills, 0.05, 0.03)),
            [BoxClass::Doubtful, BoxClass::Marked, BoxClass::Empty]
        );
        // A mark that keeps to the half facing the upper box is centred in the gap: a
        // straddle, for a person.
        let facing_half = [true, false, true, true];
        assert_eq!(read(&boxes(facing_half, 0.05, 0.2)), classes);
    }

    #[test]
    fn a_weak_mark_at_an_edge_with_ink_beyond_it_spills() {
        // Independent renderer, run 2, paper 363: a light pencil stroke across the gap below
        // row 0 scored 0.016 in the bottom half of row 0's zone. The whole halo (0.0041) was
        // under 0.3 of that, but the ink beyond the bottom edge was not.
        let at_edge = |edge_halo| ZoneShape {
            extent: 8.0,
            ink_mm2: 1.3,
            stroke: 6.0,
            piece: 6.0,
            edge_halo,
            ..ZoneShape::default()
        };
        assert_eq!(
            classify(0.016, 0.0041, &at_edge(0.0), false),
            BoxClass::Marked
        );
        assert_eq!(
            classify(0.016, 0.0041, &at_edge(0.012), false),
            BoxClass::Doubtful
        );
        // A clear mark overshooting its box is still a mark.
        assert_eq!(
            classify(0.08, 0.02, &at_edge(0.05), false),
            BoxClass::Marked
        );
    }

    #[test]
    fn a_small_weak_mark_at_an_edge_with_ink_beyond_it_is_a_stroke_tip() {
        // Hard 200-dpi G4, seed 111, paper 214: an 18 mm cross between rows 8 and 9 of the
        // second-choice column left 0.0086 in a 1.9 mm tip at row 8's outer edge, and
        // 0.0022 beyond it: under the spill ratio, and no neighbour box on that side.
        let tip = |extent, edge_halo| ZoneShape {
            extent,
            ink_mm2: 0.69,
            stroke: 1.3,
            piece: 1.3,
            edge_halo,
            ..ZoneShape::default()
        };
        assert_eq!(
            classify(0.0086, 0.001, &tip(1.9, 0.0022), false),
            BoxClass::Doubtful
        );
        // The same ink with nothing beyond the edge is the voter's small mark.
        assert_eq!(
            classify(0.0086, 0.001, &tip(1.9, 0.0), false),
            BoxClass::Marked
        );
        // A mark across most of the zone is not a tip.
        assert_eq!(
            classify(0.0086, 0.001, &tip(4.0, 0.0022), false),
            BoxClass::Marked
        );
    }

    #[test]
    fn a_clear_mark_overshooting_into_an_empty_box_margin_does_not_straddle() {
        // Realistic 150-dpi bilevel corpus, paper 1799: a large cross in row 3 whose arm ran
        // over the rule into row 2's bottom margin; row 2's zone was empty.
        assert!(!straddles(0.012, 0.05, 0.0, 0.21));
        assert!(!straddles(0.05, 0.012, 0.21, 0.0));
        // With ink in both zones it is for a person to judge.
        assert!(straddles(0.012, 0.05, 0.004, 0.21));
    }

    proptest! {
        #[test]
        fn quantiles_match_sorting(samples in prop::collection::vec(any::<u8>(), 1..400), q in 0.0f64..1.0) {
            let h = histogram(&samples);
            prop_assert_eq!(hist_quantile(&h, samples.len(), q), quantile_by_sorting(&samples, q));
        }

        #[test]
        fn mad_matches_sorting(samples in prop::collection::vec(200u8..=255, 1..400), centre in 200u8..=255) {
            let h = histogram(&samples);
            let dev: Vec<u8> = samples.iter().map(|&v| v.abs_diff(centre)).collect();
            let expected = 1.4826 * quantile_by_sorting(&dev, 0.5);
            prop_assert_eq!(mad_sigma(&h, samples.len(), f64::from(centre)), expected);
        }
    }
}
