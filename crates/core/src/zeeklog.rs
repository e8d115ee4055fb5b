//! Zeek conn.log output (placeholder).
