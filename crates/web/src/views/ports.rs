//! The chosen port's timeline chart: per bucket, the capture's connections stacked by
//! conn_state and the log events stacked by event type.
//!
//! It draws the `ports.timeline` list of a profile (see the profile document in
//! `wormscope_core::profile`) over that profile's grid. Series come in a fixed order, the
//! conn_states in Zeek's order and then the event types in the core's declaration order.
//! Names the core does not know are kept and drawn after them, alphabetically. The function
//! returns every series with its total, so the page's legend and table use the same order
//! and numbers as the bars.

use super::plot::{Canvas, DrawResult, GRID_COLOUR, PALETTE};
use crate::chart::{format_count, format_utc, format_width, time_ticks, value_ticks};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;
use wormscope_core::conn::ConnState;
use wormscope_core::events::EventType;

/// The chart's input from the page: the chosen port, the grid's bucket width and `ports.timeline`.
#[derive(Clone, Debug, Deserialize)]
pub struct PortTimeline {
    /// The chosen port.
    pub port: u16,
    /// Width of every bucket, in seconds.
    pub bucket_secs: f64,
    /// The buckets, oldest first.
    pub timeline: Vec<TimelineBucket>,
}

/// One bucket of the timeline, as the profile writes it.
#[derive(Clone, Debug, Deserialize)]
pub struct TimelineBucket {
    /// Start of the bucket, nanoseconds since the epoch.
    pub start: f64,
    /// Connections by conn_state code.
    #[serde(default)]
    pub conn_states: BTreeMap<String, u64>,
    /// Log events by event type.
    #[serde(default)]
    pub event_types: BTreeMap<String, u64>,
}

/// The source of a series' counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SeriesKind {
    /// Capture connections, by conn_state.
    ConnState,
    /// Log events, by event type.
    EventType,
}

/// One stacked series: a conn_state or an event type, with its count per bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub name: String,
    pub kind: SeriesKind,
    pub counts: Vec<u64>,
}

/// A drawn series as the page reads it back: name, kind, total and colour (`#rrggbb`).
#[derive(Clone, Debug, Serialize)]
pub struct SeriesSummary {
    pub name: String,
    pub kind: SeriesKind,
    pub total: f64,
    pub colour: String,
}

/// The value `draw_port_timeline` returns: the series in stacking order and the sum of
/// every bar drawn.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineDrawing {
    pub series: Vec<SeriesSummary>,
    pub total: f64,
}

/// Draws the timeline of one port on `canvas`, at the canvas's own pixel size, and returns
/// `{ series: [{name, kind, total, colour}], total }`. `timeline_json` is
/// `{"port": P, "bucket_secs": S, "timeline": [...]}`, with the list as the profile gives it.
#[wasm_bindgen]
pub fn draw_port_timeline(canvas: HtmlCanvasElement, timeline_json: &str) -> Result<JsValue, JsError> {
    let timeline: PortTimeline = serde_json::from_str(timeline_json)
        .map_err(|error| JsError::new(&format!("invalid port timeline: {error}")))?;
    let series = stack_series(&timeline.timeline);
    let canvas = Canvas::open(canvas).map_err(|error| JsError::new(&error))?;
    draw(&canvas, &timeline, &series).map_err(|error| JsError::new(&error))?;

    let summary = summarize(&series);
    serde_wasm_bindgen::to_value(&summary).map_err(|error| JsError::new(&error.to_string()))
}

/// Returns the series of the timeline in stacking order: conn_states, then event types.
pub fn stack_series(buckets: &[TimelineBucket]) -> Vec<Series> {
    let states: Vec<&str> = ConnState::ALL.iter().map(|state| state.as_str()).collect();
    let types: Vec<&str> = EventType::ALL.iter().map(|kind| kind.as_str()).collect();
    let mut series = Vec::new();
    push_series(&mut series, buckets, SeriesKind::ConnState, &states, |bucket| &bucket.conn_states);
    push_series(&mut series, buckets, SeriesKind::EventType, &types, |bucket| &bucket.event_types);
    series
}

/// Appends one series per name found in the buckets: known names in `known` order, then
/// unknown names alphabetically.
fn push_series(
    series: &mut Vec<Series>,
    buckets: &[TimelineBucket],
    kind: SeriesKind,
    known: &[&str],
    counts_of: impl Fn(&TimelineBucket) -> &BTreeMap<String, u64>,
) {
    let present: BTreeSet<&str> =
        buckets.iter().flat_map(|bucket| counts_of(bucket).keys().map(String::as_str)).collect();
    let mut names: Vec<&str> = known.iter().copied().filter(|name| present.contains(name)).collect();
    names.extend(present.iter().copied().filter(|name| !known.contains(name)));

    for name in names {
        let counts = buckets.iter().map(|bucket| counts_of(bucket).get(name).copied().unwrap_or(0)).collect();
        series.push(Series { name: name.to_string(), kind, counts });
    }
}

/// Returns each series' total and colour, and the sum of all.
pub fn summarize(series: &[Series]) -> TimelineDrawing {
    let summaries: Vec<SeriesSummary> = series
        .iter()
        .enumerate()
        .map(|(index, one)| SeriesSummary {
            name: one.name.clone(),
            kind: one.kind,
            total: one.counts.iter().sum::<u64>() as f64,
            colour: hex(&colour(index)),
        })
        .collect();
    let total = summaries.iter().map(|one| one.total).sum();
    TimelineDrawing { series: summaries, total }
}

fn colour(index: usize) -> RGBColor {
    PALETTE[index % PALETTE.len()]
}

fn hex(colour: &RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", colour.0, colour.1, colour.2)
}

/// Draws the whole chart, or a note when the port has nothing in range.
fn draw(canvas: &Canvas, timeline: &PortTimeline, series: &[Series]) -> Result<(), String> {
    let width_valid = timeline.bucket_secs.is_finite() && timeline.bucket_secs > 0.0;
    let empty = series.iter().all(|one| one.counts.iter().all(|&count| count == 0));
    if timeline.timeline.is_empty() || !width_valid || empty {
        return canvas.note(&format!("No connections or log events on port {} in this range", timeline.port));
    }
    draw_bars(canvas, timeline, series).map_err(|error| error.to_string())?;
    canvas.present()
}

/// Draws the grid, the stacked bars, the axes' labels, the caption and the legend.
fn draw_bars(canvas: &Canvas, timeline: &PortTimeline, series: &[Series]) -> DrawResult {
    let width = timeline.bucket_secs;
    let starts: Vec<f64> = timeline.timeline.iter().map(|bucket| bucket.start / 1e9).collect();
    let first = starts[0];
    let end = starts[starts.len() - 1] + width;
    let heights: Vec<u64> = (0..starts.len()).map(|i| series.iter().map(|one| one.counts[i]).sum()).collect();
    let max = heights.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;

    // The legend wraps over as many lines as it needs, so the plot starts below it.
    let legend = legend_layout(canvas, series);
    let legend_lines = legend.iter().map(|&(_, line)| line + 1).max().unwrap_or(0);
    let top = 34.0 + 18.0 * legend_lines as f64;
    let px = |css: f64| canvas.px(css).max(0) as u32;
    let mut chart = ChartBuilder::on(&canvas.root)
        .margin_top(px(top))
        .margin_left(px(10.0))
        .margin_right(px(40.0))
        .x_label_area_size(px(40.0))
        .y_label_area_size(px(60.0))
        .build_cartesian_2d(first..end, 0.0..max)?;

    let x_ticks = time_ticks(first, end);
    let y_ticks = value_ticks(max);
    let grid = ShapeStyle::from(&GRID_COLOUR).stroke_width(1);
    chart.draw_series(x_ticks.iter().map(|&x| PathElement::new(vec![(x, 0.0), (x, max)], grid)))?;
    chart.draw_series(y_ticks.iter().map(|&y| PathElement::new(vec![(first, y), (end, y)], grid)))?;

    for (index, &start) in starts.iter().enumerate() {
        let mut base = 0.0;
        for (position, one) in series.iter().enumerate() {
            let count = one.counts[index] as f64;
            if count > 0.0 {
                let bar = Rectangle::new([(start, base), (start + width, base + count)], colour(position).filled());
                chart.draw_series(std::iter::once(bar))?;
                base += count;
            }
        }
    }
    let frame = ShapeStyle::from(&BLACK).stroke_width(1);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(first, max), (first, 0.0), (end, 0.0), (end, max)],
        frame,
    )))?;

    let place = |x: f64, y: f64| chart.backend_coord(&(x, y));
    for &tick in &x_ticks {
        let (x, y) = place(tick, 0.0);
        canvas.text(
            &format_utc(tick, end - first),
            (x, y + canvas.px(6.0)),
            12.0,
            (HPos::Center, VPos::Top),
            &BLACK,
        )?;
    }
    for &tick in &y_ticks {
        let (x, y) = place(first, tick);
        canvas.text(&format_count(tick), (x - canvas.px(6.0), y), 12.0, (HPos::Right, VPos::Center), &BLACK)?;
    }
    draw_caption(canvas, timeline, first)?;
    draw_legend(canvas, series, &legend)
}

/// Draws the title line: the port, the bucket width and the start, in UTC.
fn draw_caption(canvas: &Canvas, timeline: &PortTimeline, first: f64) -> DrawResult {
    let text = format!(
        "Port {}: connections by conn_state and log events by type, per {}, from {} UTC",
        timeline.port,
        format_width(timeline.bucket_secs),
        format_utc(first, f64::MAX)
    );
    canvas.text(&text, (canvas.px(10.0), canvas.px(8.0)), 13.0, (HPos::Left, VPos::Top), &BLACK)
}

/// Legend font size, and the width of one character as a share of it (an estimate,
/// because text is never measured).
const LEGEND_FONT: f64 = 12.0;
const CHAR_WIDTH: f64 = 0.6;

/// Returns each legend entry's x (CSS pixels) and line, wrapping at the canvas width.
fn legend_layout(canvas: &Canvas, series: &[Series]) -> Vec<(f64, usize)> {
    let available = f64::from(canvas.root.dim_in_pixel().0) / canvas.scale - 20.0;
    let mut x = 10.0;
    let mut line = 0;
    let mut layout = Vec::with_capacity(series.len());
    for one in series {
        let width = 18.0 + (legend_text(one).chars().count() as f64) * LEGEND_FONT * CHAR_WIDTH + 14.0;
        if x > 10.0 && x + width > available {
            x = 10.0;
            line += 1;
        }
        layout.push((x, line));
        x += width;
    }
    layout
}

fn legend_text(series: &Series) -> String {
    format!("{} ({})", series.name, series.counts.iter().sum::<u64>())
}

/// Draws a swatch and `name (total)` for each series, at the positions of `legend_layout`.
fn draw_legend(canvas: &Canvas, series: &[Series], layout: &[(f64, usize)]) -> DrawResult {
    for (index, (one, &(x, line))) in series.iter().zip(layout).enumerate() {
        let y = 30.0 + 18.0 * line as f64;
        let corner = (canvas.px(x), canvas.px(y));
        let opposite = (canvas.px(x + 12.0), canvas.px(y + 12.0));
        canvas.root.draw(&Rectangle::new([corner, opposite], colour(index).filled()))?;
        let at = (canvas.px(x + 16.0), canvas.px(y + 6.0));
        canvas.text(&legend_text(one), at, LEGEND_FONT, (HPos::Left, VPos::Center), &BLACK)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(start: f64, states: &[(&str, u64)], types: &[(&str, u64)]) -> TimelineBucket {
        let map = |pairs: &[(&str, u64)]| pairs.iter().map(|&(name, count)| (name.to_string(), count)).collect();
        TimelineBucket { start, conn_states: map(states), event_types: map(types) }
    }

    #[test]
    fn stack_series_orders_known_then_unknown() {
        let buckets = vec![
            bucket(0.0, &[("REJ", 2), ("XYZ", 1)], &[("scan", 3)]),
            bucket(3.6e12, &[("S0", 5)], &[("exploit", 1)]),
        ];
        let series = stack_series(&buckets);
        let names: Vec<&str> = series.iter().map(|one| one.name.as_str()).collect();
        assert_eq!(names, ["S0", "REJ", "XYZ", "exploit", "scan"]);
        assert_eq!(series[0].counts, [0, 5]);
        assert_eq!(series[1].counts, [2, 0]);
        assert_eq!(series[3].kind, SeriesKind::EventType);
    }

    #[test]
    fn summarize_totals_every_series() {
        let buckets = vec![bucket(0.0, &[("S0", 1029)], &[("scan", 20)]), bucket(1.0, &[("S0", 1), ("REJ", 171)], &[])];
        let drawing = summarize(&stack_series(&buckets));
        assert_eq!(drawing.total, 1221.0);
        assert_eq!(drawing.series[0].name, "S0");
        assert_eq!(drawing.series[0].total, 1030.0);
        assert_eq!(drawing.series[0].colour, "#d55e00");
    }

    #[test]
    fn timeline_reads_profile_json() {
        let text = r#"{"port":444,"bucket_secs":3600,"timeline":[
            {"start":1785139200000000000,"conn_states":{"S0":4},"event_types":{}}]}"#;
        let timeline: PortTimeline = serde_json::from_str(text).unwrap();
        assert_eq!(timeline.port, 444);
        assert_eq!(timeline.timeline[0].conn_states["S0"], 4);
        assert_eq!(timeline.timeline[0].start, 1.7851392e18);
    }
}
