//! The IETF syslog header (RFC 5424) with its structured data.
//!
//! RFC 5424 section 6: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`,
//! where `-` stands for an empty field and TIMESTAMP is RFC 3339 with a zone. STRUCTURED-DATA
//! is `-` or one or more `[SD-ID name="value" ...]` elements; inside a value, `"`, `\` and `]`
//! are escaped with a backslash (section 6.3.3), and a backslash before any other character is
//! kept as written. MSG may start with a UTF-8 BOM, which is removed here.

use super::datetime::rfc3339;
use super::rfc3164::pri;
use super::{SdElement, SyslogMessage};
use nom::bytes::complete::tag;
use nom::{IResult, Parser};

/// Parses a line as an RFC 5424 message; returns `None` if the header does not match.
pub fn parse(line: &str) -> Option<SyslogMessage<'_>> {
    let (rest, pri_value) = pri(line).ok()?;
    let (rest, _) = tag::<_, _, nom::error::Error<&str>>("1 ").parse(rest).ok()?;

    let (timestamp, rest) = split_field(rest)?;
    let time = if timestamp == "-" {
        None
    } else {
        match rfc3339(timestamp) {
            Ok(("", time)) => Some(time),
            _ => return None,
        }
    };
    let (host, rest) = split_field(rest)?;
    let (app, rest) = split_field(rest)?;
    let (procid, rest) = split_field(rest)?;
    let (msgid, rest) = split_field(rest).unwrap_or((rest, ""));

    let (rest, structured_data) = structured_data(rest).ok()?;
    let msg = rest.strip_prefix(' ').unwrap_or(rest);
    let msg = msg.strip_prefix('\u{feff}').unwrap_or(msg);

    Some(SyslogMessage {
        pri: Some(pri_value),
        time,
        host: nil_to_none(host),
        program: nil_to_none(app),
        pid: nil_to_none(procid),
        msgid: nil_to_none(msgid),
        structured_data,
        content: msg,
        message: msg,
        level: None,
    })
}

/// Returns `None` for RFC 5424's NILVALUE `-`.
fn nil_to_none(field: &str) -> Option<&str> {
    (field != "-" && !field.is_empty()).then_some(field)
}

/// Splits off one space-terminated header field.
fn split_field(text: &str) -> Option<(&str, &str)> {
    let end = text.find(' ')?;
    Some((&text[..end], &text[end + 1..]))
}

/// Parses STRUCTURED-DATA: `-` or a run of SD elements.
fn structured_data(input: &str) -> IResult<&str, Vec<SdElement>> {
    if let Some(rest) = input.strip_prefix('-') {
        return Ok((rest, Vec::new()));
    }
    if input.is_empty() {
        return Ok((input, Vec::new()));
    }
    let mut elements = Vec::new();
    let mut rest = input;
    while rest.starts_with('[') {
        let (after, element) = sd_element(rest)?;
        elements.push(element);
        rest = after;
    }
    if elements.is_empty() {
        return Err(nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Tag)));
    }
    Ok((rest, elements))
}

/// Parses one `[SD-ID name="value" ...]` element, undoing the escapes in values.
fn sd_element(input: &str) -> IResult<&str, SdElement> {
    let fail = || nom::Err::Error(nom::error::Error::new(input, nom::error::ErrorKind::Char));
    let body = input.strip_prefix('[').ok_or_else(fail)?;
    let id_end = body.find([' ', ']']).ok_or_else(fail)?;
    let mut element = SdElement { id: body[..id_end].to_string(), params: Vec::new() };
    let mut rest = &body[id_end..];
    loop {
        rest = rest.trim_start_matches(' ');
        if let Some(after) = rest.strip_prefix(']') {
            return Ok((after, element));
        }
        let equals = rest.find("=\"").ok_or_else(fail)?;
        let name = rest[..equals].to_string();
        let (value, after) = sd_value(&rest[equals + 2..]).ok_or_else(fail)?;
        element.params.push((name, value));
        rest = after;
    }
}

/// Reads a PARAM-VALUE up to its closing quote; returns the unescaped value and the rest.
fn sd_value(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[index + 1..])),
            '\\' => match chars.next() {
                Some((_, escaped @ ('"' | '\\' | ']'))) => value.push(escaped),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => return None,
            },
            other => value.push(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_structured_data_escapes() {
        let line = r#"<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" somekey="[value\] more data"][examplePriority@32473 class="high"] Some message"#;
        let message = parse(line).unwrap();
        assert_eq!(message.host, Some("mymachine.example.com"));
        assert_eq!(message.program, Some("evntslog"));
        assert_eq!(message.msgid, Some("ID47"));
        assert_eq!(message.structured_data.len(), 2);
        assert_eq!(message.structured_data[0].params[1], ("somekey".to_string(), "[value] more data".to_string()));
        assert_eq!(message.message, "Some message");
    }

    #[test]
    fn parse_nil_fields_and_bom() {
        let message =
            parse("<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - \u{feff}su root failed").unwrap();
        assert_eq!(message.pid, None);
        assert!(message.structured_data.is_empty());
        assert_eq!(message.message, "su root failed");
    }

    #[test]
    fn parse_keeps_unknown_escape() {
        let line =
            r#"<165>1 2022-09-22T13:07:54.228490+00:00 server1 api 12345 - [meta@123 x="\"Hello\" \A/World"] body"#;
        let message = parse(line).unwrap();
        assert_eq!(message.structured_data[0].params[0].1, r#""Hello" \A/World"#);
    }

    #[test]
    fn parse_rejects_unterminated_sd() {
        assert!(parse(r#"<14>1 2021-05-06T08:02:30Z host APP 1000 l [c q="x"#).is_none());
    }
}
