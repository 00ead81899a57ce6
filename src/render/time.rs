//! Times as people read them: a webinar's date and time in its own time zone, for pages, the
//! `summary` other servers show, and calendars.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// A Unix-ms time in `zone`, or in UTC when the zone is unknown.
fn in_zone(millis: i64, zone: &str) -> DateTime<Tz> {
    let zone: Tz = zone.parse().unwrap_or(chrono_tz::UTC);
    zone.from_utc_datetime(
        &DateTime::<Utc>::from_timestamp_millis(millis)
            .unwrap_or_default()
            .naive_utc(),
    )
}

/// `Tuesday 1 December 2026, 18:00–19:30 EST (America/New_York)`; an end on another day
/// is written in full.
pub fn event_when(starts_at: i64, ends_at: i64, zone: &str) -> String {
    let start = in_zone(starts_at, zone);
    let end = in_zone(ends_at, zone);
    let until = if start.date_naive() == end.date_naive() {
        end.format("%H:%M %Z").to_string()
    } else {
        end.format("%A %-d %B %Y, %H:%M %Z").to_string()
    };
    format!(
        "{}–{} ({})",
        start.format("%A %-d %B %Y, %H:%M"),
        until,
        start.timezone().name()
    )
}

/// RFC 3339 in the event's zone, with its offset (`2026-12-01T18:00:00-05:00`).
pub fn local_rfc3339(millis: i64, zone: &str) -> String {
    in_zone(millis, zone).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// iCalendar UTC form (`20261201T230000Z`).
pub fn ical_utc(millis: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(millis)
        .unwrap_or_default()
        .format("%Y%m%dT%H%M%SZ")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webinar_times_are_read_in_their_own_zone() {
        // 2026-12-01T23:00:00Z is 18:00 in New York (EST, UTC-5).
        let start = 1_796_166_000_000;
        let end = start + 90 * 60 * 1000;
        assert_eq!(
            event_when(start, end, "America/New_York"),
            "Tuesday 1 December 2026, 18:00–19:30 EST (America/New_York)"
        );
        assert_eq!(
            local_rfc3339(start, "America/New_York"),
            "2026-12-01T18:00:00-05:00"
        );
        assert_eq!(ical_utc(start), "20261201T230000Z");
        // In Tokyo the same start is the next day.
        assert!(
            event_when(start, end, "Asia/Tokyo").starts_with("Wednesday 2 December 2026, 08:00")
        );
    }
}
