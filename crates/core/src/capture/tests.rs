//! Tests of capture framing on real files and on hand-built byte strings.

use super::*;
use std::path::PathBuf;

fn corpus(path: &str) -> Vec<u8> {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// One packet as the tests see it: number, ts, linktype, caplen and origlen.
type PacketSummary = (u64, i64, u16, u32, u32);

/// Reads `bytes` in chunks of `chunk` bytes; returns (number, ts, linktype, caplen) per packet.
fn read_all(bytes: &[u8], chunk: usize) -> (Vec<PacketSummary>, Result<(), CaptureError>) {
    let mut reader = CaptureReader::new();
    let mut seen = Vec::new();
    for piece in bytes.chunks(chunk.max(1)) {
        let result = reader.push(piece, &mut |p: &RawPacket| seen.push((p.number, p.ts.0, p.linktype, p.caplen, p.interface)));
        if result.is_err() {
            return (seen, result);
        }
    }
    let result = reader.finish();
    (seen, result)
}

// === pcap ===

#[test]
fn pcap_same_records_for_any_chunk_size() {
    let bytes = corpus("zeek/traces/wikipedia.pcap");
    let (whole, result) = read_all(&bytes, bytes.len());
    result.unwrap();
    assert!(whole.len() > 10);
    for chunk in [1, 7, 64 * 1024] {
        let (pieces, result) = read_all(&bytes, chunk);
        result.unwrap();
        assert_eq!(pieces, whole, "chunk size {chunk}");
    }
}

#[test]
fn pcap_nanosecond_magic_keeps_nanoseconds() {
    // A nanosecond pcap built by hand: header with magic a1b23c4d, one 1-byte record.
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&0xa1b2_3c4du32.to_le_bytes());
    bytes.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    bytes.extend_from_slice(&100u32.to_le_bytes());
    bytes.extend_from_slice(&123_456_789u32.to_le_bytes());
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.extend_from_slice(&1u32.to_le_bytes());
    bytes.push(0);
    let (packets, result) = read_all(&bytes, 3);
    result.unwrap();
    assert_eq!(packets, vec![(1, 100_123_456_789, 1, 1, 0)]);
}

#[test]
fn pcap_big_endian_matches_little_endian() {
    // The same record in both byte orders must give the same packet.
    let record = |be: bool| {
        let w = |v: u32| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let h = |v: u16| if be { v.to_be_bytes() } else { v.to_le_bytes() };
        let mut b = Vec::new();
        b.extend_from_slice(&w(0xa1b2_c3d4));
        b.extend_from_slice(&h(2));
        b.extend_from_slice(&h(4));
        b.extend_from_slice(&w(0));
        b.extend_from_slice(&w(0));
        b.extend_from_slice(&w(65535));
        b.extend_from_slice(&w(101));
        b.extend_from_slice(&w(7));
        b.extend_from_slice(&w(250_000));
        b.extend_from_slice(&w(2));
        b.extend_from_slice(&w(2));
        b.extend_from_slice(&[0x45, 0]);
        b
    };
    let (le, r1) = read_all(&record(false), 5);
    let (be, r2) = read_all(&record(true), 5);
    r1.unwrap();
    r2.unwrap();
    assert_eq!(le, vec![(1, 7_250_000_000, 101, 2, 0)]);
    assert_eq!(le, be);
}

#[test]
fn pcap_caplen_over_origlen_is_clamped_and_counted() {
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0, 0, 0, 1, 0, 0, 0]);
    b.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 40, 0, 0, 0, 20, 0, 0, 0]);
    b.extend_from_slice(&[0u8; 40]);
    let mut reader = CaptureReader::new();
    let mut caplens = Vec::new();
    reader.push(&b, &mut |p: &RawPacket| caplens.push(p.caplen)).unwrap();
    reader.finish().unwrap();
    assert_eq!(caplens, vec![20]);
    assert_eq!(reader.anomalies().get("caplen_exceeds_origlen"), Some(&1));
}

#[test]
fn pcap_truncated_record_names_offset() {
    let bytes = corpus("zeek/traces/tcp/syn-then-rst.pcap");
    let cut = &bytes[..bytes.len() - 5];
    let (packets, result) = read_all(cut, 64);
    let err = result.unwrap_err();
    assert_eq!(packets.len(), 1);
    assert!(matches!(err.kind, CaptureErrorKind::Truncated { what: "pcap record", .. }), "{err}");
    assert!(err.offset > 24);
}

#[test]
fn pcap_unsupported_version_rejected() {
    let bytes = corpus("libpcap/tests/pcap-invalid-version-2.pcap");
    let (_, result) = read_all(&bytes, 4096);
    let err = result.unwrap_err();
    assert_eq!(err.to_string(), "unsupported pcap file version 2.5 (expected 2.4)");
    assert_eq!(err.offset, 0);
}

#[test]
fn unknown_and_empty_files_rejected() {
    let (_, result) = read_all(b"<13>Mar  1 hello", 4);
    assert_eq!(result.unwrap_err().to_string(), "not a pcap or pcapng capture: unknown magic number 3c31333e");
    let (_, result) = read_all(b"", 4);
    assert_eq!(result.unwrap_err().kind, CaptureErrorKind::Empty);
}

#[test]
fn huge_caplen_rejected_without_buffering() {
    let mut b = Vec::new();
    b.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    b.extend_from_slice(&[2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0]);
    b.extend_from_slice(&[1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 20, 0, 0, 0]);
    let (_, result) = read_all(&b, 8);
    let err = result.unwrap_err();
    assert_eq!(err.offset, 24);
    assert!(matches!(err.kind, CaptureErrorKind::RecordTooLong { length: 0xffff_ffff }));
}

// === pcapng ===

/// Sums the EPB, SPB and OPB entries of the "Block counts" list in a pcapng-test-generator
/// inventory file (lines such as `\tEPB: 2`).
fn generator_packet_blocks(txt: &str) -> usize {
    txt.lines()
        .filter_map(|line| line.trim().split_once(": "))
        .filter(|(kind, _)| matches!(*kind, "EPB" | "SPB" | "OPB"))
        .map(|(_, count)| count.trim().parse::<usize>().unwrap())
        .sum()
}

#[test]
fn pcapng_generator_files_both_byte_orders() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/pcapng-test-generator");
    let mut checked = 0;
    for group in ["basic", "advanced", "difficult"] {
        for entry in std::fs::read_dir(dir.join("output_le").join(group)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("pcapng") {
                continue;
            }
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            let le = std::fs::read(&path).unwrap();
            let be = std::fs::read(dir.join("output_be").join(group).join(&name)).unwrap();
            let txt = std::fs::read_to_string(path.with_extension("txt")).unwrap();
            let (le_packets, r1) = read_all(&le, 7);
            let (be_packets, r2) = read_all(&be, 64 * 1024);
            assert!(r1.is_ok(), "{group}/{name} le: {:?}", r1);
            assert!(r2.is_ok(), "{group}/{name} be: {:?}", r2);
            assert_eq!(le_packets, be_packets, "{group}/{name}: byte orders differ");
            assert_eq!(le_packets.len(), generator_packet_blocks(&txt), "{group}/{name}: packet blocks in {txt}");
            checked += 1;
        }
    }
    assert!(checked >= 15, "only {checked} files checked");
}

#[test]
fn pcapng_multi_interface_keeps_linktypes() {
    let bytes = corpus("zeek/traces/pcapng-multi-interface.pcapng");
    let (packets, result) = read_all(&bytes, 1);
    result.unwrap();
    let interfaces: std::collections::BTreeSet<u32> = packets.iter().map(|p| p.4).collect();
    assert!(interfaces.len() > 1, "interfaces seen: {interfaces:?}");
    let times: Vec<i64> = packets.iter().map(|p| p.1).collect();
    assert!(times.iter().all(|&t| t > 1_000_000_000 * NS), "timestamps decoded per interface: {times:?}");
}

const NS: i64 = 1_000_000_000;

#[test]
fn pcapng_tsresol_power_of_two_and_ten() {
    // Section with two interfaces: if_tsresol 9 (10^-9) and 0x8a (2^-10).
    let mut b = Vec::new();
    let block = |b: &mut Vec<u8>, kind: u32, body: &[u8]| {
        let len = (12 + body.len()) as u32;
        b.extend_from_slice(&kind.to_le_bytes());
        b.extend_from_slice(&len.to_le_bytes());
        b.extend_from_slice(body);
        b.extend_from_slice(&len.to_le_bytes());
    };
    let mut shb = Vec::new();
    shb.extend_from_slice(&0x1a2b_3c4du32.to_le_bytes());
    shb.extend_from_slice(&[1, 0, 0, 0]);
    shb.extend_from_slice(&(-1i64).to_le_bytes());
    block(&mut b, 0x0a0d_0d0a, &shb);
    for resol in [9u8, 0x8a] {
        let mut idb = vec![1, 0, 0, 0, 0, 0, 0, 0];
        idb.extend_from_slice(&[9, 0, 1, 0, resol, 0, 0, 0, 0, 0, 0, 0]);
        block(&mut b, 1, &idb);
    }
    for (if_id, units) in [(0u32, 5 * NS as u64 + 7), (1, 5 * 1024 + 512)] {
        let mut epb = Vec::new();
        epb.extend_from_slice(&if_id.to_le_bytes());
        epb.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
        epb.extend_from_slice(&(units as u32).to_le_bytes());
        epb.extend_from_slice(&4u32.to_le_bytes());
        epb.extend_from_slice(&4u32.to_le_bytes());
        epb.extend_from_slice(&[0x45, 0, 0, 0]);
        block(&mut b, 6, &epb);
    }
    let (packets, result) = read_all(&b, 5);
    result.unwrap();
    assert_eq!(packets.iter().map(|p| p.1).collect::<Vec<_>>(), vec![5 * NS + 7, 5 * NS + NS / 2]);
}

#[test]
fn pcapng_unsupported_versions_rejected() {
    for (file, version) in [("pcapng-invalid-vers-1.pcapng", "0.1"), ("pcapng-invalid-vers-2.pcapng", "1.1")] {
        let bytes = corpus(&format!("libpcap/tests/{file}"));
        let (_, result) = read_all(&bytes, 100);
        let err = result.unwrap_err();
        assert_eq!(err.to_string(), format!("unsupported pcapng section version {version} (expected 1.0)"), "{file}");
    }
}

#[test]
fn pcapng_trailer_mismatch_rejected() {
    let bytes = corpus("libpcap/tests/shb-option-too-long.pcapng");
    let (_, result) = read_all(&bytes, 100);
    let err = result.unwrap_err();
    assert!(matches!(err.kind, CaptureErrorKind::BlockLengthMismatch { .. } | CaptureErrorKind::InvalidBlockLength { .. }), "{err}");
}
