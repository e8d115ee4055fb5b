//! Inbound against outbound over time: two lines over the profile's grid, drawn from one
//! series pair of the `in_out` part of a profile (connections, log events or all events).
//!
//! Inbound and outbound are placed by the local-networks setting of the run; the page shows
//! the pair's Pearson r as text beside the chart.

use super::timechart::{count_axis_max, plot_area, Canvas, DrawError, GridView, PlotArea};
use crate::Analysis;
use plotters::prelude::*;
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;

/// One series pair and its grid, as the page passes them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct InOutPair {
    pub grid: GridView,
    /// Inbound records per bucket.
    pub inbound: Vec<f64>,
    /// Outbound records per bucket.
    pub outbound: Vec<f64>,
}

#[wasm_bindgen]
impl Analysis {
    /// Returns the local networks the finished run placed inbound and outbound by, as a
    /// comma-separated list of CIDR blocks (empty when every address counted as remote).
    pub fn local_nets(&self) -> Result<String, JsError> {
        let finished = self.finished()?;
        Ok(finished.local.nets.iter().map(ToString::to_string).collect::<Vec<_>>().join(","))
    }
}

/// Colour of the inbound line.
pub const INBOUND_COLOUR: RGBColor = RGBColor(31, 119, 180);
/// Colour of the outbound line.
pub const OUTBOUND_COLOUR: RGBColor = RGBColor(214, 39, 40);

/// Draws the inbound and outbound lines on `canvas` and returns the plot area (as
/// [`super::activity::draw_host_activity`] does), with `drawn` the points of one line.
#[wasm_bindgen]
pub fn draw_in_out(canvas: HtmlCanvasElement, pair: JsValue) -> Result<JsValue, JsError> {
    crate::install_panic_hook();
    let pair: InOutPair = serde_wasm_bindgen::from_value(pair)
        .map_err(|error| JsError::new(&format!("invalid in/out series: {error}")))?;
    if pair.inbound.len() != pair.grid.buckets || pair.outbound.len() != pair.grid.buckets {
        return Err(JsError::new(&format!(
            "invalid in/out series: {} inbound and {} outbound values for {} buckets",
            pair.inbound.len(),
            pair.outbound.len(),
            pair.grid.buckets
        )));
    }
    let canvas = Canvas::open(canvas).map_err(|error| JsError::new(&error))?;

    if !pair.grid.is_drawable() {
        canvas.note("No events of this host in the range").map_err(|error| JsError::new(&error))?;
        return to_js(&PlotArea::default());
    }
    let area = draw(&canvas, &pair).map_err(|error| JsError::new(&error.to_string()))?;
    canvas.present().map_err(|error| JsError::new(&error))?;
    to_js(&area)
}

fn to_js(area: &PlotArea) -> Result<JsValue, JsError> {
    serde_wasm_bindgen::to_value(area).map_err(|error| JsError::new(&error.to_string()))
}

/// Draws grid, both lines (each point at its bucket's middle) and axes.
fn draw(canvas: &Canvas, pair: &InOutPair) -> Result<PlotArea, DrawError> {
    let (first, end) = (pair.grid.first_secs(), pair.grid.end_secs());
    let width = pair.grid.bucket_secs;
    let largest = pair.inbound.iter().chain(&pair.outbound).copied().fold(0.0, f64::max);
    let max = count_axis_max(largest);
    let mut chart = canvas.chart(first, end, max, 12.0)?;
    canvas.grid(&mut chart, first, end, max)?;

    let stroke = canvas.px(2.0).max(1) as u32;
    for (values, colour) in [(&pair.inbound, INBOUND_COLOUR), (&pair.outbound, OUTBOUND_COLOUR)] {
        let points = values.iter().enumerate().map(|(index, &count)| (first + width * (index as f64 + 0.5), count));
        chart.draw_series(LineSeries::new(points, ShapeStyle::from(&colour).stroke_width(stroke)))?;
    }

    canvas.axes(&mut chart, first, end, max)?;
    Ok(plot_area(&chart, pair.grid.buckets))
}
