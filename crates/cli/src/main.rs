//! wormscope command line (placeholder).
fn main() {}
