//! The frame that the host views' time charts share: a time axis in UTC, one count axis,
//! grid lines, tick labels and the plot area's position for the page.
//!
//! A *time chart* plots counts per bucket of a profile's grid. Times arrive as integer
//! nanoseconds (read by JavaScript into `f64`) and are plotted in seconds since the epoch.
//! As in [`crate::chart`], no text is measured, because plotters measures text on the web
//! with an inline `style` attribute that the page's Content-Security-Policy blocks. So
//! every label is placed with an anchor, and captions and legends are HTML next to the
//! canvas.

use super::plot::GRID_COLOUR;
pub use super::plot::Canvas;
use crate::chart::{format_utc, time_ticks, value_ticks};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use plotters_canvas::CanvasBackend;
use serde::{Deserialize, Serialize};

/// Nanoseconds per second, for the profile's integer-nanosecond times.
pub const NANOS_PER_SEC: f64 = 1e9;

/// Room for a label right of its mark, in CSS pixels. A mark nearer the plot's right edge
/// gets its label on the left. The value is an estimate of the widest label at 11 px.
const RIGHT_LABEL_ROOM: f64 = 160.0;

pub type Chart<'a> = ChartContext<'a, CanvasBackend, Cartesian2d<RangedCoordf64, RangedCoordf64>>;
pub type DrawError = DrawingAreaErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>;

/// A profile's bucket layout, as the page passes it back.
#[derive(Clone, Copy, Debug, Default, Deserialize)]
pub struct GridView {
    /// Start of the first bucket, nanoseconds since the epoch.
    pub start: f64,
    /// Width of every bucket, in seconds.
    pub bucket_secs: f64,
    /// Number of buckets.
    pub buckets: usize,
}

impl GridView {
    /// Returns the start of the grid, in seconds.
    pub fn first_secs(&self) -> f64 {
        self.start / NANOS_PER_SEC
    }

    /// Returns the end of the last bucket, in seconds.
    pub fn end_secs(&self) -> f64 {
        self.first_secs() + self.bucket_secs * self.buckets as f64
    }

    /// Returns true if and only if the grid has buckets of a positive, finite width.
    pub fn is_drawable(&self) -> bool {
        self.buckets > 0 && self.bucket_secs.is_finite() && self.bucket_secs > 0.0 && self.start.is_finite()
    }
}

/// The position of a drawn plot, returned to the page so that it can turn a mouse position
/// into a time. Pixels are canvas pixels (device pixels), not CSS pixels.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct PlotArea {
    /// Left edge of the plot area, in canvas pixels.
    pub left: i32,
    /// Right edge of the plot area, in canvas pixels.
    pub right: i32,
    /// Top edge of the plot area, in canvas pixels.
    pub top: i32,
    /// Bottom edge of the plot area, in canvas pixels.
    pub bottom: i32,
    /// Time at the left edge, seconds since the epoch.
    pub from: f64,
    /// Time at the right edge, seconds since the epoch.
    pub to: f64,
    /// Buckets or series points drawn; 0 when the chart shows only a note.
    pub drawn: usize,
}

impl Canvas {
    /// Builds a chart over `first..end` seconds and `0..max` counts. `top` is the room
    /// above the plot, in CSS pixels, for marks' labels.
    pub fn chart(&self, first: f64, end: f64, max: f64, top: f64) -> Result<Chart<'_>, DrawError> {
        let px = |css: f64| self.px(css).max(0) as u32;
        ChartBuilder::on(&self.root)
            .margin_top(px(top))
            .margin_left(px(10.0))
            .margin_right(px(20.0))
            .x_label_area_size(px(40.0))
            .y_label_area_size(px(60.0))
            .build_cartesian_2d(first..end, 0.0..max)
    }

    /// Draws the grid lines under the data: one per time tick and one per count tick.
    pub fn grid(&self, chart: &mut Chart<'_>, first: f64, end: f64, max: f64) -> Result<(), DrawError> {
        let style = ShapeStyle::from(&GRID_COLOUR).stroke_width(1);
        let x_ticks = time_ticks(first, end);
        chart.draw_series(x_ticks.iter().map(|&x| PathElement::new(vec![(x, 0.0), (x, max)], style)))?;
        let y_ticks = value_ticks(max);
        chart.draw_series(y_ticks.iter().map(|&y| PathElement::new(vec![(first, y), (end, y)], style)))?;
        Ok(())
    }

    /// Draws the frame and the tick labels over the data: UTC times under the plot and
    /// counts on its left.
    pub fn axes(&self, chart: &mut Chart<'_>, first: f64, end: f64, max: f64) -> Result<(), DrawError> {
        let frame = ShapeStyle::from(&BLACK).stroke_width(1);
        let outline = vec![(first, max), (first, 0.0), (end, 0.0), (end, max), (first, max)];
        chart.draw_series(std::iter::once(PathElement::new(outline, frame)))?;

        let gap = self.px(6.0);
        let below = self.font(12.0, HPos::Center, VPos::Top, &BLACK);
        for tick in time_ticks(first, end) {
            let (x, y) = chart.backend_coord(&(tick, 0.0));
            self.root.draw_text(&format_utc(tick, end - first), &below, (x, y + gap))?;
        }
        let left = self.font(12.0, HPos::Right, VPos::Center, &BLACK);
        for tick in value_ticks(max) {
            let (x, y) = chart.backend_coord(&(first, tick));
            self.root.draw_text(&format!("{tick}"), &left, (x - gap, y))?;
        }
        Ok(())
    }

    /// Draws a vertical line at `at` seconds across the plot, with `label` above the plot in
    /// label row `row` (rows are 14 CSS pixels apart, counted up from the plot's top).
    /// Does nothing when `at` lies outside `first..=end`.
    pub fn mark(&self, chart: &mut Chart<'_>, at: f64, max: f64, mark: &Mark<'_>) -> Result<(), DrawError> {
        let (first, end) = (chart.x_range().start, chart.x_range().end);
        if !(first..=end).contains(&at) {
            return Ok(());
        }
        let style = ShapeStyle::from(mark.colour).stroke_width(self.px(mark.width).max(1) as u32);
        chart.draw_series(std::iter::once(PathElement::new(vec![(at, 0.0), (at, max)], style)))?;
        if let Some(label) = mark.label {
            let (x, top) = chart.backend_coord(&(at, max));
            let y = top - self.px(4.0 + 14.0 * mark.row as f64);

            // A label near the right edge goes on the line's left, so the canvas does not cut it.
            let (right, _) = chart.backend_coord(&(end, max));
            let (anchor, shift) = if right - x < self.px(RIGHT_LABEL_ROOM) {
                (HPos::Right, -self.px(2.0))
            } else {
                (HPos::Left, self.px(2.0))
            };
            let style = self.font(11.0, anchor, VPos::Bottom, mark.colour);
            self.root.draw_text(label, &style, (x + shift, y))?;
        }
        Ok(())
    }
}

/// A vertical mark on a time chart.
pub struct Mark<'a> {
    /// Text above the plot, or none for a line alone.
    pub label: Option<&'a str>,
    /// Label row, 0 nearest the plot.
    pub row: usize,
    /// Line and label colour.
    pub colour: &'a RGBColor,
    /// Line width in CSS pixels.
    pub width: f64,
}

/// Returns the plot area of a chart with its time range and the number of items drawn.
pub fn plot_area(chart: &Chart<'_>, drawn: usize) -> PlotArea {
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    PlotArea {
        left: xs.start,
        right: xs.end,
        top: ys.start,
        bottom: ys.end,
        from: chart.x_range().start,
        to: chart.x_range().end,
        drawn,
    }
}

/// Returns the count axis's upper end: 10% above the largest value, at least 1.
pub fn count_axis_max(largest: f64) -> f64 {
    largest.max(1.0) * 1.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_view_range_in_seconds() {
        let grid = GridView { start: 1_785_139_200e9, bucket_secs: 3_600.0, buckets: 180 };
        assert_eq!(grid.first_secs(), 1_785_139_200.0);
        assert_eq!(grid.end_secs(), 1_785_139_200.0 + 180.0 * 3_600.0);
        assert!(grid.is_drawable());
    }

    #[test]
    fn grid_view_without_buckets_not_drawable() {
        assert!(!GridView { start: 0.0, bucket_secs: 60.0, buckets: 0 }.is_drawable());
        assert!(!GridView { start: 0.0, bucket_secs: 0.0, buckets: 3 }.is_drawable());
        assert!(!GridView { start: f64::NAN, bucket_secs: 60.0, buckets: 3 }.is_drawable());
    }

    #[test]
    fn count_axis_max_leaves_headroom() {
        assert_eq!(count_axis_max(0.0), 1.1);
        assert_eq!(count_axis_max(100.0), 110.00000000000001);
    }
}
