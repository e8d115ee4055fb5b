//! The activity-over-time chart, drawn with plotters on an HTML canvas.
//!
//! plotters-canvas 0.3.1 draws only on an `HtmlCanvasElement`, so this runs on the page's
//! main thread with the aggregates that the worker sent. Packets per bucket are bars on the
//! left axis, and connections started per bucket are a line on the right axis. Times on the
//! x axis are UTC, because captures carry UTC timestamps and analysts compare them across
//! time zones.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use serde::Deserialize;
use web_sys::HtmlCanvasElement;

/// The `activity` part of a report, as the page passes it back.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActivityView {
    /// Width of every bucket, in seconds.
    pub bucket_secs: f64,
    /// The buckets, oldest first.
    pub buckets: Vec<BucketView>,
}

/// One bucket of [`ActivityView`].
#[derive(Clone, Debug, Default, Deserialize)]
pub struct BucketView {
    /// Start of the bucket, seconds since the epoch.
    pub start: f64,
    /// Packets seen in the bucket.
    pub packets: f64,
    /// Connections whose first packet falls in the bucket.
    pub connections: f64,
}

/// Colour of the packet bars.
const PACKETS_COLOUR: RGBColor = RGBColor(46, 109, 164);
/// Colour of the connections line.
const CONNECTIONS_COLOUR: RGBColor = RGBColor(204, 85, 0);
/// Colour of the grid lines.
const GRID_COLOUR: RGBColor = RGBColor(225, 225, 225);
/// Tick marks per axis, at most.
const MAX_TICKS: f64 = 6.0;

type Area = DrawingArea<CanvasBackend, Shift>;
type DrawResult = Result<(), DrawingAreaErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>;

/// Draws the chart on the whole canvas, or a "no packets" note when there are no buckets.
///
/// Text is placed with explicit anchors and never measured: plotters measures text on the
/// web by adding a `<span>` with an inline `style` attribute, which the page's
/// Content-Security-Policy (`style-src 'self'`) blocks. So there is no plotters caption or
/// mesh; ticks, grid and labels are drawn here.
pub fn draw(canvas: HtmlCanvasElement, activity: &ActivityView) -> Result<(), String> {
    let scale = web_sys::window().map(|window| window.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("the canvas has no 2d context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|error| error.to_string())?;

    let width_valid = activity.bucket_secs.is_finite() && activity.bucket_secs > 0.0;
    if activity.buckets.is_empty() || !width_valid {
        let style = ("sans-serif", 16.0 * scale).into_font().color(&BLACK).pos(Pos::new(HPos::Left, VPos::Top));
        root.draw_text("No packets to chart", &style, (20, 20)).map_err(|error| error.to_string())?;
        return root.present().map_err(|error| error.to_string());
    }
    draw_buckets(&root, activity, scale).map_err(|error| error.to_string())?;
    root.present().map_err(|error| error.to_string())
}

/// Draws the grid, the packet bars, the connections line and all text.
fn draw_buckets(root: &Area, activity: &ActivityView, scale: f64) -> DrawResult {
    let width = activity.bucket_secs;
    let first = activity.buckets[0].start;
    let end = activity.buckets[activity.buckets.len() - 1].start + width;
    let max_packets = activity.buckets.iter().map(|b| b.packets).fold(1.0, f64::max) * 1.1;
    let max_connections = activity.buckets.iter().map(|b| b.connections).fold(1.0, f64::max) * 1.1;

    // Margins grow with the device pixel ratio, because the canvas is sized in device pixels.
    let px = |value: f64| (value * scale) as u32;
    let mut chart = ChartBuilder::on(root)
        .margin_top(px(30.0))
        .margin_left(px(10.0))
        .margin_right(px(10.0))
        .x_label_area_size(px(40.0))
        .y_label_area_size(px(70.0))
        .right_y_label_area_size(px(70.0))
        .build_cartesian_2d(first..end, 0.0..max_packets)?
        .set_secondary_coord(first..end, 0.0..max_connections);

    let x_ticks = time_ticks(first, end);
    let y_ticks = value_ticks(max_packets);
    let grid = ShapeStyle::from(&GRID_COLOUR).stroke_width(1);
    chart.draw_series(x_ticks.iter().map(|&x| PathElement::new(vec![(x, 0.0), (x, max_packets)], grid)))?;
    chart.draw_series(y_ticks.iter().map(|&y| PathElement::new(vec![(first, y), (end, y)], grid)))?;

    chart.draw_series(activity.buckets.iter().filter(|b| b.packets > 0.0).map(|b| {
        Rectangle::new([(b.start, 0.0), (b.start + width, b.packets)], PACKETS_COLOUR.filled())
    }))?;
    let line_style = ShapeStyle::from(&CONNECTIONS_COLOUR).stroke_width(px(2.0).max(1));
    chart.draw_secondary_series(LineSeries::new(
        activity.buckets.iter().map(|b| (b.start + width / 2.0, b.connections)),
        line_style,
    ))?;
    let frame = ShapeStyle::from(&BLACK).stroke_width(1);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(first, max_packets), (first, 0.0), (end, 0.0), (end, max_packets)],
        frame,
    )))?;

    let place = |x: f64, y: f64| chart.backend_coord(&(x, y));
    let place_right = |y: f64| chart.borrow_secondary().backend_coord(&(end, y));
    let labels = Labels { root, scale };
    labels.x_axis(&x_ticks, end - first, &place)?;
    labels.y_axes(&y_ticks, &value_ticks(max_connections), &place, &place_right, first)?;
    labels.caption(first, width)
}

/// Text on the chart, placed at pixel positions with anchors.
struct Labels<'a> {
    root: &'a Area,
    scale: f64,
}

impl Labels<'_> {
    fn style(&self, size: f64, h: HPos, v: VPos, colour: &RGBColor) -> TextStyle<'static> {
        ("sans-serif", size * self.scale).into_font().color(colour).pos(Pos::new(h, v))
    }

    /// Draws the time labels under the plot.
    fn x_axis(&self, ticks: &[f64], span: f64, place: &dyn Fn(f64, f64) -> (i32, i32)) -> DrawResult {
        let style = self.style(12.0, HPos::Center, VPos::Top, &BLACK);
        for &tick in ticks {
            let (x, y) = place(tick, 0.0);
            self.root.draw_text(&format_utc(tick, span), &style, (x, y + (6.0 * self.scale) as i32))?;
        }
        Ok(())
    }

    /// Draws packet counts on the left axis and connection counts on the right, each in its
    /// series' colour.
    fn y_axes(
        &self,
        left: &[f64],
        right: &[f64],
        place: &dyn Fn(f64, f64) -> (i32, i32),
        place_right: &dyn Fn(f64) -> (i32, i32),
        first: f64,
    ) -> DrawResult {
        let gap = (6.0 * self.scale) as i32;
        let left_style = self.style(12.0, HPos::Right, VPos::Center, &PACKETS_COLOUR);
        for &tick in left {
            let (x, y) = place(first, tick);
            self.root.draw_text(&format_count(tick), &left_style, (x - gap, y))?;
        }
        let right_style = self.style(12.0, HPos::Left, VPos::Center, &CONNECTIONS_COLOUR);
        for &tick in right {
            let (x, y) = place_right(tick);
            self.root.draw_text(&format_count(tick), &right_style, (x + gap, y))?;
        }
        Ok(())
    }

    /// Draws the title line above the plot, which names both series and the bucket width.
    fn caption(&self, first: f64, width: f64) -> DrawResult {
        let text = format!(
            "Packets (bars, left axis) and new connections (line, right axis) per {}, from {} UTC",
            format_width(width),
            format_utc(first, f64::MAX)
        );
        let style = self.style(13.0, HPos::Left, VPos::Top, &BLACK);
        self.root.draw_text(&text, &style, ((10.0 * self.scale) as i32, (8.0 * self.scale) as i32))
    }
}

/// Returns tick positions at a round time step (1 s up to whole days) inside `first..end`.
pub fn time_ticks(first: f64, end: f64) -> Vec<f64> {
    const STEPS: [f64; 17] = [
        1.0, 2.0, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 900.0, 1_800.0, 3_600.0, 7_200.0, 10_800.0,
        21_600.0, 43_200.0,
    ];
    let span = (end - first).max(1.0);
    let step = STEPS
        .iter()
        .copied()
        .find(|step| span / step <= MAX_TICKS)
        .unwrap_or_else(|| (span / MAX_TICKS / 86_400.0).ceil() * 86_400.0);
    ticks_between(first, end, step)
}

/// Returns ticks at 1, 2 or 5 times a power of ten, from 0 up to `max`.
pub fn value_ticks(max: f64) -> Vec<f64> {
    let raw = (max / MAX_TICKS).max(1.0);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * power).find(|step| *step >= raw).unwrap_or(10.0 * power);
    ticks_between(0.0, max, step)
}

fn ticks_between(first: f64, end: f64, step: f64) -> Vec<f64> {
    let mut tick = (first / step).ceil() * step;
    let mut ticks = Vec::new();
    while tick <= end && ticks.len() < 100 {
        ticks.push(tick);
        tick += step;
    }
    ticks
}

/// Formats a bucket width in the largest whole unit: `5 s`, `10 min`, `3 h`, `2 d`.
pub fn format_width(secs: f64) -> String {
    let units = [(86_400.0, "d"), (3_600.0, "h"), (60.0, "min")];
    for (size, unit) in units {
        if secs >= size && secs % size == 0.0 {
            return format!("{} {unit}", secs / size);
        }
    }
    format!("{secs} s")
}

/// Formats a tick value: whole numbers, with k and M for thousands and millions.
pub fn format_count(value: f64) -> String {
    if value >= 1e6 {
        format!("{}M", value / 1e6)
    } else if value >= 1e4 {
        format!("{}k", value / 1e3)
    } else {
        format!("{value}")
    }
}

/// Formats epoch seconds in UTC. `span` is the chart's range in seconds: under two days
/// gives the time of day, more gives the date, and `f64::MAX` gives both.
pub fn format_utc(secs: f64, span: f64) -> String {
    let whole = secs.floor() as i64;
    let days = whole.div_euclid(86_400);
    let of_day = whole.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let clock = format!("{:02}:{:02}:{:02}", of_day / 3_600, of_day % 3_600 / 60, of_day % 60);
    if span == f64::MAX {
        format!("{year:04}-{month:02}-{day:02} {clock}")
    } else if span < 2.0 * 86_400.0 {
        clock
    } else {
        format!("{year:04}-{month:02}-{day:02}")
    }
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day), counting in
/// 400-year eras of 146,097 days.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days since 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 = March
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_from_days_known_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
    }

    #[test]
    fn format_utc_by_span() {
        // 2011-03-18 19:06:07 UTC.
        let secs = 1_300_475_167.5;
        assert_eq!(format_utc(secs, 60.0), "19:06:07");
        assert_eq!(format_utc(secs, 5.0 * 86_400.0), "2011-03-18");
        assert_eq!(format_utc(secs, f64::MAX), "2011-03-18 19:06:07");
    }

    #[test]
    fn time_ticks_round_step() {
        // 100 s from 1000 s: 30 s steps put at most 6 ticks in the range.
        assert_eq!(time_ticks(1_000.0, 1_100.0), vec![1_020.0, 1_050.0, 1_080.0]);
    }

    #[test]
    fn value_ticks_one_two_five() {
        assert_eq!(value_ticks(11.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(value_ticks(1.1), vec![0.0, 1.0]);
        assert_eq!(value_ticks(550.0), vec![0.0, 100.0, 200.0, 300.0, 400.0, 500.0]);
    }

    #[test]
    fn format_width_units() {
        assert_eq!(format_width(1.0), "1 s");
        assert_eq!(format_width(300.0), "5 min");
        assert_eq!(format_width(10_800.0), "3 h");
        assert_eq!(format_width(172_800.0), "2 d");
        assert_eq!(format_width(90.0), "90 s");
    }

    #[test]
    fn format_count_units() {
        assert_eq!(format_count(20.0), "20");
        assert_eq!(format_count(50_000.0), "50k");
        assert_eq!(format_count(2_000_000.0), "2M");
    }
}
