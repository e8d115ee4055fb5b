//! Conformance of wormscope's connection records with Zeek's conn.log, measured on every
//! Zeek trace in the corpus that comes with a conn.log-shaped baseline.
//!
//! Each [`Case`] pairs a trace with a baseline produced by a Zeek btest. It also carries the
//! settings that test ran with: `-C` (ignore checksums), `-b` with the scripts it loads,
//! `Site::local_nets` redefs and BPF filters.
//!
//! The harness runs the trace through the [`Analyzer`] and renders each of our connections
//! the way Zeek's conn.log writes it. It pairs rows by `(id.orig_h, id.orig_p, id.resp_h,
//! id.resp_p, proto)`, and rows sharing a key pair in order. Then it prints, per trace and
//! field, the share of Zeek's connections we reproduce exactly.
//!
//! Zeek's logging rules mirrored by [`render`], checked against the baselines by
//! `baselines_leave_bytes_unset_at_zero_duration` and read in `set_conn()` of Zeek's
//! `base/protocols/conn/main.zeek`:
//! - `duration`, `orig_bytes` and `resp_bytes` are all unset (`-`) when the duration is zero
//!   (one packet, or every packet with the same timestamp); all 23 full conn.logs in the
//!   corpus agree, with 20 such rows.
//! - `history` is unset when empty (ICMP, unknown transports), `service` when none was found.
//! - `missed_bytes` and the packet counters are always written.
//! - `local_orig`/`local_resp` use `Site::local_nets`, which Zeek fills with
//!   `Site::private_address_space` unless a test turns that off (none in the corpus does).
//!
//! Not compared: `ts` (masked in the baselines), `uid` (test uids), and `tunnel_parents`
//! beyond "inside a tunnel or not". `ip_proto` joins the pairing key where the baseline has it.
//!
//! Gates: every field at 99% or more over all gated cases, `conn_state` at 100% for the
//! `tcp-rst-states` traces and for every connection Zeek calls S0 or REJ (scan probes), and at
//! most 1% extra connections. Run with
//! `cargo test -p wormscope-core --test zeek_conformance -- --nocapture` to see the tables.

mod common;

use common::zeek_log::{parse_baseline, BaselineFormat, Row, UNSET};
use std::collections::BTreeMap;
use std::net::IpAddr;
use wormscope_core::conn::{ConnConfig, Connection, Proto};
use wormscope_core::net::LocalNets;
use wormscope_core::Config;

/// One baseline and the trace(s) Zeek read to produce it.
struct Case {
    /// The unit's `### ` heading in MANIFEST.md.
    unit: &'static str,
    /// Captures, relative to the corpus. Several only for [`BaselineFormat::HistoryStateLines`],
    /// where line `i` of the baseline comes from `traces[i]`.
    traces: &'static [&'static str],
    /// Baseline file, relative to the corpus.
    baseline: &'static str,
    format: BaselineFormat,
    /// The Zeek command line of the btest, for the printout.
    zeek_command: &'static str,
    /// The scripts a bare run (`zeek -b`) loads, or None for a run with Zeek's default scripts.
    bare_scripts: Option<&'static [&'static str]>,
    /// True if and only if the test ran Zeek with `-C` (or the ignore-checksums setting below).
    ignore_checksums: bool,
    /// Networks the test adds to `Site::local_nets` (Zeek always adds its private space too).
    extra_local_nets: &'static [&'static str],
    /// A BPF filter the test applied, which we mirror by dropping other connections.
    filter: Option<Filter>,
    /// None for a gated case; otherwise why the case is printed but left out of the gates.
    reference_only: Option<&'static str>,
}

/// The BPF filters the corpus's btests use.
#[derive(Clone, Copy)]
enum Filter {
    /// `tcp port N`.
    TcpPort(u16),
}

const CONN: BaselineFormat = BaselineFormat::ConnLog;

/// Columns of the headerless zeek-cut output in the community-id test.
const COMMUNITY_ID_CUT: &[&str] = &["id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto", "service", "community_id"];

const fn case(unit: &'static str, trace: &'static [&'static str], baseline: &'static str, zeek_command: &'static str) -> Case {
    Case {
        unit,
        traces: trace,
        baseline,
        format: CONN,
        zeek_command,
        bare_scripts: None,
        ignore_checksums: false,
        extra_local_nets: &[],
        filter: None,
        reference_only: None,
    }
}

/// Builds a case whose btest runs Zeek bare (`-b`), loading only `scripts`.
const fn bare(
    unit: &'static str,
    trace: &'static [&'static str],
    baseline: &'static str,
    zeek_command: &'static str,
    scripts: &'static [&'static str],
) -> Case {
    Case { bare_scripts: Some(scripts), ..case(unit, trace, baseline, zeek_command) }
}

/// Every corpus baseline that carries conn.log fields, with its btest's settings.
const CASES: &[Case] = &[
    bare(
        "bad-checksums-localhost",
        &["zeek/traces/chksums/localhost-bad-chksum.pcap"],
        "zeek/baselines/core.checksums_ignore_nets/conn-failed.log",
        "zeek -b -r localhost-bad-chksum.pcap",
        &["base/protocols/conn"],
    ),
    // The test runs with `ignore_checksums_nets += {192.168.0.0/16}`. Only packets from
    // 192.168.1.28 carry bad checksums (offloaded on the sending host), so ignoring every
    // checksum gives Zeek the same input.
    Case {
        ignore_checksums: true,
        ..bare(
            "bad-checksums-localhost",
            &["zeek/traces/chksums/localhost-bad-chksum.pcap"],
            "zeek/baselines/core.checksums_ignore_nets/conn-worked.log",
            "zeek -b -r localhost-bad-chksum.pcap \"ignore_checksums_nets += {192.168.0.0/16}\"",
            &["base/protocols/conn"],
        )
    },
    case(
        "cisco-fabric-path",
        &["zeek/traces/cisco-fabric-path.pcap"],
        "zeek/baselines/core.cisco-fabric-path/conn.log",
        "zeek -r cisco-fabric-path.pcap",
    ),
    bare(
        "ftp-ipv4",
        &["zeek/traces/ftp/ipv4.pcap"],
        "zeek/baselines/scripts.base.protocols.ftp.ftp-ipv4/conn.log",
        "zeek -b -r ftp/ipv4.pcap base/protocols/conn base/protocols/ftp",
        &["base/protocols/conn", "base/protocols/ftp"],
    ),
    bare(
        "gre-tunnel",
        &["zeek/traces/tunnels/gre-sample.pcap"],
        "zeek/baselines/core.tunnels.gre/conn.log",
        "zeek -b -r tunnels/gre-sample.pcap (tunnels, conn, dns, ssh, ntp)",
        &["base/frameworks/tunnels", "base/protocols/conn", "base/protocols/dns", "base/protocols/ssh", "base/protocols/ntp"],
    ),
    case(
        "modbus-and-other-on-502",
        &["zeek/traces/modbus/modbus-and-non-modbus-p502.pcap"],
        "zeek/baselines/scripts.base.protocols.modbus.modbus_and_non_modbus_on_port_502/conn.log",
        "zeek -r modbus/modbus-and-non-modbus-p502.pcap",
    ),
    Case {
        ignore_checksums: true,
        ..case(
            "pcapng-multi-interface",
            &["zeek/traces/pcapng-multi-interface.pcapng"],
            "zeek/baselines/core.pcapng-pktsrc/conn.log",
            "zeek -C -r pcapng-multi-interface.pcapng",
        )
    },
    Case {
        format: BaselineFormat::CutWithHeader,
        ignore_checksums: true,
        ..bare(
            "smtp-bdat-pipelined-multi-mail",
            &["zeek/traces/smtp/smtp-bdat-pipeline-8bitmime.pcap"],
            "zeek/baselines/scripts.base.protocols.smtp.bdat-pipeline-8bitmime/conn.log.cut",
            "zeek -C -b -r smtp/smtp-bdat-pipeline-8bitmime.pcap; zeek-cut -m uid id.* service duration",
            &["base/protocols/conn", "base/protocols/smtp"],
        )
    },
    // The cut has no id columns; its two rows are paired with ours in start order. Both uids
    // are Zeek's first two test uids, so the rows are the first two connections created.
    Case {
        format: BaselineFormat::CutWithHeader,
        filter: Some(Filter::TcpPort(25)),
        ..bare(
            "smtp-two-sessions",
            &["zeek/traces/smtp.pcap"],
            "zeek/baselines/scripts.base.files.mime.mime-content-hash/conn.log",
            "zeek -b -f 'tcp port 25' -r smtp.pcap; btest-diff-cut -m uid history service",
            &["base/protocols/conn", "base/protocols/smtp"],
        )
    },
    case(
        "ssh-half-duplex-client",
        &["zeek/traces/ssh/ssh.client-side-half-duplex.pcap"],
        "zeek/baselines/scripts.base.protocols.ssh.half-duplex-client/conn.log",
        "zeek -r ssh/ssh.client-side-half-duplex.pcap",
    ),
    case(
        "ssh-half-duplex-server",
        &["zeek/traces/ssh/ssh.server-side-half-duplex.pcap"],
        "zeek/baselines/scripts.base.protocols.ssh.half-duplex-server/conn.log",
        "zeek -r ssh/ssh.server-side-half-duplex.pcap",
    ),
    case(
        "ssh-many-sessions",
        &["zeek/traces/ssh/ssh.pcap"],
        "zeek/baselines/scripts.base.protocols.ssh.basic/conn.log",
        "zeek -r ssh/ssh.pcap",
    ),
    Case {
        format: BaselineFormat::EndpointRecords,
        ..bare(
            "tcp-fin-retransmit",
            &["zeek/traces/tcp/fin_retransmission.pcap"],
            "zeek/baselines/core.tcp.fin-retransmit/out",
            "zeek -b -r tcp/fin_retransmission.pcap (print c$orig; print c$resp)",
            &[],
        )
    },
    case(
        "tcp-flip-without-syn-pcapng",
        &["zeek/traces/tcp/http-on-irc-port-missing-syn.pcapng"],
        "zeek/baselines/core.tcp.flip-without-syn/conn.log",
        "zeek -r tcp/http-on-irc-port-missing-syn.pcapng",
    ),
    Case {
        format: BaselineFormat::CutColumns(COMMUNITY_ID_CUT),
        ..bare(
            "tcp-handshake-reorder",
            &["zeek/traces/tcp/handshake-reorder.pcap"],
            "zeek/baselines/scripts.policy.protocols.conn.community-id-logging-flipped/conn.log.cut",
            "zeek -b -r tcp/handshake-reorder.pcap; zeek-cut id.* proto service community_id",
            &["protocols/conn/community-id-logging"],
        )
    },
    bare(
        "tcp-miss-end-data",
        &["zeek/traces/tcp/miss_end_data.pcap"],
        "zeek/baselines/core.tcp.miss-end-data/conn.log",
        "zeek -b -r tcp/miss_end_data.pcap (conn, http; report_gaps_for_partial=T)",
        &["base/protocols/conn", "base/protocols/http"],
    ),
    Case {
        ignore_checksums: true,
        ..bare(
            "tcp-missing-syn",
            &["zeek/traces/tcp/missing-syn.pcap"],
            "zeek/baselines/core.tcp.missing-syn/conn.log",
            "zeek -b -C -r tcp/missing-syn.pcap (conn, http)",
            &["base/protocols/conn", "base/protocols/http"],
        )
    },
    Case {
        ignore_checksums: true,
        extra_local_nets: &["125.190.109.0/24"],
        ..bare(
            "tcp-missing-syn",
            &["zeek/traces/tcp/missing-syn.pcap"],
            "zeek/baselines/core.history-flip/conn.log",
            "zeek -b -C -r tcp/missing-syn.pcap (http, mac-logging; redef Site::local_nets = {125.190.109.0/24})",
            &["base/protocols/http", "policy/protocols/conn/mac-logging"],
        )
    },
    // `max_timer_expires=0` lets every due timer fire: the 300 s inactivity timeout ends the
    // connection exactly when the retransmission arrives, which then opens a second one.
    Case {
        ignore_checksums: true,
        ..bare(
            "tcp-retransmit-timeout-pcapng",
            &["zeek/traces/tcp/retransmit-timeout.pcapng"],
            "zeek/baselines/core.expire-all-timers/conn-all.log",
            "zeek -b -C -r tcp/retransmit-timeout.pcapng max_timer_expires=0",
            &["base/protocols/conn"],
        )
    },
    Case {
        ignore_checksums: true,
        reference_only: Some("Zeek's default caps timer expiries per packet, so the due inactivity timer fires late"),
        ..bare(
            "tcp-retransmit-timeout-pcapng",
            &["zeek/traces/tcp/retransmit-timeout.pcapng"],
            "zeek/baselines/core.expire-all-timers/conn-limited.log",
            "zeek -b -C -r tcp/retransmit-timeout.pcapng",
            &["base/protocols/conn"],
        )
    },
    Case {
        format: BaselineFormat::HistoryStateLines,
        ignore_checksums: true,
        ..bare(
            "tcp-rst-states",
            &[
                "zeek/traces/tcp/single-rst.pcap",
                "zeek/traces/tcp/syn-then-rst.pcap",
                "zeek/traces/tcp/syn-then-ack-then-rst.pcap",
                "zeek/traces/tcp/syn-then-stuff-then-rst.pcap",
            ],
            "zeek/baselines/scripts.base.protocols.conn.conn_state-RST-behavior/out",
            "zeek -b -C -r TRACE (print c$history, c$conn$conn_state), once per trace",
            &["base/protocols/conn"],
        )
    },
    Case {
        ignore_checksums: true,
        ..case(
            "tcp-rxmit-history",
            &["zeek/traces/tcp/retransmit-fast009.pcap"],
            "zeek/baselines/core.tcp.rxmit-history/conn-1.log",
            "zeek -C -r tcp/retransmit-fast009.pcap",
        )
    },
    Case {
        ignore_checksums: true,
        ..case(
            "tcp-rxmit-history",
            &["zeek/traces/wikipedia.pcap"],
            "zeek/baselines/core.tcp.rxmit-history/conn-2.log",
            "zeek -C -r wikipedia.pcap",
        )
    },
    bare(
        "teredo-ipv6-in-udp",
        &["zeek/traces/tunnels/Teredo.pcap"],
        "zeek/baselines/core.tunnels.teredo/conn.log",
        "zeek -b -r tunnels/Teredo.pcap (tunnels, conn, http, dns, dhcp)",
        &["base/frameworks/tunnels", "base/frameworks/notice/weird", "base/protocols/tunnels", "base/protocols/conn", "base/protocols/http", "base/protocols/dns", "base/protocols/dhcp"],
    ),
    Case {
        format: BaselineFormat::CutWithHeader,
        ..case(
            "udp-corrupt-dns",
            &["zeek/traces/dns/dns-corrupt.pcap"],
            "zeek/baselines/core.udp-corrupt/conn.log",
            "zeek -r dns/dns-corrupt.pcap; btest-diff-cut -m uid orig_pkts resp_pkts history conn_state",
        )
    },
    bare(
        "vlan-q-in-q",
        &["zeek/traces/q-in-q.pcap"],
        "zeek/baselines/core.q-in-q/conn.log",
        "zeek -b -r q-in-q.pcap base/protocols/conn",
        &["base/protocols/conn"],
    ),
    bare(
        "vlan-q-in-q",
        &["zeek/traces/q-in-q.pcap"],
        "zeek/baselines/scripts.policy.protocols.conn.vlan-logging/conn.log",
        "zeek -b -r q-in-q.pcap protocols/conn/vlan-logging",
        &["protocols/conn/vlan-logging"],
    ),
    bare(
        "vxlan-tunnel",
        &["zeek/traces/tunnels/vxlan.pcap"],
        "zeek/baselines/core.tunnels.vxlan/conn.log",
        "zeek -b -r tunnels/vxlan.pcap (tunnels, conn)",
        &["base/frameworks/tunnels", "base/protocols/conn"],
    ),
];

/// `Site::private_address_space` from Zeek's `scripts/base/utils/site.zeek` (Zeek git, commit
/// 0fe32715), which Zeek adds to `Site::local_nets` because `private_address_space_is_local`
/// defaults to true. The Teredo baseline (2001:0:4137:...: local) confirms `2001::/23` is in
/// the list the corpus was made with.
const ZEEK_PRIVATE_ADDRESS_SPACE: &[&str] = &[
    "0.0.0.0/8", "2002::/24", "10.0.0.0/8", "2002:a00::/24", "100.64.0.0/10", "2002:6440::/26",
    "127.0.0.0/8", "2002:7f00::/24", "169.254.0.0/16", "2002:a9fe::/32", "172.16.0.0/12",
    "2002:ac10::/28", "192.0.0.0/24", "2002:c000::/40", "192.0.2.0/24", "2002:c000:200::/40",
    "192.168.0.0/16", "2002:c0a8::/32", "198.18.0.0/15", "2002:c612::/31", "198.51.100.0/24",
    "2002:c633:6400::/40", "203.0.113.0/24", "2002:cb00:7100::/40", "240.0.0.0/4", "2002:f000::/20",
    "255.255.255.255/32", "2002:ffff:ffff::/48", "::/128", "::1/128", "64:ff9b:1::/48", "100::/64",
    "2001::/23", "2001:2::/48", "2001:db8::/32", "fc00::/7", "fe80::/10",
    // The wikipedia baseline logs 224.0.0.251 and 224.0.0.252 as local (and ff02::fb as
    // not), so the Zeek that made the corpus also counts IPv4 link-local multicast.
    "224.0.0.0/24",
];

/// The conn.log fields compared, in print order, with their column headers.
const FIELDS: &[(&str, &str)] = &[
    ("conn_state", "state"),
    ("history", "hist"),
    ("orig_bytes", "o_by"),
    ("resp_bytes", "r_by"),
    ("orig_pkts", "o_pk"),
    ("resp_pkts", "r_pk"),
    ("orig_ip_bytes", "o_ip"),
    ("resp_ip_bytes", "r_ip"),
    ("missed_bytes", "miss"),
    ("duration", "dur"),
    ("service", "svc"),
    ("local_orig", "l_o"),
    ("local_resp", "l_r"),
    ("tunnel_parents", "tun"),
];

/// Fields printed but not gated. `tunnel_parents` holds uids, which differ between Zeek and
/// us, so only its presence is compared.
const UNGATED_FIELDS: &[&str] = &["tunnel_parents"];

/// Minimum share of Zeek's connections that must match, per gated field, over all gated cases.
const FIELD_SHARE_MIN: f64 = 0.99;

/// Maximum share of connections that we report and Zeek does not, over all gated cases.
const EXTRA_SHARE_MAX: f64 = 0.01;

/// Largest difference in `duration` counted as identical, in nanoseconds (1 ms).
const DURATION_TOLERANCE_NS: i64 = 1_000_000;

/// At most this many mismatch lines are printed in all, and per trace.
const MISMATCH_PRINT_MAX: usize = 120;
const MISMATCH_PRINT_PER_TRACE: usize = 16;

/// Builds the analyzer settings that mirror a case's Zeek command line.
fn zeek_config(case: &Case) -> Config {
    let mut config = Config::default();
    config.conn.ignore_checksums = case.ignore_checksums;
    let nets: Vec<&str> = ZEEK_PRIVATE_ADDRESS_SPACE.iter().chain(case.extra_local_nets).copied().collect();
    config.local_nets = LocalNets::parse_list(&nets.join(",")).expect("Zeek's private address space parses");
    // Zeek's default timeouts, set here so a change of our defaults cannot move results.
    config.conn.tcp_inactivity_timeout = 300 * NANOS;
    config.conn.udp_inactivity_timeout = 60 * NANOS;
    config.conn.icmp_inactivity_timeout = 60 * NANOS;

    // A bare run (`-b`) loads only the scripts the test names, so only their analyzers
    // register server ports (for role flips) and can name a service.
    if let Some(scripts) = case.bare_scripts {
        let bare = ConnConfig::bare();
        config.conn.likely_server_ports = bare.likely_server_ports;
        config.conn.services = bare.services;
        for (_, ports, services) in BARE_SCRIPTS.iter().filter(|(script, _, _)| scripts.contains(script)) {
            config.conn.likely_server_ports.extend_from_slice(ports);
            config.conn.services.extend_from_slice(services);
        }
    }
    config
}

const NANOS: i64 = 1_000_000_000;

/// A script's name, the ports it makes likely server ports and the services it names.
type BareScript = (&'static str, &'static [(Proto, u16)], &'static [&'static str]);

/// Scripts a bare btest may load, with the ports their analyzers add to
/// `likely_server_ports` and the services they can name. The ports follow the `ports`
/// constants in Zeek's `scripts/base/protocols/*/main.zeek` (read for FTP, HTTP and DNS).
/// The tunnel framework adds the AYIYA, Teredo and GTPv1 ports. The Teredo baseline shows
/// this: Zeek flips a flow seen only from port 3544 (history `^d`).
const BARE_SCRIPTS: &[BareScript] = &[
    ("base/protocols/ftp", &[(Proto::Tcp, 21), (Proto::Tcp, 2811)], &["ftp", "ftp-data"]),
    ("base/protocols/ssh", &[(Proto::Tcp, 22)], &["ssh"]),
    (
        "base/protocols/http",
        &[(Proto::Tcp, 80), (Proto::Tcp, 81), (Proto::Tcp, 631), (Proto::Tcp, 1080), (Proto::Tcp, 3128), (Proto::Tcp, 8000), (Proto::Tcp, 8080), (Proto::Tcp, 8888)],
        &["http"],
    ),
    ("base/protocols/smtp", &[(Proto::Tcp, 25), (Proto::Tcp, 587)], &["smtp"]),
    ("base/protocols/dns", &[(Proto::Udp, 53), (Proto::Tcp, 53), (Proto::Udp, 137), (Proto::Udp, 5353), (Proto::Udp, 5355)], &["dns"]),
    ("base/protocols/ntp", &[(Proto::Udp, 123)], &["ntp"]),
    ("base/protocols/dhcp", &[(Proto::Udp, 67), (Proto::Udp, 68)], &["dhcp"]),
    ("base/frameworks/tunnels", &[(Proto::Udp, 5072), (Proto::Udp, 3544), (Proto::Udp, 2152), (Proto::Udp, 2123)], &["teredo", "vxlan"]),
];

/// Renders one of our connections as conn.log text, following Zeek's logging rules.
fn render(conn: &Connection) -> Row {
    let mut row = Row::new();
    let mut put = |name: &str, value: String| {
        row.insert(name.to_string(), value);
    };
    put("id.orig_h", conn.orig_h.to_string());
    put("id.orig_p", conn.orig_p.to_string());
    put("id.resp_h", conn.resp_h.to_string());
    put("id.resp_p", conn.resp_p.to_string());
    put("proto", conn.proto.as_str().to_string());
    put("ip_proto", conn.ip_proto.to_string());
    put("service", conn.service.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| UNSET.into()));

    // Zeek sets duration and both byte counts only when the duration is above zero.
    let timed = conn.duration > 0;
    put("duration", if timed { format_seconds(conn.duration) } else { UNSET.into() });
    put("orig_bytes", if timed { conn.orig_bytes.to_string() } else { UNSET.into() });
    put("resp_bytes", if timed { conn.resp_bytes.to_string() } else { UNSET.into() });

    put("conn_state", conn.conn_state.as_str().to_string());
    put("local_orig", bool_text(conn.local_orig));
    put("local_resp", bool_text(conn.local_resp));
    put("missed_bytes", conn.missed_bytes.to_string());
    put("history", if conn.history.is_empty() { UNSET.into() } else { conn.history.clone() });
    put("orig_pkts", conn.orig_pkts.to_string());
    put("orig_ip_bytes", conn.orig_ip_bytes.to_string());
    put("resp_pkts", conn.resp_pkts.to_string());
    put("resp_ip_bytes", conn.resp_ip_bytes.to_string());
    put("tunnel_parents", if conn.tunnel_parents.is_empty() { UNSET.into() } else { TUNNELLED.into() });
    row
}

/// Stand-in for any non-empty `tunnel_parents` value, ours or Zeek's.
const TUNNELLED: &str = "(tunnelled)";

fn bool_text(value: bool) -> String {
    if value { "T" } else { "F" }.to_string()
}

/// Formats nanoseconds as seconds with six decimals, as Zeek writes an `interval`.
fn format_seconds(nanos: i64) -> String {
    let micros = (nanos + 500) / 1_000;
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

/// Parses Zeek's `interval` text (seconds with a fraction) into nanoseconds.
fn parse_seconds(text: &str) -> Option<i64> {
    let seconds: f64 = text.parse().ok()?;
    Some((seconds * 1e9).round() as i64)
}

/// The connection key as both sides write it. `proto` is None when the baseline lacks it.
#[derive(Clone, Debug, PartialEq)]
struct Key {
    orig_h: IpAddr,
    orig_p: u16,
    resp_h: IpAddr,
    resp_p: u16,
    proto: Option<String>,
}

impl Key {
    /// Reads the key from a row; None if the row has no id columns.
    fn from_row(row: &Row) -> Option<Key> {
        Some(Key {
            orig_h: row.get("id.orig_h")?.parse().ok()?,
            orig_p: row.get("id.orig_p")?.parse().ok()?,
            resp_h: row.get("id.resp_h")?.parse().ok()?,
            resp_p: row.get("id.resp_p")?.parse().ok()?,
            proto: row.get("proto").cloned(),
        })
    }

    /// Returns true if and only if `ours` (a full key) is this key, ignoring a missing proto.
    fn matches(&self, ours: &Key) -> bool {
        let same_proto = self.proto.is_none() || self.proto == ours.proto;
        same_proto && self.orig_h == ours.orig_h && self.orig_p == ours.orig_p && self.resp_h == ours.resp_h && self.resp_p == ours.resp_p
    }

    fn flipped(&self) -> Key {
        Key { orig_h: self.resp_h, orig_p: self.resp_p, resp_h: self.orig_h, resp_p: self.orig_p, proto: self.proto.clone() }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let proto = self.proto.as_deref().unwrap_or("?");
        let orig = std::net::SocketAddr::new(self.orig_h, self.orig_p);
        let resp = std::net::SocketAddr::new(self.resp_h, self.resp_p);
        write!(f, "{proto} {orig} > {resp}")
    }
}

/// Identical rows out of compared rows for one field.
#[derive(Clone, Copy, Default)]
struct Tally {
    identical: usize,
    compared: usize,
}

impl Tally {
    fn add(&mut self, identical: bool) {
        self.compared += 1;
        self.identical += usize::from(identical);
    }

    fn merge(&mut self, other: Tally) {
        self.identical += other.identical;
        self.compared += other.compared;
    }

    fn share(self) -> Option<f64> {
        (self.compared > 0).then(|| self.identical as f64 / self.compared as f64)
    }
}

/// The comparison of one trace with its baseline rows.
#[derive(Default)]
struct Outcome {
    /// `trace test/baseline`, for the table.
    label: String,
    /// The Zeek command line and our settings, for the printout.
    settings: String,
    gated: bool,
    /// True for the `tcp-rst-states` traces, whose conn_state must match exactly.
    rst_states: bool,
    zeek_rows: usize,
    ours: usize,
    matched: usize,
    missing: usize,
    extra: usize,
    /// Zeek connections that we report with originator and responder swapped.
    flipped: usize,
    tallies: BTreeMap<&'static str, Tally>,
    /// conn_state on the rows Zeek calls S0 or REJ.
    scan_states: Tally,
    mismatches: Vec<String>,
    /// Errors the analyzer returned for the trace.
    errors: Vec<String>,
}

/// Runs one trace and compares it with the baseline rows that came from it.
fn compare_trace(case: &Case, trace: &str, zeek: &[Row]) -> Outcome {
    let run = common::analyze_capture(trace, zeek_config(case));
    let ours: Vec<&Connection> = run.report.connections.iter().filter(|conn| passes_filter(case.filter, conn)).collect();
    let mut outcome = Outcome {
        label: format!("{} {}", file_name(trace), short_baseline(case.baseline)),
        settings: describe_settings(case),
        gated: case.reference_only.is_none(),
        rst_states: case.unit == "tcp-rst-states",
        zeek_rows: zeek.len(),
        ours: ours.len(),
        errors: run.errors.iter().map(|e| e.to_string()).collect(),
        ..Outcome::default()
    };
    let rendered: Vec<(Key, Row)> = ours.iter().map(|conn| (our_key(conn), render(conn))).collect();
    let mut used = vec![false; rendered.len()];

    for zeek_row in zeek {
        match pair(zeek_row, &rendered, &mut used) {
            Pairing::Found(index) => {
                outcome.matched += 1;
                compare_fields(zeek_row, &rendered[index].1, &rendered[index].0, &mut outcome);
            }
            Pairing::Flipped(index) => {
                outcome.flipped += 1;
                let note = format!("{}: originator and responder swapped (ours {})", trace_key(zeek_row), rendered[index].0);
                count_missing(zeek_row, note, &mut outcome);
            }
            Pairing::Missing => count_missing(zeek_row, format!("{}: in Zeek only", trace_key(zeek_row)), &mut outcome),
        }
    }

    for (index, (key, _)) in rendered.iter().enumerate().filter(|(i, _)| !used[*i]) {
        outcome.extra += 1;
        outcome.mismatches.push(format!("{key}: ours only (connection #{index})"));
    }
    outcome
}

enum Pairing {
    Found(usize),
    Flipped(usize),
    Missing,
}

/// Finds the first unused connection of ours for a Zeek row with the same key, or else with
/// the key reversed. Rows without id columns take our connections in start order.
fn pair(zeek_row: &Row, ours: &[(Key, Row)], used: &mut [bool]) -> Pairing {
    let Some(key) = Key::from_row(zeek_row) else {
        return match used.iter().position(|u| !u) {
            Some(index) => {
                used[index] = true;
                Pairing::Found(index)
            }
            None => Pairing::Missing,
        };
    };

    // Zeek 7 logs `ip_proto`; where the baseline has it, it tells apart connections that
    // share addresses and ports (unknown transports are logged with ports 0).
    let same_ip_proto = |i: usize| match (zeek_row.get("ip_proto"), ours[i].1.get("ip_proto")) {
        (Some(theirs), Some(mine)) => theirs == mine,
        _ => true,
    };
    let find = |wanted: &Key, used: &[bool]| (0..ours.len()).find(|&i| !used[i] && wanted.matches(&ours[i].0) && same_ip_proto(i));
    if let Some(index) = find(&key, used) {
        used[index] = true;
        return Pairing::Found(index);
    }
    if let Some(index) = find(&key.flipped(), used) {
        used[index] = true;
        return Pairing::Flipped(index);
    }
    Pairing::Missing
}

/// Counts a Zeek row we did not reproduce as not identical in every field it carries.
fn count_missing(zeek_row: &Row, note: String, outcome: &mut Outcome) {
    outcome.missing += 1;
    for &(field, _) in FIELDS {
        if comparable(zeek_row, field).is_some() {
            outcome.tallies.entry(field).or_default().add(false);
        }
    }
    if is_scan_state(zeek_row) {
        outcome.scan_states.add(false);
    }
    outcome.mismatches.push(note);
}

/// Compares the fields a Zeek row carries with our rendering of the paired connection.
fn compare_fields(zeek_row: &Row, ours: &Row, key: &Key, outcome: &mut Outcome) {
    for &(field, _) in FIELDS {
        let Some(expected) = comparable(zeek_row, field) else { continue };
        let actual = ours.get(field).map(String::as_str).unwrap_or(UNSET);
        let identical = same_value(field, &expected, actual);
        outcome.tallies.entry(field).or_default().add(identical);
        if field == "conn_state" && is_scan_state(zeek_row) {
            outcome.scan_states.add(identical);
        }
        if !identical {
            outcome.mismatches.push(format!("{key}: {field}: ours {actual}, zeek {expected}"));
        }
    }
}

/// Returns the Zeek value of `field` in a form comparable with ours, or None if the row
/// lacks the field or masks it.
fn comparable(zeek_row: &Row, field: &str) -> Option<String> {
    let value = zeek_row.get(field)?;
    if value.contains("XXXX") {
        return None;
    }
    if field == "tunnel_parents" && value != UNSET {
        return Some(TUNNELLED.into());
    }
    Some(value.clone())
}

fn same_value(field: &str, zeek: &str, ours: &str) -> bool {
    if field != "duration" || zeek == UNSET || ours == UNSET {
        return zeek == ours;
    }
    match (parse_seconds(zeek), parse_seconds(ours)) {
        (Some(z), Some(o)) => (z - o).abs() <= DURATION_TOLERANCE_NS,
        _ => false,
    }
}

fn is_scan_state(zeek_row: &Row) -> bool {
    matches!(zeek_row.get("conn_state").map(String::as_str), Some("S0" | "REJ"))
}

fn our_key(conn: &Connection) -> Key {
    Key {
        orig_h: conn.orig_h,
        orig_p: conn.orig_p,
        resp_h: conn.resp_h,
        resp_p: conn.resp_p,
        proto: Some(conn.proto.as_str().to_string()),
    }
}

fn trace_key(zeek_row: &Row) -> String {
    match Key::from_row(zeek_row) {
        Some(key) => key.to_string(),
        None => format!("row without id columns ({})", zeek_row.get("uid").map(String::as_str).unwrap_or("no uid")),
    }
}

fn passes_filter(filter: Option<Filter>, conn: &Connection) -> bool {
    match filter {
        None => true,
        Some(Filter::TcpPort(port)) => conn.proto == Proto::Tcp && (conn.orig_p == port || conn.resp_p == port),
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Describes the Zeek command and the settings we mirror it with.
fn describe_settings(case: &Case) -> String {
    let mut text = format!("{}; ours: ignore_checksums={}", case.zeek_command, case.ignore_checksums);
    if !case.extra_local_nets.is_empty() {
        text.push_str(&format!(", local nets += {}", case.extra_local_nets.join(",")));
    }
    if let Some(Filter::TcpPort(port)) = case.filter {
        text.push_str(&format!(", only tcp port {port}"));
    }
    if let Some(reason) = case.reference_only {
        text.push_str(&format!("; reference only: {reason}"));
    }
    text
}

/// Shortens `zeek/baselines/core.tcp.missing-syn/conn.log` to `missing-syn/conn.log`: the
/// btest name after its last dot, and the file.
fn short_baseline(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let file = parts.next().unwrap_or(path);
    let test = parts.next().unwrap_or("");
    format!("{}/{file}", test.rsplit('.').next().unwrap_or(test))
}

/// Reads a case's baseline and splits its rows by trace.
fn baseline_rows_by_trace(case: &Case) -> Vec<(&'static str, Vec<Row>)> {
    let text = String::from_utf8(common::read_corpus_file(case.baseline)).expect("baselines are UTF-8");
    let rows = parse_baseline(&text, case.format).unwrap_or_else(|error| panic!("{}: {error}", case.baseline));
    if let BaselineFormat::HistoryStateLines = case.format {
        assert_eq!(rows.len(), case.traces.len(), "{}: one line per trace expected", case.baseline);
        return case.traces.iter().zip(rows).map(|(trace, row)| (*trace, vec![row])).collect();
    }
    assert_eq!(case.traces.len(), 1, "{}: only per-trace line formats take several traces", case.baseline);
    vec![(case.traces[0], rows)]
}

/// Runs every case.
fn run_all_cases() -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for case in CASES {
        for (trace, rows) in baseline_rows_by_trace(case) {
            outcomes.push(compare_trace(case, trace, &rows));
        }
    }
    outcomes
}

/// Formats a share as a whole percentage, or `-` when nothing was compared.
fn percent(tally: Tally) -> String {
    match tally.share() {
        Some(share) => format!("{:.0}", (share * 100.0).floor()),
        None => "-".into(),
    }
}

fn print_table(outcomes: &[Outcome], total: &Outcome) {
    let headers: Vec<String> = FIELDS.iter().map(|(_, short)| format!("{short:>5}")).collect();
    println!("\nShare of Zeek's connections identical in each field, in percent ('-': not in the baseline).");
    println!("zeek: baseline rows; ours: our connections; miss: Zeek only; extra: ours only; flip: swapped direction.");
    println!("A '*' marks a reference-only case, left out of the overall row and the gates.\n");
    println!("{:<62} {:>4} {:>4} {:>4} {:>5} {:>4} {}", "trace  btest/baseline", "zeek", "ours", "miss", "extra", "flip", headers.join(""));
    for outcome in outcomes.iter().chain(std::iter::once(total)) {
        let label = if outcome.gated { outcome.label.clone() } else { format!("*{}", outcome.label) };
        let cells: Vec<String> = FIELDS.iter().map(|(field, _)| format!("{:>5}", percent(outcome.tallies.get(field).copied().unwrap_or_default()))).collect();
        println!(
            "{:<62} {:>4} {:>4} {:>4} {:>5} {:>4} {}",
            label, outcome.zeek_rows, outcome.ours, outcome.missing, outcome.extra, outcome.flipped, cells.join("")
        );
    }
    println!();
    for (field, _) in FIELDS {
        let tally = total.tallies.get(field).copied().unwrap_or_default();
        println!("overall {field:<15} {:>4}/{:<4} identical", tally.identical, tally.compared);
    }
    println!("overall conn_state on Zeek S0/REJ rows {}/{}", total.scan_states.identical, total.scan_states.compared);
}

fn print_settings(outcomes: &[Outcome]) {
    println!("\nCases: the btest's Zeek command and our matching settings.");
    for outcome in outcomes {
        println!("  {}: {}", outcome.label, outcome.settings);
    }
}

fn print_mismatches(outcomes: &[Outcome]) {
    let total: usize = outcomes.iter().map(|o| o.errors.len() + o.mismatches.len()).sum();
    println!("\n{total} mismatch and error lines (at most {MISMATCH_PRINT_PER_TRACE} per trace, {MISMATCH_PRINT_MAX} in all):");
    let mut printed = 0;
    for outcome in outcomes {
        let lines: Vec<String> =
            outcome.errors.iter().map(|e| format!("analyzer error: {e}")).chain(outcome.mismatches.iter().cloned()).collect();
        for line in lines.iter().take(MISMATCH_PRINT_PER_TRACE).take(MISMATCH_PRINT_MAX.saturating_sub(printed)) {
            println!("  {}: {line}", outcome.label);
            printed += 1;
        }
        if lines.len() > MISMATCH_PRINT_PER_TRACE {
            println!("  {}: ... {} more", outcome.label, lines.len() - MISMATCH_PRINT_PER_TRACE);
        }
    }
}

/// Sums the gated outcomes into one overall row.
fn overall(outcomes: &[Outcome]) -> Outcome {
    let mut total = Outcome { label: "OVERALL (gated cases)".into(), gated: true, ..Outcome::default() };
    for outcome in outcomes.iter().filter(|o| o.gated) {
        total.zeek_rows += outcome.zeek_rows;
        total.ours += outcome.ours;
        total.matched += outcome.matched;
        total.missing += outcome.missing;
        total.extra += outcome.extra;
        total.flipped += outcome.flipped;
        total.scan_states.merge(outcome.scan_states);
        for (field, tally) in &outcome.tallies {
            total.tallies.entry(field).or_default().merge(*tally);
        }
    }
    total
}

#[test]
fn connections_match_zeek_conn_log() {
    let outcomes = run_all_cases();
    let total = overall(&outcomes);
    print_settings(&outcomes);
    print_table(&outcomes, &total);
    print_mismatches(&outcomes);

    // Gate 1: every gated field at FIELD_SHARE_MIN or more over all gated cases.
    let weak: Vec<String> = FIELDS
        .iter()
        .filter(|(field, _)| !UNGATED_FIELDS.contains(field))
        .filter_map(|(field, _)| {
            let tally = total.tallies.get(field).copied().unwrap_or_default();
            let share = tally.share().unwrap_or(0.0);
            (share < FIELD_SHARE_MIN).then(|| format!("{field} {}/{}", tally.identical, tally.compared))
        })
        .collect();
    assert!(weak.is_empty(), "fields below {:.0}% identical to Zeek: {}", FIELD_SHARE_MIN * 100.0, weak.join(", "));

    // Gate 2: the RST traces reproduce Zeek's conn_state exactly.
    let rst: Vec<&str> = outcomes
        .iter()
        .filter(|o| o.rst_states && o.tallies.get("conn_state").is_none_or(|t| t.identical != t.compared))
        .map(|o| o.label.as_str())
        .collect();
    assert!(rst.is_empty(), "conn_state differs from Zeek on tcp-rst-states traces: {}", rst.join(", "));

    // Gate 3: every connection Zeek calls S0 or REJ gets the same conn_state from us.
    let scans = total.scan_states;
    assert_eq!(scans.identical, scans.compared, "conn_state differs from Zeek on S0/REJ connections");

    // Gate 4: few connections that Zeek does not report.
    let extra_share = total.extra as f64 / total.zeek_rows.max(1) as f64;
    assert!(extra_share <= EXTRA_SHARE_MAX, "{} connections reported by us only, against {} Zeek rows", total.extra, total.zeek_rows);
}

#[test]
fn baselines_leave_bytes_unset_at_zero_duration() {
    for case in CASES.iter().filter(|c| matches!(c.format, BaselineFormat::ConnLog)) {
        for (_, rows) in baseline_rows_by_trace(case) {
            for row in rows {
                let unset = |field: &str| row.get(field).map(String::as_str) == Some(UNSET);
                assert_eq!(unset("duration"), unset("orig_bytes"), "{}: duration and orig_bytes disagree: {row:?}", case.baseline);
                assert_eq!(unset("duration"), unset("resp_bytes"), "{}: duration and resp_bytes disagree: {row:?}", case.baseline);
            }
        }
    }
}

#[test]
fn case_table_matches_manifest() {
    let files = common::manifest_files();
    let listed = |path: &str, role: &str, unit: &str| files.iter().any(|f| f.path == path && f.role == role && f.unit == unit);
    for case in CASES {
        assert!(listed(case.baseline, "expected", case.unit), "{} is not an expected file of unit {}", case.baseline, case.unit);
        for trace in case.traces {
            assert!(listed(trace, "capture", case.unit), "{trace} is not a capture of unit {}", case.unit);
        }
    }
}

/// Returns the `zeek` command lines of the btest that wrote a case's baseline, as MANIFEST.md
/// quotes them. The btest's path is the baseline folder with dots for slashes.
fn btest_commands(case: &Case) -> Vec<String> {
    let folder = case.baseline.rsplit('/').nth(1).unwrap_or("");
    let test_line = format!("test testing/btest/{}", folder.replace('.', "/"));
    let section = common::manifest_section(case.unit);
    let trace_name = file_name(case.traces[0]);
    section
        .lines()
        .skip_while(|line| !line.trim().starts_with(&test_line))
        .skip(1)
        .take_while(|line| !line.trim().starts_with("test "))
        .filter(|line| line.contains("@TEST-EXEC: zeek ") && line.contains(trace_name))
        .map(str::to_string)
        .collect()
}

#[test]
fn case_flags_match_btest_commands() {
    for case in CASES {
        let commands = btest_commands(case);
        assert!(!commands.is_empty(), "{}: no zeek command for it in MANIFEST.md", case.baseline);

        for command in &commands {
            let words: Vec<&str> = command.split_whitespace().collect();
            if words.contains(&"-C") {
                assert!(case.ignore_checksums, "{}: the btest runs zeek -C but the case checks checksums", case.baseline);
            }
            let bare = words.contains(&"-b");
            assert_eq!(bare, case.bare_scripts.is_some(), "{}: bare run (-b) disagrees with the case: {command}", case.baseline);
        }
    }
}

#[test]
fn render_follows_zeek_unset_rules() {
    let conn = Connection {
        ts: wormscope_core::time::Timestamp(0),
        uid: "C1".into(),
        orig_h: "10.0.0.1".parse().unwrap(),
        orig_p: 8,
        resp_h: "10.0.0.2".parse().unwrap(),
        resp_p: 0,
        proto: Proto::Icmp,
        ip_proto: 1,
        service: None,
        duration: 0,
        orig_bytes: 0,
        resp_bytes: 0,
        conn_state: wormscope_core::conn::ConnState::OTH,
        local_orig: true,
        local_resp: false,
        missed_bytes: 0,
        history: String::new(),
        orig_pkts: 1,
        orig_ip_bytes: 84,
        resp_pkts: 0,
        resp_ip_bytes: 0,
        tunnel_parents: Vec::new(),
        file_index: 0,
        first_packet: 1,
    };
    let row = render(&conn);
    assert_eq!(row["duration"], "-");
    assert_eq!(row["orig_bytes"], "-");
    assert_eq!(row["history"], "-");
    assert_eq!(row["service"], "-");
    assert_eq!(format_seconds(3_061_298_400), "3.061298");
}
