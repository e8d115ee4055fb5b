//! Browser tests of the exported surface, run by `wasm-pack test --headless --chrome` (the
//! `cargo xtask test` step): a real capture through `Analysis`, bad input, and the chart read
//! back from a canvas.
//!
//! The expected connection count is derived, not typed in. It is the number of data rows in
//! Zeek's own conn.log for the same capture (`zeek -C -r wikipedia.pcap`, Zeek's test
//! baseline `core.tcp.rxmit-history/conn-2.log`), so the test compares the core with Zeek.

#![cfg(target_arch = "wasm32")]

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};
use wormscope_web::{draw_activity, Analysis};

wasm_bindgen_test_configure!(run_in_browser);

/// Zeek's `wikipedia.pcap` test trace, from the shared corpus.
const CAPTURE: &[u8] =
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus/zeek/traces/wikipedia.pcap"));
/// Zeek's conn.log for that capture, read with checksums ignored (`-C`).
const ZEEK_CONN_LOG: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpus/zeek/baselines/core.tcp.rxmit-history/conn-2.log"
));

/// Returns the number of connection rows in a Zeek TSV log (lines not starting with `#`).
fn zeek_rows(log: &str) -> usize {
    log.lines().filter(|line| !line.is_empty() && !line.starts_with('#')).count()
}

fn settings(ignore_checksums: bool) -> JsValue {
    let settings = js_sys::Object::new();
    Reflect::set(&settings, &"ignore_checksums".into(), &ignore_checksums.into()).unwrap();
    settings.into()
}

fn get(value: &JsValue, key: &str) -> JsValue {
    Reflect::get(value, &key.into()).unwrap()
}

/// Runs one file through a analysis in chunks of `chunk` bytes and returns the report.
fn analyse(bytes: &[u8], chunk: usize) -> JsValue {
    let mut analysis = Analysis::new(settings(true)).unwrap();
    let file = analysis.begin_file("wikipedia.pcap", bytes.len() as f64).unwrap();
    for piece in bytes.chunks(chunk) {
        analysis.push(file, piece).unwrap();
    }
    analysis.end_file(file).unwrap();
    analysis.finish().unwrap()
}

#[wasm_bindgen_test]
fn analysis_counts_match_zeek() {
    let report = analyse(CAPTURE, 64 * 1024);
    let expected = zeek_rows(ZEEK_CONN_LOG);
    assert!(expected > 0, "the Zeek baseline has no rows");

    let connections = get(&report, "connections");
    assert_eq!(get(&connections, "length").as_f64(), Some(expected as f64));
    let uids: js_sys::Array = get(&connections, "uid").dyn_into().unwrap();
    assert_eq!(uids.length() as usize, expected);
    let counts = get(&report, "counts");
    assert_eq!(get(&counts, "packets").as_f64(), Some(136.0), "packets framed");
    assert_eq!(get(&counts, "files_failed").as_f64(), Some(0.0));
}

#[wasm_bindgen_test]
fn analysis_chunk_size_does_not_matter() {
    let whole = analyse(CAPTURE, CAPTURE.len());
    let small = analyse(CAPTURE, 7);
    let whole_json = js_sys::JSON::stringify(&whole).unwrap();
    let small_json = js_sys::JSON::stringify(&small).unwrap();
    assert_eq!(String::from(whole_json), String::from(small_json));
}

#[wasm_bindgen_test]
fn analysis_non_capture_names_offset() {
    // A PNG signature followed by zeros: binary, so neither a capture nor a text log.
    let mut image = b"\x89PNG\r\n\x1a\n".to_vec();
    image.extend_from_slice(&[0; 64]);
    let mut analysis = Analysis::new(JsValue::UNDEFINED).unwrap();
    let file = analysis.begin_file("image.png", image.len() as f64).unwrap();
    let pushed = analysis.push(file, &image);
    let ended = analysis.end_file(file);
    assert!(pushed.is_err() || ended.is_err(), "a binary file was accepted as a capture or log");

    let report = analysis.finish().unwrap();
    let files: js_sys::Array = get(&report, "files").dyn_into().unwrap();
    let error = get(&files.get(0), "error");
    assert!(error.is_object(), "the file report has no error");
    assert!(get(&error, "offset").as_f64().is_some(), "the error has no byte offset");
    assert_eq!(get(&get(&report, "counts"), "files_failed").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn analysis_rejects_invalid_local_nets() {
    let settings = js_sys::Object::new();
    Reflect::set(&settings, &"local_nets".into(), &"10.0.0.0/33".into()).unwrap();
    assert!(Analysis::new(settings.into()).is_err());
}

#[wasm_bindgen_test]
fn analysis_finish_twice_fails() {
    let mut analysis = Analysis::new(JsValue::UNDEFINED).unwrap();
    analysis.finish().unwrap();
    assert!(analysis.finish().is_err());
}

fn new_canvas(width: u32, height: u32) -> HtmlCanvasElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let canvas: HtmlCanvasElement = document.create_element("canvas").unwrap().dyn_into().unwrap();
    canvas.set_width(width);
    canvas.set_height(height);
    document.body().unwrap().append_child(&canvas).unwrap();
    canvas
}

/// Counts pixels that are not white in a rectangle of the canvas.
fn ink_pixels(canvas: &HtmlCanvasElement, x: f64, y: f64, width: f64, height: f64) -> usize {
    let context: CanvasRenderingContext2d = canvas.get_context("2d").unwrap().unwrap().dyn_into().unwrap();
    let data = context.get_image_data(x, y, width, height).unwrap().data();
    data.chunks(4).filter(|pixel| pixel[0] < 250 || pixel[1] < 250 || pixel[2] < 250).count()
}

#[wasm_bindgen_test]
fn chart_draws_in_plot_area() {
    let report = analyse(CAPTURE, 64 * 1024);
    let canvas = new_canvas(800, 400);
    draw_activity(canvas.clone(), get(&report, "activity")).unwrap();

    // The plot area starts after the 30 px top margin and the 70 px axis label areas. This
    // box lies well inside it, where only grid lines, bars and the line are drawn.
    let ink = ink_pixels(&canvas, 120.0, 60.0, 560.0, 260.0);
    assert!(ink > 1_000, "only {ink} drawn pixels in the plot area");
}

#[wasm_bindgen_test]
fn chart_without_buckets_says_so() {
    let canvas = new_canvas(400, 200);
    let activity = js_sys::JSON::parse(r#"{"bucket_secs": 1, "buckets": []}"#).unwrap();
    draw_activity(canvas.clone(), activity).unwrap();
    assert!(ink_pixels(&canvas, 0.0, 0.0, 400.0, 60.0) > 0, "the note was not drawn");
    assert_eq!(ink_pixels(&canvas, 0.0, 100.0, 400.0, 100.0), 0, "something besides the note was drawn");
}

#[wasm_bindgen_test]
fn chart_rejects_malformed_activity() {
    let canvas = new_canvas(100, 100);
    assert!(draw_activity(canvas, JsValue::from_str("not an activity")).is_err());
}
