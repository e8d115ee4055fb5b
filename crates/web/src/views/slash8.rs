//! The source /8 against destination /8 chart: one bubble per pair of networks, its area
//! proportional to the events between them.
//!
//! It draws the `slash8` object of a profile (see the profile document in
//! `wormscope_core::profile`). Both axes run over the first octet, 0 to 255, source across
//! and destination up. The anonymous mode leaves out the axis titles, tick numbers and grid
//! lines, so that a screenshot does not name the networks.
//!
//! NOTE: the anonymous mode hides the numbers only. A bubble's position still follows its
//! octets, so a reader who measures the picture against the frame can recover them.

use super::plot::{Canvas, DrawResult, GRID_COLOUR};
use crate::chart::format_count;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

/// The `slash8` object of a profile.
#[derive(Clone, Debug, Deserialize)]
pub struct Slash8Matrix {
    /// The port the matrix is for; null for all ports.
    pub port: Option<u16>,
    /// One entry per pair of networks.
    pub pairs: Vec<Slash8Pair>,
}

/// One pair: first octets of source and destination, and the events between them.
#[derive(Clone, Copy, Debug, Deserialize)]
pub struct Slash8Pair {
    pub src: u8,
    pub dst: u8,
    pub events: u64,
}

/// The value `draw_slash8` returns: bubbles drawn, and axis labels drawn (titles and tick
/// numbers; 0 in the anonymous mode).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Slash8Drawing {
    pub bubbles: u32,
    pub labels: u32,
}

/// Radius of the largest bubble, in CSS pixels.
const MAX_RADIUS: f64 = 14.0;
/// Smallest radius drawn, in CSS pixels, so that a pair with few events stays visible.
/// Below it, the area is no longer proportional to the count.
const MIN_RADIUS: f64 = 1.5;
/// Tick positions on both axes.
const TICKS: [i32; 9] = [0, 32, 64, 96, 128, 160, 192, 224, 255];
/// Colour of the bubbles (drawn half transparent, outlined in full).
const BUBBLE_COLOUR: RGBColor = RGBColor(0, 114, 178);

/// Draws the /8 matrix on `canvas`, at the canvas's own pixel size, and returns
/// `{ bubbles, labels }`. `slash8_json` is the profile's `slash8` object as JSON text;
/// `anonymous` leaves out every axis title, tick number and grid line.
#[wasm_bindgen]
pub fn draw_slash8(canvas: HtmlCanvasElement, slash8_json: &str, anonymous: bool) -> Result<JsValue, JsError> {
    let matrix: Slash8Matrix =
        serde_json::from_str(slash8_json).map_err(|error| JsError::new(&format!("invalid /8 matrix: {error}")))?;
    let canvas = Canvas::open(canvas).map_err(|error| JsError::new(&error))?;
    let drawing = draw(&canvas, &matrix, anonymous).map_err(|error| JsError::new(&error))?;
    serde_wasm_bindgen::to_value(&drawing).map_err(|error| JsError::new(&error.to_string()))
}

/// Returns a bubble's radius: `max_radius * sqrt(events / max_events)`, so that the area
/// grows linearly with the count, but never below `min_radius`.
pub fn bubble_radius(events: u64, max_events: u64, max_radius: f64, min_radius: f64) -> f64 {
    if max_events == 0 {
        return min_radius;
    }
    (max_radius * (events as f64 / max_events as f64).sqrt()).max(min_radius)
}

/// Draws the chart, or a note when there are no pairs.
fn draw(canvas: &Canvas, matrix: &Slash8Matrix, anonymous: bool) -> Result<Slash8Drawing, String> {
    if matrix.pairs.is_empty() {
        canvas.note(&format!("No IPv4 events {} in this range", port_text(matrix.port)))?;
        return Ok(Slash8Drawing::default());
    }
    let drawing = draw_bubbles(canvas, matrix, anonymous).map_err(|error| error.to_string())?;
    canvas.present()?;
    Ok(drawing)
}

fn port_text(port: Option<u16>) -> String {
    match port {
        Some(port) => format!("on port {port}"),
        None => "on any port".to_string(),
    }
}

/// Draws the frame, the grid, the bubbles (largest first, so small ones stay on top), the
/// caption and, unless anonymous, the axis labels.
fn draw_bubbles(canvas: &Canvas, matrix: &Slash8Matrix, anonymous: bool) -> Result<Slash8Drawing, DrawError> {
    let (width, height) = canvas.root.dim_in_pixel();
    let side = f64::from(width.min(height)) / canvas.scale;
    let px = |css: f64| canvas.px(css).max(0) as u32;
    let margin = if anonymous { 30.0 } else { 60.0 };
    let mut chart = ChartBuilder::on(&canvas.root)
        .margin_top(px(if anonymous { 44.0 } else { 64.0 }))
        .margin_left(px(margin))
        .margin_right(px(MAX_RADIUS + 6.0))
        .margin_bottom(px(margin))
        .build_cartesian_2d(-4.0..259.0, -4.0..259.0)?;

    if !anonymous {
        let grid = ShapeStyle::from(&GRID_COLOUR).stroke_width(1);
        let lines = TICKS.iter().map(|&t| f64::from(t));
        chart.draw_series(lines.clone().map(|t| PathElement::new(vec![(t, -4.0), (t, 259.0)], grid)))?;
        chart.draw_series(lines.map(|t| PathElement::new(vec![(-4.0, t), (259.0, t)], grid)))?;
    }
    let frame = ShapeStyle::from(&BLACK).stroke_width(1);
    let corners = vec![(-4.0, -4.0), (259.0, -4.0), (259.0, 259.0), (-4.0, 259.0), (-4.0, -4.0)];
    chart.draw_series(std::iter::once(PathElement::new(corners, frame)))?;

    let max_events = matrix.pairs.iter().map(|pair| pair.events).max().unwrap_or(0);
    let max_radius = MAX_RADIUS.min(side / 20.0) * canvas.scale;
    let mut pairs = matrix.pairs.clone();
    pairs.sort_by(|a, b| b.events.cmp(&a.events).then((a.src, a.dst).cmp(&(b.src, b.dst))));
    let fill = BUBBLE_COLOUR.mix(0.45).filled();
    let outline = ShapeStyle::from(&BUBBLE_COLOUR).stroke_width(1);
    for pair in &pairs {
        let centre = (f64::from(pair.src), f64::from(pair.dst));
        let radius = bubble_radius(pair.events, max_events, max_radius, MIN_RADIUS * canvas.scale).round() as i32;
        chart.draw_series([Circle::new(centre, radius, fill), Circle::new(centre, radius, outline)])?;
    }

    let place = |x: f64, y: f64| chart.backend_coord(&(x, y));
    draw_caption(canvas, matrix, max_events, anonymous)?;
    let labels = if anonymous { 0 } else { draw_axes(canvas, &place)? };
    Ok(Slash8Drawing { bubbles: pairs.len() as u32, labels })
}

type DrawError = DrawingAreaErrorKind<<plotters_canvas::CanvasBackend as DrawingBackend>::ErrorType>;

/// Draws the two title lines: the port, the axes and the count of the largest bubble.
fn draw_caption(canvas: &Canvas, matrix: &Slash8Matrix, max_events: u64, anonymous: bool) -> DrawResult {
    let first = format!("Events {}: source /8 across, destination /8 up", port_text(matrix.port));
    let hidden = if anonymous { "; axis numbers hidden" } else { "" };
    let second =
        format!("Bubble area grows with the count; largest bubble {} events{hidden}", format_count(max_events as f64));
    let anchor = (HPos::Left, VPos::Top);
    canvas.text(&first, (canvas.px(10.0), canvas.px(6.0)), 13.0, anchor, &BLACK)?;
    canvas.text(&second, (canvas.px(10.0), canvas.px(23.0)), 12.0, anchor, &BLACK)
}

/// Draws the tick numbers and both axis titles, and returns how many labels it drew.
fn draw_axes(canvas: &Canvas, place: &dyn Fn(f64, f64) -> (i32, i32)) -> Result<u32, DrawError> {
    let gap = canvas.px(8.0);
    let mut labels = 0;
    for &tick in &TICKS {
        let value = f64::from(tick);
        let (x, y) = place(value, -4.0);
        canvas.text(&tick.to_string(), (x, y + gap), 12.0, (HPos::Center, VPos::Top), &BLACK)?;
        let (x, y) = place(-4.0, value);
        canvas.text(&tick.to_string(), (x - gap, y), 12.0, (HPos::Right, VPos::Center), &BLACK)?;
        labels += 2;
    }

    let (right, bottom) = place(259.0, -4.0);
    let below = (right, bottom + canvas.px(30.0));
    canvas.text("source /8 (first octet)", below, 12.0, (HPos::Right, VPos::Top), &BLACK)?;
    let (left, top) = place(-4.0, 259.0);
    let above = (left, top - canvas.px(6.0));
    canvas.text("destination /8 (first octet)", above, 12.0, (HPos::Left, VPos::Bottom), &BLACK)?;
    Ok(labels + 2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bubble_area_is_proportional() {
        let big = bubble_radius(400, 400, 20.0, 0.0);
        let quarter = bubble_radius(100, 400, 20.0, 0.0);
        assert_eq!(big, 20.0);
        assert_eq!(quarter, 10.0);
        assert!((big * big / (quarter * quarter) - 4.0).abs() < 1e-9);
    }

    #[test]
    fn bubble_radius_has_floor() {
        assert_eq!(bubble_radius(1, 1_000_000, 20.0, 1.5), 1.5);
        assert_eq!(bubble_radius(0, 0, 20.0, 1.5), 1.5);
    }

    #[test]
    fn matrix_reads_profile_json() {
        let text =
            r#"{"port":444,"pairs":[{"src":10,"dst":58,"events":1029}],"skipped_ipv6":0,"skipped_no_address":3}"#;
        let matrix: Slash8Matrix = serde_json::from_str(text).unwrap();
        assert_eq!(matrix.port, Some(444));
        assert_eq!(matrix.pairs[0].dst, 58);
        assert_eq!(matrix.pairs[0].events, 1029);
    }
}
