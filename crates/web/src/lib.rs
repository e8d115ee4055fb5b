//! wormscope-web (placeholder).
