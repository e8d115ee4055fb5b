//! The investigation views' own questions and charts, one module per group of views.
//!
//! Each module may add a `#[wasm_bindgen] impl Analysis` block for a question the worker
//! answers, and free `#[wasm_bindgen]` functions that draw a view's chart on a canvas on the
//! main thread. Every chart draws from the numbers of a profile answer (see
//! [`crate::investigation`]), never from data of its own.

pub mod activity;
pub mod events;
pub mod inout;
pub mod plot;
pub mod ports;
pub mod slash8;
pub mod timechart;
