//! Decoding tests on real captures: each link type reaches the IP layer.

use super::*;
use crate::capture::{CaptureReader, RawPacket};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// A delivered packet as the tests see it: source, destination, IP protocol, fragment flag.
type Delivered = (IpAddr, IpAddr, u8, bool);

/// Decodes a corpus file; returns delivered packets and skip counts.
fn decode_file(path: &str) -> (Vec<Delivered>, BTreeMap<&'static str, u64>) {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus").join(path);
    let bytes = std::fs::read(&full).unwrap();
    let mut reader = CaptureReader::new();
    let mut decoder = Decoder::default();
    let mut packets = Vec::new();
    let mut skipped = BTreeMap::new();
    reader
        .push(&bytes, &mut |raw: &RawPacket| {
            let outcome = decoder.decode(raw, &mut |p: &Packet| packets.push((p.src, p.dst, p.ip_proto, p.checksum_ok)));
            if let DecodeOutcome::Skipped(reason) = outcome {
                *skipped.entry(reason.as_str()).or_default() += 1;
            }
        })
        .unwrap();
    reader.finish().unwrap();
    (packets, skipped)
}

#[test]
fn ethernet_http_decodes_tcp() {
    let (packets, skipped) = decode_file("wireshark-wiki-samples/simple_http.pcap");
    assert!(!packets.is_empty());
    assert!(packets.iter().all(|p| p.2 == 6), "{skipped:?}");
}

#[test]
fn sll2_decodes_same_as_ethernet() {
    let (eth, _) = decode_file("wireshark-wiki-samples/simple_http.pcap");
    let (sll2, skipped) = decode_file("wireshark-wiki-samples/simple_http_sll2.pcap");
    assert!(skipped.is_empty(), "{skipped:?}");
    let strip = |v: &Vec<(IpAddr, IpAddr, u8, bool)>| v.iter().map(|p| (p.0, p.1, p.2)).collect::<Vec<_>>();
    assert_eq!(strip(&eth), strip(&sll2));
}

#[test]
fn qinq_reaches_ip() {
    let (packets, skipped) = decode_file("zeek/traces/q-in-q.pcap");
    assert!(!packets.is_empty(), "{skipped:?}");
}

#[test]
fn fragments_are_reassembled() {
    // A SYN, three fragments of one HTTP request (tshark reassembles them in packet 5), a FIN.
    let (packets, skipped) = decode_file("zeek/traces/ipv4/fragmented-4.pcap");
    assert_eq!(packets.len(), 3, "{skipped:?}");
    assert!(packets.iter().all(|p| p.2 == 6));
    // fragmented-3 never sends the last fragment (every fragment has MF set): nothing results.
    let (packets, _) = decode_file("zeek/traces/ipv4/fragmented-3.pcap");
    assert!(packets.is_empty());
}

#[test]
fn bad_checksums_are_flagged() {
    let (packets, _) = decode_file("zeek/traces/chksums/localhost-bad-chksum.pcap");
    assert!(packets.iter().any(|p| !p.3));
    assert!(packets.iter().any(|p| p.3));
}
