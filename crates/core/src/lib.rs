//! wormscope-core: everything wormscope knows about network evidence, with no browser or
//! operating-system types, so the same code runs natively (the `wormscope` CLI) and as
//! WebAssembly (the page's worker).
//!
//! Data flows one way through the layers below, and each layer only sees the one before it:
//!
//! | layer | module | input | output |
//! |---|---|---|---|
//! | capture framing | [`capture`] | pcap / pcapng bytes, in chunks of any size | [`capture::RawPacket`] records with timestamps and link types |
//! | decoding | [`decode`] | one raw record | a [`decode::Packet`] summary (addresses, ports, flags, lengths) or a skip reason |
//! | connections | [`conn`] | packet summaries in time order | [`conn::Connection`] records with Zeek's `conn_state` and `history` |
//! | reports | [`analysis`] | whole files, chunk by chunk | an [`analysis::Report`]: counts, connections, activity over time |
//! | output | [`zeeklog`] | connections | Zeek conn.log TSV or JSON lines |
//! | logs | [`logs`] | syslog, IDS and sensor log lines, in chunks of any size | [`events::Event`]s |
//! | timeline | [`events`] | log events and connections | one normalized [`events::Event`] stream |
//! | detection | [`detect`] | a report | findings about hosts and a ranking of hosts |
//! | investigation | [`profile`] | events and connections of one report | the numbers behind the host views, for one filter |
//!
//! The core never reads a clock or the file system: time comes from packet timestamps, and
//! bytes are pushed in by the caller.

pub mod analysis;
pub mod capture;
pub mod conn;
pub mod decode;
pub mod detect;
pub mod events;
pub mod logs;
pub mod net;
pub mod profile;
pub mod synth;
pub mod time;
pub mod zeeklog;

pub use analysis::{Analyzer, Config, Report};
