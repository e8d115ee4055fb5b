//! wormscope-web: the WebAssembly facade that the page's worker and main thread call.
//!
//! The worker's surface is [`Analysis`]: one run over the worker's files, a thin wrapper
//! around the core's [`Analyzer`], kept after [`Analysis::finish`] so the page can ask it
//! questions. This file has the reading half; [`investigation`] adds the findings and the
//! profile of a host, and [`views`] the other questions and the charts of the views. The
//! main thread calls the free drawing functions ([`draw_activity`] and those in [`views`]).
//! [`settings`] turns the page's settings object into a core [`Config`], [`columns`] turns
//! the report into the column form sent to the page, and [`chart`] draws with plotters.
//!
//! Every export returns `Result<_, JsError>`, so a bad input shows up as a JavaScript
//! exception with a message, never as a panic.

pub mod chart;
pub mod columns;
pub mod investigation;
pub mod settings;
pub mod views;

use std::sync::Once;
use wasm_bindgen::prelude::*;
use web_sys::HtmlCanvasElement;
use investigation::Finished;
use wormscope_core::net::LocalNets;
use wormscope_core::time::Timestamp;
use wormscope_core::Analyzer;

/// One analysis of any number of files, fed chunk by chunk from the worker, then asked
/// questions about what it found.
#[wasm_bindgen]
pub struct Analysis {
    /// The running analysis; `None` once [`Analysis::finish`] has taken it.
    analyzer: Option<Analyzer>,
    /// The analyst's own networks, kept for the questions after the run.
    local: LocalNets,
    /// The finished report and detection; `None` until [`Analysis::finish`].
    finished: Option<Finished>,
}

// ---- Exported surface ----------------------------------------------------------------------

#[wasm_bindgen]
impl Analysis {
    /// Starts an analysis. `settings` is `undefined` for the defaults, or an object
    /// `{ local_nets: "10.0.0.0/8,...", ignore_checksums: true }` where both keys are optional.
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> Result<Analysis, JsError> {
        install_panic_hook();
        let settings = settings::Settings::from_js(settings)?;
        let config = settings.to_config().map_err(|error| JsError::new(&error))?;
        let local = config.local_nets.clone();
        Ok(Analysis { analyzer: Some(Analyzer::new(config)), local, finished: None })
    }

    /// Adds a file and returns its index for `push` and `end_file`. `size` is the file's
    /// length in bytes, used only for progress.
    pub fn begin_file(&mut self, name: &str, size: f64) -> Result<usize, JsError> {
        let size = if size.is_finite() && size > 0.0 { size as u64 } else { 0 };
        Ok(self.analyzer_mut()?.begin_file(name, size))
    }

    /// Sets a file's last-modified time (`File.lastModified`, milliseconds since the epoch),
    /// which gives year-less syslog lines their year when no capture was read before them.
    pub fn set_file_modified(&mut self, file: usize, millis: f64) -> Result<(), JsError> {
        if !millis.is_finite() {
            return Err(JsError::new(&format!("invalid last-modified time {millis}")));
        }
        let nanos = (millis as i64).saturating_mul(1_000_000);
        self.analyzer_mut()?.set_file_modified(file, Timestamp(nanos));
        Ok(())
    }

    /// Feeds the next chunk of a file. Throws once when the file turns out to be unreadable
    /// (the message names the file and byte offset); later chunks of that file are ignored.
    pub fn push(&mut self, file: usize, chunk: &[u8]) -> Result<(), JsError> {
        self.analyzer_mut()?.push(file, chunk).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Marks a file as complete; throws if the file ends inside a record.
    pub fn end_file(&mut self, file: usize) -> Result<(), JsError> {
        self.analyzer_mut()?.end_file(file).map_err(|error| JsError::new(&error.to_string()))
    }

    /// Returns the per-file reports so far (name, size, bytes read, packet counts, error).
    pub fn files(&self) -> Result<JsValue, JsError> {
        let analyzer = self.analyzer.as_ref().ok_or_else(finished_error)?;
        let files: Vec<_> = analyzer.files().collect();
        columns::to_js(&files)
    }

    /// Flushes open connections, runs the detection rules and returns the report: `{ files,
    /// counts, connections, activity }`, with the connections in column form (see
    /// [`columns::ConnectionColumns`]). No file can be added afterwards; the questions of
    /// [`investigation`] and [`views`] can be asked from then on.
    pub fn finish(&mut self) -> Result<JsValue, JsError> {
        let analyzer = self.analyzer.take().ok_or_else(finished_error)?;
        let finished = Finished::new(analyzer.finish(), self.local.clone());
        let page = columns::to_js(&columns::PageReport::from_report(&finished.report));
        self.finished = Some(finished);
        page
    }
}

/// Draws the activity chart (packets per bucket as bars, new connections as a line) on
/// `canvas`, at the canvas's own pixel size. `activity` is the `activity` object of a
/// finished report.
#[wasm_bindgen]
pub fn draw_activity(canvas: HtmlCanvasElement, activity: JsValue) -> Result<(), JsError> {
    install_panic_hook();
    let activity: chart::ActivityView =
        serde_wasm_bindgen::from_value(activity).map_err(|error| JsError::new(&format!("invalid activity: {error}")))?;
    chart::draw(canvas, &activity).map_err(|error| JsError::new(&error))
}

// ---- Helpers -------------------------------------------------------------------------------

impl Analysis {
    fn analyzer_mut(&mut self) -> Result<&mut Analyzer, JsError> {
        self.analyzer.as_mut().ok_or_else(finished_error)
    }

    /// Returns the finished analysis, or an error while files are still being read.
    pub(crate) fn finished(&self) -> Result<&Finished, JsError> {
        self.finished.as_ref().ok_or_else(|| JsError::new("the analysis is not finished yet; call finish first"))
    }
}

fn finished_error() -> JsError {
    JsError::new("this analysis is already finished; start a new Analysis")
}

/// Routes Rust panic messages to the browser console, once per module instance.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(console_error_panic_hook::set_once);
}
