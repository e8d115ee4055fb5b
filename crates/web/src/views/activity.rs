//! The host's activity over time: events per bucket stacked by event type, drawn from the
//! `activity` part of a profile.
//!
//! Weekend buckets are shaded, findings about the host are marked where they start, and the
//! drop-off view's "went silent" time is marked when the page passes one. When the page
//! requests the comparison, the host's totals without the port filter (`without_port`) are
//! drawn as a black step outline over the stacked bars. Each event type keeps one colour
//! wherever it is shown, so the page's legend takes its swatches from [`event_type_colour`].

use super::timechart::{count_axis_max, plot_area, Canvas, Chart, DrawError, GridView, Mark, NANOS_PER_SEC};
use plotters::prelude::*;
use serde::Deserialize;
use std::collections::BTreeMap;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;
use wormscope_core::events::EventType;

/// The `activity` part of a profile, as the page passes it back.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct HostActivity {
    pub grid: GridView,
    /// Event types present, in the order the bars stack them (bottom first).
    pub event_types: Vec<String>,
    pub buckets: Vec<TypedBucket>,
    /// The same buckets without the port filter; null when no port is chosen.
    #[serde(default)]
    pub without_port: Option<Vec<TypedBucket>>,
    #[serde(default)]
    pub findings: Vec<FindingMark>,
}

/// One bucket of [`HostActivity`].
#[derive(Clone, Debug, Default, Deserialize)]
pub struct TypedBucket {
    /// Start of the bucket, nanoseconds since the epoch.
    pub start: f64,
    /// True if and only if the bucket starts on a Saturday or Sunday, UTC.
    pub weekend: bool,
    /// Events in the bucket.
    pub total: f64,
    /// Events in the bucket by event type name.
    pub by_type: BTreeMap<String, f64>,
}

/// A finding about the host, placed at its start.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct FindingMark {
    /// The rule's name, e.g. `NeverBeforeSeen`.
    pub kind: String,
    /// Start of the finding, nanoseconds since the epoch.
    pub start: f64,
}

/// Options for the outline and marks drawn over the bars.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ActivityOptions {
    /// Draws the totals without the port filter as an outline, when the profile has them.
    #[serde(default)]
    pub compare: bool,
    /// The time every source went silent about the host, nanoseconds since the epoch.
    #[serde(default)]
    pub went_silent: Option<f64>,
}

/// Colours of [`EventType::ALL`], in its order: alerts in warm colours, connection outcomes
/// in blues and greens, sensor records and syslog in greys.
const TYPE_COLOURS: [RGBColor; 20] = [
    RGBColor(214, 39, 40),   // exploit
    RGBColor(148, 103, 189), // trojan
    RGBColor(140, 86, 75),   // worm
    RGBColor(255, 127, 14),  // scan
    RGBColor(227, 119, 194), // infection_check
    RGBColor(188, 189, 34),  // policy
    RGBColor(219, 161, 58),  // spam
    RGBColor(120, 20, 60),   // dos
    RGBColor(23, 190, 207),  // new_service
    RGBColor(0, 128, 128),   // open_port
    RGBColor(197, 176, 213), // alert_other
    RGBColor(150, 150, 150), // sensor_record
    RGBColor(44, 160, 44),   // conn_completed
    RGBColor(31, 119, 180),  // conn_rejected
    RGBColor(174, 199, 232), // conn_timed_out
    RGBColor(255, 187, 120), // conn_reset
    RGBColor(152, 223, 138), // conn_started
    RGBColor(100, 100, 160), // conn_other
    RGBColor(199, 199, 199), // syslog
    RGBColor(90, 90, 90),    // unparsed
];

/// Colour of a type name that is not an [`EventType`].
const UNKNOWN_TYPE_COLOUR: RGBColor = RGBColor(0, 0, 0);
/// Shade of weekend buckets.
const WEEKEND_COLOUR: RGBColor = RGBColor(238, 238, 238);
/// Colour of the finding marks.
const FINDING_COLOUR: RGBColor = RGBColor(70, 70, 70);
/// Colour of the "went silent" mark.
const SILENT_COLOUR: RGBColor = RGBColor(200, 0, 0);
/// Findings of one kind drawn as a line each; a kind with more is drawn as a band.
const MAX_LINES_PER_KIND: usize = 3;
/// Height of a finding band as a share of the plot's height, at its top.
const BAND_SHARE: f64 = 0.06;
/// Label rows above the plot; more finding kinds than this share rows.
const LABEL_ROWS: usize = 5;

/// Returns the colour of an event type, by its snake_case name.
fn type_colour(name: &str) -> RGBColor {
    EventType::ALL
        .iter()
        .position(|event_type| event_type.as_str() == name)
        .map_or(UNKNOWN_TYPE_COLOUR, |index| TYPE_COLOURS[index])
}

/// Returns the CSS colour (`#rrggbb`) of an event type, for the page's legend.
#[wasm_bindgen]
pub fn event_type_colour(name: &str) -> String {
    let RGBColor(r, g, b) = type_colour(name);
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// Returns every event type name in the order the bars stack them, for the page's legend.
#[wasm_bindgen]
pub fn event_type_names() -> Vec<String> {
    EventType::ALL.iter().map(|event_type| event_type.as_str().to_string()).collect()
}

/// Draws the host's activity on `canvas` at the canvas's own pixel size and returns the
/// plot area, so the page can turn a mouse position into a time. The area has `left`,
/// `right`, `top` and `bottom` in canvas pixels, `from` and `to` in seconds, and the number
/// of buckets `drawn`.
#[wasm_bindgen]
pub fn draw_host_activity(canvas: HtmlCanvasElement, activity: JsValue, options: JsValue) -> Result<JsValue, JsError> {
    crate::install_panic_hook();
    let activity: HostActivity = serde_wasm_bindgen::from_value(activity)
        .map_err(|error| JsError::new(&format!("invalid activity: {error}")))?;
    let options: ActivityOptions = serde_wasm_bindgen::from_value(options)
        .map_err(|error| JsError::new(&format!("invalid activity options: {error}")))?;
    let canvas = Canvas::open(canvas).map_err(|error| JsError::new(&error))?;

    if !activity.grid.is_drawable() || activity.buckets.is_empty() {
        canvas.note("No events of this host in the range").map_err(|error| JsError::new(&error))?;
        return to_js(&Default::default());
    }
    let area = draw(&canvas, &activity, &options).map_err(|error| JsError::new(&error.to_string()))?;
    canvas.present().map_err(|error| JsError::new(&error))?;
    to_js(&area)
}

fn to_js(area: &super::timechart::PlotArea) -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(area).map_err(|error| JsError::new(&error.to_string()))
}

/// Draws shading, grid, bars, the outline, marks and axes, in that order.
fn draw(
    canvas: &Canvas,
    activity: &HostActivity,
    options: &ActivityOptions,
) -> Result<super::timechart::PlotArea, DrawError> {
    let (first, end) = (activity.grid.first_secs(), activity.grid.end_secs());
    let width = activity.grid.bucket_secs;
    let outline = activity.without_port.as_deref().filter(|_| options.compare);
    let largest = activity.buckets.iter().chain(outline.into_iter().flatten()).map(|b| b.total).fold(0.0, f64::max);
    let max = count_axis_max(largest);
    let labels = label_rows(activity, options);
    let mut chart = canvas.chart(first, end, max, 12.0 + 14.0 * labels.len().min(LABEL_ROWS) as f64)?;

    let weekends = activity.buckets.iter().filter(|b| b.weekend).map(|b| {
        let start = b.start / NANOS_PER_SEC;
        Rectangle::new([(start, 0.0), (start + width, max)], WEEKEND_COLOUR.filled())
    });
    chart.draw_series(weekends)?;
    canvas.grid(&mut chart, first, end, max)?;
    draw_stacks(&mut chart, activity)?;
    if let Some(buckets) = outline {
        draw_outline(canvas, &mut chart, buckets, width)?;
    }

    draw_marks(canvas, &mut chart, activity, options, max, &labels)?;
    canvas.axes(&mut chart, first, end, max)?;
    Ok(plot_area(&chart, activity.buckets.len()))
}

/// Draws one stacked bar per bucket, types in `event_types` order from the bottom.
fn draw_stacks(chart: &mut Chart<'_>, activity: &HostActivity) -> Result<(), DrawError> {
    let width = activity.grid.bucket_secs;
    for bucket in &activity.buckets {
        let start = bucket.start / NANOS_PER_SEC;
        let mut base = 0.0;
        let mut pieces = Vec::new();
        for name in &activity.event_types {
            let count = bucket.by_type.get(name).copied().unwrap_or(0.0);
            if count > 0.0 {
                let colour = type_colour(name);
                pieces.push(Rectangle::new([(start, base), (start + width, base + count)], colour.filled()));
                base += count;
            }
        }
        chart.draw_series(pieces)?;
    }
    Ok(())
}

/// Draws the totals of `buckets` as a step line: flat over each bucket, vertical between.
fn draw_outline(canvas: &Canvas, chart: &mut Chart<'_>, buckets: &[TypedBucket], width: f64) -> Result<(), DrawError> {
    let mut points = Vec::with_capacity(buckets.len() * 2);
    for bucket in buckets {
        let start = bucket.start / NANOS_PER_SEC;
        points.push((start, bucket.total));
        points.push((start + width, bucket.total));
    }
    let style = ShapeStyle::from(&BLACK).stroke_width(canvas.px(2.0).max(1) as u32);
    chart.draw_series(std::iter::once(PathElement::new(points, style)))?;
    Ok(())
}

/// Returns the labels shown above the plot, one per finding kind in order of first start,
/// then "went silent". Each label carries the time of its kind's first mark. A finding that
/// began before the grid is labelled at the grid's start, because its own start is off the
/// chart.
fn label_rows(activity: &HostActivity, options: &ActivityOptions) -> Vec<(String, f64)> {
    let first = activity.grid.start;
    let mut labels: Vec<(&str, f64, usize)> = Vec::new();
    for finding in &activity.findings {
        match labels.iter_mut().find(|(kind, _, _)| *kind == finding.kind) {
            Some(label) => label.2 += 1,
            None => labels.push((&finding.kind, finding.start, 1)),
        }
    }

    let mut rows: Vec<(String, f64)> = labels
        .into_iter()
        .map(|(kind, start, count)| {
            let mut text = if count > 1 { format!("{kind} ×{count}") } else { kind.to_string() };
            if start < first {
                text.push_str(" (began earlier)");
            }
            (text, start.max(first))
        })
        .collect();
    if let Some(at) = options.went_silent {
        rows.push(("went silent".to_string(), at));
    }
    rows
}

/// Draws each finding's start as a thin line, labelled at the first finding of its kind,
/// and the "went silent" time as a thick red line. A kind with more than
/// [`MAX_LINES_PER_KIND`] findings gets a band at the top of the plot from its first to its
/// last start, with lines at both ends only, so its marks do not cover the bars.
fn draw_marks(
    canvas: &Canvas,
    chart: &mut Chart<'_>,
    activity: &HostActivity,
    options: &ActivityOptions,
    max: f64,
    labels: &[(String, f64)],
) -> Result<(), DrawError> {
    let plain = Mark { label: None, row: 0, colour: &FINDING_COLOUR, width: 1.0 };
    for (starts, banded) in mark_groups(&activity.findings) {
        let (first, last) = (starts[0] / NANOS_PER_SEC, starts[starts.len() - 1] / NANOS_PER_SEC);
        if banded {
            draw_band(chart, first, last, max)?;
            canvas.mark(chart, first, max, &plain)?;
            canvas.mark(chart, last, max, &plain)?;
        } else {
            for start in starts {
                canvas.mark(chart, start / NANOS_PER_SEC, max, &plain)?;
            }
        }
    }
    let finding_labels = labels.len() - usize::from(options.went_silent.is_some());
    for (row, (label, at)) in labels.iter().enumerate().take(finding_labels) {
        let mark = Mark { label: Some(label), row: row % LABEL_ROWS, colour: &FINDING_COLOUR, width: 1.0 };
        canvas.mark(chart, at / NANOS_PER_SEC, max, &mark)?;
    }
    if let Some(at) = options.went_silent {
        let row = finding_labels % LABEL_ROWS;
        let mark = Mark { label: Some("went silent"), row, colour: &SILENT_COLOUR, width: 2.5 };
        canvas.mark(chart, at / NANOS_PER_SEC, max, &mark)?;
    }
    Ok(())
}

/// Returns the finding starts of each kind, in order of first appearance, sorted by time,
/// and whether the kind has more than [`MAX_LINES_PER_KIND`] of them (drawn as a band).
fn mark_groups(findings: &[FindingMark]) -> Vec<(Vec<f64>, bool)> {
    let mut groups: Vec<(&str, Vec<f64>)> = Vec::new();
    for finding in findings {
        match groups.iter_mut().find(|(kind, _)| *kind == finding.kind) {
            Some((_, starts)) => starts.push(finding.start),
            None => groups.push((&finding.kind, vec![finding.start])),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut starts)| {
            starts.sort_by(f64::total_cmp);
            let banded = starts.len() > MAX_LINES_PER_KIND;
            (starts, banded)
        })
        .collect()
}

/// Fills the top [`BAND_SHARE`] of the plot between two times, clipped to the plot's range.
fn draw_band(chart: &mut Chart<'_>, first: f64, last: f64, max: f64) -> Result<(), DrawError> {
    let range = chart.x_range();
    let (left, right) = (first.max(range.start), last.min(range.end));
    if left > right {
        return Ok(());
    }
    let band = Rectangle::new([(left, max * (1.0 - BAND_SHARE)), (right, max)], FINDING_COLOUR.mix(0.3).filled());
    chart.draw_series(std::iter::once(band))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_type_colour_known_and_unknown() {
        assert_eq!(event_type_colour("exploit"), "#d62728");
        assert_eq!(event_type_colour("conn_rejected"), "#1f77b4");
        assert_eq!(event_type_colour("not_a_type"), "#000000");
    }

    #[test]
    fn type_colours_distinct() {
        for (i, a) in TYPE_COLOURS.iter().enumerate() {
            for b in &TYPE_COLOURS[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn label_rows_one_per_kind_then_silent() {
        let activity = HostActivity {
            findings: vec![finding("AddressScan", 5.0), finding("NeverBeforeSeen", 6.0), finding("AddressScan", 9.0)],
            ..HostActivity::default()
        };
        let options = ActivityOptions { compare: false, went_silent: Some(20.0) };
        let rows = label_rows(&activity, &options);
        assert_eq!(
            rows,
            vec![
                ("AddressScan ×2".to_string(), 5.0),
                ("NeverBeforeSeen".to_string(), 6.0),
                ("went silent".to_string(), 20.0)
            ]
        );
    }

    #[test]
    fn label_rows_earlier_finding_at_grid_start() {
        let activity = HostActivity {
            grid: GridView { start: 100.0, bucket_secs: 60.0, buckets: 3 },
            findings: vec![finding("LinkedInOut", 40.0), finding("AddressScan", 150.0)],
            ..HostActivity::default()
        };
        let rows = label_rows(&activity, &ActivityOptions::default());
        assert_eq!(rows, vec![("LinkedInOut (began earlier)".to_string(), 100.0), ("AddressScan".to_string(), 150.0)]);
    }

    #[test]
    fn mark_groups_band_only_crowded_kinds() {
        let mut findings: Vec<FindingMark> = (0..20).map(|i| finding("AddressScan", 100.0 - f64::from(i))).collect();
        findings.push(finding("AlertChain", 50.0));
        let groups = mark_groups(&findings);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].0.first(), Some(&81.0));
        assert_eq!(groups[0].0.last(), Some(&100.0));
        assert!(groups[0].1);
        assert_eq!(groups[1], (vec![50.0], false));
    }

    fn finding(kind: &str, start: f64) -> FindingMark {
        FindingMark { kind: kind.to_string(), start }
    }
}
