//! The BSD syslog header (RFC 3164) and the file templates that rsyslog and syslog-ng write.
//!
//! RFC 3164 section 4.1: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG[pid]: MSG`, with no year and no
//! zone, the day padded with a space, and PRI = facility × 8 + severity (0 to 191). Real files
//! bend every part of it, so this grammar is as lenient as rsyslog's parser. PRI may be
//! missing (files on disk never have it), a space may precede the time, the day may be unpadded,
//! a year may follow the day, the time may end with a colon, and the HOSTNAME may be missing
//! (busybox forwards without one). rsyslog's file templates put an RFC 3339 time first
//! (`2020-05-31T00:00:45.698463+00:00 localhost rsyslogd: ...`); ChromeOS puts a severity
//! word where the host would be. A message with a PRI but no time keeps its content whole.

use super::datetime::{rfc3164_time, rfc3339, LocalTime};
use super::SyslogMessage;
use nom::bytes::complete::take_while_m_n;
use nom::character::complete::char;
use nom::combinator::map_res;
use nom::sequence::delimited;
use nom::{IResult, Parser};

/// Severity words that ChromeOS writes where the HOSTNAME would be.
const SEVERITY_WORDS: [&str; 10] =
    ["EMERG", "ALERT", "CRIT", "ERR", "ERROR", "WARNING", "WARN", "NOTICE", "INFO", "DEBUG"];

/// Parses `<PRI>`: one to three digits, 0 to 191.
pub fn pri(input: &str) -> IResult<&str, u8> {
    let digits = take_while_m_n(1, 3, |c: char| c.is_ascii_digit());
    map_res(delimited(char('<'), digits, char('>')), |text: &str| match text.parse::<u8>() {
        Ok(value) if value <= 191 => Ok(value),
        _ => Err(()),
    })
    .parse(input)
}

/// Parses a line as a BSD syslog message; returns `None` if it has neither a PRI nor a time.
pub fn parse(line: &str) -> Option<SyslogMessage<'_>> {
    let (after_pri, pri_value) = match pri(line) {
        Ok((rest, value)) => (rest, Some(value)),
        Err(_) => (line, None),
    };

    // rsyslog accepts spaces between PRI and the time ("<167> Mar  7 19:06:53").
    let trimmed = after_pri.trim_start_matches(' ');
    let timed = rfc3164_time(trimmed).or_else(|_| rfc3339(trimmed));
    let (rest, time) = match timed {
        Ok((rest, time)) => (rest, Some(time)),
        Err(_) if pri_value.is_some() => (after_pri, None),
        Err(_) => return None,
    };
    if time.is_some() && !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }

    Some(split_host_and_tag(pri_value, time, rest.trim_start_matches(' ')))
}

/// Splits what follows the time into HOSTNAME, TAG, pid and MSG.
fn split_host_and_tag<'a>(pri: Option<u8>, time: Option<LocalTime>, rest: &'a str) -> SyslogMessage<'a> {
    let mut message = SyslogMessage { pri, time, content: rest, ..SyslogMessage::default() };

    // Without a time, only a leading "tag:" is recognised; anything else is all message.
    if time.is_none() {
        match tag_word(rest) {
            Some((program, pid, msg, true)) => {
                message.program = Some(program);
                message.pid = pid;
                message.message = msg;
            }
            _ => message.message = rest,
        }
        return message;
    }

    let (first, after_first) = split_word(rest);
    let first_is_tag = first.ends_with(':') || (first.contains('[') && first.ends_with("]:"));
    let after_host = if first.is_empty() || first_is_tag {
        rest
    } else if SEVERITY_WORDS.contains(&first) && split_word(after_first).0.ends_with(':') {
        message.level = Some(first);
        after_first
    } else {
        message.host = Some(first);
        after_first
    };
    message.content = after_host;
    if let Some((program, pid, msg, _)) = tag_word(after_host) {
        message.program = Some(program);
        message.pid = pid;
        message.message = msg;
    }
    message
}

/// Splits off the first space-delimited word; returns it and the rest after the spaces.
fn split_word(text: &str) -> (&str, &str) {
    match text.find(' ') {
        Some(end) => (&text[..end], text[end..].trim_start_matches(' ')),
        None => (text, ""),
    }
}

/// Parses `TAG[pid]:`, `TAG:` or `TAG` at the start of `text`; returns the program, the pid,
/// the message after it (leading spaces removed) and whether a colon ended the tag.
///
/// The tag is the first word, cut at its first colon. As in rsyslog, the program name is the
/// tag up to a `[` or `,`, so `05",result_code=200,b` is the tag of program `05"`.
fn tag_word(text: &str) -> Option<(&str, Option<&str>, &str, bool)> {
    let word_end = text.find(' ').unwrap_or(text.len());
    let (tag_end, had_colon) = match text[..word_end].find(':') {
        Some(colon) => (colon, true),
        None => (word_end, false),
    };
    let tag = &text[..tag_end];
    let program = &tag[..tag.find(['[', ',']).unwrap_or(tag.len())];
    if program.is_empty() {
        return None;
    }
    let pid = tag
        .strip_prefix(program)
        .and_then(|rest| rest.strip_prefix('['))
        .and_then(|rest| rest.split_once(']'))
        .map(|(pid, _)| pid);
    let rest = if had_colon { &text[tag_end + 1..] } else { &text[word_end..] };
    Some((program, pid, rest.trim_start_matches(' '), had_colon))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_full_header_with_pid() {
        let message = parse("<167>Mar 27 19:06:53 source_server sshd(pam_unix)[12750]: session opened").unwrap();
        assert_eq!(message.pri, Some(167));
        assert_eq!(message.host, Some("source_server"));
        assert_eq!(message.program, Some("sshd(pam_unix)"));
        assert_eq!(message.pid, Some("12750"));
        assert_eq!(message.message, "session opened");
    }

    #[test]
    fn parse_without_hostname() {
        let message = parse("<30>Jun 23 13:17:42 chronyd[1119]: Selected source 192.168.65.1").unwrap();
        assert_eq!(message.host, None);
        assert_eq!(message.program, Some("chronyd"));
        assert_eq!(message.message, "Selected source 192.168.65.1");
    }

    #[test]
    fn parse_pri_without_header() {
        let message = parse("<38>User logged into the appliance. User: bmagistro.").unwrap();
        assert_eq!(message.pri, Some(38));
        assert_eq!(message.time, None);
        assert_eq!(message.program, None);
        assert_eq!(message.message, "User logged into the appliance. User: bmagistro.");
    }

    #[test]
    fn parse_chromeos_severity_word() {
        let line = "2016-10-25T12:37:23.297265-07:00 INFO periodic_scheduler[13707]: cleanup_logs: job completed";
        let message = parse(line).unwrap();
        assert_eq!(message.host, None);
        assert_eq!(message.level, Some("INFO"));
        assert_eq!(message.program, Some("periodic_scheduler"));
        assert_eq!(message.message, "cleanup_logs: job completed");
    }

    #[test]
    fn parse_rejects_no_pri_no_time() {
        assert!(parse("MMM 22 07:54:32 myhostname.myhost.com anacron[29782]: Normal exit").is_none());
        assert!(parse("1990 Oct 22 10:52:01 scapegoat.dmz.example.org sched[0]: That's All Folks!").is_none());
    }

    #[test]
    fn pri_out_of_range_rejected() {
        assert!(pri("<192>").is_err());
        assert_eq!(pri("<0>x").unwrap(), ("x", 0));
    }
}
