//! The activity-over-time chart, drawn with plotters on an HTML canvas.
//!
//! plotters-canvas 0.3.1 draws only on an `HtmlCanvasElement`, so this runs on the page's
//! main thread with the aggregates that the worker sent. Packets per bucket are bars on the
//! left axis, and connections started per bucket are a line on the right axis. Times on the
//! x axis are UTC, because captures carry UTC timestamps and analysts compare them across
//! time zones.

use plotters::coord::Shift;
use plotters::prelude::*;
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

/// Draws the chart on the whole canvas, or a "no packets" note when there are no buckets.
pub fn draw(canvas: HtmlCanvasElement, activity: &ActivityView) -> Result<(), String> {
    let scale = web_sys::window().map(|window| window.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
    let backend = CanvasBackend::with_canvas_object(canvas).ok_or("the canvas has no 2d context")?;
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(|error| error.to_string())?;

    if activity.buckets.is_empty() || !(activity.bucket_secs > 0.0) {
        let style = ("sans-serif", 16.0 * scale).into_font().color(&BLACK);
        root.draw_text("No packets to chart", &style, (20, 20)).map_err(|error| error.to_string())?;
        return root.present().map_err(|error| error.to_string());
    }
    draw_buckets(&root, activity, scale).map_err(|error| error.to_string())?;
    root.present().map_err(|error| error.to_string())
}

/// Draws the axes, the packet bars and the connections line.
fn draw_buckets(
    root: &DrawingArea<CanvasBackend, Shift>,
    activity: &ActivityView,
    scale: f64,
) -> Result<(), DrawingAreaErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>> {
    let width = activity.bucket_secs;
    let first = activity.buckets[0].start;
    let end = activity.buckets[activity.buckets.len() - 1].start + width;
    let max_packets = activity.buckets.iter().map(|b| b.packets).fold(1.0, f64::max);
    let max_connections = activity.buckets.iter().map(|b| b.connections).fold(1.0, f64::max);
    let span = end - first;
    let format_x = |secs: &f64| format_utc(*secs, span);

    // Margins and fonts grow with the device pixel ratio, because the canvas is sized in
    // device pixels.
    let font = (12.0 * scale) as u32;
    let mut chart = ChartBuilder::on(root)
        .margin((10.0 * scale) as u32)
        .caption(format!("Activity from {} UTC, {} s buckets", format_utc(first, f64::MAX), width), ("sans-serif", font + 2))
        .x_label_area_size((30.0 * scale) as u32)
        .y_label_area_size((60.0 * scale) as u32)
        .right_y_label_area_size((60.0 * scale) as u32)
        .build_cartesian_2d(first..end, 0.0..max_packets * 1.1)?
        .set_secondary_coord(first..end, 0.0..max_connections * 1.1);

    chart
        .configure_mesh()
        .x_labels(6)
        .x_label_formatter(&format_x)
        .y_desc("packets")
        .label_style(("sans-serif", font))
        .draw()?;
    chart.configure_secondary_axes().y_desc("new connections").label_style(("sans-serif", font)).draw()?;

    chart.draw_series(activity.buckets.iter().filter(|b| b.packets > 0.0).map(|b| {
        Rectangle::new([(b.start, 0.0), (b.start + width, b.packets)], PACKETS_COLOUR.filled())
    }))?;
    let line_style = ShapeStyle::from(&CONNECTIONS_COLOUR).stroke_width((2.0 * scale) as u32);
    chart.draw_secondary_series(LineSeries::new(
        activity.buckets.iter().map(|b| (b.start + width / 2.0, b.connections)),
        line_style,
    ))?;
    Ok(())
}

/// Formats epoch seconds in UTC: the time of day when the chart spans under two days,
/// otherwise the date (`span` is the chart's range in seconds; `f64::MAX` gives both).
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
}
