//! Calendar invitations (RFC 5545) for the e-mails that confirm, move or cancel an
//! appointment: one UID per appointment, a SEQUENCE that goes up with each change, and
//! METHOD:CANCEL for a cancellation, so the shopper's calendar updates the same event.

use jiff::Timestamp;

/// What the invitation does to the event in the shopper's calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Adds it, or updates it when the SEQUENCE is higher.
    Request,
    Cancel,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invitation<'a> {
    pub method: Method,
    pub uid: &'a str,
    pub sequence: i64,
    pub start: Timestamp,
    pub end: Timestamp,
    /// When this revision was made.
    pub stamp: Timestamp,
    /// "Essayage — Élégance Paris".
    pub summary: &'a str,
    /// The shop's address.
    pub location: &'a str,
    pub organizer: &'a str,
    pub attendee: &'a str,
}

/// A UTC date-time as RFC 5545 writes it: 20261205T140000Z.
fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values escape backslashes, semicolons, commas and line breaks (3.3.11).
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Lines longer than 75 octets are folded: CRLF and a space, never inside a character
/// (3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

/// The invitation as a `text/calendar` body.
pub fn render(i: &Invitation<'_>) -> String {
    let (method, status) = match i.method {
        Method::Request => ("REQUEST", "CONFIRMED"),
        Method::Cancel => ("CANCEL", "CANCELLED"),
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//Comptoir//Rendez-vous//FR".into(),
        "CALSCALE:GREGORIAN".into(),
        format!("METHOD:{method}"),
        "BEGIN:VEVENT".into(),
        format!("UID:{}", i.uid),
        format!("SEQUENCE:{}", i.sequence),
        format!("DTSTAMP:{}", utc(i.stamp)),
        format!("DTSTART:{}", utc(i.start)),
        format!("DTEND:{}", utc(i.end)),
        format!("SUMMARY:{}", text(i.summary)),
        format!("LOCATION:{}", text(i.location)),
        format!("STATUS:{status}"),
        format!("ORGANIZER:mailto:{}", i.organizer),
        format!(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;RSVP=FALSE:mailto:{}",
            i.attendee
        ),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ];
    let mut out = String::new();
    for line in &lines {
        fold(line, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invitation(method: Method, sequence: i64) -> String {
        render(&Invitation {
            method,
            uid: "3f9a@comptoir",
            sequence,
            start: "2026-12-05T14:00:00Z".parse().unwrap(),
            end: "2026-12-05T14:30:00Z".parse().unwrap(),
            stamp: "2026-12-01T09:15:00Z".parse().unwrap(),
            summary: "Essayage, retouches; robe « Fleurie » — Élégance Paris",
            location: "24 Rue de Rivoli, 75004 Paris\nau fond de la boutique",
            organizer: "bonjour@elegance-paris.test",
            attendee: "marie.lenoir@example.org",
        })
    }

    /// Lines as a reader sees them, folds undone.
    fn unfolded(ics: &str) -> Vec<String> {
        ics.replace("\r\n ", "")
            .split("\r\n")
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn an_invitation_is_well_formed_and_escaped() {
        let ics = invitation(Method::Request, 0);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(
            !ics.replace("\r\n", "").contains('\n'),
            "only CRLF line ends"
        );
        for line in ics.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        let lines = unfolded(&ics);
        for expected in [
            "METHOD:REQUEST",
            "UID:3f9a@comptoir",
            "SEQUENCE:0",
            "DTSTAMP:20261201T091500Z",
            "DTSTART:20261205T140000Z",
            "DTEND:20261205T143000Z",
            "SUMMARY:Essayage\\, retouches\\; robe « Fleurie » — Élégance Paris",
            "LOCATION:24 Rue de Rivoli\\, 75004 Paris\\nau fond de la boutique",
            "STATUS:CONFIRMED",
        ] {
            assert!(
                lines.iter().any(|l| l == expected),
                "{expected} in {lines:?}"
            );
        }
    }

    #[test]
    fn a_change_raises_the_sequence_and_a_cancellation_cancels_the_same_event() {
        let moved = unfolded(&invitation(Method::Request, 1));
        assert!(moved.contains(&"SEQUENCE:1".to_string()));
        let cancelled = unfolded(&invitation(Method::Cancel, 2));
        for expected in [
            "METHOD:CANCEL",
            "STATUS:CANCELLED",
            "UID:3f9a@comptoir",
            "SEQUENCE:2",
        ] {
            assert!(cancelled.iter().any(|l| l == expected), "{expected}");
        }
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "é".repeat(100)), &mut out);
        for line in out.split("\r\n") {
            assert!(line.len() <= 75);
        }
        assert_eq!(
            out.replace("\r\n ", "").trim_end(),
            format!("SUMMARY:{}", "é".repeat(100))
        );
    }
}
