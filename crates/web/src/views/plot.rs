//! Drawing helpers shared by the views' charts: the canvas as a plotters drawing area,
//! anchored text, and the colours of the stacked series.
//!
//! Text is placed with explicit anchors and never measured, because plotters measures text on
//! the web by adding a `<span>` with an inline `style` attribute, which the page's
//! Content-Security-Policy (`style-src 'self'`) blocks. Sizes given here are CSS pixels; they
//! are multiplied by the device pixel ratio, because the page sizes each canvas in device
//! pixels.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

/// The whole canvas as a drawing area.
pub type Area = DrawingArea<CanvasBackend, Shift>;
/// The result of a plotters drawing call on the canvas.
pub type DrawResult = Result<(), DrawingAreaErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>>;

/// Colour of grid lines.
pub const GRID_COLOUR: RGBColor = RGBColor(225, 225, 225);

/// Colours of stacked series, in series order: the Okabe-Ito set (distinguishable with the
/// common colour-vision deficiencies), then darker tones. Series beyond the list reuse it.
pub const PALETTE: [RGBColor; 12] = [
    RGBColor(213, 94, 0),
    RGBColor(0, 114, 178),
    RGBColor(0, 158, 115),
    RGBColor(230, 159, 0),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(240, 228, 66),
    RGBColor(0, 0, 0),
    RGBColor(120, 60, 20),
    RGBColor(60, 60, 140),
    RGBColor(40, 100, 40),
    RGBColor(140, 140, 140),
];

/// A canvas ready to draw on: its area, filled white, and the device pixel ratio.
pub struct Canvas {
    pub root: Area,
    pub scale: f64,
}

impl Canvas {
    /// Wraps a canvas that the page has already sized in device pixels, and clears it.
    pub fn open(canvas: HtmlCanvasElement) -> Result<Canvas, String> {
        let scale = web_sys::window().map(|window| window.device_pixel_ratio()).unwrap_or(1.0).max(1.0);
        let backend = CanvasBackend::with_canvas_object(canvas).ok_or("the canvas has no 2d context")?;
        let root = backend.into_drawing_area();
        root.fill(&WHITE).map_err(|error| error.to_string())?;
        Ok(Canvas { root, scale })
    }

    /// Converts CSS pixels to device pixels.
    pub fn px(&self, css: f64) -> i32 {
        (css * self.scale).round() as i32
    }

    /// Returns a font of `size` CSS pixels in `colour`, anchored at `h` and `v`.
    pub fn font(&self, size: f64, h: HPos, v: VPos, colour: &RGBColor) -> TextStyle<'static> {
        ("sans-serif", size * self.scale).into_font().color(colour).pos(Pos::new(h, v))
    }

    /// Draws `text` with its anchor point at `at` (device pixels).
    pub fn text(&self, text: &str, at: (i32, i32), size: f64, anchor: (HPos, VPos), colour: &RGBColor) -> DrawResult {
        let style = self.font(size, anchor.0, anchor.1, colour);
        self.root.draw_text(text, &style, at)
    }

    /// Draws one line of black text at the top left, as the whole chart when there is
    /// nothing to plot, and presents the canvas.
    pub fn note(&self, text: &str) -> Result<(), String> {
        let at = (self.px(20.0), self.px(20.0));
        self.text(text, at, 16.0, (HPos::Left, VPos::Top), &BLACK).map_err(|error| error.to_string())?;
        self.present()
    }

    /// Flushes the drawing to the canvas.
    pub fn present(&self) -> Result<(), String> {
        self.root.present().map_err(|error| error.to_string())
    }
}
