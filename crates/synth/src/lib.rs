//! Renders ballot papers exactly to the spec, with voters' marks and scanner effects, and their ground truth
